//! Pictures: image grids, line plots and scatter plots, written as PNG.
//!
//! Text is drawn with DejaVu Sans compiled into the crate, so no system fonts are needed.

use std::path::Path;
use std::sync::Once;

use image::{Rgb, RgbImage};
use ndarray::ArrayView2;
use plotters::prelude::*;

use crate::{Error, Result};

static FONT: Once = Once::new();
const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn ensure_font() {
    FONT.call_once(|| {
        // The bundled font is valid; a failure would only mean text is not drawn.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES);
    });
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// How pixel values map to grey levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Normalise {
    /// Values in [0, 1] (clipped) map to black..white.
    #[default]
    Fixed,
    /// Each tile stretched from its own minimum to maximum (weights, filters, activations).
    PerTile,
    /// All tiles stretched by the global minimum and maximum.
    Global,
}

/// A grid of equally sized images, grey or colour.
#[derive(Debug, Clone)]
pub struct ImageGrid<'a> {
    images: ArrayView2<'a, f32>,
    height: usize,
    width: usize,
    /// 1 (grey) or 3 (rows plane by plane: red, green, blue).
    channels: usize,
    columns: usize,
    scale: u32,
    normalise: Normalise,
    captions: Option<Vec<String>>,
    row_titles: Option<Vec<String>>,
}

impl<'a> ImageGrid<'a> {
    /// Tiles from the rows of `images`, each `height × width` pixels, `columns` per row.
    pub fn new(
        images: ArrayView2<'a, f32>,
        height: usize,
        width: usize,
        columns: usize,
    ) -> Result<Self> {
        if images.ncols() != height * width {
            return Err(Error::InvalidInput(format!(
                "rows have {} values, tiles need {height}×{width}",
                images.ncols()
            )));
        }
        if columns == 0 || images.nrows() == 0 {
            return Err(Error::InvalidInput(
                "an image grid needs at least one image and one column".into(),
            ));
        }
        Ok(ImageGrid {
            images,
            height,
            width,
            channels: 1,
            columns,
            scale: 3,
            normalise: Normalise::Fixed,
            captions: None,
            row_titles: None,
        })
    }
    /// Tiles from the rows of `images`, each an image of `shape` (grey, or colour stored plane by
    /// plane as every pixel row in this workspace), `columns` per row.
    pub fn of_shape(
        images: ArrayView2<'a, f32>,
        shape: ae_data::ImageShape,
        columns: usize,
    ) -> Result<Self> {
        if images.ncols() != shape.values() {
            return Err(Error::InvalidInput(format!(
                "rows have {} values, tiles of {shape} images need {}",
                images.ncols(),
                shape.values()
            )));
        }
        let plane = images.slice_move(ndarray::s![.., ..shape.height * shape.width]);
        let mut grid = ImageGrid::new(plane, shape.height, shape.width, columns)?;
        grid.images = images;
        grid.channels = shape.channels;
        Ok(grid)
    }

