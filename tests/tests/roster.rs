//! The federation roster in the nodes (05-sync.md rule 13), end to end with real mTLS:
//! a line A–B–C where C learns A's key only from the roster and verifies A's releases
//! relayed by B; a roster that is not signed by a pinned key, or older, is refused; a
//! node key rotated in a new roster version signs the checkpoints peers then accept,
//! and the old key is refused after its validity.

use vrs_client::pki::Identity;
use vrs_core::roster::Member;
use vrs_local::roster::{RosterKeeper, add_roster_peer, member, roster};
use vrs_proto::v1 as pb;
use vrs_proto::v1::sync_service_client::SyncServiceClient;
use vrs_tests::federation::{held, report_and_release, report_and_release_in, sync_now};
use vrs_tests::{InProcessNode, NodeFiles, Pki, node_files};

const SYNC: &str = "[sync]\nattempts = 2\npeer_deadline_s = 30\njitter_s = 0\n";
const TABLES: usize = vrs_core::aggregate::TableId::ALL.len();

/// Nodes of `states` pinning `keeper`'s roster key, each on a bound listener.
async fn nodes_files(
    pki: &Pki,
    keeper: &RosterKeeper,
    states: &[&str],
) -> Vec<(NodeFiles, tokio::net::TcpListener)> {
    let mut out = Vec::new();
    for s in states {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let extra = format!("{SYNC}{}", keeper.section());
        out.push((node_files(pki, s, None, &extra), l));
    }
    out
}

fn port(l: &tokio::net::TcpListener) -> u16 {
    l.local_addr().expect("addr").port()
}

/// The members of a roster for `nodes`, each key valid from 0, open-ended.
fn members(nodes: &[(NodeFiles, tokio::net::TcpListener)]) -> Vec<Member> {
    nodes
        .iter()
        .map(|(f, l)| member(&f.state, &f.vkey, port(l), 0, 0).expect("member"))
        .collect()
}

async fn admin(
    pki: &Pki,
    node: &InProcessNode,
    state: &str,
) -> SyncServiceClient<tonic::transport::Channel> {
    SyncServiceClient::new(node.channel(pki, &pki.issue(Identity::admin(state))).await)
}

async fn publish(
    pki: &Pki,
    node: &InProcessNode,
    state: &str,
    note: &str,
) -> Result<pb::PublishRosterResponse, tonic::Status> {
    admin(pki, node, state)
        .await
        .publish_roster(pb::RosterNote { note: note.into() })
        .await
        .map(tonic::Response::into_inner)
}

async fn roster_version(pki: &Pki, node: &InProcessNode, state: &str) -> u64 {
    let note = admin(pki, node, state)
        .await
        .get_roster(pb::RosterRequest::default())
        .await
        .expect("get roster")
        .into_inner()
        .note;
    if note.is_empty() {
        return 0;
    }
    vrs_core::roster::parse_roster_unverified(&note)
        .expect("a roster")
        .0
        .version
}

/// Stops `node`, gives it the node key `key` (a rotation), and starts it again on `port`.
async fn restart_with_key(
    node: InProcessNode,
    files: &NodeFiles,
    port: u16,
    key: &vrs_core::note::NoteSigner,
) -> InProcessNode {
    node.stop().await;
    let dir = files.config.parent().expect("dir");
    std::fs::write(
        dir.join("node-signing.key"),
        format!("{}\n", key.signer_key()),
    )
    .expect("write the new key");
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("rebind");
    InProcessNode::start_on(files, l).await
}

/// A roster keeper and two nodes, AUS and IDN, peers of each other by the roster only.
async fn pair(
    pki: &Pki,
) -> (
    RosterKeeper,
    Vec<(NodeFiles, tokio::net::TcpListener)>,
    Vec<u16>,
) {
    let keeper =
        RosterKeeper::new(pki.dir.path(), "roster-1", "vrs.test/roster/1").expect("keeper");
    let files = nodes_files(pki, &keeper, &["AUS", "IDN"]).await;
    let ports: Vec<u16> = files.iter().map(|(_, l)| port(l)).collect();
    add_roster_peer(&files[0].0, "IDN", ports[1]).expect("peer");
    add_roster_peer(&files[1].0, "AUS", ports[0]).expect("peer");
    (keeper, files, ports)
}

