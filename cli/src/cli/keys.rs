//! `vrs keys`: report signing keys.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use vrs_client::keyfile;
use vrs_client::profile::Selector;
use vrs_proto::v1 as pb;

use super::{Output, Table, UsageError};

/// `vrs keys new`.
pub fn new(key_id: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    if !keyfile::is_key_id(key_id) {
        return Err(UsageError(format!(
            "--key-id {key_id:?}: 1 to 64 characters of [A-Za-z0-9._-]"
        ))
        .into());
    }
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{key_id}.key")));
    let (key, pub_path) = keyfile::generate(&path, key_id)?;
    println!("wrote {} (secret signing key, mode 0600)", path.display());
    println!("wrote {} (public key)", pub_path.display());
    println!(
        "key id {key_id}, public key {}",
        B64.encode(key.public_key())
    );
    println!(
        "next: give {} to your node's operator, who runs\n  vrs keys register --focal-point <your id> {}\n\
         then set signing_key = \"{}\" in your profile",
        pub_path.display(),
        pub_path.display(),
        path.display()
    );
    Ok(())
}

fn key_table() -> Table {
    Table::new(&[
        "key_id",
        "focal_point_id",
        "valid_from",
        "revoked_at",
        "public_key",
    ])
}

fn key_row(k: &pb::KeyInfo) -> Vec<Value> {
    vec![
        json!(k.key_id),
        json!(k.focal_point_id),
        json!(k.valid_from),
        k.revoked_at.map_or(Value::Null, |i| json!(i)),
        json!(B64.encode(&k.public_key)),
    ]
}

fn public_key(
    file: Option<&Path>,
    key_id: Option<&str>,
    public_key: Option<&str>,
) -> anyhow::Result<(String, Vec<u8>)> {
    match (file, key_id, public_key) {
        (Some(f), _, _) => {
            let p = keyfile::read_public(f)?;
            let bytes = p.key_bytes().map(|b| b.to_vec()).unwrap_or_default();
            Ok((p.key_id, bytes))
        }
        (None, Some(id), Some(pk)) => {
            let bytes = B64
                .decode(pk.trim())
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| {
                    UsageError("--public-key must be a 32-byte Ed25519 key in base64".into())
                })?;
            Ok((id.to_owned(), bytes))
        }
        _ => Err(UsageError("give a public key file, or --key-id and --public-key".into()).into()),
    }
}

/// `vrs keys register`.
pub async fn register(
    sel: &Selector,
    focal_point: &str,
    file: Option<&Path>,
    key_id: Option<&str>,
    pk: Option<&str>,
    output: Output,
) -> anyhow::Result<()> {
    let (key_id, bytes) = public_key(file, key_id, pk)?;
    let (_, client) = super::connect(sel).await?;
    let r = client.register_key(focal_point, &key_id, &bytes).await?;
    let mut t = key_table();
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    t.print(output);
    Ok(())
}

/// `vrs keys rotate`.
pub async fn rotate(
    sel: &Selector,
    focal_point: &str,
    old: &str,
    file: &Path,
    output: Output,
) -> anyhow::Result<()> {
    let (key_id, bytes) = public_key(Some(file), None, None)?;
    if key_id == old {
        return Err(UsageError(format!("the new key has the old key's id {old:?}")).into());
    }
    let (_, client) = super::connect(sel).await?;
    let mut t = key_table();
    let r = client.register_key(focal_point, &key_id, &bytes).await?;
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    match client.revoke_key(old, "rotated").await {
        Ok(r) => {
            if let Some(k) = &r.key {
                t.push(key_row(k));
            }
            t.print(output);
            Ok(())
        }
        Err(e) => {
            t.print(output);
            Err(anyhow::Error::from(e).context(format!(
                "the new key {key_id} is registered, but the old key {old} was not revoked"
            )))
        }
    }
}

/// `vrs keys revoke`.
pub async fn revoke(
    sel: &Selector,
    key_id: &str,
    reason: &str,
    output: Output,
) -> anyhow::Result<()> {
    let (_, client) = super::connect(sel).await?;
    let r = client.revoke_key(key_id, reason).await?;
    let mut t = key_table();
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    t.print(output);
    Ok(())
}

/// `vrs keys list`.
pub async fn list(sel: &Selector, output: Output) -> anyhow::Result<()> {
    let (_, client) = super::connect(sel).await?;
    let mut t = key_table();
    for k in client.list_keys().await? {
        t.push(key_row(&k));
    }
    t.print(output);
    Ok(())
}
