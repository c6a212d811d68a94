//! vrs-ui: the web workspace, `vrs ui`.
//!
//! A web server inside the user's `vrs` process, on loopback only, for the people who
//! use vrs every day: focal points fill in forms and upload files, secretariats look at
//! the region's charts, operators watch their node, auditors verify what they were
//! given. The process holds the profiles as the CLI does (the mTLS identity and the
//! signing key never reach the browser); every call to a node is the CLI's typed
//! client, every report is validated, signed and sent by the process through the same
//! outbox as `vrs submit` (see `../shared/design/07-workspace.md`).
//!
//! [`security`] holds the rules for the browser, the untrusted side: loopback, the
//! `Host` check, the one-time token that becomes a cookie, CSRF on every form, the
//! Content-Security-Policy, idle expiry. [`app`] holds the profiles and sessions,
//! [`layout`] the page shell, [`text`] every string a person reads, [`pages`] the pages
//! of each role.
#![forbid(unsafe_code)]
// A page's early return (`Result<_, Response>`: the refusal or trouble page itself) is
// an axum Response, 128 bytes, made once per request; boxing it would add noise to every
// handler and save nothing that matters.
#![allow(
    clippy::result_large_err,
    reason = "a handler's early return is the page, once per request"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use vrs_client::profile::Selector;

pub mod app;
pub mod assets;
pub mod chart;
pub mod form;
pub mod layout;
pub mod pages;
pub mod security;
pub mod text;

pub use app::App;

/// What `vrs ui` is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The configuration file and the profile to start with.
    pub selector: Selector,
    /// Where to listen: a loopback address (port 0: any free port).
    pub listen: SocketAddr,
    /// The client's state directory (outbox, receipts, checkpoints seen).
    pub state_dir: PathBuf,
    /// A session unused for this long must open a new URL.
    pub idle: Duration,
}

/// Why the workspace cannot start.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// `--listen` is not a loopback address.
    #[error(
        "--listen {0}: the workspace listens on loopback only (127.0.0.1 or [::1]); it holds your credentials and must not be reachable from the network"
    )]
    NotLoopback(SocketAddr),
    /// The profiles cannot be read.
    #[error(transparent)]
    Profile(#[from] vrs_client::profile::ProfileError),
    /// The listener cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// A workspace bound to its port, not yet serving.
pub struct Bound {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The URL to open, with its one-time token.
    pub url: String,
    /// The shared state (tests look inside).
    pub app: Arc<App>,
    listener: tokio::net::TcpListener,
}

/// Loads the profiles and binds the listener; refuses an address that is not loopback.
pub async fn bind(opts: Options) -> Result<Bound, UiError> {
    if !opts.listen.ip().is_loopback() {
        return Err(UiError::NotLoopback(opts.listen));
    }
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| UiError::Bind {
            addr: opts.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| UiError::Bind {
        addr: opts.listen,
        source,
    })?;
    let app = Arc::new(App::new(&opts, addr)?);
    let url = format!("http://{addr}/?token={}", app.login_token());
    Ok(Bound {
        addr,
        url,
        app,
        listener,
    })
}

impl Bound {
    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, router(self.app))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Every route, behind the security layers.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(assets::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            security::guard,
        ))
        .with_state(app)
}
