//! End-to-end tests of one State node: real TLS, real gRPC, real sled, port 0.

use tonic::Code;
use tonic_types::StatusExt as _;
use vrs_client::pki::Identity;
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_core::note::Verifiers;
use vrs_core::receipt::Receipt;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Iso3, Report};
use vrs_proto::v1 as pb;
use vrs_proto::v1::admin_service_client::AdminServiceClient;
use vrs_proto::v1::log_service_client::LogServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_tests::{FocalPoint, InProcessNode, Pki, health, node_files, register};

const STATE: &str = "GRC";

struct Setup {
    pki: Pki,
    node: InProcessNode,
    fp: FocalPoint,
    admin: tonic::transport::Channel,
}

async fn setup() -> Setup {
    let pki = Pki::new();
    let files = node_files(&pki, STATE, None, "");
    let node = InProcessNode::start(&files).await;
    let admin_cert = pki.issue(Identity::admin(STATE));
    let admin = node.channel(&pki, &admin_cert).await;
    let fp = FocalPoint::new(&pki, STATE, "hcg-piraeus-01", "hcg-piraeus-01-k1");
    register(admin.clone(), &fp).await;
    Setup {
        pki,
        node,
        fp,
        admin,
    }
}

fn params(n: u64) -> ExampleParams {
    ExampleParams::new(
        Iso3::new(STATE).expect("state"),
        "hcg-piraeus-01",
        examples::report_id(n),
    )
}

fn pb_report(r: &Report) -> pb::Report {
    pb::Report::from(r)
}

fn entry_bytes(env: &pb::Envelope) -> Vec<u8> {
    vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes()
}

async fn size(node: &InProcessNode, s: &Setup) -> u64 {
    let ch = node.channel(&s.pki, &s.fp.cert).await;
    LogServiceClient::new(ch)
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("checkpoint")
        .into_inner()
        .size
}

