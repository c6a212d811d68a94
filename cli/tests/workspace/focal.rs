//! The focal point's pages in a real browser: a movement typed into the form generated
//! from the schema (two route legs, three person groups) is logged and its receipt shown
//! verified; a wrong code and a missing field are refused at their inputs with nothing
//! sent; a bulk upload with one bad line; amend and retract from the report's page.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{Value, json};

use super::super::common::browser::inaccessible;
use super::super::common::{Out, run_with};
use super::super::{Browser, Federation, Workspace};

async fn vrs(home: &Path, args: &[&str]) -> Out {
    let out = run_with(home, &[], args).await;
    assert_eq!(out.code, 0, "vrs {args:?}: {out:?}");
    out
}

/// The selector of the input named `name` (field paths hold dots and brackets).
fn named(name: &str) -> String {
    format!("[name=\"{name}\"]")
}

/// Fills the input named `name` as a person would: a choice of a list, a date, typing.
async fn fill(b: &Browser, name: &str, value: &str) {
    let e = b.wait(&named(name)).await;
    let tag = e.tag_name().await.expect("tag").to_ascii_lowercase();
    let kind = e.attr("type").await.expect("type").unwrap_or_default();
    if tag == "select" {
        e.select_by_value(value)
            .await
            .unwrap_or_else(|err| panic!("{name}: no choice {value}: {err}"));
    } else if kind == "date" {
        // A date input is typed in the browser's locale; the value is what is sent.
        let set =
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));";
        b.c.execute(
            set,
            vec![serde_json::to_value(&e).expect("element"), json!(value)],
        )
        .await
        .expect("set a date");
    } else {
        e.clear().await.expect("clear");
        e.send_keys(value).await.expect("type");
    }
}

/// Clicks "add another" of the repeated group `group` (the form is sent back with one
/// more element, what was typed kept), and waits for the element `index`.
async fn add(b: &Browser, group: &str, index: usize, first_field: &str) {
    b.click_to_page(&format!("button[name=add][value=\"{group}\"]"))
        .await;
    b.wait(&named(&format!("{group}[{index}].{first_field}")))
        .await;
}

/// The message shown beside the input `name`.
async fn message_at(b: &Browser, name: &str) -> String {
    let css = format!("[id=\"{name}-error\"]");
    let text = b.text(&css).await;
    // It is the input's own message: the input points to it, and it follows the input.
    let input = b.wait(&named(name)).await;
    let described = input
        .attr("aria-describedby")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(
        described.split(' ').any(|d| d == format!("{name}-error")),
        "{name}: {described}"
    );
    assert_eq!(
        input.attr("aria-invalid").await.expect("attr").as_deref(),
        Some("true"),
        "{name}"
    );
    let same_field = "return arguments[0].closest('.field') === arguments[1].closest('.field');";
    let msg = b.wait(&css).await;
    let together =
        b.c.execute(
            same_field,
            vec![
                serde_json::to_value(&input).expect("el"),
                serde_json::to_value(&msg).expect("el"),
            ],
        )
        .await
        .expect("script");
    assert_eq!(
        together,
        json!(true),
        "{name}: the message is beside its input"
    );
    text
}

/// The State's reports as the node lists them (`vrs list`).
async fn listed(home: &Path, cfg: &str) -> Vec<Value> {
    let out = vrs(
        home,
        &[
            "--config",
            cfg,
            "--profile",
            "aus-fp1",
            "list",
            "--all",
            "--output",
            "json",
        ],
    )
    .await;
    out.json().as_array().cloned().expect("a list")
}

