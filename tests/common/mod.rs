//! Test harness: runs the real `zhengtong` binary on a free port with temporary folders.
#![allow(dead_code)]

pub mod pdf;
pub mod sdjwt_ts;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_zhengtong");

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub client: Client,
    pub region: String,
}

/// Adds `secs` to the offset in a test clock file (see `src/clock.rs`).
pub fn advance_clock_file(path: &Path, secs: f64) {
    let now: f64 = match std::fs::read_to_string(path) {
        Ok(s) => s.trim().parse().expect("a clock file holds seconds"),
        Err(_) => 0.0,
    };
    std::fs::write(path, format!("{}", now + secs)).expect("write the clock file");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub fn start() -> Server {
        Self::start_args(&[])
    }

    /// A Guangzhou node in a fresh folder, with extra `serve` flags.
    pub fn start_args(extra: &[&str]) -> Server {
        Self::start_with(tempfile::tempdir().unwrap(), None, "440100", extra)
    }

    /// Starts a node; `certs` defaults to `<dir>/certs`.
    pub fn start_with(
        dir: tempfile::TempDir,
        certs: Option<&Path>,
        region: &str,
        extra: &[&str],
    ) -> Server {
        Self::start_env(dir, certs, region, extra, &[])
    }

    /// Like [`Server::start_with`], with extra environment variables for the server.
    pub fn start_env(
        dir: tempfile::TempDir,
        certs: Option<&Path>,
        region: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        Self::start_on(free_port(), dir, certs, region, extra, env)
    }

    /// Starts a node on a given port (nodes that must know each other's URLs).
    pub fn start_on(
        port: u16,
        dir: tempfile::TempDir,
        certs: Option<&Path>,
        region: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        Self::spawn(Command::new(BIN), port, dir, certs, region, extra, env)
    }

    /// A verifier-only node (`serve --verifier-only`) run in `cwd`, anchored on `root`, with
    /// its log, test clock and `--state` folder in `dir` (kept across a restart, as a
    /// node's disk would be).
    pub fn start_verifier_only(
        dir: tempfile::TempDir,
        cwd: &Path,
        root: &Path,
        trust_list: &str,
    ) -> Server {
        let port = free_port();
        let log = std::fs::File::create(dir.path().join(format!("server-{port}.log"))).unwrap();
        let child = Command::new(BIN)
            .current_dir(cwd)
            .args(["serve", "--verifier-only", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--root")
            .arg(root)
            .args(["--trust-list", trust_list, "--trust-list-refresh-s", "1"])
            .arg("--state")
            .arg(dir.path().join("state"))
            .env("RUST_LOG", "info")
            .env("ZT_TEST_CLOCK_FILE", dir.path().join("clock"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start zhengtong --verifier-only");
        Self::healthy(child, port, dir, "")
    }

    /// A Guangzhou node whose address space is capped at `bytes` (RLIMIT_AS): a test that
    /// sends hostile input cannot take the machine's memory, the node aborts instead.
    pub fn start_capped(bytes: u64) -> Server {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(BIN);
        let limit = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let dir = tempfile::tempdir().unwrap();
        Self::spawn(cmd, free_port(), dir, None, "440100", &[], &[])
    }

    fn spawn(
        mut cmd: Command,
        port: u16,
        dir: tempfile::TempDir,
        certs: Option<&Path>,
        region: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let certs = certs
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.path().join("certs"));
        let log = std::fs::File::create(dir.path().join(format!("server-{port}.log"))).unwrap();
        let child = cmd
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--region",
                region,
            ])
            .arg("--data")
            .arg(dir.path().join("data"))
            .arg("--certs")
            .arg(&certs)
            .args(extra)
            .env("RUST_LOG", "info")
            .env("ZT_TEST_CLOCK_FILE", dir.path().join("clock"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start zhengtong");
        Self::healthy(child, port, dir, region)
    }

    /// The started process on `port`, once its `/healthz` answers.
    fn healthy(child: Child, port: u16, dir: tempfile::TempDir, region: &str) -> Server {
        let s = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            region: region.to_string(),
        };
        s.wait_healthy();
        s
    }

    /// Moves this server's clock forward by `secs` (through its test clock file, which
    /// debug builds read at every reading of the clock): tests set time instead of sleeping.
    pub fn advance_clock(&self, secs: f64) {
        advance_clock_file(&self.dir.path().join("clock"), secs);
    }

    pub fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = self.client.get(self.url("/healthz")).send()
                && r.status() == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not become healthy; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with("server-") {
                out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        out
    }

    /// Waits (polling, at most 20 s) until the log contains `needle`: for what the node does
    /// on its own timer (a trust-list refresh), not on the test's clock.
    pub fn wait_for_log(&self, needle: &str) {
        for _ in 0..200 {
            if self.log().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("never logged {needle:?}:\n{}", self.log());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn certs(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data().join("admin.token"))
            .unwrap()
            .trim()
            .to_string()
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().unwrap()
    }

    /// POSTs `body` as it is (not necessarily JSON) with this content type.
    pub fn post_raw(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body.into())
            .send()
            .unwrap()
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().unwrap()
    }

    pub fn role_token(&self, role: &str) -> String {
        let r = self.post(
            "/v1/tokens",
            Some(&self.admin_token()),
            &json!({ "role": role }),
        );
        assert_eq!(r.status(), 201);
        r.json::<Value>().unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Registers a company; returns (uscc, wallet token, licence credential id).
    pub fn register(&self, authority: &str, body: &Value) -> (String, String, String) {
        let r = self.post("/v1/companies", Some(authority), body);
        assert_eq!(r.status(), 201, "{}", r.text().unwrap());
        let v: Value = r.json().unwrap();
        (
            v["uscc"].as_str().unwrap().into(),
            v["wallet_token"].as_str().unwrap().into(),
            v["credentials"][0]["id"].as_str().unwrap().into(),
        )
    }

    pub fn present(
        &self,
        uscc: &str,
        wallet: &str,
        credential_id: &str,
        ttl: Option<i64>,
    ) -> Value {
        let mut body = json!({ "credential_id": credential_id });
        if let Some(t) = ttl {
            body["ttl_s"] = json!(t);
        }
        let r = self.post(
            &format!("/v1/wallets/{uscc}/presentations"),
            Some(wallet),
            &body,
        );
        assert_eq!(r.status(), 201, "{}", r.text().unwrap());
        r.json().unwrap()
    }

    pub fn verify(&self, token: &str) -> Value {
        let r = self.post("/v1/verify", None, &json!({ "token": token }));
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    }

    /// Kills the server (SIGKILL: as a crash) and hands back its folder.
    pub fn kill_keep_dir(mut self) -> tempfile::TempDir {
        self.stop();
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }

    /// The server process's id (to read its /proc/PID/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// The server's peak resident memory so far (VmHWM), in KiB; `None` once it is gone.
    pub fn hwm_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Whether the process still runs (not exited, not a zombie).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `host:port` of the server, for raw TCP connections.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A valid USCC for the n-th test company (check character computed).
pub fn uscc(n: u32) -> String {
    zhengtong::domain::with_check_char(&format!("91440101MA5{n:06}")).unwrap()
}

pub fn company(uscc: &str, name: &str) -> Value {
    json!({
        "uscc": uscc,
        "name": name,
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000,
        "address": "广州市天河区天河路1号",
        "business_scope": "软件开发；信息技术咨询服务",
        "established_on": "2024-03-01",
    })
}

/// A company name of 16 Chinese characters (the QR size target).
pub const NAME16: &str = "广州天河示例智能科技研发有限公司";

pub fn problem(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {status}");
    (status, r.json().unwrap())
}

/// Runs the CLI in an English locale (reports follow `LC_ALL`/`LC_MESSAGES`/`LANG`).
pub fn run_cli(args: &[&str]) -> (i32, String, String) {
    run_cli_env(args, &[])
}

/// The CLI with extra environment (e.g. `ZT_TEST_CLOCK_FILE`, to run it at a later time),
/// in an English locale unless `env` says otherwise.
pub fn run_cli_env(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The venv's Python (or `ZT_PYTHON`), created by scripts/test.sh with the reference libraries.
pub fn python() -> PathBuf {
    let p = std::env::var_os("ZT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(
        p.exists(),
        "{} is missing: run scripts/test.sh, which creates the venv with sd-jwt and PyJWT",
        p.display()
    );
    p
}

/// Runs a command with `input` on stdin; returns stdout, failing the test on a non-zero exit.
pub fn run_with_stdin(cmd: &mut Command, input: &str) -> String {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `tests/interop/check.py COMMAND ARG` (other people's libraries) with `input` on stdin.
pub fn py_check(command: &str, arg: &Path, input: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check.py");
    run_with_stdin(
        Command::new(python()).arg(script).arg(command).arg(arg),
        input,
    )
}

/// Runs an outside tool; returns whether it exited 0 and its stdout then stderr.
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A new NSS database in `dir` (created if missing) that trusts `root` alone, as pdfsig and
/// `certutil -V` read it; returns its `sql:` name.
pub fn nss_db(dir: &Path, root: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let db = format!("sql:{}", dir.display());
    let certutil = |args: &[&str], file: Option<&Path>| {
        let mut cmd = Command::new("certutil");
        cmd.args(args);
        if let Some(f) = file {
            cmd.arg(f);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("certutil: {e}"));
        assert!(out.status.success(), "{cmd:?}: {out:?}");
    };
    certutil(&["-N", "-d", &db, "--empty-password"], None);
    let trust = [
        "-A",
        "-d",
        &db,
        "-n",
        "zhengtong-root",
        "-t",
        "CT,C,C",
        "-i",
    ];
    certutil(&trust, Some(root));
    db
}

/// `zhengtong pki init --certs CERTS --regions REGIONS`, which must succeed.
pub fn init_pki(certs: &Path, regions: &str) {
    let (code, out, err) = run_cli(&[
        "pki",
        "init",
        "--certs",
        certs.to_str().unwrap(),
        "--regions",
        regions,
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

impl Server {
    /// Seals `doc` (sent as the raw body) with the company's e-seal; returns the detached
    /// signature, checked to be 201.
    pub fn seal_document(&self, uscc: &str, wallet: &str, seal_id: &str, doc: &[u8]) -> String {
        let r = self
            .client
            .post(self.url(&format!("/v1/wallets/{uscc}/seals/{seal_id}/sign")))
            .bearer_auth(wallet)
            .header("content-type", "application/octet-stream")
            .body(doc.to_vec())
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().unwrap()["signature"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Files a round official seal for a registered company and issues its e-seal; returns
    /// (the filing, the issued e-seal), both checked to be 201.
    pub fn official_seal(
        &self,
        police: &str,
        authority: &str,
        uscc: &str,
        name: &str,
        code: &str,
    ) -> (Value, Value) {
        let template = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
            "star": true, "arc_text": name, "seal_code": code});
        let r = self.post(
            "/v1/police/seal-filings",
            Some(police),
            &json!({"uscc": uscc, "seal_type": "official", "template": template, "engraver": "广州市某刻章店"}),
        );
        assert_eq!(r.status(), 201, "{}", r.text().unwrap());
        let filing: Value = r.json().unwrap();
        let r = self.post(
            &format!("/v1/wallets/{uscc}/seals"),
            Some(authority),
            &json!({"filing_id": filing["id"]}),
        );
        assert_eq!(r.status(), 201, "{}", r.text().unwrap());
        (filing, r.json().unwrap())
    }
}

/// A `multipart/form-data` body of named parts: (Content-Type, body).
pub fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "zt-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
