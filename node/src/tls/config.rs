//! The TLS configurations: TLS 1.3 only, the ring provider, ALPN `h2`; the server's
//! verifying client certificates (and a CRL), the client's presenting one; sessions
//! kept for resumption in memory only.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::{ALPN_H2, TlsError};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &[u8], what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem { what, source })?;
    if certs.is_empty() {
        return Err(TlsError::Empty { what });
    }
    Ok(certs)
}

fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    const WHAT: &str = "private key";
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::Empty { what: WHAT },
        source => TlsError::Pem { what: WHAT, source },
    })
}

fn roots(ca_pem: &[u8]) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for ca in certs(ca_pem, "CA bundle")? {
        roots.add(ca).map_err(TlsError::TrustAnchor)?;
    }
    Ok(Arc::new(roots))
}

/// Server configuration: TLS 1.3 only, ring provider, ALPN `h2`, and a client certificate
/// **required** and verified against `ca_pem` (one or more CA certificates).
///
/// With `crl_pem` (one or more CRLs), revocation is checked for the client certificate and
/// any intermediate. A certificate whose issuer has no CRL in the file is refused (unknown
/// status is an error), so give a CRL for every CA of the bundle. CRL expiry (`nextUpdate`)
/// is not enforced, so that a late CRL refresh does not lock every client out.
pub fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    ca_pem: &[u8],
    crl_pem: Option<&[u8]>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let chain = certs(cert_pem, "server certificate")?;
    let key = private_key(key_pem)?;
    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(roots(ca_pem)?, provider.clone());
    if let Some(crl_pem) = crl_pem {
        const WHAT: &str = "CRL";
        let crls = CertificateRevocationListDer::pem_slice_iter(crl_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsError::Pem { what: WHAT, source })?;
        if crls.is_empty() {
            return Err(TlsError::Empty { what: WHAT });
        }
        verifier = verifier.with_crls(crls);
    }
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier.build()?)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    // Resumption (05-sync.md: a quiet night moves a few bytes): sessions are kept in
    // this process's memory only, for every peer of a federation, one ticket per
    // connection (a peer opens one connection a night). A resumed session skips the
    // certificate checks, so it must never outlive the CRL it was checked under: the
    // CRL is read at start only, and a restart forgets every session.
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(SESSION_CACHE);
    config.send_tls13_tickets = 1;
    Ok(Arc::new(config))
}

/// Sessions a server keeps for resumption (one per client connection it resumed last).
const SESSION_CACHE: usize = 4096;

/// `config` with a session store of its own (for one peer): a ticket is offered only to
/// the server that issued it, even when several peers share a host name.
pub fn with_own_sessions(config: &Arc<ClientConfig>) -> Arc<ClientConfig> {
    let mut c = (**config).clone();
    c.resumption = rustls::client::Resumption::store(Arc::new(
        rustls::client::ClientSessionMemoryCache::new(1),
    ));
    Arc::new(c)
}

/// Client configuration: TLS 1.3 only, ring provider, ALPN `h2`, the server verified against
/// `ca_pem`, and `cert_pem`/`key_pem` presented as the client certificate.
pub fn client_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    ca_pem: &[u8],
) -> Result<Arc<ClientConfig>, TlsError> {
    let chain = certs(cert_pem, "client certificate")?;
    let key = private_key(key_pem)?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots(ca_pem)?)
        .with_client_auth_cert(chain, key)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}
