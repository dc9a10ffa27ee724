//! One writer per folder: a run folder (or a pipeline's output folder) is locked while a process
//! writes it, so two processes never interleave their checkpoints and metrics.
//!
//! The lock is a file `.lock` in the folder holding the owner's PID and the start time the
//! kernel gives that process; it is created with `create_new` (atomic) and removed when the
//! [`FolderLock`] is dropped. A lock whose process is gone — or whose PID now belongs to a
//! process that started at another time — is stale (left by `kill -9`) and is taken over.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The lock file's name inside a locked folder.
pub const LOCK_FILE: &str = ".lock";

/// A held lock; dropping it releases the folder.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
}

impl FolderLock {
    /// Locks `dir` (which must exist) for this process, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<FolderLock> {
        let path = dir.join(LOCK_FILE);
        let me = Owner::current();
        for _ in 0..3 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(me.to_string().as_bytes())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(FolderLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    match Owner::parse(&text) {
                        Some(owner) if owner.is_alive() => {
                            return Err(Error::Locked {
                                dir: dir.to_owned(),
                                pid: owner.pid,
                            })
                        }
                        // Being written by its owner this very instant: look again.
                        None if text.is_empty() => {
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            if std::fs::read_to_string(&path).is_ok_and(|t| !t.is_empty()) {
                                continue;
                            }
                        }
                        _ => {}
                    }
                    tracing::warn!(path = %path.display(), "removing a stale lock ({text:?})");
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io(&path, e)),
                    }
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::io(
            &path,
            std::io::Error::other("could not take the lock (another process keeps taking it)"),
        ))
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A process: its PID and the kernel's start time for it (clock ticks since boot; 0 where
/// unknown), which tells a live owner from a new process that reuses its PID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner {
    pid: u32,
    start: u64,
}

impl Owner {
    fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).unwrap_or(0),
        }
    }

    fn parse(text: &str) -> Option<Owner> {
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let start = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        Some(Owner { pid, start })
    }

    fn is_alive(&self) -> bool {
        if !cfg!(target_os = "linux") {
            // Without /proc, a lock is assumed held; the error names the file to delete.
            return true;
        }
        match start_time(self.pid) {
            None => false,
            Some(start) => self.start == 0 || start == self.start,
        }
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.pid, self.start)
    }
}

/// Field 22 of `/proc/PID/stat` (after the parenthesised command name, which may hold spaces),
/// or `None` when the process is gone — or is a zombie (killed, not yet reaped by its parent).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    if matches!(fields.next(), Some("Z" | "X" | "x")) {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_refuses_and_a_stale_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let lock = FolderLock::acquire(dir.path()).unwrap();
        let e = FolderLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(e.contains(&std::process::id().to_string()), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());

        // A dead process (PIDs above the kernel's maximum never exist).
        std::fs::write(dir.path().join(LOCK_FILE), "4194305 12").unwrap();
        let _again = FolderLock::acquire(dir.path()).unwrap();
        // Our PID with another start time: the PID was reused, the lock is stale.
        drop(_again);
        std::fs::write(
            dir.path().join(LOCK_FILE),
            format!("{} 1", std::process::id()),
        )
        .unwrap();
        assert!(FolderLock::acquire(dir.path()).is_ok());
        // A killed process its parent has not reaped yet (a zombie) holds nothing.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::write(dir.path().join(LOCK_FILE), child.id().to_string()).unwrap();
        assert!(FolderLock::acquire(dir.path()).is_ok());
        child.wait().unwrap();
    }
}