async fn submit(s: &Setup, env: pb::Envelope) -> Result<pb::SubmitResponse, tonic::Status> {
    submit_as(s, &s.fp, env).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_verifies_offline_with_only_the_node_key() {
    let s = setup().await;
    let report = examples::example_movement(&params(1));
    let env = s.fp.sign(&pb_report(&report));
    let resp = submit(&s, env.clone()).await.expect("accepted");
    assert!(!resp.duplicate);
    let receipt = resp.receipt.expect("receipt");
    assert_eq!(receipt.index, 1, "index 0 is the key registration");
    let parsed = Receipt::parse(&receipt.tlog_proof).expect("tlog-proof parses");
    let verifiers = Verifiers::from_vkeys([s.node.vkey.as_str()]).expect("vkey");
    let ok = parsed
        .verify(&entry_bytes(&env), &verifiers)
        .expect("receipt verifies offline");
    assert_eq!(ok.index, 1);
    assert_eq!(ok.checkpoint.checkpoint.origin, "vrs.local/state/GRC");
    // The receipt proves these bytes and no others.
    let mut other = entry_bytes(&env);
    let last = other.len() - 1;
    other[last] ^= 1;
    assert!(parsed.verify(&other, &verifiers).is_err());
    // And only under the node's key.
    let (stranger, _) = vrs_core::note::NoteSigner::generate("vrs.local/state/GRC").expect("key");
    let wrong = Verifiers::from_vkeys([stranger.verifier_key()]).expect("vkey");
    assert!(parsed.verify(&entry_bytes(&env), &wrong).is_err());
    assert_eq!(
        receipt.entry_digest,
        vrs_core::sha256(&entry_bytes(&env)).to_vec()
    );
    s.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn amendment_retraction_and_idempotent_resubmission() {
    let s = setup().await;
    let v1 = examples::example_fee(&params(7));
    let env1 = s.fp.sign(&pb_report(&v1));
    let r1 = submit(&s, env1.clone()).await.expect("v1");
    let d1 = vrs_core::sha256(&entry_bytes(&env1));

    // Identical bytes: the original receipt, nothing written.
    let before = size(&s.node, &s).await;
    let again = submit(&s, env1.clone()).await.expect("resubmission");
    assert!(again.duplicate);
    assert_eq!(again.receipt, r1.receipt);
    assert_eq!(size(&s.node, &s).await, before);

    let v2 = examples::example_amendment(&v1, d1);
    let env2 = s.fp.sign(&pb_report(&v2));
    submit(&s, env2.clone()).await.expect("amendment");
    let d2 = vrs_core::sha256(&entry_bytes(&env2));
    let v3 = examples::example_retraction(&v2, d2);
    let env3 = s.fp.sign(&pb_report(&v3));
    submit(&s, env3.clone()).await.expect("retraction");

    let ch = s.node.channel(&s.pki, &s.fp.cert).await;
    let mut reports = ReportServiceClient::new(ch);
    let latest = reports
        .get_report(pb::GetReportRequest {
            report_id: v1.report_id.to_string(),
            version: 0,
        })
        .await
        .expect("get")
        .into_inner();
    assert_eq!(latest.latest_version, 3);
    assert_eq!(latest.envelope, Some(env3));
    let first = reports
        .get_report(pb::GetReportRequest {
            report_id: v1.report_id.to_string(),
            version: 1,
        })
        .await
        .expect("get v1")
        .into_inner();
    assert_eq!(first.envelope, Some(env1));
    assert_eq!(first.receipt, r1.receipt, "the original receipt");
    let list = reports
        .list_reports(pb::ListReportsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(list.reports.len(), 1);
    assert_eq!(list.reports[0].version, 3);
    assert_eq!(
        list.reports[0].record_type,
        pb::RecordType::Retracted as i32
    );
    s.node.stop().await;
}

fn violations(st: &tonic::Status) -> Vec<String> {
    st.get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_input_is_refused_with_its_status_and_stores_nothing() {
    let s = setup().await;
    let v1 = examples::example_movement(&params(1));
    let env1 = s.fp.sign(&pb_report(&v1));
    submit(&s, env1.clone()).await.expect("v1");
    let d1 = vrs_core::sha256(&entry_bytes(&env1));
    let start = size(&s.node, &s).await;

    let mut cases: Vec<(&str, pb::Envelope, Code, Option<&str>)> = Vec::new();

    let mut bad_sig =
        s.fp.sign(&pb_report(&examples::example_smuggler(&params(2))));
    bad_sig.signatures[0].sig[5] ^= 1;
    cases.push(("bad signature", bad_sig, Code::Unauthenticated, None));

    let stranger = SigningKey::generate("hcg-piraeus-01-k1").0;
    let unknown = vrs_core::wire::envelope_to_pb(&Envelope::sign(
        vrs_proto::REPORT_PAYLOAD_TYPE,
        prost::Message::encode_to_vec(&pb_report(&examples::example_smuggler(&params(3)))),
        &stranger,
    ));
    cases.push(("unknown key", unknown, Code::Unauthenticated, None));

    let garbage = vrs_core::wire::envelope_to_pb(&Envelope::sign(
        vrs_proto::REPORT_PAYLOAD_TYPE,
        vec![0xff; 40],
        &s.fp.key,
    ));
    cases.push((
        "undecodable payload",
        garbage,
        Code::InvalidArgument,
        Some("envelope.payload"),
    ));

    let mut invalid = pb_report(&examples::example_movement(&params(4)));
    if let Some(pb::report::Body::Movement(m)) = invalid.body.as_mut() {
        m.route[0].to_country = "XXX".into();
        m.persons[0].count = 0;
    }
    let invalid = s.fp.sign(&invalid);
    cases.push((
        "validation failures",
        invalid,
        Code::InvalidArgument,
        Some("body.movement.route[0].to_country"),
    ));

    let mut foreign = pb_report(&examples::example_document(&params(5)));
    foreign.reporting_state = "ITA".into();
    cases.push((
        "State mismatch",
        s.fp.sign(&foreign),
        Code::PermissionDenied,
        None,
    ));

    let mut wrong_type = s.fp.sign(&pb_report(&examples::example_fee(&params(6))));
    wrong_type.payload_type = "application/json".into();
    cases.push((
        "wrong payload type",
        wrong_type,
        Code::InvalidArgument,
        Some("envelope.payload_type"),
    ));

    let mut stale = examples::example_amendment(&v1, [9u8; 32]);
    stale.version = 2;
    cases.push((
        "supersedes not the latest",
        s.fp.sign(&pb_report(&stale)),
        Code::FailedPrecondition,
        Some("supersedes"),
    ));

    let mut clash = examples::example_movement(&params(1));
    clash.version = 1;
    if let vrs_core::report::Body::Movement(m) = clash.body.as_mut().expect("body") {
        m.deaths = 1;
    }
    cases.push((
        "new version 1 of an existing id",
        s.fp.sign(&pb_report(&clash)),
        Code::AlreadyExists,
        None,
    ));

    let oversized = vrs_core::wire::envelope_to_pb(&Envelope::sign(
        vrs_proto::REPORT_PAYLOAD_TYPE,
        vec![0u8; 2 << 20],
        &s.fp.key,
    ));
    // tonic refuses an over-limit message while decoding it, with OUT_OF_RANGE.
    cases.push(("oversized message", oversized, Code::OutOfRange, None));

    for (what, env, code, field) in cases {
        let err = submit(&s, env).await.expect_err(what);
        assert_eq!(err.code(), code, "{what}: {err:?}");
        if let Some(f) = field {
            assert!(
                violations(&err).iter().any(|v| v == f),
                "{what}: {:?}",
                violations(&err)
            );
        }
        assert_eq!(size(&s.node, &s).await, start, "{what} stored something");
    }

    // Several violations are all reported.
    let mut many = pb_report(&examples::example_movement(&params(8)));
    many.reporting_state = "ZZZ".into();
    if let Some(pb::report::Body::Movement(m)) = many.body.as_mut() {
        m.route[0].to_country = "XXX".into();
    }
    let err = submit(&s, s.fp.sign(&many)).await.expect_err("invalid");
    let fields = violations(&err);
    assert!(
        fields.contains(&"reporting_state".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"body.movement.route[0].to_country".to_string()),
        "{fields:?}"
    );

    // A revoked key: refused from the revocation on.
    let mut admin = AdminServiceClient::new(s.admin.clone());
    admin
        .revoke_key(pb::RevokeKeyRequest {
            key_id: s.fp.key.keyid.clone(),
            reason: "lost-laptop".into(),
        })
        .await
        .expect("revoke");
    let after_revoke = size(&s.node, &s).await;
    assert_eq!(after_revoke, start + 1, "the revocation is a log entry");
    let err = submit(
        &s,
        s.fp.sign(&pb_report(&examples::example_fee(&params(9)))),
    )
    .await
    .expect_err("revoked key");
    assert_eq!(err.code(), Code::Unauthenticated);
    assert!(err.message().contains("revoked"), "{}", err.message());
    assert_eq!(size(&s.node, &s).await, after_revoke);
    assert_eq!(
        s.node
            .metrics()
            .await
            .lines()
            .find(|l| l.starts_with("vrs_submissions_total{outcome=\"accepted\"}")),
        Some("vrs_submissions_total{outcome=\"accepted\"} 1")
    );
    let _ = d1;
    s.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_is_refused_what_it_must_not_call() {
    let s = setup().await;
    let others = [
        ("admin", s.pki.issue(Identity::admin(STATE))),
        ("peer node", s.pki.issue(Identity::node("ITA"))),
        ("secretariat", s.pki.issue(Identity::secretariat("ROSEAP"))),
        (
            "foreign focal point",
            s.pki.issue(Identity::focal_point("ITA", "fp1")),
        ),
        ("foreign admin", s.pki.issue(Identity::admin("ITA"))),
        ("own node identity", s.pki.issue(Identity::node(STATE))),
    ];
    let env =
        s.fp.sign(&pb_report(&examples::example_movement(&params(1))));
    for (who, cert) in &others {
        let ch = s.node.channel(&s.pki, cert).await;
        let err = ReportServiceClient::new(ch.clone())
            .submit(pb::SubmitRequest {
                envelope: Some(env.clone()),
            })
            .await
            .expect_err(who);
        assert_eq!(err.code(), Code::PermissionDenied, "{who} submit");
        if *who != "admin" {
            let err = ReportServiceClient::new(ch.clone())
                .list_reports(pb::ListReportsRequest::default())
                .await
                .expect_err(who);
            assert_eq!(err.code(), Code::PermissionDenied, "{who} list");
            let err = ReportServiceClient::new(ch.clone())
                .get_report(pb::GetReportRequest {
                    report_id: examples::report_id(1).to_string(),
                    version: 0,
                })
                .await
                .expect_err(who);
            assert_eq!(err.code(), Code::PermissionDenied, "{who} get");
            let err = AdminServiceClient::new(ch.clone())
                .list_keys(pb::ListKeysRequest {})
                .await
                .expect_err(who);
            assert_eq!(err.code(), Code::PermissionDenied, "{who} list keys");
            let err = AdminServiceClient::new(ch.clone())
                .register_key(pb::RegisterKeyRequest {
                    focal_point_id: "x".into(),
                    key_id: "x".into(),
                    public_key: vec![0; 32],
                })
                .await
                .expect_err(who);
            assert_eq!(err.code(), Code::PermissionDenied, "{who} register");
        }
    }
    // Focal points do not administer.
    let ch = s.node.channel(&s.pki, &s.fp.cert).await;
    let err = AdminServiceClient::new(ch.clone())
        .revoke_key(pb::RevokeKeyRequest {
            key_id: s.fp.key.keyid.clone(),
            reason: "x".into(),
        })
        .await
        .expect_err("focal point revoke");
    assert_eq!(err.code(), Code::PermissionDenied);
    // Peers and secretariats may read the log; a foreign focal point may not.
    for (who, cert) in &others {
        let ch = s.node.channel(&s.pki, cert).await;
        let r = LogServiceClient::new(ch)
            .get_checkpoint(pb::GetCheckpointRequest {})
            .await;
        let allowed = matches!(*who, "admin" | "peer node" | "secretariat");
        assert_eq!(r.is_ok(), allowed, "{who} checkpoint: {r:?}");
    }
    s.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_without_a_valid_certificate_cannot_call() {
    let pki = Pki::new();
    let revoked = pki.issue(Identity::focal_point(STATE, "gone"));
    let crl = pki.ca.crl_pem(&[&revoked]).expect("crl");
    let files = node_files(&pki, STATE, Some(&crl), "");
    let node = InProcessNode::start(&files).await;

    // Another CA.
    let other = Pki::new();
    let foreign = other.issue(Identity::focal_point(STATE, "fp1"));
    let mut tries = vec![
        (
            "other CA",
            foreign.cert_pem.clone(),
            foreign.key_pem.clone(),
        ),
        ("revoked", revoked.cert_pem.clone(), revoked.key_pem.clone()),
    ];
    tries.push(("none", String::new(), String::new()));
    for (what, cert, key) in tries {
        let mut tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(pki.ca.cert_pem()))
            .domain_name("localhost");
        if !cert.is_empty() {
            tls = tls.identity(tonic::transport::Identity::from_pem(cert, key));
        }
        let result = async {
            let ch = tonic::transport::Endpoint::from_shared(format!(
                "https://localhost:{}",
                node.addr.port()
            ))
            .expect("endpoint")
            .tls_config(tls)
            .expect("tls")
            .connect()
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
            LogServiceClient::new(ch)
                .get_checkpoint(pb::GetCheckpointRequest {})
                .await
        }
        .await;
        assert!(result.is_err(), "{what} completed a call");
    }
    let m = node.metrics().await;
    let failures: u64 = m
        .lines()
        .filter(|l| l.starts_with("vrs_tls_handshake_failures_total{reason="))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum();
    assert!(failures >= 1, "{m}");
    node.stop().await;
}

async fn submit_as(
    s: &Setup,
    fp: &FocalPoint,
    env: pb::Envelope,
) -> Result<pb::SubmitResponse, tonic::Status> {
    let ch = s.node.channel(&s.pki, &fp.cert).await;
    ReportServiceClient::new(ch)
        .submit(pb::SubmitRequest {
            envelope: Some(env),
        })
        .await
        .map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_focal_point_cannot_amend_or_retract_another_focal_points_report() {
    let s = setup().await;
    let other = FocalPoint::new(&s.pki, STATE, "police-evros-02", "police-evros-02-k1");
    register(s.admin.clone(), &other).await;
    let v1 = examples::example_fee(&params(40));
    let env1 = s.fp.sign(&pb_report(&v1));
    submit(&s, env1.clone()).await.expect("v1 by its author");
    let d1 = vrs_core::sha256(&entry_bytes(&env1));
    let before = size(&s.node, &s).await;

    // The same State's other focal point, with its own valid key and certificate.
    let as_other = |mut r: Report| {
        r.focal_point_id = other.id.clone();
        r.key_id = other.key.keyid.clone();
        other.sign(&pb_report(&r))
    };
    let amendment = as_other(examples::example_amendment(&v1, d1));
    let retraction = as_other(examples::example_retraction(&v1, d1));
    for (what, env) in [("amendment", amendment), ("retraction", retraction)] {
        let st = submit_as(&s, &other, env).await.expect_err(what);
        assert_eq!(st.code(), Code::PermissionDenied, "{what}: {st:?}");
        assert_eq!(violations(&st), ["supersedes"], "{what}");
        assert!(st.message().contains("hcg-piraeus-01"), "{}", st.message());
    }
    assert_eq!(size(&s.node, &s).await, before, "nothing was logged");

    // The author still can.
    let own =
        s.fp.sign(&pb_report(&examples::example_retraction(&v1, d1)));
    submit(&s, own).await.expect("its author retracts it");
    s.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_60_kb_invalid_report_gets_a_bounded_error_and_stores_nothing() {
    let s = setup().await;
    let before = size(&s.node, &s).await;
    let mut r = pb_report(&examples::example_movement(&params(41)));
    let Some(pb::report::Body::Movement(m)) = &mut r.body else {
        panic!("a movement report")
    };
    // Every group breaks several rules: tens of thousands of violations.
    while prost::Message::encoded_len(m) < 60_000 {
        m.persons.push(pb::PersonGroup {
            citizenship: "XXX".into(),
            ..Default::default()
        });
    }
    let payload = prost::Message::encoded_len(&r);
    let st = submit(&s, s.fp.sign(&r)).await.expect_err("invalid");
    assert_eq!(st.code(), Code::InvalidArgument, "{}", st.message());
    let bytes = st.message().len() + st.details().len();
    let listed = st
        .get_details_bad_request()
        .expect("field violations")
        .field_violations;
    println!(
        "error for a {payload}-byte invalid report: {bytes} bytes (message {}, details {}), {} violations listed",
        st.message().len(),
        st.details().len(),
        listed.len()
    );
    assert!(bytes <= 64 * 1024, "{bytes} bytes");
    // The first ones, and the last counts the rest.
    assert!(
        (50..=vrs_core::validate::MAX_VIOLATIONS + 1).contains(&listed.len()),
        "{} violations listed",
        listed.len()
    );
    assert!(
        listed[0].field.starts_with("body.movement.persons"),
        "{:?}",
        listed[0]
    );
    let last = listed.last().expect("the count of the rest");
    assert!(
        last.description.contains("more violations not listed"),
        "{}",
        last.description
    );
    assert_eq!(size(&s.node, &s).await, before, "nothing was logged");
    s.node.stop().await;
}

/// Sends raw request bytes, as an outside client with another protobuf library might.
#[derive(Clone, Copy, Default)]
struct RawCodec;

struct RawEncoder;

struct ResponseDecoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        buf: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        prost::bytes::BufMut::put_slice(buf, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for ResponseDecoder {
    type Item = pb::SubmitResponse;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        buf: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<pb::SubmitResponse>, tonic::Status> {
        prost::Message::decode(buf)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = pb::SubmitResponse;
    type Encoder = RawEncoder;
    type Decoder = ResponseDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

async fn submit_raw(s: &Setup, request: Vec<u8>) -> Result<pb::SubmitResponse, tonic::Status> {
    let ch = s.node.channel(&s.pki, &s.fp.cert).await;
    let mut grpc = tonic::client::Grpc::new(ch);
    grpc.ready().await.expect("ready");
    grpc.unary(
        tonic::Request::new(request),
        tonic::codegen::http::uri::PathAndQuery::from_static("/vrs.v1.ReportService/Submit"),
        RawCodec,
    )
    .await
    .map(|r| r.into_inner())
}

/// A length-delimited protobuf field.
fn field(tag: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![(tag << 3) | 2];
    prost::encoding::encode_varint(bytes.len() as u64, &mut out);
    out.extend_from_slice(bytes);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_non_canonical_requests_are_invalid_arguments_and_log_nothing() {
    let s = setup().await;
    let before = size(&s.node, &s).await;
    let env = s.fp.sign(&pb_report(&examples::example_fee(&params(42))));
    let canonical = prost::Message::encode_to_vec(&env);
    // A signature whose key id is not UTF-8.
    let bad_keyid = field(1, &field(3, &field(1, &[0xff, 0xfe])));
    // The same envelope, fields out of tag order.
    let mut reordered = Vec::new();
    reordered.extend(field(2, env.payload_type.as_bytes()));
    reordered.extend(field(1, &env.payload));
    for sig in &env.signatures {
        reordered.extend(field(3, &prost::Message::encode_to_vec(sig)));
    }
    // The same envelope with a field outside the schema.
    let mut unknown = canonical.clone();
    unknown.extend(field(9, b"x"));
    let cases = [
        ("undecodable bytes", vec![0xff, 0xff, 0xff, 0xff]),
        ("a non-UTF-8 key id", bad_keyid),
        ("fields out of order", field(1, &reordered)),
        ("an unknown field", field(1, &unknown)),
    ];
    for (what, request) in cases {
        let st = submit_raw(&s, request).await.expect_err(what);
        assert_eq!(st.code(), Code::InvalidArgument, "{what}: {st:?}");
    }
    assert_eq!(size(&s.node, &s).await, before, "nothing was logged");
    // The canonical bytes are logged as sent: the receipt's digest is theirs.
    let ok = submit_raw(&s, field(1, &canonical))
        .await
        .expect("canonical");
    let receipt = ok.receipt.expect("receipt");
    assert_eq!(receipt.entry_digest, vrs_core::sha256(&canonical).to_vec());
    s.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_each_service_a_node_serves_and_no_other() {
    use tonic_health::pb::health_check_response::ServingStatus;
    // The services the client library names (the first, "", is the whole server).
    let services = vrs_client::client::SERVICES[1..].iter().copied();
    let s = setup().await;
    for service in services.clone() {
        let ch = s.node.channel(&s.pki, &s.fp.cert).await;
        assert_eq!(
            health(ch, service).await,
            Ok(ServingStatus::Serving as i32),
            "{service} on a State's node"
        );
    }
    s.node.stop().await;

    let pki = Pki::new();
    let files = vrs_local::secretariat_files(&pki, "ROSEAP", "").expect("files");
    let sec = InProcessNode::start(&files).await;
    let who = pki.issue(Identity::secretariat("ROSEAP"));
    for service in services {
        let ch = sec.channel(&pki, &who).await;
        let want = if service == "vrs.v1.ReportService" {
            Err(Code::NotFound)
        } else {
            Ok(ServingStatus::Serving as i32)
        };
        assert_eq!(
            health(ch, service).await,
            want,
            "{service} on a secretariat"
        );
    }
    sec.stop().await;
}

/// Server reflection answers in v1 and in v1alpha (what grpcurl 1.8 and grpc_cli speak),
/// listing the node's services.
#[tokio::test(flavor = "multi_thread")]
async fn reflection_lists_the_services_in_v1_and_v1alpha() {
    use tonic_reflection::pb::{v1, v1alpha};
    let s = setup().await;
    let ch = s.node.channel(&s.pki, &s.fp.cert).await;

    let req = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut answers = v1alpha::server_reflection_client::ServerReflectionClient::new(ch.clone())
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .expect("v1alpha reflection")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("answer")
        .expect("one answer");
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        answer.message_response
    else {
        panic!("not a list of services: {answer:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in [
        "vrs.v1.ReportService",
        "vrs.v1.SyncService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }

    let req = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut answers = v1::server_reflection_client::ServerReflectionClient::new(ch)
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .expect("v1 reflection")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("answer")
        .expect("one answer");
    assert!(
        matches!(
            answer.message_response,
            Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(_))
        ),
        "{answer:?}"
    );
    s.node.stop().await;
}
