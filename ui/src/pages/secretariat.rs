//! The secretariat's region dashboard: a GET form choosing tables, periods and States;
//! for each table chosen, its charts ([`charts`]); every release chosen with its
//! verification under its origin's pinned key; and the export of what is shown, in the
//! formats of `vrs releases export` and by the same function.
//!
//! Every release is fetched from the profile's node and opened under its origin's key
//! (a key is required, as for `vrs region table`), and the regional values are
//! [`vrs_client::region::regional`], the function `vrs region table` uses.

pub mod charts;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use maud::{Markup, html};
use vrs_client::region::{self, Check, ExportError, Fetched, Format, Selection};
use vrs_core::aggregate::TableId;
use vrs_proto::v1 as pb;

use crate::App;
use crate::app::{Ctx, Kind};
use crate::layout::{self, Link};
use crate::text::t;

const HERE: &str = "/dashboard";

/// Navigation links.
pub fn nav() -> Vec<Link> {
    vec![Link {
        href: HERE,
        label: t().secretariat.nav_dashboard,
    }]
}

/// Routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(HERE, get(dashboard))
        .route("/dashboard/export", get(export))
}

/// The home page of this role: the dashboard.
pub async fn home(ctx: Ctx) -> Response {
    show(ctx, "/", None).await
}

async fn dashboard(ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    show(ctx, HERE, q).await
}

/// What the form asks: each list empty means every one held.
#[derive(Debug, Default, Clone)]
struct Choice {
    tables: BTreeSet<String>,
    periods: BTreeSet<String>,
    states: BTreeSet<String>,
    at: Option<String>,
    format: Option<String>,
}

impl Choice {
    fn parse(q: Option<&str>) -> Choice {
        let pairs: Vec<(String, String)> = q
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let mut c = Choice::default();
        for (k, v) in pairs {
            match k.as_str() {
                "table" => {
                    c.tables.insert(v);
                }
                "period" => {
                    c.periods.insert(v);
                }
                "state" => {
                    c.states.insert(v);
                }
                "at" => c.at = Some(v),
                "format" => c.format = Some(v),
                _ => {}
            }
        }
        c
    }
}

/// What the node holds, and what of it is chosen.
struct Held {
    endpoint: String,
    tables: Vec<String>,
    periods: Vec<String>,
    states: Vec<String>,
    chosen: Choice,
    at: String,
}

impl Held {
    fn of(endpoint: &str, infos: &[pb::ReleaseInfo], ask: Choice) -> Held {
        let set = |f: fn(&pb::ReleaseInfo) -> &String| -> BTreeSet<String> {
            infos.iter().map(|i| f(i).clone()).collect()
        };
        let (tables, periods, states) = (set(|i| &i.table), set(|i| &i.period), set(|i| &i.origin));
        let pick = |asked: &BTreeSet<String>, held: &BTreeSet<String>| -> BTreeSet<String> {
            if asked.is_empty() {
                held.clone()
            } else {
                asked.intersection(held).cloned().collect()
            }
        };
        let chosen = Choice {
            tables: pick(&ask.tables, &tables),
            periods: pick(&ask.periods, &periods),
            states: pick(&ask.states, &states),
            at: None,
            format: ask.format.clone(),
        };
        let at = ask
            .at
            .filter(|a| chosen.periods.contains(a))
            .or_else(|| chosen.periods.iter().next_back().cloned())
            .unwrap_or_default();
        // Tables in the order of their definitions, not alphabetical.
        let tables = TableId::ALL
            .iter()
            .map(|t| t.code().to_owned())
            .filter(|t| tables.contains(t))
            .collect();
        Held {
            endpoint: endpoint.to_owned(),
            tables,
            periods: periods.into_iter().collect(),
            states: states.into_iter().collect(),
            chosen,
            at,
        }
    }

    fn selection(&self) -> Selection {
        Selection {
            origins: self.chosen.states.clone(),
            tables: self.chosen.tables.clone(),
            periods: self.chosen.periods.clone(),
        }
    }

    /// The States summed: none named when every State held is chosen, as `vrs region
    /// table` sums every origin the node holds without `--states`.
    fn summed(&self) -> BTreeSet<String> {
        if self.chosen.states.len() == self.states.len() {
            BTreeSet::new()
        } else {
            self.chosen.states.clone()
        }
    }

