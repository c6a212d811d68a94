//! Federation sync end to end: three State nodes on loopback with real mTLS, each
//! pulling the others' signed releases and witnessing their logs.

use vrs_client::pki::Identity;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3, RecordType};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::federation_service_client::FederationServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;
use vrs_tests::federation::{held, report_and_release, sync_now};
use vrs_tests::{
    FocalPoint, InProcessNode, NodeFiles, Pki, add_peer, metric, node_files, register,
};

const SYNC: &str = "[sync]\nattempts = 2\npeer_deadline_s = 30\njitter_s = 0\n";

struct Member {
    state: String,
    files: NodeFiles,
    port: u16,
}

/// Files and ports for `states`, every node a peer of every other.
async fn members(pki: &Pki, states: &[&str]) -> (Vec<Member>, Vec<tokio::net::TcpListener>) {
    let mut ms = Vec::new();
    let mut ls = Vec::new();
    for s in states {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        ms.push(Member {
            state: s.to_string(),
            files: node_files(pki, s, None, SYNC),
            port: l.local_addr().expect("addr").port(),
        });
        ls.push(l);
    }
    for a in &ms {
        for b in ms.iter().filter(|b| b.state != a.state) {
            add_peer(&a.files, &b.state, b.port, &b.files.vkey).expect("peer");
        }
    }
    (ms, ls)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_states_sync_witness_and_a_quiet_night_moves_only_manifests() {
    let pki = Pki::new();
    let states = ["AUS", "IDN", "THA"];
    let (ms, ls) = members(&pki, &states).await;
    let mut nodes = Vec::new();
    for (m, l) in ms.iter().zip(ls) {
        let node = InProcessNode::start_on(&m.files, l).await;
        report_and_release(&pki, &node, &m.state, 8).await;
        nodes.push(node);
    }
    for (m, node) in ms.iter().zip(&nodes) {
        let st = sync_now(&pki, node, &m.state).await;
        assert_eq!(st.peers.len(), 2);
        for p in &st.peers {
            assert!(p.last_error.is_empty(), "{}: {}", p.peer, p.last_error);
            assert!(p.rejected.is_empty(), "{:?}", p.rejected);
            assert!(p.witnessed_size > 0);
        }
    }
    // Every node holds the tables of the 3 States, each verifying under its origin's key.
    for node in &nodes {
        let releases = held(&pki, node).await;
        assert_eq!(
            releases.len(),
            3 * vrs_core::aggregate::TableId::ALL.len(),
            "{releases:?}"
        );
    }
    // Witnessing: a node's checkpoint carries its peers' cosignatures.
    let ch = nodes[0]
        .channel(&pki, &pki.issue(Identity::secretariat("ROSEAP")))
        .await;
    let cp = FederationServiceClient::new(ch)
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("checkpoint")
        .into_inner();
    for peer in ["IDN", "THA"] {
        let m = ms.iter().find(|m| m.state == peer).expect("member");
        let v = vrs_core::note::NoteVerifier::parse(&m.files.vkey).expect("vkey");
        let cosigner = vrs_core::note::NoteVerifier::new(
            v.name(),
            vrs_core::note::SignatureType::CosignatureV1,
            *v.public_key(),
        )
        .expect("cosigner");
        let own = vrs_core::note::NoteVerifier::parse(&ms[0].files.vkey).expect("vkey");
        let verifiers = vrs_core::note::Verifiers::from_verifiers([own, cosigner]).expect("set");
        let opened = vrs_core::note::open_checkpoint(&cp.note, &verifiers).expect("opens");
        assert_eq!(
            opened.cosignatures().count(),
            1,
            "{peer} cosigned: {}",
            cp.note
        );
    }
    // Round two: anything relayed is already held; nothing is fetched twice.
    for (m, node) in ms.iter().zip(&nodes) {
        let st = sync_now(&pki, node, &m.state).await;
        for p in &st.peers {
            assert_eq!(p.fetched, 0, "{} fetched again from {}", m.state, p.peer);
        }
    }
    // Round three, a quiet night: no release moves, only manifests and checkpoints.
    for (m, node) in ms.iter().zip(&nodes) {
        let st = sync_now(&pki, node, &m.state).await;
        for p in &st.peers {
            assert_eq!(
                (p.fetched, p.already_held),
                (0, 0),
                "{}<-{}",
                m.state,
                p.peer
            );
            assert!(
                p.bytes < 2_000,
                "{}<-{}: {} bytes on a quiet night",
                m.state,
                p.peer,
                p.bytes
            );
            // On the wire: a resumed TLS 1.3 handshake (about 740 B), HTTP/2's set-up
            // and one call, whose answer also says the directories are in sync; the
            // directories asked in a call of their own would add about 160 B.
            assert!(
                p.wire_bytes > p.bytes && p.wire_bytes < 1_450,
                "{}<-{}: {} bytes on the wire on a quiet night",
                m.state,
                p.peer,
                p.wire_bytes
            );
        }
    }
    for n in nodes {
        n.stop().await;
    }
}

/// Every node of a 6-node mesh syncs once, in turn: the first sync (every node then
/// holds every release).
async fn night(pki: &Pki, ms: &[Member], nodes: &[InProcessNode]) -> Vec<(String, pb::PeerStatus)> {
    let mut out = Vec::new();
    for (m, node) in ms.iter().zip(nodes) {
        let st = sync_now(pki, node, &m.state).await;
        for p in st.peers {
            assert!(
                p.last_error.is_empty(),
                "{}<-{}: {}",
                m.state,
                p.peer,
                p.last_error
            );
            out.push((m.state.clone(), p));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catch_up_night_moves_at_most_twice_a_quiet_night_in_a_six_node_mesh() {
    let pki = Pki::new();
    let states = ["AUS", "IDN", "THA", "MYS", "PHL", "VNM"];
    let (ms, ls) = members(&pki, &states).await;
    let mut nodes = Vec::new();
    for (m, l) in ms.iter().zip(ls) {
        let node = InProcessNode::start_on(&m.files, l).await;
        report_and_release(&pki, &node, &m.state, 4).await;
        nodes.push(node);
    }
    let tables = vrs_core::aggregate::TableId::ALL.len();
    let first = night(&pki, &ms, &nodes).await;
    let first_bytes: u64 = first.iter().map(|(_, p)| p.bytes).sum();
    for node in &nodes {
        assert_eq!(held(&pki, node).await.len(), 6 * tables);
    }
    // Fetched once per puller: 5 origins' tables each, whoever offered them.
    for m in &ms {
        let fetched: u64 = first
            .iter()
            .filter(|(s, _)| *s == m.state)
            .map(|(_, p)| p.fetched)
            .sum();
        assert_eq!(fetched, 5 * tables as u64, "{} fetched", m.state);
    }
    let catch_up = night(&pki, &ms, &nodes).await;
    let quiet = night(&pki, &ms, &nodes).await;
    let sum = |n: &[(String, pb::PeerStatus)]| n.iter().map(|(_, p)| p.bytes).sum::<u64>();
    let releases =
        |n: &[(String, pb::PeerStatus)]| n.iter().map(|(_, p)| p.release_bytes).sum::<u64>();
    let (catch_up_bytes, quiet_bytes) = (sum(&catch_up), sum(&quiet));
    let (catch_up_releases, quiet_releases) = (releases(&catch_up), releases(&quiet));
    println!(
        "6-node mesh, 30 pairs: first sync {first_bytes} B; catch-up night {catch_up_bytes} B \
         (releases part {catch_up_releases} B); quiet night {quiet_bytes} B (releases part \
         {quiet_releases} B)"
    );
    // The catch-up night's checkpoint exchange carries no checkpoint body, and no
    // cosignatures either: a State node witnesses its peers itself.
    for (s, p) in &catch_up {
        assert_eq!(p.checkpoint, "unchanged", "{s}<-{}", p.peer);
    }
    for (s, p) in catch_up.iter().chain(&quiet) {
        assert!(
            p.in_sync,
            "{s}<-{}: not in sync after the first sync",
            p.peer
        );
        assert_eq!((p.fetched, p.already_held), (0, 0), "{s}<-{}", p.peer);
    }
    // A quiet night moves no checkpoint body, and no cosignature either.
    for (s, p) in &quiet {
        assert_eq!(p.checkpoint, "unchanged", "{s}<-{}", p.peer);
        assert!(p.bytes < 100, "{s}<-{}: {} bytes", p.peer, p.bytes);
    }
    assert!(
        catch_up_releases <= 2 * quiet_releases,
        "catch-up {catch_up_releases} B > 2 x quiet {quiet_releases} B"
    );
    assert!(
        catch_up_bytes <= 2 * quiet_bytes,
        "catch-up {catch_up_bytes} B > 2 x quiet {quiet_bytes} B, all told"
    );
    // The later nights' connections resumed the session of the night before (each
    // node is dialled by its 5 peers a night): no certificates go over again.
    for n in &nodes {
        let m = n.metrics().await;
        let resumed = metric(&m, "vrs_tls_handshakes_resumed_total").unwrap_or(0.0);
        assert!(resumed >= 10.0, "{}: {resumed} resumed handshakes", n.state);
    }
    for n in nodes {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_down_peer_is_retried_and_caught_up_next_round() {
    let pki = Pki::new();
    let (ms, mut ls) = members(&pki, &["AUS", "IDN", "THA"]).await;
    let tha_listener = ls.pop().expect("THA");
    let tha_port = ms[2].port;
    drop(tha_listener); // THA is down: its port refuses connections.
    let mut it = ls.into_iter();
    let aus = InProcessNode::start_on(&ms[0].files, it.next().expect("l")).await;
    let idn = InProcessNode::start_on(&ms[1].files, it.next().expect("l")).await;
    report_and_release(&pki, &idn, "IDN", 6).await;

    let st = sync_now(&pki, &aus, "AUS").await;
    let by = |st: &pb::SyncStatusResponse, p: &str| {
        st.peers
            .iter()
            .find(|x| x.peer == p)
            .cloned()
            .expect("peer record")
    };
    let idn_rec = by(&st, "IDN");
    assert!(idn_rec.last_error.is_empty(), "{}", idn_rec.last_error);
    assert_eq!(
        idn_rec.fetched,
        vrs_core::aggregate::TableId::ALL.len() as u64
    );
    let tha_rec = by(&st, "THA");
    assert!(!tha_rec.last_error.is_empty());
    assert_eq!(tha_rec.attempts, 2, "retried with backoff");
    assert_eq!(tha_rec.last_success, 0);
    // The metrics of each peer follow its record.
    let m = aus.metrics().await;
    let peer = |name: &str, p: &str| metric(&m, &format!("{name}{{peer=\"{p}\"}}"));
    assert_eq!(peer("vrs_sync_runs_total", "THA"), Some(1.0), "{m}");
    assert_eq!(peer("vrs_sync_failures_total", "THA"), Some(1.0), "{m}");
    assert_eq!(
        peer("vrs_sync_last_success_timestamp_seconds", "THA"),
        Some(0.0)
    );
    assert_eq!(peer("vrs_sync_failures_total", "IDN"), Some(0.0), "{m}");
    assert_eq!(
        peer("vrs_sync_fetched_total", "IDN"),
        Some(idn_rec.fetched as f64)
    );
    assert_eq!(peer("vrs_sync_rejected_total", "IDN"), Some(0.0));
    assert_eq!(
        peer("vrs_sync_received_bytes_total", "IDN"),
        Some(idn_rec.bytes as f64)
    );
    assert_eq!(
        peer("vrs_sync_last_success_timestamp_seconds", "IDN"),
        Some(idn_rec.last_success as f64)
    );

    // THA comes up on its port; the next round catches up and fetches nothing twice.
    let l = tokio::net::TcpListener::bind(("127.0.0.1", tha_port))
        .await
        .expect("rebind");
    let tha = InProcessNode::start_on(&ms[2].files, l).await;
    report_and_release(&pki, &tha, "THA", 6).await;
    let st = sync_now(&pki, &aus, "AUS").await;
    let tha_rec = by(&st, "THA");
    assert!(tha_rec.last_error.is_empty(), "{}", tha_rec.last_error);
    assert_eq!(
        tha_rec.fetched,
        vrs_core::aggregate::TableId::ALL.len() as u64,
        "THA's own releases"
    );
    assert!(tha_rec.last_success > 0);
    assert_eq!(by(&st, "IDN").fetched, 0, "nothing fetched twice");
    assert_eq!(
        held(&pki, &aus).await.len(),
        2 * vrs_core::aggregate::TableId::ALL.len()
    );
    for n in [aus, idn, tha] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_equivocating_log_is_caught_by_its_witness() {
    equivocation_is_caught(6).await;
}

/// A second view of the very size the witness holds: the conditional checkpoint
/// exchange sends size and root, so the other root comes back in full and is caught.
#[tokio::test(flavor = "multi_thread")]
async fn a_fork_of_the_same_size_is_caught_by_the_conditional_checkpoint_exchange() {
    equivocation_is_caught(3).await;
}

/// IDN logs 3 reports, is witnessed by AUS, rewinds and logs `second` others.
async fn equivocation_is_caught(second: u64) {
    let pki = Pki::new();
    let (ms, mut ls) = members(&pki, &["AUS", "IDN"]).await;
    let idn_port = ms[1].port;
    let idn_l = ls.pop().expect("l");
    let aus = InProcessNode::start_on(&ms[0].files, ls.pop().expect("l")).await;
    let idn = InProcessNode::start_on(&ms[1].files, idn_l).await;
    report_and_release(&pki, &idn, "IDN", 3).await;
    idn.stop().await;
    // Keep IDN's data as it is now.
    let data = &ms[1].files.data_dir;
    let saved = data.with_extension("saved");
    copy_dir(data, &saved);
    let l = tokio::net::TcpListener::bind(("127.0.0.1", idn_port))
        .await
        .expect("rebind");
    let idn = InProcessNode::start_on(&ms[1].files, l).await;
    submit_more(&pki, &idn, "IDN", 100, 3).await;
    let st = sync_now(&pki, &aus, "AUS").await;
    let witnessed = st.peers[0].witnessed_size;
    assert!(
        st.peers[0].last_error.is_empty(),
        "{}",
        st.peers[0].last_error
    );
    idn.stop().await;
    // IDN rewinds to the saved data and logs different entries: a split view.
    std::fs::remove_dir_all(data).expect("rm");
    copy_dir(&saved, data);
    let l = tokio::net::TcpListener::bind(("127.0.0.1", idn_port))
        .await
        .expect("rebind");
    let idn = InProcessNode::start_on(&ms[1].files, l).await;
    submit_more(&pki, &idn, "IDN", 200, second).await;
    let st = sync_now(&pki, &aus, "AUS").await;
    let rec = &st.peers[0];
    assert!(
        rec.last_error.contains("EQUIVOCATION"),
        "{}",
        rec.last_error
    );
    assert_eq!(
        rec.witnessed_size, witnessed,
        "the witness keeps the old checkpoint"
    );
    assert_eq!(st.alarms.len(), 1, "{:?}", st.alarms);
    assert_eq!(
        metric(&aus.metrics().await, "vrs_witness_alarms"),
        Some(1.0)
    );
    assert!(
        st.alarms[0].contains(&format!("checkpoint {witnessed}")),
        "{}",
        st.alarms[0]
    );
    // IDN's own request for a cosignature is refused too.
    let st = sync_now(&pki, &idn, "IDN").await;
    assert!(
        st.peers[0].last_error.contains("EQUIVOCATION"),
        "{}",
        st.peers[0].last_error
    );
    aus.stop().await;
    idn.stop().await;
}

async fn submit_more(pki: &Pki, node: &InProcessNode, state: &str, from: u64, n: u64) {
    let fp = FocalPoint::new(pki, state, "fp2", &format!("fp2-k{from}"));
    let admin = node.channel(pki, &pki.issue(Identity::admin(state))).await;
    register(admin, &fp).await;
    let ch = node.channel(pki, &fp.cert).await;
    for i in from..from + n {
        let p = ExampleParams::new(
            Iso3::new(state).expect("iso"),
            "fp2",
            examples::report_id(i),
        )
        .on(Date::new(2026, 11, 2).expect("date"));
        let mut r = examples::example(RecordType::Fee, &p);
        r.key_id = fp.key.keyid.clone();
        ReportServiceClient::new(ch.clone())
            .submit(pb::SubmitRequest {
                envelope: Some(fp.sign(&pb::Report::from(&r))),
            })
            .await
            .expect("submit");
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_wrong_names_and_wrong_keys_are_refused() {
    let pki = Pki::new();
    let (ms, mut ls) = members(&pki, &["AUS", "IDN"]).await;
    // A node of a State that is not AUS's peer cannot pull from AUS.
    let idn_l = ls.pop().expect("l");
    let aus = InProcessNode::start_on(&ms[0].files, ls.pop().expect("l")).await;
    report_and_release(&pki, &aus, "AUS", 3).await;
    let stranger = pki.issue(Identity::node("FRA"));
    let ch = aus.channel(&pki, &stranger).await;
    let err = FederationServiceClient::new(ch)
        .manifest(pb::ManifestRequest::default())
        .await
        .expect_err("stranger");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);

    // IDN pins a wrong key for AUS: every AUS release is refused, with the reason.
    let wrong = node_files(&pki, "NZL", None, "").vkey;
    let cfg = std::fs::read_to_string(&ms[1].files.config).expect("read");
    std::fs::write(&ms[1].files.config, cfg.replace(&ms[0].files.vkey, &wrong)).expect("write");
    let idn = InProcessNode::start_on(&ms[1].files, idn_l).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let rec = &st.peers[0];
    assert_eq!(rec.fetched, 0);
    assert_eq!(
        rec.rejected.len(),
        vrs_core::aggregate::TableId::ALL.len(),
        "{:?}",
        rec.rejected
    );
    assert!(
        rec.rejected.iter().all(|r| r.contains("refused")),
        "{:?}",
        rec.rejected
    );
    assert!(
        !rec.last_error.is_empty(),
        "the checkpoint does not verify either"
    );
    assert!(held(&pki, &idn).await.is_empty());

    // An endpoint whose certificate names another State is refused at connection.
    let cfg = std::fs::read_to_string(&ms[1].files.config).expect("read");
    idn.stop().await;
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other_port = other.local_addr().expect("addr").port();
    let nzl_files = node_files(&pki, "NZL", None, "");
    let nzl = InProcessNode::start_on(&nzl_files, other).await;
    std::fs::write(
        &ms[1].files.config,
        cfg.replace(
            &format!("localhost:{}", ms[0].port),
            &format!("localhost:{other_port}"),
        ),
    )
    .expect("write");
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let idn = InProcessNode::start_on(&ms[1].files, l).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    assert!(
        st.peers[0]
            .last_error
            .contains("peer certificate is not vrs://state/AUS/node"),
        "{}",
        st.peers[0].last_error
    );
    for n in [aus, idn, nzl] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secretariat_builds_the_regional_table_through_relays_and_refuses_altered_bytes() {
    let pki = Pki::new();
    let (ms, ls) = members(&pki, &["AUS", "IDN", "THA"]).await;
    let mut nodes = Vec::new();
    for (m, l) in ms.iter().zip(ls) {
        let node = InProcessNode::start_on(&m.files, l).await;
        report_and_release(&pki, &node, &m.state, 7).await;
        nodes.push(node);
    }
    // AUS pulls IDN's and THA's releases; it will relay them.
    sync_now(&pki, &nodes[0], "AUS").await;
    let tha_port = ms[2].port;

    // The secretariat reaches AUS only: THA's endpoint is wrong (nothing listens).
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead_port = dead.local_addr().expect("addr").port();
    drop(dead);
    let sec = vrs_local::secretariat_files(&pki, "ROSEAP", SYNC).expect("files");
    add_peer(&sec, "AUS", ms[0].port, &ms[0].files.vkey).expect("peer");
    add_peer(&sec, "IDN", dead_port, &ms[1].files.vkey).expect("peer");
    add_peer(&sec, "THA", dead_port, &ms[2].files.vkey).expect("peer");
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let secretariat = InProcessNode::start_on(&sec, l).await;
    let me = pki.issue(Identity::secretariat("ROSEAP"));
    let ch = secretariat.channel(&pki, &me).await;
    let st = SyncServiceClient::new(ch.clone())
        .sync_now(pb::SyncNowRequest::default())
        .await
        .expect("the secretariat runs its own sync")
        .into_inner();
    let aus = st.peers.iter().find(|p| p.peer == "AUS").expect("AUS");
    assert!(aus.last_error.is_empty(), "{}", aus.last_error);
    assert_eq!(
        aus.fetched,
        3 * vrs_core::aggregate::TableId::ALL.len() as u64,
        "every State's releases through AUS"
    );
    assert!(
        st.peers
            .iter()
            .filter(|p| p.peer != "AUS")
            .all(|p| !p.last_error.is_empty())
    );

    // The regional table is the cell-wise sum of the national releases.
    let csv = AggregatesServiceClient::new(ch.clone())
        .regional_table(pb::RegionalTableRequest {
            table: "MOVEMENTS".into(),
            period: "2026-M10".into(),
            format: pb::ExportFormat::Csv as i32,
        })
        .await
        .expect("regional table")
        .into_inner();
    let csv = String::from_utf8(csv.data).expect("utf8");
    let total = csv
        .lines()
        .find(|l| l.contains("MOVEMENTS,_T,_T,_T,EVENTS,"))
        .expect("grand total");
    assert!(total.starts_with("AUS+IDN+THA,2026-M10,"), "{total}");
    assert!(
        total.contains(",EVENTS,21,"),
        "3 States x 7 movements: {total}"
    );
    // A secretariat node serves no reports.
    let err = ReportServiceClient::new(ch)
        .list_reports(pb::ListReportsRequest::default())
        .await
        .expect_err("no report service");
    assert_eq!(err.code(), tonic::Code::Unimplemented);

    // AUS, as a relay, alters THA's MOVEMENTS release: a second secretariat refuses it.
    let aus_node = nodes.remove(0);
    aus_node.stop().await;
    {
        let store = vrs_node::storage::Store::open(&ms[0].files.data_dir).expect("open");
        let (v, mut bytes) = store
            .latest_release("THA", "MOVEMENTS", "2026-M10")
            .expect("read")
            .expect("held");
        let last = bytes.len() - 1;
        bytes[last / 2] ^= 1;
        store
            .danger_overwrite_release("THA", "MOVEMENTS", "2026-M10", v, &bytes)
            .expect("tamper");
    }
    let l = tokio::net::TcpListener::bind(("127.0.0.1", ms[0].port))
        .await
        .expect("rebind");
    let aus_node = InProcessNode::start_on(&ms[0].files, l).await;
    let sec2 = vrs_local::secretariat_files(&pki, "ROSEAP2", SYNC).expect("files");
    add_peer(&sec2, "AUS", ms[0].port, &ms[0].files.vkey).expect("peer");
    add_peer(&sec2, "THA", tha_port, &ms[2].files.vkey).expect("peer");
    nodes.remove(1).stop().await; // THA is down for this one.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let secretariat2 = InProcessNode::start_on(&sec2, l).await;
    let ch = secretariat2
        .channel(&pki, &pki.issue(Identity::secretariat("ROSEAP2")))
        .await;
    let st = SyncServiceClient::new(ch)
        .sync_now(pb::SyncNowRequest { peer: "AUS".into() })
        .await
        .expect("sync")
        .into_inner();
    let aus = st.peers.iter().find(|p| p.peer == "AUS").expect("AUS");
    // IDN is not in this secretariat's federation: its releases are refused too.
    let tables = vrs_core::aggregate::TableId::ALL.len();
    assert_eq!(
        aus.fetched,
        2 * tables as u64 - 1,
        "AUS's and THA's intact releases"
    );
    assert_eq!(aus.rejected.len(), tables + 1, "{:?}", aus.rejected);
    let altered: Vec<_> = aus
        .rejected
        .iter()
        .filter(|r| r.starts_with("THA MOVEMENTS 2026-M10"))
        .collect();
    assert_eq!(altered.len(), 1, "{:?}", aus.rejected);
    let strangers = aus
        .rejected
        .iter()
        .filter(|r| r.contains("origin IDN is not in the federation"))
        .count();
    assert_eq!(
        strangers,
        vrs_core::aggregate::TableId::ALL.len(),
        "{:?}",
        aus.rejected
    );
    for n in [aus_node, secretariat, secretariat2] {
        n.stop().await;
    }
    for n in nodes {
        n.stop().await;
    }
    // The secretariat holds AUS's log as AUS's neighbours cosigned it (IDN and THA
    // cosigned AUS's checkpoint when AUS synced with them); a State node keeps only
    // the log's own signature of its peers.
    let cosigners = |data: &std::path::Path, origin: &str| {
        let store = vrs_node::storage::Store::open(data).expect("store");
        let note = store.witnessed(origin).expect("read").expect("witnessed");
        let mut names: Vec<String> = vrs_core::note::parse_note(&note)
            .expect("note")
            .signatures
            .into_iter()
            .map(|s| s.name)
            .filter(|n| n != origin)
            .collect();
        names.sort();
        names
    };
    let aus_origin = ms[0].files.vkey.split('+').next().expect("name");
    let names = cosigners(&sec.data_dir, aus_origin);
    assert_eq!(
        names,
        ["vrs.local/state/IDN", "vrs.local/state/THA"],
        "the secretariat's view of AUS's log"
    );
}

/// Builds and signs, with `files`' node key, a MOVEMENTS release of `period` that the
/// node never made (for a relay to serve).
fn crafted_release(
    files: &NodeFiles,
    period: &str,
    code_list_version: &str,
    checkpoint: &str,
    at: i64,
) -> (vrs_node::storage::releases::ReleaseRecord, Vec<u8>) {
    let key_path = files.config.parent().expect("dir").join("node-signing.key");
    let signer = vrs_node::config::read_node_key(&key_path).expect("node key");
    let meta = vrs_core::release::ReleaseMeta {
        origin: Iso3::new(&files.state).expect("iso"),
        table: vrs_core::aggregate::TableId::Movements,
        period: vrs_core::aggregate::Period::parse(period).expect("period"),
        version: 1,
        code_list_version: code_list_version.into(),
        checkpoint: vrs_core::release::ReleaseCheckpoint::from_note(checkpoint).expect("cp"),
        computed_at: vrs_core::codes::Timestamp::from_unix_seconds(at).expect("ts"),
        reciprocity: Default::default(),
    };
    let release = vrs_core::release::build_threshold(meta, &vrs_core::aggregate::Tables::new(), 5)
        .expect("build");
    let env = vrs_node::releases::dsse_sign(
        &signer,
        vrs_proto::RELEASE_PAYLOAD_TYPE,
        vrs_core::wire::encode_release(&release),
    );
    let bytes = env.to_entry_bytes();
    let rec = vrs_node::storage::releases::ReleaseRecord {
        origin: files.state.clone(),
        table: "MOVEMENTS".into(),
        period: period.into(),
        version: 1,
        digest: vrs_core::sha256(&bytes),
        size: bytes.len() as u64,
        reciprocity: Default::default(),
    };
    (rec, bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_not_newer_and_an_unknown_code_list_are_refused_with_reasons() {
    let pki = Pki::new();
    let (ms, mut ls) = members(&pki, &["AUS", "IDN"]).await;
    let idn_l = ls.pop().expect("l");
    let aus_port = ms[0].port;
    let aus = InProcessNode::start_on(&ms[0].files, ls.pop().expect("l")).await;
    report_and_release(&pki, &aus, "AUS", 3).await;
    let idn = InProcessNode::start_on(&ms[1].files, idn_l).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    assert_eq!(
        st.peers[0].fetched,
        vrs_core::aggregate::TableId::ALL.len() as u64,
        "{:?}",
        st.peers[0]
    );
    aus.stop().await;

    // AUS's store now offers another version 1 of MOVEMENTS 2026-M10 (same version,
    // other bytes) and a 2026-M09 release written with code lists IDN cannot read.
    {
        let store = vrs_node::storage::Store::open(&ms[0].files.data_dir).expect("open");
        let cp = store.checkpoint().expect("read").expect("checkpoint");
        let mut batch = store.batch().expect("batch");
        let (r1, b1) = crafted_release(
            &ms[0].files,
            "2026-M10",
            vrs_core::codes::CODE_LIST_VERSION,
            &cp,
            1_795_000_000,
        );
        let (r2, b2) = crafted_release(&ms[0].files, "2026-M09", "1999.1", &cp, 1_795_000_001);
        batch.put_release(&r1, &b1).expect("put");
        batch.put_release(&r2, &b2).expect("put");
        store.commit(batch).expect("commit");
    }
    let l = tokio::net::TcpListener::bind(("127.0.0.1", aus_port))
        .await
        .expect("rebind");
    let aus = InProcessNode::start_on(&ms[0].files, l).await;
    let st = sync_now(&pki, &idn, "IDN").await;
    let rec = &st.peers[0];
    assert_eq!(rec.fetched, 0, "{rec:?}");
    assert_eq!(rec.rejected.len(), 2, "{:?}", rec.rejected);
    assert!(
        rec.rejected
            .iter()
            .any(|r| r.contains("is not newer than the held version 1")),
        "{:?}",
        rec.rejected
    );
    assert!(
        rec.rejected
            .iter()
            .any(|r| r.starts_with("AUS MOVEMENTS 2026-M09") && r.contains("1999.1")),
        "{:?}",
        rec.rejected
    );
    aus.stop().await;
    idn.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_now_outlasts_its_rpc_deadline_and_a_hung_peer_fails_at_its_own_deadline() {
    let pki = Pki::new();
    // The RPC deadline (1 s) is shorter than a peer's deadline (4 s, two attempts).
    let extra = "[limits]\nrpc_deadline_ms = 1000\n[sync]\nattempts = 2\npeer_deadline_s = 4\njitter_s = 0\n";
    let aus_files = node_files(&pki, "AUS", None, extra);
    let idn_files = node_files(&pki, "IDN", None, SYNC);
    add_peer(&idn_files, "AUS", 1, &aus_files.vkey).expect("peer");
    let idn = InProcessNode::start(&idn_files).await;
    // THA accepts TCP and never answers: not even the TLS handshake.
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hung_port = hung.local_addr().expect("addr").port();
    let held_open = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((c, _)) = hung.accept().await {
            conns.push(c);
        }
    });
    let (tha_key, _) = vrs_core::note::NoteSigner::generate("vrs.local/state/THA").expect("key");
    add_peer(&aus_files, "IDN", idn.addr.port(), &idn_files.vkey).expect("peer");
    add_peer(&aus_files, "THA", hung_port, &tha_key.verifier_key()).expect("peer");
    let aus = InProcessNode::start(&aus_files).await;
    report_and_release(&pki, &idn, "IDN", 6).await;

    let admin = aus.channel(&pki, &pki.issue(Identity::admin("AUS"))).await;
    // The client's own deadline is short too.
    let client = vrs_client::client::Client::from_channel(
        admin.clone(),
        "AUS",
        std::time::Duration::from_secs(1),
    );
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    let st = client
        .sync_run("", |p| seen.push(p.peer.clone()))
        .await
        .expect("the round's records, past the 1 s RPC deadline");
    let took = started.elapsed();
    let by = |p: &str| {
        st.peers
            .iter()
            .find(|x| x.peer == p)
            .cloned()
            .expect("record")
    };
    let (idn_rec, tha_rec) = (by("IDN"), by("THA"));
    println!(
        "sync now with a hung peer: {took:?}; IDN fetched {} (error {:?}); THA attempts {} error {:?}",
        idn_rec.fetched, idn_rec.last_error, tha_rec.attempts, tha_rec.last_error
    );
    assert!(idn_rec.last_error.is_empty(), "{}", idn_rec.last_error);
    assert_eq!(
        idn_rec.fetched,
        vrs_core::aggregate::TableId::ALL.len() as u64,
        "the live peer synced"
    );
    assert!(
        !tha_rec.last_error.is_empty(),
        "the hung peer's failure is recorded"
    );
    assert_eq!(
        tha_rec.attempts, 2,
        "every attempt was made within its deadline"
    );
    assert!(
        took > std::time::Duration::from_secs(1),
        "it outlasted the RPC deadline"
    );
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    seen.sort();
    assert_eq!(
        seen,
        ["IDN", "THA"],
        "each peer's record streamed as it ended"
    );

    // The unary SyncNow is cut at its deadline, but its round runs on and is recorded.
    let cut = SyncServiceClient::new(admin.clone())
        .sync_now(pb::SyncNowRequest { peer: "THA".into() })
        .await
        .expect_err("past the RPC deadline");
    assert!(
        matches!(
            cut.code(),
            tonic::Code::Cancelled | tonic::Code::DeadlineExceeded
        ),
        "{cut:?}"
    );
    let status = client
        .sync_run("IDN", |_| {})
        .await
        .expect("a round waits for the one still running, then runs");
    assert!(
        status
            .peers
            .iter()
            .any(|p| p.peer == "THA" && p.started > tha_rec.started)
    );
    held_open.abort();
    aus.stop().await;
    idn.stop().await;
}