fn record<'a>(st: &'a pb::SyncStatusResponse, peer: &str) -> &'a pb::PeerStatus {
    st.peers
        .iter()
        .find(|p| p.peer == peer)
        .expect("peer record")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_relays_every_origin_verified_under_the_roster_and_refuses_bad_rosters() {
    let pki = Pki::new();
    let keeper =
        RosterKeeper::new(pki.dir.path(), "roster-1", "vrs.test/roster/1").expect("keeper");
    let files = nodes_files(&pki, &keeper, &["AUS", "IDN", "THA"]).await;
    let ports: Vec<u16> = files.iter().map(|(_, l)| port(l)).collect();
    // A line: AUS – IDN – THA. No node pins a peer's key: the roster gives them all.
    add_roster_peer(&files[0].0, "IDN", ports[1]).expect("peer");
    add_roster_peer(&files[1].0, "AUS", ports[0]).expect("peer");
    add_roster_peer(&files[1].0, "THA", ports[2]).expect("peer");
    add_roster_peer(&files[2].0, "IDN", ports[1]).expect("peer");
    let v1 = keeper
        .sign(&roster("vrs.test", 1, members(&files)))
        .expect("sign");
    let mut nodes = Vec::new();
    let mut fs = Vec::new();
    for (f, l) in files {
        nodes.push(InProcessNode::start_on(&f, l).await);
        fs.push(f);
    }
    let (aus, idn, tha) = (&nodes[0], &nodes[1], &nodes[2]);

    // Without a roster, a peer given no key is not synced: no key, nothing taken.
    report_and_release(&pki, aus, "AUS", 8).await;
    let st = sync_now(&pki, idn, "IDN").await;
    assert!(
        record(&st, "AUS").last_error.contains("no pinned key"),
        "{:?}",
        record(&st, "AUS")
    );
    assert!(held(&pki, idn).await.is_empty());

    // The roster is published at AUS only; it travels along the line with the sync.
    let done = publish(&pki, aus, "AUS", &v1).await.expect("publish v1");
    assert_eq!((done.version, done.replaced), (1, 0));
    assert_eq!(done.signed_by, ["vrs.test/roster/1"]);
    let st = sync_now(&pki, idn, "IDN").await;
    let from_aus = record(&st, "AUS");
    assert!(from_aus.last_error.is_empty(), "{}", from_aus.last_error);
    assert_eq!(from_aus.roster_version, 1, "taken from AUS");
    assert_eq!(from_aus.fetched, TABLES as u64);
    assert!(from_aus.witnessed_size > 0);
    report_and_release(&pki, idn, "IDN", 6).await;

    // THA is not AUS's peer: it gets AUS's releases relayed by IDN and verifies them
    // under AUS's roster key.
    let st = sync_now(&pki, tha, "THA").await;
    let from_idn = record(&st, "IDN");
    assert!(from_idn.last_error.is_empty(), "{}", from_idn.last_error);
    assert!(from_idn.rejected.is_empty(), "{:?}", from_idn.rejected);
    assert_eq!(from_idn.roster_version, 1, "relayed by IDN");
    assert_eq!(from_idn.fetched, 2 * TABLES as u64, "AUS's and IDN's");
    let at_tha = held(&pki, tha).await;
    assert_eq!(at_tha.iter().filter(|r| r.origin == "AUS").count(), TABLES);
    assert_eq!(at_tha.iter().filter(|r| r.origin == "IDN").count(), TABLES);
    // AUS, two hops away, pulls IDN's and (relayed back) nothing it made itself.
    let st = sync_now(&pki, aus, "AUS").await;
    assert!(record(&st, "IDN").last_error.is_empty());
    assert_eq!(record(&st, "IDN").fetched, TABLES as u64);

    // A roster signed by a key THA does not pin is refused, whatever its version.
    let stranger =
        RosterKeeper::new(pki.dir.path(), "stranger", "vrs.test/roster/stranger").expect("key");
    let forged = stranger
        .sign(&roster("vrs.test", 9, members_of(&fs, &ports)))
        .expect("sign");
    let e = publish(&pki, tha, "THA", &forged)
        .await
        .expect_err("forged");
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e:?}");
    assert!(e.message().contains("pinned"), "{}", e.message());
    // The same version again is not taken twice; an older one is refused.
    let e = publish(&pki, tha, "THA", &v1).await.expect_err("same");
    assert_eq!(e.code(), tonic::Code::AlreadyExists, "{e:?}");
    let v3 = keeper
        .sign(&roster("vrs.test", 3, members_of(&fs, &ports)))
        .expect("sign");
    assert_eq!(
        publish(&pki, tha, "THA", &v3).await.expect("v3").replaced,
        1
    );
    let v2 = keeper
        .sign(&roster("vrs.test", 2, members_of(&fs, &ports)))
        .expect("sign");
    let e = publish(&pki, tha, "THA", &v2).await.expect_err("older");
    assert_eq!(e.code(), tonic::Code::FailedPrecondition, "{e:?}");
    assert!(e.message().contains("older"), "{}", e.message());
    // An invalid roster is refused with its field path, and nothing changes.
    let mut bad = roster("vrs.test", 4, members_of(&fs, &ports));
    bad.members[1].state = "XX".into();
    let bad = keeper.sign_unchecked(&bad);
    let e = publish(&pki, tha, "THA", &bad).await.expect_err("invalid");
    assert_eq!(e.code(), tonic::Code::InvalidArgument, "{e:?}");
    assert!(e.message().contains("members[1].state"), "{}", e.message());
    assert_eq!(roster_version(&pki, tha, "THA").await, 3);

    // Version 3 travels back along the line: IDN takes it from THA, AUS from IDN.
    let st = sync_now(&pki, idn, "IDN").await;
    assert_eq!(record(&st, "THA").roster_version, 3);
    assert_eq!(
        record(&st, "AUS").roster_version,
        0,
        "AUS has nothing newer"
    );
    let st = sync_now(&pki, aus, "AUS").await;
    assert_eq!(record(&st, "IDN").roster_version, 3);
    assert_eq!(roster_version(&pki, aus, "AUS").await, 3);
    for n in nodes {
        n.stop().await;
    }
}