/// The movement typed into the form: the report's fields, two route legs, three person
/// groups.
const MOVEMENT: &[(&str, &str)] = &[
    ("agency", "COAST_GUARD"),
    ("observed_on", "2026-03-02"),
    ("body.movement.detected_on", "2026-03-02"),
    ("body.movement.place_type", "SEA"),
    ("body.movement.direction", "ENTRY"),
    ("body.movement.method", "SEA"),
    ("body.movement.sub_method", "SMALL_BOAT"),
    ("body.movement.route[0].from_country", "LKA"),
    ("body.movement.route[0].to_country", "IDN"),
    ("body.movement.route[0].transport_mode", "AIR"),
    ("body.movement.persons[0].citizenship", "LKA"),
    ("body.movement.persons[0].sex", "M"),
    ("body.movement.persons[0].age_band", "Y18T29"),
    ("body.movement.persons[0].count", "21"),
    ("body.movement.unaccompanied_minors", "2"),
    ("body.movement.deaths", "0"),
    ("body.movement.injuries", "1"),
    ("body.movement.smuggling_involved", "Y"),
];
const SECOND_LEG: &[(&str, &str)] = &[
    ("body.movement.route[1].from_country", "IDN"),
    ("body.movement.route[1].to_country", "AUS"),
    ("body.movement.route[1].transport_mode", "SEA"),
];
const MORE_PERSONS: &[(&str, &str)] = &[
    ("body.movement.persons[1].citizenship", "LKA"),
    ("body.movement.persons[1].sex", "F"),
    ("body.movement.persons[1].age_band", "Y18T29"),
    ("body.movement.persons[1].count", "6"),
    ("body.movement.persons[2].citizenship", "LKA"),
    ("body.movement.persons[2].sex", "M"),
    ("body.movement.persons[2].age_band", "Y_LT18"),
    ("body.movement.persons[2].count", "4"),
];

async fn fill_all(b: &Browser, fields: &[(&str, &str)]) {
    for (k, v) in fields {
        fill(b, k, v).await;
    }
}

async fn value_of(b: &Browser, name: &str) -> String {
    b.value(&named(name)).await
}

