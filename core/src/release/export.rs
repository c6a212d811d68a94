//! Exports of releases: SDMX-CSV 2.0, plain CSV and JSON.

use super::*;

pub(super) fn structure_id(table: TableId) -> String {
    format!("{SDMX_AGENCY}:{}({DATAFLOW_VERSION})", table.dataflow())
}

fn same_table(releases: &[Release]) -> Result<Option<TableId>, ReleaseError> {
    let mut tables = releases.iter().map(|r| r.table);
    let first = tables.next();
    if tables.any(|t| Some(t) != first) {
        return Err(ReleaseError::Combine(
            "one CSV export holds releases of one table",
        ));
    }
    Ok(first)
}

/// The observations an export shows: every one but the medians that cannot exist.
fn exported(cell: &ReleaseCell) -> impl Iterator<Item = &Observation> {
    cell.observations
        .iter()
        .filter(|o| o.obs_status != ObsStatus::Missing)
}

pub(super) const CRLF: &str = "\r\n";

/// The dimension ids of an export's header: those of its table (the one asked for, or
/// the releases' own), so that an empty export still has the right columns.
fn header_dims(table: Option<TableId>) -> Vec<&'static str> {
    table.map_or_else(Vec::new, |t| t.dimensions().iter().map(|d| d.id).collect())
}

/// The table of an export of `releases`: `asked`, of which every release must be, or
/// (when none is asked) the releases' one table.
fn export_table(
    asked: Option<TableId>,
    releases: &[Release],
) -> Result<Option<TableId>, ReleaseError> {
    let held = same_table(releases)?;
    match (asked, held) {
        (Some(a), Some(h)) if a != h => Err(ReleaseError::Combine(
            "the releases are not of the table asked for",
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, h) => Ok(h),
    }
}

pub(super) fn sdmx_csv(table: Option<TableId>, releases: &[Release]) -> String {
    let mut out = String::from("STRUCTURE,STRUCTURE_ID,ACTION,");
    out.push_str(&super::structure::sdmx_csv_columns(table).join(","));
    out.push_str(CRLF);
    for r in releases {
        let sid = r.structure_id();
        for c in &r.cells {
            for o in exported(c) {
                out.push_str("dataflow,");
                out.push_str(&sid);
                out.push_str(",I,");
                out.push_str(r.origin.as_str());
                out.push(',');
                for code in c.key.codes() {
                    out.push_str(code);
                    out.push(',');
                }
                out.push_str(o.measure.code());
                out.push(',');
                out.push_str(&r.period.to_string());
                out.push(',');
                if let Some(v) = o.value {
                    out.push_str(&v.to_string());
                }
                out.push(',');
                out.push_str(o.obs_status.code());
                out.push(',');
                out.push_str(o.conf_status.code());
                out.push_str(CRLF);
            }
        }
    }
    out
}

/// SDMX-CSV 2.0 of releases of one table (RFC 4180, CRLF line ends, media type
/// [`SDMX_CSV_MEDIA_TYPE`]). Header
/// `STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,<table dimensions>,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS`;
/// one row per listed cell per measure (the measure is a dimension, `MEASURE`, so that
/// every row carries one OBS_VALUE with its own flags), `STRUCTURE` = `dataflow`,
/// `STRUCTURE_ID` = `VRS:DF_<TABLE>(1.0)`, `ACTION` = `I`, `REF_AREA` = the origin,
/// `TIME_PERIOD` last among the dimensions (SDMX order). Withheld values have an empty
/// OBS_VALUE, OBS_STATUS `Q` and their CONF_STATUS. Unlisted cells are not written
/// (zero under threshold, `<k` under noise), nor medians that cannot exist.
pub fn export_sdmx_csv(releases: &[Release]) -> Result<String, ReleaseError> {
    export_sdmx_csv_of(None, releases)
}

/// As [`export_sdmx_csv`], of `table` when given: the header has its dimensions even
/// when `releases` is empty, and every release must be of it.
pub fn export_sdmx_csv_of(
    table: Option<TableId>,
    releases: &[Release],
) -> Result<String, ReleaseError> {
    Ok(sdmx_csv(export_table(table, releases)?, releases))
}

/// Plain CSV of releases of one table (RFC 4180, CRLF line ends), for spreadsheets:
/// `REF_AREA,TIME_PERIOD,TABLE,VERSION,POLICY,<dimensions>,MEASURE,OBS_VALUE,DISPLAY,OBS_STATUS,CONF_STATUS`,
/// where DISPLAY is [`Observation::display`] (`<k` for a noisy value below k, `x` for a
/// suppressed one).
pub fn export_csv(releases: &[Release]) -> Result<String, ReleaseError> {
    export_csv_of(None, releases)
}

/// As [`export_csv`], of `table` when given (see [`export_sdmx_csv_of`]).
pub fn export_csv_of(table: Option<TableId>, releases: &[Release]) -> Result<String, ReleaseError> {
    let table = export_table(table, releases)?;
    let mut out = String::from("REF_AREA,TIME_PERIOD,TABLE,VERSION,POLICY,");
    for d in header_dims(table) {
        out.push_str(d);
        out.push(',');
    }
    out.push_str("MEASURE,OBS_VALUE,DISPLAY,OBS_STATUS,CONF_STATUS");
    out.push_str(CRLF);
    for r in releases {
        for c in &r.cells {
            for o in exported(c) {
                let value = o.value.map(|v| v.to_string()).unwrap_or_default();
                out.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{},{}{CRLF}",
                    r.origin,
                    r.period,
                    r.table,
                    r.version,
                    r.policy.name(),
                    c.key.codes().join(","),
                    o.measure,
                    value,
                    o.display(&r.policy),
                    o.obs_status.code(),
                    o.conf_status.code(),
                ));
            }
        }
    }
    Ok(out)
}

