//! The end-to-end test harness: a throw-away PKI made at test time, real nodes on
//! loopback port 0 (in-process or as `vrs-node` processes), real mTLS clients.
//!
//! The local-federation plumbing itself lives in `vrs_local` (the demo uses it
//! too); this crate adds what only tests need: panicking shorthands, temporary
//! directories, and node processes that can be killed.

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tonic::transport::Channel;
use vrs_client::pki::{Identity, Issued};
use vrs_local as local;
pub use vrs_local::{NodeFiles, add_peer, connect};
use vrs_proto::v1 as pb;

pub mod federation;

/// A throw-away PKI in a temporary directory (removed on drop).
pub struct Pki {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
    local: local::Pki,
}

impl Pki {
    /// A fresh CA in a fresh temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = local::Pki::create(dir.path()).expect("dev PKI");
        Self { dir, local }
    }

    /// Issues a certificate.
    pub fn issue(&self, id: Identity) -> Issued {
        self.local.issue(id).expect("issue certificate")
    }

    /// What a hand-made server posing as `state`'s node listens with: the node's mTLS
    /// server configuration under a certificate of this CA, and a listener on
    /// loopback port 0 (for the node's acceptor, `vrs_node::tls::incoming…`).
    pub async fn node_listener(
        &self,
        state: &str,
    ) -> (
        tokio::net::TcpListener,
        std::sync::Arc<rustls::ServerConfig>,
    ) {
        let issued = self.issue(Identity::node(state));
        let tls = vrs_node::tls::server_config(
            issued.cert_pem.as_bytes(),
            issued.key_pem.as_bytes(),
            self.ca.cert_pem().as_bytes(),
            None,
        )
        .expect("server TLS config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        (listener, tls)
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for Pki {
    type Target = local::Pki;
    fn deref(&self) -> &local::Pki {
        &self.local
    }
}

/// Writes a node's files (see [`local::node_files`]).
pub fn node_files(pki: &Pki, state: &str, crl: Option<&str>, extra: &str) -> NodeFiles {
    local::node_files(pki, state, crl, extra).expect("node files")
}

/// A node running inside the test process.
pub struct InProcessNode(local::LocalNode);

impl Deref for InProcessNode {
    type Target = local::LocalNode;
    fn deref(&self) -> &local::LocalNode {
        &self.0
    }
}

impl InProcessNode {
    /// Starts a node on port 0.
    pub async fn start(files: &NodeFiles) -> Self {
        Self(local::LocalNode::start(files).await.expect("node starts"))
    }

    /// Starts a node on an already-bound listener.
    pub async fn start_on(files: &NodeFiles, listener: tokio::net::TcpListener) -> Self {
        Self(
            local::LocalNode::start_on(files, listener)
                .await
                .expect("node starts"),
        )
    }

    /// Stops the node gracefully and waits until it has flushed.
    pub async fn stop(self) {
        self.0.stop().await.expect("node stopped cleanly");
    }

    /// A channel authenticated as `who`.
    pub async fn channel(&self, pki: &Pki, who: &Issued) -> Channel {
        self.0
            .channel(pki.ca.cert_pem(), who)
            .await
            .expect("connect")
    }

    /// The Prometheus text exposition.
    pub async fn metrics(&self) -> String {
        self.0.metrics().await.expect("metrics")
    }
}

/// The value of one series (`name` or `name{labels}`, as exposed) in an exposition.
pub fn metric(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Reads `http://addr/metrics`.
pub async fn scrape(addr: SocketAddr) -> String {
    local::scrape(addr).await.expect("metrics")
}

/// A `vrs-node` process.
pub struct NodeProcess {
    /// gRPC address.
    pub addr: SocketAddr,
    child: tokio::process::Child,
}

/// Path of the `vrs-node` binary that `cargo test --workspace` builds.
pub fn node_binary() -> PathBuf {
    if let Ok(p) = std::env::var("VRS_NODE_BIN") {
        return p.into();
    }
    // target/<profile>/deps/<test binary> -> target/<profile>/vrs-node
    let exe = std::env::current_exe().expect("current exe");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("vrs-node"))
        .expect("target dir");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p vrs-node` or `cargo test --workspace`",
        bin.display()
    );
    bin
}

impl NodeProcess {
    /// Starts `vrs-node run --config …` and waits for its "listening on" line.
    pub async fn start(files: &NodeFiles) -> Self {
        let mut child = tokio::process::Command::new(node_binary())
            .arg("run")
            .arg("--config")
            .arg(&files.config)
            .env("VRS_NODE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn vrs-node");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next_line()
                .await
                .expect("read stdout")
                .expect("vrs-node exited before listening");
            if let Some(a) = line.strip_prefix("listening on ") {
                break a.parse().expect("address");
            }
        };
        // Keep draining stdout so the node never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { addr, child }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub async fn kill9(mut self) {
        self.child.start_kill().expect("kill");
        self.child.wait().await.expect("wait");
    }

    /// SIGTERM, and wait for a clean exit.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        sigterm(&self.child);
        self.child.wait().await.expect("wait")
    }
}

/// Sends SIGTERM to a child process.
pub fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().expect("pid");
    let st = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill -TERM");
    assert!(st.success());
}

/// A gRPC health check of `service`: its serving status, or the call's error code.
pub async fn health(ch: Channel, service: &str) -> Result<i32, tonic::Code> {
    tonic_health::pb::health_client::HealthClient::new(ch)
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map(|r| r.into_inner().status)
        .map_err(|st| st.code())
}

/// A focal point with a certificate and a signing key.
pub struct FocalPoint(local::FocalPoint);

impl Deref for FocalPoint {
    type Target = local::FocalPoint;
    fn deref(&self) -> &local::FocalPoint {
        &self.0
    }
}

impl FocalPoint {
    /// A new focal point with a certificate and a fresh signing key `key_id`.
    pub fn new(pki: &Pki, state: &str, id: &str, key_id: &str) -> Self {
        Self(local::FocalPoint::new(pki, state, id, key_id).expect("focal point"))
    }
}

/// Registers a focal point's key through the admin API.
pub async fn register(admin: Channel, fp: &FocalPoint) -> pb::KeyResponse {
    local::register(admin, fp).await.expect("register key")
}

/// One State's node in process, with its admin's channel and one registered focal
/// point (`hcg-piraeus-01`): the set-up of the single-node release tests.
pub struct StateNode {
    pub pki: Pki,
    pub node: InProcessNode,
    pub fp: FocalPoint,
    pub admin: Channel,
    pub state: String,
}

impl StateNode {
    /// Starts the node of `state` with `extra` appended to its configuration.
    pub async fn start(state: &str, extra: &str) -> Self {
        Self::start_with(state, extra, |_| {}).await
    }

    /// [`StateNode::start`], with `prepare` run on the node's files before it starts
    /// (e.g. to plant a record in its store).
    pub async fn start_with(state: &str, extra: &str, prepare: impl FnOnce(&NodeFiles)) -> Self {
        let pki = Pki::new();
        let files = node_files(&pki, state, None, extra);
        prepare(&files);
        let node = InProcessNode::start(&files).await;
        let admin = node.channel(&pki, &pki.issue(Identity::admin(state))).await;
        let fp = FocalPoint::new(&pki, state, "hcg-piraeus-01", "hcg-piraeus-01-k1");
        register(admin.clone(), &fp).await;
        Self {
            pki,
            node,
            fp,
            admin,
            state: state.to_owned(),
        }
    }

    /// Signs `r` as the focal point and submits it; the envelope on success.
    pub async fn submit(&self, r: &pb::Report) -> Result<pb::Envelope, tonic::Status> {
        let env = self.fp.sign(r);
        let ch = self.node.channel(&self.pki, &self.fp.cert).await;
        pb::report_service_client::ReportServiceClient::new(ch)
            .submit(pb::SubmitRequest {
                envelope: Some(env.clone()),
            })
            .await
            .map(|_| env)
    }

    /// `ReleaseNow` of `period` as the admin.
    pub async fn release_now(
        &self,
        period: &str,
        revise: bool,
    ) -> Result<Vec<pb::ReleaseInfo>, tonic::Status> {
        pb::aggregates_service_client::AggregatesServiceClient::new(self.admin.clone())
            .release_now(pb::ReleaseNowRequest {
                period: period.into(),
                revise,
            })
            .await
            .map(|r| r.into_inner().releases)
    }

    /// The envelope of this State's release of `table` and `period` (`version` 0: the
    /// latest) as `who` receives it.
    pub async fn get_release(
        &self,
        who: &Issued,
        table: &str,
        period: &str,
        version: u32,
    ) -> pb::Envelope {
        let ch = self.node.channel(&self.pki, who).await;
        pb::aggregates_service_client::AggregatesServiceClient::new(ch)
            .get_release(pb::GetReleaseRequest {
                origin: self.state.clone(),
                table: table.into(),
                period: period.into(),
                version,
            })
            .await
            .expect("get release")
            .into_inner()
            .envelope
            .expect("envelope")
    }
}
