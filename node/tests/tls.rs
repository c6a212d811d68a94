//! Mutual TLS end to end: a real tonic server (tonic-health) behind `tls::incoming` on
//! 127.0.0.1:0, real clients, certificates generated at test time with rcgen.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber,
};
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use vrs_node::tls::{self, IdentityError, PeerInfo, Role, TlsError};

/// Upper bound for anything a test waits on; never reached when things work.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// A throw-away CA (the real one is vrs_client::pki, which node tests cannot depend on).

struct TestCa {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

struct Leaf {
    cert_pem: String,
    key_pem: String,
    serial: u64,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            format!("{name} test CA DEVELOPMENT ONLY"),
        );
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(SerialNumber::from(1u64));
        let cert_pem = params.self_signed(&key).unwrap().pem();
        TestCa {
            cert_pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf with the given SAN URIs; `server` adds DNS localhost and the serverAuth EKU.
    fn issue(&self, uris: &[&str], serial: u64, server: bool) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "test leaf");
        params.serial_number = Some(SerialNumber::from(serial));
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.subject_alt_names = uris
            .iter()
            .map(|u| SanType::URI((*u).try_into().unwrap()))
            .collect();
        if server {
            params
                .extended_key_usages
                .push(ExtendedKeyUsagePurpose::ServerAuth);
            params
                .subject_alt_names
                .push(SanType::DnsName("localhost".try_into().unwrap()));
        }
        let cert_pem = params.signed_by(&key, &self.issuer).unwrap().pem();
        Leaf {
            cert_pem,
            key_pem: key.serialize_pem(),
            serial,
        }
    }

    fn crl(&self, serials: &[u64]) -> String {
        let params = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2020, 1, 1),
            next_update: rcgen::date_time_ymd(2100, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: rcgen::date_time_ymd(2021, 1, 1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).unwrap().pem().unwrap()
    }
}

fn der(pem: &str) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

// ---------------------------------------------------------------------------------------
// Server and client

struct TestServer {
    addr: SocketAddr,
    /// `PeerInfo` of every request the health service saw.
    peers: mpsc::UnboundedReceiver<Option<PeerInfo>>,
    /// One message per handshake failure reported by `tls::incoming`.
    failures: mpsc::UnboundedReceiver<tls::HandshakeFailure>,
    _shutdown: oneshot::Sender<()>,
}

impl TestServer {
    async fn start(ca: &TestCa, crl: Option<&str>, handshake_timeout: Duration) -> TestServer {
        let leaf = ca.issue(&["vrs://state/AUS/node"], 1000, true);
        let config = tls::server_config(
            leaf.cert_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            ca.cert_pem.as_bytes(),
            crl.map(str::as_bytes),
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();

        let (failure_tx, failures) = mpsc::unbounded_channel();
        let incoming = tls::incoming(listener, config, handshake_timeout, move |why| {
            let _ = failure_tx.send(why);
        });

        let (peer_tx, peers) = mpsc::unbounded_channel();
        let (_reporter, health) = tonic_health::server::health_reporter();
        let health = InterceptedService::new(health, move |req: tonic::Request<()>| {
            let _ = peer_tx.send(req.extensions().get::<PeerInfo>().cloned());
            Ok(req)
        });

        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(health)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stop.await;
                }),
        );
        TestServer {
            addr,
            peers,
            failures,
            _shutdown: shutdown,
        }
    }

    /// The reason of the next handshake failure.
    async fn next_failure(&mut self) -> tls::HandshakeFailure {
        tokio::time::timeout(PATIENCE, self.failures.recv())
            .await
            .expect("a handshake failure is reported")
            .unwrap()
    }

    fn no_more_failures(&mut self) -> bool {
        self.failures.try_recv().is_err()
    }

    async fn next_peer(&mut self) -> Option<PeerInfo> {
        tokio::time::timeout(PATIENCE, self.peers.recv())
            .await
            .expect("a request reached the service")
            .unwrap()
    }
}

/// One health check over mTLS, all of it (TCP, TLS, HTTP/2, the call) bounded by
/// `PATIENCE`. `identity` is the client certificate, or none at all.
async fn check(
    addr: SocketAddr,
    ca_pem: &str,
    identity: Option<&Leaf>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .domain_name("localhost");
    if let Some(leaf) = identity {
        tls = tls.identity(Identity::from_pem(&leaf.cert_pem, &leaf.key_pem));
    }
    let endpoint =
        Endpoint::from_shared(format!("https://127.0.0.1:{}", addr.port()))?.tls_config(tls)?;
    tokio::time::timeout(PATIENCE, async {
        let channel = endpoint.connect().await?;
        HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        Ok(())
    })
    .await?
}

