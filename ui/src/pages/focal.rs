//! The focal point's pages: home (recent reports, the outbox), a new report (a form per
//! record type generated from the schema, drafts), the receipt, bulk upload with live
//! progress, my State's reports, a report's versions with amend and retract.
//!
//! Every report is validated, signed and sent by this process through the profile's
//! outbox ([`send`]), as `vrs submit` does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use axum::routing::{get, post};
use maud::html;

use crate::App;
use crate::app::{Ctx, Kind};
use crate::layout::{self, Link};
use crate::text::t;

pub mod new;
pub mod receipt;
pub mod reports;
pub mod send;
pub mod upload;

/// Navigation links.
pub fn nav() -> Vec<Link> {
    let f = &t().focal;
    vec![
        Link {
            href: "/focal/new",
            label: f.nav_new,
        },
        Link {
            href: "/focal/upload",
            label: f.nav_upload,
        },
        Link {
            href: "/focal/reports",
            label: f.nav_reports,
        },
    ]
}

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/focal/new", get(new::choose))
        .route("/focal/new/{kind}", get(new::blank).post(new::post))
        .route("/focal/drafts/{id}/discard", post(new::discard))
        .route("/focal/outbox/send", post(send::pending))
        .route("/focal/receipt/{id}/{version}", get(receipt::page))
        .route(
            "/focal/receipt/{id}/{version}/{file}",
            get(receipt::download),
        )
        .route("/focal/reports", get(reports::list))
        .route("/focal/reports/{id}", get(reports::report))
        .route(
            "/focal/reports/{id}/amend",
            get(reports::amend_form).post(reports::amend),
        )
        .route(
            "/focal/reports/{id}/retract",
            get(reports::retract_form).post(reports::retract),
        )
        .route("/focal/upload", get(upload::form).post(upload::post))
        .route("/focal/upload/{id}", get(upload::page))
        .route("/focal/upload/{id}/progress", get(upload::fragment))
        .route("/focal/upload/{id}/rejects.csv", get(upload::rejects))
}

/// Refuses the page to a profile that is not a focal point's.
pub fn only_focal(ctx: &Ctx, here: &str) -> Result<(), Response> {
    crate::pages::require(ctx, matches!(ctx.entry.kind, Kind::FocalPoint { .. }), here)
}

/// The home page of this role: the State's recent reports and the outbox.
pub async fn home(ctx: Ctx) -> Response {
    let f = &t().focal;
    let recent = match ctx.entry.client().await {
        Ok(c) => {
            let req = vrs_proto::v1::ListReportsRequest {
                page_size: 10,
                ..Default::default()
            };
            match c.list_reports(req).await {
                Ok(r) => reports::table(&r.reports),
                Err(e) => {
                    html! { p.bad #trouble role="alert" { (t().common.node_unreachable) ": " (e) } }
                }
            }
        }
        Err(e) => html! { p.bad #trouble role="alert" { (t().common.node_unreachable) ": " (e) } },
    };
    let (pending, sent) = match ctx.entry.outbox(&ctx.app.state_dir).await {
        Ok(o) => (o.pending().len(), o.sent_count()),
        Err(_) => (0, 0),
    };
    let body = html! {
        section.actions {
            @for l in nav() { a.button href=(l.href) { (l.label) } }
        }
        h2 { (f.outbox) }
        dl #outbox {
            dt { (f.outbox_pending) } dd #outbox-pending { (pending) }
            dt { (f.outbox_sent) } dd #outbox-sent { (sent) }
        }
        @if pending > 0 {
            form method="post" action="/focal/outbox/send" {
                (layout::csrf(&ctx))
                button type="submit" { (f.send_pending) }
            }
        }
        h2 { (f.recent) }
        (recent)
    };
    layout::page(&ctx, "/", t().common.home_title, body).into_response()
}

/// A draft: a form's values kept to finish later.
#[derive(Clone)]
pub struct Draft {
    /// Its id.
    pub id: String,
    /// The profile it belongs to.
    pub profile: String,
    /// The record type.
    pub kind: vrs_core::report::RecordType,
    /// What was typed.
    pub values: crate::form::Values,
    /// When it was saved (RFC 3339).
    pub saved: String,
}

/// Uploads and drafts in progress.
#[derive(Default)]
pub struct State {
    /// Drafts, in memory (they end with the process).
    pub drafts: Mutex<Vec<Draft>>,
    /// Uploads by id.
    pub uploads: Mutex<HashMap<String, Arc<Mutex<upload::Upload>>>>,
}

impl State {
    /// The drafts of `profile`.
    pub fn drafts_of(&self, profile: &str) -> Vec<Draft> {
        lock(&self.drafts)
            .iter()
            .filter(|d| d.profile == profile)
            .cloned()
            .collect()
    }
}

/// A lock, through poisoning (a page that panicked leaves the data usable).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// See other: where a POST that did something sends the browser.
pub fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A trouble page of the focal area.
pub fn trouble(ctx: &Ctx, here: &str, title: &str, status: StatusCode, why: &str) -> Response {
    layout::trouble(ctx, here, title, status, why)
}

/// Whether `id` can be a report id (a UUID: hexadecimal digits and dashes), so that it
/// is safe in a file name.
pub fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}
