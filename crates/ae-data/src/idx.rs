//! The IDX file format of MNIST: a 4-byte magic (`0 0 type ndims`), `ndims` big-endian `u32`
//! sizes, then the payload in row-major order. Only unsigned-byte payloads (type `0x08`) are
//! supported, which covers every MNIST-family file.
//!
//! Files may be gzip-compressed; compression is recognised by the gzip magic bytes, never by the
//! file name. Every malformed input gives an [`IdxError`] naming the file; nothing panics.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// Type code of an unsigned-byte payload.
pub const TYPE_U8: u8 = 0x08;
/// Largest decompressed file accepted (guards against gzip bombs): 1 GiB.
pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 30;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An IDX file that failed to read or validate.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct IdxError {
    /// The file (or a description of the in-memory source).
    pub path: PathBuf,
    /// What was wrong.
    pub kind: IdxErrorKind,
}

/// What was wrong with an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdxErrorKind {
    /// The file could not be read.
    Io(String),
    /// The gzip stream is corrupt or truncated.
    Gzip(String),
    /// Decompressed content exceeds [`MAX_DECOMPRESSED_BYTES`].
    TooLarge,
    /// The header is cut short.
    TruncatedHeader {
        /// Bytes needed for the header.
        needed: usize,
        /// Bytes present.
        found: usize,
    },
    /// The first two bytes are not zero.
    BadMagic([u8; 2]),
    /// The type code is valid IDX but not unsigned bytes, or is not an IDX type at all.
    UnsupportedType(u8),
    /// Zero dimensions.
    NoDimensions,
    /// The number of dimensions differs from what the caller expects.
    WrongRank {
        /// Expected number of dimensions.
        expected: usize,
        /// Found number of dimensions.
        found: usize,
    },
    /// The product of the sizes overflows.
    SizeOverflow,
    /// The payload is shorter or longer than the sizes say.
    PayloadLength {
        /// Bytes the header promises.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
}

impl fmt::Display for IdxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read: {e}"),
            Self::Gzip(e) => write!(f, "corrupt gzip data: {e}"),
            Self::TooLarge => write!(
                f,
                "decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes"
            ),
            Self::TruncatedHeader { needed, found } => {
                write!(
                    f,
                    "truncated header: needs {needed} bytes, file has {found}"
                )
            }
            Self::BadMagic(b) => write!(
                f,
                "not an IDX file: magic starts with {:#04x} {:#04x}, expected 0x00 0x00",
                b[0], b[1]
            ),
            Self::UnsupportedType(t) => write!(
                f,
                "type code {t:#04x} is not supported (only 0x08, unsigned bytes)"
            ),
            Self::NoDimensions => write!(f, "number of dimensions is 0"),
            Self::WrongRank { expected, found } => {
                write!(f, "expected {expected} dimensions, file has {found}")
            }
            Self::SizeOverflow => write!(f, "dimension sizes overflow"),
            Self::PayloadLength { expected, found } => write!(
                f,
                "payload is {found} bytes but the header's sizes need exactly {expected}"
            ),
        }
    }
}

/// A decoded IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// Row-major payload; its length is the product of `dims`.
    pub data: Vec<u8>,
}

/// Reads and validates an IDX file (gzip or raw).
pub fn read(path: &Path) -> Result<IdxArray, IdxError> {
    let bytes = std::fs::read(path).map_err(|e| IdxError {
        path: path.to_owned(),
        kind: IdxErrorKind::Io(e.to_string()),
    })?;
    parse(&bytes, path)
}

/// Reads an IDX file and checks its number of dimensions.
pub fn read_with_rank(path: &Path, rank: usize) -> Result<IdxArray, IdxError> {
    let array = read(path)?;
    if array.dims.len() != rank {
        return Err(IdxError {
            path: path.to_owned(),
            kind: IdxErrorKind::WrongRank {
                expected: rank,
                found: array.dims.len(),
            },
        });
    }
    Ok(array)
}

/// Decompresses `bytes` when they start with the gzip magic; returns them unchanged otherwise.
/// `origin` names the source in errors.
pub fn decompress(bytes: &[u8], origin: &Path) -> Result<Vec<u8>, IdxError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| IdxError {
            path: origin.to_owned(),
            kind: IdxErrorKind::Gzip(e.to_string()),
        })?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(IdxError {
            path: origin.to_owned(),
            kind: IdxErrorKind::TooLarge,
        });
    }
    Ok(out)
}

/// Parses IDX content (gzip or raw) held in memory; `origin` names the source in errors.
pub fn parse(bytes: &[u8], origin: &Path) -> Result<IdxArray, IdxError> {
    let raw = decompress(bytes, origin)?;
    parse_raw(raw, origin)
}

fn parse_raw(mut raw: Vec<u8>, origin: &Path) -> Result<IdxArray, IdxError> {
    let err = |kind| IdxError {
        path: origin.to_owned(),
        kind,
    };
    if raw.len() < 4 {
        return Err(err(IdxErrorKind::TruncatedHeader {
            needed: 4,
            found: raw.len(),
        }));
    }
    if raw[0] != 0 || raw[1] != 0 {
        return Err(err(IdxErrorKind::BadMagic([raw[0], raw[1]])));
    }
    if raw[2] != TYPE_U8 {
        return Err(err(IdxErrorKind::UnsupportedType(raw[2])));
    }
    let ndims = raw[3] as usize;
    if ndims == 0 {
        return Err(err(IdxErrorKind::NoDimensions));
    }
    let header_len = 4 + 4 * ndims;
    if raw.len() < header_len {
        return Err(err(IdxErrorKind::TruncatedHeader {
            needed: header_len,
            found: raw.len(),
        }));
    }
    let dims: Vec<usize> = raw[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| err(IdxErrorKind::SizeOverflow))?;
    let found = (raw.len() - header_len) as u64;
    if found != expected {
        return Err(err(IdxErrorKind::PayloadLength { expected, found }));
    }
    raw.drain(..header_len);
    Ok(IdxArray { dims, data: raw })
}

