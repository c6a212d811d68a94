//! Steps of the demo kept beside `demo.rs`: the directory of competent authorities
//! each State publishes, reciprocity (one refusal, and the release that lifts it), and
//! the lines of the sync records.

use std::fmt::Write as _;

use anyhow::Context as _;
use vrs_client::pki::Identity;
use vrs_core::directory::{Competence, Directory, Kind};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::directory_service_client::DirectoryServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;

use super::{Demo, StateRun};

/// One line of a node's sync record of `p`.
pub(super) fn sync_line(node: &str, p: &pb::PeerStatus) -> String {
    format!(
        "  {node} <- {}: fetched {}, already held {}, rejected {}, directories {}, {} bytes, witnessed size {}{}",
        p.peer,
        p.fetched,
        p.already_held,
        p.rejected.len(),
        p.directories,
        p.bytes,
        p.witnessed_size,
        match (p.pending, p.last_error.is_empty()) {
            (_, false) => format!(", ERROR {}", p.last_error),
            (0, true) => String::new(),
            (n, true) => format!(", {n} withheld from {node} by reciprocity"),
        }
    )
}

/// The State whose node releases under `reciprocity = "period"` in the demo (the first).
pub(super) const RECIPROCAL: &str = "[release]\nreciprocity = \"period\"\n";

impl Demo {
    async fn directory_client(
        &self,
        run: &StateRun,
    ) -> anyhow::Result<DirectoryServiceClient<tonic::transport::Channel>> {
        let admin = run
            .node
            .channel(&self.ca, &self.pki.issue(Identity::admin(&run.node.state))?)
            .await?;
        Ok(DirectoryServiceClient::new(admin))
    }

    /// Each State's admin publishes its directory: the central authority of the
    /// template, and a law-enforcement contact point in the State's own language.
    pub(super) async fn publish_directories(&mut self, runs: &[StateRun]) -> anyhow::Result<()> {
        super::say!(
            self,
            "directories of competent authorities, signed by each node:"
        );
        for run in runs {
            let state = &run.node.state;
            let mut d = Directory::template(state, vrs_client::today());
            let mut police = d.entries[0].clone();
            police.id = "law-enforcement-contact".into();
            police.authority = format!("National contact point on migrant smuggling ({state})");
            police.kind = Kind::LawEnforcementContact;
            police.competences = vec![
                Competence::SmugglingOfMigrants,
                Competence::TraffickingInPersons,
            ];
            let own = match state.as_str() {
                "IDN" => "id",
                "THA" => "th",
                "AUS" => "en",
                _ => "fr",
            };
            police.languages = vec!["en".into()];
            if own != "en" {
                police.languages.push(own.into());
            }
            d.entries.push(police);
            let done = self
                .directory_client(run)
                .await?
                .publish(pb::PublishDirectoryRequest {
                    directory: Some(vrs_core::wire::directory_to_pb(&d)),
                })
                .await
                .with_context(|| format!("publishing the directory of {state}"))?
                .into_inner();
            super::say!(
                self,
                "  {state}: version {} with {} entries",
                done.version,
                d.entries.len()
            );
        }
        Ok(())
    }

    /// After the sync: the directories each node holds, each verified here under its
    /// origin's key. The number that did not verify.
    pub(super) async fn check_directories(
        &mut self,
        runs: &[StateRun],
        vkeys: &[(String, String)],
    ) -> anyhow::Result<u32> {
        let mut failures = 0;
        for run in runs {
            let held = self
                .directory_client(run)
                .await?
                .list(pb::ListDirectoriesRequest::default())
                .await?
                .into_inner()
                .directories;
            let mut states = Vec::new();
            for s in held {
                let key = vkeys.iter().find(|(st, _)| *st == s.state).map(|(_, k)| k);
                let ok = match (key, s.envelope) {
                    (Some(k), Some(env)) => vrs_core::note::NoteVerifier::parse(k)
                        .ok()
                        .and_then(|v| {
                            vrs_core::directory::open_directory(
                                &vrs_core::wire::envelope_from_pb(env),
                                v.public_key(),
                            )
                            .ok()
                        })
                        .is_some(),
                    _ => false,
                };
                if !ok {
                    failures += 1;
                }
                states.push(format!(
                    "{}{}",
                    s.state,
                    if ok { "" } else { " (NOT VERIFIED)" }
                ));
            }
            super::say!(
                self,
                "  {} holds the directories of {} (verified under each origin's key)",
                run.node.state,
                states.join(", ")
            );
        }
        Ok(failures)
    }

