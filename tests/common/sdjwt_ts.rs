//! Runs `tests/sdjwt-ts/verify.mjs`, the OpenWallet TypeScript library `@sd-jwt/sd-jwt-vc`
//! (installed by `scripts/test.sh`, or `npm ci` in that folder).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn ts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdjwt-ts")
}

/// `node verify.mjs ARGS… < token`: (exit code, stdout and stderr).
pub fn ts_verify(args: &[&str], token: &str) -> (i32, String) {
    let module = ts_dir().join("node_modules/@sd-jwt/sd-jwt-vc/package.json");
    assert!(
        module.exists(),
        "{} is missing: run scripts/test.sh (or `npm ci` in tests/sdjwt-ts)",
        module.display()
    );
    let mut child = Command::new("node")
        .arg(ts_dir().join("verify.mjs"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is not installed: the interop tests need Node.js 20 or later");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
