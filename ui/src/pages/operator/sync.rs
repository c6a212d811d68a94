//! The sync with each peer: its last run (when, the outcome, what was received, why it
//! failed), the alarms, and "Sync now" with one peer or every peer, as `vrs sync now`.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use vrs_client::sync::{self, Run};
use vrs_proto::v1 as pb;

use super::{alarm_list, client, failure, only_operator, status_of};
use crate::app::Ctx;
use crate::layout;
use crate::pages::focal::see;
use crate::text::t;

/// The page.
pub const HERE: &str = "/operator/sync";

/// `?ran=PEER` (or `all`): a round was just run.
#[derive(serde::Deserialize, Default)]
pub struct Ran {
    ran: Option<String>,
}

/// The sync page.
pub async fn page(ctx: Ctx, Query(q): Query<Ran>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let c = match client(&ctx, HERE, o.sync_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c.sync_status().await {
        Ok(st) => {
            let notice = q.ran.as_deref().map(|ran| ran_notice(ran, &st));
            layout::page(&ctx, HERE, o.sync_title, view(&ctx, &st, notice, None)).into_response()
        }
        Err(e) => {
            let body = failure(t().common.node_unreachable, &e);
            (status_of(&e), layout::page(&ctx, HERE, o.sync_title, body)).into_response()
        }
    }
}

/// What the round just run found.
fn ran_notice(ran: &str, st: &pb::SyncStatusResponse) -> Markup {
    let o = &t().operator;
    let mut failed = sync::failures(st);
    if ran != "all" {
        failed.retain(|f| f.starts_with(ran));
    }
    html! {
        p #notice role="status" {
            @if ran == "all" { (o.sync_ran_all) } @else { (o.sync_ran_peer) " " (ran) "." }
            " "
            @if failed.is_empty() {
                span.ok { (o.sync_all_ok) }
            } @else {
                span.bad { (o.sync_some_failed) " " (failed.join(", ")) }
            }
        }
    }
}

fn view(
    ctx: &Ctx,
    st: &pb::SyncStatusResponse,
    notice: Option<Markup>,
    error: Option<Markup>,
) -> Markup {
    let o = &t().operator;
    let refused: Vec<(String, String)> = st
        .peers
        .iter()
        .flat_map(|p| p.rejected.iter().map(|r| (p.peer.clone(), r.clone())))
        .collect();
    html! {
        p { (o.sync_intro) }
        @if let Some(n) = notice { (n) }
        @if let Some(e) = error { (e) }
        @if st.peers.is_empty() {
            p #no-peers { (o.no_peers) }
        } @else {
            (peer_table(ctx, &st.peers))
            form #sync-all-form method="post" action=(HERE) {
                (layout::csrf(ctx))
                input type="hidden" name="peer" value="";
                button #sync-all type="submit" { (o.sync_now_all) }
            }
        }
        @let reciprocity = sync::reciprocity_lines(st);
        @if !reciprocity.is_empty() {
            h2 { (o.reciprocity) }
            ul #reciprocity { @for line in &reciprocity { li { (line) } } }
        }
        @if !refused.is_empty() {
            h2 { (o.refused_releases) }
            ul #refused { @for (p, r) in &refused { li { (p) ": " (r) } } }
        }
        h2 { (o.alarms) }
        (alarm_list(&st.alarms))
    }
}

fn peer_table(ctx: &Ctx, peers: &[pb::PeerStatus]) -> Markup {
    let o = &t().operator;
    let cols = [
        (o.col_peer, false),
        (o.col_last_run, false),
        (o.col_outcome, false),
        (o.col_received, true),
        (o.col_held, true),
        (o.col_refused, true),
        (o.col_last_success, false),
        (o.col_witnessed, true),
        (o.col_reason, false),
        (o.col_action, false),
    ];
    html! {
        table #sync {
            thead { tr { @for (h, num) in cols { th scope="col" class=[num.then_some("num")] { (h) } } } }
            tbody { @for p in peers { (peer_row(ctx, p)) } }
        }
    }
}

fn peer_row(ctx: &Ctx, p: &pb::PeerStatus) -> Markup {
    let o = &t().operator;
    let run = sync::run(p);
    html! {
        tr id=(format!("peer-{}", p.peer)) {
            th scope="row" .peer { (p.peer) span.endpoint.muted { (p.endpoint) } }
            td.last-run { @match &run { Run::Finished(at) => (at), Run::Running => (o.running), Run::Never => (o.never) } }
            @if sync::failed(p) {
                td.outcome.bad { (t().common.failed) }
            } @else if matches!(run, Run::Finished(_)) {
                td.outcome.ok { (o.ok) }
            } @else {
                td.outcome.muted { "—" }
            }
            td.num.received { (p.fetched) }
            td.num { (p.already_held) }
            td.num { (p.rejected.len()) }
            td { (sync::time(p.last_success).unwrap_or_else(|| o.never.to_owned())) }
            td.num { (p.witnessed_size) }
            @if sync::failed(p) { td.reason.bad { (p.last_error) } } @else { td.reason { } }
            td {
                form id=(format!("sync-{}", p.peer)) method="post" action=(HERE) {
                    (layout::csrf(ctx))
                    input type="hidden" name="peer" value=(p.peer);
                    button.secondary type="submit" aria-label=(format!("{} · {}", o.sync_now, p.peer)) { (o.sync_now) }
                }
            }
        }
    }
}

/// The form of "Sync now": a peer, or empty for every peer.
#[derive(serde::Deserialize)]
pub struct Now {
    #[serde(default)]
    peer: String,
}

/// Runs a sync round now (with one peer or every peer) and shows its records.
pub async fn now(ctx: Ctx, axum::Form(f): axum::Form<Now>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let peer = f.peer.trim();
    if !peer.is_empty() && !sync::is_peer(peer) {
        return layout::trouble(
            &ctx,
            HERE,
            o.sync_title,
            StatusCode::BAD_REQUEST,
            o.bad_peer,
        );
    }
    let c = match client(&ctx, HERE, o.sync_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c.sync_now(peer).await {
        Ok(_) => see(&format!(
            "{HERE}?ran={}",
            if peer.is_empty() { "all" } else { peer }
        )),
        Err(e) => {
            // The round may go on past the call: show what the node has recorded.
            let error = failure(o.sync_failed, &e);
            let st = c.sync_status().await.unwrap_or_default();
            (
                status_of(&e),
                layout::page(&ctx, HERE, o.sync_title, view(&ctx, &st, None, Some(error))),
            )
                .into_response()
        }
    }
}
