//! Federation helpers of the end-to-end tests: reports and a release on a node, a
//! sync round, the releases held.

use vrs_client::pki::Identity;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3, RecordType};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;

use crate::{FocalPoint, InProcessNode, NodeFiles, Pki, node_files, register};

/// Submits `n` movement reports of October 2026 and releases the month (as the
/// State's admin, registering focal point `fp1`).
pub async fn report_and_release(pki: &Pki, node: &InProcessNode, state: &str, n: u64) {
    report_and_release_in(pki, node, state, n, 10).await;
}

/// Submits `n` movement reports of `month` 2026 (numbered from `month * 1000`) and
/// releases the month.
pub async fn report_and_release_in(
    pki: &Pki,
    node: &InProcessNode,
    state: &str,
    n: u64,
    month: u8,
) {
    let admin = node.channel(pki, &pki.issue(Identity::admin(state))).await;
    // October's focal point is fp1; another month's is a focal point of its own.
    let (id, first) = match month {
        10 => ("fp1".to_owned(), 0),
        m => (format!("fp{m}"), u64::from(m) * 1000),
    };
    let fp = FocalPoint::new(pki, state, &id, &format!("{id}-k1"));
    register(admin.clone(), &fp).await;
    let ch = node.channel(pki, &fp.cert).await;
    for i in 1..=n {
        let p = ExampleParams::new(
            Iso3::new(state).expect("iso"),
            &id,
            examples::report_id(first + i),
        )
        .on(Date::new(2026, month, 1 + (i % 28) as u8).expect("date"));
        let env = fp.sign(&pb::Report::from(&examples::example(
            RecordType::Movement,
            &p,
        )));
        ReportServiceClient::new(ch.clone())
            .submit(pb::SubmitRequest {
                envelope: Some(env),
            })
            .await
            .expect("submit");
    }
    AggregatesServiceClient::new(admin)
        .release_now(pb::ReleaseNowRequest {
            period: format!("2026-M{month:02}"),
            revise: false,
        })
        .await
        .expect("release");
}

/// A sync round now, as the node's admin.
pub async fn sync_now(pki: &Pki, node: &InProcessNode, state: &str) -> pb::SyncStatusResponse {
    let admin = node.channel(pki, &pki.issue(Identity::admin(state))).await;
    SyncServiceClient::new(admin)
        .sync_now(pb::SyncNowRequest::default())
        .await
        .expect("sync now")
        .into_inner()
}

/// The releases a node holds, as a secretariat reads them.
pub async fn held(pki: &Pki, node: &InProcessNode) -> Vec<pb::ReleaseInfo> {
    let ch = node
        .channel(pki, &pki.issue(Identity::secretariat("ROSEAP")))
        .await;
    AggregatesServiceClient::new(ch)
        .list_releases(pb::ListReleasesRequest::default())
        .await
        .expect("list")
        .into_inner()
        .releases
}

/// A line AUS–IDN–THA under a roster signed by `keeper` (THA is not AUS's peer): the
/// three nodes started, each with `extra` and its own addition (`own`, by index)
/// appended to its configuration, and the roster published to each. The nodes and
/// their files, in line order.
pub async fn roster_line(
    pki: &Pki,
    keeper: &vrs_local::roster::RosterKeeper,
    extra: &str,
    own: [&str; 3],
) -> (Vec<InProcessNode>, Vec<NodeFiles>) {
    use vrs_local::roster::{add_roster_peer, member, roster};
    const LINE: [&str; 3] = ["AUS", "IDN", "THA"];
    let mut files = Vec::new();
    for (s, own) in LINE.into_iter().zip(own) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let text = format!("{extra}{own}{}", keeper.section());
        files.push((node_files(pki, s, None, &text), l));
    }
    let ports: Vec<u16> = files
        .iter()
        .map(|(_, l)| l.local_addr().expect("addr").port())
        .collect();
    add_roster_peer(&files[0].0, "IDN", ports[1]).expect("peer");
    add_roster_peer(&files[1].0, "AUS", ports[0]).expect("peer");
    add_roster_peer(&files[1].0, "THA", ports[2]).expect("peer");
    add_roster_peer(&files[2].0, "IDN", ports[1]).expect("peer");
    let members: Vec<_> = files
        .iter()
        .zip(&ports)
        .map(|((f, _), p)| member(&f.state, &f.vkey, *p, 0, 0).expect("member"))
        .collect();
    let note = keeper
        .sign(&roster("vrs.test", 1, members))
        .expect("roster");
    let mut nodes = Vec::new();
    let mut fs = Vec::new();
    for (f, l) in files {
        nodes.push(InProcessNode::start_on(&f, l).await);
        fs.push(f);
    }
    for (node, state) in nodes.iter().zip(LINE) {
        SyncServiceClient::new(node.channel(pki, &pki.issue(Identity::admin(state))).await)
            .publish_roster(pb::RosterNote { note: note.clone() })
            .await
            .expect("roster");
    }
    (nodes, fs)
}
