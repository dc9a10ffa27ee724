//! A loader for numeric tables in CSV (S1.5: PCA before a classifier on any tabular data).

use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::{Error, Result};

/// Which column holds the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// No label column.
    None,
    /// The column with this header name.
    Named(String),
    /// The column at this 0-based index (negative counts from the end: -1 is the last).
    Index(isize),
}

/// A numeric table: features as rows of `f64`, optional string labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Names of the feature columns (from the header, or `c0`, `c1`, … without one).
    pub columns: Vec<String>,
    /// One row per record.
    pub features: Array2<f64>,
    /// One label per record when a label column was named.
    pub labels: Option<Vec<String>>,
}

impl Table {
    /// The labels mapped to 0-based class indices in order of first appearance, with the names.
    pub fn label_indices(&self) -> Option<(Vec<usize>, Vec<String>)> {
        let labels = self.labels.as_ref()?;
        let mut names: Vec<String> = Vec::new();
        let idx = labels
            .iter()
            .map(|l| match names.iter().position(|n| n == l) {
                Some(i) => i,
                None => {
                    names.push(l.clone());
                    names.len() - 1
                }
            })
            .collect();
        Some((idx, names))
    }
}

/// Reads a comma-separated table. With `header`, the first line names the columns. Every field
/// except the label's must parse as a number; blank lines are skipped. Errors name the file, line
/// and column.
pub fn read_csv(path: &Path, header: bool, label: &LabelColumn) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_csv(&text, path, header, label)
}

/// Parses CSV text; `origin` names the source in errors.
pub fn parse_csv(text: &str, origin: &Path, header: bool, label: &LabelColumn) -> Result<Table> {
    let err = |line: usize, reason: String| Error::Csv {
        path: PathBuf::from(origin),
        line,
        reason,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let split = |l: &str| -> Vec<String> {
        l.split(',')
            .map(|f| f.trim().trim_matches('"').to_owned())
            .collect()
    };
    let (mut names, first_data) = if header {
        let (_, h) = lines.next().ok_or_else(|| err(1, "empty file".into()))?;
        (split(h), None)
    } else {
        let first = lines.next().ok_or_else(|| err(1, "empty file".into()))?;
        let n = split(first.1).len();
        ((0..n).map(|i| format!("c{i}")).collect(), Some(first))
    };
    let width = names.len();
    let label_at = match label {
        LabelColumn::None => None,
        LabelColumn::Named(name) => {
            Some(names.iter().position(|n| n == name).ok_or_else(|| {
                err(
                    1,
                    format!("no column named '{name}' (columns: {})", names.join(", ")),
                )
            })?)
        }
        LabelColumn::Index(i) => {
            let resolved = if *i < 0 { width as isize + i } else { *i };
            if resolved < 0 || resolved as usize >= width {
                return Err(err(
                    1,
                    format!("label column {i} is outside the {width} columns"),
                ));
            }
            Some(resolved as usize)
        }
    };
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut rows = 0;
    for (line_no, line) in first_data.into_iter().chain(lines) {
        let fields = split(line);
        if fields.len() != width {
            return Err(err(
                line_no,
                format!("{} fields, expected {width}", fields.len()),
            ));
        }
        for (c, field) in fields.into_iter().enumerate() {
            if Some(c) == label_at {
                labels.push(field);
            } else {
                let v: f64 = field.parse().map_err(|_| {
                    err(
                        line_no,
                        format!("column '{}': '{field}' is not a number", names[c]),
                    )
                })?;
                values.push(v);
            }
        }
        rows += 1;
    }
    if let Some(c) = label_at {
        names.remove(c);
    }
    let features =
        Array2::from_shape_vec((rows, names.len()), values).map_err(|e| err(0, e.to_string()))?;
    Ok(Table {
        columns: names,
        features,
        labels: label_at.map(|_| labels),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_and_label() {
        let t = parse_csv(
            "a,b,kind\n1,2,x\n\n3,4.5,y\n",
            Path::new("t.csv"),
            true,
            &LabelColumn::Named("kind".into()),
        )
        .unwrap();
        assert_eq!(t.columns, vec!["a", "b"]);
        assert_eq!(t.features, ndarray::array![[1.0, 2.0], [3.0, 4.5]]);
        assert_eq!(
            t.label_indices().unwrap(),
            (vec![0, 1], vec!["x".to_owned(), "y".to_owned()])
        );
        let t = parse_csv(
            "1,2\n3,4\n",
            Path::new("t.csv"),
            false,
            &LabelColumn::Index(-1),
        )
        .unwrap();
        assert_eq!(t.features, ndarray::array![[1.0], [3.0]]);
        assert_eq!(t.labels.unwrap(), vec!["2", "4"]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = parse_csv(
            "a,b\n1,2\n3,oops\n",
            Path::new("d.csv"),
            true,
            &LabelColumn::None,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "d.csv:3: column 'b': 'oops' is not a number");
        let e = parse_csv("a,b\n1\n", Path::new("d.csv"), true, &LabelColumn::None).unwrap_err();
        assert_eq!(e.to_string(), "d.csv:2: 1 fields, expected 2");
        let e = parse_csv(
            "a,b\n1,2\n",
            Path::new("d.csv"),
            true,
            &LabelColumn::Named("z".into()),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no column named 'z'"));
    }
}
