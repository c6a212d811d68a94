//! The workspace's state: the profiles it holds, the browser sessions, a client per
//! profile, and the outbox of each signing profile.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vrs_client::client::{Client, ClientError};
use vrs_client::outbox::{Outbox, OutboxError};
use vrs_client::profile::{self, Profile, Selector};
use vrs_core::identity::Role;

use crate::{Options, UiError};

/// What a person may do with a profile, from its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A focal point of `state`: reports.
    FocalPoint {
        /// ISO 3166-1 alpha-3.
        state: String,
        /// Focal-point id.
        id: String,
    },
    /// The administrator of `state`'s node: operations.
    Operator {
        /// ISO 3166-1 alpha-3.
        state: String,
    },
    /// A regional secretariat: the dashboard.
    Secretariat {
        /// Secretariat id.
        id: String,
    },
    /// No usable client certificate: offline verification only (an auditor), or
    /// another role (a node's own certificate). The reason, for the page.
    Auditor(String),
}

impl Kind {
    fn of(p: &Profile) -> Kind {
        if p.cert.is_none() {
            return Kind::Auditor(String::new());
        }
        match vrs_client::client::check_credentials(p) {
            Ok(c) => match c.role {
                Role::FocalPoint { state, id } => Kind::FocalPoint { state, id },
                Role::Admin { state } => Kind::Operator { state },
                Role::Secretariat { id } => Kind::Secretariat { id },
                Role::Node { state } => Kind::Auditor(format!("{state}'s node certificate")),
            },
            Err(e) => Kind::Auditor(e.to_string()),
        }
    }

    /// The role, in words, for the page header.
    pub fn describe(&self) -> String {
        let t = crate::text::t();
        match self {
            Kind::FocalPoint { state, id } => {
                format!("{} {id} · {state}", t.common.role_focal_point)
            }
            Kind::Operator { state } => format!("{} · {state}", t.common.role_operator),
            Kind::Secretariat { id } => format!("{} · {id}", t.common.role_secretariat),
            Kind::Auditor(_) => t.common.role_auditor.to_owned(),
        }
    }
}

/// A profile of the configuration file, as the workspace holds it.
pub struct Entry {
    /// The profile.
    pub profile: Profile,
    /// What its certificate lets the person do.
    pub kind: Kind,
    client: tokio::sync::Mutex<Option<Client>>,
    outbox: tokio::sync::Mutex<Option<Outbox>>,
}

impl Entry {
    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.profile.name
    }
}

/// One browser session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token every form carries.
    pub csrf: String,
    /// The profile in use (an index into [`App::profiles`]).
    pub profile: usize,
    last_seen: Instant,
}

/// The workspace.
pub struct App {
    /// Every profile of the configuration file.
    pub profiles: Vec<Arc<Entry>>,
    /// The profile a new session starts with.
    pub start: usize,
    /// Where the workspace listens.
    pub addr: SocketAddr,
    /// The client's state directory.
    pub state_dir: PathBuf,
    /// Idle sessions expire after this.
    pub idle: Duration,
    token: Mutex<Option<String>>,
    sessions: Mutex<HashMap<String, Session>>,
    /// Shared state of the pages (bulk uploads in progress, drafts).
    pub jobs: crate::pages::Jobs,
}

/// A random token: 32 bytes, base64url.
pub fn random_token() -> Result<String, UiError> {
    use base64::Engine as _;
    let bytes: [u8; 32] = ring::rand::generate(&ring::rand::SystemRandom::new())
        .map_err(|_| UiError::Random)?
        .expose();
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl App {
    /// Loads every profile of the configuration file chosen by `opts`.
    pub fn new(opts: &Options, addr: SocketAddr) -> Result<App, UiError> {
        let env = &profile::process_env;
        let first = profile::load(&opts.selector, env)?;
        let mut profiles = Vec::new();
        for name in profile::names(&opts.selector, env)? {
            let p = if name == first.name {
                first.clone()
            } else {
                let sel = Selector {
                    config: opts.selector.config.clone(),
                    profile: Some(name),
                };
                match profile::load(&sel, env) {
                    Ok(p) => p,
                    // A profile that does not load is left out of the switcher.
                    Err(_) => continue,
                }
            };
            profiles.push(Arc::new(Entry {
                kind: Kind::of(&p),
                profile: p,
                client: tokio::sync::Mutex::new(None),
                outbox: tokio::sync::Mutex::new(None),
            }));
        }
        if !profiles.iter().any(|e| e.profile.name == first.name) {
            profiles.push(Arc::new(Entry {
                kind: Kind::of(&first),
                profile: first.clone(),
                client: tokio::sync::Mutex::new(None),
                outbox: tokio::sync::Mutex::new(None),
            }));
        }
        let start = profiles
            .iter()
            .position(|e| e.profile.name == first.name)
            .unwrap_or(0);
        Ok(App {
            profiles,
            start,
            addr,
            state_dir: opts.state_dir.clone(),
            idle: opts.idle,
            token: Mutex::new(Some(random_token()?)),
            sessions: Mutex::new(HashMap::new()),
            jobs: crate::pages::Jobs::default(),
        })
    }

    /// The one-time login token (empty once used).
    pub fn login_token(&self) -> String {
        self.token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or_default()
    }

    /// A fresh one-time login token, replacing an unused one (the URL to give a second
    /// browser).
    pub fn renew_token(&self) -> Result<String, UiError> {
        let t = random_token()?;
        *self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t.clone());
        Ok(t)
    }

    /// Uses up the login token: a new session's id if `offered` is it.
    pub fn redeem(&self, offered: &str) -> Result<Option<String>, UiError> {
        let mut token = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let good = token
            .as_deref()
            .is_some_and(|t| crate::security::same(t, offered));
        if !good {
            return Ok(None);
        }
        *token = None;
        let id = random_token()?;
        let session = Session {
            csrf: random_token()?,
            profile: self.start,
            last_seen: Instant::now(),
        };
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.clone(), session);
        Ok(Some(id))
    }

    /// The live session of `id`, its idle clock restarted; an expired one is removed.
    pub fn session(&self, id: &str) -> Option<Session> {
        let mut sessions = self
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        sessions.retain(|_, s| now.duration_since(s.last_seen) < self.idle);
        let s = sessions.get_mut(id)?;
        s.last_seen = now;
        Some(s.clone())
    }

    /// Switches the session `id` to profile `index`.
    pub fn switch(&self, id: &str, index: usize) -> bool {
        if index >= self.profiles.len() {
            return false;
        }
        let mut sessions = self
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match sessions.get_mut(id) {
            Some(s) => {
                s.profile = index;
                true
            }
            None => false,
        }
    }

    /// Ends the session `id`.
    pub fn end(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id);
    }

    /// The receipts directory of a profile: `<state>/receipts/<profile>`.
    pub fn receipts_dir(&self, e: &Entry) -> PathBuf {
        self.state_dir.join("receipts").join(e.name())
    }
}