    /// The query of the selection (for the export links), with `extra` pairs.
    fn query(&self, tables: &BTreeSet<String>, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        pairs.extend(tables.iter().map(|v| ("table", v.as_str())));
        pairs.extend(self.chosen.periods.iter().map(|v| ("period", v.as_str())));
        pairs.extend(self.chosen.states.iter().map(|v| ("state", v.as_str())));
        pairs.extend_from_slice(extra);
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn forbidden(ctx: &Ctx, here: &str) -> Option<Response> {
    crate::pages::require(
        ctx,
        matches!(ctx.entry.kind, Kind::Secretariat { .. }),
        here,
    )
    .err()
}

fn unreachable(ctx: &Ctx, here: &str, e: impl std::fmt::Display) -> Response {
    layout::trouble(
        ctx,
        here,
        t().secretariat.title,
        StatusCode::BAD_GATEWAY,
        &format!("{}: {e}", t().common.node_unreachable),
    )
}

async fn show(ctx: Ctx, here: &str, q: Option<String>) -> Response {
    if let Some(r) = forbidden(&ctx, here) {
        return r;
    }
    let client = match ctx.entry.client().await {
        Ok(c) => c,
        Err(e) => return unreachable(&ctx, here, e),
    };
    let infos = match region::list(&client, &Selection::default()).await {
        Ok(i) => i,
        Err(e) => return unreachable(&ctx, here, e),
    };
    let held = Held::of(client.endpoint(), &infos, Choice::parse(q.as_deref()));
    let sel = held.selection();
    let chosen: Vec<pb::ReleaseInfo> = infos.into_iter().filter(|i| sel.admits(i)).collect();
    let fetched = match region::fetch_all(&ctx.entry.profile, &client, &chosen, true).await {
        Ok(f) => f,
        Err(e) => return unreachable(&ctx, here, e),
    };
    let body = html! {
        p.intro { (t().secretariat.intro) }
        (form(&held))
        @if held.tables.is_empty() {
            p #nothing { (t().secretariat.nothing_held) }
        } @else if sel.tables.is_empty() || sel.periods.is_empty() || sel.origins.is_empty() {
            p #nothing { (t().secretariat.nothing_chosen) }
        } @else {
            (tables(&held, &fetched))
            (exports(&held))
            (releases(&fetched))
        }
    };
    layout::page(&ctx, here, t().secretariat.title, body).into_response()
}

fn checkboxes(name: &str, legend: &str, all: &[String], chosen: &BTreeSet<String>) -> Markup {
    html! {
        fieldset.choices {
            legend { (legend) }
            @for v in all {
                @let id = format!("{name}-{}", v.to_ascii_lowercase());
                span.choice {
                    input type="checkbox" id=(id) name=(name) value=(v) checked[chosen.contains(v)];
                    label for=(id) { (v) }
                }
            }
        }
    }
}

fn form(held: &Held) -> Markup {
    let s = &t().secretariat;
    html! {
        form #choose method="get" action=(HERE) aria-label=(s.choose) {
            (checkboxes("table", s.tables, &held.tables, &held.chosen.tables))
            (checkboxes("period", s.periods, &held.periods, &held.chosen.periods))
            (checkboxes("state", s.states, &held.states, &held.chosen.states))
            (layout::field("at", s.breakdown_period, s.breakdown_period_help, None, html! {
                select #at name="at" {
                    @for p in held.chosen.periods.iter().rev() { option value=(p) selected[*p == held.at] { (p) } }
                }
            }))
            div.actions { button type="submit" { (s.show) } }
        }
    }
}

const FORMATS: [(&str, &str); 3] = [("sdmx-csv", "SDMX-CSV"), ("csv", "CSV"), ("json", "JSON")];

fn export_links(held: &Held, tables: &BTreeSet<String>, formats: &[(&str, &str)]) -> Markup {
    html! {
        @for (f, name) in formats {
            a.button.export href=(format!("/dashboard/export?{}", held.query(tables, &[("format", f)]))) download="" data-format=(f) { (name) } " "
        }
    }
}

fn exports(held: &Held) -> Markup {
    let s = &t().secretariat;
    html! {
        section.panel #exports {
            h2 { (s.export) }
            p.actions #export-all { strong { (s.export_all_json) } " " (export_links(held, &held.chosen.tables, &FORMATS[2..])) }
        }
    }
}

