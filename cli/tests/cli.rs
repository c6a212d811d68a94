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

fn ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("run vrs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What a newcomer reads offline: the code lists with labels, templates to fill in,
/// completions and man pages.
#[test]
fn codes_templates_completions_and_man_pages_need_no_node() {
    let out = ok(vrs().args(["codes", "agency", "-o", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let codes: Vec<&str> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert!(codes.contains(&"COAST_GUARD"), "{v}");
    assert!(
        v.as_array()
            .expect("rows")
            .iter()
            .all(|r| r["list"] == "Agency")
    );
    let out = ok(vrs().args(["codes", "currency", "-o", "csv"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("USD,US Dollar (amounts in 1/100 units)"),
        "{text}"
    );
    let bad = vrs().args(["codes", "nope"]).output().expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("the lists are ReportStatus, Agency"));

    let out = ok(vrs().args(["template", "fee", "--format", "csv"]));
    let header = String::from_utf8_lossy(&out.stdout);
    assert!(header.starts_with("agency,observed_on,"), "{header}");
    assert!(header.contains("body.fee.amount"), "{header}");
    let dir = tempfile::tempdir().expect("tmp");
    let xlsx = dir.path().join("fees.xlsx");
    ok(vrs()
        .args(["template", "fee", "--format", "xlsx", "--out"])
        .arg(&xlsx));
    let bytes = std::fs::read(&xlsx).expect("xlsx");
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let sheets = vrs_client::bulk::read_xlsx(&bytes, None);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fee"]);

    let out = ok(vrs().args(["completions", "bash"]));
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("complete -F _vrs") && script.contains("template"),
        "{script}"
    );
    let man = dir.path().join("man1");
    ok(vrs().arg("man").arg("--dir").arg(&man));
    let page = std::fs::read_to_string(man.join("vrs-submit.1")).expect("vrs-submit.1");
    assert!(
        page.contains(".TH vrs-submit") && page.contains("rejects"),
        "{page}"
    );
}
