//! A profile's own certificate and key, checked before they are used: that the
//! certificate is valid today, that the key is the one it certifies, that it names a
//! role and that the role is the one the command needs, and that the key file is not
//! readable by others. A node would refuse all but the last of these during the TLS
//! handshake, where the refusal arrives as a bare alert or a broken pipe; said here,
//! each is one sentence that names the file and what to do.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use vrs_core::identity::Role;

/// Why a profile's certificate or key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// Past the certificate's notAfter.
    #[error(
        "your certificate {} expired on {on}; ask your operator for a new one",
        .path.display()
    )]
    Expired {
        /// The certificate file.
        path: PathBuf,
        /// The date it expired (UTC).
        on: String,
    },
    /// Before the certificate's notBefore.
    #[error(
        "your certificate {} is not valid until {from} (is this computer's clock right?)",
        .path.display()
    )]
    NotYetValid {
        /// The certificate file.
        path: PathBuf,
        /// When it becomes valid (UTC).
        from: String,
    },
    /// The key is not the certificate's.
    #[error(
        "the private key {} is not the key of the certificate {}; check `key` and `cert` \
         in the profile (they must be the pair issued together)",
        .key.display(), .cert.display()
    )]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The file holds no PEM certificate.
    #[error("{} is not a PEM certificate", .0.display())]
    NotACertificate(PathBuf),
    /// The file holds no PEM private key rustls can use.
    #[error("{} is not a PEM private key (PKCS#8, SEC1 or PKCS#1; P-256, P-384, Ed25519 or RSA)", .0.display())]
    NotAKey(PathBuf),
    /// The certificate has no usable `vrs://` role.
    #[error("your certificate {} is not a vrs certificate: {reason}", .path.display())]
    NoRole {
        /// The certificate file.
        path: PathBuf,
        /// Why.
        reason: vrs_core::identity::IdentityError,
    },
    /// The role is not the one the command needs.
    #[error(
        "{needs} needs {need}; your certificate {} is for {role} (choose a profile that \
         has one, with --profile)",
        .path.display()
    )]
    WrongRole {
        /// What the command does.
        needs: &'static str,
        /// The role it needs.
        need: Need,
        /// The role the certificate names.
        role: Role,
        /// The certificate file.
        path: PathBuf,
    },
}

/// A role a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A focal point of the node's State.
    FocalPoint,
    /// The node's administrator (a State's admin, or a secretariat for its own node).
    Admin,
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Need::FocalPoint => "a focal point's certificate",
            Need::Admin => "an administrator's certificate",
        })
    }
}

impl Need {
    fn admits(self, role: &Role) -> bool {
        match self {
            Need::FocalPoint => matches!(role, Role::FocalPoint { .. }),
            Need::Admin => matches!(role, Role::Admin { .. } | Role::Secretariat { .. }),
        }
    }
}

/// A certificate and key that passed [`check`].
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The certificate's role.
    pub role: Role,
    /// The certificate file.
    pub cert: PathBuf,
    /// Its notAfter, Unix seconds.
    pub not_after: i64,
}

impl Credentials {
    /// Refuses a role that is not `need`, saying what `needs` it ("submitting reports").
    pub fn require(&self, need: Need, needs: &'static str) -> Result<(), CredentialError> {
        if need.admits(&self.role) {
            Ok(())
        } else {
            Err(CredentialError::WrongRole {
                needs,
                need,
                role: self.role.clone(),
                path: self.cert.clone(),
            })
        }
    }
}

/// Checks a certificate and its key (PEM, read from `cert` and `key`) at `now` (Unix
/// seconds).
pub fn check(
    cert: &Path,
    cert_pem: &[u8],
    key: &Path,
    key_pem: &[u8],
    now: i64,
) -> Result<Credentials, CredentialError> {
    let der = CertificateDer::from_pem_slice(cert_pem)
        .map_err(|_| CredentialError::NotACertificate(cert.to_owned()))?;
    let facts = vrs_core::identity::cert_facts(&der).map_err(|reason| CredentialError::NoRole {
        path: cert.to_owned(),
        reason,
    })?;
    if now > facts.not_after {
        return Err(CredentialError::Expired {
            path: cert.to_owned(),
            on: date(facts.not_after),
        });
    }
    if now < facts.not_before {
        return Err(CredentialError::NotYetValid {
            path: cert.to_owned(),
            from: timestamp(facts.not_before),
        });
    }
    let key_der = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|_| CredentialError::NotAKey(key.to_owned()))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key_der)
        .map_err(|_| CredentialError::NotAKey(key.to_owned()))?;
    if signer.public_key().as_deref() != Some(facts.public_key.as_slice()) {
        return Err(CredentialError::KeyMismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
        });
    }
    let role = facts.role.map_err(|reason| CredentialError::NoRole {
        path: cert.to_owned(),
        reason,
    })?;
    Ok(Credentials {
        role,
        cert: cert.to_owned(),
        not_after: facts.not_after,
    })
}

/// A warning when the private key file `path` can be read by its group or by others
/// (Unix permissions), as `ssh` gives; `None` when it is private or cannot be read.
pub fn key_exposure(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "the private key {} can be read by others (mode {mode:04o}); \
                 make it private: chmod 600 {}",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn timestamp(secs: i64) -> String {
    vrs_core::codes::Timestamp::from_unix_seconds(secs)
        .map_or_else(|| secs.to_string(), |t| t.as_str().to_owned())
}

fn date(secs: i64) -> String {
    let t = timestamp(secs);
    t.get(..10).unwrap_or(&t).to_owned()
}
