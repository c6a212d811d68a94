//! Reciprocity (design 08-directory.md), end to end with real mTLS on a line
//! AUS–IDN–THA under a roster, plus a secretariat pulling from AUS. AUS and IDN release
//! under `reciprocity = "period"`, THA under `none`. A State that has released nothing of
//! 2026-M10 gets no release of it (directly, relayed, or through GetRelease, Export and
//! the regional table) while a secretariat gets them throughout; once it releases the
//! period, the withheld releases reach it, relayed ones verified under their origin's
//! roster key. THA's `none` releases reach everyone as before.

use vrs_client::pki::Identity;
use vrs_local::roster::RosterKeeper;
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::federation_service_client::FederationServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;
use vrs_tests::federation::{held, report_and_release_in, roster_line, sync_now};
use vrs_tests::{InProcessNode, Pki};

const SYNC: &str = "[sync]\nattempts = 2\npeer_deadline_s = 30\njitter_s = 0\n";
const PERIOD: &str = "[release]\nreciprocity = \"period\"\n";
const M10: &str = "2026-M10";

fn record<'a>(st: &'a pb::SyncStatusResponse, peer: &str) -> &'a pb::PeerStatus {
    st.peers.iter().find(|p| p.peer == peer).expect("record")
}

fn tables() -> u64 {
    vrs_core::aggregate::TableId::ALL.len() as u64
}

/// The releases of `period` a node holds, by origin.
async fn origins_of(pki: &Pki, node: &InProcessNode, period: &str) -> Vec<(String, u64)> {
    let mut by: std::collections::BTreeMap<String, u64> = Default::default();
    for r in held(pki, node).await {
        if r.period == period {
            *by.entry(r.origin).or_default() += 1;
        }
    }
    by.into_iter().collect()
}

/// AUS's MOVEMENTS release of 2026-M10, as the channel's caller is served it.
async fn aus_movements(
    c: &mut AggregatesServiceClient<tonic::transport::Channel>,
) -> Result<pb::GetReleaseResponse, tonic::Status> {
    c.get_release(pb::GetReleaseRequest {
        origin: "AUS".into(),
        table: "MOVEMENTS".into(),
        period: M10.into(),
        version: 0,
    })
    .await
    .map(tonic::Response::into_inner)
}

