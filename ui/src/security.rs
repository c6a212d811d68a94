//! The rules for the browser, the untrusted side (07-workspace.md, "Security"):
//!
//! * the listener is on loopback only (checked in [`crate::bind`]);
//! * the `Host` header must name this listener by a loopback address or `localhost`
//!   (a page of another site that rebinds its DNS name to 127.0.0.1 sends its own name);
//! * the one-time token of the printed URL becomes an HttpOnly, SameSite=Strict session
//!   cookie and the URL is cleaned (a redirect); without a live session nothing but the
//!   static assets is served;
//! * every request that is not a GET or HEAD carries the session's CSRF token (a `csrf`
//!   field of the form, urlencoded or multipart, or an `x-csrf-token` header) and, when
//!   the browser sends one, an `Origin` that is this listener;
//! * every answer carries a strict Content-Security-Policy (no inline script or style,
//!   `self` only), `nosniff`, no referrer, no framing, no caching;
//! * sessions expire after [`crate::Options::idle`] without a request.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::app::{App, SessionId};

/// The session cookie's name.
pub const COOKIE: &str = "vrs_session";
/// The largest request body (an upload of a bulk file): 64 MiB.
pub const MAX_BODY: usize = 64 << 20;
/// The Content-Security-Policy of every answer.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether `host` (the `Host` header) names this listener by loopback.
pub fn host_allowed(host: &str, port: u16) -> bool {
    let Some((name, p)) = host.rsplit_once(':') else {
        return false;
    };
    p == port.to_string() && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn origin_allowed(origin: &str, port: u16) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|h| host_allowed(h, port))
}

/// Whether a request that changes something comes from this workspace's own pages, as
/// far as the browser says: an `Origin` it sends must be this listener, and a
/// `Sec-Fetch-Site` it sends must be `same-origin` (or `none`, typed by the person).
fn same_site(h: &HeaderMap, port: u16) -> bool {
    let origin = h.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let site = h.get("sec-fetch-site").and_then(|o| o.to_str().ok());
    origin.is_none_or(|o| origin_allowed(o, port))
        && site.is_none_or(|s| matches!(s, "same-origin" | "none"))
}

/// The middleware every request goes through.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let mut resp = check(&app, req, next).await;
    harden(resp.headers_mut());
    // The server's time for the request (pages are rendered whole before they are
    // answered), for the browser's developer tools and `deploy/ui-bench.sh`.
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        resp.headers_mut().insert("server-timing", v);
    }
    resp
}

fn refuse(status: StatusCode, why: &str) -> Response {
    crate::layout::refusal(status, why)
}

/// The answer to a request without a live session.
pub fn no_session(_app: &App) -> Response {
    refuse(StatusCode::UNAUTHORIZED, crate::text::t().common.no_session)
}

async fn check(app: &Arc<App>, req: Request, next: Next) -> Response {
    let t = crate::text::t();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !host_allowed(host, app.addr.port()) {
        return refuse(StatusCode::MISDIRECTED_REQUEST, t.common.wrong_host);
    }
    if req.uri().path().starts_with("/assets/") {
        return next.run(req).await;
    }
    if let Some(offered) = query_param(req.uri().query(), "token") {
        return login(app, &offered);
    }
    let Some(sid) = cookie(req.headers(), COOKIE) else {
        return no_session(app);
    };
    let Some(session) = app.session(&sid) else {
        return no_session(app);
    };
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if !same_site(req.headers(), app.addr.port()) {
            return refuse(StatusCode::FORBIDDEN, t.common.bad_origin);
        }
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, t.common.too_large),
        };
        let offered = match parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
        {
            Some(h) => Some(h.to_owned()),
            None => form_csrf(&parts.headers, &bytes).await,
        };
        let good = offered.is_some_and(|o| same(&o, &session.csrf));
        if !good {
            return refuse(StatusCode::FORBIDDEN, t.common.bad_csrf);
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(SessionId(sid));
    next.run(req).await
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The first `name=value` of a query string, decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded(query?.as_bytes())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The pairs of an `application/x-www-form-urlencoded` body (nothing if it is not one).
pub fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

async fn form_csrf(headers: &HeaderMap, body: &Bytes) -> Option<String> {
    let ctype = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if ctype.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded(body)
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v);
    }
    let boundary = multer::parse_boundary(ctype).ok()?;
    let stream = tokio_stream::once(Ok::<Bytes, std::io::Error>(body.clone()));
    let mut m = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = m.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}

fn login(app: &App, offered: &str) -> Response {
    let t = crate::text::t();
    match app.redeem(offered) {
        Ok(Some(sid)) => {
            let cookie = format!("{COOKIE}={sid}; HttpOnly; SameSite=Strict; Path=/");
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => refuse(StatusCode::UNAUTHORIZED, t.common.token_used),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, t.common.random_failed),
    }
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn harden(h: &mut HeaderMap) {
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends
        // `Origin: null` with a form's POST, and the Origin check could not tell.
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_of_this_port_are_hosts() {
        assert!(host_allowed("127.0.0.1:7480", 7480));
        assert!(host_allowed("localhost:7480", 7480));
        assert!(host_allowed("[::1]:7480", 7480));
        assert!(!host_allowed("127.0.0.1:7481", 7480));
        assert!(!host_allowed("evil.example:7480", 7480));
        assert!(!host_allowed("localhost", 7480));
        assert!(!host_allowed("127.0.0.1.evil.example:7480", 7480));
    }

    #[test]
    fn a_post_from_another_site_is_told_apart() {
        let mut h = HeaderMap::new();
        assert!(
            same_site(&h, 7480),
            "no header: a client that is not a browser"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:7480"),
        );
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_site(&h, 7480));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_site(&h, 7480));
        h.remove("sec-fetch-site");
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_site(&h, 7480));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example:7480"),
        );
        assert!(!same_site(&h, 7480));
    }

    #[test]
    fn cookies_and_queries_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; vrs_session=xyz"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("xyz"));
        assert_eq!(
            query_param(Some("a=1&token=t%2Bk"), "token").as_deref(),
            Some("t+k")
        );
    }
}
