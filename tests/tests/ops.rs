//! The node's operations surface end to end: readiness and liveness on the metrics
//! port, health per service, the metrics exposition as Prometheus reads it, and the
//! `vrs-node` process's logs, exit statuses and environment.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tonic_health::pb::health_check_response::ServingStatus;
use vrs_client::pki::Identity;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3, RecordType};
use vrs_proto::v1 as pb;
use vrs_tests::{
    InProcessNode, NodeFiles, Pki, StateNode, health, node_binary, node_files, sigterm,
};

/// `GET path` over HTTP/1.1: the status code and the body.
async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.expect("read");
    let code = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_answers_503_before_the_database_is_open_and_200_once_serving() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "");
    let cfg = vrs_node::config::Config::load(&files.config, std::iter::empty())
        .and_then(|c| c.check().map(|()| c))
        .expect("config");
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let metrics_addr = metrics.local_addr().expect("addr");
    let (open, gate) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready) = tokio::sync::oneshot::channel::<()>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let node = tokio::spawn(vrs_node::server::run_gated(
        cfg,
        vrs_node::server::Listeners {
            grpc,
            metrics: Some(metrics),
        },
        async {
            let _ = stopped.await;
        },
        async {
            let _ = gate.await;
        },
        move || {
            let _ = ready_tx.send(());
        },
    ));

    // The gate holds the node before it opens its database.
    let (code, body) = http_get(metrics_addr, "/readyz").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("database not open"), "{body}");
    assert_eq!(http_get(metrics_addr, "/healthz").await.0, 200);
    assert!(
        !files.data_dir.join("conf").exists(),
        "sled's files are there: the database was opened"
    );

    open.send(()).expect("node waits at the gate");
    ready.await.expect("node ready");
    assert_eq!(
        http_get(metrics_addr, "/readyz").await,
        (200, "ready\n".to_owned())
    );
    stop.send(()).expect("node runs");
    node.await.expect("task").expect("node stopped cleanly");
}

/// The services a node lists in reflection (v1).
async fn listed_services(ch: tonic::transport::Channel) -> Vec<String> {
    use tonic_reflection::pb::v1;
    let req = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let answer = v1::server_reflection_client::ServerReflectionClient::new(ch)
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .expect("reflection")
        .into_inner()
        .message()
        .await
        .expect("answer")
        .expect("one answer");
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        answer.message_response
    else {
        panic!("not a list of services: {answer:?}");
    };
    list.service.into_iter().map(|s| s.name).collect()
}

/// Every service the node serves, as reflection lists them (reflection and health
/// themselves included), answers SERVING: none is unknown to health.
#[tokio::test(flavor = "multi_thread")]
async fn every_service_a_node_serves_answers_serving() {
    let s = StateNode::start("AUS", "").await;
    let ch = s.node.channel(&s.pki, &s.fp.cert).await;
    let names = listed_services(ch.clone()).await;
    for want in [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "vrs.v1.ReportService",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    // v1alpha is served too; reflection lists the services of the descriptors it
    // holds, which name v1 only.
    let also = ["grpc.reflection.v1alpha.ServerReflection", ""];
    for name in names.iter().map(String::as_str).chain(also) {
        assert_eq!(
            health(ch.clone(), name).await,
            Ok(ServingStatus::Serving as i32),
            "{name:?}"
        );
    }
    s.node.stop().await;

    // A secretariat's node serves no ReportService, and health says so.
    let pki = Pki::new();
    let files = vrs_local::secretariat_files(&pki, "ROSEAP", "").expect("files");
    let sec = InProcessNode::start(&files).await;
    let ch = sec
        .channel(&pki, &pki.issue(Identity::secretariat("ROSEAP")))
        .await;
    // Reflection lists every service of the schema; the node serves all but one.
    let names = listed_services(ch.clone()).await;
    for name in names.iter().filter(|n| *n != "vrs.v1.ReportService") {
        assert_eq!(
            health(ch.clone(), name).await,
            Ok(ServingStatus::Serving as i32),
            "{name}"
        );
    }
    assert_eq!(
        health(ch, "vrs.v1.ReportService").await,
        Err(tonic::Code::NotFound)
    );
    sec.stop().await;
}

/// One family of the exposition as declared.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    help: usize,
    types: usize,
}

