//! The secretariat's region dashboard, on a federation with twelve periods of data: its
//! chart data are the regional tables of `vrs region table`, a withheld cell is never
//! drawn as zero, its exports are those of `vrs releases export`, and how long the
//! dashboard of 12 periods × 3 States × every table takes to draw its first chart.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::common::{Out, run_with};
use super::super::{Browser, Federation, Workspace, raw};

/// April 2025 to February 2026: with the scenario's March 2026, twelve closed months.
const MONTHS: [&str; 11] = [
    "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
    "2025-12", "2026-01", "2026-02",
];
const STATES: [&str; 3] = ["aus", "idn", "tha"];

fn sdmx_period(month: &str) -> String {
    let (y, m) = month.split_once('-').expect("YYYY-MM");
    format!("{y}-M{m}")
}

/// A movement of `persons` persons (and one minor) on the route `from → via → to`,
/// detected on `date`.
fn movement(date: &str, (from, via, to): (&str, &str, &str), persons: u32) -> Value {
    json!({
        "agency": "COAST_GUARD",
        "observed_on": date,
        "body": { "movement": {
            "detected_on": date, "place_type": "SEA", "direction": "ENTRY",
            "method": "SEA", "sub_method": "SMALL_BOAT",
            "route": [
                { "from_country": from, "to_country": via, "transport_mode": "AIR" },
                { "from_country": via, "to_country": to, "transport_mode": "SEA" }
            ],
            "persons": [
                { "citizenship": from, "sex": "M", "age_band": "Y18T29", "count": persons },
                { "citizenship": from, "sex": "F", "age_band": "Y30T44", "count": 2 },
                { "citizenship": from, "sex": "M", "age_band": "Y_LT18", "count": 1 }
            ],
            "unaccompanied_minors": 1, "deaths": 0, "injuries": 0,
            "smuggling_involved": "Y", "aggravating": ["ENDANGERING_LIFE"]
        } }
    })
}

/// The routes of the months: two busy ones, and one with a single movement in some
/// months (a small count, withheld).
const BUSY: [(&str, &str, &str); 2] = [("LKA", "IDN", "AUS"), ("AFG", "MYS", "IDN")];
const RARE: (&str, &str, &str) = ("MMR", "THA", "MYS");

async fn vrs(fed: &Federation, args: &[&str]) -> Out {
    let out = run_with(&fed.home(), &[], args).await;
    assert_eq!(out.code, 0, "vrs {args:?}: {out:?}");
    out
}

