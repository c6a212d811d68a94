//! The pages of each role. Each area is a module with its routes, its navigation links
//! and its strings (in [`crate::text`]): [`focal`] (reports), [`secretariat`] (the
//! region's dashboard), [`operator`] (the node), [`auditor`] (offline verification,
//! for every role).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;

use crate::App;
use crate::app::{Ctx, Kind};
use crate::layout::{self, Link};
use crate::text::t;

pub mod auditor;
pub mod directory;
pub mod focal;
pub mod operator;
pub mod secretariat;

/// State the pages keep between requests (bulk uploads in progress, drafts), one field
/// per area.
#[derive(Default)]
pub struct Jobs {
    /// The focal point's uploads and drafts.
    pub focal: focal::State,
}

/// Every page.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/profile", post(switch))
        .route("/logout", post(logout))
        .merge(focal::routes())
        .merge(secretariat::routes())
        .merge(operator::routes())
        .merge(auditor::routes())
        .merge(directory::routes())
        .fallback(not_found)
}

/// The navigation links of a role (after Home, before Verify).
pub fn nav(kind: &Kind) -> Vec<Link> {
    match kind {
        Kind::FocalPoint { .. } => focal::nav(),
        Kind::Secretariat { .. } => secretariat::nav(),
        Kind::Operator { .. } => operator::nav(),
        Kind::Auditor(_) => Vec::new(),
    }
}

async fn home(ctx: Ctx) -> Response {
    match &ctx.entry.kind {
        Kind::FocalPoint { .. } => focal::home(ctx).await,
        Kind::Secretariat { .. } => secretariat::home(ctx).await,
        Kind::Operator { .. } => operator::home(ctx).await,
        Kind::Auditor(why) => {
            let body = html! {
                p { (t().common.home_auditor_note) }
                @if !why.is_empty() { p.muted { (why) } }
                p { a href="/verify" { (t().common.nav_verify) } }
            };
            layout::page(&ctx, "/", t().common.home_title, body).into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct Switch {
    profile: usize,
}

async fn switch(ctx: Ctx, axum::Form(s): axum::Form<Switch>) -> Response {
    if ctx.app.switch(&ctx.sid, s.profile) {
        Redirect::to("/").into_response()
    } else {
        layout::trouble(
            &ctx,
            "/",
            t().common.profile,
            StatusCode::BAD_REQUEST,
            t().common.not_found,
        )
    }
}

async fn logout(ctx: Ctx) -> Response {
    ctx.app.end(&ctx.sid);
    let mut r = layout::refusal(StatusCode::OK, t().common.signed_out);
    let expired = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        crate::security::COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&expired) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn not_found(State(_app): State<Arc<App>>) -> Response {
    layout::refusal(StatusCode::NOT_FOUND, t().common.not_found)
}

/// Refuses a page of another role (403 with the reason), or lets it through.
pub fn require(ctx: &Ctx, ok: bool, here: &str) -> Result<(), Response> {
    if ok {
        Ok(())
    } else {
        Err(layout::trouble(
            ctx,
            here,
            t().common.not_your_role,
            StatusCode::FORBIDDEN,
            t().common.not_your_role,
        ))
    }
}
