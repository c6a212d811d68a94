//! The focal points' signing keys: the list, registration (an uploaded `.pub` file as
//! `vrs keys new` writes it, or its key id and public key typed in, read by
//! [`keyfile::parse_public`] and [`keyfile::PublicKeyFile::checked`] as `vrs keys
//! register` reads them) and revocation (confirmed), as `vrs keys`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use vrs_client::keyfile;
use vrs_proto::v1 as pb;

use super::{client, failure, only_operator, status_of};
use crate::app::Ctx;
use crate::layout;
use crate::pages::focal::see;
use crate::text::t;

/// The page.
pub const HERE: &str = "/operator/keys";

/// `?registered=KEY` or `?revoked=KEY`: what was just done.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    registered: Option<String>,
    revoked: Option<String>,
}

/// What the register form holds, and its messages by field.
#[derive(Default)]
struct Register {
    values: HashMap<&'static str, String>,
    errors: HashMap<&'static str, String>,
    failed: Option<String>,
}

/// The keys page.
pub async fn page(ctx: Ctx, Query(d): Query<Done>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let notice = match (d.registered, d.revoked) {
        (Some(k), _) => Some(
            html! { p.ok #notice role="status" { (o.registered_notice) " " code { (k) } "." } },
        ),
        (None, Some(k)) => {
            Some(html! { p.ok #notice role="status" { (o.revoked_notice) " " code { (k) } "." } })
        }
        (None, None) => None,
    };
    show(&ctx, StatusCode::OK, notice, &Register::default()).await
}

async fn show(ctx: &Ctx, status: StatusCode, notice: Option<Markup>, form: &Register) -> Response {
    let o = &t().operator;
    let c = match client(ctx, HERE, o.keys_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let list = match c.list_keys().await {
        Ok(keys) => key_table(ctx, &keys),
        Err(e) => failure(t().common.node_unreachable, &e),
    };
    let body = html! {
        p { (o.keys_intro) }
        @if let Some(n) = notice { (n) }
        (list)
        (register_form(ctx, form))
    };
    (status, layout::page(ctx, HERE, o.keys_title, body)).into_response()
}

fn key_table(ctx: &Ctx, keys: &[pb::KeyInfo]) -> Markup {
    let o = &t().operator;
    html! {
        @if keys.is_empty() {
            p #no-keys { (o.no_keys) }
        } @else {
            table #keys {
                thead { tr {
                    th scope="col" { (o.col_key_id) } th scope="col" { (o.col_focal_point) }
                    th scope="col" .num { (o.col_valid_from) } th scope="col" .num { (o.col_revoked_at) }
                    th scope="col" { (o.col_action) }
                } }
                tbody { @for k in keys {
                    tr id=(format!("key-{}", k.key_id)) {
                        th scope="row" { code { (k.key_id) } }
                        td { (k.focal_point_id) }
                        td.num { (k.valid_from) }
                        @match k.revoked_at {
                            Some(i) => td.num.revoked-at.bad { (i) },
                            None => td.num.revoked-at.ok { (o.active) },
                        }
                        td { @if k.revoked_at.is_none() { (revoke_form(ctx, &k.key_id)) } }
                    }
                } }
            }
        }
    }
}

fn revoke_form(ctx: &Ctx, key_id: &str) -> Markup {
    let o = &t().operator;
    html! {
        form.revoke method="post" action="/operator/keys/revoke" data-confirm=(o.revoke_ask.replace("{key}", key_id)) {
            (layout::csrf(ctx))
            input type="hidden" name="key_id" value=(key_id);
            button.danger type="submit" id=(format!("revoke-{key_id}")) aria-label=(format!("{} {key_id}", o.revoke)) { (o.revoke) }
        }
    }
}

fn input(f: &Register, id: &'static str, name: &str, help: bool, required: bool) -> Markup {
    let value = f.values.get(name).map(String::as_str).unwrap_or_default();
    let err = f.errors.contains_key(name);
    let described = layout::described_by(id, help, err);
    html! {
        input id=(id) type="text" name=(name) value=(value) required[required]
            aria-describedby=[described] aria-invalid=[err.then_some("true")];
    }
}

fn register_form(ctx: &Ctx, f: &Register) -> Markup {
    let o = &t().operator;
    let err = |k: &str| f.errors.get(k).map(String::as_str);
    let file = html! {
        input #register-file type="file" name="file" accept=".pub,text/plain" aria-describedby="register-file-help"
            aria-invalid=[err("file").map(|_| "true")];
    };
    html! {
        h2 #register { (o.register_title) }
        p { (o.register_intro) }
        @if let Some(why) = &f.failed { p.bad #register-failed role="alert" { (o.register_failed) ": " (why) } }
        form #register-form method="post" action="/operator/keys/register" enctype="multipart/form-data" {
            (layout::csrf(ctx))
            (layout::field("register-focal-point", o.focal_point, o.focal_point_help, err("focal_point"),
                input(f, "register-focal-point", "focal_point", true, true)))
            (layout::field("register-file", o.pub_file, o.pub_file_help, err("file"), file))
            fieldset {
                legend { (o.or_by_hand) }
                (layout::field("register-key-id", o.key_id, o.key_id_help, err("key_id"),
                    input(f, "register-key-id", "key_id", true, false)))
                (layout::field("register-public-key", o.public_key, o.public_key_help, err("public_key"),
                    input(f, "register-public-key", "public_key", true, false)))
            }
            div.actions { button #register-send type="submit" { (o.register) } }
        }
    }
}

/// The fields of the multipart register form: text fields, and the file's text.
async fn read_form(headers: &HeaderMap, body: Bytes) -> Result<HashMap<String, String>, String> {
    let fields = crate::form::multipart(
        headers,
        body,
        &["focal_point", "key_id", "public_key", "file"],
    )
    .await?;
    Ok(fields
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect())
}

/// The key to register from the form: an uploaded `.pub` file, else the id and key typed.
fn key_of(fields: &HashMap<String, String>, form: &mut Register) -> Option<(String, [u8; 32])> {
    let o = &t().operator;
    let get = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (file, id, pk) = (get("file"), get("key_id"), get("public_key"));
    if !file.is_empty() {
        return match keyfile::parse_public(&file) {
            Ok((p, bytes)) => Some((p.key_id, bytes)),
            Err(e) => {
                form.errors.insert("file", e.to_string());
                None
            }
        };
    }
    if id.is_empty() || pk.is_empty() {
        form.errors.insert(
            if id.is_empty() {
                "key_id"
            } else {
                "public_key"
            },
            o.no_key_given.to_owned(),
        );
        return None;
    }
    match keyfile::PublicKeyFile::checked(&id, &pk) {
        Ok((p, bytes)) => Some((p.key_id, bytes)),
        Err(e @ keyfile::PublicKeyError::KeyId(_)) => {
            form.errors.insert("key_id", e.to_string());
            None
        }
        Err(e) => {
            form.errors.insert("public_key", e.to_string());
            None
        }
    }
}

/// Registers a key (the multipart form).
pub async fn register(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    let mut form = Register::default();
    let fields = match read_form(&headers, body).await {
        Ok(f) => f,
        Err(e) => {
            form.failed = Some(format!("{}: {e}", o.bad_form));
            return show(&ctx, StatusCode::BAD_REQUEST, None, &form).await;
        }
    };
    for k in ["focal_point", "key_id", "public_key"] {
        if let Some(v) = fields.get(k) {
            form.values.insert(k, v.trim().to_owned());
        }
    }
    let focal_point = fields
        .get("focal_point")
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    if focal_point.is_empty() {
        form.errors
            .insert("focal_point", o.no_focal_point.to_owned());
    }
    let key = key_of(&fields, &mut form);
    let Some((key_id, bytes)) = key.filter(|_| form.errors.is_empty()) else {
        return show(&ctx, StatusCode::UNPROCESSABLE_ENTITY, None, &form).await;
    };
    let c = match client(&ctx, HERE, o.keys_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c.register_key(&focal_point, &key_id, &bytes).await {
        Ok(_) => see(&format!("{HERE}?registered={key_id}")),
        Err(e) => {
            form.failed = Some(e.to_string());
            show(&ctx, status_of(&e), None, &form).await
        }
    }
}

/// The revoke button's form.
#[derive(serde::Deserialize)]
pub struct Revoke {
    key_id: String,
}

/// Revokes a key (after the page's confirmation).
pub async fn revoke(ctx: Ctx, axum::Form(f): axum::Form<Revoke>) -> Response {
    if let Err(r) = only_operator(&ctx, HERE) {
        return r;
    }
    let o = &t().operator;
    if !keyfile::is_key_id(&f.key_id) {
        let why = keyfile::PublicKeyError::KeyId(f.key_id.clone()).to_string();
        return layout::trouble(&ctx, HERE, o.revoke_failed, StatusCode::BAD_REQUEST, &why);
    }
    let c = match client(&ctx, HERE, o.keys_title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match c.revoke_key(&f.key_id, "revoked").await {
        Ok(_) => see(&format!("{HERE}?revoked={}", f.key_id)),
        Err(e) => {
            let notice = failure(o.revoke_failed, &e);
            show(&ctx, status_of(&e), Some(notice), &Register::default()).await
        }
    }
}
