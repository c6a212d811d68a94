//! The receipt of a report version: saved with the profile when this workspace (or
//! `vrs submit`) sent it, else as the node answers it; verified here, offline, with the
//! profile's verifier key; its files to download.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use maud::html;
use vrs_client::submission;

use super::{only_focal, plausible_id, trouble};
use crate::app::Ctx;
use crate::layout;
use crate::text::t;

const HERE: &str = "/focal/reports";

/// A receipt's files: the `.tlog-proof` text and the entry bytes.
pub struct Files {
    /// The receipt (a checkpoint with an inclusion proof).
    pub proof: String,
    /// The logged entry.
    pub entry: Vec<u8>,
}

/// The receipt of `id` version `version`: the saved files, else the node's answer.
pub async fn files(ctx: &Ctx, id: &str, version: u32) -> Result<Files, String> {
    let (proof, entry) = submission::receipt_paths(&ctx.app.receipts_dir(&ctx.entry), id, version);
    if let (Ok(proof), Ok(entry)) = (std::fs::read_to_string(&proof), std::fs::read(&entry)) {
        return Ok(Files { proof, entry });
    }
    let client = ctx.entry.client().await.map_err(|e| e.to_string())?;
    let logged = submission::fetch(&client, id, version)
        .await
        .map_err(|e| e.to_string())?;
    let receipt = logged
        .receipt
        .ok_or_else(|| t().focal.receipt_missing.to_owned())?;
    Ok(Files {
        proof: receipt.tlog_proof,
        entry: logged.entry,
    })
}

/// The status of a receipt, verified offline: the log index, or why not.
pub fn verify(ctx: &Ctx, f: &Files) -> Result<u64, String> {
    let vkey = ctx
        .entry
        .profile
        .vkey
        .as_deref()
        .ok_or_else(|| t().focal.receipt_no_vkey.to_owned())?;
    submission::verify_receipt_text(&f.proof, &f.entry, vkey).map_err(|e| e.to_string())
}

/// `?duplicate=1`.
#[derive(serde::Deserialize)]
pub struct Dup {
    duplicate: Option<String>,
}

/// The receipt page.
pub async fn page(
    ctx: Ctx,
    Path((id, version)): Path<(String, u32)>,
    Query(d): Query<Dup>,
) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    if !plausible_id(&id) {
        return trouble(
            &ctx,
            HERE,
            f.receipt_title,
            StatusCode::NOT_FOUND,
            f.no_such_report,
        );
    }
    let files = match files(&ctx, &id, version).await {
        Ok(x) => x,
        Err(e) => {
            return trouble(
                &ctx,
                HERE,
                f.receipt_title,
                StatusCode::NOT_FOUND,
                &format!("{}: {e}", f.receipt_missing),
            );
        }
    };
    let status = verify(&ctx, &files);
    let base = format!("/focal/receipt/{id}/{version}");
    let body = html! {
        @if status.is_ok() { p { (f.receipt_intro) } }
        @if d.duplicate.is_some() { p.muted { (f.duplicate) } }
        dl #receipt {
            dt { (f.report_id) } dd #receipt-id { a href=(format!("/focal/reports/{id}")) { (id) } }
            dt { (f.version) } dd #receipt-version { (version) }
            dt { (f.log_index) } dd #receipt-index { @match &status { Ok(i) => (i), Err(_) => "—" } }
            dt { (f.status) } dd {
                @match &status {
                    Ok(_) => { span.ok #receipt-status { (t().common.verified) } span.muted { " · " (f.receipt_verified) } }
                    Err(e) => { span.bad #receipt-status { (t().common.not_verified) } span.muted { " · " (e) } }
                }
            }
        }
        ul.downloads {
            li { a #download-proof href=(format!("{base}/proof")) download { (f.download_proof) } }
            li { a #download-entry href=(format!("{base}/entry")) download { (f.download_entry) } }
        }
    };
    layout::page(&ctx, HERE, f.receipt_title, body).into_response()
}

/// A receipt's file: `proof` (`.tlog-proof`) or `entry` (`.entry`).
pub async fn download(
    ctx: Ctx,
    Path((id, version, file)): Path<(String, u32, String)>,
) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    if !plausible_id(&id) || !matches!(file.as_str(), "proof" | "entry") {
        return trouble(
            &ctx,
            HERE,
            f.receipt_title,
            StatusCode::NOT_FOUND,
            t().common.not_found,
        );
    }
    let files = match files(&ctx, &id, version).await {
        Ok(x) => x,
        Err(e) => return trouble(&ctx, HERE, f.receipt_title, StatusCode::NOT_FOUND, &e),
    };
    let (bytes, ext, ctype) = if file == "proof" {
        (
            files.proof.into_bytes(),
            "tlog-proof",
            "text/plain; charset=utf-8",
        )
    } else {
        (files.entry, "entry", "application/octet-stream")
    };
    attachment(bytes, &format!("{id}.v{version}.{ext}"), ctype)
}

/// Bytes to save as `name`.
pub fn attachment(bytes: Vec<u8>, name: &str, ctype: &'static str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