/// What `promtool check metrics` checks (and the text format requires), on `text`:
/// each family has one `# HELP` and one `# TYPE`, the type before its samples and its
/// samples together; valid names; counters named `_total` and nothing else so named;
/// no series twice; histograms with a `+Inf` bucket equal to their `_count`, buckets
/// not decreasing. Returns the families and every sample (`name{labels}` → value).
fn lint(text: &str) -> (BTreeMap<String, Family>, BTreeMap<String, f64>) {
    let valid_name = |n: &str| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut samples = BTreeMap::new();
    let mut finished = BTreeSet::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (what, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            assert!(valid_name(name), "{line}");
            let f = families.entry(name.to_owned()).or_default();
            match what {
                "HELP" => f.help += 1,
                "TYPE" => {
                    f.types += 1;
                    f.kind = parts.next().unwrap_or("").to_owned();
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        assert!(!line.trim().is_empty(), "an empty line");
        let (series, value) = line.rsplit_once(' ').expect("series and value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        let name = series.split('{').next().unwrap_or(series);
        assert!(valid_name(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| families.get(*f).is_some_and(|f| f.kind == "histogram"))
            })
            .unwrap_or(name)
            .to_owned();
        let f = families
            .get(&family)
            .unwrap_or_else(|| panic!("{line}: no # TYPE before it"));
        assert!(f.types == 1 && f.help == 1, "{family}: {f:?}");
        if family != current {
            assert!(finished.insert(current.clone()), "{current} is split");
            current = family.clone();
        }
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "{series} twice"
        );
    }
    for (name, f) in &families {
        assert_eq!((f.help, f.types), (1, 1), "{name}");
        assert!(
            ["counter", "gauge", "histogram"].contains(&f.kind.as_str()),
            "{name}: {}",
            f.kind
        );
        assert_eq!(f.kind == "counter", name.ends_with("_total"), "{name}");
        if f.kind == "histogram" {
            let buckets: Vec<f64> = samples
                .iter()
                .filter(|(s, _)| s.starts_with(&format!("{name}_bucket{{")))
                .map(|(_, v)| *v)
                .collect();
            let inf = samples[&format!("{name}_bucket{{le=\"+Inf\"}}")];
            assert_eq!(inf, samples[&format!("{name}_count")], "{name}");
            assert!(buckets.iter().all(|b| *b <= inf), "{name}: {buckets:?}");
        }
    }
    (families, samples)
}

/// The exposition parses with a Prometheus text parser (prometheus-parse) into the
/// types it declares, passes `lint`, and has the families operators watch, with
/// values that follow what the node did.
#[tokio::test(flavor = "multi_thread")]
async fn the_exposition_is_valid_prometheus_text_with_every_family() {
    let s = StateNode::start("AUS", "").await;
    let p = ExampleParams::new(
        Iso3::new("AUS").expect("iso"),
        "hcg-piraeus-01",
        examples::report_id(1),
    )
    .on(Date::new(2026, 10, 3).expect("date"));
    s.submit(&pb::Report::from(&examples::example(
        RecordType::Movement,
        &p,
    )))
    .await
    .expect("submit");
    s.release_now("2026-M10", false).await.expect("release");
    let text = s.node.metrics().await;

    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    let (families, samples) = lint(&text);
    // The parser reads a histogram's `_sum` and `_count` as samples of their own.
    let family_of = |name: &str| {
        ["_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| families.get(*f).is_some_and(|f| f.kind == "histogram"))
            })
            .unwrap_or(name)
            .to_owned()
    };
    for sample in &scrape.samples {
        let family = family_of(&sample.metric);
        let f = families
            .get(&family)
            .unwrap_or_else(|| panic!("{} undeclared", sample.metric));
        if family != sample.metric {
            continue;
        }
        let parsed = match sample.value {
            prometheus_parse::Value::Counter(_) => "counter",
            prometheus_parse::Value::Gauge(_) => "gauge",
            prometheus_parse::Value::Histogram(_) => "histogram",
            _ => "other",
        };
        assert_eq!(parsed, f.kind, "{}", sample.metric);
    }
    let parsed: BTreeSet<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    for (name, f) in &families {
        if samples.keys().any(|s| s.starts_with(name.as_str())) {
            assert!(
                parsed.contains(name.as_str()),
                "{name} not parsed ({})",
                f.kind
            );
        }
    }

    for family in [
        "vrs_build_info",
        "vrs_submissions_total",
        "vrs_flush_batch_size",
        "vrs_flush_duration_seconds",
        "vrs_tls_handshake_failures_total",
        "vrs_sync_last_success_timestamp_seconds",
        "vrs_sync_fetched_total",
        "vrs_sync_rejected_total",
        "vrs_sync_received_bytes_total",
        "vrs_sync_failures_total",
        "vrs_witness_alarms",
        "vrs_releases_made_total",
        "vrs_release_cells_withheld_total",
        "vrs_release_budget_spent_epsilon_total",
    ] {
        assert!(families.contains_key(family), "{family} missing:\n{text}");
    }
    let version = format!(
        "vrs_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(samples.get(&version), Some(&1.0), "{text}");
    for reason in ["no_certificate", "unknown_issuer", "revoked", "timeout"] {
        let series = format!("vrs_tls_handshake_failures_total{{reason=\"{reason}\"}}");
        assert!(samples.contains_key(&series), "{series}");
    }
    // The one report of October is below k: its release withholds cells.
    let made = samples["vrs_releases_made_total{table=\"MOVEMENTS\"}"];
    assert_eq!(made, 1.0);
    assert!(samples["vrs_release_cells_withheld_total{table=\"MOVEMENTS\"}"] >= 1.0);
    assert_eq!(
        samples["vrs_release_budget_spent_epsilon_total{table=\"MOVEMENTS\"}"], 0.0,
        "threshold tables spend no budget"
    );
    assert_eq!(samples["vrs_witness_alarms"], 0.0);
    assert!(samples["vrs_flush_batch_size_count"] >= 2.0, "{text}");
    s.node.stop().await;
}

// ---------------------------------------------------------------------------------------
// The process
// ---------------------------------------------------------------------------------------

/// `vrs-node run` on `files` with `env`, its output piped.
fn command(files: &NodeFiles, env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(node_binary());
    cmd.arg("run")
        .arg("--config")
        .arg(&files.config)
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// SIGTERM, and the exit status and what is left of standard error.
async fn terminate(mut child: tokio::process::Child) -> (std::process::ExitStatus, String) {
    sigterm(&child);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).await.expect("stderr");
    }
    (child.wait().await.expect("wait"), err)
}

