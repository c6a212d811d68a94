//! The directory of competent authorities across the federation (design
//! 08-directory.md), end to end with real mTLS: a line AUS–IDN–THA where THA gets AUS's
//! directory relayed by IDN and verifies it under AUS's roster key; a newer version
//! replaces it along the line; a directory of AUS that IDN signed itself (a dishonest
//! relay) is refused; every role reads what the node holds.

use vrs_client::pki::Identity;
use vrs_core::directory::{Competence, Directory, Kind};
use vrs_local::roster::RosterKeeper;
use vrs_proto::v1 as pb;
use vrs_proto::v1::directory_service_client::DirectoryServiceClient;
use vrs_tests::federation::{roster_line, sync_now};
use vrs_tests::{InProcessNode, Pki};

const SYNC: &str = "[sync]\nattempts = 2\npeer_deadline_s = 30\njitter_s = 0\n";

async fn client(
    pki: &Pki,
    node: &InProcessNode,
    who: Identity,
) -> DirectoryServiceClient<tonic::transport::Channel> {
    DirectoryServiceClient::new(node.channel(pki, &pki.issue(who)).await)
}

fn directory(state: &str, version: u32, extra_language: &str) -> pb::Directory {
    let mut d = Directory::template(state, vrs_node::grpc::today());
    d.version = version;
    d.entries[0].languages.push(extra_language.into());
    vrs_core::wire::directory_to_pb(&d)
}

async fn list(pki: &Pki, node: &InProcessNode, who: Identity) -> Vec<(String, u32, pb::Envelope)> {
    client(pki, node, who)
        .await
        .list(pb::ListDirectoriesRequest::default())
        .await
        .expect("list")
        .into_inner()
        .directories
        .into_iter()
        .map(|s| (s.state, s.version, s.envelope.expect("envelope")))
        .collect()
}

