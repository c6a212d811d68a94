//! Transport security: mutual TLS (rustls, ring provider) and the role carried by the
//! peer's certificate.
//!
//! The role is the one `vrs://` SAN URI of the verified client certificate (see
//! `01-system.md`, "Identities and roles"). [`incoming`] performs the TLS handshakes for a
//! tonic server and attaches a [`PeerInfo`] to every connection; a handler reads it from
//! the request extensions:
//!
//! ```text
//! use vrs_node::tls::{PeerInfo, Role};
//!
//! async fn submit(&self, request: tonic::Request<Req>) -> Result<tonic::Response<Resp>, tonic::Status> {
//!     let peer = request.extensions().get::<PeerInfo>();
//!     let Some(Role::FocalPoint { state, id }) = peer.and_then(|p| p.role.as_ref()) else {
//!         return Err(tonic::Status::permission_denied("focal point certificate required"));
//!     };
//!     // ...
//! }
//! ```
//!
//! (`Request::remote_addr()` and `Request::peer_certs()` do not work with this acceptor:
//! they look for tonic's own connect-info types. Use `PeerInfo::remote_addr`.)
//!
//! Serving:
//!
//! ```text
//! let config = tls::server_config(&cert, &key, &ca, crl.as_deref())?;
//! let incoming = tls::incoming(listener, config, Duration::from_secs(10), || metrics.inc());
//! Server::builder().add_service(svc).serve_with_incoming_shutdown(incoming, shutdown).await?;
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_stream::Stream;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::ReceiverStream;
mod config;

pub use config::{client_config, server_config, with_own_sessions};
pub use vrs_core::identity::{IdentityError, Role, role_from_cert};

/// ALPN protocol id for HTTP/2 (gRPC).
const ALPN_H2: &[u8] = b"h2";
/// Handshakes allowed in flight at once; connections beyond this are closed at once
/// (and counted as handshake failures) rather than queued behind slow peers.
pub const MAX_PENDING_HANDSHAKES: usize = 1024;
/// Default time for a connection's first byte (see [`AcceptLimits::first_byte_timeout`]).
pub const FIRST_BYTE_TIMEOUT: Duration =
    Duration::from_millis(crate::config::DEFAULT_FIRST_BYTE_TIMEOUT_MS);
/// Completed connections waiting for tonic to pick them up.
const ACCEPTED_QUEUE: usize = 64;
/// Pause after a failed `accept()` (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// Errors building TLS configurations or reading a certificate's role.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{what}: invalid PEM: {source}")]
    Pem {
        what: &'static str,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("{what}: no PEM item of the expected type")]
    Empty { what: &'static str },
    #[error("CA certificate rejected: {0}")]
    TrustAnchor(#[source] rustls::Error),
    #[error("client certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error(transparent)]
    Role(#[from] IdentityError),
}

// ---------------------------------------------------------------------------------------
// Acceptor

/// What the server knows about the peer of a connection; in every request's extensions
/// (`request.extensions().get::<PeerInfo>()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    pub remote_addr: SocketAddr,
    /// The role of the verified client certificate; `None` if the certificate has no valid
    /// `vrs://` SAN URI (authorization must then refuse the request).
    pub role: Option<Role>,
}

/// A server-side TLS connection whose handshake (and client certificate verification) has
/// completed.
pub struct TlsConn {
    inner: tokio_rustls::server::TlsStream<TcpStream>,
    peer: PeerInfo,
    /// Its place among [`AcceptLimits::max_connections`], given back on drop.
    _open: OpenConnection,
}

/// A completed connection's permit; counts it in [`AcceptStats::connections_open`].
struct OpenConnection {
    _permit: tokio::sync::OwnedSemaphorePermit,
    stats: Arc<AcceptStats>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.stats.connections_open.fetch_sub(1, Relaxed);
    }
}

impl TlsConn {
    pub fn peer(&self) -> &PeerInfo {
        &self.peer
    }

    pub fn get_ref(&self) -> &tokio_rustls::server::TlsStream<TcpStream> {
        &self.inner
    }
}

impl fmt::Debug for TlsConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConn")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl tonic::transport::server::Connected for TlsConn {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> PeerInfo {
        self.peer.clone()
    }
}

