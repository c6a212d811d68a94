//! Aggregate releases end to end: tables maintained with every accepted version,
//! release-once, the one revision, signatures, roles, and what crosses the wire.

use tonic::Code;
use vrs_client::pki::Identity;
use vrs_core::aggregate::{CellKey, Measure, TableId};
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3, RecordType, Report};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_tests::StateNode;

const STATE: &str = "GRC";

fn report(kind: RecordType, n: u64, day: u8) -> Report {
    let p = ExampleParams::new(
        Iso3::new(STATE).expect("iso"),
        "hcg-piraeus-01",
        examples::report_id(n),
    )
    .on(Date::new(2026, 10, day).expect("date"));
    examples::example(kind, &p)
}

fn entry(env: &pb::Envelope) -> Vec<u8> {
    vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes()
}

fn open(env: &pb::Envelope, vkey: &str) -> vrs_core::release::Release {
    let v = vrs_core::note::NoteVerifier::parse(vkey).expect("vkey");
    vrs_core::release::open_release(
        &vrs_core::wire::envelope_from_pb(env.clone()),
        v.public_key(),
    )
    .expect("release verifies under the node key")
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_follow_amendments_and_retractions_and_release_once() {
    let f = StateNode::start(STATE, "").await;
    // 12 movements in October; one amended (same counts), two retracted.
    let mut envs = Vec::new();
    for n in 1..=12 {
        let r = report(RecordType::Movement, n, 1 + n as u8);
        envs.push((
            r.clone(),
            f.submit(&pb::Report::from(&r)).await.expect("accepted"),
        ));
    }
    // A refused submission (bad country) must change no table.
    let mut bad = pb::Report::from(&report(RecordType::Movement, 99, 5));
    if let Some(pb::report::Body::Movement(m)) = bad.body.as_mut() {
        m.route[0].from_country = "XXX".into();
    }
    let ch = f.node.channel(&f.pki, &f.fp.cert).await;
    let err = ReportServiceClient::new(ch)
        .submit(pb::SubmitRequest {
            envelope: Some(f.fp.sign(&bad)),
        })
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
    for (i, (r, env)) in envs.iter().take(3).enumerate() {
        let d = vrs_core::sha256(&entry(env));
        let next = if i == 0 {
            examples::example_amendment(r, d)
        } else {
            examples::example_retraction(r, d)
        };
        f.submit(&pb::Report::from(&next))
            .await
            .expect("new version");
    }

    // The period is not closed before its embargo ends.
    let err = f
        .release_now("2026-M11", false)
        .await
        .expect_err("open period");
    assert_eq!(err.code(), Code::FailedPrecondition);

    let first = f.release_now("2026-M10", false).await.expect("release");
    assert_eq!(first.len(), TableId::ALL.len(), "one release per table");
    let again = f
        .release_now("2026-M10", false)
        .await
        .expect("release again");
    assert_eq!(first, again, "release-once: the same releases");

    let secretariat = f.pki.issue(Identity::secretariat("ROSEAP"));
    let env = f
        .get_release(&secretariat, "MOVEMENTS", "2026-M10", 0)
        .await;
    let release = open(&env, &f.node.vkey);
    let total = CellKey::total(TableId::Movements);
    assert_eq!(
        release.published(&total, Measure::Events),
        Some(10),
        "12 - 2 retracted"
    );
    assert_eq!(release.version, 1);

    // A late report changes the table but not the stored release.
    f.submit(&pb::Report::from(&report(RecordType::Movement, 50, 20)))
        .await
        .expect("late report");
    let same = f
        .get_release(&secretariat, "MOVEMENTS", "2026-M10", 0)
        .await;
    assert_eq!(same, env, "byte for byte the stored release");
    for n in 51..=54 {
        f.submit(&pb::Report::from(&report(RecordType::Movement, n, 21)))
            .await
            .expect("late report");
    }

    // The one revision sees the late reports, under the differencing guard: no value
    // moves by 1 to k-1 from the first release. A second revision is refused.
    let revised = f.release_now("2026-M10", true).await.expect("revision");
    assert!(revised.iter().all(|r| r.version == 2));
    let env2 = f
        .get_release(&secretariat, "MOVEMENTS", "2026-M10", 0)
        .await;
    let rev = open(&env2, &f.node.vkey);
    assert_eq!(
        rev.published(&total, Measure::Events),
        Some(15),
        "moved by 5 = k"
    );
    for c in &rev.cells {
        for o in &c.observations {
            if let (Some(new), Some(old)) = (o.value, release.published(&c.key, o.measure)) {
                let d = (new - old).abs();
                assert!(d == 0 || d >= 5, "{} {:?} moved by {d}", c.key, o.measure);
            }
        }
    }
    let err = f
        .release_now("2026-M10", true)
        .await
        .expect_err("second revision");
    assert_eq!(err.code(), Code::FailedPrecondition);

    // Only the admin releases.
    let ch = f.node.channel(&f.pki, &f.fp.cert).await;
    let err = AggregatesServiceClient::new(ch)
        .release_now(pb::ReleaseNowRequest {
            period: "2026-M10".into(),
            revise: false,
        })
        .await
        .expect_err("focal point");
    assert_eq!(err.code(), Code::PermissionDenied);
    f.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn what_peers_and_secretariats_receive_holds_no_raw_data_and_no_small_cell() {
    let f = StateNode::start(STATE, "").await;
    let mut ids = Vec::new();
    let mut digests = Vec::new();
    let kinds = [
        RecordType::Movement,
        RecordType::Smuggler,
        RecordType::Fee,
        RecordType::Document,
        RecordType::Case,
    ];
    for n in 1..=40u64 {
        let r = report(kinds[(n % 5) as usize], n, 1 + (n % 28) as u8);
        let env = f.submit(&pb::Report::from(&r)).await.expect("accepted");
        ids.push(r.report_id);
        digests.push(vrs_core::sha256(&entry(&env)));
    }
    f.release_now("2026-M10", false).await.expect("release");

    for who in [
        f.pki.issue(Identity::secretariat("ROSEAP")),
        f.pki.issue(Identity::node("ITA")),
    ] {
        let ch = f.node.channel(&f.pki, &who).await;
        let mut client = AggregatesServiceClient::new(ch);
        let mut wire = Vec::new();
        let list = client
            .list_releases(pb::ListReleasesRequest::default())
            .await
            .expect("list")
            .into_inner();
        assert_eq!(list.releases.len(), TableId::ALL.len());
        wire.extend(prost::Message::encode_to_vec(&list));
        for r in &list.releases {
            let env = f.get_release(&who, &r.table, "2026-M10", 0).await;
            // Verifies offline, and independently as plain DSSE with ring.
            let release = open(&env, &f.node.vkey);
            let k = 5;
            for c in &release.cells {
                for o in &c.observations {
                    if let (Some(v), true) = (o.value, o.measure.is_count()) {
                        assert!(
                            v == 0 || v >= k,
                            "{} {} {:?} = {v}",
                            r.table,
                            c.key,
                            o.measure
                        );
                    }
                }
            }
            let vk = vrs_core::note::NoteVerifier::parse(&f.node.vkey).expect("vkey");
            let pae = vrs_core::envelope::pae(&env.payload_type, &env.payload);
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, vk.public_key())
                .verify(&pae, &env.signatures[0].sig)
                .expect("independent DSSE check");
            wire.extend(prost::Message::encode_to_vec(&env));
        }
        for format in [
            pb::ExportFormat::SdmxCsv,
            pb::ExportFormat::Csv,
            pb::ExportFormat::Json,
        ] {
            let out = client
                .export(pb::ExportRequest {
                    // A CSV file holds one table (one dataflow).
                    filter: (format != pb::ExportFormat::Json).then(|| pb::ListReleasesRequest {
                        table: "PERSONS".into(),
                        ..Default::default()
                    }),
                    format: format as i32,
                })
                .await
                .expect("export")
                .into_inner();
            wire.extend(out.data);
        }
        let hay = String::from_utf8_lossy(&wire).to_string();
        for id in &ids {
            assert!(!hay.contains(&id.to_string()), "report id {id} on the wire");
            assert!(
                !wire.windows(16).any(|w| w == id.as_bytes()),
                "raw report id {id} on the wire"
            );
        }
        for d in &digests {
            assert!(
                !wire.windows(32).any(|w| w == d),
                "a report digest on the wire"
            );
            assert!(
                !hay.contains(&vrs_core::hex(d)),
                "a report digest on the wire"
            );
        }
        assert!(
            !hay.contains("hcg-piraeus-01"),
            "a focal point id on the wire"
        );
        // Raw reports stay unreachable.
        let ch = f.node.channel(&f.pki, &who).await;
        let err = ReportServiceClient::new(ch)
            .list_reports(pb::ListReportsRequest::default())
            .await
            .expect_err("raw reports");
        assert_eq!(err.code(), Code::PermissionDenied);
    }
    f.node.stop().await;
}

/// A budget entry that does not read back refuses the noisy release: it is never
/// dropped, which would let the release spend that budget again.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_budget_entry_refuses_the_release_rather_than_being_dropped() {
    let extra = "[release]\nnoise_tables = \"PERSONS\"\nepsilon = \"1/1\"\nbudget_cap = \"1/1\"\n";
    let f = StateNode::start_with(STATE, extra, |files| {
        let store = vrs_node::storage::Store::open(&files.data_dir).expect("store");
        let mut batch = store.batch().expect("batch");
        batch.put_spend(
            "2026-M10",
            0,
            &vrs_node::storage::releases::SpendRecord {
                table: "NO_SUCH_TABLE".into(),
                mechanism: "discrete-laplace".into(),
                epsilon_num: 1,
                epsilon_den: 1,
                digest: [0; 32],
            },
        );
        store.commit(batch).expect("commit");
    })
    .await;
    for n in 1..=6 {
        f.submit(&pb::Report::from(&report(RecordType::Movement, n, n as u8)))
            .await
            .expect("accepted");
    }
    let err = f
        .release_now("2026-M10", false)
        .await
        .expect_err("an unreadable budget entry refuses the release");
    assert!(
        matches!(err.code(), Code::Internal | Code::DataLoss),
        "{:?}: {}",
        err.code(),
        err.message()
    );
    let who = f.pki.issue(Identity::secretariat("ROSEAP"));
    let ch = f.node.channel(&f.pki, &who).await;
    let list = AggregatesServiceClient::new(ch)
        .list_releases(pb::ListReleasesRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(list.releases.is_empty(), "nothing released: {list:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn noisy_releases_spend_the_budget_once_and_an_overspend_is_refused() {
    let extra = "[release]\nnoise_tables = \"PERSONS\"\nepsilon = \"1/1\"\nbudget_cap = \"1/1\"\n";
    let f = StateNode::start(STATE, extra).await;
    for n in 1..=6 {
        f.submit(&pb::Report::from(&report(RecordType::Movement, n, n as u8)))
            .await
            .expect("accepted");
    }
    let first = f
        .release_now("2026-M10", false)
        .await
        .expect("release spends 1 of 1");
    // Re-serving the stored release spends nothing: the same answer, no refusal.
    let again = f
        .release_now("2026-M10", false)
        .await
        .expect("stored, not recomputed");
    assert_eq!(first, again);
    let secretariat = f.pki.issue(Identity::secretariat("ROSEAP"));
    let env = f.get_release(&secretariat, "PERSONS", "2026-M10", 0).await;
    let persons = open(&env, &f.node.vkey);
    assert_eq!(persons.policy.name(), "noise");
    // The revision would spend a second epsilon: over the cap, refused, nothing stored.
    let err = f
        .release_now("2026-M10", true)
        .await
        .expect_err("over budget");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("privacy budget exceeded"),
        "{}",
        err.message()
    );
    assert_eq!(
        f.get_release(&secretariat, "PERSONS", "2026-M10", 0).await,
        env,
        "the stored release is unchanged"
    );
    // All tables or none: MOVEMENTS (threshold) was not revised either.
    let movements = open(
        &f.get_release(&secretariat, "MOVEMENTS", "2026-M10", 0)
            .await,
        &f.node.vkey,
    );
    assert_eq!(movements.version, 1, "a refused request leaves no trace");
    f.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_csv_export_has_the_header_of_the_table_asked_for() {
    let f = StateNode::start(STATE, "").await;
    for n in 1..=6 {
        f.submit(&pb::Report::from(&report(RecordType::Movement, n, n as u8)))
            .await
            .expect("accepted");
    }
    f.release_now("2026-M10", false).await.expect("released");
    let export = |format: pb::ExportFormat| {
        let admin = f.admin.clone();
        async move {
            let data = AggregatesServiceClient::new(admin)
                .export(pb::ExportRequest {
                    filter: Some(pb::ListReleasesRequest {
                        origin: String::new(),
                        table: "PERSONS".into(),
                        period: "2026-M09".into(),
                    }),
                    format: format as i32,
                })
                .await
                .expect("export")
                .into_inner()
                .data;
            String::from_utf8(data).expect("utf-8")
        }
    };
    assert_eq!(
        export(pb::ExportFormat::SdmxCsv).await,
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,CITIZENSHIP,SEX,AGE,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS\r\n"
    );
    assert_eq!(
        export(pb::ExportFormat::Csv).await,
        "REF_AREA,TIME_PERIOD,TABLE,VERSION,POLICY,CITIZENSHIP,SEX,AGE,MEASURE,OBS_VALUE,DISPLAY,OBS_STATUS,CONF_STATUS\r\n"
    );
    f.node.stop().await;
}