fn record<'a>(st: &'a pb::SyncStatusResponse, peer: &str) -> &'a pb::PeerStatus {
    st.peers.iter().find(|p| p.peer == peer).expect("record")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_travels_a_line_verified_under_its_origins_key_and_a_forged_one_is_refused() {
    let pki = Pki::new();
    let keeper =
        RosterKeeper::new(pki.dir.path(), "roster-1", "vrs.test/roster/1").expect("keeper");
    let (mut nodes, fs) = roster_line(&pki, &keeper, SYNC, ["", "", ""]).await;
    let ports: Vec<u16> = nodes.iter().map(|n| n.addr.port()).collect();

    // Only AUS's admin publishes AUS's directory; a focal point may not, nor may the
    // admin publish another State's.
    let fp = Identity::focal_point("AUS", "fp1");
    let e = client(&pki, &nodes[0], fp.clone())
        .await
        .publish(pb::PublishDirectoryRequest {
            directory: Some(directory("AUS", 1, "ms")),
        })
        .await
        .expect_err("a focal point");
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e:?}");
    let mut aus_admin = client(&pki, &nodes[0], Identity::admin("AUS")).await;
    let e = aus_admin
        .publish(pb::PublishDirectoryRequest {
            directory: Some(directory("IDN", 1, "ms")),
        })
        .await
        .expect_err("another State's");
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e:?}");
    let v1 = aus_admin
        .publish(pb::PublishDirectoryRequest {
            directory: Some(directory("AUS", 1, "ms")),
        })
        .await
        .expect("publish v1")
        .into_inner();
    assert_eq!((v1.state.as_str(), v1.version), ("AUS", 1));

    // IDN takes it from AUS; THA, not AUS's peer, from IDN, verified under AUS's key.
    let st = sync_now(&pki, &nodes[1], "IDN").await;
    assert_eq!(
        record(&st, "AUS").directories,
        1,
        "{:?}",
        record(&st, "AUS")
    );
    let st = sync_now(&pki, &nodes[2], "THA").await;
    let from_idn = record(&st, "IDN");
    assert!(from_idn.rejected.is_empty(), "{:?}", from_idn.rejected);
    assert_eq!(from_idn.directories, 1);
    let aus_key = vrs_core::note::NoteVerifier::parse(&fs[0].vkey).expect("AUS vkey");
    for who in [
        Identity::secretariat("ROSEAP"),
        Identity::focal_point("THA", "fp1"),
        Identity::admin("THA"),
    ] {
        let at_tha = list(&pki, &nodes[2], who).await;
        assert_eq!(at_tha.len(), 1);
        let (state, version, env) = &at_tha[0];
        assert_eq!((state.as_str(), *version), ("AUS", 1));
        let d = vrs_core::directory::open_directory(
            &vrs_core::wire::envelope_from_pb(env.clone()),
            aus_key.public_key(),
        )
        .expect("verifies under AUS's key, whoever relayed it");
        assert!(
            d.search(
                Some(Competence::SmugglingOfMigrants),
                Some("ms"),
                Some(Kind::MlaCentralAuthority)
            )
            .next()
            .is_some()
        );
    }
    // A quiet night moves no directory: the digest matches.
    let st = sync_now(&pki, &nodes[2], "THA").await;
    assert_eq!(record(&st, "IDN").directories, 0);
    // IDN's log is empty: its checkpoint (size 0, the empty root, nothing to witness)
    // is not sent again every night.
    assert_eq!(record(&st, "IDN").checkpoint, "unchanged");
    assert_eq!(record(&st, "IDN").witnessed_size, 0);
    // The night's opening manifest call answers whether the directories differ, so a
    // quiet night makes no directory call: the digest is SHA-256 over one line
    // `STATE:VERSION` per directory held, in State order.
    let held = vrs_core::sha256(b"AUS:1\n");
    let opening = |directories: Vec<u8>| pb::ManifestRequest {
        holdings: vec![0; 32],
        directories,
        ..Default::default()
    };
    let mut idn = vrs_proto::v1::federation_service_client::FederationServiceClient::new(
        nodes[1]
            .channel(&pki, &pki.issue(Identity::node("THA")))
            .await,
    );
    for (asked, in_sync) in [(held.to_vec(), true), (vec![7; 32], false), (vec![], false)] {
        let answer = idn.manifest(opening(asked)).await.expect("manifest");
        assert_eq!(answer.into_inner().directories_in_sync, in_sync);
    }

    // A newer version replaces it along the line.
    aus_admin
        .publish(pb::PublishDirectoryRequest {
            directory: Some(directory("AUS", 2, "th")),
        })
        .await
        .expect("publish v2");
    sync_now(&pki, &nodes[1], "IDN").await;
    let st = sync_now(&pki, &nodes[2], "THA").await;
    assert_eq!(record(&st, "IDN").directories, 1);
    let at_tha = list(&pki, &nodes[2], Identity::admin("THA")).await;
    assert_eq!(at_tha[0].1, 2);

    // IDN turns dishonest: it holds a "version 3" of AUS's directory that it signed
    // itself. THA refuses it, naming why, and keeps version 2.
    let idn = nodes.remove(1);
    idn.stop().await;
    let dir = fs[1].config.parent().expect("dir");
    let idn_key = vrs_core::note::NoteSigner::from_signer_key(
        std::fs::read_to_string(dir.join("node-signing.key"))
            .expect("key")
            .trim(),
    )
    .expect("IDN key");
    {
        let store = vrs_node::storage::Store::open(&fs[1].data_dir).expect("IDN store");
        let held = store.directory("AUS").expect("read");
        let forged = vrs_node::releases::dsse_sign(
            &idn_key,
            vrs_proto::DIRECTORY_PAYLOAD_TYPE,
            vrs_core::wire::encode_directory(
                &vrs_core::wire::directory_from_pb(&directory("AUS", 3, "de"), None)
                    .expect("valid"),
            ),
        );
        assert!(
            store
                .swap_directory("AUS", held.as_deref(), &forged.to_entry_bytes())
                .expect("swap")
        );
        store.close().expect("close");
    }
    let l = tokio::net::TcpListener::bind(("127.0.0.1", ports[1]))
        .await
        .expect("rebind");
    let idn = InProcessNode::start_on(&fs[1], l).await;
    let st = sync_now(&pki, &nodes[1], "THA").await;
    let from_idn = record(&st, "IDN");
    assert_eq!(from_idn.directories, 0);
    assert!(
        from_idn
            .rejected
            .iter()
            .any(|r| r.starts_with("directory of AUS:")),
        "{:?}",
        from_idn.rejected
    );
    let at_tha = list(&pki, &nodes[1], Identity::admin("THA")).await;
    assert_eq!(at_tha[0].1, 2, "version 2 kept");
    idn.stop().await;
    for n in nodes {
        n.stop().await;
    }
}
