//! vrs-local: a local federation on one machine: a throw-away PKI, node
//! configurations, nodes running in this process on free loopback ports, and mTLS
//! channels to them; and [`demo`], `vrs demo` on top of it.
//!
//! `vrs demo` and the end-to-end test harness (`tests/`) both build on this crate, so
//! the way a local node is configured, started and reached is written once. It is the
//! one crate above both the client library and the node: the client library does not
//! depend on the server.
#![forbid(unsafe_code)]

pub mod demo;
pub mod roster;
pub mod workspace;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity as TlsIdentity};
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_core::note::NoteSigner;
use vrs_proto::v1 as pb;

use vrs_client::pki::{DevCa, Identity, Issued, write_private, write_public};

/// A development PKI in a directory.
pub struct Pki {
    /// Where everything is written.
    pub dir: PathBuf,
    /// The development CA.
    pub ca: DevCa,
}

impl Pki {
    /// A fresh CA, its certificate written to `dir/ca.crt`.
    pub fn create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let ca = DevCa::new("vrs-local")?;
        write_public(&dir.join("ca.crt"), ca.cert_pem())?;
        Ok(Self {
            dir: dir.to_path_buf(),
            ca,
        })
    }

    /// Path of the CA bundle.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// Issues a certificate.
    pub fn issue(&self, id: Identity) -> anyhow::Result<Issued> {
        Ok(self.ca.issue(&id)?)
    }
}

/// Files of one node: configuration, keys, data directory.
#[derive(Debug, Clone)]
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

/// Writes the configuration, certificate and keys of a node of `state` under
/// `pki.dir/node-<state>`. `extra` is appended to the TOML (e.g. `[limits]` settings).
pub fn node_files(
    pki: &Pki,
    state: &str,
    crl: Option<&str>,
    extra: &str,
) -> anyhow::Result<NodeFiles> {
    let issued = pki.issue(Identity::node(state))?;
    files_for(pki, state, &issued, "state", crl, extra)
}

/// Writes the files of a secretariat's node `id` (role `secretariat`, certificate
/// `vrs://secretariat/<id>` valid for `localhost`); its peers are added with
/// [`add_peer`].
pub fn secretariat_files(pki: &Pki, id: &str, extra: &str) -> anyhow::Result<NodeFiles> {
    let issued = pki
        .ca
        .issue_with_hosts(&Identity::secretariat(id), &["localhost"])?;
    files_for(pki, id, &issued, "secretariat", None, extra)
}

