//! Offline verification, for every role: a receipt (`.tlog-proof`) with its entry and
//! the node's verifier key, by upload, checked by
//! [`submission::verify_receipt_text`] as the focal point's receipt page checks it; a
//! signed release (DSSE JSON) under its origin's key, checked by
//! [`region::verify_saved`] as `vrs releases verify` checks it. Nothing is sent to a
//! node.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use maud::{Markup, html};
use vrs_client::{region, submission};

use crate::App;
use crate::app::Ctx;
use crate::layout;
use crate::text::t;

const HERE: &str = "/verify";

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(HERE, get(verify).post(check))
        .route("/verify/release", axum::routing::post(check_release))
}

/// What the form was given, and its messages by field.
#[derive(Default)]
struct Form {
    vkey: String,
    origin_key: String,
    errors: HashMap<&'static str, String>,
}

impl Form {
    /// The message of field `k`.
    fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }

    /// The `aria-describedby` of input `id` (field `k`): its help, and its message.
    fn described(&self, id: &str, k: &str) -> Option<String> {
        layout::described_by(id, true, self.errors.contains_key(k))
    }
}

async fn verify(ctx: Ctx) -> Response {
    let form = Form {
        vkey: ctx.entry.profile.vkey.clone().unwrap_or_default(),
        ..Form::default()
    };
    page(&ctx, StatusCode::OK, &form, None, None)
}

fn page(
    ctx: &Ctx,
    status: StatusCode,
    form: &Form,
    result: Option<Markup>,
    release: Option<Markup>,
) -> Response {
    let a = &t().auditor;
    let err = |k: &str| form.error(k);
    let described = |id: &str, k: &str| form.described(id, k);
    let receipt = html! {
        input #verify-receipt type="file" name="receipt" accept=".tlog-proof,text/plain" required
            aria-describedby=[described("verify-receipt", "receipt")] aria-invalid=[err("receipt").map(|_| "true")];
    };
    let entry = html! {
        input #verify-entry type="file" name="entry" accept=".entry,application/octet-stream" required
            aria-describedby=[described("verify-entry", "entry")] aria-invalid=[err("entry").map(|_| "true")];
    };
    let vkey = html! {
        input #verify-vkey type="text" name="vkey" value=(form.vkey) required spellcheck="false"
            aria-describedby=[described("verify-vkey", "vkey")] aria-invalid=[err("vkey").map(|_| "true")];
    };
    let body = html! {
        p { (a.intro) }
        @if let Some(r) = result { (r) }
        h2 { (a.receipt_title) }
        form #verify-form method="post" action=(HERE) enctype="multipart/form-data" {
            (layout::csrf(ctx))
            (layout::field("verify-receipt", a.receipt_file, a.receipt_file_help, err("receipt"), receipt))
            (layout::field("verify-entry", a.entry_file, a.entry_file_help, err("entry"), entry))
            (layout::field("verify-vkey", a.vkey, a.vkey_help, err("vkey"), vkey))
            div.actions { button #verify-send type="submit" { (a.verify) } }
        }
        @if let Some(r) = release { (r) }
        (release_form(ctx, form))
        p.muted { (a.left_out) }
    };
    (status, layout::page(ctx, HERE, a.title, body)).into_response()
}

/// The form's fields: the files' bytes and the keys' text.
async fn read_form(headers: &HeaderMap, body: Bytes) -> Result<HashMap<String, Vec<u8>>, String> {
    crate::form::multipart(
        headers,
        body,
        &["receipt", "entry", "vkey", "release", "origin_key"],
    )
    .await
}

