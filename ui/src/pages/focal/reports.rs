//! My State's reports: the list with filters and paging, a report's versions and
//! content, its amendment (the form prefilled from the latest version) and its
//! retraction (confirmed), both through the outbox.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use serde_json::Value;
use vrs_client::reportjson;
use vrs_client::submission::{self, Logged};
use vrs_core::report::{Agency, CodeEnum as _, RecordType, ReportStatus};
use vrs_proto::v1 as pb;

use super::new::{Form, Posted};
use super::send::{self, Outcome};
use super::{only_focal, plausible_id, see, trouble};
use crate::app::Ctx;
use crate::form::{self, Values};
use crate::layout;
use crate::text::t;

const HERE: &str = "/focal/reports";

/// A record type on the wire, in words.
fn type_name(n: i32) -> String {
    match form::from_wire(n) {
        Some(rt) => form::type_label(rt).to_owned(),
        None if n == pb::RecordType::Retracted as i32 => t().focal.retracted.to_owned(),
        None => n.to_string(),
    }
}

/// The table of listed reports.
pub fn table(reports: &[pb::ReportSummary]) -> Markup {
    let f = &t().focal;
    if reports.is_empty() {
        return html! { p #no-reports { (f.no_reports) } };
    }
    html! {
        table #reports {
            thead { tr {
                th scope="col" { (f.col_report) } th scope="col" { (f.col_type) } th.num scope="col" { (f.col_version) }
                th scope="col" { (f.col_agency) } th scope="col" { (f.col_observed) } th.num scope="col" { (f.col_index) }
            } }
            tbody { @for r in reports { tr {
                td { a href=(format!("{HERE}/{}", r.report_id)) { code { (r.report_id) } } }
                td { (type_name(r.record_type)) }
                td.num { (r.version) }
                td { (Agency::SPEC.by_number(r.agency).map_or("", |c| c.label)) }
                td { (r.observed_from) }
                td.num { (r.log_index) }
            } } }
        }
    }
}

/// The list's filters and page.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    r#type: String,
    agency: String,
    from: String,
    to: String,
    page: String,
}

