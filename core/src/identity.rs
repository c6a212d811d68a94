//! Who a certificate is for: the roles of the federation, written as the SAN URI of a
//! certificate (`vrs://state/AUS/focal-point/fp1`), parsed strictly. The node decides
//! what a role may do; the client reads its own certificate's role with the same parser.

use std::fmt;

use x509_parser::extensions::GeneralName;

/// Longest SAN value quoted in an error.
const MAX_QUOTED: usize = 100;

/// Why a certificate has no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("certificate is not valid DER X.509")]
    BadCertificate,
    #[error("certificate has no vrs:// SAN URI")]
    NoRole,
    #[error("certificate has {0} vrs:// SAN URIs, exactly one is allowed")]
    SeveralRoles(usize),
    #[error("certificate SAN URI {0:?} is not a valid vrs role")]
    InvalidRole(String),
}

/// What the peer is allowed to be, from its certificate's SAN URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// `vrs://state/<ISO3>/focal-point/<id>`
    FocalPoint { state: String, id: String },
    /// `vrs://state/<ISO3>/admin`
    Admin { state: String },
    /// `vrs://state/<ISO3>/node`
    Node { state: String },
    /// `vrs://secretariat/<id>`
    Secretariat { id: String },
}

impl Role {
    /// Strict parse: the exact forms above, nothing else (no trailing slash, query,
    /// fragment, percent-encoding or case folding). A State is 3 upper-case ASCII letters;
    /// an id is 1..=64 of `[A-Za-z0-9._-]`.
    pub fn from_san_uri(uri: &str) -> Option<Role> {
        let rest = uri.strip_prefix("vrs://")?;
        // At most 5 pieces: a fifth one means "too many segments" and matches nothing.
        let segments: Vec<&str> = rest.splitn(5, '/').collect();
        match segments.as_slice() {
            ["state", state, "focal-point", id] if is_state(state) && is_id(id) => {
                Some(Role::FocalPoint {
                    state: (*state).to_owned(),
                    id: (*id).to_owned(),
                })
            }
            ["state", state, "admin"] if is_state(state) => Some(Role::Admin {
                state: (*state).to_owned(),
            }),
            ["state", state, "node"] if is_state(state) => Some(Role::Node {
                state: (*state).to_owned(),
            }),
            ["secretariat", id] if is_id(id) => Some(Role::Secretariat {
                id: (*id).to_owned(),
            }),
            _ => None,
        }
    }

    /// `vrs://state/<ISO3>/node`
    pub fn node(state: impl Into<String>) -> Self {
        Role::Node {
            state: state.into(),
        }
    }

    /// `vrs://state/<ISO3>/focal-point/<id>`
    pub fn focal_point(state: impl Into<String>, id: impl Into<String>) -> Self {
        Role::FocalPoint {
            state: state.into(),
            id: id.into(),
        }
    }

    /// `vrs://state/<ISO3>/admin`
    pub fn admin(state: impl Into<String>) -> Self {
        Role::Admin {
            state: state.into(),
        }
    }

    /// `vrs://secretariat/<id>`
    pub fn secretariat(id: impl Into<String>) -> Self {
        Role::Secretariat { id: id.into() }
    }

    /// The one SAN URI that carries the role (its `Display`).
    pub fn san_uri(&self) -> String {
        self.to_string()
    }

    /// The syntax rules of [`Role::from_san_uri`], as a message for the first one broken
    /// (for a role built from its parts, before a certificate is made for it).
    pub fn validate(&self) -> Result<(), String> {
        let (state, id) = match self {
            Role::Node { state } | Role::Admin { state } => (Some(state), None),
            Role::FocalPoint { state, id } => (Some(state), Some(id)),
            Role::Secretariat { id } => (None, Some(id)),
        };
        if let Some(state) = state
            && !is_state(state)
        {
            return Err(format!("state {state:?} is not 3 upper-case ASCII letters"));
        }
        if let Some(id) = id
            && !is_id(id)
        {
            return Err(format!("id {id:?} is not 1..=64 of [A-Za-z0-9._-]"));
        }
        Ok(())
    }

    /// The State this role belongs to (`None` for a secretariat).
    pub fn state(&self) -> Option<&str> {
        match self {
            Role::FocalPoint { state, .. } | Role::Admin { state } | Role::Node { state } => {
                Some(state)
            }
            Role::Secretariat { .. } => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::FocalPoint { state, id } => write!(f, "vrs://state/{state}/focal-point/{id}"),
            Role::Admin { state } => write!(f, "vrs://state/{state}/admin"),
            Role::Node { state } => write!(f, "vrs://state/{state}/node"),
            Role::Secretariat { id } => write!(f, "vrs://secretariat/{id}"),
        }
    }
}

fn is_state(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The role of a (DER) certificate: exactly one SAN URI with the `vrs` scheme (any case),
/// and it must parse with [`Role::from_san_uri`]. Other URI schemes and other SAN types
/// (DNS, IP) are ignored.
pub fn role_from_cert(der: &[u8]) -> Result<Role, IdentityError> {
    role_of(&parse(der)?)
}

/// What a holder checks of its own certificate before using it: its role, when it is
/// valid and the public key it certifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// The role of its `vrs://` SAN URI.
    pub role: Result<Role, IdentityError>,
    /// Not valid before, Unix seconds.
    pub not_before: i64,
    /// Not valid after, Unix seconds.
    pub not_after: i64,
    /// The DER SubjectPublicKeyInfo it certifies.
    pub public_key: Vec<u8>,
}

/// The [`CertFacts`] of a DER certificate.
pub fn cert_facts(der: &[u8]) -> Result<CertFacts, IdentityError> {
    let cert = parse(der)?;
    Ok(CertFacts {
        role: role_of(&cert),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        public_key: cert.public_key().raw.to_vec(),
    })
}

fn parse(der: &[u8]) -> Result<x509_parser::certificate::X509Certificate<'_>, IdentityError> {
    let (rest, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| IdentityError::BadCertificate)?;
    if !rest.is_empty() {
        return Err(IdentityError::BadCertificate);
    }
    Ok(cert)
}

fn role_of(cert: &x509_parser::certificate::X509Certificate<'_>) -> Result<Role, IdentityError> {
    let san = cert
        .subject_alternative_name()
        .map_err(|_| IdentityError::BadCertificate)?
        .ok_or(IdentityError::NoRole)?;
    let vrs_uris: Vec<&str> = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::URI(uri) => Some(*uri),
            _ => None,
        })
        .filter(|uri| {
            uri.split_once(':')
                .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("vrs"))
        })
        .collect();
    match vrs_uris.as_slice() {
        [] => Err(IdentityError::NoRole),
        [uri] => Role::from_san_uri(uri).ok_or_else(|| IdentityError::InvalidRole(quote(uri))),
        several => Err(IdentityError::SeveralRoles(several.len())),
    }
}

fn quote(s: &str) -> String {
    s.chars().take(MAX_QUOTED).collect()
}