/// The members of the line's nodes (files and ports kept after the listeners went to
/// the nodes).
fn members_of(fs: &[NodeFiles], ports: &[u16]) -> Vec<Member> {
    fs.iter()
        .zip(ports)
        .map(|(f, p)| member(&f.state, &f.vkey, *p, 0, 0).expect("member"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_node_key_is_taken_from_the_roster_and_the_old_key_refused_after_its_validity() {
    let pki = Pki::new();
    let (keeper, files, ports) = pair(&pki).await;
    let v1 = keeper
        .sign(&roster("vrs.test", 1, members(&files)))
        .expect("sign");
    let fs: Vec<NodeFiles> = files.iter().map(|(f, _)| f.clone()).collect();
    let mut it = files.into_iter();
    let (aus_files, aus_l) = it.next().expect("AUS");
    let (_, idn_l) = it.next().expect("IDN");
    let aus = InProcessNode::start_on(&aus_files, aus_l).await;
    let idn = InProcessNode::start_on(&fs[1], idn_l).await;
    publish(&pki, &idn, "IDN", &v1).await.expect("v1");
    publish(&pki, &aus, "AUS", &v1).await.expect("v1");
    report_and_release(&pki, &aus, "AUS", 8).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let r = record(&st, "AUS");
    assert!(r.last_error.is_empty(), "{}", r.last_error);
    let first = r.witnessed_size;
    assert!(first > 0);

    // AUS's new key K2 is valid from now; K1 until now (version 2 of the roster).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let origin = aus_files.vkey.split('+').next().expect("name").to_owned();
    let (k2, _) = vrs_core::note::NoteSigner::generate(&origin).expect("key");
    let mut aus_member = member("AUS", &aus_files.vkey, ports[0], 0, now).expect("member");
    aus_member.keys.push(vrs_core::roster::RosterKey {
        vkey: k2.verifier_key(),
        valid_from: now,
        valid_until: 0,
    });
    let idn_member = member("IDN", &fs[1].vkey, ports[1], 0, 0).expect("member");
    let v2 = keeper
        .sign(&roster("vrs.test", 2, vec![aus_member, idn_member]))
        .expect("sign");
    publish(&pki, &idn, "IDN", &v2).await.expect("v2");

    // AUS still signs with K1: its new checkpoint and its new release are refused.
    report_and_release_in(&pki, &aus, "AUS", 5, 9).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let r = record(&st, "AUS");
    assert!(
        r.last_error.contains("checkpoint does not verify"),
        "the old key after its validity: {r:?}"
    );
    assert_eq!(
        r.witnessed_size, first,
        "nothing witnessed under the old key"
    );
    assert_eq!(r.fetched, 0);
    assert_eq!(r.rejected.len(), TABLES, "{:?}", r.rejected);
    assert!(
        r.rejected.iter().all(|x| x.contains("not valid at")),
        "{:?}",
        r.rejected
    );

    // AUS restarts with K2 (the rotation): it signs its checkpoint again at once, and
    // IDN, which never had its configuration edited, witnesses it under K2.
    let aus = restart_with_key(aus, &aus_files, ports[0], &k2).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let r = record(&st, "AUS");
    assert!(r.last_error.is_empty(), "{}", r.last_error);
    assert!(r.witnessed_size > first, "{r:?}");
    assert_eq!(r.checkpoint, "new");
    // AUS asks IDN to cosign its checkpoint under K2, and IDN does.
    let st = sync_now(&pki, &aus, "AUS").await;
    let r = record(&st, "IDN");
    assert!(r.last_error.is_empty(), "{}", r.last_error);
    assert_eq!(r.roster_version, 2, "AUS takes version 2 from IDN");
    for n in [aus, idn] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_overlapping_key_windows_either_key_is_taken_for_checkpoints_and_cosignatures() {
    let pki = Pki::new();
    let (keeper, files, ports) = pair(&pki).await;
    // AUS has two keys valid at once: K1 (its key now) and K2 (the one it moves to).
    let aus_files = files[0].0.clone();
    let origin = aus_files.vkey.split('+').next().expect("name").to_owned();
    let (k2, _) = vrs_core::note::NoteSigner::generate(&origin).expect("key");
    let mut aus = member("AUS", &aus_files.vkey, ports[0], 0, 0).expect("member");
    aus.keys.push(vrs_core::roster::RosterKey {
        vkey: k2.verifier_key(),
        valid_from: 0,
        valid_until: 0,
    });
    let idn_member = member("IDN", &files[1].0.vkey, ports[1], 0, 0).expect("member");
    let v1 = keeper
        .sign(&roster("vrs.test", 1, vec![aus, idn_member]))
        .expect("sign");
    let mut it = files.into_iter();
    let (_, aus_l) = it.next().expect("AUS");
    let (idn_files, idn_l) = it.next().expect("IDN");
    let aus_node = InProcessNode::start_on(&aus_files, aus_l).await;
    let idn = InProcessNode::start_on(&idn_files, idn_l).await;
    for (node, s) in [(&aus_node, "AUS"), (&idn, "IDN")] {
        publish(&pki, node, s, &v1).await.expect("v1");
    }
    report_and_release(&pki, &aus_node, "AUS", 6).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    assert!(
        record(&st, "AUS").last_error.is_empty(),
        "{:?}",
        record(&st, "AUS")
    );
    // AUS moves to K2 while K1 is still valid: IDN witnesses it, and takes its
    // cosignature, under K2 although K1 is listed (and valid) too.
    let aus_node = restart_with_key(aus_node, &aus_files, ports[0], &k2).await;
    // Both logs grow: AUS signs under K2, and IDN's new checkpoint is one AUS has not
    // cosigned yet (AUS cosigns it with K2, the second of its keys valid now).
    report_and_release_in(&pki, &aus_node, "AUS", 4, 9).await;
    report_and_release_in(&pki, &idn, "IDN", 4, 9).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let r = record(&st, "AUS");
    assert!(r.last_error.is_empty(), "{}", r.last_error);
    assert_eq!(r.checkpoint, "new", "AUS's checkpoint under K2");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    for n in [aus_node, idn] {
        n.stop().await;
    }
}
