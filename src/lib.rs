//! zhengtong (证通): electronic business licences, seals and invoices, issued as signed
//! credentials into a per-company wallet, shown as QR codes, verified by anyone.
//!
//! A map of the modules, lowest first: each module uses only modules listed above it
//! (`tests/layers.rs` checks this).
//!
//! * [`clock`]: the injected clock (tests set time instead of sleeping).
//! * [`b64`], [`json`], [`fsutil`]: base64, reading JSON, careful file writes.
//! * [`fault`]: test-only failure points, to prove all-or-nothing.
//! * [`bounded_fetch`]: reading a peer's HTTP answer within a size limit (status lists,
//!   trust lists), refused beyond it.
//! * [`domain`]: validated values (USCC, region code, ID number, registration record),
//!   built only by parsing.
//! * [`pki`]: the national root, regional CAs and role certificates; creating them
//!   (`pki init`, or the ceremony: `pki root init`, `pki region …`), CRLs, loading
//!   signers, validating chains with rustls-webpki.
//! * [`tsa`]: the region's RFC 3161 timestamp authority: tokens, replies, verification.
//! * [`credential`]: compact JWS and SD-JWT VC (with the holder's key-binding JWT), and the
//!   claims of each credential type.
//! * [`store`]: the only module that knows sled; atomic batches flushed before they return.
//! * [`keystore`]: the master key that encrypts private keys kept in the database.
//! * [`status`]: Token Status List bitstrings and privacy-preserving index allocation.
//! * [`access`]: bearer tokens, stored as hashes.
//! * [`events`]: the event log: one durable event per action (time, actor, region,
//!   subject), in the same batch as the change, or through a background group-commit writer
//!   for what changes nothing (verifications, refusals).
//! * [`indicators`]: the evaluation's indicators for any period and region, computed from
//!   the event log (JSON, CSV).
//! * [`node`]: one region's keys and trust store, loaded (or created for development).
//! * [`metrics`]: issuance counts and application-to-issuance times (Prometheus text), fed
//!   by the event log (primed from it at start-up).
//! * [`trustlist`]: the signed national trust list: which CAs and role certificates each
//!   region has, which credential types it may issue, where its status lists are.
//! * [`wallet`]: per-company wallets: registration, credentials, tokens.
//! * [`present`]: QR presentations (short-lived JWS) and QR rendering and reading.
//! * [`seal`]: seal templates and their canonical SVG, police filings, e-seals, sealing.
//! * [`invoice`]: 数电票 arithmetic in fen, amounts in words, invoice numbers; invoicing
//!   rights; issuing invoices into wallets; the daily limit on online checks.
//! * [`establish`]: the start-up bundle (电子大礼包): licence, seals, invoicing rights, all or
//!   nothing.
//! * [`deregister`]: deregistration (注销): the company's e-seals and wallet revoked at once.
//! * [`verify`]: the verifier (with key binding) and its ETSI-style validation report.
//! * [`pdf`]: sealed PDFs: the seal drawn on the page and a PAdES signature added as an
//!   incremental update (B-LTA); validating anyone's PDF signatures by the rules (a strict
//!   reader within a budget, each revision compared with the one before).
//! * [`http`]: the axum API, problem details.
//! * [`listen`]: the socket and its connection limits.
//! * [`server`]: wires the API to a socket; or, with `--verifier-only`, the verification
//!   endpoints alone, without a store or keys.

pub mod access;
pub mod b64;
pub mod bounded_fetch;
pub mod clock;
pub mod credential;
pub mod deregister;
pub mod domain;
pub mod establish;
pub mod events;
pub mod fault;
pub mod fsutil;
pub mod http;
pub mod indicators;
pub mod invoice;
pub mod json;
pub mod keystore;
pub mod listen;
pub mod metrics;
pub mod node;
pub mod pdf;
pub mod pki;
pub mod present;
pub mod seal;
pub mod server;
pub mod status;
pub mod store;
pub mod trustlist;
pub mod tsa;
pub mod verify;
pub mod wallet;