impl Filters {
    fn request(&self) -> pb::ListReportsRequest {
        let record_type = match self.r#type.as_str() {
            "retracted" => pb::RecordType::Retracted as i32,
            t => form::record_type(t).map_or(0, form::wire),
        };
        pb::ListReportsRequest {
            record_type,
            observed_from: self.from.clone(),
            observed_to: self.to.clone(),
            agency: Agency::SPEC.by_code(&self.agency).map_or(0, |c| c.number),
            page_size: 20,
            page_token: self.page.clone(),
        }
    }

    fn query(&self, page: &str) -> String {
        serde_urlencoded::to_string([
            ("type", self.r#type.as_str()),
            ("agency", &self.agency),
            ("from", &self.from),
            ("to", &self.to),
            ("page", page),
        ])
        .unwrap_or_default()
    }

    fn markup(&self) -> Markup {
        let f = &t().focal;
        html! {
            form.filters #filters method="get" action=(HERE) {
                div { label for="f-type" { (f.col_type) }
                    select #f-type name="type" {
                        option value="" { (f.all) }
                        @for rt in RecordType::ALL {
                            option value=(rt.field()) selected[self.r#type == rt.field()] { (form::type_label(*rt)) }
                        }
                        option value="retracted" selected[self.r#type == "retracted"] { (f.retracted) }
                    } }
                div { label for="f-agency" { (f.col_agency) }
                    select #f-agency name="agency" {
                        option value="" { (f.all) }
                        @for c in Agency::SPEC.values { option value=(c.code) selected[self.agency == c.code] { (c.label) } }
                    } }
                div { label for="f-from" { (f.observed_from) } input #f-from type="date" name="from" value=(self.from); }
                div { label for="f-to" { (f.observed_to) } input #f-to type="date" name="to" value=(self.to); }
                button type="submit" { (f.filter) }
            }
        }
    }
}

/// The list.
pub async fn list(ctx: Ctx, Query(q): Query<Filters>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let unreachable = |e: String| {
        trouble(
            &ctx,
            HERE,
            f.reports_title,
            StatusCode::BAD_GATEWAY,
            &format!("{}: {e}", t().common.node_unreachable),
        )
    };
    let client = match ctx.entry.client().await {
        Ok(c) => c,
        Err(e) => return unreachable(e.to_string()),
    };
    let page = match client.list_reports(q.request()).await {
        Ok(p) => p,
        Err(e) => return unreachable(e.to_string()),
    };
    let body = html! {
        (q.markup())
        (table(&page.reports))
        nav.actions aria-label="pages" {
            @if !q.page.is_empty() { a #first-page href=(format!("{HERE}?{}", q.query(""))) { (f.first_page) } }
            @if !page.next_page_token.is_empty() {
                a #next-page href=(format!("{HERE}?{}", q.query(&page.next_page_token))) { (f.next_page) }
            }
        }
    };
    layout::page(&ctx, HERE, f.reports_title, body).into_response()
}

/// The latest version of `id`, or the page that says why not.
async fn latest(ctx: &Ctx, id: &str, title: &str) -> Result<Logged, Response> {
    let f = &t().focal;
    if !plausible_id(id) {
        return Err(trouble(
            ctx,
            HERE,
            title,
            StatusCode::NOT_FOUND,
            f.no_such_report,
        ));
    }
    let client = ctx.entry.client().await.map_err(|e| {
        trouble(
            ctx,
            HERE,
            title,
            StatusCode::BAD_GATEWAY,
            &format!("{}: {e}", t().common.node_unreachable),
        )
    })?;
    submission::fetch(&client, id, 0).await.map_err(|e| {
        trouble(
            ctx,
            HERE,
            title,
            StatusCode::NOT_FOUND,
            &format!("{}: {e}", f.no_such_report),
        )
    })
}

fn status_of(r: &pb::Report) -> &'static str {
    ReportStatus::SPEC
        .by_number(r.status)
        .map_or("", |c| c.label)
}

fn is_retracted(r: &pb::Report) -> bool {
    ReportStatus::SPEC
        .by_number(r.status)
        .is_some_and(|c| c.code == "RETRACTED")
}

/// A report's page: its versions, the content of the latest, amend and retract.
pub async fn report(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let last = match latest(&ctx, &id, f.report_title).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let mut versions = Vec::new();
    if let Ok(client) = ctx.entry.client().await {
        for v in 1..last.latest {
            if let Ok(l) = submission::fetch(&client, &id, v).await {
                versions.push(l);
            }
        }
    }
    let cells = vrs_client::bulk::flatten(&reportjson::to_json(&last.report));
    versions.push(last);
    let retracted = versions.last().is_some_and(|l| is_retracted(&l.report));
    let body = html! {
        p { code #report-id { (id) } }
        h2 { (f.versions) }
        table #versions {
            thead { tr { th.num { (f.col_version) } th { (f.col_status) } th { (f.col_submitted) } th.num { (f.col_index) } th { (f.col_receipt) } } }
            tbody { @for l in &versions { tr {
                td.num { (l.version) }
                td { (status_of(&l.report)) }
                td { (l.report.submitted_at) }
                td.num { (l.receipt.as_ref().map_or(String::new(), |r| r.index.to_string())) }
                td { a href=(send::receipt_url(&id, l.version)) { (f.receipt_title) } }
            } } }
        }
        @if retracted { p.warn #retracted { (f.already_retracted) } } @else {
            div.actions {
                a.button #amend href=(format!("{HERE}/{id}/amend")) { (f.amend) }
                a.button #retract href=(format!("{HERE}/{id}/retract")) { (f.retract) }
            }
        }
        h2 { (f.latest_content) }
        table #content {
            thead { tr { th { (f.col_field) } th { (f.col_value) } } }
            tbody { @for (k, v) in &cells { tr { td { code { (k) } } td { (v) } } } }
        }
    };
    layout::page(&ctx, HERE, &format!("{} {id}", f.report_title), body).into_response()
}