    /// Screen pixels per image pixel (default 3).
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale.max(1);
        self
    }
    /// How values map to grey levels.
    pub fn normalise(mut self, normalise: Normalise) -> Self {
        self.normalise = normalise;
        self
    }
    /// One caption per tile, drawn above it.
    pub fn captions(mut self, captions: Vec<String>) -> Self {
        self.captions = Some(captions);
        self
    }
    /// One title per row of tiles, drawn at its left (e.g. "original", "noisy", "denoised").
    pub fn row_titles(mut self, titles: Vec<String>) -> Self {
        self.row_titles = Some(titles);
        self
    }

    /// Renders and writes the PNG (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        let n = self.images.nrows();
        let rows = n.div_ceil(self.columns);
        let s = self.scale as usize;
        let (th, tw) = (self.height * s, self.width * s);
        let gap = 2usize;
        let cap_h = if self.captions.is_some() { 14 } else { 0 };
        let left = if self.row_titles.is_some() { 90 } else { 0 };
        let cell_h = th + gap + cap_h;
        let w = left + self.columns * (tw + gap) + gap;
        let h = rows * cell_h + gap;
        let mut img = RgbImage::from_pixel(w as u32, h as u32, Rgb([255, 255, 255]));
        let (gmin, gmax) = min_max(self.images.iter().copied());
        for (t, tile) in self.images.rows().into_iter().enumerate() {
            let (lo, hi) = match self.normalise {
                Normalise::Fixed => (0.0, 1.0),
                Normalise::PerTile => min_max(tile.iter().copied()),
                Normalise::Global => (gmin, gmax),
            };
            let range = if hi > lo { hi - lo } else { 1.0 };
            let (r, c) = (t / self.columns, t % self.columns);
            let (x0, y0) = (left + gap + c * (tw + gap), gap + r * cell_h + cap_h);
            let plane = self.height * self.width;
            let level = |v: f32| (((v - lo) / range).clamp(0.0, 1.0) * 255.0).round() as u8;
            for py in 0..th {
                for px in 0..tw {
                    let i = (py / s) * self.width + px / s;
                    let rgb = if self.channels == 3 {
                        [
                            level(tile[i]),
                            level(tile[plane + i]),
                            level(tile[2 * plane + i]),
                        ]
                    } else {
                        [level(tile[i]); 3]
                    };
                    img.put_pixel((x0 + px) as u32, (y0 + py) as u32, Rgb(rgb));
                }
            }
        }
        if self.captions.is_some() || self.row_titles.is_some() {
            ensure_font();
            let (wu, hu) = (w as u32, h as u32);
            let mut buf = img.into_raw();
            {
                let root = BitMapBackend::with_buffer(&mut buf, (wu, hu)).into_drawing_area();
                let style = ("sans-serif", 11).into_font().color(&BLACK);
                if let Some(caps) = &self.captions {
                    for (t, cap) in caps.iter().enumerate().take(n) {
                        let (r, c) = (t / self.columns, t % self.columns);
                        let pos = (
                            (left + gap + c * (tw + gap)) as i32,
                            (gap + r * cell_h) as i32,
                        );
                        root.draw_text(cap, &style, pos)
                            .map_err(|e| write_err(path, e))?;
                    }
                }
                if let Some(titles) = &self.row_titles {
                    for (r, title) in titles.iter().enumerate().take(rows) {
                        let pos = (4, (gap + r * cell_h + cap_h + th / 2) as i32 - 6);
                        root.draw_text(title, &style, pos)
                            .map_err(|e| write_err(path, e))?;
                    }
                }
                root.present().map_err(|e| write_err(path, e))?;
            }
            img = RgbImage::from_raw(wu, hu, buf).expect("buffer of the same size");
        }
        save_png(&img, path)
    }
}

fn min_max(values: impl Iterator<Item = f32>) -> (f32, f32) {
    values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// Refuses an output path that does not end in `.png` (every figure is a PNG; a `.jpg` name
/// holding PNG bytes would mislead whoever opens it).
pub fn check_png_path(path: &Path) -> Result<()> {
    let is_png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if is_png {
        Ok(())
    } else {
        Err(Error::Write {
            path: path.to_owned(),
            reason: "figures are written as PNG: give a path ending in .png".into(),
        })
    }
}

/// Encodes `img` as PNG and writes it atomically (to a path ending in `.png`).
pub fn save_png(img: &RgbImage, path: &Path) -> Result<()> {
    check_png_path(path)?;
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| write_err(path, e))?;
    crate::report::write_atomically(path, &bytes)
}

/// A named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of class or series `i` (matplotlib's tab10).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn bounds(points: impl Iterator<Item = (f64, f64)>) -> ((f64, f64), (f64, f64)) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        return ((0.0, 1.0), (0.0, 1.0));
    }
    let pad = |a: f64, b: f64| {
        let p = if b > a { (b - a) * 0.05 } else { 0.5 };
        (a - p, b + p)
    };
    (pad(x0, x1), pad(y0, y1))
}

/// A line plot of several series with a legend, written as PNG.
pub fn line_plot(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<()> {
    ensure_font();
    let (w, h) = (800u32, 500u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let ((x0, x1), (y0, y1)) = bounds(series.iter().flat_map(|s| s.points.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| write_err(path, e))?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(|e| write_err(path, e))?;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map_err(|e| write_err(path, e))?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, c.filled())))
                .map_err(|e| write_err(path, e))?;
        }
        if series.len() > 1 || series.iter().any(|s| !s.name.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| write_err(path, e))?;
        }
        root.present().map_err(|e| write_err(path, e))?;
    }
    save_png(&RgbImage::from_raw(w, h, buf).expect("sized buffer"), path)
}

/// Extra markers drawn over a scatter plot (e.g. cluster means).
#[derive(Debug, Clone)]
pub struct Markers {
    /// Legend label.
    pub name: String,
    /// Positions.
    pub points: Vec<(f64, f64)>,
    /// RGB colour.
    pub rgb: (u8, u8, u8),
}

