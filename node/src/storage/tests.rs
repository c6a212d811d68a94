//! Fault injection and probes for the writer's tests.

/// Fault injection for the writer's tests: appending the entry with this leaf
/// hash fails with a storage error.
pub(crate) static FAIL_APPEND_OF: std::sync::Mutex<Option<vrs_core::Hash>> =
    std::sync::Mutex::new(None);

type Probe = Option<(
    std::path::PathBuf,
    std::sync::mpsc::Sender<(&'static str, u64)>,
)>;
type Gate = Option<(std::path::PathBuf, std::sync::mpsc::Receiver<bool>)>;

/// For the pipeline's tests: the store in this directory tells each batch it
/// applies (`"applied"`, size) and each it starts to make durable (`"durable"`).
pub(crate) static PROBE: std::sync::Mutex<Probe> = std::sync::Mutex::new(None);
/// For the pipeline's tests: the store in this directory waits, before making a
/// batch durable, for a word from the test: go on (`true`) or fail (`false`).
pub(crate) static GATE: std::sync::Mutex<Gate> = std::sync::Mutex::new(None);

pub(super) fn probe(dir: &std::path::Path, what: &'static str, size: u64) {
    if let Some((d, tx)) = &*PROBE.lock().unwrap_or_else(|p| p.into_inner())
        && d == dir
    {
        let _ = tx.send((what, size));
    }
}

pub(super) fn pass_gate(dir: &std::path::Path) -> bool {
    probe(dir, "durable", 0);
    match &*GATE.lock().unwrap_or_else(|p| p.into_inner()) {
        Some((d, rx)) if d == dir => rx.recv().unwrap_or(true),
        _ => true,
    }
}
