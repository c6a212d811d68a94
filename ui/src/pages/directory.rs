//! The directory of competent authorities, for every role (design 08-directory.md):
//! every State's entries the profile's node holds, searchable by competence, language,
//! kind and State, each with its origin, its directory's version and issue day, its
//! last review and how it was verified ([`vrs_client::directory::open`], as
//! `vrs directory` does).

use std::sync::Arc;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use maud::{Markup, html};
use vrs_client::region::Check;
use vrs_core::directory::{Competence, Directory, Kind};

use crate::App;
use crate::app::Ctx;
use crate::layout;
use crate::text::t;

/// The page's path.
pub const HERE: &str = "/directory";

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route(HERE, get(page))
}

/// The search, as the form's query string gives it (empty: any).
#[derive(Debug, Default, serde::Deserialize)]
struct Search {
    #[serde(default)]
    competence: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
}

type Opened = Result<(Directory, Check), (String, String)>;

async fn page(ctx: Ctx, Query(q): Query<Search>) -> Response {
    let d = &t().directory;
    let client = match crate::pages::operator::client(&ctx, HERE, d.title).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let listed = match client.directories("").await {
        Ok(l) => l,
        Err(e) => {
            let status = crate::pages::operator::status_of(&e);
            return layout::trouble(&ctx, HERE, d.title, status, &e.to_string());
        }
    };
    let opened: Vec<Opened> = listed
        .iter()
        .map(|s| {
            vrs_client::directory::open(&ctx.entry.profile, s).map_err(|e| (s.state.clone(), e))
        })
        .collect();
    let competence = Competence::parse(&q.competence);
    let kind = Kind::parse(&q.kind);
    let bad_language = !q.language.is_empty() && !vrs_core::directory::is_language(&q.language);
    let language = (!q.language.is_empty() && !bad_language).then_some(q.language.as_str());
    let body = html! {
        p { (d.intro) }
        (form(&q, bad_language, &opened))
        h2 { (d.held) }
        (held_table(&opened))
        h2 { (d.entries) }
        (entries(&opened, &q.state, competence, language, kind))
    };
    let status = if bad_language {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, layout::page(&ctx, HERE, d.title, body)).into_response()
}

fn select<T: Copy + std::fmt::Display>(id: &str, name: &str, all: &[T], chosen: &str) -> Markup {
    let d = &t().directory;
    html! {
        select id=(id) name=(name) {
            option value="" selected[chosen.is_empty()] { (d.any) }
            @for v in all {
                @let v = v.to_string();
                option value=(v) selected[chosen == v] { (v.replace('_', " ")) }
            }
        }
    }
}

fn form(q: &Search, bad_language: bool, opened: &[Opened]) -> Markup {
    let d = &t().directory;
    let states: Vec<&str> = opened
        .iter()
        .filter_map(|o| o.as_ref().ok().map(|(dir, _)| dir.state.as_str()))
        .collect();
    let language = html! {
        input #dir-language type="text" name="language" value=(q.language) spellcheck="false" size="4"
            aria-describedby=[layout::described_by("dir-language", true, bad_language)]
            aria-invalid=[bad_language.then_some("true")];
    };
    html! {
        form #dir-search method="get" action=(HERE) role="search" {
            (layout::field("dir-competence", d.competence, "", None, select("dir-competence", "competence", Competence::ALL, &q.competence)))
            (layout::field("dir-language", d.language, d.language_help, bad_language.then_some(d.bad_language), language))
            (layout::field("dir-kind", d.kind, "", None, select("dir-kind", "kind", Kind::ALL, &q.kind)))
            (layout::field("dir-state", d.state, "", None, select("dir-state", "state", &states, &q.state)))
            div.actions { button #dir-send type="submit" { (d.search) } }
        }
    }
}

fn verification(c: &Check) -> String {
    let d = &t().directory;
    match c {
        Check::Verified(key) => format!("{} {} {key}", t().common.verified, d.verified_under),
        Check::Unpinned => d.unpinned.to_owned(),
    }
}

fn held_table(opened: &[Opened]) -> Markup {
    let d = &t().directory;
    let rows: Vec<Vec<String>> = opened
        .iter()
        .map(|o| match o {
            Ok((dir, check)) => vec![
                dir.state.clone(),
                dir.version.to_string(),
                dir.issued_on.clone(),
                dir.entries.len().to_string(),
                verification(check),
            ],
            Err((state, why)) => vec![
                state.clone(),
                String::new(),
                String::new(),
                String::new(),
                format!("{}: {why}", d.refused),
            ],
        })
        .collect();
    layout::table(
        "dir-held",
        &[
            d.col_state,
            d.col_version,
            d.col_issued,
            d.col_entries,
            d.col_verification,
        ],
        &rows,
        &[false, true, false, true, false],
    )
}

fn entries(
    opened: &[Opened],
    state: &str,
    competence: Option<Competence>,
    language: Option<&str>,
    kind: Option<Kind>,
) -> Markup {
    let d = &t().directory;
    let mut rows = Vec::new();
    for (dir, _) in opened.iter().filter_map(|o| o.as_ref().ok()) {
        if !state.is_empty() && dir.state != state {
            continue;
        }
        for e in dir.search(competence, language, kind) {
            let list = |xs: Vec<String>| xs.join(", ");
            rows.push(vec![
                format!("{} v{}", dir.state, dir.version),
                e.authority.clone(),
                e.kind.to_string().replace('_', " "),
                list(
                    e.competences
                        .iter()
                        .map(|c| c.to_string().replace('_', " "))
                        .collect(),
                ),
                e.languages.join(" "),
                list(
                    e.contacts
                        .iter()
                        .map(|c| format!("{}: {}", c.means.to_string().replace('_', " "), c.value))
                        .collect(),
                ),
                e.urgent_procedure.clone(),
                format!("{} ({})", e.hours, e.time_zone),
                e.last_reviewed.clone(),
            ]);
        }
    }
    if rows.is_empty() {
        return html! { p #dir-none { (d.none) } };
    }
    layout::table(
        "dir-entries",
        &[
            d.col_state,
            d.col_authority,
            d.col_kind,
            d.col_competences,
            d.col_languages,
            d.col_contacts,
            d.col_urgent,
            d.col_hours,
            d.col_reviewed,
        ],
        &rows,
        &[],
    )
}
