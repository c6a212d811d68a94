//! A real browser for the web workspace's tests: Debian's headless Chromium driven over
//! WebDriver (chromedriver on a port it picks, fantoccini as the client), and `vrs ui`
//! run as a person runs it, reading its address from its first line of output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};

use super::BIN;

/// The chromium and chromedriver binaries (`CHROMIUM`, `CHROMEDRIVER` override).
fn binaries() -> (String, String) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for b in [&chromium, &driver] {
        assert!(
            Path::new(b).exists(),
            "{b} is missing: the browser tests need Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver; .ci/run installs them)"
        );
    }
    (chromium, driver)
}

/// A headless Chromium session.
pub struct Browser {
    /// The WebDriver client.
    pub c: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

/// Where screenshots go for people to look at: `target/ui-screenshots/`.
pub fn shots_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("ui-screenshots"))
        .unwrap_or_else(|| PathBuf::from("ui-screenshots"));
    std::fs::create_dir_all(&d).expect("mkdir screenshots");
    d
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium through it.
    pub async fn start() -> Browser {
        let (chromium, driver_bin) = binaries();
        let mut driver = tokio::process::Command::new(driver_bin)
            .arg("--port=0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let mut lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
        let port = loop {
            let line = lines
                .next_line()
                .await
                .expect("chromedriver output")
                .expect("chromedriver stopped before it started");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest
                    .trim_end_matches('.')
                    .trim()
                    .parse::<u16>()
                    .expect("port");
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let profile = tempfile::tempdir().expect("tmp");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session in chromium");
        Browser {
            c,
            driver,
            _profile: profile,
        }
    }

    /// Saves a screenshot as `target/ui-screenshots/<name>.png`; its path.
    pub async fn shot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.expect("screenshot");
        let p = shots_dir().join(format!("{name}.png"));
        std::fs::write(&p, png).expect("write screenshot");
        p
    }

    /// The text of the element `css` (waiting for it to appear).
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.expect("text")
    }

    /// The current value of the form control `css` (what a person typed or sees).
    pub async fn value(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// The element `css`, once it is in the page (10 s at most).
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?} in the page: {e}"))
    }

    /// Marks the page shown, so that [`Browser::next_page`] waits for the one that
    /// replaces it (a form's answer has the same elements as the form's page: waiting
    /// for one of them could find the old page's, then go stale).
    pub async fn mark_page(&self) {
        self.c
            .execute("document.documentElement.dataset.left = '1';", vec![])
            .await
            .expect("mark the page");
    }

    /// Waits for the page that replaces the one [`Browser::mark_page`] marked.
    pub async fn next_page(&self) {
        self.c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("html:not([data-left])"))
            .await
            .expect("the next page");
    }

    /// Clicks `css` (a form's button, a link) and waits for the page it leads to.
    pub async fn click_to_page(&self, css: &str) {
        self.mark_page().await;
        self.wait(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.next_page().await;
    }

    /// Ends the browser session and the driver.
    pub async fn close(mut self) {
        let _ = self.c.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// `vrs ui` running on a profile, as a person starts it.
pub struct Workspace {
    /// The address it printed, with its one-time token.
    pub url: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The port.
    pub port: u16,
    child: tokio::process::Child,
}

impl Workspace {
    /// Runs `vrs --config CONFIG --profile PROFILE ui --listen 127.0.0.1:0 --no-open` with
    /// HOME `home` (its state directory under it), and reads the address it prints first.
    pub async fn start(config: &Path, profile: &str, home: &Path) -> Workspace {
        let mut child = tokio::process::Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .args([
                "--config",
                config.to_str().expect("utf-8"),
                "--profile",
                profile,
                "ui",
                "--listen",
                "127.0.0.1:0",
                "--no-open",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("run vrs ui");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = lines
            .next_line()
            .await
            .expect("vrs ui output")
            .expect("vrs ui stopped before printing its address");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base = url.split("/?").next().expect("base").to_owned();
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        Workspace {
            url,
            base,
            port,
            child,
        }
    }

    /// Opens the workspace in `b` with its token: the session cookie is set.
    pub async fn open(&self, b: &Browser) {
        b.c.goto(&self.url).await.expect("open the workspace");
        b.wait("header.top").await;
    }

    /// Stops it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// An HTTP/1.1 answer, as read off the socket.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

impl Answer {
    /// The first header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` (a whole HTTP/1.1 request, `Connection: close`) to 127.0.0.1:`port`
/// as it is written, as a forger would, and reads the answer.
pub async fn raw(port: u16, request: &str) -> Answer {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(request.as_bytes()).await.expect("send");
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// What in the page a person who does not use a mouse, or sees poorly, cannot use: an
/// input, choice or button without an accessible name, a focusable element taken out of
/// the keyboard's reach by no label, and text whose contrast with its background is
/// below WCAG 2.1 AA (4.5:1, 3:1 for large text). Empty when the page is fine.
pub async fn inaccessible(b: &Browser) -> Vec<String> {
    let script = r#"
const out = [];
const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); return m ? m[1].split(',').map(parseFloat) : null; };
const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
const lum = (p) => 0.2126 * lin(p[0]) + 0.7152 * lin(p[1]) + 0.0722 * lin(p[2]);
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const p = parse(getComputedStyle(e).backgroundColor);
    if (p && (p.length < 4 || p[3] > 0.5)) return p;
  }
  return [255, 255, 255];
};
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const name = (e) => {
  if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
  const by = e.getAttribute('aria-labelledby');
  if (by) return by.split(' ').map((i) => (document.getElementById(i) || {}).textContent || '').join(' ');
  if (e.id) { const l = document.querySelector('label[for="' + CSS.escape(e.id) + '"]'); if (l) return l.textContent; }
  const wrap = e.closest('label'); if (wrap) return wrap.textContent;
  if (e.tagName === 'BUTTON' || e.tagName === 'A') return e.textContent;
  if (e.type === 'submit' || e.type === 'button') return e.value;
  return '';
};
for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')) {
  if (e.getAttribute('aria-hidden') === 'true') continue;
  if (!name(e).trim()) out.push('no accessible name: ' + e.outerHTML.slice(0, 120));
}
for (const e of document.querySelectorAll('body *')) {
  if (e.closest('svg, select, option, script, style') || !visible(e)) continue;
  const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const s = getComputedStyle(e);
  const fg = parse(s.color);
  if (!fg) continue;
  const a = lum(fg), b = lum(background(e));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < need) out.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ': ' + e.tagName + ' "' + e.textContent.trim().slice(0, 40) + '"');
}
return out;"#;
    let v =
        b.c.execute(script, vec![])
            .await
            .expect("the accessibility check");
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
