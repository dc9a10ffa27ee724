//! Writing a file so that it holds either its old content or the whole new one, never a part.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so `path`
/// either keeps its old content or gets the whole new one. Missing folders above `path` are
/// created (as every writer of figures does); the temporary file is removed on error.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_in_folders_made_for_it_with_no_temporary_left() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b/f.bin");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new content").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new content");
        let names: Vec<_> = std::fs::read_dir(root.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_failed_write_names_its_path_keeps_what_was_there_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A folder (not empty) where the file should go: the temporary file is written, the
        // rename onto the folder fails, and the temporary must be removed.
        let target = dir.path().join("t");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside.txt"), b"old").unwrap();
        let e = write_atomically(&target, b"x").unwrap_err();
        assert!(e.to_string().contains(&target.display().to_string()), "{e}");
        assert_eq!(std::fs::read(target.join("inside.txt")).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["t"], "no temporary file left");

        // A file where the target's folder should be: the folder cannot be made.
        let e = write_atomically(&target.join("inside.txt/g.bin"), b"x").unwrap_err();
        assert!(e.to_string().contains("g.bin"), "{e}");
    }
}
