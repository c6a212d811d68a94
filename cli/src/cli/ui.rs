//! `vrs ui`: the web workspace on loopback (the `vrs-ui` crate).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use vrs_client::profile::Selector;

/// `vrs ui`.
#[derive(Args)]
pub struct UiArgs {
    /// Where to listen: a loopback address only (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:7480", value_name = "ADDR")]
    listen: SocketAddr,
    /// Print the address, do not open a browser.
    #[arg(long)]
    no_open: bool,
    /// Minutes without use after which a session ends.
    #[arg(long, default_value_t = 30, value_name = "MINUTES")]
    idle_minutes: u64,
}

impl UiArgs {
    /// Runs the workspace until Ctrl-C.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        super::block_on(async move {
            let bound = serve_options(sel, &self)?;
            let bound = vrs_ui::bind(bound).await?;
            // The first line of output: the address with its one-time token.
            println!("{}", bound.url);
            eprintln!(
                "vrs: the workspace listens on http://{} (loopback only); the address above opens one session. Ctrl-C stops it.",
                bound.addr
            );
            if !self.no_open {
                open_browser(&bound.url);
            }
            bound
                .serve(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            Ok(())
        })
    }
}

fn serve_options(sel: &Selector, a: &UiArgs) -> anyhow::Result<vrs_ui::Options> {
    Ok(vrs_ui::Options {
        selector: sel.clone(),
        listen: a.listen,
        state_dir: vrs_client::profile::default_state_dir(&vrs_client::profile::process_env),
        idle: Duration::from_secs(a.idle_minutes.max(1) * 60),
    })
}

/// Opens `url` in the desktop's browser, if there is one; says so if not.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        super::warn(format!(
            "cannot start {opener}: open the address above in a browser"
        ));
    }
}
