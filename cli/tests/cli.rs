//! The `vrs` binary, run as a user runs it.

use std::process::Command;

use vrs_client::pki::Identity;
use vrs_core::report::Iso3;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_local::{self as local, FocalPoint, LocalNode, Pki};
use vrs_proto::v1 as pb;

fn vrs() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vrs"))
}

#[tokio::test(flavor = "multi_thread")]
async fn receipt_verify_is_offline_and_rejects_other_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let pki = Pki::create(dir.path()).expect("pki");
    let files = local::node_files(&pki, "THA", None, "").expect("files");
    let node = LocalNode::start(&files).await.expect("node");
    let ca = pki.ca.cert_pem().to_owned();
    let admin = node
        .channel(&ca, &pki.issue(Identity::admin("THA")).expect("cert"))
        .await
        .expect("admin");
    let fp = FocalPoint::new(&pki, "THA", "rtp-1", "rtp-1-k1").expect("fp");
    local::register(admin, &fp).await.expect("register");
    let p = ExampleParams::new(
        Iso3::new("THA").expect("iso"),
        "rtp-1",
        examples::report_id(3),
    );
    let mut report = examples::example_document(&p);
    report.key_id = "rtp-1-k1".into();
    let env = fp.sign(&pb::Report::from(&report));
    let receipt = pb::report_service_client::ReportServiceClient::new(
        node.channel(&ca, &fp.cert).await.expect("channel"),
    )
    .submit(pb::SubmitRequest {
        envelope: Some(env.clone()),
    })
    .await
    .expect("submit")
    .into_inner()
    .receipt
    .expect("receipt");
    node.stop().await.expect("stop");

    let receipt_path = dir.path().join("r.tlog-proof");
    let entry_path = dir.path().join("r.entry");
    std::fs::write(&receipt_path, &receipt.tlog_proof).expect("write");
    let entry = vrs_core::wire::envelope_from_pb(env).to_entry_bytes();
    std::fs::write(&entry_path, &entry).expect("write");

    let out = vrs()
        .args(["receipt", "verify"])
        .arg(&receipt_path)
        .arg("--entry")
        .arg(&entry_path)
        .args(["--key", &files.vkey])
        .output()
        .expect("run vrs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("ok: entry 1 is in the log of vrs.local/state/THA"),
        "{stdout}"
    );

    let mut other = entry.clone();
    other[10] ^= 1;
    std::fs::write(&entry_path, &other).expect("write");
    let out = vrs()
        .args(["receipt", "verify"])
        .arg(&receipt_path)
        .arg("--entry")
        .arg(&entry_path)
        .args(["--key", &files.vkey])
        .output()
        .expect("run vrs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("receipt does not verify"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = vrs().args(["receipt", "verify"]).output().expect("run vrs");
    assert_eq!(out.status.code(), Some(2), "usage error");
}