fn policy_json(policy: &Policy) -> Value {
    match policy {
        Policy::Threshold { k } => json!({ "name": "threshold", "k": k }),
        Policy::Noise(p) => json!({
            "name": "noise",
            "k": p.k,
            "epsilon": p.epsilon.to_string(),
            "epsilon_num": p.epsilon.num(),
            "epsilon_den": p.epsilon.den(),
            "delta": p.delta,
        }),
    }
}

/// A cell key as a JSON object: dimension id → code.
pub(super) fn key_json(dims: &[&str], key: &CellKey) -> serde_json::Map<String, Value> {
    dims.iter()
        .zip(key.codes())
        .map(|(d, code)| ((*d).to_owned(), Value::from(*code)))
        .collect()
}

fn release_json(r: &Release) -> Value {
    let dims = r.dimension_ids();
    let cells: Vec<Value> = r
        .cells
        .iter()
        .map(|c| {
            let key = key_json(&dims, &c.key);
            let observations: Vec<Value> = c
                .observations
                .iter()
                .map(|o| {
                    json!({
                        "measure": o.measure.code(),
                        "value": o.value,
                        "display": o.display(&r.policy),
                        "obs_status": o.obs_status.code(),
                        "conf_status": o.conf_status.code(),
                    })
                })
                .collect();
            json!({ "key": key, "observations": observations })
        })
        .collect();
    json!({
        "origin": r.origin.as_str(),
        "table": r.table.code(),
        "structure_id": r.structure_id(),
        "period": r.period.to_string(),
        "version": r.version,
        "policy": policy_json(&r.policy),
        "code_list_version": r.code_list_version,
        "computed_at": r.computed_at.as_str(),
        "checkpoint": {
            "origin": r.checkpoint.origin,
            "size": r.checkpoint.size,
            "root_hash": crate::hex(&r.checkpoint.root_hash),
            "note": r.checkpoint.note,
        },
        "dimensions": dims,
        "measures": r.table.measures().iter().map(|m| m.code()).collect::<Vec<_>>(),
        "unlisted_cells": match r.policy {
            Policy::Threshold { .. } => "0".to_owned(),
            Policy::Noise(p) => format!("<{}", p.k),
        },
        "cells": cells,
    })
}

/// JSON of releases (any tables): an array of objects with the release's identity,
/// policy, checkpoint, dimension and measure ids, what unlisted cells show, and the cells
/// with their keys by dimension id and observations (value, display, flags).
pub fn export_json(releases: &[Release]) -> String {
    Value::Array(releases.iter().map(release_json).collect()).to_string()
}
