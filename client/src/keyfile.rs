//! Report signing key files of focal points.
//!
//! A signing key file is a small TOML file, written with mode 0600 and refused when
//! anyone but its owner may read it:
//!
//! ```toml
//! # vrs report signing key (Ed25519). SECRET: …
//! key_id = "aus-fp1-k1"
//! seed = "<base64 of the 32-byte Ed25519 seed>"
//! public_key = "<base64 of the 32-byte public key>"
//! ```
//!
//! `public_key` is informative (checked against the seed when present). Its public half
//! is written next to it as `<file>.pub` (mode 0644), with `key_id` and `public_key`
//! only: that is what a focal point hands to the node's operator, who registers it with
//! `vrs keys register`.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use vrs_core::envelope::SigningKey;

use crate::pki::{PkiError, write_private, write_public};

/// Errors reading or writing key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] PkiError),
    /// The file is not a key file.
    #[error("{} is not a vrs key file: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A secret key file others may read.
    #[error(
        "{} may be read by others (mode {mode:04o}); run `chmod 600 {}` first",
        .path.display(), .path.display()
    )]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The key id is not 1..=64 of `[A-Za-z0-9._-]`.
    #[error("key id {0:?} must be 1 to 64 characters of [A-Za-z0-9._-]")]
    KeyId(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    key_id: String,
    seed: String,
    public_key: Option<String>,
}

/// A public key file: what the node's operator registers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyFile {
    /// Key id.
    pub key_id: String,
    /// Raw Ed25519 public key, base64.
    pub public_key: String,
}

impl PublicKeyFile {
    /// The raw 32-byte public key.
    pub fn key_bytes(&self) -> Option<[u8; 32]> {
        B64.decode(&self.public_key).ok()?.try_into().ok()
    }
}

/// Whether `id` is a valid key id (1..=64 of `[A-Za-z0-9._-]`).
pub fn is_key_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The `.pub` file next to a secret key file.
pub fn public_path(secret: &Path) -> PathBuf {
    let mut s = secret.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Generates a key `key_id`, writes it to `path` (0600) and its public half to
/// `path.pub` (0644). Refuses to overwrite an existing secret key.
pub fn generate(path: &Path, key_id: &str) -> Result<(SigningKey, PathBuf), KeyFileError> {
    if !is_key_id(key_id) {
        return Err(KeyFileError::KeyId(key_id.to_owned()));
    }
    if path.exists() {
        return Err(KeyFileError::Format {
            path: path.to_owned(),
            message: "the file exists already; refusing to overwrite a key".into(),
        });
    }
    let (key, seed) = SigningKey::generate(key_id);
    let public = B64.encode(key.public_key());
    write_private(
        path,
        &format!(
            "# vrs report signing key (Ed25519). SECRET: keep this file mode 0600, never\n\
             # send it anywhere. Give the operator of your node the .pub file next to it.\n\
             key_id = \"{key_id}\"\n\
             seed = \"{}\"\n\
             public_key = \"{public}\"\n",
            B64.encode(seed)
        ),
    )?;
    let pub_path = public_path(path);
    write_public(&pub_path, &public_file_text(key_id, &key.public_key()))?;
    Ok((key, pub_path))
}

/// The text of a `.pub` file.
pub fn public_file_text(key_id: &str, public_key: &[u8; 32]) -> String {
    format!(
        "# vrs report signing key, public half: register it with\n\
         #   vrs keys register --focal-point <ID> <this file>\n\
         key_id = \"{key_id}\"\n\
         public_key = \"{}\"\n",
        B64.encode(public_key)
    )
}

/// Reads a signing key file, refusing one that others may read.
pub fn read(path: &Path) -> Result<SigningKey, KeyFileError> {
    let read_err = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    let format = |message: String| KeyFileError::Format {
        path: path.to_owned(),
        message,
    };
    let f: SecretFile = toml::from_str(&text).map_err(|e| format(e.message().trim().to_owned()))?;
    if !is_key_id(&f.key_id) {
        return Err(KeyFileError::KeyId(f.key_id));
    }
    let seed = B64
        .decode(f.seed.trim())
        .ok()
        .filter(|s| s.len() == 32)
        .ok_or_else(|| format("seed must be 32 bytes in base64".into()))?;
    let key = SigningKey::from_seed(f.key_id, &seed).map_err(|e| format(e.to_string()))?;
    if let Some(p) = f.public_key
        && B64.decode(p.trim()).ok().as_deref() != Some(&key.public_key()[..])
    {
        return Err(format("public_key does not match the seed".into()));
    }
    Ok(key)
}

/// Why a public key is not one to register.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// The key id is not 1..=64 of `[A-Za-z0-9._-]`.
    #[error("key id {0:?} must be 1 to 64 characters of [A-Za-z0-9._-]")]
    KeyId(String),
    /// The key is not 32 bytes of base64.
    #[error("public_key must be a 32-byte Ed25519 key in base64")]
    Key,
    /// The text is a secret signing key file, not its `.pub`.
    #[error("this is a secret signing key file; give the .pub file next to it")]
    Secret,
    /// The text is not a `.pub` file.
    #[error("not a vrs public key file (key_id and public_key, as `vrs keys new` writes): {0}")]
    Format(String),
}