impl Entry {
    /// The client of this profile's node, connected on first use and kept.
    pub async fn client(&self) -> Result<Client, ClientError> {
        let mut c = self.client.lock().await;
        if let Some(c) = c.as_ref() {
            return Ok(c.clone());
        }
        let fresh = Client::connect(&self.profile).await?;
        *c = Some(fresh.clone());
        Ok(fresh)
    }

    /// This profile's outbox (the one `vrs submit` uses), opened on first use.
    pub async fn outbox(
        &self,
        state_dir: &std::path::Path,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, Outbox>, OutboxError> {
        let mut g = self.outbox.lock().await;
        if g.is_none() {
            *g = Some(Outbox::open(&Outbox::path_for(state_dir, self.name()))?);
        }
        Ok(tokio::sync::MutexGuard::map(g, |o| {
            o.as_mut()
                .unwrap_or_else(|| unreachable!("the outbox was opened just above"))
        }))
    }
}

/// What every page handler gets: the workspace, the session and its profile.
pub struct Ctx {
    /// The workspace.
    pub app: Arc<App>,
    /// The session's id.
    pub sid: String,
    /// The session.
    pub session: Session,
    /// The profile in use.
    pub entry: Arc<Entry>,
}

impl Ctx {
    /// The token forms carry.
    pub fn csrf(&self) -> &str {
        &self.session.csrf
    }
}

/// The session the guard found, in the request's extensions.
#[derive(Clone)]
pub struct SessionId(pub String);

impl FromRequestParts<Arc<App>> for Ctx {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorised = || crate::security::no_session(app);
        let sid = parts
            .extensions
            .get::<SessionId>()
            .cloned()
            .ok_or_else(unauthorised)?;
        let session = app.session(&sid.0).ok_or_else(unauthorised)?;
        let entry = app
            .profiles
            .get(session.profile)
            .cloned()
            .ok_or_else(unauthorised)?;
        Ok(Ctx {
            app: app.clone(),
            sid: sid.0,
            session,
            entry,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn app(idle: Duration) -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("vrs.toml");
        std::fs::write(
            &config,
            "[profiles.auditor]\nendpoint = \"https://localhost:1\"\n",
        )
        .unwrap();
        let opts = Options {
            selector: Selector {
                config: Some(config),
                profile: None,
            },
            listen: "127.0.0.1:0".parse().unwrap(),
            state_dir: dir.path().join("state"),
            idle,
        };
        (App::new(&opts, opts.listen).unwrap(), dir)
    }

    #[test]
    fn the_token_opens_one_session_and_an_idle_session_ends() {
        let (a, _dir) = app(Duration::from_secs(3600));
        let token = a.login_token();
        assert!(a.redeem("not the token").unwrap().is_none());
        let sid = a.redeem(&token).unwrap().unwrap();
        assert!(a.redeem(&token).unwrap().is_none(), "used once");
        assert_eq!(a.login_token(), "");
        let s = a.session(&sid).unwrap();
        assert_eq!(
            a.session(&sid).unwrap().csrf,
            s.csrf,
            "one CSRF token per session"
        );
        a.end(&sid);
        assert!(a.session(&sid).is_none(), "signed out");

        // With no idle time allowed, a session has expired at its next request.
        let (a, _dir) = app(Duration::ZERO);
        let sid = a.redeem(&a.login_token()).unwrap().unwrap();
        assert!(a.session(&sid).is_none(), "expired");
        assert!(a.sessions.lock().unwrap().is_empty(), "and removed");
    }
}
