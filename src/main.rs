//! The `zhengtong` command: serve, pki, trust-list, verify, seal verify.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use zhengtong::credential::CredentialType;
use zhengtong::domain::RegionCode;
use zhengtong::pki::TrustStore;
use zhengtong::present::qr;
use zhengtong::server::verifier_only::{VerifierConfig, serve_verifier};
use zhengtong::server::{ServeConfig, serve};
use zhengtong::trustlist::{self, TrustListState};

/// mimalloc instead of the system allocator: verification allocates many small, short-lived
/// strings and maps, and glibc's malloc was 8% of a verification's time (examples/bench_verify).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use zhengtong::verify::{Lang, Report, Verifier};

/// Exit code for bad usage (sysexits EX_USAGE).
const EX_USAGE: u8 = 64;
/// Exit code for an internal failure (sysexits EX_SOFTWARE).
const EX_SOFTWARE: u8 = 70;

mod admin;
mod demo;
mod indicators_cli;
mod pki_cli;

use pki_cli::PkiCommand;

#[derive(Parser)]
#[command(
    name = "zhengtong",
    version,
    about = "证通: electronic licences, seals and invoices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (creates the data folder and a development PKI on first start).
    Serve(ServeArgs),
    /// Register a demo company on a running server; print its wallet token and page URL.
    Demo {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The server's data folder (for admin.token).
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// Certificate authority tasks.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// The national trust list.
    TrustList {
        #[command(subcommand)]
        command: TrustListCommand,
    },
    /// Verify a QR presentation or a credential offline.
    Verify {
        #[command(flatten)]
        trust: TrustArgs,
        #[command(flatten)]
        out: OutputArgs,
        /// A photo or screenshot of the QR code (PNG or JPEG).
        #[arg(long, conflicts_with = "token")]
        qr_image: Option<PathBuf>,
        /// The token (compact JWS) or credential (SD-JWT); "-" reads standard input.
        #[arg(required_unless_present = "qr_image")]
        token: Option<String>,
        /// The nonce you gave the holder: the SD-JWT's key-binding JWT must answer it.
        #[arg(long)]
        nonce: Option<String>,
        /// Your identifier: the key-binding JWT's `aud` must be it.
        #[arg(long)]
        aud: Option<String>,
    },
    /// Sealed PDFs.
    Pdf {
        #[command(subcommand)]
        command: PdfCommand,
    },
    /// Seal tasks.
    Seal {
        #[command(subcommand)]
        command: SealCommand,
    },
    /// The indicators (GET /v1/indicators) from a stopped server's data folder.
    Indicators {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Start of the period, RFC 3339 (inclusive) [default: 30 days before --to].
        #[arg(long)]
        from: Option<String>,
        /// End of the period, RFC 3339 (exclusive) [default: now].
        #[arg(long)]
        to: Option<String>,
        /// Only this region's events (six digits) [default: all].
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: indicators_cli::IndicatorFormat,
    },
    /// Administration of a stopped server's data folder.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Write a new DATA/admin.token (0600) and revoke every other admin token; run it while
    /// the server is stopped (it refuses while the server holds the database).
    RotateToken {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// A stateless verifier (for scaling out behind a load balancer): no data folder, no
    /// database, no keys; the root (--root) anchors the trust list (--trust-list), whose
    /// status endpoints answer for every region. Serves only verification and /verify.
    #[arg(long, requires_all = ["trust_list", "root"],
        conflicts_with_all = ["data", "certs", "region", "public_url", "status_ttl_s", "invoice_checks_per_day"])]
    verifier_only: bool,
    /// The national root certificate (PEM) that anchors the trust list (--verifier-only).
    #[arg(long, requires = "verifier_only")]
    root: Option<PathBuf>,
    /// Where a verifier-only node keeps what it must never go back from across a restart
    /// (the last trust list accepted, the newest status list seen per region). Default:
    /// $XDG_STATE_HOME/zhengtong-verifier, else ~/.local/state/zhengtong-verifier.
    #[arg(long, requires = "verifier_only")]
    state: Option<PathBuf>,
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    #[arg(long, default_value = "./certs")]
    certs: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, default_value = "440100")]
    region: RegionCode,
    /// How other nodes and verifiers reach this node (status list URIs).
    #[arg(long)]
    public_url: Option<String>,
    /// How long verifiers may cache this node's status lists, in seconds.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86400))]
    status_ttl_s: u64,
    /// A signed trust list (file or http URL); verification then trusts what it lists.
    #[arg(long)]
    trust_list: Option<String>,
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86400))]
    trust_list_refresh_s: u64,
    /// How long an expired trust list is still used before verification says INDETERMINATE.
    #[arg(long, default_value_t = 86400)]
    trust_list_grace_s: u64,
    /// Online checks (查验) of one invoice allowed per UTC day; offline checks are unlimited.
    #[arg(long, env = "ZT_INVOICE_CHECKS_PER_DAY", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    invoice_checks_per_day: u32,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits that hold under abuse (README "Limits").
