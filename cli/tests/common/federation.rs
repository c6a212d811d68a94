//! The example federation of `deploy/run-local-federation.sh` (its own script makes the
//! PKI and the configurations and runs the scenario), its three nodes in-process on free
//! loopback ports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vrs_local::{LocalNode, NodeFiles};

use super::{BIN, Out};

/// The federation's directory in the README.
pub const README_FED: &str = "/tmp/fed";
/// The States of the example federation and their ports in deploy/federation.
pub const EXAMPLE: [(&str, u16); 3] = [("AUS", 7401), ("IDN", 7402), ("THA", 7403)];

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

pub fn bin_dir() -> PathBuf {
    Path::new(BIN).parent().expect("bin dir").to_path_buf()
}

/// Runs `program` with a clean environment: PATH (the built `vrs` first), HOME, `env`.
pub async fn run(
    program: &str,
    args: &[&str],
    cwd: &Path,
    home: &Path,
    env: &[(&str, &str)],
) -> Out {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = tokio::process::Command::new(program);
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .current_dir(cwd)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .await
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The example federation of `deploy/run-local-federation.sh`, its nodes in-process.
pub struct Federation {
    pub dir: tempfile::TempDir,
    pub nodes: Vec<LocalNode>,
    /// The README's text → this federation's.
    pub substitutions: Vec<(String, String)>,
}

impl Federation {
    pub fn fed(&self) -> PathBuf {
        self.dir.path().join("fed")
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn substitute(&self, text: &str) -> String {
        self.substitutions
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    }

    pub async fn script(&self, step: &str) -> Out {
        let script = repo().join("deploy").join("run-local-federation.sh");
        let bin = bin_dir();
        let fed = self.fed();
        run(
            "bash",
            &[
                script.to_str().expect("utf-8"),
                fed.to_str().expect("utf-8"),
            ],
            &self.work(),
            &self.home(),
            &[
                ("FEDERATION_STEP", step),
                ("VRS_BIN_DIR", bin.to_str().expect("utf-8")),
            ],
        )
        .await
    }

    /// `run-local-federation.sh` with the nodes run here instead of as processes.
    pub async fn start() -> Federation {
        let dir = tempfile::tempdir().expect("tmp");
        let mut f = Federation {
            dir,
            nodes: Vec::new(),
            substitutions: Vec::new(),
        };
        for d in [f.work(), f.home()] {
            std::fs::create_dir_all(&d).expect("mkdir");
        }
        std::os::unix::fs::symlink(repo().join("deploy"), f.work().join("deploy"))
            .expect("symlink");

        let out = f.script("configure").await;
        assert_eq!(out.code, 0, "{out:?}");

        let fed = f.fed();
        f.substitutions
            .push((README_FED.to_owned(), fed.display().to_string()));
        let mut listeners = BTreeMap::new();
        for (state, example) in EXAMPLE {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = l.local_addr().expect("addr").port();
            for host in ["localhost", "127.0.0.1"] {
                f.substitutions
                    .push((format!("{host}:{example}"), format!("{host}:{port}")));
            }
            listeners.insert(state, l);
        }
        let mut files: Vec<PathBuf> = vec![fed.join("vrs.toml"), fed.join("roseap.toml")];
        files.extend(
            EXAMPLE
                .iter()
                .map(|(s, _)| fed.join("nodes").join(s).join("vrs-node.toml")),
        );
        for file in &files {
            let text = std::fs::read_to_string(file).expect("a file the script wrote");
            assert!(
                text.contains("localhost:74") || text.contains("127.0.0.1:74"),
                "{} names the example ports",
                file.display()
            );
            std::fs::write(file, f.substitute(&text)).expect("write");
        }
        for (state, _) in EXAMPLE {
            let node_dir = fed.join("nodes").join(state);
            let vkey = std::fs::read_to_string(node_dir.join("node.vkey")).expect("vkey");
            let node = LocalNode::start_on(
                &NodeFiles {
                    state: state.into(),
                    config: node_dir.join("vrs-node.toml"),
                    data_dir: node_dir.join("data"),
                    vkey: vkey.trim().to_owned(),
                },
                listeners.remove(state).expect("listener"),
            )
            .await
            .unwrap_or_else(|e| panic!("the node of {state}: {e:#}"));
            f.nodes.push(node);
        }

        let out = f.script("scenario").await;
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stdout
                .contains("AUS+IDN+THA,2026-M03,MOVEMENTS,_T,_T,_T,EVENTS,"),
            "the scenario ends with the regional table: {out:?}"
        );
        f
    }

    pub async fn stop(self) {
        for n in self.nodes {
            n.stop().await.expect("stop");
        }
    }
}
