//! The README's commands, run as written, so that the README cannot rot.
//!
//! * The quick start: `cargo run --release --bin vrs -- demo` is run as the built `vrs`
//!   binary with the same arguments and a small `--reports`.
//! * The guides: the example federation is made by `deploy/run-local-federation.sh`
//!   itself (`FEDERATION_STEP=configure`: `vrs pki init` and the node configurations),
//!   its three nodes run in-process on free loopback ports from those configuration
//!   files, the script's scenario runs against them (`FEDERATION_STEP=scenario`), and
//!   then every `sh` block of each guide of the README's "Guides" section runs with bash
//!   (`set -euo pipefail`), guide after guide in README order, from a working directory
//!   where `deploy` is the repository's. The only changes to the text are the
//!   federation's directory (`/tmp/fed`) and the example ports (7401-7403), replaced by
//!   a temporary directory and the ports the nodes got, in the commands and in the files
//!   the script wrote. The block that starts the federation (`cargo build …` and
//!   `deploy/run-local-federation.sh /tmp/fed`) is the one not run: it is checked to be
//!   what this test does instead.

use std::collections::BTreeMap;

mod common;

use common::BIN;
use common::federation::{Federation, README_FED, repo, run};

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

/// The text of the `## title` section (up to the next `## ` heading).
fn section<'a>(text: &'a str, title: &str) -> &'a str {
    let head = format!("\n## {title}\n");
    let start = text
        .find(&head)
        .unwrap_or_else(|| panic!("the README has no section {title:?}"))
        + head.len();
    let rest = &text[start..];
    match rest.find("\n## ") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// The ```sh blocks of `text`, in order.
fn sh_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_end() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unterminated code block");
    blocks
}

/// The guides: (title, their sh blocks), after the preamble's blocks.
fn guides(text: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let mut parts = text.split("\n### ");
    let preamble = sh_blocks(parts.next().unwrap_or_default());
    let guides = parts
        .map(|p| {
            let (title, body) = p.split_once('\n').unwrap_or((p, ""));
            (title.trim().to_owned(), sh_blocks(body))
        })
        .collect();
    (preamble, guides)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quick_start_runs() {
    let text = readme();
    let blocks = sh_blocks(section(&text, "The two commands"));
    let lines: Vec<&str> = blocks
        .first()
        .expect("a code block")
        .lines()
        .map(|l| l.split(" #").next().unwrap_or(l).trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "cargo run --release --bin vrs -- demo",
            "cargo test --workspace --locked"
        ],
        "the two commands at the top of the README"
    );
    let args: Vec<&str> = lines[0]
        .split_once(" -- ")
        .expect("arguments")
        .1
        .split_whitespace()
        .chain(["--reports", "12"])
        .collect();
    let home = tempfile::tempdir().expect("tmp");
    let out = run(BIN, &args, home.path(), home.path(), &[]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("demo finished: every verification passed"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guides_run_as_written() {
    let text = readme();
    let (preamble, guides) = guides(section(&text, "Guides"));
    let setup = preamble.concat();
    assert!(
        setup.contains("cargo build --release --bin vrs --bin vrs-node\n")
            && setup.contains(&format!("deploy/run-local-federation.sh {README_FED}\n")),
        "the guides start the federation this test runs: {setup}"
    );
    let titles: Vec<&str> = guides.iter().map(|(t, _)| t.as_str()).collect();
    for want in [
        "Focal point",
        "Node operator: identities",
        "Node operator: releases and sync",
        "Secretariat",
        "Auditor",
    ] {
        assert!(
            titles.iter().any(|t| t.starts_with(want)),
            "a guide {want:?} in {titles:?}"
        );
    }

    let fed = Federation::start().await;
    let mut outputs = BTreeMap::new();
    for (title, blocks) in &guides {
        assert!(!blocks.is_empty(), "guide {title:?} has no command");
        let script = format!("set -euo pipefail\n{}", fed.substitute(&blocks.concat()));
        let out = run(
            "bash",
            &["-x", "-c", &script],
            &fed.work(),
            &fed.home(),
            &[],
        )
        .await;
        assert_eq!(
            out.code, 0,
            "the guide {title:?} failed (bash -x: the last command shown failed)\n{out:?}"
        );
        outputs.insert(title.clone(), out);
    }
    let find = |prefix: &str| {
        outputs
            .iter()
            .find(|(t, _)| t.starts_with(prefix))
            .map(|(_, o)| o)
            .expect("guide")
    };
    let ops = find("Node operator: releases and sync");
    assert!(
        ops.stdout.contains("AUS     MOVEMENTS   2026-M03  2"),
        "{ops:?}"
    );
    let sec = find("Secretariat");
    assert!(
        sec.stdout
            .contains("AUS+IDN+THA,2026-M03,MOVEMENTS,_T,_T,_T,EVENTS,"),
        "{sec:?}"
    );
    // The PROTECTION table: the README's boat endangered lives.
    assert!(
        sec.stdout
            .contains("AUS+IDN+THA,2026-M03,PROTECTION,_T,_T,_T,ENDANGERING_LIFE,"),
        "{sec:?}"
    );
    assert!(
        std::fs::read_to_string(fed.work().join("movements.csv"))
            .expect("the secretariat's export")
            .starts_with("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,")
    );
    let aud = find("Auditor");
    assert!(
        aud.stdout.contains("ok: IDN MOVEMENTS 2026-M03 version 1"),
        "{aud:?}"
    );
    fed.stop().await;
}
