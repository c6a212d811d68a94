//! The releases this node published, and "release now" for a closed period, as `vrs
//! releases list --origin` and `vrs releases release`.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use vrs_proto::v1 as pb;

use super::{client, failure, only_operator, own_state, status_of};
use crate::app::Ctx;
use crate::layout;
use crate::pages::focal::see;
use crate::text::t;

/// The page.
pub const HERE: &str = "/operator/releases";

/// `?released=PERIOD&count=N`: what was just released.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    released: Option<String>,
    count: Option<usize>,
}

/// The form of "release now".
#[derive(serde::Deserialize)]
pub struct Release {
    period: String,
    #[serde(default)]
    revise: Option<String>,
}

/// The releases page.
pub async fn page(ctx: Ctx, Query(d): Query<Done>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let notice = d.released.map(|p| match d.count.unwrap_or(0) {
        0 => html! { p.warn #notice role="status" { (o.released_nothing) } },
        n => html! { p.ok #notice role="status" { (o.released_notice) " " (p) ": " (n) } },
    });
    show(&ctx, StatusCode::OK, notice, "", None).await
}

async fn show(
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Markup>,
    period: &str,
    error: Option<&str>,
) -> Response {
    let o = &t().operator;
    let c = match client(ctx, HERE, o.releases_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let filter = pb::ListReleasesRequest {
        origin: own_state(ctx),
        ..Default::default()
    };
    let list = match c.list_releases(filter).await {
        Ok(mut rs) => {
            rs.sort_by(|a, b| (&b.period, &a.table).cmp(&(&a.period, &b.table)));
            release_table(&rs)
        }
        Err(e) => failure(t().common.node_unreachable, &e),
    };
    let described = layout::described_by("release-period", true, error.is_some());
    let input = html! {
        input #release-period type="text" name="period" value=(period) required placeholder="2026-M03"
            aria-describedby=[described] aria-invalid=[error.map(|_| "true")];
    };
    let revise = html! { input #release-revise type="checkbox" name="revise" value="1" aria-describedby="release-revise-help"; };
    let body = html! {
        p { (o.releases_intro) }
        @if let Some(n) = notice { (n) }
        h2 { (o.release_now_title) }
        form #release-form method="post" action=(HERE) {
            (layout::csrf(ctx))
            (layout::field("release-period", o.period, o.period_help, error, input))
            (layout::field("release-revise", o.revise, o.revise_help, None, revise))
            div.actions { button #release-send type="submit" { (o.release_now) } }
        }
        h2 { (o.releases_title) }
        (list)
    };
    (status, layout::page(ctx, HERE, o.releases_title, body)).into_response()
}

fn release_table(rs: &[pb::ReleaseInfo]) -> Markup {
    let o = &t().operator;
    let header = [
        o.col_period,
        o.col_table,
        o.col_version,
        o.col_size,
        o.col_digest,
    ];
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            vec![
                r.period.clone(),
                r.table.clone(),
                r.version.to_string(),
                r.size.to_string(),
                vrs_core::hex(&r.digest),
            ]
        })
        .collect();
    html! {
        @if rs.is_empty() {
            p #no-releases { (o.no_releases) }
        } @else {
            (layout::table("releases", &header, &rows, &[false, false, true, true, false]))
        }
    }
}

/// Releases a closed period now.
pub async fn release(ctx: Ctx, axum::Form(f): axum::Form<Release>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let Ok(period) = vrs_core::aggregate::Period::parse(f.period.trim()).map(|p| p.to_string())
    else {
        return show(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &f.period,
            Some(o.bad_period),
        )
        .await;
    };
    let c = match client(&ctx, HERE, o.releases_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c.release_now(&period, f.revise.is_some()).await {
        Ok(made) => see(&format!("{HERE}?released={period}&count={}", made.len())),
        Err(e) => {
            let notice = failure(o.release_failed, &e);
            show(&ctx, status_of(&e), Some(notice), &period, None).await
        }
    }
}