#[derive(Args)]
struct LimitArgs {
    /// Seconds a client has to send a request's head (and a new connection its first
    /// request) before the connection is closed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a request body has to arrive whole (else 408).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Seconds a request has to be answered (else 503), and its answer then to be sent
    /// (else the connection is closed).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Connections served at once; more wait until one closes (idle ones are closed early
    /// for them).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65536))]
    max_connections: u64,
    /// Connections one client address (IPv6: one /64) may hold at once; more are closed at
    /// once. Not applied with --trust-forwarded-for.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=65536))]
    max_connections_per_address: u64,
    /// MiB that answers of 1 MiB or more (sealed PDFs) may hold while being sent; beyond it
    /// the connections of the oldest ones still sending are ended.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65536))]
    answer_memory_mb: u64,
    /// QR images decoded at once (8 times as many may wait; more get 503).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    image_decodes: u64,
    /// Public verification requests per client address per minute (0: no limit).
    #[arg(long, default_value_t = 600)]
    rate_limit: u32,
    /// Requests a client may send at once before the per-minute rate applies.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    rate_burst: u32,
    /// The client address is the last X-Forwarded-For entry (only behind a proxy that sets it).
    #[arg(long)]
    trust_forwarded_for: bool,
}

impl LimitArgs {
    fn limits(&self) -> zhengtong::http::Limits {
        let s = std::time::Duration::from_secs;
        zhengtong::http::Limits {
            header_timeout: s(self.header_timeout),
            body_timeout: s(self.body_timeout),
            request_timeout: s(self.request_timeout),
            max_connections: self.max_connections as usize,
            max_connections_per_address: self.max_connections_per_address as usize,
            answer_memory_mb: self.answer_memory_mb as usize,
            image_decodes: self.image_decodes as usize,
            rate_per_minute: self.rate_limit,
            rate_burst: self.rate_burst,
            trust_forwarded_for: self.trust_forwarded_for,
        }
    }
}

/// What an offline verifier trusts.
#[derive(Args)]
struct TrustArgs {
    /// Certificate folder (its root.crt is the trust anchor).
    #[arg(long, default_value = "./certs")]
    certs: PathBuf,
    /// A signed trust list; without it, the certificate folder's regions are trusted.
    #[arg(long)]
    trust_list: Option<PathBuf>,
    /// Grace period after the trust list's expiry, in seconds.
    #[arg(long, default_value_t = 86400)]
    trust_list_grace_s: u64,
}