/// The first line of standard output.
async fn first_line(child: &mut tokio::process::Child) -> String {
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let first = lines
        .next_line()
        .await
        .expect("read")
        .expect("vrs-node exited before it served");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    first
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_in_use_exits_64_naming_the_key() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let text = std::fs::read_to_string(&files.config).expect("config");
    let text = text.replacen(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"{addr}\""),
        1,
    );
    std::fs::write(&files.config, text).expect("write");
    let out = command(&files, &[]).output().await.expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(err.contains(&format!("listen = \"{addr}\"")), "{err}");
    assert!(err.contains("in use"), "{err}");
    assert!(err.contains("vrs-node.toml line 2"), "{err}");
    drop(taken);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_are_json_from_the_first_line() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "[log]\nformat = \"json\"\n");
    let mut child = command(&files, &[("VRS_NODE_LOG", "info")])
        .spawn()
        .expect("spawn");
    let announced: serde_json::Value =
        serde_json::from_str(&first_line(&mut child).await).expect("stdout's first line is JSON");
    let listen = announced["fields"]["listen"].as_str().expect("listen");
    assert!(listen.parse::<SocketAddr>().is_ok(), "{announced}");
    let (status, err) = terminate(child).await;
    assert!(status.success(), "{err}");
    assert!(err.lines().count() >= 2, "{err}");
    for line in err.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert!(v["level"].is_string(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn text_logs_to_a_pipe_have_no_colour_codes() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "");
    let mut child = command(&files, &[("VRS_NODE_LOG", "info")])
        .spawn()
        .expect("spawn");
    assert!(first_line(&mut child).await.starts_with("listening on "));
    let (status, err) = terminate(child).await;
    assert!(status.success(), "{err}");
    assert!(err.contains("node serving"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_variable_name_is_refused_with_the_new_one() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "");
    let out = command(&files, &[("VRS_LISTEN", "127.0.0.1:0")])
        .output()
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(err.contains("VRS_LISTEN"), "{err}");
    assert!(err.contains("VRS_NODE_LISTEN"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clients_variables_do_not_stop_the_node() {
    let pki = Pki::new();
    let files = node_files(&pki, "AUS", None, "");
    let mut child = command(
        &files,
        &[
            ("VRS_PROFILE", "aus-fp1"),
            ("VRS_ENDPOINT", "https://localhost:7401"),
            ("VRS_CA", "/nonexistent/ca.crt"),
        ],
    )
    .spawn()
    .expect("spawn");
    assert!(first_line(&mut child).await.starts_with("listening on "));
    let (status, err) = terminate(child).await;
    assert!(status.success(), "{err}");
}