fn tables(held: &Held, fetched: &[Fetched]) -> Markup {
    let periods: Vec<String> = held.chosen.periods.iter().cloned().collect();
    let states: Vec<String> = held.chosen.states.iter().cloned().collect();
    let summed = held.summed();
    let data = charts::Data {
        endpoint: &held.endpoint,
        periods: &periods,
        states: &states,
        summed: &summed,
        at: &held.at,
        fetched,
    };
    html! {
        @for table in TableId::ALL {
            @if held.chosen.tables.contains(table.code()) {
                section.table id=(format!("table-{}", table.code().to_ascii_lowercase())) {
                    h2 { (table.name()) }
                    p.actions.exports data-table=(table.code()) {
                        strong { (t().secretariat.export) } " "
                        (export_links(held, &BTreeSet::from([table.code().to_owned()]), &FORMATS))
                    }
                    (charts::table_charts(table, &data))
                }
            }
        }
    }
}

fn releases(fetched: &[Fetched]) -> Markup {
    let s = &t().secretariat;
    html! {
        section #releases {
            h2 { (s.releases) }
            p.muted { (s.releases_intro) }
            table #release-list {
                thead { tr {
                    th scope="col" { (s.col_origin) } th scope="col" { (s.col_table) } th scope="col" { (s.col_period) }
                    th.num scope="col" { (s.col_version) } th scope="col" { (s.col_digest) } th scope="col" { (s.col_verification) }
                } }
                tbody { @for f in fetched {
                    @let i = &f.info;
                    tr data-origin=(i.origin) data-table=(i.table) data-period=(i.period) data-status=(status_code(f)) {
                        td { (i.origin) } td { (i.table) } td { (i.period) } td.num { (i.version) }
                        td { code { (vrs_core::hex(&i.digest).get(..16).unwrap_or_default()) } }
                        td { (status(f)) }
                    }
                } }
            }
        }
    }
}

fn status_code(f: &Fetched) -> &'static str {
    match &f.outcome {
        Ok((_, Check::Verified(_))) => "verified",
        Ok((_, Check::Unpinned)) => "unpinned",
        Err(_) => "refused",
    }
}

fn status(f: &Fetched) -> Markup {
    let s = &t().secretariat;
    match &f.outcome {
        Ok((_, Check::Verified(label))) => {
            html! { span.ok { "✓ " (s.verified_under) " " code { (label) } } }
        }
        Ok((_, Check::Unpinned)) => html! { span.warn { (s.unpinned) } },
        Err(why) => html! { span.bad { (s.refused) ": " (why) } },
    }
}

/// `/dashboard/export?format=…&table=…&period=…&state=…`: the releases of the selection,
/// as `vrs releases export` writes them (the same function), as a download.
async fn export(ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    if let Some(r) = forbidden(&ctx, HERE) {
        return r;
    }
    let ask = Choice::parse(q.as_deref());
    let format = match ask.format.as_deref() {
        Some("sdmx-csv") => Format::SdmxCsv,
        Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        _ => {
            return layout::trouble(
                &ctx,
                HERE,
                t().secretariat.export,
                StatusCode::BAD_REQUEST,
                t().secretariat.bad_format,
            );
        }
    };
    let client = match ctx.entry.client().await {
        Ok(c) => c,
        Err(e) => return unreachable(&ctx, HERE, e),
    };
    let sel = Selection {
        origins: ask.states,
        tables: ask.tables,
        periods: ask.periods,
    };
    match region::export(&ctx.entry.profile, &client, &sel, format).await {
        Ok(x) => download(&sel, format, x.text),
        Err(ExportError::Refused { refused, .. }) => layout::trouble(
            &ctx,
            HERE,
            t().secretariat.export,
            StatusCode::BAD_GATEWAY,
            &format!("{}: {}", t().secretariat.export_refused, refused.join("; ")),
        ),
        Err(e @ ExportError::Tables(_)) => layout::trouble(
            &ctx,
            HERE,
            t().secretariat.export,
            StatusCode::BAD_REQUEST,
            &e.to_string(),
        ),
        Err(e) => unreachable(&ctx, HERE, e),
    }
}

fn download(sel: &Selection, format: Format, text: String) -> Response {
    let part = |set: &BTreeSet<String>| match set.len() {
        1 => set.iter().next().cloned().unwrap_or_default(),
        _ => "all".to_owned(),
    };
    let name = format!(
        "vrs-{}-{}-{}.{}",
        part(&sel.tables),
        part(&sel.periods),
        part(&sel.origins),
        format.extension()
    );
    let mut r = text.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
