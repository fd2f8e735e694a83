//! Small file helpers: atomic writes, private key files with mode 0600.

use std::fs;
use std::path::Path;

use super::PkiError;

pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<(), PkiError> {
    crate::fsutil::write_atomic(path, bytes, private).map_err(io_err(path))
}

pub fn read_to_string(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(io_err(path))
}

/// Reads the first PEM block of a file and returns its DER contents.
pub fn read_pem_der(path: &Path) -> Result<Vec<u8>, PkiError> {
    let text = read_to_string(path)?;
    pem::parse(text)
        .map(|p| p.into_contents())
        .map_err(|e| PkiError::Invalid {
            path: path.to_path_buf(),
            reason: format!("not PEM: {e}"),
        })
}
