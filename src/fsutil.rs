//! Atomic file writes; private files only their owner may read.

use std::io::Write;
use std::path::Path;

/// Writes through a uniquely named temporary file in the same folder, then renames it over
/// `path` and syncs the folder, so a crash leaves the old file or the new one, never half a
/// file, and two writers in one folder (several nodes sharing a PKI folder) never share a
/// temporary name.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        // Only the temporary's prefix: a path without a file name fails at the rename.
        .unwrap_or_else(|| "file".into());
    // tempfile creates the file with mode 0600; a public file is opened up before the rename.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic(path, bytes, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_with_their_modes_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("root.key");
        let crt = dir.path().join("root.crt");
        write_private(&key, b"secret").unwrap();
        write_atomic(&crt, b"cert", false).unwrap();
        write_atomic(&crt, b"cert 2", false).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), b"secret");
        assert_eq!(std::fs::read(&crt).unwrap(), b"cert 2");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&key), 0o600);
            assert_eq!(mode(&crt), 0o644);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "only the two files: {names:?}");
    }

    #[test]
    fn concurrent_writers_in_one_folder_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|s| {
            for i in 0..8 {
                let dir = dir.path();
                s.spawn(move || {
                    for j in 0..20 {
                        let body = format!("{i}-{j}");
                        write_atomic(&dir.join(format!("f{}.crt", i % 2)), body.as_bytes(), false)
                            .unwrap();
                        write_private(&dir.join(format!("f{}.key", i % 2)), body.as_bytes())
                            .unwrap();
                    }
                });
            }
        });
        for f in ["f0.crt", "f1.crt", "f0.key", "f1.key"] {
            let body = std::fs::read_to_string(dir.path().join(f)).unwrap();
            assert!(body.contains('-'), "{f} holds one whole write: {body}");
        }
    }
}
