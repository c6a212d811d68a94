//! The static files of the workspace, embedded in the binary: no CDN, no network.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::App;

/// The style sheet.
pub const CSS: &str = include_str!("../assets/app.css");
/// The one script: progressive enhancement only (every page works without it).
pub const JS: &str = include_str!("../assets/app.js");

fn asset(ctype: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
}

/// `/assets/…`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
}