// `TlsStream<TcpStream>` is `Unpin`, so plain delegation through `Pin::new` is enough.
impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A stream that counts the bytes read from and written to it (both in one counter):
/// under TLS, the bytes on the wire, records and handshake included.
pub struct Counted<T> {
    inner: T,
    bytes: Arc<AtomicU64>,
}

impl<T> Counted<T> {
    pub fn new(inner: T, bytes: Arc<AtomicU64>) -> Self {
        Self { inner, bytes }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.bytes
            .fetch_add((buf.filled().len() - before) as u64, Relaxed);
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.bytes.fetch_add(n as u64, Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            self.bytes.fetch_add(n as u64, Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The bounds of the acceptor: what a flood of connections may take.
#[derive(Debug, Clone, Copy)]
pub struct AcceptLimits {
    /// Time allowed for the whole TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed for the first byte of the ClientHello: a connection that sends
    /// nothing is closed then, long before `handshake_timeout`.
    pub first_byte_timeout: Duration,
    /// Handshakes in progress at once (all sources).
    pub max_handshakes: usize,
    /// Handshakes in progress at once from one source address.
    pub max_handshakes_per_source: usize,
    /// Open connections whose handshake completed, counted apart from handshakes so
    /// that handshakes in progress never take their place.
    pub max_connections: usize,
}

impl AcceptLimits {
    /// The defaults of the configuration, with `handshake_timeout`.
    pub fn with_handshake_timeout(handshake_timeout: Duration) -> Self {
        Self {
            handshake_timeout,
            first_byte_timeout: FIRST_BYTE_TIMEOUT.min(handshake_timeout),
            max_handshakes: MAX_PENDING_HANDSHAKES,
            max_handshakes_per_source: crate::config::DEFAULT_MAX_HANDSHAKES_PER_SOURCE,
            max_connections: crate::config::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// What the acceptor counts (exposed as metrics).
#[derive(Debug, Default)]
pub struct AcceptStats {
    /// Handshakes in progress now.
    pub handshakes_in_progress: AtomicU64,
    /// Open connections whose handshake completed.
    pub connections_open: AtomicU64,
    /// Connections closed unhandshaken because their source had
    /// `max_handshakes_per_source` handshakes in progress.
    pub refused_per_source: AtomicU64,
    /// Connections closed unhandshaken because `max_handshakes` were in progress.
    pub refused_handshakes_full: AtomicU64,
    /// Connections closed after their handshake because `max_connections` were open.
    pub refused_connections_full: AtomicU64,
    /// Connections closed because they sent nothing within `first_byte_timeout`.
    pub first_byte_timeouts: AtomicU64,
    /// Handshakes that resumed an earlier session (no certificates sent).
    pub handshakes_resumed: AtomicU64,
}

/// A handshake's place among the handshakes of its source and of all sources.
struct Pending {
    source: IpAddr,
    by_source: Arc<Mutex<HashMap<IpAddr, usize>>>,
    stats: Arc<AcceptStats>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.stats.handshakes_in_progress.fetch_sub(1, Relaxed);
        let mut by_source = self.by_source.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = by_source.get_mut(&self.source) {
            *n -= 1;
            if *n == 0 {
                by_source.remove(&self.source);
            }
        }
    }
}

/// Why a connection did not become a TLS connection: the label of
/// `vrs_tls_handshake_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// Refused at once: its source had `max_handshakes_per_source` in progress.
    PerSourceLimit,
    /// Refused at once: `max_handshakes` were in progress.
    HandshakeLimit,
    /// Closed by the client before it sent anything.
    ClosedEarly,
    /// Nothing sent within `first_byte_timeout`.
    FirstByteTimeout,
    /// The handshake did not finish within `handshake_timeout`.
    Timeout,
    /// The client presented no certificate.
    NoCertificate,
    /// The client's certificate does not chain to the CA.
    UnknownIssuer,
    /// The client's certificate is revoked (the CRL).
    Revoked,
    /// The client's certificate is expired or not valid yet.
    Expired,
    /// Any other refusal of the client's certificate.
    BadCertificate,
    /// The client sent an alert (it refused this node's certificate, say).
    AlertReceived,
    /// Any other TLS protocol error.
    Protocol,
    /// The connection failed beneath TLS.
    Io,
}

impl HandshakeFailure {
    /// Every reason, in the order they are exposed.
    pub const ALL: &[HandshakeFailure] = &[
        Self::PerSourceLimit,
        Self::HandshakeLimit,
        Self::ClosedEarly,
        Self::FirstByteTimeout,
        Self::Timeout,
        Self::NoCertificate,
        Self::UnknownIssuer,
        Self::Revoked,
        Self::Expired,
        Self::BadCertificate,
        Self::AlertReceived,
        Self::Protocol,
        Self::Io,
    ];

    /// The metric label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::PerSourceLimit => "per_source_limit",
            Self::HandshakeLimit => "handshake_limit",
            Self::ClosedEarly => "closed_early",
            Self::FirstByteTimeout => "first_byte_timeout",
            Self::Timeout => "timeout",
            Self::NoCertificate => "no_certificate",
            Self::UnknownIssuer => "unknown_issuer",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::BadCertificate => "bad_certificate",
            Self::AlertReceived => "alert_received",
            Self::Protocol => "protocol",
            Self::Io => "io",
        }
    }

    /// The reason of a failed `accept` (tokio-rustls wraps rustls' error in the
    /// `io::Error` it returns).
    pub fn of(error: &io::Error) -> Self {
        use rustls::CertificateError as C;
        let Some(tls) = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
        else {
            return Self::Io;
        };
        match tls {
            rustls::Error::NoCertificatesPresented => Self::NoCertificate,
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => Self::UnknownIssuer,
            rustls::Error::InvalidCertificate(C::Revoked) => Self::Revoked,
            rustls::Error::InvalidCertificate(
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. },
            ) => Self::Expired,
            rustls::Error::InvalidCertificate(_) => Self::BadCertificate,
            rustls::Error::AlertReceived(_) => Self::AlertReceived,
            _ => Self::Protocol,
        }
    }

    /// Its position in [`HandshakeFailure::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// Accepts TCP connections from `listener` and performs each TLS handshake in its own task
/// (bounded by `handshake_timeout`), so a slow or silent peer never holds up the others.
/// Completed connections are yielded for `Server::serve_with_incoming_shutdown`.
/// The other limits are the defaults of [`AcceptLimits::with_handshake_timeout`]; see
/// [`incoming_with`].
///
/// Dropping the stream (tonic does so when it stops accepting) closes the listener.
/// Must be called from within a Tokio runtime.
pub fn incoming(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    handshake_timeout: Duration,
    on_handshake_failure: impl Fn(HandshakeFailure) + Send + Sync + 'static,
) -> impl Stream<Item = Result<TlsConn, io::Error>> + Send + 'static {
    incoming_with(
        listener,
        config,
        AcceptLimits::with_handshake_timeout(handshake_timeout),
        Arc::default(),
        on_handshake_failure,
    )
}

/// As [`incoming`], within `limits`, counting in `stats`.
///
/// A connection that sends nothing within `first_byte_timeout` is closed (a flood of
/// idle connections holds a handshake slot for that long, not for the whole handshake
/// timeout); one source address has at most `max_handshakes_per_source` handshakes in
/// progress and all sources `max_handshakes`, beyond which new connections are closed at
/// once; completed connections hold a place of their own among `max_connections`. A
/// failed, refused or timed-out handshake is logged (peer address and reason, never key
/// material), reported through `on_handshake_failure`, and dropped: the stream never
/// yields an `Err`.
pub fn incoming_with(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    limits: AcceptLimits,
    stats: Arc<AcceptStats>,
    on_handshake_failure: impl Fn(HandshakeFailure) + Send + Sync + 'static,
) -> impl Stream<Item = Result<TlsConn, io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel(ACCEPTED_QUEUE);
    let on_failure: Arc<dyn Fn(HandshakeFailure) + Send + Sync> = Arc::new(on_handshake_failure);
    tokio::spawn(accept_loop(
        listener,
        TlsAcceptor::from(config),
        limits,
        stats,
        on_failure,
        tx,
    ));
    ReceiverStream::new(rx).map(Ok)
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    limits: AcceptLimits,
    stats: Arc<AcceptStats>,
    on_failure: Arc<dyn Fn(HandshakeFailure) + Send + Sync>,
    tx: mpsc::Sender<TlsConn>,
) {
    let handshakes = Arc::new(Semaphore::new(limits.max_handshakes.max(1)));
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let by_source: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    loop {
        let accepted = tokio::select! {
            () = tx.closed() => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, remote_addr) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::select! {
                    () = tx.closed() => break,
                    () = tokio::time::sleep(ACCEPT_ERROR_BACKOFF) => continue,
                }
            }
        };
        let source = remote_addr.ip();
        {
            let mut counts = by_source.lock().unwrap_or_else(|p| p.into_inner());
            if counts.get(&source).copied().unwrap_or(0) >= limits.max_handshakes_per_source {
                drop(counts);
                stats.refused_per_source.fetch_add(1, Relaxed);
                tracing::debug!(peer = %remote_addr, "too many handshakes from this source, connection dropped");
                on_failure(HandshakeFailure::PerSourceLimit);
                continue;
            }
            let Ok(permit) = handshakes.clone().try_acquire_owned() else {
                drop(counts);
                stats.refused_handshakes_full.fetch_add(1, Relaxed);
                tracing::warn!(peer = %remote_addr, "too many TLS handshakes in progress, connection dropped");
                on_failure(HandshakeFailure::HandshakeLimit);
                continue;
            };
            *counts.entry(source).or_insert(0) += 1;
            stats.handshakes_in_progress.fetch_add(1, Relaxed);
            let pending = Pending {
                source,
                by_source: by_source.clone(),
                stats: stats.clone(),
                _permit: permit,
            };
            let task = Handshake {
                acceptor: acceptor.clone(),
                limits,
                stats: stats.clone(),
                connections: connections.clone(),
                on_failure: on_failure.clone(),
                tx: tx.clone(),
            };
            tokio::spawn(task.run(tcp, remote_addr, pending));
        }
    }
    tracing::debug!("TLS acceptor stopped");
}

