//! `zhengtong pki …`: the development shortcut (`init`, `rollover`) and the ceremony
//! (`root init`, `region request|sign|install|rollover`). Parsing and printing only; the
//! work is in `zhengtong::pki`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use zhengtong::domain::RegionCode;
use zhengtong::pki::{self, DEV_PUBLIC_URL, InitReport, PkiError, Role};

#[derive(Subcommand)]
pub enum PkiCommand {
    /// Development shortcut: the national root, regional CAs and role certificates in one
    /// folder (keeps existing ones). A deployment uses `root init` and `region …` instead.
    Init {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        /// Comma-separated GB/T 2260 region codes, e.g. 440100,310000.
        #[arg(long, value_delimiter = ',', required = true)]
        regions: Vec<RegionCode>,
        /// The node's base URL, named in the certificates' CRL distribution points.
        #[arg(long, default_value = DEV_PUBLIC_URL)]
        public_url: String,
    },
    /// Roll a region's role key over: a new key and certificate; the old certificate stays
    /// trusted (what it signed verifies until it expires), its key is deleted.
    Rollover {
        #[arg(long, default_value = "./certs")]
        certs: PathBuf,
        #[arg(long)]
        region: RegionCode,
        /// licence-issuer, presentation-signer, police-registry, tax-issuer or status-list-signer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// The national root's side of the ceremony (an offline machine).
    Root {
        #[command(subcommand)]
        command: RootCommand,
    },
    /// A region's side of the ceremony, and the root's signing of a region's request.
    Region {
        #[command(subcommand)]
        command: RegionCommand,
    },
}

#[derive(Subcommand)]
pub enum RootCommand {
    /// The national root key and certificate, its (empty) CRL, and the trust-list signer.
    Init {
        #[arg(long)]
        out: PathBuf,
        /// The base URL of a node that serves the root's CRL (every node serves a copy at
        /// /v1/crl/root), named in the trust-list signer's CRL distribution point.
        #[arg(long, default_value = DEV_PUBLIC_URL)]
        public_url: String,
    },
}

#[derive(Subcommand)]
pub enum RegionCommand {
    /// The region makes its CA key (it stays in REGIONDIR/CODE) and a CSR for the root.
    Request {
        #[arg(long)]
        region: RegionCode,
        #[arg(long)]
        out: PathBuf,
    },
    /// The root signs a region's CA request (refused unless it is a CA request for --region).
    Sign {
        #[arg(long)]
        root: PathBuf,
        #[arg(long)]
        csr: PathBuf,
        /// The region the request must be for.
        #[arg(long)]
        region: RegionCode,
        /// The region node's base URL, where it serves the root's CRL (CRL distribution point).
        #[arg(long, default_value = DEV_PUBLIC_URL)]
        public_url: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The region installs the signed CA certificate and makes its role certificates.
    Install {
        #[arg(long)]
        region_dir: PathBuf,
        #[arg(long)]
        region: RegionCode,
        /// The CA certificate the root signed.
        #[arg(long)]
        cert: PathBuf,
        /// The national root certificate.
        #[arg(long)]
        root_cert: PathBuf,
        /// The national root's CRL, served by the node at /v1/crl/root.
        #[arg(long)]
        root_crl: Option<PathBuf>,
        /// The node's base URL, named in the role certificates' CRL distribution points.
        #[arg(long, default_value = DEV_PUBLIC_URL)]
        public_url: String,
    },
    /// A new regional CA key and CSR; after `sign` and `install` both CAs stay trusted until
    /// the old one's certificates expire.
    Rollover {
        #[arg(long)]
        region_dir: PathBuf,
        #[arg(long)]
        region: RegionCode,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_file_stem(s)
        .filter(|r| Role::REGIONAL.contains(r))
        .ok_or_else(|| format!("{s:?} is not a regional role"))
}

fn fail(e: &PkiError) -> ExitCode {
    eprintln!("zhengtong: {e}");
    ExitCode::FAILURE
}

fn created(report: &InitReport) {
    for p in &report.created {
        println!("created {}", p.display());
    }
}

fn read(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("zhengtong: {}: {e}", path.display());
        ExitCode::FAILURE
    })
}

pub fn run(command: PkiCommand) -> ExitCode {
    match command {
        PkiCommand::Init {
            certs,
            regions,
            public_url,
        } => match pki::init_at(&certs, &regions, &public_url) {
            Ok(report) => {
                created(&report);
                if report.created.is_empty() {
                    println!(
                        "nothing to do: {} already holds these regions",
                        certs.display()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        PkiCommand::Rollover {
            certs,
            region,
            role,
        } => match pki::rollover(&certs, &region, role) {
            Ok(archived) => {
                println!(
                    "rolled over {} of {region}; the old certificate stays trusted as {}",
                    role.file_stem(),
                    archived.display()
                );
                println!("sign a new trust list so that other regions learn the new certificate");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        PkiCommand::Root {
            command: RootCommand::Init { out, public_url },
        } => match pki::root_init(&out, &public_url) {
            Ok(report) => {
                created(&report);
                if report.created.is_empty() {
                    println!("nothing to do: {} already holds a root", out.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        PkiCommand::Region { command } => region(command),
    }
}

fn region(command: RegionCommand) -> ExitCode {
    match command {
        RegionCommand::Request { region, out } => request(&out, &region, false),
        RegionCommand::Rollover { region_dir, region } => request(&region_dir, &region, true),
        RegionCommand::Sign {
            root,
            csr,
            region,
            public_url,
            out,
        } => {
            let csr_pem = match read(&csr) {
                Ok(t) => t,
                Err(code) => return code,
            };
            match pki::region_sign(&root, &csr_pem, &region, &public_url) {
                Ok(pem) => match zhengtong::fsutil::write_atomic(&out, pem.as_bytes(), false) {
                    Ok(()) => {
                        println!(
                            "signed the CA of {region}: {}; send it back to the region with root.crt and root.crl",
                            out.display()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("zhengtong: {}: {e}", out.display());
                        ExitCode::FAILURE
                    }
                },
                Err(e) => fail(&e),
            }
        }
        RegionCommand::Install {
            region_dir,
            region,
            cert,
            root_cert,
            root_crl,
            public_url,
        } => {
            let (cert_pem, root_pem) = match (read(&cert), read(&root_cert)) {
                (Ok(c), Ok(r)) => (c, r),
                (Err(code), _) | (_, Err(code)) => return code,
            };
            let crl = match root_crl.as_deref().map(read).transpose() {
                Ok(c) => c,
                Err(code) => return code,
            };
            match pki::region_install(
                &region_dir,
                &region,
                &cert_pem,
                &root_pem,
                crl.as_deref(),
                &public_url,
            ) {
                Ok(report) => {
                    created(&report);
                    println!(
                        "send {}/{region}/*.crt to the national operator for the trust list",
                        region_dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
    }
}

fn request(dir: &Path, region: &RegionCode, rollover: bool) -> ExitCode {
    match pki::region_request(dir, region, rollover) {
        Ok(r) => {
            println!(
                "created {} (keep it here) and {}",
                r.key.display(),
                r.csr.display()
            );
            println!(
                "send {} to the national root for `zhengtong pki region sign`",
                r.csr.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
