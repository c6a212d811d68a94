//! The directory of competent authorities in the browser, for a focal point: every
//! State's entries its node holds (AUS's own, IDN's taken by the sync), searched by
//! language and kind, each with its origin, version and verification; a language that
//! is no ISO 639-1 code is flagged at its field.

use super::super::common::{Out, run_with};
use super::super::{Browser, Federation, Workspace};

async fn vrs(fed: &Federation, cfg: &str, args: &[&str]) -> Out {
    let mut all = vec!["--config", cfg];
    all.extend_from_slice(args);
    run_with(&fed.home(), &[], &all).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_focal_point_searches_the_directory_of_every_state() {
    let fed = Federation::start().await;
    let cfg = fed.fed().join("vrs.toml");
    let cfg = cfg.to_str().expect("utf-8");
    // AUS publishes the template; IDN a police contact point in Indonesian.
    for (state, admin) in [("AUS", "aus-admin"), ("IDN", "idn-admin")] {
        let file = fed.work().join(format!("dir-{state}.json"));
        let f = file.to_str().expect("utf-8");
        let out = vrs(
            &fed,
            cfg,
            &["template", "directory", "--state", state, "--out", f],
        )
        .await;
        assert_eq!(out.code, 0, "{out:?}");
        if state == "IDN" {
            let mut d: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
            d["entries"][0]["id"] = "polri-contact".into();
            d["entries"][0]["authority"] = "Polri, migrant smuggling contact point".into();
            d["entries"][0]["kind"] = "law_enforcement_contact".into();
            d["entries"][0]["languages"] = serde_json::json!(["id", "en"]);
            std::fs::write(&file, d.to_string()).expect("write");
        }
        let out = vrs(&fed, cfg, &["--profile", admin, "directory", "publish", f]).await;
        assert_eq!(out.code, 0, "{out:?}");
    }
    let out = vrs(&fed, cfg, &["--profile", "aus-admin", "sync", "now"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    // The sync record counts the directory taken from IDN.
    let out = vrs(
        &fed,
        cfg,
        &["--profile", "aus-admin", "sync", "status", "-o", "json"],
    )
    .await;
    let status = out.json();
    let idn = status["peers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["peer"] == "IDN"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(idn["directories"], 1, "{out:?}");

    let ws = Workspace::start(std::path::Path::new(cfg), "aus-fp1", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;
    b.c.goto(&format!("{}/directory", ws.base))
        .await
        .expect("goto");
    let held = b.text("#dir-held").await;
    assert!(held.contains("AUS") && held.contains("IDN"), "{held}");
    // Each verified here under the origin's key the profile pins.
    assert!(
        held.contains("verified under vrs.example/state/IDN+"),
        "{held}"
    );
    let all = b.text("#dir-entries").await;
    assert!(
        all.contains("Central Authority") && all.contains("Polri"),
        "{all}"
    );
    assert!(
        super::super::common::browser::inaccessible(&b)
            .await
            .is_empty()
    );

    // Indonesian: only IDN's contact point, with its origin and version.
    b.wait("#dir-language")
        .await
        .send_keys("id")
        .await
        .expect("type");
    b.click_to_page("#dir-send").await;
    let found = b.text("#dir-entries").await;
    assert!(
        found.contains("Polri") && found.contains("IDN v1"),
        "{found}"
    );
    assert!(!found.contains("Central Authority"), "{found}");
    b.shot("directory").await;

    // And a kind it does not have: nothing, said so.
    b.wait("#dir-kind")
        .await
        .select_by_value("prosecution_service")
        .await
        .expect("choose");
    b.click_to_page("#dir-send").await;
    assert_eq!(b.text("#dir-none").await, "No entry matches.");

    // A language that is not a code is flagged at its field, with its message.
    b.c.goto(&format!("{}/directory?language=indonesian", ws.base))
        .await
        .expect("goto");
    let input = b.wait("#dir-language").await;
    assert_eq!(
        input.attr("aria-invalid").await.expect("attr").as_deref(),
        Some("true")
    );
    assert!(b.text("#dir-language-error").await.contains("ISO 639-1"));

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

/// `vrs directory list -o json` as AUS's focal point.
async fn listed(fed: &Federation, cfg: &str) -> Out {
    vrs(
        fed,
        cfg,
        &["--profile", "aus-fp1", "directory", "list", "-o", "json"],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_edits_and_publishes_the_states_directory_and_mistakes_are_listed() {
    let fed = Federation::start().await;
    let cfg = fed.fed().join("vrs.toml");
    let ws = Workspace::start(&cfg, "aus-admin", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;
    b.c.goto(&format!("{}/operator/directory", ws.base))
        .await
        .expect("goto");
    assert!(b.text("#dir-notice").await.contains("no directory yet"));
    let json = b.value("#dir-json").await;
    let template: serde_json::Value = serde_json::from_str(&json).expect("the template");
    assert_eq!(
        (template["state"].as_str(), template["version"].as_u64()),
        (Some("AUS"), Some(1))
    );
    b.click_to_page("#dir-publish").await;
    assert!(
        b.text("#dir-notice").await.contains("version 1"),
        "published"
    );
    // The CLI reads what the page published.
    let cfg_s = cfg.to_str().expect("utf-8");
    let out = listed(&fed, cfg_s).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["version"], 1, "{out:?}");

    // The next version to edit; a mistake is listed with its field, nothing published.
    b.c.goto(&format!("{}/operator/directory", ws.base))
        .await
        .expect("goto");
    assert!(b.text("#dir-notice").await.contains("holds version 1"));
    let json = b.value("#dir-json").await;
    let mut next: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(next["version"], 2);
    next["entries"][0]["languages"] = serde_json::json!(["english"]);
    let area = b.wait("#dir-json").await;
    area.clear().await.expect("clear");
    area.send_keys(&next.to_string()).await.expect("type");
    b.click_to_page("#dir-publish").await;
    let errors = b.text("#dir-errors").await;
    assert!(errors.contains("entries[0].languages[0]"), "{errors}");
    let invalid = b
        .wait("#dir-json")
        .await
        .attr("aria-invalid")
        .await
        .expect("attr");
    assert_eq!(invalid.as_deref(), Some("true"));
    let out = listed(&fed, cfg_s).await;
    assert_eq!(out.json()[0]["version"], 1, "still version 1: {out:?}");
    assert!(
        super::super::common::browser::inaccessible(&b)
            .await
            .is_empty()
    );

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}