/// A scatter plot with points coloured by `labels` (class names in the legend when given), and
/// optional marker sets drawn on top, written as PNG.
pub fn scatter_plot(
    path: &Path,
    title: &str,
    points: &[(f64, f64)],
    labels: &[usize],
    class_names: Option<&[String]>,
    markers: &[Markers],
) -> Result<()> {
    if points.len() != labels.len() {
        return Err(Error::InvalidInput(format!(
            "{} points but {} labels",
            points.len(),
            labels.len()
        )));
    }
    ensure_font();
    let (w, h) = (700u32, 600u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let all = points
            .iter()
            .copied()
            .chain(markers.iter().flat_map(|m| m.points.iter().copied()));
        let ((x0, x1), (y0, y1)) = bounds(all);
        // Room on the right for the legend, so that it hides no point.
        let x1 = x1 + 0.3 * (x1 - x0);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| write_err(path, e))?;
        chart
            .configure_mesh()
            .draw()
            .map_err(|e| write_err(path, e))?;
        let n_classes = labels.iter().max().map_or(0, |m| m + 1);
        for class in 0..n_classes {
            let c = colour(class);
            let pts: Vec<(f64, f64)> = points
                .iter()
                .zip(labels)
                .filter(|(_, &l)| l == class)
                .map(|(p, _)| *p)
                .collect();
            let name = class_names
                .and_then(|n| n.get(class).cloned())
                .unwrap_or_else(|| class.to_string());
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 2, c.filled())))
                .map_err(|e| write_err(path, e))?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
        }
        for m in markers {
            let c = RGBColor(m.rgb.0, m.rgb.1, m.rgb.2);
            chart
                .draw_series(
                    m.points
                        .iter()
                        .map(|&p| Cross::new(p, 7, c.stroke_width(3))),
                )
                .map_err(|e| write_err(path, e))?
                .label(m.name.clone())
                .legend(move |(x, y)| Cross::new((x + 8, y), 5, c.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| write_err(path, e))?;
        root.present().map_err(|e| write_err(path, e))?;
    }
    save_png(&RgbImage::from_raw(w, h, buf).expect("sized buffer"), path)
}

/// A confusion matrix as a heat map with counts, rows = clusters, columns = labels.
pub fn confusion_png(path: &Path, counts: &[Vec<u64>], title: &str) -> Result<()> {
    ensure_font();
    let rows = counts.len();
    let cols = counts.first().map_or(0, Vec::len);
    let cell = 48u32;
    let (w, h) = (cols as u32 * cell + 80, rows as u32 * cell + 80);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
        let font = ("sans-serif", 12).into_font();
        root.draw_text(
            title,
            &("sans-serif", 14).into_font().color(&BLACK),
            (10, 8),
        )
        .map_err(|e| write_err(path, e))?;
        root.draw_text("label →  cluster ↓", &font.color(&BLACK), (10, 30))
            .map_err(|e| write_err(path, e))?;
        for (i, row) in counts.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let t = v as f64 / max;
                let shade = (255.0 * (1.0 - t)) as u8;
                let (x, y) = (60 + j as i32 * cell as i32, 60 + i as i32 * cell as i32);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell as i32 - 1, y + cell as i32 - 1)],
                    RGBColor(shade, shade, 255).filled(),
                ))
                .map_err(|e| write_err(path, e))?;
                let colour = if t > 0.5 { WHITE } else { BLACK };
                root.draw_text(&v.to_string(), &font.color(&colour), (x + 4, y + 18))
                    .map_err(|e| write_err(path, e))?;
            }
        }
        for j in 0..cols {
            root.draw_text(
                &j.to_string(),
                &font.color(&BLACK),
                (60 + j as i32 * cell as i32 + 18, 46),
            )
            .map_err(|e| write_err(path, e))?;
        }
        for i in 0..rows {
            root.draw_text(
                &i.to_string(),
                &font.color(&BLACK),
                (40, 60 + i as i32 * cell as i32 + 18),
            )
            .map_err(|e| write_err(path, e))?;
        }
        root.present().map_err(|e| write_err(path, e))?;
    }
    save_png(&RgbImage::from_raw(w, h, buf).expect("sized buffer"), path)
}