/// Each State's focal point reports every month: five to eight movements on each busy
/// route, and in some months one on the rare route; each admin releases every month and the nodes sync.
async fn twelve_periods(fed: &Federation) {
    let cfg = fed.fed().join("vrs.toml");
    let cfg = cfg.to_str().expect("utf-8");
    for (si, s) in STATES.iter().enumerate() {
        let mut lines = Vec::new();
        for (mi, month) in MONTHS.iter().enumerate() {
            let date = format!("{month}-1{}", si + 1);
            for (ri, route) in BUSY.iter().enumerate() {
                for _ in 0..5 + (mi + si + 2 * ri) % 4 {
                    lines.push(
                        movement(&date, *route, 3 + u32::try_from(mi).expect("small")).to_string(),
                    );
                }
            }
            // February 2026 has a rare movement everywhere (withheld in the region); THA
            // has one every third month (the region's values are lower bounds then).
            if mi == 10 || (si == 2 && mi % 3 == 0) {
                lines.push(movement(&date, RARE, 1).to_string());
            }
        }
        let file = fed.work().join(format!("{s}-months.ndjson"));
        std::fs::write(&file, lines.join("\n") + "\n").expect("write reports");
        let receipts = fed.work().join("receipts");
        vrs(
            fed,
            &[
                "--config",
                cfg,
                "--profile",
                &format!("{s}-fp1"),
                "submit",
                "--receipts",
                receipts.to_str().expect("utf-8"),
                file.to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    for s in STATES {
        for month in MONTHS {
            vrs(
                fed,
                &[
                    "--config",
                    cfg,
                    "--profile",
                    &format!("{s}-admin"),
                    "releases",
                    "release",
                    &sdmx_period(month),
                ],
            )
            .await;
        }
    }
    for s in STATES {
        vrs(
            fed,
            &[
                "--config",
                cfg,
                "--profile",
                &format!("{s}-admin"),
                "sync",
                "now",
            ],
        )
        .await;
    }
}

/// The marks of the page `[key, measure, value or null, class, tag name, width, height]`
/// matching `css`.
async fn marks(b: &Browser, css: &str) -> Vec<Value> {
    let script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => [\
        e.dataset.key, e.dataset.measure, e.dataset.value === undefined ? null : e.dataset.value, \
        e.getAttribute('class'), e.tagName, e.getAttribute('width'), e.getAttribute('height')]);";
    let v = b.c.execute(script, vec![json!(css)]).await.expect("marks");
    v.as_array().cloned().unwrap_or_default()
}

/// `vrs region table` of MOVEMENTS in `period` as JSON: (key, measure) → value.
async fn region_table(
    fed: &Federation,
    roseap: &str,
    period: &str,
) -> BTreeMap<(String, String), Value> {
    let out = vrs(
        fed,
        &[
            "--config",
            roseap,
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            period,
            "--format",
            "json",
        ],
    )
    .await;
    let t = out.json();
    let dims: Vec<String> = t["dimensions"]
        .as_array()
        .expect("dims")
        .iter()
        .map(|d| d.as_str().expect("id").to_owned())
        .collect();
    let mut cells = BTreeMap::new();
    for c in t["cells"].as_array().expect("cells") {
        let key: Vec<&str> = dims
            .iter()
            .map(|d| c["key"][d].as_str().expect("code"))
            .collect();
        for v in c["values"].as_array().expect("values") {
            cells.insert(
                (key.join("."), v["measure"].as_str().expect("m").to_owned()),
                v.clone(),
            );
        }
    }
    cells
}

/// Each mark equals the regional table's cell: its value, its lower bound, its withheld.
fn check_marks(
    marks: &[Value],
    table: &BTreeMap<(String, String), Value>,
    what: &str,
) -> (usize, usize) {
    let (mut withheld, mut bounds) = (0, 0);
    for m in marks {
        let key = (
            m[0].as_str().expect("key").to_owned(),
            m[1].as_str().expect("measure").to_owned(),
        );
        let class = m[3].as_str().unwrap_or_default();
        let cell = table
            .get(&key)
            .unwrap_or_else(|| panic!("{what}: mark {m} is no cell of the regional table"));
        if cell["withheld"] == json!(true) {
            withheld += 1;
            assert!(
                class.contains("withheld") && m[2].is_null(),
                "{what}: withheld cell {key:?} drawn as {m}"
            );
            assert!(
                m[6] != json!("0") && m[5] != json!("0"),
                "{what}: withheld cell {key:?} drawn with no size: {m}"
            );
        } else {
            assert_eq!(
                m[2],
                json!(cell["value"].to_string()),
                "{what}: {key:?}: {m} vs {cell}"
            );
            assert_eq!(
                class.contains("lower-bound"),
                cell["lower_bound"] == json!(true),
                "{what}: {key:?}: {m} vs {cell}"
            );
            bounds += usize::from(class.contains("lower-bound"));
        }
    }
    (withheld, bounds)
}

async fn download(ws: &Workspace, cookie: &str, href: &str) -> String {
    let req = format!(
        "GET {href} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: vrs_session={cookie}\r\nConnection: close\r\n\r\n",
        ws.port
    );
    let a = raw(ws.port, &req).await;
    assert_eq!(a.status, 200, "{href}: {a:?}");
    assert!(
        a.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
        "{a:?}"
    );
    a.body
}

async fn href(b: &Browser, css: &str) -> String {
    b.wait(css)
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("an href")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_region_dashboard_draws_the_regional_tables_and_exports_them() {
    let fed = Federation::start().await;
    twelve_periods(&fed).await;
    let roseap = fed.fed().join("roseap.toml");
    let roseap_s = roseap.to_str().expect("utf-8");
    let ws = Workspace::start(&roseap, "aus", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;
    assert!(b.text("#role").await.contains("Secretariat"));

    // The dashboard of MOVEMENTS, every period, breakdowns of February 2026.
    let at = "2026-M02";
    b.c.goto(&format!("{}/dashboard?table=MOVEMENTS&at={at}", ws.base))
        .await
        .expect("goto");
    b.wait("#movements-series svg").await;
    let cookie =
        b.c.get_all_cookies()
            .await
            .expect("cookies")
            .into_iter()
            .find(|c| c.name() == "vrs_session")
            .expect("session")
            .value()
            .to_owned();

    // 1. The chart data are the regional table of `vrs region table`: the breakdowns of
    // February, and the region's series in three periods.
    let table = region_table(&fed, roseap_s, at).await;
    let drawn = marks(
        &b,
        &format!("svg .mark[data-state=region][data-period=\"{at}\"]"),
    )
    .await;
    assert!(drawn.len() >= 8, "the breakdowns of {at}: {drawn:?}");
    let (withheld, _) = check_marks(&drawn, &table, at);
    for p in ["2025-M04", "2025-M09", "2026-M03"] {
        let series = marks(
            &b,
            &format!("#movements-series .mark[data-state=region][data-period=\"{p}\"]"),
        )
        .await;
        assert_eq!(series.len(), 1, "{p}: {series:?}");
        check_marks(&series, &region_table(&fed, roseap_s, p).await, p);
    }

    // 2. A withheld cell (the one movement of MMR → MYS) is marked withheld, has a size,
    // no value, and the table view says withheld, not 0.
    assert!(withheld > 0, "no withheld cell drawn in {at}: {drawn:?}");
    let rare = format!("#movements-matrix .mark[data-key=\"_T.MMR.MYS\"][data-period=\"{at}\"]");
    let cell = b.wait(&rare).await;
    assert!(
        cell.attr("class")
            .await
            .expect("class")
            .expect("class")
            .contains("withheld")
    );
    assert_eq!(cell.attr("data-value").await.expect("attr"), None);
    b.c.find(fantoccini::Locator::Css(
        "#movements-matrix button[data-toggle]",
    ))
    .await
    .expect("toggle")
    .click()
    .await
    .expect("click");
    let cells = b
        .wait("#movements-matrix .table-view table")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        cells.contains("withheld") && !cells.split_whitespace().any(|w| w == "0"),
        "{cells}"
    );
    b.c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll");
    b.shot("dashboard").await;
    let troubles = super::super::common::browser::inaccessible(&b).await;
    assert!(troubles.is_empty(), "the dashboard: {troubles:#?}");

    // 3. The exports of what is shown are those of `vrs releases export`.
    let sdmx = download(
        &ws,
        &cookie,
        &href(&b, "#table-movements .exports a[data-format=sdmx-csv]").await,
    )
    .await;
    let out = vrs(
        &fed,
        &[
            "--config",
            roseap_s,
            "releases",
            "export",
            "--format",
            "sdmx-csv",
            "--table",
            "MOVEMENTS",
        ],
    )
    .await;
    assert_eq!(sdmx, out.stdout, "SDMX-CSV of MOVEMENTS, every period");
    let one = format!("/dashboard/export?format=csv&table=MOVEMENTS&period={at}");
    let out = vrs(
        &fed,
        &[
            "--config",
            roseap_s,
            "releases",
            "export",
            "--format",
            "csv",
            "--table",
            "MOVEMENTS",
            "--period",
            at,
        ],
    )
    .await;
    assert_eq!(
        download(&ws, &cookie, &one).await,
        out.stdout,
        "CSV of MOVEMENTS {at}"
    );
    let json = download(
        &ws,
        &cookie,
        &href(&b, "#table-movements .exports a[data-format=json]").await,
    )
    .await;
    let out = vrs(
        &fed,
        &[
            "--config",
            roseap_s,
            "releases",
            "export",
            "--format",
            "json",
            "--table",
            "MOVEMENTS",
        ],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&json).expect("json"),
        out.json(),
        "JSON of MOVEMENTS"
    );

    // Every release shown was verified under its origin's key.
    let rows = marks(&b, "#release-list tbody tr").await.len();
    assert_eq!(rows, 12 * 3, "MOVEMENTS: 12 periods × 3 States");
    assert!(
        b.c.find(fantoccini::Locator::Css(
            "#release-list tr[data-status=refused]"
        ))
        .await
        .is_err()
    );

    // Performance: every table, 12 periods, 3 States (a measurement, not an assertion).
    measure(&b, &ws).await;

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

/// Navigation to the dashboard of everything held, and the browser's own timings.
async fn measure(b: &Browser, ws: &Workspace) {
    let start = std::time::Instant::now();
    b.c.goto(&format!("{}/dashboard?at=2026-M01", ws.base))
        .await
        .expect("goto");
    b.wait("figure.chart svg").await;
    let wall = start.elapsed();
    let script = "const n = performance.getEntriesByType('navigation')[0];\
        const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');\
        return { response_start: n.responseStart, response_end: n.responseEnd, \
        dom_interactive: n.domInteractive, dom_content_loaded: n.domContentLoadedEventEnd, \
        load: n.loadEventEnd, first_contentful_paint: p ? p.startTime : null, \
        html_bytes: document.documentElement.outerHTML.length, \
        charts: document.querySelectorAll('figure.chart svg').length, \
        marks: document.querySelectorAll('svg .mark').length, \
        releases: document.querySelectorAll('#release-list tbody tr').length, \
        tables: document.querySelectorAll('section.table').length };";
    let t = b.c.execute(script, vec![]).await.expect("timings");
    // When the first chart's caption was painted (Element Timing; Chromium buffers it).
    let first = "const done = arguments[arguments.length - 1];\
        const o = new PerformanceObserver((l) => {\
          const e = l.getEntries().find((e) => e.identifier.endsWith('-series'));\
          if (e) { o.disconnect(); done({ identifier: e.identifier, render_time: e.renderTime || e.loadTime }); }\
        });\
        o.observe({ type: 'element', buffered: true });\
        setTimeout(() => done(null), 2000);";
    let chart =
        b.c.execute_async(first, vec![])
            .await
            .expect("element timing");
    println!(
        "dashboard performance (ms from navigation start): {t}; first chart painted: {chart}; \
         wall clock from goto to the first chart found: {} ms",
        wall.as_millis()
    );
    b.shot("dashboard-everything").await;
    for section in [
        "table-movements",
        "table-persons",
        "table-fees",
        "table-protection",
    ] {
        let script = "document.getElementById(arguments[0]).scrollIntoView();";
        b.c.execute(script, vec![json!(section)])
            .await
            .expect("scroll");
        b.shot(&format!("dashboard-{section}")).await;
    }
}
