//! The node's administrator: the node's page, the sync with a peer that is down (its
//! row failed, with the reason the node recorded), a key registered from its `.pub`
//! file and revoked (confirmed) from the page, as `vrs keys list` then shows it, and a
//! period released.

use fantoccini::Locator;
use serde_json::Value;

use super::super::common::{Out, run_with};
use super::super::{Browser, Federation, Workspace};

async fn vrs(fed: &Federation, args: &[&str]) -> Out {
    run_with(&fed.home(), &[], args).await
}

async fn click(b: &Browser, css: &str) {
    b.click_to_page(css).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_sees_a_failed_peer_and_registers_and_revokes_a_key() {
    let mut fed = Federation::start().await;
    let cfg = fed.fed().join("vrs.toml");
    let cfg_s = cfg.to_str().expect("utf-8").to_owned();
    let ws = Workspace::start(&cfg, "aus-admin", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;

    // The node: every service serving, the log's checkpoint verified with the profile's
    // key, the size the node's checkpoint has; the peers' cosignatures named.
    assert!(b.text("#role").await.contains("AUS"));
    let health = b.text("#health").await;
    assert!(
        health.contains("SERVING") && !health.contains("NOT_SERVING"),
        "{health}"
    );
    assert_eq!(b.text("#log-status").await, "verified");
    let cp = vrs(
        &fed,
        &[
            "--config",
            &cfg_s,
            "--profile",
            "aus-admin",
            "log",
            "checkpoint",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(cp.code, 0, "{cp:?}");
    let size = cp.json()[0]["size"].as_u64().expect("size");
    let shown: u64 = b.text("#log-size").await.parse().expect("a number");
    assert!(shown >= size, "the page shows size {shown}, the CLI {size}");
    let witnesses = b.text("#cosignatures").await;
    assert!(
        witnesses.contains("IDN") && witnesses.contains("THA"),
        "{witnesses}"
    );
    assert!(b.text("#no-alarms").await.contains("No alarm"));
    b.shot("operator-node").await;

    // The scenario synced once: both peers ok. IDN's node stops; Sync now fails for it.
    b.c.goto(&format!("{}/operator/sync", ws.base))
        .await
        .expect("goto");
    assert_eq!(b.text("#peer-IDN .outcome").await, "ok");
    assert_eq!(b.text("#peer-THA .outcome").await, "ok");
    let idn = fed
        .nodes
        .iter()
        .position(|n| n.state == "IDN")
        .expect("IDN's node");
    fed.nodes.remove(idn).stop().await.expect("stop IDN's node");
    click(&b, "#sync-all").await;
    let reason = b.text("#peer-IDN td.reason.bad").await;
    assert_eq!(b.text("#peer-IDN .outcome").await, "failed");
    assert_eq!(b.text("#peer-THA .outcome").await, "ok");
    assert!(
        b.text("#notice").await.contains("IDN"),
        "the round's failures are named"
    );
    // The reason is the one the node recorded, as `vrs sync status` prints it.
    let st = vrs(
        &fed,
        &[
            "--config",
            &cfg_s,
            "--profile",
            "aus-admin",
            "sync",
            "status",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(st.code, 1, "the CLI fails on a failed peer: {st:?}");
    let peers = st.json()["peers"].as_array().cloned().expect("peers");
    let recorded = peers
        .iter()
        .find(|p| p["peer"] == "IDN")
        .expect("IDN's record")["last_error"]
        .as_str()
        .expect("an error")
        .to_owned();
    assert!(
        !reason.is_empty() && reason == recorded,
        "page {reason:?}, node {recorded:?}"
    );
    b.shot("operator").await;
    // With one peer: THA's run succeeds, and the notice says so.
    click(&b, "#sync-THA button").await;
    let notice = b.text("#notice").await;
    assert!(
        notice.contains("THA") && notice.contains("succeeded"),
        "{notice}"
    );
    assert_eq!(b.text("#peer-IDN .outcome").await, "failed");

    // A key made as a focal point makes it, registered from its .pub file.
    let keys = fed.work().join("keys");
    std::fs::create_dir_all(&keys).expect("mkdir");
    let key = keys.join("aus-fp1-k9.key");
    let out = vrs(
        &fed,
        &[
            "keys",
            "new",
            "--key-id",
            "aus-fp1-k9",
            "--out",
            key.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    b.c.goto(&format!("{}/operator/keys", ws.base))
        .await
        .expect("goto");
    b.wait("#key-aus-fp1-k1, #keys").await;
    b.wait("#register-focal-point")
        .await
        .send_keys("aus-fp1")
        .await
        .expect("type");
    let pub_file = keys.join("aus-fp1-k9.key.pub");
    b.wait("#register-file")
        .await
        .send_keys(pub_file.to_str().expect("utf-8"))
        .await
        .expect("upload");
    click(&b, "#register-send").await;
    assert!(b.text("#notice").await.contains("aus-fp1-k9"));
    assert_eq!(b.text("#key-aus-fp1-k9 .revoked-at").await, "active");
    assert!(b.text("#key-aus-fp1-k9").await.contains("aus-fp1"));
    b.shot("operator-keys").await;

    // Revoked from the page, after the confirmation.
    b.mark_page().await;
    b.wait("#revoke-aus-fp1-k9")
        .await
        .click()
        .await
        .expect("revoke");
    let ask = b.c.get_alert_text().await.expect("a confirmation");
    assert!(ask.contains("aus-fp1-k9"), "{ask}");
    b.c.accept_alert().await.expect("accept");
    b.next_page().await;
    let at = b.text("#key-aus-fp1-k9 .revoked-at.bad").await;
    let at: u64 = at
        .parse()
        .unwrap_or_else(|_| panic!("a log index, not {at:?}"));
    assert!(
        b.c.find(Locator::Css("#revoke-aus-fp1-k9")).await.is_err(),
        "no revoke button left"
    );
    let listed = vrs(
        &fed,
        &[
            "--config",
            &cfg_s,
            "--profile",
            "aus-admin",
            "keys",
            "list",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(listed.code, 0, "{listed:?}");
    let k9 = listed
        .json()
        .as_array()
        .cloned()
        .expect("keys")
        .into_iter()
        .find(|k| k["key_id"] == "aus-fp1-k9")
        .expect("the key listed");
    assert_eq!(k9["revoked_at"], Value::from(at), "{k9}");
    assert_eq!(k9["focal_point_id"], "aus-fp1");

    // A wrong key is said at its field, nothing registered.
    b.wait("#register-focal-point")
        .await
        .send_keys("aus-fp1")
        .await
        .expect("type");
    b.wait("#register-key-id")
        .await
        .send_keys("aus-fp1-k10")
        .await
        .expect("type");
    b.wait("#register-public-key")
        .await
        .send_keys("not-a-key")
        .await
        .expect("type");
    click(&b, "#register-send").await;
    assert!(
        b.text("#register-public-key-error")
            .await
            .contains("32-byte")
    );

    // Releases: March 2026 was released by the scenario; February 2026 is released now.
    b.c.goto(&format!("{}/operator/releases", ws.base))
        .await
        .expect("goto");
    let before = b.text("#releases").await;
    assert!(
        before.contains("2026-M03") && !before.contains("2026-M02"),
        "{before}"
    );
    b.wait("#release-period")
        .await
        .send_keys("2026-M02")
        .await
        .expect("type");
    click(&b, "#release-send").await;
    assert!(b.text("#notice").await.contains("2026-M02"));
    assert!(b.text("#releases").await.contains("2026-M02"));
    // Not a period: said at the field.
    b.wait("#release-period")
        .await
        .send_keys("March")
        .await
        .expect("type");
    click(&b, "#release-send").await;
    assert!(
        b.text("#release-period-error")
            .await
            .contains("SDMX period")
    );

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_pages_are_refused_to_a_focal_point() {
    let fed = Federation::start().await;
    let ws = Workspace::start(&fed.fed().join("vrs.toml"), "aus-fp1", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;
    for page in [
        "/operator",
        "/operator/sync",
        "/operator/keys",
        "/operator/releases",
    ] {
        b.c.goto(&format!("{}{page}", ws.base)).await.expect("goto");
        assert!(b.text("#trouble").await.contains("another role"), "{page}");
    }
    b.close().await;
    ws.stop().await;
    fed.stop().await;
}