/// The result of a verification: verified with the index, or not with the reason.
fn result(outcome: &Result<u64, String>, vkey: &str) -> Markup {
    let a = &t().auditor;
    let log = vrs_core::note::NoteVerifier::parse(vkey)
        .map(|k| k.name().to_owned())
        .unwrap_or_default();
    html! {
        section #verify-result .panel role="status" {
            h2 { (a.result) }
            dl #verification {
                dt { (a.status) }
                @match outcome {
                    Ok(_) => dd { span.ok #verify-status { (t().common.verified) } },
                    Err(_) => dd { span.bad #verify-status { (t().common.not_verified) } },
                }
                @match outcome {
                    Ok(i) => {
                        dt { (a.log_index) } dd #verify-index { (i) }
                        dt { (a.log) } dd #verify-log { (log) }
                        dd.muted { (a.verified_note) }
                    }
                    Err(e) => { dt { (a.reason) } dd.bad #verify-reason { (e) } }
                }
            }
        }
    }
}

/// Verifies the uploaded receipt.
async fn check(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let a = &t().auditor;
    let mut form = Form::default();
    let mut fields = match read_form(&headers, body).await {
        Ok(f) => f,
        Err(e) => {
            form.errors
                .insert("receipt", format!("{}: {e}", a.bad_form));
            return page(&ctx, StatusCode::BAD_REQUEST, &form, None, None);
        }
    };
    form.vkey = String::from_utf8_lossy(&fields.remove("vkey").unwrap_or_default())
        .trim()
        .to_owned();
    let receipt = fields.remove("receipt").filter(|b| !b.is_empty());
    let entry = fields.remove("entry").filter(|b| !b.is_empty());
    if receipt.is_none() {
        form.errors.insert("receipt", a.no_receipt.to_owned());
    }
    if entry.is_none() {
        form.errors.insert("entry", a.no_entry.to_owned());
    }
    if form.vkey.is_empty() {
        form.errors.insert("vkey", a.no_vkey.to_owned());
    }
    let (Some(receipt), Some(entry)) = (receipt, entry) else {
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, None, None);
    };
    if !form.errors.is_empty() {
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, None, None);
    }
    let outcome = match String::from_utf8(receipt) {
        Ok(text) => {
            submission::verify_receipt_text(&text, &entry, &form.vkey).map_err(|e| e.to_string())
        }
        Err(_) => Err(a.not_text.to_owned()),
    };
    let shown = result(&outcome, &form.vkey);
    page(&ctx, StatusCode::OK, &form, Some(shown), None)
}

fn release_form(ctx: &Ctx, form: &Form) -> Markup {
    let a = &t().auditor;
    let err = |k: &str| form.error(k);
    let described = |id: &str, k: &str| form.described(id, k);
    let file = html! {
        input #verify-release type="file" name="release" accept=".json,application/json" required
            aria-describedby=[described("verify-release", "release")] aria-invalid=[err("release").map(|_| "true")];
    };
    let key = html! {
        input #verify-origin-key type="text" name="origin_key" value=(form.origin_key) spellcheck="false"
            aria-describedby=[described("verify-origin-key", "origin_key")] aria-invalid=[err("origin_key").map(|_| "true")];
    };
    html! {
        h2 { (a.release_title) }
        form #verify-release-form method="post" action="/verify/release" enctype="multipart/form-data" {
            (layout::csrf(ctx))
            (layout::field("verify-release", a.release_file, a.release_file_help, err("release"), file))
            (layout::field("verify-origin-key", a.origin_key, a.origin_key_help, err("origin_key"), key))
            div.actions { button #verify-release-send type="submit" { (a.verify) } }
        }
    }
}

/// The result of a release's verification.
fn release_result(
    outcome: &Result<(vrs_core::release::Release, String), region::SavedError>,
) -> Markup {
    let a = &t().auditor;
    html! {
        section #release-result .panel role="status" {
            h2 { (a.result) }
            dl #release-verification .verification {
                dt { (a.release_title) }
                @match outcome {
                    Ok((r, label)) => {
                        dd { span.ok #release-status { (t().common.verified) } }
                        dt { (a.release) } dd #release-what { (r.origin) " " (r.table) " " (r.period) " v" (r.version) }
                        dt { (a.signed_by) } dd #release-key { (label) }
                        dt { (a.cells) } dd { (r.cells.len()) }
                    }
                    Err(e) => {
                        dd { span.bad #release-status { (t().common.not_verified) } }
                        dt { (a.reason) } dd.bad #release-reason { (e) }
                    }
                }
            }
        }
    }
}

/// Verifies the uploaded release envelope.
async fn check_release(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let a = &t().auditor;
    let mut form = Form {
        vkey: ctx.entry.profile.vkey.clone().unwrap_or_default(),
        ..Form::default()
    };
    let mut fields = match read_form(&headers, body).await {
        Ok(f) => f,
        Err(e) => {
            form.errors
                .insert("release", format!("{}: {e}", a.bad_form));
            return page(&ctx, StatusCode::BAD_REQUEST, &form, None, None);
        }
    };
    form.origin_key = String::from_utf8_lossy(&fields.remove("origin_key").unwrap_or_default())
        .trim()
        .to_owned();
    let Some(text) = fields.remove("release").filter(|b| !b.is_empty()) else {
        form.errors.insert("release", a.no_release.to_owned());
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, None, None);
    };
    let key = (!form.origin_key.is_empty()).then_some(form.origin_key.as_str());
    let outcome = region::verify_saved(&String::from_utf8_lossy(&text), &ctx.entry.profile, key);
    let shown = release_result(&outcome);
    page(&ctx, StatusCode::OK, &form, None, Some(shown))
}
