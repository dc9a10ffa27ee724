//! The CSV loader: any text, with or without a header and a label column, gives a rectangular
//! numeric table or an error naming the file and line.
#![no_main]

use std::path::Path;

use ae_data::csv::{parse_csv, LabelColumn};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let header = mode & 1 == 1;
    let label = match (mode >> 1) % 4 {
        0 => LabelColumn::None,
        1 => LabelColumn::Index(-1),
        2 => LabelColumn::Index(i8::from_le_bytes([mode]) as isize / 8),
        _ => LabelColumn::Named("label".into()),
    };
    if let Ok(table) = parse_csv(text, Path::new("fuzz.csv"), header, &label) {
        assert_eq!(table.columns.len(), table.features.ncols());
        if let Some(labels) = &table.labels {
            assert_eq!(labels.len(), table.features.nrows());
        }
    }
});
