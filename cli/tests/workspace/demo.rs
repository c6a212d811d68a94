//! `vrs demo --keep --ui`: the README's first command with the workspace on it, a
//! profile for every role, switched between in the page header.

use fantoccini::Locator;
use tokio::io::AsyncBufReadExt as _;

use super::super::Browser;
use super::super::common::BIN;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_serves_the_workspace_with_a_profile_for_each_role() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("demo");
    let mut child = tokio::process::Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .args([
            "demo",
            "--keep",
            "--ui",
            "--ui-listen",
            "127.0.0.1:0",
            "--reports",
            "12",
            "--dir",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run vrs demo");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = String::new();
    let url = loop {
        let line = lines
            .next_line()
            .await
            .expect("demo output")
            .unwrap_or_else(|| panic!("the demo ended without a workspace address:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if let Some(u) = line.trim().strip_prefix("http://127.0.0.1:") {
            break format!("http://127.0.0.1:{u}");
        }
    };
    assert!(url.contains("/?token="), "{url}");
    assert!(
        seen.contains("demo") && seen.contains("workspace.toml"),
        "{seen}"
    );

    let b = Browser::start().await;
    b.c.goto(&url).await.expect("open");
    assert!(
        b.text("#role").await.starts_with("Focal point aus-desk"),
        "the default profile"
    );
    // Switch to each role by the header's profile switcher, as a person does.
    for (profile, role) in [
        ("roseap", "Secretariat"),
        ("aus-admin", "Node operator"),
        ("idn-desk", "Focal point"),
    ] {
        let select = b.wait("#profile-switch").await;
        select
            .select_by_label(profile)
            .await
            .expect("choose the profile");
        b.c.find(Locator::Css("header.top form[action='/profile'] button"))
            .await
            .expect("switch button")
            .click()
            .await
            .expect("switch");
        b.c.wait()
            .for_element(Locator::XPath(&format!(
                "//span[@id='role'][starts-with(normalize-space(.), '{role}')]"
            )))
            .await
            .unwrap_or_else(|e| {
                panic!("the header shows {role} after switching to {profile}: {e}")
            });
        b.shot(&format!("demo-home-{profile}")).await;
        if profile == "aus-admin" {
            // AUS releases under reciprocity = "period": THA never released 2026-M09,
            // so the sync page says what AUS withholds from it, and why.
            let base = url.split("/?token=").next().expect("base");
            b.c.goto(&format!("{base}/operator/sync"))
                .await
                .expect("goto");
            let shown = b.text("#reciprocity").await;
            assert!(
                shown.contains(
                    "withheld from THA by reciprocity: 7 release(s) of 2026-M09 (THA has released nothing of 2026-M09 that this node holds)"
                ),
                "{shown}"
            );
            assert!(!shown.contains("from IDN"), "IDN released it: {shown}");
            b.shot("demo-operator-reciprocity").await;
        }
    }
    b.close().await;
    let _ = child.kill().await;
}