/// A 2-D embedding (e.g. t-SNE) as points coloured by label, with small thumbnails of the
/// images (28 × 28, values in [0, 1]) pasted where they do not overlap, as PNG.
pub fn embedding_with_thumbnails(
    path: &Path,
    points: &[(f64, f64)],
    labels: &[usize],
    images: ArrayView2<f32>,
) -> Result<()> {
    if points.len() != labels.len() || points.len() != images.nrows() {
        return Err(Error::InvalidInput(format!(
            "{} points, {} labels and {} images must agree",
            points.len(),
            labels.len(),
            images.nrows()
        )));
    }
    if images.ncols() != 784 {
        return Err(Error::InvalidInput("thumbnails need 28 × 28 images".into()));
    }
    let (size, margin) = (900u32, 30f64);
    let mut img = RgbImage::from_pixel(size, size, Rgb([255, 255, 255]));
    let ((x0, x1), (y0, y1)) = bounds(points.iter().copied());
    let span = f64::from(size) - 2.0 * margin;
    let to_px = |(x, y): (f64, f64)| {
        (
            margin + (x - x0) / (x1 - x0).max(1e-12) * span,
            margin + (y1 - y) / (y1 - y0).max(1e-12) * span,
        )
    };
    for (&p, &l) in points.iter().zip(labels) {
        let (px, py) = to_px(p);
        let RGBColor(r, g, b) = colour(l);
        for dx in -2i32..=2 {
            for dy in -2i32..=2 {
                let (x, y) = (px as i32 + dx, py as i32 + dy);
                if x >= 0 && y >= 0 && (x as u32) < size && (y as u32) < size {
                    img.put_pixel(x as u32, y as u32, Rgb([r, g, b]));
                }
            }
        }
    }
    // Thumbnails at least 34 px apart, in data order; each framed in its label's colour.
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let (px, py) = to_px(p);
        if placed
            .iter()
            .any(|&(qx, qy)| (qx - px).abs() < 34.0 && (qy - py).abs() < 34.0)
        {
            continue;
        }
        placed.push((px, py));
        let RGBColor(r, g, b) = colour(labels[i]);
        let (ox, oy) = (px as i64 - 15, py as i64 - 15);
        for ty in 0..30i64 {
            for tx in 0..30i64 {
                let (x, y) = (ox + tx, oy + ty);
                if x < 0 || y < 0 || x >= i64::from(size) || y >= i64::from(size) {
                    continue;
                }
                let pixel = if tx == 0 || ty == 0 || tx == 29 || ty == 29 {
                    Rgb([r, g, b])
                } else {
                    let v = images[[i, ((ty - 1) * 28 + (tx - 1)) as usize]].clamp(0.0, 1.0);
                    let grey = (255.0 * (1.0 - v)) as u8;
                    Rgb([grey, grey, grey])
                };
                img.put_pixel(x as u32, y as u32, pixel);
            }
        }
    }
    save_png(&img, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn grid_has_the_expected_size_and_pixels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.png");
        let mut x = Array2::<f32>::zeros((3, 4));
        x[[1, 0]] = 1.0;
        ImageGrid::new(x.view(), 2, 2, 2)
            .unwrap()
            .scale(1)
            .save(&path)
            .unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        // 2 columns × (2 + 2 gap) + 2, 2 rows likewise.
        assert_eq!(img.dimensions(), (10, 10));
        assert_eq!(
            img.get_pixel(6, 2),
            &Rgb([255, 255, 255]),
            "tile 1, pixel (0,0) is white"
        );
        assert_eq!(img.get_pixel(2, 2), &Rgb([0, 0, 0]), "tile 0 is black");
        assert!(ImageGrid::new(x.view(), 3, 3, 2).is_err());
    }

    #[test]
    fn colour_tiles_read_their_rows_plane_by_plane() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.png");
        // One 1 × 2 colour image: pixel 0 red, pixel 1 teal (planes r, g, b).
        let x = ndarray::array![[1.0f32, 0.0, 0.0, 0.5, 0.0, 0.5]];
        let shape = ae_data::ImageShape::new(1, 2, 3).unwrap();
        ImageGrid::of_shape(x.view(), shape, 1)
            .unwrap()
            .scale(1)
            .save(&path)
            .unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.get_pixel(2, 2), &Rgb([255, 0, 0]));
        assert_eq!(img.get_pixel(3, 2), &Rgb([0, 128, 128]));
        assert!(ImageGrid::of_shape(x.view(), ae_data::ImageShape::grey(2, 2), 1).is_err());
    }

    #[test]
    fn plots_write_pngs_with_drawn_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.png");
        line_plot(
            &p,
            "loss",
            "epoch",
            "loss",
            &[Series {
                name: "train".into(),
                points: vec![(1.0, 3.0), (2.0, 2.0), (3.0, 1.5)],
            }],
        )
        .unwrap();
        let img = image::open(&p).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (800, 500));
        // The series colour appears somewhere: the line was drawn.
        assert!(img.pixels().any(|px| px == &Rgb([31, 119, 180])));
        let s = dir.path().join("s.png");
        scatter_plot(&s, "codes", &[(0.0, 0.0), (1.0, 1.0)], &[0, 1], None, &[]).unwrap();
        assert!(image::open(&s)
            .unwrap()
            .to_rgb8()
            .pixels()
            .any(|px| px == &Rgb([255, 127, 14])));
        let c = dir.path().join("c.png");
        confusion_png(&c, &[vec![5, 0], vec![1, 4]], "confusion").unwrap();
        assert!(image::open(&c).is_ok());
    }
}
