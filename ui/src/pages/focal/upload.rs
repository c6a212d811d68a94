//! Bulk upload: a file of reports (CSV, NDJSON, JSON, XLSX) read by the readers of
//! `vrs submit` ([`bulk::read`], [`bulk::read_xlsx`]), journalled in the outbox and sent
//! by a background task; a progress page that polls a fragment (and works by reloading),
//! the refused lines with their field paths, and the rejects file.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use serde_json::Value;
use vrs_client::bulk::{self, Format, Reject};
use vrs_client::outbox;
use vrs_client::submission::{self, Journalled, Prepared};
use vrs_core::report::RecordType;

use super::send::{self, Sending};
use super::{lock, only_focal, see, trouble};
use crate::app::Ctx;
use crate::form;
use crate::layout;
use crate::text::t;

const HERE: &str = "/focal/upload";

/// An upload in progress or done.
#[derive(Default)]
pub struct Upload {
    /// The file's name.
    pub file: String,
    /// Records read.
    pub total: usize,
    /// Logged (now or before).
    pub accepted: usize,
    /// Refused (locally or by the node).
    pub rejected: usize,
    /// Not sent (they stay in the outbox).
    pub failed: usize,
    /// Whether the task has finished.
    pub done: bool,
    /// The refused records, for the list and the rejects file.
    pub rejects: Vec<Reject>,
    /// Records that could not be sent, with why.
    pub failures: Vec<(String, String)>,
}

/// The upload form.
pub async fn form(ctx: Ctx) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    page_of(&ctx, None, StatusCode::OK)
}

fn page_of(ctx: &Ctx, error: Option<&str>, status: StatusCode) -> Response {
    let f = &t().focal;
    let types = html! {
        select #upload-type name="record_type" aria-describedby="upload-type-help" {
            option value="" { "—" }
            @for rt in RecordType::ALL { option value=(rt.field()) { (form::type_label(*rt)) } }
        }
    };
    let described = layout::described_by("upload-file", true, error.is_some());
    let file = html! {
        input #upload-file type="file" name="file" accept=".csv,.ndjson,.jsonl,.json,.xlsx"
            aria-describedby=[described] aria-invalid=[error.map(|_| "true")];
    };
    let body = html! {
        p { (f.upload_intro) }
        form #upload-form method="post" action=(HERE) enctype="multipart/form-data" {
            (layout::csrf(ctx))
            (layout::field("upload-file", f.upload_file, f.upload_file_help, error, file))
            (layout::field("upload-type", f.upload_type, f.upload_type_help, None, types))
            div.actions { button #upload-send type="submit" { (f.upload_send) } }
        }
    };
    (status, layout::page(ctx, HERE, f.upload_title, body)).into_response()
}

/// The file's name and bytes, and the record type chosen.
async fn read_form(headers: &HeaderMap, body: Bytes) -> Result<(String, Vec<u8>, String), String> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(ctype).map_err(|e| e.to_string())?;
    let stream = tokio_stream::once(Ok::<Bytes, std::io::Error>(body));
    let mut m = multer::Multipart::new(stream, boundary);
    let (mut file, mut rt) = (None, String::new());
    while let Some(field) = m.next_field().await.map_err(|e| e.to_string())? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                file = Some((name, bytes.to_vec()));
            }
            Some("record_type") => rt = field.text().await.map_err(|e| e.to_string())?,
            _ => {}
        }
    }
    let (name, bytes) = file
        .filter(|(n, b)| !n.is_empty() && !b.is_empty())
        .ok_or_else(|| t().focal.upload_no_file.to_owned())?;
    Ok((name, bytes, rt))
}

