//! Offline verification, for every role: a receipt, a release envelope, a checkpoint.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use maud::html;

use crate::App;
use crate::app::Ctx;
use crate::layout;
use crate::text::t;

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/verify", get(verify))
}

async fn verify(ctx: Ctx) -> Response {
    let body = html! { p { (t().auditor.title) } };
    layout::page(&ctx, "/verify", t().auditor.title, body).into_response()
}