async fn submit(b: &Browser) {
    b.click_to_page("#submit").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_focal_point_reports_in_forms_and_files_and_amends_and_retracts() {
    let fed = Federation::start().await;
    let home = fed.home();
    let cfg_path = fed.fed().join("vrs.toml");
    let cfg = cfg_path.to_str().expect("utf-8");
    let ws = Workspace::start(&cfg_path, "aus-fp1", &home).await;
    let b = Browser::start().await;
    ws.open(&b).await;
    let before = listed(&home, cfg).await.len();

    // The form is the schema's: every column `vrs template movement` lists (a field of
    // the examples, `body.movement.sub_method`, among them) is an input named by its
    // path, with its label.
    b.c.goto(&format!("{}/focal/new/movement", ws.base))
        .await
        .expect("goto");
    let columns = vrs(&home, &["template", "movement"]).await.stdout;
    let paths: Vec<&str> = columns
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        paths.contains(&"body.movement.sub_method") && paths.len() > 20,
        "{columns}"
    );
    for p in &paths {
        let id = b
            .wait(&named(p))
            .await
            .attr("id")
            .await
            .expect("id")
            .expect("an id");
        assert_eq!(id, *p);
        b.wait(&format!("label[for=\"{p}\"]")).await;
    }

    // The accessibility check finds what it looks for: a pale paragraph and an input
    // without a label, put in the page for a moment.
    let plant = "const p = document.createElement('p'); p.id = 'pale'; p.textContent = 'pale'; \
        p.style.color = '#bbbbbb'; p.style.background = '#ffffff'; document.querySelector('main').append(p); \
        const i = document.createElement('input'); i.id = 'unlabelled'; document.querySelector('main').append(i);";
    b.c.execute(plant, vec![]).await.expect("plant");
    let found = inaccessible(&b).await;
    assert!(
        found
            .iter()
            .any(|t| t.contains("contrast") && t.contains("pale")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|t| t.contains("no accessible name") && t.contains("unlabelled")),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "only what was planted: {found:#?}");
    b.c.execute(
        "document.getElementById('pale').remove(); document.getElementById('unlabelled').remove();",
        vec![],
    )
    .await
    .expect("unplant");

    // A movement with two route legs and three person groups, the groups grown with
    // "add another" (the form comes back with what was typed).
    fill_all(&b, MOVEMENT).await;
    add(&b, "body.movement.route", 1, "from_country").await;
    assert_eq!(
        value_of(&b, "body.movement.route[0].to_country").await,
        "IDN",
        "kept across add"
    );
    fill_all(&b, SECOND_LEG).await;
    add(&b, "body.movement.persons", 1, "citizenship").await;
    add(&b, "body.movement.persons", 2, "citizenship").await;
    fill_all(&b, MORE_PERSONS).await;
    b.wait(&named("body.movement.aggravating"))
        .await
        .select_by_value("ENDANGERING_LIFE")
        .await
        .expect("choose");

    // A wrong code and a missing field: each message at its input, nothing sent.
    fill(&b, "body.movement.route[1].to_country", "ABC").await;
    fill(&b, "body.movement.place_type", "").await;
    submit(&b).await;
    let wrong = message_at(&b, "body.movement.route[1].to_country").await;
    assert!(wrong.contains("ISO 3166"), "{wrong}");
    let missing = message_at(&b, "body.movement.place_type").await;
    assert!(!missing.is_empty(), "a message for the missing place type");
    assert!(
        b.text("#refused")
            .await
            .contains("body.movement.place_type")
    );
    assert_eq!(
        b.c.find_all(Locator::Css("span.error"))
            .await
            .expect("errors")
            .len(),
        2,
        "exactly the two"
    );
    assert_eq!(listed(&home, cfg).await.len(), before, "nothing sent");
    assert_eq!(
        value_of(&b, "body.movement.persons[2].count").await,
        "4",
        "what was typed is kept"
    );
    // Every input labelled, every button named, the messages readable (WCAG AA contrast).
    let troubles = inaccessible(&b).await;
    assert!(troubles.is_empty(), "the refused form: {troubles:#?}");
    b.c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll");
    b.shot("form-movement").await;

    // Corrected and submitted: the receipt page shows it verified offline.
    fill(&b, "body.movement.route[1].to_country", "AUS").await;
    fill(&b, "body.movement.place_type", "SEA").await;
    submit(&b).await;
    assert_eq!(b.text("#receipt-status").await, "verified");
    let id = b.text("#receipt-id").await;
    let index: u64 = b.text("#receipt-index").await.parse().expect("a log index");
    b.shot("receipt").await;
    let troubles = inaccessible(&b).await;
    assert!(troubles.is_empty(), "the receipt: {troubles:#?}");
    // From the form's submission (the navigation's start: the POST, then its redirect) to
    // the receipt page shown, as the browser timed it (a measurement, not an assertion).
    let timing = "const n = performance.getEntriesByType('navigation')[0];\
        return { redirect_end: n.redirectEnd, response_end: n.responseEnd, \
        dom_content_loaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, redirects: n.redirectCount };";
    let t = b.c.execute(timing, vec![]).await.expect("timing");
    println!("form submission to receipt shown (ms from the submission): {t}");

    // The report is in the node's log as typed, and its receipt verifies with the CLI.
    let got = vrs(
        &home,
        &["--config", cfg, "--profile", "aus-fp1", "get", &id],
    )
    .await
    .json();
    let m = &got["body"]["movement"];
    assert_eq!(m["route"].as_array().map(Vec::len), Some(2), "{got}");
    assert_eq!(m["route"][1]["to_country"], "AUS");
    assert_eq!(m["persons"].as_array().map(Vec::len), Some(3), "{got}");
    assert_eq!(m["persons"][2]["count"], 4);
    assert_eq!(listed(&home, cfg).await.len(), before + 1);
    let proof = find_dir(&home, "aus-fp1")
        .join(&id[..2])
        .join(format!("{id}.v1.tlog-proof"));
    let vkey = fed.fed().join("nodes/AUS/node.vkey");
    let out = vrs(
        &home,
        &[
            "receipt",
            "verify",
            proof.to_str().expect("utf-8"),
            "--key",
            vkey.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert!(out.stdout.contains(&index.to_string()), "{out:?}");

    // Amend from the report's page: the form is prefilled, a new version logged.
    b.c.goto(&format!("{}/focal/reports/{id}", ws.base))
        .await
        .expect("goto");
    b.click_to_page("#amend").await;
    assert_eq!(
        value_of(&b, "body.movement.persons[1].count").await,
        "6",
        "prefilled"
    );
    // Sent from the keyboard: Enter in a field submits the report (not "add another").
    fill(&b, "body.movement.persons[1].count", "7").await;
    b.mark_page().await;
    b.wait(&named("body.movement.persons[1].count"))
        .await
        .send_keys("\u{E007}")
        .await
        .expect("Enter");
    b.next_page().await;
    assert_eq!(b.text("#receipt-status").await, "verified");
    assert_eq!(b.text("#receipt-version").await, "2");
    let v2 = vrs(
        &home,
        &["--config", cfg, "--profile", "aus-fp1", "get", &id],
    )
    .await
    .json();
    assert_eq!(v2["version"], 2, "{v2}");
    assert_eq!(v2["body"]["movement"]["persons"][1]["count"], 7);

    // Retract, confirmed: the third version has no body.
    b.c.goto(&format!("{}/focal/reports/{id}", ws.base))
        .await
        .expect("goto");
    b.click_to_page("#retract").await;
    b.mark_page().await;
    b.wait("#confirm-retract")
        .await
        .click()
        .await
        .expect("confirm");
    b.c.accept_alert().await.expect("the confirmation dialog");
    b.next_page().await;
    assert_eq!(b.text("#receipt-version").await, "3");
    let v3 = vrs(
        &home,
        &["--config", cfg, "--profile", "aus-fp1", "get", &id],
    )
    .await
    .json();
    assert_eq!(v3["status"], "RETRACTED", "{v3}");
    b.c.goto(&format!("{}/focal/reports/{id}", ws.base))
        .await
        .expect("goto");
    b.wait("#retracted").await;

    // Bulk upload of a CSV with one bad line: progress to the end, the bad line
    // rejected with its field path, the others accepted.
    let csv = fed.work().join("fees-upload.csv");
    let mut text = std::fs::read_to_string(
        super::super::common::federation::repo().join("deploy/examples/fees.csv"),
    )
    .expect("fees.csv");
    for day in 10..14 {
        text.push_str(&format!("fee,POLICE,2026-03-{day},LKA,IDN,AIR,IDN,AUS,SEA,45000{day},USD,PER_PERSON,UPFRONT,2026-03-{day}\n"));
    }
    text.push_str(
        "fee,POLICE,2026-03-20,LKA,IDN,AIR,IDN,AUS,SEA,450000,EURO,PER_PERSON,UPFRONT,2026-03-20\n",
    );
    std::fs::write(&csv, &text).expect("write");
    let before = listed(&home, cfg).await.len();
    b.c.goto(&format!("{}/focal/upload", ws.base))
        .await
        .expect("goto");
    b.wait("#upload-file")
        .await
        .send_keys(csv.to_str().expect("utf-8"))
        .await
        .expect("choose the file");
    b.click_to_page("#upload-send").await;
    b.wait("#progress").await;
    b.c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#progress[data-state=done]"))
        .await
        .expect("the upload finishes");
    assert_eq!(b.text("#count-accepted").await, "6");
    assert_eq!(b.text("#count-rejected").await, "1");
    assert_eq!(b.text("#count-failed").await, "0");
    let errors = b.text("#line-errors").await;
    assert!(
        errors.contains(":8") && errors.contains("body.fee.currency"),
        "{errors}"
    );
    b.wait("#download-rejects").await;
    assert_eq!(listed(&home, cfg).await.len(), before + 6);
    let troubles = inaccessible(&b).await;
    assert!(troubles.is_empty(), "the upload's progress: {troubles:#?}");

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

/// The directory `name` under `root` (where the workspace keeps a profile's receipts).
fn find_dir(root: &Path, name: &str) -> std::path::PathBuf {
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == name)
                    && p.parent().is_some_and(|q| q.ends_with("receipts"))
                {
                    return p;
                }
                stack.push(p);
            }
        }
    }
    panic!("no receipts/{name} under {}", root.display());
}
