//! Steps of the demo kept beside `demo.rs`: the directory of competent authorities
//! each State publishes, and the lines of the sync records.

use std::fmt::Write as _;

use anyhow::Context as _;
use vrs_client::pki::Identity;
use vrs_core::directory::{Competence, Directory, Kind};
use vrs_proto::v1 as pb;
use vrs_proto::v1::directory_service_client::DirectoryServiceClient;

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
        if p.last_error.is_empty() {
            String::new()
        } else {
            format!(", ERROR {}", p.last_error)
        }
    )
}

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
}
