//! This State's directory of competent authorities, edited and published by the node's
//! administrator, as `vrs directory publish` does: the directory as JSON (the one held,
//! as the next version, or the template when none is), checked here and by the node;
//! every violation is listed with its field path.

use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::html;
use vrs_core::directory::Directory;

use super::{client, only_operator, own_state, status_of};
use crate::app::Ctx;
use crate::layout;
use crate::text::t;

/// The page.
pub const HERE: &str = "/operator/directory";

/// The form: the directory's JSON.
#[derive(serde::Deserialize)]
pub struct Edit {
    directory: String,
}

/// The page, with the next version to edit.
pub async fn page(ctx: Ctx) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let c = match client(&ctx, HERE, t().directory.edit_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let state = own_state(&ctx);
    let held = match c.directories(&state).await {
        Ok(l) => l
            .first()
            .and_then(|s| vrs_client::directory::open(&ctx.entry.profile, s).ok())
            .map(|(d, _)| d),
        Err(e) => {
            return layout::trouble(
                &ctx,
                HERE,
                t().directory.edit_title,
                status_of(&e),
                &e.to_string(),
            );
        }
    };
    let (notice, mut next) = match held {
        Some(d) => (format!("{} {}", t().directory.edit_held, d.version), d),
        None => (
            t().directory.edit_none.to_owned(),
            Directory::template(&state, vrs_client::today()),
        ),
    };
    next.version += u32::from(notice != t().directory.edit_none);
    next.issued_on = vrs_client::today().to_string();
    let json = serde_json::to_string_pretty(&next).unwrap_or_default();
    show(&ctx, StatusCode::OK, &notice, &json, &[])
}

fn show(ctx: &Ctx, status: StatusCode, notice: &str, json: &str, errors: &[String]) -> Response {
    let d = &t().directory;
    let invalid = !errors.is_empty();
    let input = html! {
        textarea #dir-json name="directory" rows="30" cols="90" spellcheck="false" required
            aria-describedby=[layout::described_by("dir-json", true, invalid)]
            aria-invalid=[invalid.then_some("true")] { (json) }
    };
    let message = invalid.then(|| errors.join("; "));
    let body = html! {
        p #dir-notice role="status" { (notice) }
        form #dir-form method="post" action=(HERE) {
            (layout::csrf(ctx))
            (layout::field("dir-json", d.edit_label, d.edit_help, message.as_deref(), input))
            div.actions { button #dir-publish type="submit" { (d.publish) } }
        }
        @if invalid {
            ul #dir-errors { @for e in errors { li { (e) } } }
        }
    };
    (status, layout::page(ctx, HERE, d.edit_title, body)).into_response()
}

/// Publishes the edited directory.
pub async fn publish(ctx: Ctx, axum::Form(f): axum::Form<Edit>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let d = &t().directory;
    let checked = Directory::from_json(&f.directory, Some(vrs_client::today()));
    let dir = match checked {
        Ok(dir) => dir,
        Err(vrs_core::directory::DirectoryError::Invalid(v)) => {
            let errors: Vec<String> = v.iter().map(ToString::to_string).collect();
            return show(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                d.edit_fix,
                &f.directory,
                &errors,
            );
        }
        Err(e) => {
            return show(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                d.edit_fix,
                &f.directory,
                &[e.to_string()],
            );
        }
    };
    let c = match client(&ctx, HERE, d.edit_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c
        .publish_directory(vrs_core::wire::directory_to_pb(&dir))
        .await
    {
        Ok(done) => {
            let notice = format!(
                "{} {} ({} {})",
                d.published,
                done.version,
                dir.entries.len(),
                d.col_entries.to_lowercase()
            );
            let json = serde_json::to_string_pretty(&dir).unwrap_or_default();
            show(&ctx, StatusCode::OK, &notice, &json, &[])
        }
        Err(e) => {
            let mut errors: Vec<String> = e.violations().iter().map(ToString::to_string).collect();
            if errors.is_empty() {
                errors.push(e.to_string());
            }
            show(&ctx, status_of(&e), d.edit_fix, &f.directory, &errors)
        }
    }
}
