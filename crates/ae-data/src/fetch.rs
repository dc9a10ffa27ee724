//! Fetching a data set into a local data folder, verified and atomic.
//!
//! Sources are tried in order: the caller's mirrors, then `AE_DATA_MIRROR` (a local folder laid
//! out like the project's `shared/data`, or a base URL), then the canonical addresses, then
//! folders where an operating-system package installs the data. A file lands in the data folder
//! only after the SHA-256 of its decompressed content matched, through a temporary file and a
//! rename, so an interrupted or corrupted fetch never leaves a bad file behind.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::atomic::write_atomically;
use crate::registry::{DatasetId, FileKind};
use crate::{idx, Error, Result};

/// The environment variable naming a local or remote mirror.
pub const MIRROR_ENV: &str = "AE_DATA_MIRROR";

/// Where a file can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local folder holding `<dataset>/<file>.gz` (or `<file>.gz`, or uncompressed files).
    Dir(PathBuf),
    /// A base address holding `<dataset>/<file>.gz`.
    MirrorUrl(String),
    /// A canonical base address holding `<file>.gz` directly.
    CanonicalUrl(String),
}

impl Source {
    /// A user-given mirror: a URL when it starts with `http://` or `https://`, else a folder.
    pub fn mirror(spec: &str) -> Source {
        if spec.starts_with("http://") || spec.starts_with("https://") {
            Source::MirrorUrl(spec.to_owned())
        } else {
            Source::Dir(PathBuf::from(spec))
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Dir(p) => write!(f, "folder {}", p.display()),
            Source::MirrorUrl(u) | Source::CanonicalUrl(u) => write!(f, "{u}"),
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Every source failed for a file; each attempt says why.
    #[error("could not fetch {file} of {dataset}; sources tried:\n{}", format_attempts(.attempts))]
    AllSourcesFailed {
        /// The data set.
        dataset: DatasetId,
        /// The file name.
        file: String,
        /// Each source tried and why it failed.
        attempts: Vec<(String, String)>,
    },
}

fn format_attempts(attempts: &[(String, String)]) -> String {
    if attempts.is_empty() {
        return "  (no sources configured)".to_owned();
    }
    attempts
        .iter()
        .map(|(src, why)| format!("  - {src}: {why}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Receives download progress; every method has an empty default.
pub trait Progress {
    /// A download of `total` bytes (when known) starts.
    fn begin(&self, _label: &str, _total: Option<u64>) {}
    /// `bytes` more bytes arrived.
    fn advance(&self, _bytes: u64) {}
    /// The download ended (successfully or not).
    fn end(&self) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Already in the data folder and verified; not fetched again.
    AlreadyPresent,
    /// Fetched from the given source.
    Fetched(String),
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Which file.
    pub kind: FileKind,
    /// Where it is now.
    pub path: PathBuf,
    /// Whether it was fetched or already there.
    pub outcome: FileOutcome,
    /// True when its checksum is pinned and matched; false for unpinned data sets (KMNIST).
    pub verified: bool,
}

/// Fetches data sets into a data folder.
#[derive(Debug, Clone)]
pub struct Fetcher {
    data_dir: PathBuf,
    mirrors: Vec<Source>,
    use_env_mirror: bool,
    use_canonical: bool,
    use_system_dirs: bool,
    timeout: Duration,
}

impl Fetcher {
    /// A fetcher into `data_dir` using, after any added mirrors, `AE_DATA_MIRROR`, the canonical
    /// addresses and system folders.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Fetcher {
            data_dir: data_dir.into(),
            mirrors: Vec::new(),
            use_env_mirror: true,
            use_canonical: true,
            use_system_dirs: true,
            timeout: Duration::from_secs(60),
        }
    }

    /// Adds a mirror, tried before the others in the order added.
    pub fn mirror(mut self, source: Source) -> Self {
        self.mirrors.push(source);
        self
    }

    /// Whether to consult `AE_DATA_MIRROR` (default true).
    pub fn env_mirror(mut self, yes: bool) -> Self {
        self.use_env_mirror = yes;
        self
    }

    /// Whether to try the canonical public addresses (default true).
    pub fn canonical(mut self, yes: bool) -> Self {
        self.use_canonical = yes;
        self
    }

    /// Whether to try folders of operating-system packages (default true).
    pub fn system_dirs(mut self, yes: bool) -> Self {
        self.use_system_dirs = yes;
        self
    }

    /// Time limit for one download (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The sources for `dataset`, in the order they are tried.
    pub fn sources(&self, dataset: DatasetId) -> Vec<Source> {
        let mut sources = self.mirrors.clone();
        if self.use_env_mirror {
            if let Ok(spec) = std::env::var(MIRROR_ENV) {
                if !spec.trim().is_empty() {
                    sources.push(Source::mirror(spec.trim()));
                }
            }
        }
        if self.use_canonical {
            sources.extend(
                dataset
                    .canonical_urls()
                    .iter()
                    .map(|u| Source::CanonicalUrl((*u).to_owned())),
            );
        }
        if self.use_system_dirs {
            sources.extend(dataset.system_dirs().iter().map(|d| Source::Dir(d.into())));
        }
        sources
    }

    /// Where `file` of `dataset` lives in the data folder.
    pub fn destination(&self, dataset: DatasetId, file: FileKind) -> PathBuf {
        file_path(&self.data_dir, dataset, file)
    }

    /// Fetches the four files of `dataset`, skipping those already present and verified.
    pub fn fetch(&self, dataset: DatasetId, progress: &dyn Progress) -> Result<Vec<FileReport>> {
        let dir = self.data_dir.join(dataset.name());
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let sources = self.sources(dataset);
        FileKind::ALL
            .iter()
            .map(|&kind| self.fetch_file(dataset, kind, &sources, progress))
            .collect()
    }

    fn fetch_file(
        &self,
        dataset: DatasetId,
        kind: FileKind,
        sources: &[Source],
        progress: &dyn Progress,
    ) -> Result<FileReport> {
        let dest = self.destination(dataset, kind);
        let verified = dataset.sha256(kind).is_some();
        if dest.exists() {
            match std::fs::read(&dest)
                .map_err(|e| e.to_string())
                .and_then(|b| check_content(&b, dataset, kind, &dest))
            {
                Ok(()) => {
                    return Ok(FileReport {
                        kind,
                        path: dest,
                        outcome: FileOutcome::AlreadyPresent,
                        verified,
                    })
                }
                Err(why) => tracing::warn!(
                    "{} is present but bad ({why}); fetching it again",
                    dest.display()
                ),
            }
        }
        let mut attempts = Vec::new();
        for source in sources {
            for (label, result) in self.candidates(source, dataset, kind, progress) {
                let checked = result.and_then(|bytes| {
                    check_content(&bytes, dataset, kind, Path::new(&label)).map(|()| bytes)
                });
                match checked {
                    Ok(bytes) => {
                        let stored = ensure_gzip(bytes).map_err(|e| Error::io(&dest, e))?;
                        write_atomically(&dest, &stored)?;
                        if !verified {
                            tracing::warn!(
                                "{}: {} has no pinned checksum; accepted UNVERIFIED",
                                dataset,
                                kind.file_name()
                            );
                        }
                        return Ok(FileReport {
                            kind,
                            path: dest,
                            outcome: FileOutcome::Fetched(label),
                            verified,
                        });
                    }
                    Err(why) => attempts.push((label, why)),
                }
            }
        }
        Err(FetchError::AllSourcesFailed {
            dataset,
            file: kind.file_name().to_owned(),
            attempts,
        }
        .into())
    }

    /// The places a source offers for one file, each with its content or why it failed. A folder
    /// offers only the first of its candidate paths that exists.
    fn candidates(
        &self,
        source: &Source,
        dataset: DatasetId,
        kind: FileKind,
        progress: &dyn Progress,
    ) -> Vec<(String, std::result::Result<Vec<u8>, String>)> {
        let name = kind.file_name();
        match source {
            Source::Dir(dir) => {
                let paths = [
                    dir.join(dataset.name()).join(format!("{name}.gz")),
                    dir.join(dataset.name()).join(name),
                    dir.join(format!("{name}.gz")),
                    dir.join(name),
                ];
                match paths.iter().find(|p| p.is_file()) {
                    Some(p) => vec![(
                        p.display().to_string(),
                        std::fs::read(p).map_err(|e| e.to_string()),
                    )],
                    None => vec![(
                        source.to_string(),
                        Err(format!(
                            "no {name}.gz or {name} in it or in its {} folder",
                            dataset.name()
                        )),
                    )],
                }
            }
            Source::MirrorUrl(base) => {
                let url = format!(
                    "{}/{}/{name}.gz",
                    base.trim_end_matches('/'),
                    dataset.name()
                );
                let result = self.download(&url, progress);
                vec![(url, result)]
            }
            Source::CanonicalUrl(base) => {
                let url = format!("{}/{name}.gz", base.trim_end_matches('/'));
                let result = self.download(&url, progress);
                vec![(url, result)]
            }
        }
    }

    fn download(&self, url: &str, progress: &dyn Progress) -> std::result::Result<Vec<u8>, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .build()
            .into();
        let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
        let total = response.body().content_length();
        progress.begin(url.rsplit('/').next().unwrap_or(url), total);
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(idx::MAX_DECOMPRESSED_BYTES)
            .reader();
        let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
        let mut buf = vec![0u8; 64 * 1024];
        let result = loop {
            match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    bytes.extend_from_slice(&buf[..n]);
                    progress.advance(n as u64);
                }
                Err(e) => break Err(e.to_string()),
            }
        };
        progress.end();
        result.map(|()| bytes)
    }
}

