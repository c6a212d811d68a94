//! The end-to-end test harness: a throw-away PKI made at test time, real nodes on
//! loopback port 0 (in-process or as `vrs-node` processes), real mTLS clients.
//!
//! Every end-to-end test goes through these helpers, so that the way a node is
//! configured, started and reached is written once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity as TlsIdentity};
use vrs_client::pki::{DevCa, Identity, Issued, write_private, write_public};
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_core::note::NoteSigner;
use vrs_proto::v1 as pb;

/// A throw-away PKI and a directory for everything a test writes.
pub struct Pki {
    /// The test's directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The development CA.
    pub ca: DevCa,
}

impl Pki {
    /// A fresh CA in a fresh temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = DevCa::new("vrs-test").expect("dev CA");
        write_public(&dir.path().join("ca.crt"), ca.cert_pem()).expect("write CA");
        Self { dir, ca }
    }

    /// Path of the CA bundle.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// Issues a certificate.
    pub fn issue(&self, id: Identity) -> Issued {
        self.ca.issue(&id).expect("issue certificate")
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

/// Files of one node: configuration, keys, data directory.
pub struct NodeFiles {
    /// The node's State.
    pub state: String,
    /// Its configuration file.
    pub config: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Its checkpoint verifier key.
    pub vkey: String,
}

/// Writes the configuration, certificate and keys of a node of `state` under the
/// PKI's directory. `extra` is appended to the TOML (e.g. `[limits]` settings).
pub fn node_files(pki: &Pki, state: &str, crl: Option<&str>, extra: &str) -> NodeFiles {
    let dir = pki.dir.path().join(format!("node-{state}"));
    std::fs::create_dir_all(&dir).expect("node dir");
    let issued = pki.issue(Identity::node(state));
    issued
        .write(&dir.join("node.crt"), &dir.join("node.key"))
        .expect("write node cert");
    let origin = format!("vrs.test/state/{state}");
    let (signer, _) = NoteSigner::generate(&origin).expect("node key");
    write_private(
        &dir.join("node-signing.key"),
        &format!("{}\n", signer.signer_key()),
    )
    .expect("write node key");
    let crl_line = match crl {
        Some(pem) => {
            write_public(&dir.join("ca.crl"), pem).expect("write crl");
            format!("crl = \"{}\"\n", dir.join("ca.crl").display())
        }
        None => String::new(),
    };
    let data_dir = dir.join("data");
    let toml = format!(
        r#"listen = "127.0.0.1:0"
state = "{state}"
origin = "{origin}"
data_dir = "{data}"
node_key = "{key}"

[tls]
cert = "{cert}"
key = "{tkey}"
ca = "{ca}"
{crl_line}
[metrics]
listen = "127.0.0.1:0"
{extra}
"#,
        data = data_dir.display(),
        key = dir.join("node-signing.key").display(),
        cert = dir.join("node.crt").display(),
        tkey = dir.join("node.key").display(),
        ca = pki.ca_path().display(),
    );
    let config = dir.join("vrs-node.toml");
    std::fs::write(&config, toml).expect("write config");
    NodeFiles {
        state: state.into(),
        config,
        data_dir,
        vkey: signer.verifier_key(),
    }
}

/// A node running inside the test process.
pub struct InProcessNode {
    /// gRPC address.
    pub addr: SocketAddr,
    /// Metrics address.
    pub metrics_addr: SocketAddr,
    /// The node's State.
    pub state: String,
    /// Checkpoint verifier key.
    pub vkey: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl InProcessNode {
    /// Loads the configuration (as `vrs-node run` does) and serves on port 0.
    pub async fn start(files: &NodeFiles) -> Self {
        let cfg = vrs_node::config::Config::load(&files.config, std::iter::empty())
            .and_then(|c| c.check().map(|()| c))
            .expect("valid config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let metrics_addr = metrics.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(vrs_node::server::run(cfg, listener, Some(metrics), async {
            let _ = rx.await;
        }));
        Self {
            addr,
            metrics_addr,
            state: files.state.clone(),
            vkey: files.vkey.clone(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the node gracefully and waits until it has flushed.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("node task").expect("node stopped cleanly");
        }
    }

    /// A channel authenticated as `who`.
    pub async fn channel(&self, pki: &Pki, who: &Issued) -> Channel {
        connect(self.addr, pki, who).await.expect("connect")
    }

    /// The Prometheus text exposition.
    pub async fn metrics(&self) -> String {
        scrape(self.metrics_addr).await
    }
}

/// Reads `http://addr/metrics`.
pub async fn scrape(addr: SocketAddr) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("metrics connect");
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out
}

/// Connects to a node over mTLS as `who`.
pub async fn connect(
    addr: SocketAddr,
    pki: &Pki,
    who: &Issued,
) -> Result<Channel, tonic::transport::Error> {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(pki.ca.cert_pem()))
        .identity(TlsIdentity::from_pem(&who.cert_pem, &who.key_pem))
        .domain_name("localhost");
    Endpoint::from_shared(format!("https://localhost:{}", addr.port()))?
        .tls_config(tls)?
        .connect()
        .await
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
            .env("VRS_LOG", "warn")
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
        let pid = self.child.id().expect("pid");
        let st = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .expect("kill -TERM");
        assert!(st.success());
        self.child.wait().await.expect("wait")
    }
}

/// A focal point: its certificate and its signing key.
pub struct FocalPoint {
    /// State.
    pub state: String,
    /// Focal-point id.
    pub id: String,
    /// Certificate.
    pub cert: Issued,
    /// Signing key.
    pub key: SigningKey,
}

impl FocalPoint {
    /// A new focal point with a certificate and a fresh signing key `key_id`.
    pub fn new(pki: &Pki, state: &str, id: &str, key_id: &str) -> Self {
        Self {
            state: state.into(),
            id: id.into(),
            cert: pki.issue(Identity::focal_point(state, id)),
            key: SigningKey::generate(key_id).0,
        }
    }

    /// Signs a report.
    pub fn sign(&self, report: &pb::Report) -> pb::Envelope {
        let env = Envelope::sign(
            vrs_proto::REPORT_PAYLOAD_TYPE,
            prost::Message::encode_to_vec(report),
            &self.key,
        );
        vrs_core::wire::envelope_to_pb(&env)
    }
}

/// Registers a focal point's key through the admin API.
pub async fn register(admin: Channel, fp: &FocalPoint) -> pb::KeyResponse {
    pb::admin_service_client::AdminServiceClient::new(admin)
        .register_key(pb::RegisterKeyRequest {
            focal_point_id: fp.id.clone(),
            key_id: fp.key.keyid.clone(),
            public_key: fp.key.public_key().to_vec(),
        })
        .await
        .expect("register key")
        .into_inner()
}