    /// Reciprocity: the first State's node releases under `period`. It releases the
    /// period before the demo's data, which no other State has released: the second
    /// State is refused it (sync and GetRelease), then releases that period itself and
    /// gets it. The number of checks that failed.
    pub(super) async fn reciprocity(
        &mut self,
        runs: &[StateRun],
        first: (u16, u8),
    ) -> anyhow::Result<u32> {
        let [a, b, ..] = runs else {
            return Ok(0);
        };
        let (sa, sb) = (a.node.state.clone(), b.node.state.clone());
        let p = match first {
            (y, 1) => super::period((y - 1, 12)),
            (y, m) => super::period((y, m - 1)),
        };
        super::say!(
            self,
            "reciprocity: {sa} releases under reciprocity = \"period\" (a State gets its releases of a period once it has released that period too):"
        );
        self.release_one(a, &p).await?;
        let st = self.sync_with(b, &sa).await?;
        let mut failures = u32::from(st.pending == 0 || st.fetched > 0);
        super::say!(self, "{}", sync_line(&sb, &st));
        // Asked directly by the other State's node, the node refuses with the reason.
        let as_b = a
            .node
            .channel(&self.ca, &self.pki.issue(Identity::node(&sb))?)
            .await?;
        match AggregatesServiceClient::new(as_b)
            .get_release(pb::GetReleaseRequest {
                origin: sa.clone(),
                table: "MOVEMENTS".into(),
                period: p.clone(),
                version: 0,
            })
            .await
        {
            Err(e) if e.code() == tonic::Code::PermissionDenied => {
                super::say!(
                    self,
                    "  {sb} asks {sa} for MOVEMENTS {p}: refused, {}",
                    e.message()
                );
            }
            other => {
                failures += 1;
                super::say!(
                    self,
                    "  {sb} asks {sa} for MOVEMENTS {p}: NOT REFUSED ({other:?})"
                );
            }
        }
        self.release_one(b, &p).await?;
        let back = self.sync_with(a, &sb).await?;
        super::say!(self, "{}", sync_line(&sa, &back));
        let st = self.sync_with(b, &sa).await?;
        super::say!(self, "{}", sync_line(&sb, &st));
        if st.pending == 0 && st.fetched > 0 && st.last_error.is_empty() {
            super::say!(
                self,
                "  {sb} released {p}: it now holds {sa}'s {} releases of {p}",
                st.fetched
            );
        } else {
            failures += 1;
            super::say!(self, "  {sb} released {p} and still lacks {sa}'s: FAILED");
        }
        Ok(failures)
    }

    async fn release_one(&mut self, run: &StateRun, p: &str) -> anyhow::Result<()> {
        let state = &run.node.state;
        let admin = run
            .node
            .channel(&self.ca, &self.pki.issue(Identity::admin(state))?)
            .await?;
        let made = AggregatesServiceClient::new(admin)
            .release_now(pb::ReleaseNowRequest {
                period: p.to_owned(),
                revise: false,
            })
            .await
            .with_context(|| format!("releasing {p} on {state}"))?
            .into_inner()
            .releases;
        super::say!(
            self,
            "  {state}: {} tables of {p} released and signed",
            made.len()
        );
        Ok(())
    }

    /// A sync run of `run`'s node with `peer` only: its record.
    async fn sync_with(&mut self, run: &StateRun, peer: &str) -> anyhow::Result<pb::PeerStatus> {
        let admin = run
            .node
            .channel(&self.ca, &self.pki.issue(Identity::admin(&run.node.state))?)
            .await?;
        SyncServiceClient::new(admin)
            .sync_now(pb::SyncNowRequest { peer: peer.into() })
            .await?
            .into_inner()
            .peers
            .into_iter()
            .find(|p| p.peer == peer)
            .context("no record of the peer")
    }
}