/// The record type of a logged report (from its body).
fn kind_of(r: &pb::Report) -> Option<(RecordType, Value)> {
    let v = reportjson::to_json(r);
    let field = v.get("body")?.as_object()?.keys().next()?.clone();
    Some((form::record_type(&field)?, v))
}

fn amend_form_of(id: &str, rt: RecordType, values: Values) -> Form {
    let f = &t().focal;
    Form {
        allow_draft: false,
        title: format!("{} {id}", f.amend_title),
        submit: f.submit_amendment,
        intro: Some(f.amend_intro),
        ..Form::new(rt, format!("{HERE}/{id}/amend"), values)
    }
}

/// The amendment form, prefilled from the latest version.
pub async fn amend_form(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let last = match latest(&ctx, &id, f.amend_title).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some((rt, v)) = kind_of(&last.report) else {
        return trouble(
            &ctx,
            HERE,
            f.amend_title,
            StatusCode::CONFLICT,
            f.already_retracted,
        );
    };
    amend_form_of(&id, rt, Values::from_report(rt, &v)).page(&ctx, HERE, StatusCode::OK)
}

/// A posted amendment: a group grown, or the next version submitted.
pub async fn amend(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let last = match latest(&ctx, &id, f.amend_title).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some((rt, _)) = kind_of(&last.report) else {
        return trouble(
            &ctx,
            HERE,
            f.amend_title,
            StatusCode::CONFLICT,
            f.already_retracted,
        );
    };
    let p = Posted::read(rt, &body);
    let mut form = amend_form_of(&id, rt, p.values.clone());
    form.more.clone_from(&p.more);
    if p.add.is_some() {
        return form.page(&ctx, HERE, StatusCode::OK);
    }
    let signer = match send::signer(&ctx, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = submission::amendment(p.values.to_json(), &last, &signer);
    finish(&ctx, &signer, v, Some(form)).await
}

async fn finish(ctx: &Ctx, signer: &submission::Signer, v: Value, form: Option<Form>) -> Response {
    match send::sign_and_send(ctx, HERE, signer, v, "ui:form").await {
        Outcome::Logged { report_id, version } => see(&send::receipt_url(&report_id, version)),
        Outcome::Refused(errors, lines) => match form {
            Some(mut form) => {
                form.errors = errors;
                form.lines = lines;
                form.page(ctx, HERE, StatusCode::UNPROCESSABLE_ENTITY)
            }
            None => trouble(
                ctx,
                HERE,
                t().focal.rejected_by_node,
                StatusCode::UNPROCESSABLE_ENTITY,
                &lines.join("; "),
            ),
        },
        Outcome::Trouble(r) => r,
    }
}

/// The retraction's confirmation step.
pub async fn retract_form(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let last = match latest(&ctx, &id, f.retract_title).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let body = html! {
        p { (f.retract_intro) }
        p { code { (id) } " · " (f.version) " " (last.latest) }
        form #retract-form method="post" action=(format!("{HERE}/{id}/retract")) data-confirm=(f.retract_ask) {
            (layout::csrf(&ctx))
            div.actions {
                button.danger #confirm-retract type="submit" { (f.retract_confirm) }
                a href=(format!("{HERE}/{id}")) { (f.cancel) }
            }
        }
    };
    layout::page(&ctx, HERE, &format!("{} {id}", f.retract_title), body).into_response()
}

/// The confirmed retraction: the next version, with no body.
pub async fn retract(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let last = match latest(&ctx, &id, f.retract_title).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if is_retracted(&last.report) {
        return trouble(
            &ctx,
            HERE,
            f.retract_title,
            StatusCode::CONFLICT,
            f.already_retracted,
        );
    }
    let signer = match send::signer(&ctx, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = submission::retraction(&last, &signer);
    finish(&ctx, &signer, v, None).await
}