fn files_for(
    pki: &Pki,
    state: &str,
    issued: &Issued,
    role: &str,
    crl: Option<&str>,
    extra: &str,
) -> anyhow::Result<NodeFiles> {
    let dir = pki.dir.join(format!("node-{state}"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    issued.write(&dir.join("node.crt"), &dir.join("node.key"))?;
    let origin = if role == "secretariat" {
        format!("vrs.local/secretariat/{state}")
    } else {
        format!("vrs.local/state/{state}")
    };
    let (signer, _) = NoteSigner::generate(&origin)?;
    write_private(
        &dir.join("node-signing.key"),
        &format!("{}\n", signer.signer_key()),
    )?;
    let crl_line = match crl {
        Some(pem) => {
            write_public(&dir.join("ca.crl"), pem)?;
            format!("crl = \"{}\"\n", dir.join("ca.crl").display())
        }
        None => String::new(),
    };
    let data_dir = dir.join("data");
    let toml = format!(
        r#"# Development node of {state}: throw-away PKI, loopback only.
listen = "127.0.0.1:0"
state = "{state}"
role = "{role}"
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
    std::fs::write(&config, toml).with_context(|| format!("writing {}", config.display()))?;
    Ok(NodeFiles {
        state: state.into(),
        config,
        data_dir,
        vkey: signer.verifier_key(),
    })
}

/// Adds a `[[peers]]` entry to a node's configuration file.
pub fn add_peer(files: &NodeFiles, state: &str, port: u16, vkey: &str) -> anyhow::Result<()> {
    append_peer(files, state, port, Some(vkey))
}

/// Appends a `[[peers]]` entry, with a pinned key or without one (the roster gives it).
pub(crate) fn append_peer(
    files: &NodeFiles,
    state: &str,
    port: u16,
    vkey: Option<&str>,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&files.config)?;
    let pin = vkey
        .map(|k| format!("vkey = \"{k}\"\n"))
        .unwrap_or_default();
    write!(
        f,
        "\n[[peers]]\nstate = \"{state}\"\nendpoint = \"https://localhost:{port}\"\n{pin}"
    )?;
    Ok(())
}

/// A node running inside this process.
pub struct LocalNode {
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

impl LocalNode {
    /// Loads and checks the configuration (as `vrs-node run` does) and serves on
    /// free loopback ports.
    pub async fn start(files: &NodeFiles) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Self::start_on(files, listener).await
    }

    /// As [`LocalNode::start`], on an already-bound listener (so that peers' configs can
    /// name its port before it starts).
    pub async fn start_on(
        files: &NodeFiles,
        listener: tokio::net::TcpListener,
    ) -> anyhow::Result<Self> {
        let cfg = vrs_node::config::Config::load(&files.config, std::iter::empty())
            .and_then(|c| c.check().map(|()| c))?;
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let metrics_addr = metrics.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(vrs_node::server::run(cfg, listener, Some(metrics), async {
            let _ = rx.await;
        }));
        Ok(Self {
            addr,
            metrics_addr,
            state: files.state.clone(),
            vkey: files.vkey.clone(),
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Stops the node gracefully and waits until it has flushed.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(t) => t.await.context("node task")?,
            None => Ok(()),
        }
    }

    /// A channel authenticated as `who`.
    pub async fn channel(&self, ca_pem: &str, who: &Issued) -> anyhow::Result<Channel> {
        Ok(connect(self.addr, ca_pem, who).await?)
    }

    /// The Prometheus text exposition.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        scrape(self.metrics_addr).await
    }
}

/// Reads `http://addr/metrics` (the body of a 200 answer), over hyper's HTTP/1.1.
pub async fn scrape(addr: SocketAddr) -> anyhow::Result<String> {
    use http_body_util::{BodyExt as _, Empty};
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    let conn = tokio::spawn(conn);
    let req = hyper::Request::get("/metrics")
        .header(hyper::header::HOST, addr.to_string())
        .body(Empty::<hyper::body::Bytes>::new())?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    drop(sender);
    let _ = conn.await;
    anyhow::ensure!(status.is_success(), "GET /metrics: {status}");
    Ok(String::from_utf8(body.to_vec())?)
}

/// Connects to a node on loopback over mTLS as `who`, trusting `ca_pem`.
pub async fn connect(
    addr: SocketAddr,
    ca_pem: &str,
    who: &Issued,
) -> Result<Channel, tonic::transport::Error> {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .identity(TlsIdentity::from_pem(&who.cert_pem, &who.key_pem))
        .domain_name("localhost");
    Endpoint::from_shared(format!("https://localhost:{}", addr.port()))?
        .tls_config(tls)?
        .connect()
        .await
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
    pub fn new(pki: &Pki, state: &str, id: &str, key_id: &str) -> anyhow::Result<Self> {
        Ok(Self {
            state: state.into(),
            id: id.into(),
            cert: pki.issue(Identity::focal_point(state, id))?,
            key: SigningKey::generate(key_id).0,
        })
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
pub async fn register(admin: Channel, fp: &FocalPoint) -> Result<pb::KeyResponse, tonic::Status> {
    pb::admin_service_client::AdminServiceClient::new(admin)
        .register_key(pb::RegisterKeyRequest {
            focal_point_id: fp.id.clone(),
            key_id: fp.key.keyid.clone(),
            public_key: fp.key.public_key().to_vec(),
        })
        .await
        .map(tonic::Response::into_inner)
}
