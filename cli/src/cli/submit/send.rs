//! Sending: every ready record at `--jobs` at a time with retries, a progress bar,
//! Ctrl-C, and the outbox noted as answers arrive.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use vrs_client::client::{Client, ClientError};
use vrs_client::outbox::Outbox;

use super::{Options, Outcome, Prepared, Ready, Row, problems, send};

/// Connects, retrying with [`backoff`] while the failure is transient (a border post
/// with a bad link).
pub(super) async fn connect_retrying(
    profile: &vrs_client::profile::Profile,
    retries: u32,
) -> Result<Client, ClientError> {
    retrying(retries, &AtomicBool::new(false), || {
        Client::connect(profile)
    })
    .await
}

/// `call`, again after [`backoff`] while it fails transiently, at most `retries` times
/// more, and not once `stop` is set (Ctrl-C).
async fn retrying<T, F, Fut>(retries: u32, stop: &AtomicBool, mut call: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if e.is_transient() && attempt < retries && !stop.load(Ordering::SeqCst) => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Sends every ready record, `opts.jobs` at a time, with a progress bar that moves as
/// each is answered; notes each acknowledged one in the outbox. Ctrl-C stops sending
/// new ones, lets those in flight finish, and leaves the rest queued.
pub async fn send_all(
    client: &Client,
    ready: Vec<Ready>,
    opts: &Options,
    vkey: Option<String>,
    outbox: &mut Outbox,
) -> anyhow::Result<Vec<(usize, Row)>> {
    let bar = progress_bar(ready.len());
    let interrupted = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(tokio::sync::Notify::new());
    let watcher = tokio::spawn({
        let (interrupted, stop) = (interrupted.clone(), stop.clone());
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                stop.notify_waiters();
            }
        }
    });
    let started = std::time::Instant::now();
    let first = Arc::new(std::sync::OnceLock::new());
    let limit = Arc::new(tokio::sync::Semaphore::new(opts.jobs.max(1)));
    let receipts = Arc::new(opts.receipts.clone());
    let vkey = Arc::new(vkey);
    let mut rows = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    for r in ready {
        let permit = if interrupted.load(Ordering::SeqCst) {
            None
        } else {
            tokio::select! {
                p = limit.clone().acquire_owned() => Some(p?),
                () = stop.notified() => None,
            }
        };
        let Some(permit) = permit else {
            let why = "not sent: interrupted (queued in the outbox: run the same command again)";
            let row = r.row(Outcome::Failed(why.into()));
            rows.push((r.n, r.key, row));
            continue;
        };
        let (client, receipts, vkey, bar) =
            (client.clone(), receipts.clone(), vkey.clone(), bar.clone());
        let (retries, interrupted, first) = (opts.retries, interrupted.clone(), first.clone());
        set.spawn(async move {
            let _permit = permit;
            let outcome = send_retrying(
                &client,
                &r.p,
                &receipts,
                vkey.as_deref(),
                retries,
                &interrupted,
            )
            .await;
            if let Outcome::Accepted { .. } = outcome {
                first.get_or_init(std::time::Instant::now);
            }
            bar.inc(1);
            if let Outcome::Rejected(_) | Outcome::Failed(_) = outcome {
                bar.set_message(format!("{} refused", r.source));
            }
            (r.n, r.key.clone(), r.row(outcome))
        });
    }
    while let Some(j) = set.join_next().await {
        rows.push(j?);
    }
    watcher.abort();
    bar.finish_and_clear();
    say_rate(rows.len(), started, first.get().copied());
    if interrupted.load(Ordering::SeqCst) {
        eprintln!("vrs: interrupted; what was not sent stays in the outbox");
    }
    let mut out = Vec::with_capacity(rows.len());
    for (n, key, row) in rows {
        if let Outcome::Accepted { index, .. } = row.outcome
            && !key.is_empty()
        {
            outbox.mark_sent(&key, index)?;
        }
        out.push((n, row));
    }
    Ok(out)
}

/// The wait before retry `attempt` (0-based): 250 ms doubling to at most 8 s, with up to
/// half of it again at random so that many clients cut off at once do not come back at
/// once.
pub fn backoff(attempt: u32) -> std::time::Duration {
    use ring::rand::SecureRandom as _;
    let base = 250u64.saturating_mul(1 << attempt.min(5)).min(8_000);
    let mut b = [0u8; 2];
    let jitter = match ring::rand::SystemRandom::new().fill(&mut b) {
        Ok(()) => u64::from(u16::from_le_bytes(b)) * (base / 2) / u64::from(u16::MAX),
        Err(_) => 0,
    };
    std::time::Duration::from_millis(base + jitter)
}

/// A bar that shows count, rate and time left on a terminal, and nothing on a pipe.
fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(len as u64);
    b.set_style(
        ProgressStyle::with_template(
            "{spinner} submitting {pos}/{len} [{bar:30}] {per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

/// Says how long `n` answers took from `started`, and when the first receipt came.
fn say_rate(n: usize, started: Instant, first: Option<Instant>) {
    let took = started.elapsed().as_secs_f64();
    if n == 0 || took <= 0.0 {
        return;
    }
    let first = first
        .map(|t| {
            format!(
                "; the first receipt after {} ms",
                t.duration_since(started).as_millis()
            )
        })
        .unwrap_or_default();
    eprintln!(
        "vrs: {n} answered in {took:.1} s ({:.0}/s){first}",
        n as f64 / took
    );
}

/// Sends one record, retrying with [`backoff`] while the failure is transient and
/// Ctrl-C has not been pressed.
async fn send_retrying(
    client: &Client,
    p: &Prepared,
    receipts: &Path,
    vkey: Option<&str>,
    retries: u32,
    interrupted: &AtomicBool,
) -> Outcome {
    match retrying(retries, interrupted, || send(client, p, receipts, vkey)).await {
        Ok(o) => o,
        Err(e) if e.is_rejection() => Outcome::Rejected(problems(&e)),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
