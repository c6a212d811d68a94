//! A new report: the choice of record type with the drafts, the form of a type
//! ([`crate::form`]), "add another" of a repeated group, drafts, and submission.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use vrs_core::report::RecordType;

use super::send::{self, Outcome};
use super::{Draft, lock, only_focal, see, trouble};
use crate::app::Ctx;
use crate::form::{self, Errors, Values};
use crate::layout;
use crate::security::form_urlencoded;
use crate::text::t;

const HERE: &str = "/focal/new";

/// The choice of record type, and the drafts.
pub async fn choose(ctx: Ctx) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let drafts = ctx.app.jobs.focal.drafts_of(ctx.entry.name());
    let body = html! {
        p { (f.new_intro) }
        ul #record-types {
            @for rt in RecordType::ALL {
                li { a href=(format!("{HERE}/{}", rt.field())) { (form::type_label(*rt)) } }
            }
        }
        h2 { (f.drafts) }
        @if drafts.is_empty() { p #no-drafts { (f.no_drafts) } } @else {
            table #drafts {
                thead { tr { th { (f.col_type) } th { (f.col_saved) } th {} } }
                tbody { @for d in &drafts { tr {
                    td { a href=(format!("{HERE}/{}?draft={}", d.kind.field(), d.id)) { (form::type_label(d.kind)) } }
                    td { (d.saved) }
                    td { form method="post" action=(format!("/focal/drafts/{}/discard", d.id)) {
                        (layout::csrf(&ctx)) button.secondary type="submit" { (f.draft_discard) }
                    } }
                } } }
            }
        }
    };
    layout::page(&ctx, HERE, f.new_title, body).into_response()
}

/// `?draft=ID`.
#[derive(serde::Deserialize)]
pub struct DraftQuery {
    draft: Option<String>,
}

/// An empty form of a record type, or a draft's.
pub async fn blank(ctx: Ctx, Path(kind): Path<String>, Query(q): Query<DraftQuery>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let Some(rt) = form::record_type(&kind) else {
        return trouble(
            &ctx,
            HERE,
            t().focal.new_title,
            StatusCode::NOT_FOUND,
            t().focal.unknown_type,
        );
    };
    let mut values = Values::default();
    if let Some(id) = &q.draft {
        match ctx
            .app
            .jobs
            .focal
            .drafts_of(ctx.entry.name())
            .into_iter()
            .find(|d| d.id == *id)
        {
            Some(d) => values = d.values,
            None => {
                return trouble(
                    &ctx,
                    HERE,
                    t().focal.new_title,
                    StatusCode::NOT_FOUND,
                    t().focal.draft_gone,
                );
            }
        }
    }
    let f = Form::new(rt, format!("{HERE}/{kind}"), values);
    let report_id = vrs_client::submission::new_report_id().ok();
    Form {
        draft: q.draft,
        report_id,
        ..f
    }
    .page(&ctx, HERE, StatusCode::OK)
}

/// A form on a page: where it posts and what it holds.
pub struct Form {
    /// The record type.
    pub rt: RecordType,
    /// Where it posts.
    pub action: String,
    /// What it holds.
    pub values: Values,
    /// Messages at their fields.
    pub errors: Errors,
    /// Every message, for the summary.
    pub lines: Vec<String>,
    /// Groups to show one more element of.
    pub more: Vec<String>,
    /// A note at the top (draft saved).
    pub notice: Option<&'static str>,
    /// The draft it continues (drafts allowed when `Some` or `allow_draft`).
    pub draft: Option<String>,
    /// Whether "save draft" is offered.
    pub allow_draft: bool,
    /// The title and the submit button's words.
    pub title: String,
    /// The submit button's words.
    pub submit: &'static str,
    /// Above the form.
    pub intro: Option<&'static str>,
    /// The report id a new report will have: drawn when the form is first shown, so
    /// that the same form sent twice is one report (the outbox answers the second with
    /// the first's receipt).
    pub report_id: Option<String>,
}

impl Form {
    /// A form of a new report.
    pub fn new(rt: RecordType, action: String, values: Values) -> Form {
        Form {
            rt,
            action,
            values,
            errors: Errors::new(),
            lines: Vec::new(),
            more: Vec::new(),
            notice: None,
            draft: None,
            allow_draft: true,
            title: format!("{} · {}", t().focal.new_title, form::type_label(rt)),
            submit: t().focal.submit,
            intro: None,
            report_id: None,
        }
    }

