//! `vrs get`, `vrs list`, `vrs amend`, `vrs retract`.

use std::path::Path;

use anyhow::Context as _;
use serde_json::{Value, json};
use vrs_client::client::Client;
use vrs_client::profile::Selector;
use vrs_client::reportjson;
use vrs_core::report as d;
use vrs_proto::v1 as pb;

use super::submit::{self, Outcome, Prepared, Row};
use super::{Output, RecordTypeArg, Signer, Table, UsageError};

use vrs_client::submission::fetch;

/// `vrs get`.
pub async fn get(
    sel: &Selector,
    report_id: &str,
    version: u32,
    receipt_out: Option<&Path>,
    entry_out: Option<&Path>,
) -> anyhow::Result<()> {
    super::check_report_id(report_id)?;
    let (profile, client) = super::connect(sel).await?;
    let v = fetch(&client, report_id, version).await?;
    let mut text = serde_json::to_string_pretty(&reportjson::to_json(&v.report))?;
    text.push('\n');
    print!("{text}");
    let receipt = v.receipt.context("the node answered without a receipt")?;
    let verified = match profile.vkey.as_deref() {
        Some(k) => {
            super::verify_receipt_text(&receipt.tlog_proof, &v.entry, k)
                .context("the node's receipt for this version does not verify")?;
            "receipt verified"
        }
        None => "receipt not verified: the profile has no vkey",
    };
    if let Some(p) = receipt_out {
        std::fs::write(p, &receipt.tlog_proof)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    if let Some(p) = entry_out {
        std::fs::write(p, &v.entry).with_context(|| format!("cannot write {}", p.display()))?;
    }
    eprintln!(
        "vrs: report {report_id} version {} of {}, log index {} ({verified})",
        v.version, v.latest, receipt.index
    );
    Ok(())
}

/// Filters of `vrs list`.
pub struct ListFilter {
    /// Record type.
    pub record_type: Option<RecordTypeArg>,
    /// Agency code.
    pub agency: Option<String>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Most reports (0: all).
    pub limit: usize,
}

fn record_type_name(n: i32) -> &'static str {
    match pb::RecordType::try_from(n) {
        Ok(pb::RecordType::Movement) => "movement",
        Ok(pb::RecordType::Smuggler) => "smuggler",
        Ok(pb::RecordType::Fee) => "fee",
        Ok(pb::RecordType::Document) => "document",
        Ok(pb::RecordType::Case) => "case",
        Ok(pb::RecordType::Retracted) => "retracted",
        _ => "?",
    }
}

/// `vrs list`.
pub async fn list(sel: &Selector, f: ListFilter, output: Output) -> anyhow::Result<()> {
    let agency = match &f.agency {
        None => 0,
        Some(a) => reportjson::parse_code::<d::Agency>(a).ok_or_else(|| {
            use vrs_core::report::CodeEnum as _;
            UsageError(format!(
                "--agency {a:?}: one of {}",
                d::Agency::SPEC.codes()
            ))
        })?,
    };
    for (flag, v) in [("--from", &f.from), ("--to", &f.to)] {
        if let Some(v) = v {
            vrs_core::codes::Date::parse(v)
                .map_err(|_| UsageError(format!("{flag} {v:?} is not a day (YYYY-MM-DD)")))?;
        }
    }
    let (_, client) = super::connect(sel).await?;
    let mut table = Table::new(&[
        "report_id",
        "version",
        "type",
        "agency",
        "observed_from",
        "log_index",
    ]);
    let mut token = String::new();
    loop {
        let want = if f.limit == 0 {
            1000
        } else {
            (f.limit - table.rows.len()).min(1000)
        };
        let page = client
            .list_reports(pb::ListReportsRequest {
                record_type: f.record_type.map_or(0, |t| t.wire() as i32),
                observed_from: f.from.clone().unwrap_or_default(),
                observed_to: f.to.clone().unwrap_or_default(),
                agency,
                page_size: want as u32,
                page_token: token.clone(),
            })
            .await?;
        for r in page.reports {
            table.push(vec![
                json!(r.report_id),
                json!(r.version),
                json!(record_type_name(r.record_type)),
                reportjson::code_of::<d::Agency>(r.agency),
                json!(r.observed_from),
                json!(r.log_index),
            ]);
        }
        token = page.next_page_token;
        if token.is_empty() || (f.limit != 0 && table.rows.len() >= f.limit) {
            break;
        }
    }
    table.print(output);
    if !token.is_empty() {
        eprintln!(
            "vrs: the first {} matching reports are shown and more match: --limit N for \
             more, --all for every one",
            table.rows.len()
        );
    }
    Ok(())
}

/// Signs and sends a new version, printing its row; a refusal is an error (exit 3).
async fn send_version(
    client: &Client,
    profile: &vrs_client::profile::Profile,
    signer: &Signer,
    v: &Value,
    receipts: &Path,
    output: Output,
) -> anyhow::Result<()> {
    let p: Prepared = match submit::prepare(v, false, signer) {
        Ok(p) => p,
        Err((report_id, version, problems)) => {
            let row = Row {
                source: "-".into(),
                report_id,
                version,
                outcome: Outcome::Rejected(problems),
            };
            submit::print_rows(std::slice::from_ref(&row), output);
            return submit::finish(&[row], receipts, false);
        }
    };
    let outcome = match submit::send(client, &p, receipts, profile.vkey.as_deref()).await {
        Ok(o) => o,
        Err(e) if e.is_rejection() => Outcome::Rejected(submit::problems(&e)),
        Err(e) => return Err(e.into()),
    };
    let row = Row {
        source: "-".into(),
        report_id: p.report_id,
        version: p.version,
        outcome,
    };
    submit::print_rows(std::slice::from_ref(&row), output);
    submit::finish(&[row], receipts, false)
}

/// `vrs amend`.
pub async fn amend(
    sel: &Selector,
    file: &Path,
    receipts: &Path,
    output: Output,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut records = vrs_client::bulk::read(&text, vrs_client::bulk::Format::Json, None);
    if records.len() != 1 {
        return Err(UsageError(format!(
            "{} holds {} reports; amend takes exactly one",
            file.display(),
            records.len()
        ))
        .into());
    }
    let rec = records.remove(0);
    let v = rec
        .value
        .map_err(|e| UsageError(format!("{}:{}: {e}", file.display(), rec.line)))?;
    let report_id = v
        .get("report_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            UsageError(format!(
                "{}: report_id is required to amend",
                file.display()
            ))
        })?;
    super::check_report_id(&report_id)?;
    let profile = super::load_profile(sel)?;
    let signer = super::load_signer(&profile)?;
    let client = Client::connect(&profile).await?;
    let latest = fetch(&client, &report_id, 0).await?;
    let v = vrs_client::submission::amendment(v, &latest, &signer);
    send_version(&client, &profile, &signer, &v, receipts, output).await
}

/// `vrs retract`.
pub async fn retract(
    sel: &Selector,
    report_id: &str,
    receipts: &Path,
    output: Output,
) -> anyhow::Result<()> {
    super::check_report_id(report_id)?;
    let profile = super::load_profile(sel)?;
    let signer = super::load_signer(&profile)?;
    let client = Client::connect(&profile).await?;
    let latest = fetch(&client, report_id, 0).await?;
    let v = vrs_client::submission::retraction(&latest, &signer);
    send_version(&client, &profile, &signer, &v, receipts, output).await
}