impl PublicKeyFile {
    /// A key to register from its id and its base64 public key, both checked; the raw
    /// key with it.
    pub fn checked(
        key_id: &str,
        public_key: &str,
    ) -> Result<(PublicKeyFile, [u8; 32]), PublicKeyError> {
        if !is_key_id(key_id) {
            return Err(PublicKeyError::KeyId(key_id.to_owned()));
        }
        let f = PublicKeyFile {
            key_id: key_id.to_owned(),
            public_key: public_key.trim().to_owned(),
        };
        let bytes = f.key_bytes().ok_or(PublicKeyError::Key)?;
        Ok((f, bytes))
    }
}

/// Parses the text of a public key file (`.pub`, as [`generate`] writes it), checked;
/// the raw key with it. The one parser of `vrs keys register` and the workspace's
/// upload.
pub fn parse_public(text: &str) -> Result<(PublicKeyFile, [u8; 32]), PublicKeyError> {
    match toml::from_str::<PublicKeyFile>(text) {
        Ok(f) => PublicKeyFile::checked(&f.key_id, &f.public_key),
        Err(_) if text.contains("seed") => Err(PublicKeyError::Secret),
        Err(e) => Err(PublicKeyError::Format(e.message().trim().to_owned())),
    }
}

/// Reads a public key file (`.pub`), or a secret key file (its public half).
pub fn read_public(path: &Path) -> Result<PublicKeyFile, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    match parse_public(&text) {
        Ok((f, _)) => Ok(f),
        Err(PublicKeyError::Secret) => {
            let key = read(path)?;
            Ok(PublicKeyFile {
                key_id: key.keyid.clone(),
                public_key: B64.encode(key.public_key()),
            })
        }
        Err(PublicKeyError::KeyId(id)) => Err(KeyFileError::KeyId(id)),
        Err(PublicKeyError::Format(message)) => Err(KeyFileError::Format {
            path: path.to_owned(),
            message,
        }),
        Err(e @ PublicKeyError::Key) => Err(KeyFileError::Format {
            path: path.to_owned(),
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generate_read_and_refuse_loose_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fp-k1.key");
        let (key, pub_path) = generate(&path, "fp-k1").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = read(&path).unwrap();
        assert_eq!(again.keyid, "fp-k1");
        assert_eq!(again.public_key(), key.public_key());
        let public = read_public(&pub_path).unwrap();
        assert_eq!(public.key_bytes().unwrap(), key.public_key());
        assert_eq!(read_public(&path).unwrap(), public);
        assert!(generate(&path, "fp-k1").is_err(), "no overwrite");
        let text = std::fs::read_to_string(&pub_path).unwrap();
        assert_eq!(
            parse_public(&text).unwrap(),
            (public.clone(), key.public_key())
        );
        let secret = std::fs::read_to_string(&path).unwrap();
        assert_eq!(parse_public(&secret), Err(PublicKeyError::Secret));
        assert_eq!(
            PublicKeyFile::checked("fp-k1", "AAAA"),
            Err(PublicKeyError::Key)
        );

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read(&path).unwrap_err(),
            KeyFileError::Permissions { mode: 0o644, .. }
        ));
        assert!(matches!(
            generate(&dir.path().join("x"), "bad id"),
            Err(KeyFileError::KeyId(_))
        ));
    }
}
