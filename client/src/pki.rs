//! A throw-away development PKI (rcgen): one self-signed CA that issues mTLS certificates
//! whose role is carried by exactly one SAN URI (see `01-system.md`, "Identities and roles").
//!
//! **DEVELOPMENT ONLY.** The CA's common name says so, keys are generated in memory and
//! written unencrypted. It exists for `vrs pki init`, the demo and the end-to-end tests; a
//! real deployment uses the States' own PKI.
//!
//! An [`Identity`] is the role of `vrs_core::identity`, whose SAN URI form and strict
//! parser the node uses too; [`Identity::validate`] applies the parser's syntax rules, so
//! this module never mints a certificate the node would refuse.
//!
//! Keys are ECDSA P-256 / SHA-256 (supported by rcgen and by rustls' ring provider).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, PublicKeyData as _, RevokedCertParams, SanType, SerialNumber,
};
use ring::rand::{SecureRandom as _, SystemRandom};

/// Validity of the development CA certificate.
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Validity of issued leaf certificates.
const LEAF_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);
/// Back-dating of `notBefore` / `thisUpdate`, to tolerate clock skew between machines.
const BACKDATE: Duration = Duration::from_secs(3600);
/// How long a generated CRL claims to be current (`nextUpdate`).
const CRL_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);
/// Longest CA name accepted: the common name must stay within X.509's 64 characters.
const MAX_CA_NAME: usize = 32;
/// Marker carried by every CA this module creates.
pub const DEV_MARKER: &str = "DEVELOPMENT ONLY";

/// "Now" as rcgen's date type (`time::OffsetDateTime`; this crate does not depend on
/// `time`, so the type is only ever inferred).
macro_rules! now {
    () => {
        rcgen::date_time_ymd(1970, 1, 1) + since_epoch()
    };
}