/// The data folder when none is given: `$AE_DATA_DIR` when it is set and not empty, else
/// `fallback` (the workspace's `data/`). `ae` and `cargo xtask fetch-mnist` both use this rule.
pub fn default_data_dir(fallback: PathBuf) -> PathBuf {
    std::env::var_os("AE_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or(fallback)
}

/// Where `file` of `dataset` is stored inside `data_dir`: `<data_dir>/<dataset>/<file>.gz`.
pub fn file_path(data_dir: &Path, dataset: DatasetId, file: FileKind) -> PathBuf {
    data_dir
        .join(dataset.name())
        .join(format!("{}.gz", file.file_name()))
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `bytes` (gzip or raw) hold the expected file: the pinned SHA-256 of the
/// decompressed content when there is one, and always a valid IDX of the right rank and count.
fn check_content(
    bytes: &[u8],
    dataset: DatasetId,
    kind: FileKind,
    origin: &Path,
) -> std::result::Result<(), String> {
    let raw = idx::decompress(bytes, origin).map_err(|e| e.kind.to_string())?;
    if let Some(expected) = dataset.sha256(kind) {
        let actual = sha256_hex(&raw);
        if actual != expected {
            return Err(format!(
                "SHA-256 of the decompressed content is {actual}, expected {expected}"
            ));
        }
    }
    let array = idx::parse(&raw, origin).map_err(|e| e.kind.to_string())?;
    if array.dims.len() != kind.rank() || array.dims[0] != kind.count() {
        return Err(format!(
            "holds an array of shape {:?}, expected {} items of rank {}",
            array.dims,
            kind.count(),
            kind.rank()
        ));
    }
    Ok(())
}

fn ensure_gzip(bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_spec_is_url_or_folder() {
        assert_eq!(
            Source::mirror("https://x/y"),
            Source::MirrorUrl("https://x/y".into())
        );
        assert_eq!(
            Source::mirror("../shared/data"),
            Source::Dir("../shared/data".into())
        );
    }

    #[test]
    fn sha256_known_value() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sources_follow_the_documented_order() {
        let f = Fetcher::new("d")
            .mirror(Source::mirror("/m1"))
            .env_mirror(false);
        let s = f.sources(DatasetId::FashionMnist);
        assert_eq!(s[0], Source::Dir("/m1".into()));
        assert!(matches!(s[1], Source::CanonicalUrl(_)));
        assert_eq!(
            s.last().unwrap(),
            &Source::Dir("/usr/share/datasets/fashion-mnist".into())
        );
    }
}