    fn markup(&self, ctx: &Ctx) -> Markup {
        let f = &t().focal;
        html! {
            @if let Some(n) = self.notice { p.ok #notice role="status" { (n) } }
            @if let Some(i) = self.intro { p { (i) } }
            @if !self.lines.is_empty() {
                div.panel #refused role="alert" {
                    p.bad { (f.refused_intro) }
                    ul { @for l in &self.lines { li { (l) } } }
                }
            }
            form #report-form method="post" action=(self.action) novalidate {
                (layout::csrf(ctx))
                // The default button (Enter in a field) submits; "add another" does not.
                button.default-submit type="submit" name="do" value="submit" tabindex="-1" aria-hidden="true" { (self.submit) }
                @if let Some(d) = &self.draft { input type="hidden" name="draft" value=(d); }
                @if let Some(id) = &self.report_id { input type="hidden" name="report_id" value=(id); }
                (form::render(self.rt, &self.values, &self.errors, &self.more))
                div.actions {
                    button #submit type="submit" name="do" value="submit" { (self.submit) }
                    @if self.allow_draft {
                        button.secondary #save-draft type="submit" name="do" value="draft" formnovalidate { (f.save_draft) }
                    }
                }
            }
        }
    }

    /// The page, with `status`.
    pub fn page(&self, ctx: &Ctx, here: &str, status: StatusCode) -> Response {
        (
            status,
            layout::page(ctx, here, &self.title, self.markup(ctx)),
        )
            .into_response()
    }
}

/// What a posted form asks: its values, the group to grow, whether to keep a draft.
pub struct Posted {
    /// The values.
    pub values: Values,
    /// `add` of a group.
    pub add: Option<String>,
    /// The groups to show more elements of than the values fill: the elements shown
    /// but left empty, and the one `add` asks for.
    pub more: Vec<String>,
    /// Save as a draft.
    pub draft: bool,
    /// The draft it continues.
    pub draft_id: Option<String>,
    /// The report id the form carries.
    pub report_id: Option<String>,
}

impl Posted {
    /// Reads an urlencoded form of record type `rt`.
    pub fn read(rt: RecordType, body: &[u8]) -> Posted {
        let pairs = form_urlencoded(body);
        let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let values = Values::from_pairs(rt, &pairs);
        let add = one(form::ADD);
        let mut more = form::empty_elements(rt, &pairs, &values);
        more.extend(add.clone());
        Posted {
            values,
            add,
            more,
            draft: one("do").as_deref() == Some("draft"),
            draft_id: one("draft").filter(|d| !d.is_empty()),
            report_id: one("report_id").filter(|d| super::plausible_id(d)),
        }
    }
}

/// A posted new report: a group grown, a draft saved, or the report submitted.
pub async fn post(ctx: Ctx, Path(kind): Path<String>, body: Bytes) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let Some(rt) = form::record_type(&kind) else {
        return trouble(
            &ctx,
            HERE,
            t().focal.new_title,
            StatusCode::NOT_FOUND,
            t().focal.unknown_type,
        );
    };
    let p = Posted::read(rt, &body);
    let mut f = Form::new(rt, format!("{HERE}/{kind}"), p.values.clone());
    f.draft = p.draft_id.clone();
    f.report_id = p.report_id.clone();
    f.more.clone_from(&p.more);
    if p.add.is_some() {
        return f.page(&ctx, HERE, StatusCode::OK);
    }
    if p.draft {
        f.draft = Some(save_draft(&ctx, rt, p.values, p.draft_id));
        f.notice = Some(t().focal.draft_saved);
        return f.page(&ctx, HERE, StatusCode::OK);
    }
    let signer = match send::signer(&ctx, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut v = p.values.to_json();
    if let Some(id) = &p.report_id {
        vrs_client::submission::set(&mut v, "report_id", serde_json::json!(id));
    }
    match send::sign_and_send(&ctx, HERE, &signer, v, "ui:form").await {
        Outcome::Logged { report_id, version } => {
            if let Some(id) = p.draft_id {
                lock(&ctx.app.jobs.focal.drafts).retain(|d| d.id != id);
            }
            see(&send::receipt_url(&report_id, version))
        }
        Outcome::Refused(errors, lines) => {
            f.errors = errors;
            f.lines = lines;
            f.page(&ctx, HERE, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Outcome::Trouble(r) => r,
    }
}

fn save_draft(ctx: &Ctx, rt: RecordType, values: Values, id: Option<String>) -> String {
    let mut drafts = lock(&ctx.app.jobs.focal.drafts);
    let profile = ctx.entry.name().to_owned();
    let id = id
        .filter(|i| drafts.iter().any(|d| d.id == *i && d.profile == profile))
        .or_else(|| crate::app::random_token().ok())
        .unwrap_or_else(|| format!("d{}", drafts.len()));
    drafts.retain(|d| d.id != id);
    drafts.push(Draft {
        id: id.clone(),
        profile,
        kind: rt,
        values,
        saved: vrs_client::submission::now(),
    });
    id
}

/// Discards a draft.
pub async fn discard(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let profile = ctx.entry.name().to_owned();
    lock(&ctx.app.jobs.focal.drafts).retain(|d| !(d.id == id && d.profile == profile));
    see(HERE)
}
