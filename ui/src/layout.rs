//! The page shell: header with the profile switcher and the role's navigation, the main
//! region, and the pieces every form uses (the CSRF field, a labelled input with its
//! message).

use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{DOCTYPE, Markup, html};

use crate::app::{Ctx, Kind};
use crate::text::t;

/// A navigation link of a role.
pub struct Link {
    /// The path.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
}

/// The navigation of a profile's role.
pub fn nav(kind: &Kind) -> Vec<Link> {
    let mut links = vec![Link {
        href: "/",
        label: t().common.nav_home,
    }];
    links.extend(crate::pages::nav(kind));
    links.push(Link {
        href: crate::pages::directory::HERE,
        label: t().directory.nav,
    });
    links.push(Link {
        href: "/verify",
        label: t().common.nav_verify,
    });
    links
}

/// The hidden field that carries the session's CSRF token: in every form that posts.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf()); }
}

/// A whole page for the session `ctx`, with `title` and `body`; `here` is the path of
/// the page (its navigation link is marked current).
pub fn page(ctx: &Ctx, here: &str, title: &str, body: Markup) -> Markup {
    let c = &t().common;
    html! {
        (DOCTYPE)
        html lang=(t().lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (c.app_name) }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { (c.skip_to_content) }
                header.top {
                    a.brand href="/" { (c.app_name) }
                    nav aria-label="main" {
                        ul {
                            @for l in nav(&ctx.entry.kind) {
                                li {
                                    @if l.href == here {
                                        a href=(l.href) aria-current="page" { (l.label) }
                                    } @else {
                                        a href=(l.href) { (l.label) }
                                    }
                                }
                            }
                        }
                    }
                    div.who {
                        span #role { (ctx.entry.kind.describe()) }
                        form method="post" action="/profile" {
                            (csrf(ctx))
                            label for="profile-switch" .skip { (c.profile) }
                            select #profile-switch name="profile" {
                                @for (i, e) in ctx.app.profiles.iter().enumerate() {
                                    option value=(i) selected[i == ctx.session.profile] { (e.name()) }
                                }
                            }
                            " "
                            button.secondary type="submit" { (c.switch) }
                        }
                        form method="post" action="/logout" {
                            (csrf(ctx))
                            button.secondary type="submit" { (c.sign_out) }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A bare page for a refusal (no session, wrong host, bad token): its status and why.
pub fn refusal(status: StatusCode, why: &str) -> Response {
    let c = &t().common;
    let body = html! {
        (DOCTYPE)
        html lang=(t().lang) {
            head {
                meta charset="utf-8";
                title { (c.app_name) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body { main #main { h1 { (c.app_name) } p.bad #refusal { (why) } } }
        }
    };
    (status, body).into_response()
}

/// A page of `ctx` that says something went wrong (a node unreachable, a call refused),
/// with `status`.
pub fn trouble(ctx: &Ctx, here: &str, title: &str, status: StatusCode, why: &str) -> Response {
    (
        status,
        page(
            ctx,
            here,
            title,
            html! { p.bad #trouble role="alert" { (why) } },
        ),
    )
        .into_response()
}

/// A labelled input with its help and, if any, its message (placed at the input, tied to
/// it by `aria-describedby`). `id` is also the input's name.
pub fn field(id: &str, label: &str, help: &str, error: Option<&str>, input: Markup) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) @if !help.is_empty() { span.help id=(format!("{id}-help")) { (help) } } }
            (input)
            @if let Some(e) = error {
                span.error id=(format!("{id}-error")) role="alert" { (e) }
            }
        }
    }
}

/// The `aria-describedby` of the input `id` that [`field`] places: its help and its
/// message, those it has.
pub fn described_by(id: &str, help: bool, error: bool) -> Option<String> {
    match (help, error) {
        (true, true) => Some(format!("{id}-help {id}-error")),
        (true, false) => Some(format!("{id}-help")),
        (false, true) => Some(format!("{id}-error")),
        (false, false) => None,
    }
}

/// A table of strings with a header; numbers right-aligned when `numeric[i]`.
pub fn table(id: &str, header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> Markup {
    html! {
        table id=(id) {
            thead { tr { @for (i, h) in header.iter().enumerate() {
                th scope="col" class=[numeric.get(i).copied().unwrap_or(false).then_some("num")] { (h) }
            } } }
            tbody { @for r in rows { tr { @for (i, c) in r.iter().enumerate() {
                td class=[numeric.get(i).copied().unwrap_or(false).then_some("num")] { (c) }
            } } } }
        }
    }
}