const FP1: &str = "vrs://state/AUS/focal-point/fp1";

// ---------------------------------------------------------------------------------------
// Handshakes

#[tokio::test]
async fn focal_point_is_served_and_its_role_reaches_the_handler() {
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;
    let fp = ca.issue(&[FP1], 2, false);

    check(server.addr, &ca.cert_pem, Some(&fp)).await.unwrap();

    let peer = server.next_peer().await.unwrap();
    assert_eq!(
        peer.role,
        Some(Role::FocalPoint {
            state: "AUS".into(),
            id: "fp1".into()
        })
    );
    assert_eq!(peer.remote_addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert!(server.no_more_failures());
}

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;

    assert!(check(server.addr, &ca.cert_pem, None).await.is_err());

    assert_eq!(
        server.next_failure().await,
        tls::HandshakeFailure::NoCertificate
    );
    assert!(server.peers.try_recv().is_err(), "no request got through");
}

#[tokio::test]
async fn certificate_from_another_ca_is_refused() {
    let ca = TestCa::new("a");
    let other = TestCa::new("b");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;
    let intruder = other.issue(&[FP1], 2, false);

    assert!(
        check(server.addr, &ca.cert_pem, Some(&intruder))
            .await
            .is_err()
    );

    assert_eq!(
        server.next_failure().await,
        tls::HandshakeFailure::UnknownIssuer
    );
    assert!(server.peers.try_recv().is_err(), "no request got through");
}

#[tokio::test]
async fn revoked_certificate_is_refused() {
    let ca = TestCa::new("a");
    let revoked = ca.issue(&[FP1], 2, false);
    let valid = ca.issue(&["vrs://state/AUS/focal-point/fp2"], 3, false);
    let crl = ca.crl(&[revoked.serial]);
    let mut server = TestServer::start(&ca, Some(&crl), PATIENCE).await;

    assert!(
        check(server.addr, &ca.cert_pem, Some(&revoked))
            .await
            .is_err()
    );
    assert_eq!(server.next_failure().await, tls::HandshakeFailure::Revoked);
    assert!(server.peers.try_recv().is_err(), "no request got through");

    // The CRL does not shut out the certificates it does not list.
    check(server.addr, &ca.cert_pem, Some(&valid))
        .await
        .unwrap();
    let peer = server.next_peer().await.unwrap();
    assert_eq!(
        peer.role,
        Some(Role::FocalPoint {
            state: "AUS".into(),
            id: "fp2".into()
        })
    );
    assert!(server.no_more_failures());
}

#[tokio::test]
async fn certificate_without_a_valid_role_connects_with_role_none() {
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;

    for uris in [
        &[][..],
        &["https://example.org/"][..],
        &["vrs://state/aus/admin"][..],
        &[FP1, "vrs://state/AUS/admin"][..],
    ] {
        let leaf = ca.issue(uris, 5, false);
        check(server.addr, &ca.cert_pem, Some(&leaf)).await.unwrap();
        let peer = server.next_peer().await.unwrap();
        assert_eq!(peer.role, None, "{uris:?}");
    }
    assert!(server.no_more_failures());
}

#[tokio::test]
async fn silent_connection_does_not_block_other_clients() {
    let ca = TestCa::new("a");
    // A handshake timeout far longer than the test: only per-connection handshakes can
    // let the second client through.
    let mut server = TestServer::start(&ca, None, Duration::from_secs(3600)).await;
    let silent = TcpStream::connect(server.addr).await.unwrap();

    let fp = ca.issue(&[FP1], 2, false);
    let served = check(server.addr, &ca.cert_pem, Some(&fp)).await;
    assert!(
        served.is_ok(),
        "blocked behind the silent connection: {served:?}"
    );
    assert!(server.next_peer().await.unwrap().role.is_some());
    assert!(server.no_more_failures());

    // Hanging up without a ClientHello is a failed handshake.
    drop(silent);
    assert_eq!(
        server.next_failure().await,
        tls::HandshakeFailure::ClosedEarly
    );
}