/// One connection's handshake.
struct Handshake {
    acceptor: TlsAcceptor,
    limits: AcceptLimits,
    stats: Arc<AcceptStats>,
    connections: Arc<Semaphore>,
    on_failure: Arc<dyn Fn(HandshakeFailure) + Send + Sync>,
    tx: mpsc::Sender<TlsConn>,
}

impl Handshake {
    async fn run(self, tcp: TcpStream, remote_addr: SocketAddr, pending: Pending) {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(peer = %remote_addr, %error, "could not set TCP_NODELAY");
        }
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let started = tokio::time::Instant::now();
        // Nothing is spent on a connection that says nothing: wait for its first byte.
        let mut first = [0u8; 1];
        match tokio::time::timeout(self.limits.first_byte_timeout, tcp.peek(&mut first)).await {
            Ok(Ok(n)) if n > 0 => {}
            Ok(_) => {
                tracing::debug!(peer = %remote_addr, "connection closed before a ClientHello");
                (self.on_failure)(HandshakeFailure::ClosedEarly);
                return;
            }
            Err(_elapsed) => {
                self.stats.first_byte_timeouts.fetch_add(1, Relaxed);
                tracing::debug!(
                    peer = %remote_addr,
                    timeout_ms = ms(self.limits.first_byte_timeout),
                    "no ClientHello; connection closed"
                );
                (self.on_failure)(HandshakeFailure::FirstByteTimeout);
                return;
            }
        }
        let left = self
            .limits
            .handshake_timeout
            .saturating_sub(started.elapsed());
        let result = tokio::time::timeout(left, self.acceptor.accept(tcp)).await;
        drop(pending);
        let stream = match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                let reason = HandshakeFailure::of(&error);
                tracing::warn!(peer = %remote_addr, %error, reason = reason.label(), "TLS handshake failed");
                (self.on_failure)(reason);
                return;
            }
            Err(_elapsed) => {
                tracing::warn!(
                    peer = %remote_addr,
                    timeout_ms = ms(self.limits.handshake_timeout),
                    "TLS handshake timed out"
                );
                (self.on_failure)(HandshakeFailure::Timeout);
                return;
            }
        };
        let Ok(permit) = self.connections.clone().try_acquire_owned() else {
            self.stats.refused_connections_full.fetch_add(1, Relaxed);
            tracing::warn!(peer = %remote_addr, "too many open connections, connection dropped");
            return;
        };
        self.stats.connections_open.fetch_add(1, Relaxed);
        if stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
            self.stats.handshakes_resumed.fetch_add(1, Relaxed);
        }
        let role = peer_role(&stream, remote_addr);
        let conn = TlsConn {
            inner: stream,
            peer: PeerInfo { remote_addr, role },
            _open: OpenConnection {
                _permit: permit,
                stats: self.stats.clone(),
            },
        };
        // Fails only when the server has stopped accepting; the connection is dropped.
        let _ = self.tx.send(conn).await;
    }
}

