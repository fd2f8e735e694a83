//! `zhengtong admin rotate-token --data DIR`: offline, on a stopped server's data folder.

use std::path::Path;
use std::process::ExitCode;

use zhengtong::access::tokens;
use zhengtong::store::{Store, StoreError};

pub fn rotate_token(data: &Path) -> ExitCode {
    if !data.join("db").exists() {
        eprintln!(
            "zhengtong: {} holds no database (give the server's --data folder)",
            data.display()
        );
        return ExitCode::FAILURE;
    }
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(StoreError::Sled(sled::Error::Io(e)))
            if e.kind() == std::io::ErrorKind::WouldBlock
                || e.to_string().contains("could not acquire lock") =>
        {
            eprintln!(
                "zhengtong: {} is in use: a running server holds its database lock; stop the server, then run this again",
                data.display()
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("zhengtong: {}: {e}", data.display());
            return ExitCode::FAILURE;
        }
    };
    let path = data.join("admin.token");
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zhengtong: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(tokens::rotate_admin(&store, &path)) {
        Ok(()) => {
            println!(
                "wrote a new admin token to {} (mode 0600); every other admin token is revoked",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zhengtong: {e}");
            ExitCode::FAILURE
        }
    }
}
