//! The operator pages.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse as _, Response};
use maud::html;

use crate::App;
use crate::app::Ctx;
use crate::layout::{self, Link};
use crate::text::t;

/// Navigation links.
pub fn nav() -> Vec<Link> {
    Vec::new()
}

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
}

/// The home page of this role.
pub async fn home(ctx: Ctx) -> Response {
    let body = html! { p { (t().operator.title) } };
    layout::page(&ctx, "/", t().common.home_title, body).into_response()
}