#[derive(Subcommand)]
enum TrustListCommand {
    /// Sign a trust list from a certificate folder (national operator, offline).
    Sign {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        /// REGION=URL of the region's node, once per region listed.
        #[arg(long = "endpoint", value_parser = parse_endpoint, required = true)]
        endpoints: Vec<(RegionCode, String)>,
        /// REGION=type,type: the credential types a region may issue (default: all).
        #[arg(long = "types", value_parser = parse_types)]
        types: Vec<(RegionCode, Vec<CredentialType>)>,
        /// How long the list is valid, in seconds (default 7 days).
        #[arg(long, default_value_t = 7 * 86400, value_parser = clap::value_parser!(i64).range(1..))]
        valid_for_s: i64,
        /// When the next list is due, in seconds from now (default 1 day; at most --valid-for-s).
        #[arg(long, default_value_t = 86400, value_parser = clap::value_parser!(i64).range(1..))]
        next_update_s: i64,
        /// The list's sequence number; nodes refuse a list lower than the one they hold.
        /// Default: one more than the list already at --out, and at least the Unix time.
        #[arg(long)]
        sequence: Option<u64>,
        /// The URL where this list will be published (written into the list).
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum SealCommand {
    /// Validate a sealed document offline.
    Verify {
        #[command(flatten)]
        trust: TrustArgs,
        #[command(flatten)]
        out: OutputArgs,
        /// The document as it was received.
        #[arg(long)]
        document: PathBuf,
        /// A file holding the seal signature (the compact JWS). Without it the document
        /// must be a sealed PDF: every signature in it is validated (the seals' status
        /// is not checked offline).
        #[arg(long)]
        signature: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PdfCommand {
    /// Keep a signed PDF verifiable for the long term (PAdES B-LTA): a region's node adds
    /// fresh certificates and CRLs and an archive timestamp (POST /v1/pdf/extend). Run it
    /// again before the last timestamp's certificate expires.
    Extend {
        /// The node that extends it (its TSA timestamps the document).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The signed PDF.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where the extended PDF goes (never over the input).
        #[arg(long = "out")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

/// How a report is printed.
#[derive(Args, Clone, Copy)]
struct OutputArgs {
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// The language of the reasons and labels: zh-CN or en [default: from LC_ALL,
    /// LC_MESSAGES or LANG: zh… gives zh-CN, anything else en].
    #[arg(long)]
    lang: Option<Lang>,
}

fn parse_endpoint(s: &str) -> Result<(RegionCode, String), String> {
    let (code, url) = s.split_once('=').ok_or("expected REGION=URL")?;
    let region = RegionCode::parse(code).map_err(|e| e.to_string())?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("{url:?} is not an http(s) URL"));
    }
    Ok((region, url.to_string()))
}

fn parse_types(s: &str) -> Result<(RegionCode, Vec<CredentialType>), String> {
    let (code, list) = s.split_once('=').ok_or("expected REGION=type,type")?;
    let region = RegionCode::parse(code).map_err(|e| e.to_string())?;
    let types = list
        .split(',')
        .map(|t| {
            CredentialType::from_short(t.trim())
                .ok_or_else(|| format!("{t:?} is not a credential type"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((region, types))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EX_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(a) => run_server(a),
        Command::Demo { server, data } => demo::run(&server, &data),
        Command::Pdf {
            command:
                PdfCommand::Extend {
                    server,
                    input,
                    output,
                },
        } => pdf_extend(&server, &input, &output),
        Command::Pki { command } => pki_cli::run(command),
        Command::TrustList {
            command:
                TrustListCommand::Sign {
                    certs,
                    endpoints,
                    types,
                    valid_for_s,
                    next_update_s,
                    sequence,
                    url,
                    out,
                },
        } => {
            let now = zhengtong::clock::Clock::from_env().now();
            let previous = std::fs::read_to_string(&out).ok();
            let opts = trustlist::SignOptions {
                endpoints,
                types: types.into_iter().collect(),
                valid_for_s,
                next_update_s,
                sequence: sequence
                    .unwrap_or_else(|| trustlist::next_sequence(previous.as_deref(), now)),
                distribution_point: url,
            };
            match trustlist::sign(&certs, &opts, now) {
                Ok(token) => match zhengtong::fsutil::write_atomic(&out, token.as_bytes(), false) {
                    Ok(()) => {
                        println!(
                            "wrote {} ({} regions, sequence {})",
                            out.display(),
                            opts.endpoints.len(),
                            opts.sequence
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(&format!("{}: {e}", out.display())),
                },
                Err(e) => usage(e.to_string()),
            }
        }
        Command::Verify {
            trust,
            out,
            qr_image,
            token,
            nonce,
            aud,
        } => verify(
            &trust,
            out,
            qr_image.as_deref(),
            token,
            &zhengtong::verify::Challenge { nonce, aud },
        ),
        Command::Seal {
            command:
                SealCommand::Verify {
                    trust,
                    out,
                    document,
                    signature,
                },
        } => seal_verify(&trust, out, &document, signature.as_deref()),
        Command::Indicators {
            data,
            from,
            to,
            region,
            format,
        } => indicators_cli::run(
            &data,
            from.as_deref(),
            to.as_deref(),
            region.as_deref(),
            format,
        ),
        Command::Admin {
            command: AdminCommand::RotateToken { data },
        } => admin::rotate_token(&data),
    }
}

fn run_server(a: ServeArgs) -> ExitCode {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    if let (true, Some(root), Some(source)) = (a.verifier_only, &a.root, &a.trust_list) {
        let cfg = VerifierConfig {
            listen: a.listen,
            root: root.clone(),
            trust_list: zhengtong::trustlist::TrustListSource::parse(source),
            trust_list_refresh_s: a.trust_list_refresh_s,
            trust_list_grace_s: a.trust_list_grace_s,
            limits: a.limits.limits(),
            state: match a.state.clone().or_else(default_verifier_state) {
                Some(dir) => dir,
                None => {
                    return usage(
                        "--verifier-only needs --state DIR (no $HOME to default to)".into(),
                    );
                }
            },
        };
        return match rt.block_on(serve_verifier(cfg)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("{e:#}")),
        };
    }
    let cfg = ServeConfig {
        data: a.data,
        certs: a.certs,
        listen: a.listen,
        region: a.region,
        public_url: a.public_url,
        status_ttl_s: a.status_ttl_s,
        trust_list: a
            .trust_list
            .as_deref()
            .map(zhengtong::trustlist::TrustListSource::parse),
        trust_list_refresh_s: a.trust_list_refresh_s,
        trust_list_grace_s: a.trust_list_grace_s,
        invoice_checks_per_day: a.invoice_checks_per_day,
        limits: a.limits.limits(),
    };
    match rt.block_on(serve(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

/// A verifier-only node's default state folder (XDG base directories).
fn default_verifier_state() -> Option<PathBuf> {
    let nonempty = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    nonempty("XDG_STATE_HOME")
        .or_else(|| nonempty("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("zhengtong-verifier"))
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("zhengtong: {msg}");
    ExitCode::FAILURE
}

fn usage(msg: String) -> ExitCode {
    eprintln!("zhengtong: {msg}");
    ExitCode::from(EX_USAGE)
}

/// The offline verifier: the certificate folder, or a trust list checked against its root.
fn offline_verifier(t: &TrustArgs) -> Result<Verifier, String> {
    let base = TrustStore::load(&t.certs).map_err(|e| e.to_string())?;
    match &t.trust_list {
        None => Ok(Verifier::new(base)),
        Some(path) => {
            let token = std::fs::read_to_string(path)
                .map_err(|e| format!("--trust-list {}: {e}", path.display()))?;
            let state = TrustListState::verified(token, &base)
                .map_err(|e| format!("--trust-list {}: {e}", path.display()))?;
            Ok(Verifier::from_trust_list(
                &state.list,
                &base,
                t.trust_list_grace_s as i64,
            ))
        }
    }
}

fn print_report(report: &Report, out: OutputArgs) -> ExitCode {
    let lang = out.lang.unwrap_or_else(Lang::from_env);
    match out.format {
        Format::Json => match serde_json::to_string_pretty(&report.localized(lang)) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("zhengtong: the report could not be written as JSON: {e}");
                return ExitCode::from(EX_SOFTWARE);
            }
        },
        Format::Text => print!("{}", report.to_text(lang)),
    }
    ExitCode::from(report.exit_code() as u8)
}

/// The reports of every signature of a PDF: JSON `{"signatures": [...]}` (as the server
/// answers) or the texts one after the other. Exit code: 1 if any failed, else 2 if any is
/// indeterminate, else 0.
fn print_reports(reports: &[Report], out: OutputArgs) -> ExitCode {
    let lang = out.lang.unwrap_or_else(Lang::from_env);
    match out.format {
        Format::Json => {
            let list: Vec<_> = reports.iter().map(|r| r.localized(lang)).collect();
            match serde_json::to_string_pretty(&serde_json::json!({ "signatures": list })) {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("zhengtong: the reports could not be written as JSON: {e}");
                    return ExitCode::from(EX_SOFTWARE);
                }
            }
        }
        Format::Text => {
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!("{}", r.to_text(lang));
            }
        }
    }
    let codes: Vec<i32> = reports.iter().map(Report::exit_code).collect();
    let code = if codes.contains(&1) {
        1
    } else {
        codes.iter().copied().max().unwrap_or(0)
    };
    ExitCode::from(code as u8)
}

fn verify(
    trust: &TrustArgs,
    out: OutputArgs,
    qr_image: Option<&Path>,
    token: Option<String>,
    challenge: &zhengtong::verify::Challenge,
) -> ExitCode {
    let token = match (qr_image, token) {
        (Some(path), _) => {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => return usage(format!("{}: {e}", path.display())),
            };
            match qr::decode_image(&bytes) {
                Ok(t) => t,
                Err(e) => return usage(format!("{}: {e}", path.display())),
            }
        }
        (None, Some(t)) if t == "-" => {
            let mut s = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                return usage(format!("reading standard input: {e}"));
            }
            s
        }
        (None, Some(t)) => t,
        (None, None) => return usage("give a TOKEN or --qr-image FILE".into()),
    };
    let verifier = match offline_verifier(trust) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    print_report(
        &verifier
            .check_challenged(&token, zhengtong::clock::Clock::from_env().now(), challenge)
            .finish(None),
        out,
    )
}

/// `zhengtong pdf extend`: the node's answer written to `output`, or its problem on stderr.
fn pdf_extend(server: &str, input: &Path, output: &Path) -> ExitCode {
    if input == output {
        return usage("--out must not be --in: the signed original is kept".into());
    }
    let pdf = match std::fs::read(input) {
        Ok(p) => p,
        Err(e) => return usage(format!("--in {}: {e}", input.display())),
    };
    let url = format!("{}/v1/pdf/extend", server.trim_end_matches('/'));
    let answer = reqwest::blocking::Client::new()
        .post(&url)
        .header("content-type", "application/pdf")
        .body(pdf)
        .send();
    let r = match answer {
        Ok(r) => r,
        Err(e) => return fail(&format!("{url}: {e}")),
    };
    let status = r.status();
    let body = match r.bytes() {
        Ok(b) => b,
        Err(e) => return fail(&format!("{url}: {e}")),
    };
    if !status.is_success() {
        return fail(&format!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    match std::fs::write(output, &body) {
        Ok(()) => {
            eprintln!(
                "zhengtong: extended {} -> {}",
                input.display(),
                output.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("--out {}: {e}", output.display())),
    }
}

fn seal_verify(
    trust: &TrustArgs,
    out: OutputArgs,
    document: &Path,
    signature: Option<&Path>,
) -> ExitCode {
    let doc = match std::fs::read(document) {
        Ok(d) => d,
        Err(e) => return usage(format!("--document {}: {e}", document.display())),
    };
    let Some(signature) = signature else {
        if !doc.starts_with(b"%PDF-") {
            return usage(format!(
                "--document {} is not a PDF: give its seal signature with --signature",
                document.display()
            ));
        }
        let verifier = match offline_verifier(trust) {
            Ok(v) => v,
            Err(e) => return usage(e),
        };
        let now = zhengtong::clock::Clock::from_env().now();
        return print_reports(
            &zhengtong::pdf::validate::validate_at(&doc, &verifier, now, None),
            out,
        );
    };
    let sig = match std::fs::read_to_string(signature) {
        Ok(s) => s,
        Err(e) => return usage(format!("--signature {}: {e}", signature.display())),
    };
    let verifier = match offline_verifier(trust) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let digest = zhengtong::seal::sign::sha256_hex(&doc);
    print_report(
        &verifier.verify_sealed_document(
            &sig,
            &digest,
            zhengtong::clock::Clock::from_env().now(),
            None,
        ),
        out,
    )
}