/// Errors of the development PKI.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("invalid identity: {0}")]
    InvalidIdentity(String),
    #[error("invalid CA name {0:?}: 1..={MAX_CA_NAME} printable ASCII characters")]
    InvalidCaName(String),
    #[error("extra host names are only allowed for node identities")]
    HostsForNonNode,
    #[error("invalid host name {0:?}")]
    InvalidHost(String),
    #[error("random number generator failed")]
    Random,
    #[error("invalid PEM: {0}")]
    Pem(&'static str),
    #[error("the CA certificate does not match the CA key or the CA name")]
    CaMismatch,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

// ---------------------------------------------------------------------------------------
// Identities

/// Who a certificate is for: the role the node reads from its SAN URI, one type for both.
pub use vrs_core::identity::Role as Identity;

// ---------------------------------------------------------------------------------------
// CA

/// A development certificate authority.
pub struct DevCa {
    name: String,
    cert_pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for DevCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevCa")
            .field("name", &self.name)
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A certificate and its private key, both PEM. `key_pem` is secret: write it with
/// [`write_private`].
#[derive(Clone)]
pub struct Issued {
    pub identity: Identity,
    pub san_uri: String,
    /// Serial number (big-endian, positive), as listed in a CRL.
    pub serial: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("san_uri", &self.san_uri)
            .field("serial", &hex(&self.serial))
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// Writes the certificate (mode 0644) and the key (mode 0600, see [`write_private`]).
    pub fn write(&self, cert_path: &Path, key_path: &Path) -> Result<(), PkiError> {
        write_public(cert_path, &self.cert_pem)?;
        write_private(key_path, &self.key_pem)
    }
}

impl DevCa {
    /// Creates a new self-signed development CA. `name` (1..=32 printable ASCII characters)
    /// goes into the common name together with "DEVELOPMENT ONLY".
    pub fn new(name: &str) -> Result<DevCa, PkiError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let now = now!();
        let mut params = ca_params(name)?;
        params.not_before = now - BACKDATE;
        params.not_after = now + CA_VALIDITY;
        params.serial_number = Some(random_serial()?);
        let cert_pem = params.self_signed(&key)?.pem();
        let key_pem = key.serialize_pem();
        Ok(DevCa {
            name: name.to_owned(),
            cert_pem,
            key_pem,
            issuer: Issuer::new(params, key),
        })
    }

    /// Reloads a CA written earlier ([`DevCa::cert_pem`], [`DevCa::key_pem`]) under the same
    /// `name`. Checks that the certificate holds the key's public key and the name.
    pub fn from_pem(name: &str, cert_pem: &str, key_pem: &str) -> Result<DevCa, PkiError> {
        let params = ca_params(name)?;
        let key = KeyPair::from_pem(key_pem)?;
        let der = pem_decode(cert_pem, "CERTIFICATE")?;
        if !contains(&der, &key.subject_public_key_info())
            || !contains(&der, ca_common_name(name).as_bytes())
        {
            return Err(PkiError::CaMismatch);
        }
        Ok(DevCa {
            name: name.to_owned(),
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            issuer: Issuer::new(params, key),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The CA certificate (the trust anchor every node and client is given).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key (PKCS#8 PEM). Secret: write it with [`write_private`].
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Issues a leaf certificate with a fresh P-256 key. The leaf has exactly one SAN URI
    /// (the role); a node's also has DNS `localhost` and IP 127.0.0.1 and ::1.
    /// Nodes get the serverAuth and clientAuth EKUs (they serve, and pull from peers);
    /// everyone else clientAuth only.
    pub fn issue(&self, identity: &Identity) -> Result<Issued, PkiError> {
        self.issue_with_hosts(identity, &[])
    }

    /// As [`DevCa::issue`], with extra DNS names or IP addresses for a node certificate
    /// (e.g. the host name peers will dial).
    pub fn issue_with_hosts(
        &self,
        identity: &Identity,
        extra_hosts: &[&str],
    ) -> Result<Issued, PkiError> {
        self.issue_valid(
            identity,
            extra_hosts,
            -(BACKDATE.as_secs() as i64),
            LEAF_VALIDITY.as_secs() as i64,
        )
    }

    /// As [`DevCa::issue_with_hosts`], valid from `from` to `until` seconds from now
    /// (negative: in the past): the expired and not-yet-valid certificates of tests.
    pub fn issue_valid(
        &self,
        identity: &Identity,
        extra_hosts: &[&str],
        from: i64,
        until: i64,
    ) -> Result<Issued, PkiError> {
        identity.validate().map_err(PkiError::InvalidIdentity)?;
        // A node, or a secretariat's node given host names: a server certificate.
        let is_node = matches!(identity, Identity::Node { .. })
            || (matches!(identity, Identity::Secretariat { .. }) && !extra_hosts.is_empty());
        if !is_node && !extra_hosts.is_empty() {
            return Err(PkiError::HostsForNonNode);
        }
        let san_uri = identity.san_uri();
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let serial = random_serial()?;
        let now = now!();

        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, san_uri.as_str());
        params
            .distinguished_name
            .push(DnType::OrganizationName, org_name());
        let at = |secs: i64| {
            let d = Duration::from_secs(secs.unsigned_abs());
            if secs < 0 { now - d } else { now + d }
        };
        params.not_before = at(from);
        params.not_after = at(until);
        params.serial_number = Some(serial.clone());
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = if is_node {
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ]
        } else {
            vec![ExtendedKeyUsagePurpose::ClientAuth]
        };
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::Sha256;

        let mut sans = vec![SanType::URI(san_uri.as_str().try_into()?)];
        if is_node {
            sans.push(SanType::DnsName("localhost".try_into()?));
            sans.push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
            sans.push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
            for host in extra_hosts {
                sans.push(host_san(host)?);
            }
        }
        params.subject_alt_names = sans;

        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Issued {
            identity: identity.clone(),
            san_uri,
            serial: serial.to_bytes(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A CRL signed by this CA listing `revoked` (may be empty: "nothing revoked").
    pub fn crl_pem(&self, revoked: &[&Issued]) -> Result<String, PkiError> {
        let serials: Vec<&[u8]> = revoked.iter().map(|i| i.serial.as_slice()).collect();
        self.crl_pem_for_serials(&serials)
    }

    /// A CRL signed by this CA listing certificates by serial number.
    pub fn crl_pem_for_serials(&self, serials: &[&[u8]]) -> Result<String, PkiError> {
        let now = now!();
        let params = CertificateRevocationListParams {
            this_update: now - BACKDATE,
            next_update: now + CRL_VALIDITY,
            // Monotonic enough for a development CA: seconds since the epoch.
            crl_number: SerialNumber::from(since_epoch().as_secs()),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: now,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.pem()?)
    }
}

fn org_name() -> String {
    format!("vrs {DEV_MARKER}")
}

fn ca_common_name(name: &str) -> String {
    format!("{name} CA {DEV_MARKER}")
}

/// The CA's parameters without validity or serial: everything the [`Issuer`] needs, and
/// deterministic in `name` so that [`DevCa::from_pem`] can rebuild it.
fn ca_params(name: &str) -> Result<CertificateParams, PkiError> {
    if name.is_empty()
        || name.len() > MAX_CA_NAME
        || !name.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(PkiError::InvalidCaName(name.to_owned()));
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, ca_common_name(name));
    params
        .distinguished_name
        .push(DnType::OrganizationName, org_name());
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.key_identifier_method = KeyIdMethod::Sha256;
    Ok(params)
}

fn host_san(host: &str) -> Result<SanType, PkiError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    if !ok {
        return Err(PkiError::InvalidHost(host.to_owned()));
    }
    Ok(SanType::DnsName(host.try_into()?))
}

/// 16 random bytes, positive and without a leading zero byte (so that its DER encoding,
/// and hence the CRL entry, is exactly these bytes).
fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PkiError::Random)?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

/// Time since the Unix epoch (zero if the clock is before it).
fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn pem_decode(pem: &str, label: &str) -> Result<Vec<u8>, PkiError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or(PkiError::Pem("missing BEGIN line"))?
        + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or(PkiError::Pem("missing END line"))?
        + start;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| PkiError::Pem("bad base64"))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------
// Files

/// Writes secret PEM (a private key) to `path` with mode 0600. An existing file is
/// truncated and its mode reset to 0600 before anything is written.
pub fn write_private(path: &Path, pem: &str) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    // `mode` only applies when the file is created.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io)?;
    file.write_all(pem.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Writes public PEM (a certificate, a CRL) to `path` with mode 0644.
pub fn write_public(path: &Path, pem: &str) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::create(path).map_err(io)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(io)?;
    file.write_all(pem.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// DER of a GeneralName: `[tag] len bytes` (all short-form lengths here).
    fn general_name(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, u8::try_from(value.len()).unwrap_or(u8::MAX)];
        v.extend_from_slice(value);
        v
    }

    fn count(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "vrs-pki-{tag}-{}-{}",
                std::process::id(),
                since_epoch().as_nanos()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn san_uri_formatting() {
        assert_eq!(
            Identity::focal_point("AUS", "fp1").san_uri(),
            "vrs://state/AUS/focal-point/fp1"
        );
        assert_eq!(Identity::admin("AUS").san_uri(), "vrs://state/AUS/admin");
        assert_eq!(Identity::node("NZL").san_uri(), "vrs://state/NZL/node");
        assert_eq!(
            Identity::secretariat("pacific").san_uri(),
            "vrs://secretariat/pacific"
        );
        assert!(Identity::focal_point("aus", "fp1").validate().is_err());
        assert!(Identity::secretariat("").validate().is_err());
    }

    #[test]
    fn ca_is_marked_development_only() {
        let ca = DevCa::new("test").unwrap();
        let der = pem_decode(ca.cert_pem(), "CERTIFICATE").unwrap();
        // Subject and issuer (self-signed).
        assert_eq!(count(&der, b"test CA DEVELOPMENT ONLY"), 2);
    }

    #[test]
    fn focal_point_cert_carries_exactly_its_san_uri() {
        let ca = DevCa::new("test").unwrap();
        let issued = ca.issue(&Identity::focal_point("AUS", "fp1")).unwrap();
        assert_eq!(issued.san_uri, "vrs://state/AUS/focal-point/fp1");
        let der = pem_decode(&issued.cert_pem, "CERTIFICATE").unwrap();
        // GeneralName uniformResourceIdentifier is [6] IMPLICIT IA5String.
        assert_eq!(
            count(&der, &general_name(0x86, issued.san_uri.as_bytes())),
            1
        );
        // Not a node: no DNS name.
        assert_eq!(count(&der, &general_name(0x82, b"localhost")), 0);
        assert!(issued.key_pem.contains("BEGIN PRIVATE KEY"));
    }

    #[test]
    fn node_cert_also_names_localhost() {
        let ca = DevCa::new("test").unwrap();
        let issued = ca.issue(&Identity::node("AUS")).unwrap();
        let der = pem_decode(&issued.cert_pem, "CERTIFICATE").unwrap();
        assert_eq!(count(&der, &general_name(0x86, b"vrs://state/AUS/node")), 1);
        assert_eq!(count(&der, &general_name(0x82, b"localhost")), 1);
        assert_eq!(count(&der, &general_name(0x87, &[127, 0, 0, 1])), 1);
    }

    #[test]
    fn invalid_identities_are_refused() {
        let ca = DevCa::new("test").unwrap();
        for bad in [
            Identity::node("aus"),
            Identity::node("AUST"),
            Identity::focal_point("AUS", ""),
            Identity::focal_point("AUS", "a/b"),
            Identity::secretariat("x".repeat(65)),
        ] {
            assert!(
                matches!(ca.issue(&bad), Err(PkiError::InvalidIdentity(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            ca.issue_with_hosts(&Identity::admin("AUS"), &["example.org"]),
            Err(PkiError::HostsForNonNode)
        ));
    }

    #[test]
    fn serials_are_distinct_and_listed_in_the_crl() {
        let ca = DevCa::new("test").unwrap();
        let a = ca.issue(&Identity::focal_point("AUS", "a")).unwrap();
        let b = ca.issue(&Identity::focal_point("AUS", "b")).unwrap();
        assert_ne!(a.serial, b.serial);
        let crl = ca.crl_pem(&[&a]).unwrap();
        let der = pem_decode(&crl, "X509 CRL").unwrap();
        assert_eq!(count(&der, &a.serial), 1);
        assert_eq!(count(&der, &b.serial), 0);
    }

    #[test]
    fn ca_reloads_from_pem_and_checks_the_name() {
        let ca = DevCa::new("test").unwrap();
        let again = DevCa::from_pem("test", ca.cert_pem(), ca.key_pem()).unwrap();
        assert!(again.issue(&Identity::admin("AUS")).is_ok());
        assert!(matches!(
            DevCa::from_pem("other", ca.cert_pem(), ca.key_pem()),
            Err(PkiError::CaMismatch)
        ));
        let other = DevCa::new("test").unwrap();
        assert!(matches!(
            DevCa::from_pem("test", ca.cert_pem(), other.key_pem()),
            Err(PkiError::CaMismatch)
        ));
    }

    #[test]
    fn private_key_files_are_mode_0600() {
        let dir = TempDir::new("mode");
        let ca = DevCa::new("test").unwrap();
        let issued = ca.issue(&Identity::focal_point("AUS", "fp1")).unwrap();
        let cert = dir.0.join("fp1.crt");
        let key = dir.0.join("fp1.key");
        // A pre-existing, world-readable key file gets tightened too.
        std::fs::write(&key, "old").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        issued.write(&cert, &key).unwrap();

        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&cert), 0o644);
        assert_eq!(std::fs::read_to_string(&key).unwrap(), issued.key_pem);

        let fresh = dir.0.join("ca.key");
        write_private(&fresh, ca.key_pem()).unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }
}
