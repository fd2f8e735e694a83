//! The `zhengtong` command: serve, pki, verify.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use zhengtong::domain::RegionCode;
use zhengtong::pki::{self, TrustStore};
use zhengtong::present::qr;
use zhengtong::server::{ServeConfig, serve};
use zhengtong::verify::Verifier;

/// Exit code for bad usage (sysexits EX_USAGE).
const EX_USAGE: u8 = 64;

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
    Serve {
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
        /// Online checks (查验) of one invoice allowed per UTC day; offline checks are unlimited.
        #[arg(long, env = "ZT_INVOICE_CHECKS_PER_DAY", default_value_t = 5,
              value_parser = clap::value_parser!(u32).range(1..))]
        invoice_checks_per_day: u32,
    },
    /// Seal tasks.
    Seal {
        #[command(subcommand)]
        command: SealCommand,
    },
    /// Certificate authority tasks.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Verify a QR presentation or a credential offline, with the certificates in --certs.
    Verify {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// A photo or screenshot of the QR code (PNG or JPEG).
        #[arg(long, conflicts_with = "token")]
        qr_image: Option<PathBuf>,
        /// The token (compact JWS) or credential (SD-JWT); "-" reads standard input.
        #[arg(required_unless_present = "qr_image")]
        token: Option<String>,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Create the national root, regional CAs and role certificates (keeps existing ones).
    Init {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        /// Comma-separated GB/T 2260 region codes, e.g. 440100,310000.
        #[arg(long, value_delimiter = ',', required = true)]
        regions: Vec<RegionCode>,
    },
}

#[derive(Subcommand)]
enum SealCommand {
    /// Validate a sealed document offline, with the certificates in --certs.
    Verify {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// The document as it was received.
        #[arg(long)]
        document: PathBuf,
        /// A file holding the seal signature (the compact JWS).
        #[arg(long)]
        signature: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
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
        Command::Serve {
            data,
            certs,
            listen,
            region,
            public_url,
            invoice_checks_per_day,
        } => {
            let rt = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => return fail(&format!("cannot start the runtime: {e}")),
            };
            match rt.block_on(serve(ServeConfig {
                data,
                certs,
                listen,
                region,
                public_url,
                invoice_checks_per_day,
            })) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("{e:#}")),
            }
        }
        Command::Pki {
            command: PkiCommand::Init { certs, regions },
        } => match pki::init(&certs, &regions) {
            Ok(report) => {
                for p in &report.created {
                    println!("created {}", p.display());
                }
                if report.created.is_empty() {
                    println!(
                        "nothing to do: {} already holds these regions",
                        certs.display()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Command::Verify {
            certs,
            format,
            qr_image,
            token,
        } => verify(&certs, format, qr_image.as_deref(), token),
        Command::Seal {
            command:
                SealCommand::Verify {
                    certs,
                    format,
                    document,
                    signature,
                },
        } => seal_verify(&certs, format, &document, &signature),
    }
}

fn usage(msg: String) -> ExitCode {
    eprintln!("zhengtong: {msg}");
    ExitCode::from(EX_USAGE)
}

fn print_report(report: &zhengtong::verify::Report, format: Format) -> ExitCode {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ),
        Format::Text => print!("{}", report.to_text()),
    }
    ExitCode::from(report.exit_code() as u8)
}

fn seal_verify(certs: &Path, format: Format, document: &Path, signature: &Path) -> ExitCode {
    let doc = match std::fs::read(document) {
        Ok(d) => d,
        Err(e) => return usage(format!("--document {}: {e}", document.display())),
    };
    let sig = match std::fs::read_to_string(signature) {
        Ok(s) => s,
        Err(e) => return usage(format!("--signature {}: {e}", signature.display())),
    };
    let trust = match TrustStore::load(certs) {
        Ok(t) => t,
        Err(e) => return usage(e.to_string()),
    };
    let digest = zhengtong::seal::sign::sha256_hex(&doc);
    let report =
        Verifier::new(trust).verify_sealed_document(&sig, &digest, chrono::Utc::now(), None);
    print_report(&report, format)
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("zhengtong: {msg}");
    ExitCode::FAILURE
}

fn verify(
    certs: &Path,
    format: Format,
    qr_image: Option<&Path>,
    token: Option<String>,
) -> ExitCode {
    let usage = |msg: String| {
        eprintln!("zhengtong verify: {msg}");
        ExitCode::from(EX_USAGE)
    };
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
    let trust = match TrustStore::load(certs) {
        Ok(t) => t,
        Err(e) => return usage(e.to_string()),
    };
    let report = Verifier::new(trust).verify(&token, chrono::Utc::now(), None);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        Format::Text => print!("{}", report.to_text()),
    }
    ExitCode::from(report.exit_code() as u8)
}
