//! Helpers shared by the tests that run the `vrs` binary.
// Each test binary includes this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use vrs_client::pki::Issued;

pub mod browser;
pub mod federation;
pub mod sdmx;

/// The `vrs` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_vrs");

/// The result of one run of the binary.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// Runs `vrs` with a clean environment: only PATH, HOME and `env`.
pub async fn run_with(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    run_with_input(home, env, args, None).await
}

/// As [`run_with`], with `input` on standard input.
pub async fn run_with_input(
    home: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    input: Option<&str>,
) -> Out {
    use tokio::io::AsyncWriteExt as _;
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run vrs");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).await.expect("write stdin");
    }
    drop(stdin);
    let out = child.wait_with_output().await.expect("wait for vrs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes a client certificate and key under `dir/ids/<name>/`.
pub fn write_identity(dir: &Path, name: &str, issued: &Issued) -> (PathBuf, PathBuf) {
    let d = dir.join("ids").join(name);
    std::fs::create_dir_all(&d).expect("mkdir");
    let (crt, key) = (d.join("client.crt"), d.join("client.key"));
    issued.write(&crt, &key).expect("write identity");
    (crt, key)
}
