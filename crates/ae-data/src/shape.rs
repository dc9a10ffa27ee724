//! The shape of one image: height, width and channels (1 grey, 3 colour).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Height × width pixels of `channels` values each (1: grey, 3: red, green, blue).
///
/// Pixel rows everywhere in this workspace are channel-planar, as libtorch's NCHW: all the red
/// values row by row, then the green, then the blue; a grey image's row is its pixels row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageShape {
    /// Rows of pixels.
    pub height: usize,
    /// Pixels per row.
    pub width: usize,
    /// Values per pixel: 1 (grey) or 3 (RGB).
    pub channels: usize,
}

impl ImageShape {
    /// MNIST's 28 × 28 grey images.
    pub const MNIST: ImageShape = ImageShape::grey(28, 28);

    /// A grey `height` × `width` shape.
    pub const fn grey(height: usize, width: usize) -> ImageShape {
        ImageShape {
            height,
            width,
            channels: 1,
        }
    }

    /// A shape, checked: every side ≥ 1 and 1 or 3 channels.
    pub fn new(height: usize, width: usize, channels: usize) -> Result<ImageShape> {
        if height == 0 || width == 0 {
            return Err(Error::invalid(
                "size",
                format!("{height} × {width}: images need at least one pixel"),
            ));
        }
        check_channels(channels)?;
        Ok(ImageShape {
            height,
            width,
            channels,
        })
    }

    /// Values per image: height × width × channels.
    pub const fn values(self) -> usize {
        self.height * self.width * self.channels
    }

    /// Whether each pixel has red, green and blue values.
    pub const fn is_colour(self) -> bool {
        self.channels == 3
    }
}

/// Checks a channel count: 1 (grey) or 3 (RGB).
pub fn check_channels(channels: usize) -> Result<()> {
    if channels == 1 || channels == 3 {
        Ok(())
    } else {
        Err(Error::invalid(
            "channels",
            format!("{channels}: must be 1 (grey) or 3 (colour)"),
        ))
    }
}

impl fmt::Display for ImageShape {
    /// `28 × 28 grey` or `32 × 32 RGB`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_colour() { "RGB" } else { "grey" };
        write!(f, "{} × {} {kind}", self.height, self.width)
    }
}

/// Parses `--size`: `H` (square) or `HxW` (also `H×W`).
pub fn parse_size(text: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::invalid(
            "size",
            format!("'{text}' is not H or HxW (e.g. 28 or 32x48)"),
        )
    };
    let number = |s: &str| s.trim().parse::<usize>().ok().filter(|&v| v > 0);
    let text_l = text.to_ascii_lowercase().replace('×', "x");
    match text_l.split_once('x') {
        None => number(&text_l).map(|s| (s, s)).ok_or_else(bad),
        Some((h, w)) => Ok((number(h).ok_or_else(bad)?, number(w).ok_or_else(bad)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_shapes_check() {
        assert_eq!(parse_size("28").unwrap(), (28, 28));
        assert_eq!(parse_size("32x48").unwrap(), (32, 48));
        assert_eq!(parse_size("32×48").unwrap(), (32, 48));
        assert!(parse_size("0").is_err());
        assert!(parse_size("3x").is_err());
        assert_eq!(ImageShape::new(4, 5, 3).unwrap().values(), 60);
        assert!(ImageShape::new(4, 5, 2)
            .unwrap_err()
            .to_string()
            .contains("1 (grey) or 3"));
        assert_eq!(ImageShape::MNIST.to_string(), "28 × 28 grey");
    }
}
