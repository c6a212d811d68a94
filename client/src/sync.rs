//! A node's federation sync records as people read them: the times, a peer's last run,
//! the failures of a round. `vrs sync` and the workspace's sync page both read them so.

use vrs_proto::v1 as pb;

/// Unix seconds as an RFC 3339 UTC time; `None` for 0 (never). A time out of the
/// calendar is given as its number.
pub fn time(secs: i64) -> Option<String> {
    if secs <= 0 {
        return None;
    }
    Some(
        vrs_core::codes::Timestamp::from_unix_seconds(secs)
            .map_or_else(|| secs.to_string(), |t| t.as_str().to_owned()),
    )
}

/// Where a peer's last run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// No run yet.
    Never,
    /// Started, not finished.
    Running,
    /// Finished at this time (RFC 3339).
    Finished(String),
}

/// Where `p`'s last run is.
pub fn run(p: &pb::PeerStatus) -> Run {
    match (time(p.finished), p.started > 0) {
        (Some(t), _) => Run::Finished(t),
        (None, true) => Run::Running,
        (None, false) => Run::Never,
    }
}

/// Whether `p`'s last run failed (its error is then `p.last_error`).
pub fn failed(p: &pb::PeerStatus) -> bool {
    !p.last_error.is_empty()
}

/// The peers whose last run failed, each as `STATE (error)`.
pub fn failures(st: &pb::SyncStatusResponse) -> Vec<String> {
    st.peers
        .iter()
        .filter(|p| failed(p))
        .map(|p| format!("{} ({})", p.peer, p.last_error))
        .collect()
}

/// What reciprocity keeps between this node and each peer, one line each: the periods
/// this node withholds from the peer (with the count and why), and the releases the
/// peer withholds from this node (pending until this node releases their period).
pub fn reciprocity_lines(st: &pb::SyncStatusResponse) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &st.peers {
        for w in &p.withholding {
            lines.push(format!(
                "withheld from {} by reciprocity: {} release(s) of {} ({})",
                p.peer, w.releases, w.period, w.reason
            ));
        }
        if p.pending > 0 {
            lines.push(format!(
                "withheld by {} from this node by reciprocity: {} release(s), fetched once \
                 this node releases their period",
                p.peer, p.pending
            ));
        }
    }
    lines
}

/// How many releases this node withholds from `p` by reciprocity.
pub fn withheld_from(p: &pb::PeerStatus) -> u64 {
    p.withholding.iter().map(|w| w.releases).sum()
}

/// Whether `s` can name a peer: a State, ISO 3166-1 alpha-3 in upper case.
pub fn is_peer(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) && vrs_core::codes::is_country(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_run_and_its_failure() {
        let mut p = pb::PeerStatus {
            peer: "IDN".into(),
            ..Default::default()
        };
        assert_eq!(run(&p), Run::Never);
        p.started = 1_767_225_600;
        assert_eq!(run(&p), Run::Running);
        p.finished = 1_767_225_601;
        assert_eq!(run(&p), Run::Finished("2026-01-01T00:00:01Z".into()));
        assert!(!failed(&p));
        p.last_error = "unreachable".into();
        let st = pb::SyncStatusResponse {
            peers: vec![p],
            alarms: Vec::new(),
        };
        assert_eq!(failures(&st), ["IDN (unreachable)"]);
        assert!(is_peer("IDN") && !is_peer("idn") && !is_peer("ABC"));
    }
}