/// A connection that sends nothing is counted as a failure and hung up on.
async fn a_silent_connection_is_closed(handshake_timeout: Duration) {
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, handshake_timeout).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();

    assert_eq!(
        server.next_failure().await,
        tls::HandshakeFailure::FirstByteTimeout
    );

    // The server has hung up: end of stream (or a reset), never data.
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, silent.read(&mut buf))
        .await
        .expect("the server closes the connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

#[tokio::test]
async fn handshake_timeout_closes_a_silent_connection() {
    a_silent_connection_is_closed(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn garbage_instead_of_client_hello_is_a_counted_failure() {
    use tokio::io::AsyncWriteExt as _;
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();

    assert_eq!(server.next_failure().await, tls::HandshakeFailure::Protocol);

    let fp = ca.issue(&[FP1], 2, false);
    check(server.addr, &ca.cert_pem, Some(&fp)).await.unwrap();
}

#[tokio::test]
async fn client_config_talks_to_server_config() {
    let ca = TestCa::new("a");
    let mut server = TestServer::start(&ca, None, PATIENCE).await;
    let node = ca.issue(&["vrs://state/NZL/node"], 7, true);
    let config = tls::client_config(
        node.cert_pem.as_bytes(),
        node.key_pem.as_bytes(),
        ca.cert_pem.as_bytes(),
    )
    .unwrap();

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    assert!(server.no_more_failures());
}

// ---------------------------------------------------------------------------------------
// Configuration and certificate parsing

#[test]
fn server_config_rejects_bad_input_with_typed_errors() {
    let ca = TestCa::new("a");
    let leaf = ca.issue(&["vrs://state/AUS/node"], 1, true);
    let (c, k, a) = (
        leaf.cert_pem.as_bytes(),
        leaf.key_pem.as_bytes(),
        ca.cert_pem.as_bytes(),
    );

    assert!(tls::server_config(c, k, a, None).is_ok());
    assert!(matches!(
        tls::server_config(b"", k, a, None),
        Err(TlsError::Empty { .. })
    ));
    assert!(matches!(
        tls::server_config(c, b"no key here", a, None),
        Err(TlsError::Empty { .. })
    ));
    assert!(matches!(
        tls::server_config(c, k, b"", None),
        Err(TlsError::Empty { .. })
    ));
    assert!(matches!(
        tls::server_config(c, k, a, Some(b"")),
        Err(TlsError::Empty { .. })
    ));
    let truncated = &ca.cert_pem[..ca.cert_pem.len() - 30];
    assert!(matches!(
        tls::server_config(c, k, truncated.as_bytes(), None),
        Err(TlsError::Pem { .. })
    ));
    // The key of another certificate.
    let other = ca.issue(&["vrs://state/AUS/node"], 2, true);
    assert!(tls::server_config(c, other.key_pem.as_bytes(), a, None).is_err());
}

#[test]
fn role_from_cert_needs_exactly_one_vrs_uri() {
    let ca = TestCa::new("a");
    let role = |uris: &[&str]| tls::role_from_cert(&der(&ca.issue(uris, 9, false).cert_pem));

    assert_eq!(
        role(&[FP1]).unwrap(),
        Role::FocalPoint {
            state: "AUS".into(),
            id: "fp1".into()
        }
    );
    assert_eq!(
        role(&["spiffe://example.org/x", "vrs://secretariat/pac"]).unwrap(),
        Role::Secretariat { id: "pac".into() }
    );
    assert!(matches!(role(&[]), Err(IdentityError::NoRole)));
    assert!(matches!(
        role(&["https://example.org/"]),
        Err(IdentityError::NoRole)
    ));
    assert!(matches!(
        role(&[FP1, "vrs://state/AUS/admin"]),
        Err(IdentityError::SeveralRoles(2))
    ));
    assert!(matches!(
        role(&[FP1, FP1]),
        Err(IdentityError::SeveralRoles(2))
    ));
    assert!(matches!(
        role(&["vrs://state/AUS/root"]),
        Err(IdentityError::InvalidRole(_))
    ));
    // The scheme is case-insensitive for counting, but only the canonical form is valid.
    assert!(matches!(
        role(&["VRS://state/AUS/admin"]),
        Err(IdentityError::InvalidRole(_))
    ));
    assert!(matches!(
        role(&["VRS://state/AUS/admin", "vrs://state/AUS/admin"]),
        Err(IdentityError::SeveralRoles(2))
    ));
}

#[test]
fn role_display_is_the_san_uri() {
    let role = Role::Node {
        state: "FJI".into(),
    };
    assert_eq!(role.to_string(), "vrs://state/FJI/node");
    assert_eq!(Role::from_san_uri(&role.to_string()), Some(role));
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_first_byte_timeout() {
    // The handshake itself may take an hour; saying nothing may not.
    a_silent_connection_is_closed(Duration::from_secs(3600)).await;
}
