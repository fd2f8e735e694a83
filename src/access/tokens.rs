//! Token records on the store: creation, authentication, listing, revocation, wallet token
//! rotation and the admin token of `DATA/admin.token`.
//!
//! Keys: `Tokens` holds `<sha256 of the token>` → [`TokenRecord`]; `Index` holds
//! `token-id/<id>` → that hash, `wallet-token/<uscc>` → the hash of the company's
//! current wallet token, and `admin-token/<hash>` for each admin token (so a start finds the
//! admin tokens without reading every wallet token: a million at a million companies). A
//! revoked record stays (listed as revoked) and is refused.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::{AccessRole, TokenRecord, new_token, token_hash};
use crate::domain::Uscc;
use crate::store::{Batch, Store, StoreError, Tree};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The admin token file cannot be used (unreadable, unwritable, or a retired token).
    #[error("{0}")]
    AdminFile(String),
}

/// What a presented token turns out to be.
pub enum Authenticated {
    Valid(TokenRecord),
    /// Known, but revoked or expired: the reason.
    Refused(String),
    Unknown,
}

fn id_key(id: &str) -> String {
    format!("token-id/{id}")
}

fn wallet_key(uscc: &Uscc) -> String {
    format!("wallet-token/{uscc}")
}

const ADMIN_PREFIX: &str = "admin-token/";

fn admin_key(hash: &str) -> String {
    format!("{ADMIN_PREFIX}{hash}")
}

/// `Meta` key present once every admin token is in the `admin-token/` index: data folders
/// from before the index get it from one full scan of the tokens, at their first start.
const ADMIN_INDEXED: &str = "tokens/admin-indexed";

/// Adds a new token's record and its id index to `batch`.
pub fn put_new(batch: &mut Batch, token: &str, rec: &TokenRecord) {
    let hash = token_hash(token);
    batch
        .put_new(Tree::Tokens, &hash, rec)
        .put_new(Tree::Index, &id_key(&rec.id), &hash);
    if let (AccessRole::Company, Some(uscc)) = (rec.role, &rec.uscc) {
        batch.put(Tree::Index, &wallet_key(uscc), &hash);
    }
}

/// A new wallet token for `uscc` (added to `batch`, not yet written).
pub fn new_wallet_token(
    batch: &mut Batch,
    uscc: &Uscc,
    now: DateTime<Utc>,
) -> (String, TokenRecord) {
    let token = new_token();
    let rec = TokenRecord::new(AccessRole::Company, Some(uscc.clone()), None, now, None);
    put_new(batch, &token, &rec);
    (token, rec)
}

/// Creates a role token valid for `ttl` (None: until revoked); returned once.
pub async fn create(
    store: &Store,
    role: AccessRole,
    label: Option<String>,
    ttl: Option<Duration>,
    now: DateTime<Utc>,
) -> Result<(String, TokenRecord), TokenError> {
    let token = new_token();
    let rec = TokenRecord::new(role, None, label, now, ttl);
    let mut b = Batch::default();
    put_new(&mut b, &token, &rec);
    store.apply(b).await?;
    Ok((token, rec))
}

