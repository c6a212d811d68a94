//! Connection floods: connections that never send a byte must not lock authenticated
//! clients out.

use std::time::{Duration, Instant};

use vrs_client::pki::Identity;
use vrs_proto::v1 as pb;
use vrs_proto::v1::admin_service_client::AdminServiceClient;
use vrs_tests::{InProcessNode, Pki, node_files};

const IDLE: usize = 1500;

/// The test holds `IDLE` sockets (and the in-process node its own): make sure the
/// process may open that many files.
fn allow_open_files(n: u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current.is_some_and(|c| c < n) {
        lim.current = Some(lim.maximum.map_or(n, |m| m.min(n)));
        setrlimit(Resource::Nofile, lim).expect("raise RLIMIT_NOFILE");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authenticated_call_answers_within_2_s_while_1500_idle_connections_are_held() {
    allow_open_files(8192);
    let pki = Pki::new();
    let node = InProcessNode::start(&node_files(&pki, "GRC", None, "")).await;
    let admin = pki.issue(Identity::admin("GRC"));

    // 1,500 connections that never send a byte (not even a ClientHello), from another
    // loopback address than the client's, all held open during the call.
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.2:0".parse().expect("addr"))
            .expect("bind");
        idle.push(socket.connect(node.addr).await.expect("connect"));
    }

    let started = Instant::now();
    let ch = node.channel(&pki, &admin).await;
    AdminServiceClient::new(ch)
        .list_keys(pb::ListKeysRequest {})
        .await
        .expect("the authenticated call is answered");
    let took = started.elapsed();
    println!(
        "authenticated call (new mTLS connection + ListKeys) with {IDLE} idle connections held: {took:?}"
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");

    let metrics = node.metrics().await;
    let refused = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix("vrs_tls_connections_refused_total{limit=\"per_source_handshakes\"} ")
        })
        .and_then(|v| v.parse::<u64>().ok())
        .expect("the per-source refusals are a metric");
    assert!(refused > 0, "{metrics}");
    assert!(
        metrics.contains("vrs_tls_handshakes_in_progress "),
        "{metrics}"
    );
    assert!(metrics.contains("vrs_tls_connections_open "), "{metrics}");
    drop(idle);
    node.stop().await;
}