/// The records of a file, each with its source (`file:line`, `file:sheet:row`).
fn records(
    name: &str,
    bytes: &[u8],
    rt: Option<&str>,
) -> Result<Vec<(String, usize, bulk::Record)>, String> {
    let format = Format::of(std::path::Path::new(name));
    if format == Format::Xlsx {
        return Ok(bulk::read_xlsx(bytes, rt)
            .into_iter()
            .flat_map(|(sheet, rs)| rs.into_iter().map(move |r| (sheet.clone(), r)))
            .map(|(sheet, r)| (format!("{name}:{sheet}:{}", r.line), r.line, r))
            .collect());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| t().focal.upload_not_text.to_owned())?;
    Ok(bulk::read(text, format, rt)
        .into_iter()
        .map(|r| (format!("{name}:{}", r.line), r.line, r))
        .collect())
}

/// A posted file: read, and sent by a background task; the browser goes to its
/// progress page.
pub async fn post(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let (name, bytes, rt) = match read_form(&headers, body).await {
        Ok(x) => x,
        Err(e) => return page_of(&ctx, Some(&e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let rt = form::record_type(&rt).map(RecordType::field);
    let recs = match records(&name, &bytes, rt) {
        Ok(r) => r,
        Err(e) => return page_of(&ctx, Some(&e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let signer = match send::signer(&ctx, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = crate::app::random_token() else {
        return trouble(
            &ctx,
            HERE,
            f.upload_title,
            StatusCode::INTERNAL_SERVER_ERROR,
            t().common.random_failed,
        );
    };
    let job = Arc::new(Mutex::new(Upload {
        file: name.clone(),
        total: recs.len(),
        ..Upload::default()
    }));
    lock(&ctx.app.jobs.focal.uploads).insert(id.clone(), job.clone());
    let lenient = Format::of(std::path::Path::new(&name)).lenient();
    let key_file = ctx.app.state_dir.join("uploads").join(&name);
    tokio::spawn(async move {
        run(&ctx, &job, recs, &key_file, lenient, &signer).await;
        lock(&job).done = true;
    });
    see(&format!("{HERE}/{id}"))
}

/// Journals every record (synced once), then sends them one by one.
async fn run(
    ctx: &Ctx,
    job: &Mutex<Upload>,
    recs: Vec<(String, usize, bulk::Record)>,
    key_file: &std::path::Path,
    lenient: bool,
    signer: &submission::Signer,
) {
    let mut ready: Vec<(String, String, Prepared, Value)> = Vec::new();
    {
        let mut o = match ctx.entry.outbox(&ctx.app.state_dir).await {
            Ok(o) => o,
            Err(e) => return fail_all(job, &recs, &e.to_string()),
        };
        for (source, line, r) in recs {
            let v = match r.value {
                Ok(v) => v,
                Err(why) => {
                    reject(job, source, None, vec![why]);
                    continue;
                }
            };
            let key = outbox::key(key_file, line, &v);
            match submission::journal(&mut o, key, &source, v.clone(), lenient, signer) {
                Ok(Ok(Journalled::Send(key, p))) => ready.push((source, key, p, v)),
                Ok(Ok(Journalled::Logged(..))) => lock(job).accepted += 1,
                Ok(Err(refused)) => reject(job, source, Some(v), refused.lines()),
                Err(e) => fail(job, source, e.to_string()),
            }
        }
        if let Err(e) = o.sync() {
            let why = e.to_string();
            for (source, ..) in ready {
                fail(job, source, why.clone());
            }
            return;
        }
    }
    for (source, key, p, v) in ready {
        match send::send_one(ctx, &key, &p).await {
            Ok(()) => lock(job).accepted += 1,
            Err(Sending::Rejected(lines, _)) => reject(job, source, Some(v), lines),
            Err(Sending::Unsent(why) | Sending::BadReceipt(why)) => fail(job, source, why),
        }
    }
}

fn reject(job: &Mutex<Upload>, source: String, record: Option<Value>, errors: Vec<String>) {
    let mut j = lock(job);
    j.rejected += 1;
    j.rejects.push(Reject {
        source,
        record,
        errors,
    });
}

fn fail(job: &Mutex<Upload>, source: String, why: String) {
    let mut j = lock(job);
    j.failed += 1;
    j.failures.push((source, why));
}

fn fail_all(job: &Mutex<Upload>, recs: &[(String, usize, bulk::Record)], why: &str) {
    for (source, ..) in recs {
        fail(job, source.clone(), why.to_owned());
    }
}

fn job(ctx: &Ctx, id: &str) -> Option<Arc<Mutex<Upload>>> {
    lock(&ctx.app.jobs.focal.uploads).get(id).cloned()
}

/// The progress and, once done, the refused lines: the part of the page that polls.
fn progress(id: &str, u: &Upload) -> Markup {
    let f = &t().focal;
    let remaining = u.total.saturating_sub(u.accepted + u.rejected + u.failed);
    let poll = (!u.done).then(|| format!("{HERE}/{id}/progress"));
    html! {
        div #progress data-poll=[poll] data-state=(if u.done { "done" } else { "running" }) aria-live="polite" {
            p #progress-state { @if u.done { (f.done) } @else { (f.running) " " a href=(format!("{HERE}/{id}")) { (f.reload) } } }
            progress.progress max=(u.total.max(1)) value=(u.total - remaining) { (u.total - remaining) "/" (u.total) }
            dl #counts {
                dt { (f.accepted) } dd #count-accepted { (u.accepted) }
                dt { (f.rejected) } dd #count-rejected { (u.rejected) }
                dt { (f.failed) } dd #count-failed { (u.failed) }
                dt { (f.remaining) } dd #count-remaining { (remaining) }
            }
            @if !u.rejects.is_empty() || !u.failures.is_empty() {
                h2 { (f.line_errors) }
                table #line-errors {
                    thead { tr { th { (f.col_line) } th { (f.col_errors) } } }
                    tbody {
                        @for r in &u.rejects { tr { td { (r.source) } td { ul { @for e in &r.errors { li { (e) } } } } } }
                        @for (s, why) in &u.failures { tr { td { (s) } td { (t().common.failed) ": " (why) } } }
                    }
                }
            }
            @if u.done && !u.rejects.is_empty() {
                p { a #download-rejects href=(format!("{HERE}/{id}/rejects.csv")) download { (f.download_rejects) } }
            }
        }
    }
}

/// The progress page (works by reloading; app.js polls the fragment).
pub async fn page(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let f = &t().focal;
    let Some(j) = job(&ctx, &id) else {
        return trouble(
            &ctx,
            HERE,
            f.progress_title,
            StatusCode::NOT_FOUND,
            f.no_such_upload,
        );
    };
    let (file, body) = {
        let u = lock(&j);
        (u.file.clone(), progress(&id, &u))
    };
    layout::page(&ctx, HERE, &format!("{} · {file}", f.progress_title), body).into_response()
}

/// The fragment app.js polls.
pub async fn fragment(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    match job(&ctx, &id) {
        Some(j) => progress(&id, &lock(&j)).into_response(),
        None => (StatusCode::NOT_FOUND, t().focal.no_such_upload).into_response(),
    }
}

/// The refused records as CSV, with their source and problems.
pub async fn rejects(ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Err(r) = only_focal(&ctx, HERE) {
        return r;
    }
    let Some(j) = job(&ctx, &id) else {
        return trouble(
            &ctx,
            HERE,
            t().focal.progress_title,
            StatusCode::NOT_FOUND,
            t().focal.no_such_upload,
        );
    };
    let (csv, file) = {
        let u = lock(&j);
        (bulk::write_rejects(Format::Csv, &u.rejects), u.file.clone())
    };
    let stem = file
        .rsplit_once('.')
        .map_or(file.as_str(), |(s, _)| s)
        .replace(['"', '/', '\\'], "_");
    super::receipt::attachment(
        csv.into_bytes(),
        &format!("{stem}.rejects.csv"),
        "text/csv; charset=utf-8",
    )
}