pub fn authenticate(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Authenticated, TokenError> {
    Ok(
        match store.get::<TokenRecord>(Tree::Tokens, &token_hash(token))? {
            None => Authenticated::Unknown,
            Some(rec) => match rec.refusal(now) {
                Some(why) => Authenticated::Refused(why),
                None => Authenticated::Valid(rec),
            },
        },
    )
}

/// Every token record, oldest first.
pub fn list(store: &Store) -> Result<Vec<TokenRecord>, TokenError> {
    let mut all: Vec<TokenRecord> = store.values_with_prefix(Tree::Tokens, "")?;
    all.sort_by_key(|r| r.created_at);
    Ok(all)
}

/// The record with `id` and the hash it is stored under.
pub fn by_id(store: &Store, id: &str) -> Result<Option<(String, TokenRecord)>, TokenError> {
    let Some(hash) = store.get::<String>(Tree::Index, &id_key(id))? else {
        return Ok(None);
    };
    Ok(store
        .get::<TokenRecord>(Tree::Tokens, &hash)?
        .map(|r| (hash, r)))
}

/// Revokes the token `id` at once and durably; revoking it again changes nothing. The
/// admin token is not revoked here but rotated (`zhengtong admin rotate-token`).
/// Callers serialise this with other token writes.
pub async fn revoke(
    store: &Store,
    id: &str,
    now: DateTime<Utc>,
) -> Result<TokenRecord, TokenError> {
    let (hash, mut rec) =
        by_id(store, id)?.ok_or_else(|| TokenError::NotFound(format!("no token has id {id}")))?;
    if rec.role == AccessRole::Admin {
        return Err(TokenError::Conflict(
            "the admin token is not revoked here: run `zhengtong admin rotate-token --data DIR`, which replaces it".into(),
        ));
    }
    if rec.revoked_at.is_none() {
        rec.revoked_at = Some(now);
        let mut b = Batch::default();
        b.put(Tree::Tokens, &hash, &rec);
        store.apply(b).await?;
    }
    Ok(rec)
}

/// The hash and record of the company's current wallet token, if it has one.
fn current_wallet_token(
    store: &Store,
    uscc: &Uscc,
) -> Result<Option<(String, TokenRecord)>, TokenError> {
    let Some(hash) = store.get::<String>(Tree::Index, &wallet_key(uscc))? else {
        return Ok(None);
    };
    Ok(store
        .get::<TokenRecord>(Tree::Tokens, &hash)?
        .map(|r| (hash, r)))
}

/// A new wallet token for `uscc`; the current one is revoked in the same batch, so it stops
/// working the moment the new one exists. Returns the new token and record, and the old
/// record's id. Callers serialise this with other token writes.
pub async fn rotate_wallet(
    store: &Store,
    uscc: &Uscc,
    now: DateTime<Utc>,
) -> Result<(String, TokenRecord, Option<String>), TokenError> {
    let mut b = Batch::default();
    let old = current_wallet_token(store, uscc)?;
    let mut old_id = None;
    if let Some((hash, mut rec)) = old {
        if rec.revoked_at.is_none() {
            rec.revoked_at = Some(now);
        }
        old_id = Some(rec.id.clone());
        b.put(Tree::Tokens, &hash, &rec);
    }
    let (token, rec) = new_wallet_token(&mut b, uscc, now);
    store.apply(b).await?;
    Ok((token, rec, old_id))
}

/// At start-up: makes sure the token in `DATA/admin.token` (created when missing) is an
/// admin token and the only one accepted: every other admin token is revoked, so replacing
/// the file and restarting retires the old token. Also gives ids (and the index entries)
/// to records written before ids existed. Returns whether the file was created.
pub async fn ensure_admin(
    store: &Store,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<bool, TokenError> {
    let file_err = |e: std::io::Error| TokenError::AdminFile(format!("{}: {e}", path.display()));
    let (token, created) = match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => (t.trim().to_string(), false),
        Ok(_) => {
            return Err(TokenError::AdminFile(format!(
                "{} is empty: remove it to have a new admin token made, or run `zhengtong admin rotate-token`",
                path.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let t = new_token();
            crate::fsutil::write_private(path, format!("{t}\n").as_bytes()).map_err(file_err)?;
            (t, true)
        }
        Err(e) => return Err(file_err(e)),
    };
    let current = token_hash(&token);
    let mut b = Batch::default();
    match store.get::<TokenRecord>(Tree::Tokens, &current)? {
        Some(rec) if rec.role == AccessRole::Admin && rec.revoked_at.is_none() => {}
        Some(_) => {
            return Err(TokenError::AdminFile(format!(
                "{} holds a token that is revoked or not an admin token; run `zhengtong admin rotate-token --data DIR` for a new one",
                path.display()
            )));
        }
        None => {
            let rec = TokenRecord::new(AccessRole::Admin, None, Some("admin".into()), now, None);
            b.put(Tree::Tokens, &current, &rec)
                .put(Tree::Index, &id_key(&rec.id), &current)
                .put(Tree::Index, &admin_key(&current), &());
        }
    }
    let indexed = store.get_raw(Tree::Meta, ADMIN_INDEXED)?.is_some();
    let hashes = if indexed {
        store
            .keys_with_prefix(Tree::Index, ADMIN_PREFIX)?
            .into_iter()
            .map(|k| k[ADMIN_PREFIX.len()..].to_string())
            .collect()
    } else {
        // Once per data folder: every record, to index the admin tokens (and give ids to
        // records from before token ids).
        b.put(Tree::Meta, ADMIN_INDEXED, &());
        store.keys_with_prefix(Tree::Tokens, "")?
    };
    let mut retired = 0;
    for hash in hashes {
        let Some(mut rec) = store.get::<TokenRecord>(Tree::Tokens, &hash)? else {
            continue;
        };
        let mut changed = false;
        if rec.id.is_empty() {
            rec.id = super::new_token_id();
            b.put(Tree::Index, &id_key(&rec.id), &hash);
            if let (AccessRole::Company, Some(uscc)) = (rec.role, &rec.uscc) {
                b.put(Tree::Index, &wallet_key(uscc), &hash);
            }
            changed = true;
        }
        if rec.role == AccessRole::Admin && !indexed {
            b.put(Tree::Index, &admin_key(&hash), &());
        }
        if rec.role == AccessRole::Admin && hash != current && rec.revoked_at.is_none() {
            rec.revoked_at = Some(now);
            retired += 1;
            changed = true;
        }
        if changed {
            b.put(Tree::Tokens, &hash, &rec);
        }
    }
    store.apply(b).await?;
    if retired > 0 {
        tracing::info!(
            retired,
            "admin tokens other than the one in the admin token file revoked"
        );
    }
    Ok(created)
}

/// `zhengtong admin rotate-token`: a new admin token in `path` (0600, written atomically),
/// then every other admin token revoked. The file is written first: if the database write
/// then fails, the next start finishes the job from the file.
pub async fn rotate_admin(store: &Store, path: &Path) -> Result<(), TokenError> {
    let token = new_token();
    crate::fsutil::write_private(path, format!("{token}\n").as_bytes())
        .map_err(|e| TokenError::AdminFile(format!("{}: {e}", path.display())))?;
    ensure_admin(store, path, Utc::now()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data folder from before the admin index: its admin token is found by the one full
    /// scan of the first start (and revoked, since the file now holds another); later starts
    /// find admin tokens by the index alone.
    #[tokio::test]
    async fn admin_tokens_from_before_the_index_are_found_and_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        let old = new_token();
        let rec = TokenRecord::new(AccessRole::Admin, None, Some("admin".into()), now, None);
        let mut b = Batch::default();
        b.put(Tree::Tokens, &token_hash(&old), &rec);
        store.apply(b).await.unwrap();
        let admin_file = dir.path().join("admin.token");
        assert!(ensure_admin(&store, &admin_file, now).await.unwrap());
        assert!(
            matches!(authenticate(&store, &old, now).unwrap(), Authenticated::Refused(w) if w.contains("revoked"))
        );
        assert!(store.get_raw(Tree::Meta, ADMIN_INDEXED).unwrap().is_some());
        let indexed = store.keys_with_prefix(Tree::Index, ADMIN_PREFIX).unwrap();
        assert_eq!(indexed.len(), 2, "{indexed:?}");

        // An admin token the index lists is retired by the next start, as before.
        let first = std::fs::read_to_string(&admin_file).unwrap();
        rotate_admin(&store, &admin_file).await.unwrap();
        assert!(
            matches!(authenticate(&store, first.trim(), now).unwrap(), Authenticated::Refused(w) if w.contains("revoked"))
        );
        assert_eq!(
            store
                .keys_with_prefix(Tree::Index, ADMIN_PREFIX)
                .unwrap()
                .len(),
            3
        );
    }

    #[tokio::test]
    async fn revoke_rotate_and_admin_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let admin_file = dir.path().join("admin.token");
        assert!(ensure_admin(&store, &admin_file, Utc::now()).await.unwrap());
        let first = std::fs::read_to_string(&admin_file).unwrap();
        let now = Utc::now();
        assert!(
            matches!(authenticate(&store, &first, now).unwrap(), Authenticated::Valid(r) if r.role == AccessRole::Admin)
        );

        let (t, rec) = create(
            &store,
            AccessRole::Police,
            None,
            Some(Duration::days(1)),
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(matches!(
            authenticate(&store, &t, now).unwrap(),
            Authenticated::Valid(_)
        ));
        assert!(
            matches!(authenticate(&store, &t, now + Duration::days(2)).unwrap(), Authenticated::Refused(w) if w.contains("expired"))
        );
        revoke(&store, &rec.id, now).await.unwrap();
        assert!(
            matches!(authenticate(&store, &t, now).unwrap(), Authenticated::Refused(w) if w.contains("revoked"))
        );
        assert!(matches!(
            revoke(&store, "tk_nope", now).await,
            Err(TokenError::NotFound(_))
        ));

        let uscc =
            Uscc::parse(&crate::domain::with_check_char("91440101MA5000001").unwrap()).unwrap();
        let (w1, _, none) = rotate_wallet(&store, &uscc, now).await.unwrap();
        assert!(none.is_none());
        let (w2, _, old) = rotate_wallet(&store, &uscc, now).await.unwrap();
        assert!(old.is_some());
        assert!(matches!(
            authenticate(&store, &w1, now).unwrap(),
            Authenticated::Refused(_)
        ));
        assert!(matches!(
            authenticate(&store, &w2, now).unwrap(),
            Authenticated::Valid(_)
        ));

        rotate_admin(&store, &admin_file).await.unwrap();
        let second = std::fs::read_to_string(&admin_file).unwrap();
        assert_ne!(first, second);
        assert!(matches!(
            authenticate(&store, &first, now).unwrap(),
            Authenticated::Refused(_)
        ));
        assert!(matches!(
            authenticate(&store, &second, now).unwrap(),
            Authenticated::Valid(_)
        ));
        // Putting the old file back does not bring the old token back.
        std::fs::write(&admin_file, &first).unwrap();
        assert!(matches!(
            ensure_admin(&store, &admin_file, Utc::now()).await,
            Err(TokenError::AdminFile(_))
        ));
    }
}
