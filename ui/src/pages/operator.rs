//! The operator's pages, for the administrator of a State's node: the node (health,
//! the log and its latest checkpoint with its cosignatures, the alarms), the sync with
//! each peer ([`sync`]), the focal points' signing keys ([`keys`]) and the node's
//! releases ([`releases`]).
//!
//! Every call is the profile's typed client, as `vrs health`, `vrs log checkpoint`,
//! `vrs sync`, `vrs keys` and `vrs releases` make it; a call that fails is said on the
//! page with its reason.

pub mod directory;
pub mod keys;
pub mod releases;
pub mod sync;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use vrs_client::client::{Client, ClientError, ServingStatus};
use vrs_proto::v1 as pb;

use crate::App;
use crate::app::{Ctx, Kind};
use crate::layout::{self, Link};
use crate::text::t;

const HERE: &str = "/operator";

/// Navigation links.
pub fn nav() -> Vec<Link> {
    let o = &t().operator;
    vec![
        Link {
            href: HERE,
            label: o.nav_node,
        },
        Link {
            href: sync::HERE,
            label: o.nav_sync,
        },
        Link {
            href: keys::HERE,
            label: o.nav_keys,
        },
        Link {
            href: releases::HERE,
            label: o.nav_releases,
        },
        Link {
            href: directory::HERE,
            label: t().directory.nav_edit,
        },
    ]
}

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(HERE, get(node))
        .route(sync::HERE, get(sync::page).post(sync::now))
        .route(keys::HERE, get(keys::page))
        .route("/operator/keys/register", post(keys::register))
        .route("/operator/keys/revoke", post(keys::revoke))
        .route(releases::HERE, get(releases::page).post(releases::release))
        .route(
            directory::HERE,
            get(directory::page).post(directory::publish),
        )
}

/// Refuses the page to a profile that is not a node administrator's.
pub fn only_operator(ctx: &Ctx, here: &str) -> Result<(), Response> {
    crate::pages::require(ctx, matches!(ctx.entry.kind, Kind::Operator { .. }), here)
}

/// The State of the node this operator administers (empty for another role).
pub fn own_state(ctx: &Ctx) -> String {
    match &ctx.entry.kind {
        Kind::Operator { state } => state.clone(),
        _ => String::new(),
    }
}

/// The home page of this role: the node.
pub async fn home(ctx: Ctx) -> Response {
    show_node(ctx, "/").await
}

async fn node(ctx: Ctx) -> Response {
    show_node(ctx, HERE).await
}

/// The status of a page whose call failed: the node's refusal, or a failure on the way.
pub fn status_of(e: &ClientError) -> StatusCode {
    if e.is_rejection() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_GATEWAY
    }
}

/// What a failed call is shown as: the message, in an alert.
pub fn failure(what: &str, e: &dyn std::fmt::Display) -> Markup {
    html! { p.bad #trouble role="alert" { (what) ": " (e) } }
}

/// The client of the session's profile, or the page that says the node is unreachable.
pub async fn client(ctx: &Ctx, here: &str, title: &str) -> Result<Client, Response> {
    ctx.entry.client().await.map_err(|e| {
        let why = format!("{}: {e}", t().common.node_unreachable);
        layout::trouble(ctx, here, title, StatusCode::BAD_GATEWAY, &why)
    })
}

async fn show_node(ctx: Ctx, here: &str) -> Response {
    let o = &t().operator;
    if let Err(r) = only_operator(&ctx, here) {
        return r;
    }
    let c = match client(&ctx, here, o.node_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut health = Vec::new();
    for s in vrs_client::client::SERVICES {
        let status = match c.health(s).await {
            Ok(st) => Ok(st),
            Err(e) => Err(e.to_string()),
        };
        health.push((s, status));
    }
    let checkpoint = c.checkpoint().await;
    let alarms = c.sync_status().await.map(|st| st.alarms);
    let body = html! {
        h2 { (o.health) }
        (health_table(&health))
        h2 { (o.log) }
        @match &checkpoint {
            Ok(cp) => (checkpoint_view(&ctx, cp)),
            Err(e) => (failure(t().common.node_unreachable, e)),
        }
        h2 { (o.alarms) }
        @match &alarms {
            Ok(a) => (alarm_list(a)),
            Err(e) => (failure(t().common.node_unreachable, e)),
        }
    };
    layout::page(&ctx, here, o.node_title, body).into_response()
}

type Health = Result<ServingStatus, String>;

fn health_table(rows: &[(&str, Health)]) -> Markup {
    let o = &t().operator;
    html! {
        table #health {
            thead { tr { th scope="col" { (o.col_service) } th scope="col" { (o.col_status) } } }
            tbody {
                @for (s, st) in rows {
                    tr {
                        td { @if s.is_empty() { (o.whole_server) } @else { code { (s) } } }
                        @match st {
                            Ok(v) if *v == ServingStatus::Serving => td.ok { (v.as_str_name()) },
                            Ok(v) => td.bad { (v.as_str_name()) },
                            Err(e) => td.bad { (e) },
                        }
                    }
                }
            }
        }
    }
}

fn checkpoint_view(ctx: &Ctx, cp: &pb::SignedCheckpoint) -> Markup {
    let o = &t().operator;
    let signature: Result<(), String> = match ctx.entry.profile.vkey.as_deref() {
        Some(k) => vrs_client::audit::open_served(cp, k)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        None => Err(o.log_no_vkey.to_owned()),
    };
    let cosigned = vrs_client::audit::cosignatures(&cp.note);
    html! {
        dl #checkpoint .facts {
            dt { (o.log_origin) } dd #log-origin { (cp.origin) }
            dt { (o.log_size) } dd #log-size { (cp.size) }
            dt { (o.log_root) } dd #log-root { code { (vrs_core::hex(&cp.root_hash)) } }
            dt { (o.log_signature) } dd {
                @match &signature {
                    Ok(()) => { span.ok #log-status { (t().common.verified) } span.muted { " · " (o.log_verified) } }
                    Err(e) => { span.bad #log-status { (t().common.not_verified) } span.muted { " · " (e) } }
                }
            }
        }
        h3 { (o.cosignatures) }
        p.muted { (o.cosignatures_note) }
        @if cosigned.is_empty() {
            p #no-cosignatures { (o.no_cosignatures) }
        } @else {
            table #cosignatures {
                thead { tr { th scope="col" { (o.col_witness) } th scope="col" { (o.col_cosigned) } } }
                tbody { @for c in &cosigned { tr {
                    td.witness { (c.name) }
                    td { (vrs_client::sync::time(i64::try_from(c.timestamp).unwrap_or(i64::MAX)).unwrap_or_default()) }
                } } }
            }
        }
    }
}

/// The alarms, or that there is none.
pub fn alarm_list(alarms: &[String]) -> Markup {
    let o = &t().operator;
    html! {
        @if alarms.is_empty() {
            p.ok #no-alarms { (o.no_alarms) }
        } @else {
            ul #alarms role="alert" { @for a in alarms { li.bad { (a) } } }
        }
    }
}