/// Encodes an unsigned-byte array as raw (uncompressed) IDX bytes.
///
/// # Panics
/// Never for valid input; returns an error message when `dims` is empty, has more than 255
/// entries, a size above `u32::MAX`, or does not match `data.len()`.
pub fn encode(dims: &[usize], data: &[u8]) -> Result<Vec<u8>, String> {
    if dims.is_empty() || dims.len() > 255 {
        return Err(format!("IDX needs 1 to 255 dimensions, got {}", dims.len()));
    }
    if dims.iter().any(|&d| d > u32::MAX as usize) {
        return Err("a dimension exceeds u32::MAX".into());
    }
    if dims.iter().product::<usize>() != data.len() {
        return Err(format!(
            "dims {dims:?} need {} bytes, data has {}",
            dims.iter().product::<usize>(),
            data.len()
        ));
    }
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    out.extend_from_slice(&[0, 0, TYPE_U8, dims.len() as u8]);
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    Ok(out)
}

/// Writes an IDX file, gzip-compressed when `gzip` is true, atomically (temporary file, then
/// rename), so an interrupted write never leaves a partial file at `path`.
pub fn write(path: &Path, dims: &[usize], data: &[u8], gzip: bool) -> crate::Result<()> {
    let raw = encode(dims, data).map_err(|reason| crate::Error::Inconsistent {
        path: path.to_owned(),
        reason,
    })?;
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&raw)
            .and_then(|_| enc.finish())
            .map_err(|e| crate::Error::io(path, e))?
    } else {
        raw
    };
    crate::atomic::write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("mem.idx")
    }

    #[test]
    fn round_trip_raw_and_gzip() {
        let data: Vec<u8> = (0..24).collect();
        let raw = encode(&[2, 3, 4], &data).unwrap();
        let parsed = parse(&raw, p()).unwrap();
        assert_eq!(parsed.dims, vec![2, 3, 4]);
        assert_eq!(parsed.data, data);

        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(parse(&gz, p()).unwrap(), parsed);
    }

    #[test]
    fn known_header_bytes() {
        // Labels file of 3 items: magic 0x00000801, size 3.
        let raw = encode(&[3], &[7, 8, 9]).unwrap();
        assert_eq!(raw, vec![0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
    }

    #[test]
    fn rejects_each_kind_of_bad_header() {
        let kind = |b: &[u8]| parse(b, p()).unwrap_err().kind;
        assert_eq!(
            kind(&[0, 0, 8]),
            IdxErrorKind::TruncatedHeader {
                needed: 4,
                found: 3
            }
        );
        assert_eq!(
            kind(&[1, 0, 8, 1, 0, 0, 0, 0]),
            IdxErrorKind::BadMagic([1, 0])
        );
        assert_eq!(
            kind(&[0, 0, 0x0d, 1, 0, 0, 0, 0]),
            IdxErrorKind::UnsupportedType(0x0d)
        );
        assert_eq!(kind(&[0, 0, 8, 0]), IdxErrorKind::NoDimensions);
        assert_eq!(
            kind(&[0, 0, 8, 2, 0, 0, 0, 1]),
            IdxErrorKind::TruncatedHeader {
                needed: 12,
                found: 8
            }
        );
        assert_eq!(
            kind(&[0, 0, 8, 1, 0, 0, 0, 3, 1, 2]),
            IdxErrorKind::PayloadLength {
                expected: 3,
                found: 2
            }
        );
        assert_eq!(
            kind(&[0, 0, 8, 1, 0, 0, 0, 1, 1, 2]),
            IdxErrorKind::PayloadLength {
                expected: 1,
                found: 2
            }
        );
    }

    #[test]
    fn truncated_gzip_is_a_gzip_error_naming_the_file() {
        let raw = encode(&[100], &[5; 100]).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        let err = parse(&gz[..gz.len() / 2], Path::new("x/train.gz")).unwrap_err();
        assert!(matches!(err.kind, IdxErrorKind::Gzip(_)), "{err}");
        assert!(
            err.to_string().starts_with("x/train.gz: corrupt gzip"),
            "{err}"
        );
    }

    #[test]
    fn rank_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels");
        write(&path, &[4], &[1, 2, 3, 4], true).unwrap();
        let err = read_with_rank(&path, 3).unwrap_err();
        assert_eq!(
            err.kind,
            IdxErrorKind::WrongRank {
                expected: 3,
                found: 1
            }
        );
        assert_eq!(read_with_rank(&path, 1).unwrap().data, vec![1, 2, 3, 4]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = parse(&bytes, p());
        }

        #[test]
        fn truncations_of_valid_files_are_errors(len in 0usize..40, gzip in proptest::prelude::any::<bool>()) {
            let raw = encode(&[2, 2, 5], &[3; 20]).unwrap();
            let bytes = if gzip {
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                enc.write_all(&raw).unwrap();
                enc.finish().unwrap()
            } else { raw.clone() };
            let cut = len.min(bytes.len().saturating_sub(1));
            proptest::prop_assert!(parse(&bytes[..cut], p()).is_err());
        }

        #[test]
        fn mutated_headers_never_panic(pos in 0usize..12, val in proptest::prelude::any::<u8>()) {
            let mut raw = encode(&[1, 2], &[9, 9]).unwrap();
            raw[pos] = val;
            let _ = parse(&raw, p());
        }
    }
}