fn peer_role(
    stream: &tokio_rustls::server::TlsStream<TcpStream>,
    remote_addr: SocketAddr,
) -> Option<Role> {
    // The verifier requires a client certificate, so there is one; the end entity is first.
    let leaf = stream.get_ref().1.peer_certificates()?.first()?;
    match role_from_cert(leaf) {
        Ok(role) => {
            tracing::debug!(peer = %remote_addr, %role, "TLS peer authenticated");
            Some(role)
        }
        Err(error) => {
            tracing::warn!(peer = %remote_addr, %error, "client certificate carries no valid role");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_role() {
        assert_eq!(
            Role::from_san_uri("vrs://state/AUS/focal-point/fp1"),
            Some(Role::FocalPoint {
                state: "AUS".into(),
                id: "fp1".into()
            })
        );
        assert_eq!(
            Role::from_san_uri("vrs://state/NZL/admin"),
            Some(Role::Admin {
                state: "NZL".into()
            })
        );
        assert_eq!(
            Role::from_san_uri("vrs://state/FJI/node"),
            Some(Role::Node {
                state: "FJI".into()
            })
        );
        assert_eq!(
            Role::from_san_uri("vrs://secretariat/pacific.sec-1_a"),
            Some(Role::Secretariat {
                id: "pacific.sec-1_a".into()
            })
        );
        let id64 = "a".repeat(64);
        assert_eq!(
            Role::from_san_uri(&format!("vrs://secretariat/{id64}")),
            Some(Role::Secretariat { id: id64 })
        );
    }

    #[test]
    fn display_round_trips() {
        for uri in [
            "vrs://state/AUS/focal-point/fp1",
            "vrs://state/AUS/admin",
            "vrs://state/AUS/node",
            "vrs://secretariat/s1",
        ] {
            let role = Role::from_san_uri(uri);
            assert_eq!(role.map(|r| r.to_string()).as_deref(), Some(uri));
        }
    }

    #[test]
    fn rejects_malformed_uris() {
        let id65 = format!("vrs://secretariat/{}", "a".repeat(65));
        for bad in [
            "",
            "vrs://",
            "vrs:state/AUS/admin",
            "VRS://state/AUS/admin",
            "https://state/AUS/admin",
            "vrs://state/aus/admin",
            "vrs://state/AU/admin",
            "vrs://state/AUST/admin",
            "vrs://state/A1S/admin",
            "vrs://state/ÅUS/admin",
            "vrs://state/AUS/admin/",
            "vrs://state/AUS/admin/x",
            "vrs://state/AUS/node/x",
            "vrs://state/AUS/Admin",
            "vrs://state/AUS/focal-point",
            "vrs://state/AUS/focal-point/",
            "vrs://state/AUS/focal-point/fp1/",
            "vrs://state/AUS/focal-point/fp1/x",
            "vrs://state/AUS/focal-point/fp%31",
            "vrs://state/AUS/focal-point/fp 1",
            "vrs://state/AUS/focal-point/fp1?x=1",
            "vrs://state/AUS/focal-point/fp1#x",
            "vrs://state/AUS/focal-point/fp/1",
            "vrs://state//admin",
            "vrs://state/AUS",
            "vrs://secretariat",
            "vrs://secretariat/",
            "vrs://secretariat/a/b",
            id65.as_str(),
            "vrs://State/AUS/admin",
            " vrs://state/AUS/admin",
            "vrs://state/AUS/admin ",
        ] {
            assert_eq!(Role::from_san_uri(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn role_state() {
        assert_eq!(
            Role::Admin {
                state: "AUS".into()
            }
            .state(),
            Some("AUS")
        );
        assert_eq!(Role::Secretariat { id: "s".into() }.state(), None);
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(matches!(
            role_from_cert(b"not a certificate"),
            Err(IdentityError::BadCertificate)
        ));
    }
}
