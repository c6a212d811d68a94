//! `vrs roster`, run as a roster keeper runs it: keys, the template, signing by one and
//! by two keepers, verification, and the table of members.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vrs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vrs"))
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .args(args)
        .output()
        .expect("run vrs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `vrs` and requires exit `code`; returns standard output.
fn expect(dir: &Path, args: &[&str], code: i32) -> String {
    let out = vrs(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "vrs {args:?}\n--- stdout\n{}--- stderr\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A keeper's key pair `<prefix>.key` and `<prefix>.vkey` in `dir`.
fn keygen(dir: &Path, prefix: &str) -> (PathBuf, PathBuf) {
    let name = format!("roster.example/{prefix}");
    expect(
        dir,
        &["roster", "keygen", "--name", &name, "--out", prefix],
        0,
    );
    (
        dir.join(format!("{prefix}.key")),
        dir.join(format!("{prefix}.vkey")),
    )
}

/// The template, written to `roster.json`, signed by `a` into `one.note`.
fn signed_by_a(dir: &Path) {
    let json = expect(dir, &["roster", "template"], 0);
    std::fs::write(dir.join("roster.json"), json).expect("write");
    keygen(dir, "a");
    expect(
        dir,
        &[
            "roster",
            "sign",
            "roster.json",
            "--key",
            "a.key",
            "-o",
            "one.note",
        ],
        0,
    );
}

#[test]
fn keygen_writes_a_private_key_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (key, vkey) = keygen(dir, "k");
    let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", key.display());
    let key_text = std::fs::read_to_string(&key).expect("read");
    assert!(
        key_text.contains("\nPRIVATE+KEY+roster.example/k+"),
        "{key_text}"
    );
    let vkey_text = std::fs::read_to_string(&vkey).expect("read");
    assert!(vkey_text.starts_with("roster.example/k+") && vkey_text.ends_with('\n'));
    assert_eq!(vkey_text.lines().count(), 1);
    assert!(
        key_text.contains(vkey_text.trim()),
        "the key file names its verifier key"
    );

    let out = vrs(
        dir,
        &[
            "roster",
            "keygen",
            "--name",
            "roster.example/k",
            "--out",
            "k",
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read_to_string(&key).expect("read"), key_text);

    expect(
        dir,
        &["roster", "keygen", "--name", "has space", "--out", "x"],
        2,
    );
    assert!(!dir.join("x.key").exists());
}

#[test]
fn template_signed_by_a_verifies_with_a_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    signed_by_a(dir);
    let note = std::fs::read_to_string(dir.join("one.note")).expect("note");
    assert!(note.starts_with("vrs-roster/v1\n{"), "{note}");

    let out = expect(
        dir,
        &["roster", "verify", "one.note", "--keys", "a.vkey"],
        0,
    );
    assert_eq!(
        out,
        "verified: roster vrs.example version 1, 1 of 1 signatures\n"
    );

    keygen(dir, "b");
    let out = vrs(dir, &["roster", "verify", "one.note", "--keys", "b.vkey"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("0 pinned roster key(s); 1 required"));

    // A tampered body does not verify.
    let tampered = note.replace("\"version\": 1", "\"version\": 9");
    assert_ne!(tampered, note);
    std::fs::write(dir.join("tampered.note"), tampered).expect("write");
    expect(
        dir,
        &["roster", "verify", "tampered.note", "--keys", "a.vkey"],
        3,
    );

    // More required than pinned is a usage error; 0 too.
    expect(
        dir,
        &[
            "roster",
            "verify",
            "one.note",
            "--keys",
            "a.vkey",
            "--threshold",
            "2",
        ],
        2,
    );
    expect(
        dir,
        &[
            "roster",
            "verify",
            "one.note",
            "--keys",
            "a.vkey",
            "--threshold",
            "0",
        ],
        2,
    );
}

#[test]
fn two_of_two_keepers_sign_one_after_another() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    signed_by_a(dir);
    keygen(dir, "b");
    let both = format!(
        "# the roster keys\n{}{}",
        std::fs::read_to_string(dir.join("a.vkey")).expect("a"),
        std::fs::read_to_string(dir.join("b.vkey")).expect("b")
    );
    std::fs::write(dir.join("pins"), both).expect("write");
    let two = [
        "roster",
        "verify",
        "one.note",
        "--keys",
        "pins",
        "--threshold",
        "2",
    ];
    expect(dir, &two, 3);

    // The second keeper signs the note (to standard output).
    let note = expect(dir, &["roster", "sign", "one.note", "--key", "b.key"], 0);
    std::fs::write(dir.join("two.note"), &note).expect("write");
    assert_eq!(
        note.lines().filter(|l| l.starts_with('\u{2014}')).count(),
        2
    );
    let out = expect(
        dir,
        &[
            "roster",
            "verify",
            "two.note",
            "--keys",
            "pins",
            "--threshold",
            "2",
        ],
        0,
    );
    assert_eq!(
        out,
        "verified: roster vrs.example version 1, 2 of 2 signatures\n"
    );
    // The same files given as two --keys arguments.
    expect(
        dir,
        &[
            "roster",
            "verify",
            "two.note",
            "--keys",
            "a.vkey",
            "b.vkey",
            "--threshold",
            "2",
        ],
        0,
    );
    // Signing again with a key already there adds nothing.
    let again = expect(dir, &["roster", "sign", "two.note", "--key", "b.key"], 0);
    assert_eq!(again, note);
}

#[test]
fn show_prints_the_members() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    signed_by_a(dir);
    let out = expect(dir, &["roster", "show", "one.note"], 0);
    assert!(out.contains("NOT verified"), "{out}");
    for want in [
        "AUS",
        "IDN",
        "vrs.example/state/AUS+",
        "https://idn.vrs.example:7400",
        "ROSEAP",
    ] {
        assert!(out.contains(want), "{want} in\n{out}");
    }
    let out = expect(dir, &["roster", "show", "one.note", "--keys", "a.vkey"], 0);
    assert!(out.contains("verified: 1 of 1"), "{out}");
    keygen(dir, "b");
    expect(dir, &["roster", "show", "one.note", "--keys", "b.vkey"], 3);

    let out = expect(dir, &["roster", "show", "one.note", "-o", "json"], 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let states: Vec<&str> = v["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["state"].as_str())
        .collect();
    assert_eq!(states, ["AUS", "IDN"]);
}

#[test]
fn an_invalid_roster_is_refused_with_its_field() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    signed_by_a(dir);
    let json = std::fs::read_to_string(dir.join("roster.json")).expect("read");
    let bad = json.replace("https://idn.vrs.example:7400", "http://idn.vrs.example");
    assert_ne!(bad, json);
    std::fs::write(dir.join("bad.json"), bad).expect("write");
    let out = vrs(
        dir,
        &[
            "roster", "sign", "bad.json", "--key", "a.key", "-o", "bad.note",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("members[1].endpoints[0]"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("bad.note").exists());
}