fn counts(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_gets_a_period_only_once_it_has_released_it_and_a_secretariat_throughout() {
    let pki = Pki::new();
    let keeper =
        RosterKeeper::new(pki.dir.path(), "roster-1", "vrs.test/roster/1").expect("keeper");
    let (nodes, fs) = roster_line(&pki, &keeper, SYNC, [PERIOD, PERIOD, ""]).await;
    let (aus, idn, tha) = (&nodes[0], &nodes[1], &nodes[2]);
    let sec = vrs_local::secretariat_files(&pki, "ROSEAP", SYNC).expect("files");
    vrs_local::add_peer(&sec, "AUS", nodes[0].addr.port(), &fs[0].vkey).expect("peer");
    let secretariat = InProcessNode::start(&sec).await;

    // AUS releases 2026-M10; THA releases 2026-M09 under `none`.
    report_and_release_in(&pki, aus, "AUS", 6, 10).await;
    report_and_release_in(&pki, tha, "THA", 6, 9).await;

    // IDN has released nothing of M10: AUS lists its releases to IDN as withheld and
    // serves none of them; IDN keeps them pending. THA's M09 (`none`) reaches IDN.
    let st = sync_now(&pki, idn, "IDN").await;
    let from_aus = record(&st, "AUS");
    assert!(from_aus.last_error.is_empty(), "{}", from_aus.last_error);
    assert_eq!(
        (from_aus.fetched, from_aus.pending),
        (0, tables()),
        "{from_aus:?}"
    );
    assert_eq!(record(&st, "THA").fetched, tables());
    assert!(origins_of(&pki, idn, M10).await.is_empty());
    assert_eq!(
        origins_of(&pki, idn, "2026-M09").await,
        counts(&[("THA", tables())])
    );
    // AUS's status says what it withholds from IDN, and why.
    let st = SyncServiceClient::new(aus.channel(&pki, &pki.issue(Identity::admin("AUS"))).await)
        .sync_status(pb::SyncStatusRequest::default())
        .await
        .expect("status")
        .into_inner();
    let w = &record(&st, "IDN").withholding;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!((w[0].period.as_str(), w[0].releases), (M10, tables()));
    assert!(
        w[0].reason.contains("IDN has released nothing of 2026-M10"),
        "{}",
        w[0].reason
    );

    // Asked directly, as IDN's node: the manifest marks them, FetchReleases, GetRelease,
    // Export and the regional table serve nothing of them.
    let idn_at_aus = aus.channel(&pki, &pki.issue(Identity::node("IDN"))).await;
    let listed = AggregatesServiceClient::new(idn_at_aus.clone())
        .list_releases(pb::ListReleasesRequest::default())
        .await
        .expect("list")
        .into_inner()
        .releases;
    assert_eq!(listed.len() as u64, tables());
    assert!(
        listed.iter().all(|r| r.withheld && r.size == 0),
        "{listed:?}"
    );
    let fetched: Vec<_> = {
        let mut s = FederationServiceClient::new(idn_at_aus.clone())
            .fetch_releases(pb::FetchReleasesRequest {
                digests: listed.iter().map(|r| r.digest.clone()).collect(),
            })
            .await
            .expect("fetch")
            .into_inner();
        let mut got = Vec::new();
        while let Some(item) = s.message().await.expect("stream") {
            got.push(item);
        }
        got
    };
    assert!(fetched.is_empty(), "{} releases served", fetched.len());
    let mut agg = AggregatesServiceClient::new(idn_at_aus.clone());
    let e = aus_movements(&mut agg).await.expect_err("withheld");
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e:?}");
    assert!(e.message().contains("reciprocity"), "{}", e.message());
    let export = agg
        .export(pb::ExportRequest {
            filter: Some(pb::ListReleasesRequest::default()),
            format: pb::ExportFormat::Json as i32,
        })
        .await
        .expect("export")
        .into_inner();
    assert!(
        !String::from_utf8_lossy(&export.data).contains("\"AUS\""),
        "the export holds AUS's releases"
    );
    let e = agg
        .regional_table(pb::RegionalTableRequest {
            table: "MOVEMENTS".into(),
            period: M10.into(),
            format: pb::ExportFormat::Csv as i32,
        })
        .await
        .expect_err("nothing served");
    assert_eq!(e.code(), tonic::Code::NotFound, "{e:?}");
    // AUS's own admin sees everything it holds.
    let own =
        AggregatesServiceClient::new(aus.channel(&pki, &pki.issue(Identity::admin("AUS"))).await)
            .list_releases(pb::ListReleasesRequest::default())
            .await
            .expect("list")
            .into_inner()
            .releases;
    assert!(own.iter().all(|r| !r.withheld));

    // A secretariat is exempt: it gets them throughout.
    let st = SyncServiceClient::new(
        secretariat
            .channel(&pki, &pki.issue(Identity::secretariat("ROSEAP")))
            .await,
    )
    .sync_now(pb::SyncNowRequest::default())
    .await
    .expect("the secretariat's sync")
    .into_inner();
    assert_eq!(
        record(&st, "AUS").fetched,
        tables(),
        "{:?}",
        record(&st, "AUS")
    );

    // IDN releases M10. AUS, pulling from IDN, sees IDN's own M10 listed (withheld
    // from it, since IDN holds nothing of AUS's M10): that IDN lists its own release is
    // what lets IDN serve AUS first, and AUS takes IDN's releases.
    report_and_release_in(&pki, idn, "IDN", 6, 10).await;
    let st = sync_now(&pki, idn, "IDN").await;
    assert_eq!(
        record(&st, "AUS").pending,
        tables(),
        "AUS holds nothing of IDN's yet"
    );
    let st = sync_now(&pki, aus, "AUS").await;
    let from_idn = record(&st, "IDN");
    assert!(from_idn.rejected.is_empty(), "{:?}", from_idn.rejected);
    assert_eq!(
        from_idn.fetched,
        tables() * 2,
        "IDN's M10 and THA's M09: {from_idn:?}"
    );
    assert!(
        record(&st, "IDN").withholding.is_empty(),
        "{:?}",
        record(&st, "IDN").withholding
    );
    // Now AUS holds IDN's M10 and serves IDN its own.
    let st = sync_now(&pki, idn, "IDN").await;
    let from_aus = record(&st, "AUS");
    assert_eq!(
        (from_aus.fetched, from_aus.pending),
        (tables(), 0),
        "{from_aus:?}"
    );
    assert_eq!(
        origins_of(&pki, idn, M10).await,
        counts(&[("AUS", tables()), ("IDN", tables())])
    );

    // THA, not AUS's peer, has released nothing of M10: IDN withholds AUS's and its
    // own (the relay applies AUS's signed policy with its own holdings of THA's).
    let st = sync_now(&pki, tha, "THA").await;
    let from_idn = record(&st, "IDN");
    assert_eq!(
        (from_idn.fetched, from_idn.pending),
        (0, 2 * tables()),
        "{from_idn:?}"
    );
    // THA releases M10 (under `none`, so IDN takes it at once); then IDN serves THA both.
    report_and_release_in(&pki, tha, "THA", 6, 10).await;
    let st = sync_now(&pki, idn, "IDN").await;
    assert_eq!(record(&st, "THA").fetched, tables());
    let st = sync_now(&pki, tha, "THA").await;
    let from_idn = record(&st, "IDN");
    assert!(from_idn.rejected.is_empty(), "{:?}", from_idn.rejected);
    assert_eq!(
        (from_idn.fetched, from_idn.pending),
        (2 * tables(), 0),
        "{from_idn:?}"
    );
    assert_eq!(
        origins_of(&pki, tha, M10).await,
        counts(&[("AUS", tables()), ("IDN", tables()), ("THA", tables())])
    );
    // Relayed, they still verify under AUS's roster key at THA.
    let mut at_tha =
        AggregatesServiceClient::new(tha.channel(&pki, &pki.issue(Identity::admin("THA"))).await);
    let env = aus_movements(&mut at_tha)
        .await
        .expect("held at THA")
        .envelope
        .expect("envelope");
    let env = vrs_core::wire::envelope_from_pb(env);
    let aus_key = vrs_core::note::NoteVerifier::parse(&fs[0].vkey).expect("AUS vkey");
    let release = vrs_core::release::open_release(&env, aus_key.public_key()).expect("verifies");
    assert_eq!(
        release.reciprocity,
        vrs_core::release::Reciprocity::Period {
            include_secretariats: false
        }
    );
}
