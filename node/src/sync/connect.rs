//! The connection to a peer (a sub-module of `sync`): TCP and mutual TLS with the
//! peer's own session store, the certificate checked to name the peer, every byte on
//! the socket counted for `PeerStatus.wire_bytes`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};

use super::{SyncEngine, SyncError};
use crate::config::PeerConfig;
use crate::tls::Role;

impl SyncEngine {
    /// Time allowed to connect (TCP and TLS) in one attempt: a share of the peer's
    /// deadline, at most 10 s.
    fn connect_timeout(&self) -> Duration {
        let share = Duration::from_secs(self.cfg.peer_deadline_s) / self.cfg.attempts.max(1) as u32;
        share.clamp(Duration::from_millis(200), Duration::from_secs(10))
    }

    /// Connects to `peer` over mTLS and checks that its certificate names it.
    /// Every byte on the connection's socket is counted in `wire`.
    pub async fn connect(
        &self,
        peer: &PeerConfig,
        wire: Arc<AtomicU64>,
    ) -> Result<Channel, SyncError> {
        let uri: Uri = peer
            .endpoint
            .parse()
            .map_err(|e| SyncError::Endpoint(format!("{e}")))?;
        let host = uri
            .host()
            .ok_or_else(|| SyncError::Endpoint("no host".into()))?
            .to_owned();
        let port = uri.port_u16().unwrap_or(443);
        let tls = tokio_rustls::TlsConnector::from(
            self.tls
                .get(&peer.state)
                .cloned()
                .ok_or_else(|| SyncError::Endpoint(format!("{} is not a peer", peer.state)))?,
        );
        let expected = peer.state.clone();
        let connector = tower::service_fn(move |_: Uri| {
            let (tls, host, expected) = (tls.clone(), host.clone(), expected.clone());
            let wire = wire.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                let tcp = crate::tls::Counted::new(tcp, wire);
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                let conn = tls.connect(name, tcp).await?;
                let role = conn
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| crate::tls::role_from_cert(c.as_ref()));
                match role {
                    Some(Ok(Role::Node { state })) if state == expected => Ok(TokioIo::new(conn)),
                    other => Err(std::io::Error::other(format!(
                        "peer certificate is not vrs://state/{expected}/node ({other:?})"
                    ))),
                }
            }
        });
        Endpoint::from_shared(format!("http://{}:{port}", uri.host().unwrap_or_default()))
            .map_err(|e| SyncError::Endpoint(e.to_string()))?
            // Each attempt gets its share of the peer's deadline: a peer that accepts
            // TCP and never answers fails every attempt, and the retries run.
            .connect_timeout(self.connect_timeout())
            .connect_with_connector(connector)
            .await
            .map_err(|e| SyncError::Connect {
                endpoint: peer.endpoint.clone(),
                reason: vrs_proto::transport::classify(&e).to_string(),
            })
    }
}
