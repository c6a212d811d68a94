//! Signing and sending one report from a page, as `vrs submit` does: validated by the
//! node's rules and signed ([`submission::journal`]), journalled in the profile's
//! outbox and synced to disk before it is sent, its receipt saved (and verified with
//! the profile's verifier key) in [`App::receipts_dir`](crate::App::receipts_dir), the
//! outbox told.

use std::path::Path;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use vrs_client::outbox;
use vrs_client::submission::{self, Journalled, Signer};

use super::{see, trouble};
use crate::app::Ctx;
use crate::form::Errors;
use crate::text::t;

/// What became of a report.
pub enum Outcome {
    /// Logged: its id and version (the receipt page shows it).
    Logged {
        /// Report id.
        report_id: String,
        /// Version.
        version: u32,
    },
    /// Refused, locally or by the node: messages by field path, and every message.
    Refused(Errors, Vec<String>),
    /// Something else went wrong: the page to answer.
    Trouble(Response),
}

/// The signer of the session's profile, or the page that says why there is none.
pub fn signer(ctx: &Ctx, here: &str) -> Result<Signer, Response> {
    Signer::load(&ctx.entry.profile).map_err(|e| {
        let why = format!("{}: {e}", t().focal.cannot_sign);
        trouble(
            ctx,
            here,
            t().focal.cannot_sign,
            StatusCode::FORBIDDEN,
            &why,
        )
    })
}

/// The violations of a refusal by field path, and as lines.
pub fn refused(r: &submission::Refused) -> Outcome {
    let mut errors = Errors::new();
    for v in &r.violations {
        errors
            .entry(v.field.clone())
            .or_default()
            .push(v.message.clone());
    }
    Outcome::Refused(errors, r.lines())
}

/// Validates, signs, journals and sends the complete JSON form `v` (what the signer
/// determines is filled in where absent); `source` names where it came from in the
/// outbox.
pub async fn sign_and_send(
    ctx: &Ctx,
    here: &str,
    signer: &Signer,
    v: Value,
    source: &str,
) -> Outcome {
    let f = &t().focal;
    let fail = |status, title: &str, why: String| {
        Outcome::Trouble(trouble(ctx, here, title, status, &why))
    };
    let key = outbox::key(Path::new(source), 0, &v);
    let journalled = {
        let mut o = match ctx.entry.outbox(&ctx.app.state_dir).await {
            Ok(o) => o,
            Err(e) => {
                return fail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    f.outbox_failed,
                    e.to_string(),
                );
            }
        };
        let j = submission::journal(&mut o, key, source, v, true, signer)
            .and_then(|j| Ok((j, o.sync()?)));
        match j {
            Ok((Ok(j), ())) => j,
            Ok((Err(r), ())) => return refused(&r),
            Err(e) => {
                return fail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    f.outbox_failed,
                    e.to_string(),
                );
            }
        }
    };
    let (key, p) = match journalled {
        Journalled::Send(key, p) => (key, p),
        Journalled::Logged(q, _) => {
            return Outcome::Logged {
                report_id: q.report_id,
                version: q.version,
            };
        }
    };
    match send_one(ctx, &key, &p).await {
        Ok(()) => Outcome::Logged {
            report_id: p.report_id,
            version: p.version,
        },
        Err(Sending::Rejected(lines, errors)) => Outcome::Refused(errors, lines),
        Err(Sending::Unsent(why)) => fail(
            StatusCode::SERVICE_UNAVAILABLE,
            f.queued_not_sent,
            format!("{}: {why}", f.queued_not_sent),
        ),
        Err(Sending::BadReceipt(why)) => fail(
            StatusCode::BAD_GATEWAY,
            f.receipt_bad,
            format!("{}: {why}", f.receipt_bad),
        ),
    }
}

/// Why a journalled report is not logged.
pub enum Sending {
    /// The node refused it: its messages, and by field path.
    Rejected(Vec<String>, Errors),
    /// It could not be sent now (it stays in the outbox).
    Unsent(String),
    /// The node's receipt does not verify.
    BadReceipt(String),
}

/// Sends a journalled report, saves and verifies its receipt, and notes it sent.
pub async fn send_one(ctx: &Ctx, key: &str, p: &submission::Prepared) -> Result<(), Sending> {
    let client = ctx
        .entry
        .client()
        .await
        .map_err(|e| Sending::Unsent(e.to_string()))?;
    let receipts = ctx.app.receipts_dir(&ctx.entry);
    let vkey = ctx.entry.profile.vkey.as_deref();
    match submission::send(&client, p, &receipts, vkey).await {
        Ok(Ok(sent)) => {
            if let Ok(mut o) = ctx.entry.outbox(&ctx.app.state_dir).await {
                // Not noting it only means it is sent again and answered as a duplicate.
                let _ = o.mark_sent(key, sent.index);
            }
            Ok(())
        }
        Ok(Err(why)) => Err(Sending::BadReceipt(why)),
        Err(e) if e.is_rejection() => {
            let mut errors = Errors::new();
            for v in e.violations() {
                errors
                    .entry(v.field.clone())
                    .or_default()
                    .push(v.description.clone());
            }
            let lines = if e.violations().is_empty() {
                vec![e.to_string()]
            } else {
                e.violations().iter().map(ToString::to_string).collect()
            };
            Err(Sending::Rejected(lines, errors))
        }
        Err(e) => Err(Sending::Unsent(e.to_string())),
    }
}

/// Where a logged report's receipt is shown.
pub fn receipt_url(report_id: &str, version: u32) -> String {
    format!("/focal/receipt/{report_id}/{version}")
}

/// The outbox's waiting reports, sent now (the home page's button).
pub async fn pending(ctx: Ctx) -> Response {
    if let Err(r) = super::only_focal(&ctx, "/") {
        return r;
    }
    let waiting: Vec<(String, Option<submission::Prepared>)> =
        match ctx.entry.outbox(&ctx.app.state_dir).await {
            Ok(o) => o
                .pending()
                .into_iter()
                .map(|q| {
                    let p = q.envelope().map(|envelope| submission::Prepared {
                        report_id: q.report_id.clone(),
                        version: q.version,
                        envelope,
                    });
                    (q.key.clone(), p)
                })
                .collect(),
            Err(e) => {
                let f = &t().focal;
                return trouble(
                    &ctx,
                    "/",
                    f.outbox_failed,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                );
            }
        };
    for (key, p) in waiting {
        if let Some(p) = p
            && let Err(Sending::Unsent(why)) = send_one(&ctx, &key, &p).await
        {
            let f = &t().focal;
            return trouble(
                &ctx,
                "/",
                f.queued_not_sent,
                StatusCode::SERVICE_UNAVAILABLE,
                &why,
            );
        }
    }
    see("/")
}
