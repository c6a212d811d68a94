//! Offline verification on `/verify`: a receipt that `vrs submit --receipts` saved,
//! uploaded with its entry, is verified with its log index; with one byte of the entry
//! changed, or under another node's key, it is not, and the page says why. A release
//! envelope likewise, under its origin's key or another's.

use std::path::{Path, PathBuf};

use super::super::common::run_with;
use super::super::{Browser, Federation, Workspace};

/// The files under `dir` whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p, ext));
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
    out
}

/// Uploads `receipt` and `entry` on `/verify` with the key `vkey` (the prefilled one
/// when `None`).
async fn verify(b: &Browser, base: &str, receipt: &Path, entry: &Path, vkey: Option<&str>) {
    b.c.goto(&format!("{base}/verify")).await.expect("goto");
    b.wait("#verify-receipt")
        .await
        .send_keys(receipt.to_str().expect("utf-8"))
        .await
        .expect("upload");
    b.wait("#verify-entry")
        .await
        .send_keys(entry.to_str().expect("utf-8"))
        .await
        .expect("upload");
    if let Some(k) = vkey {
        let field = b.wait("#verify-vkey").await;
        field.clear().await.expect("clear");
        field.send_keys(k).await.expect("type");
    }
    b.click_to_page("#verify-send").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auditor_verifies_a_receipt_and_a_changed_entry_is_not_verified() {
    let fed = Federation::start().await;
    let cfg = fed.fed().join("vrs.toml");
    let receipts = fed.work().join("auditor-receipts");
    // A report of its own (the scenario's are in the outbox already, and not sent again).
    let mut movement: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("deploy/examples/movement.json")).expect("example"),
    )
    .expect("json");
    movement["body"]["movement"]["injuries"] = serde_json::json!(3);
    let report = fed.work().join("auditor-movement.json");
    std::fs::write(&report, movement.to_string()).expect("write");
    let out = run_with(
        &fed.home(),
        &[],
        &[
            "--config",
            cfg.to_str().expect("utf-8"),
            "--profile",
            "aus-fp1",
            "submit",
            "--receipts",
            receipts.to_str().expect("utf-8"),
            report.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let proofs = files(&receipts, ".tlog-proof");
    assert_eq!(proofs.len(), 1, "{proofs:?}");
    let receipt = proofs[0].clone();
    let entry = PathBuf::from(receipt.to_string_lossy().replace(".tlog-proof", ".entry"));
    let aus_vkey = std::fs::read_to_string(fed.fed().join("nodes/AUS/node.vkey")).expect("vkey");
    let idn_vkey = std::fs::read_to_string(fed.fed().join("nodes/IDN/node.vkey")).expect("vkey");
    let text = std::fs::read_to_string(&receipt).expect("receipt");
    let bytes = std::fs::read(&entry).expect("entry");
    let index = vrs_client::submission::verify_receipt_text(&text, &bytes, aus_vkey.trim())
        .expect("a good receipt");

    let ws = Workspace::start(&cfg, "aus-fp1", &fed.home()).await;
    let b = Browser::start().await;
    ws.open(&b).await;

    // The profile's key is filled in; the receipt is verified, with its index.
    b.c.goto(&format!("{}/verify", ws.base))
        .await
        .expect("goto");
    let prefilled = b.value("#verify-vkey").await;
    assert_eq!(prefilled, aus_vkey.trim());
    verify(&b, &ws.base, &receipt, &entry, None).await;
    assert_eq!(b.text("#verify-status").await, "verified");
    assert_eq!(b.text("#verify-index").await, index.to_string());
    assert!(b.text("#verify-log").await.contains("AUS"));
    b.shot("verify").await;

    // One byte of the entry changed: not verified, with the reason verify_receipt_text gives.
    let mut changed = bytes.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 0x01;
    let changed_path = fed.work().join("changed.entry");
    std::fs::write(&changed_path, &changed).expect("write");
    let why = vrs_client::submission::verify_receipt_text(&text, &changed, aus_vkey.trim())
        .expect_err("a changed entry does not verify")
        .to_string();
    verify(&b, &ws.base, &receipt, &changed_path, None).await;
    assert_eq!(b.text("#verify-status").await, "not verified");
    assert_eq!(b.text("#verify-reason").await, why);
    assert!(!why.is_empty());

    // Under another node's key: not verified either, and why.
    let why = vrs_client::submission::verify_receipt_text(&text, &bytes, idn_vkey.trim())
        .expect_err("another log's key does not verify it")
        .to_string();
    verify(&b, &ws.base, &receipt, &entry, Some(idn_vkey.trim())).await;
    assert_eq!(b.text("#verify-status").await, "not verified");
    assert_eq!(b.text("#verify-reason").await, why);

    // A release envelope, saved by vrs releases get: verified under its origin's key,
    // refused under another's, with the reason vrs releases verify gives.
    let saved = fed.work().join("idn-movements.json");
    let out = run_with(
        &fed.home(),
        &[],
        &[
            "--config",
            cfg.to_str().expect("utf-8"),
            "--profile",
            "aus-admin",
            "releases",
            "get",
            "IDN",
            "MOVEMENTS",
            "2026-M03",
            "--envelope",
            saved.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let upload = |key: String| {
        let (b, base, saved) = (&b, ws.base.clone(), saved.clone());
        async move {
            b.c.goto(&format!("{base}/verify")).await.expect("goto");
            b.wait("#verify-release")
                .await
                .send_keys(saved.to_str().expect("utf-8"))
                .await
                .expect("upload");
            b.wait("#verify-origin-key")
                .await
                .send_keys(&key)
                .await
                .expect("type");
            b.click_to_page("#verify-release-send").await;
        }
    };
    upload(idn_vkey.trim().to_owned()).await;
    assert_eq!(b.text("#release-status").await, "verified");
    assert_eq!(b.text("#release-what").await, "IDN MOVEMENTS 2026-M03 v1");
    upload(aus_vkey.trim().to_owned()).await;
    assert_eq!(b.text("#release-status").await, "not verified");
    let reason = b.text("#release-reason").await;
    assert!(
        reason.contains("REFUSED release IDN MOVEMENTS")
            && reason.contains("signature does not verify"),
        "{reason}"
    );
    let cli = run_with(
        &fed.home(),
        &[],
        &[
            "releases",
            "verify",
            saved.to_str().expect("utf-8"),
            "--key",
            aus_vkey.trim(),
        ],
    )
    .await;
    assert_eq!(cli.code, 1, "{cli:?}");
    assert!(
        cli.stderr.contains(&reason),
        "the CLI and the page give one reason: {cli:?} / {reason}"
    );

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

fn repo_file(rel: &str) -> PathBuf {
    super::super::common::federation::repo().join(rel)
}
