//! The aggregates service: releases of the State's tables, their exports and the regional tables.

use super::*;
use crate::reciprocity::Gate;

/// A CSV export holds one table (one SDMX dataflow).
fn one_table(e: vrs_core::release::ReleaseError) -> Status {
    field_status(
        Code::InvalidArgument,
        "filter.table",
        &format!("{e}; choose a table, or export JSON"),
    )
}

const RELEASE_READERS: &[Allow] = &[
    Allow::OwnFocalPoint,
    Allow::OwnAdmin,
    Allow::PeerNode,
    Allow::Secretariat,
];

pub(super) fn release_info(r: &crate::storage::releases::ReleaseRecord) -> pb::ReleaseInfo {
    pb::ReleaseInfo {
        origin: r.origin.clone(),
        table: r.table.clone(),
        period: r.period.clone(),
        version: r.version,
        digest: r.digest.to_vec(),
        size: r.size,
        withheld: false,
    }
}

/// A manifest or listing entry for a caller: marked when reciprocity withholds it.
pub(super) fn release_info_for(
    gate: &mut Gate<'_>,
    r: &crate::storage::releases::ReleaseRecord,
) -> Result<pb::ReleaseInfo, Status> {
    let withheld = gate.withholds_record(r).map_err(storage)?;
    Ok(pb::ReleaseInfo {
        withheld,
        // The size of a withheld release is not told: it would say how many cells of
        // the table are listed (not zero, under threshold).
        size: if withheld { 0 } else { r.size },
        ..release_info(r)
    })
}

impl Services {
    /// Held releases matching a filter (empty fields match everything).
    fn matching(
        &self,
        f: &pb::ListReleasesRequest,
    ) -> Result<Vec<crate::storage::releases::ReleaseRecord>, Status> {
        let all = self
            .ledger
            .store()
            .manifest_after(0, usize::MAX)
            .map_err(storage)?;
        let mut latest: std::collections::BTreeMap<
            (String, String, String),
            crate::storage::releases::ReleaseRecord,
        > = std::collections::BTreeMap::new();
        for (_, r) in all {
            let keep = (f.origin.is_empty() || f.origin == r.origin)
                && (f.table.is_empty() || f.table == r.table)
                && (f.period.is_empty() || f.period == r.period);
            if keep {
                let k = (r.origin.clone(), r.table.clone(), r.period.clone());
                match latest.get(&k) {
                    Some(h) if h.version >= r.version => {}
                    _ => {
                        latest.insert(k, r);
                    }
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// The latest held releases matching `filter` that reciprocity serves the caller
    /// (`role`), each opened under its origin's key.
    fn open_matching(
        &self,
        filter: &pb::ListReleasesRequest,
        role: &Role,
    ) -> Result<Vec<vrs_core::release::Release>, Status> {
        let store = self.ledger.store();
        let mut gate = Gate::new(store, self.state(), role);
        let mut served = Vec::new();
        for rec in self.matching(filter)? {
            if !gate.withholds_record(&rec).map_err(storage)? {
                served.push(rec);
            }
        }
        served
            .iter()
            .map(|rec| {
                let bytes = self
                    .ledger
                    .store()
                    .release(&rec.origin, &rec.table, &rec.period, rec.version)
                    .map_err(storage)?
                    .ok_or_else(|| Status::internal("manifest names a missing release"))?;
                self.open_stored(&rec.origin, &bytes)
            })
            .collect()
    }

    /// Opens a stored release under its origin's pinned key.
    fn open_stored(
        &self,
        origin: &str,
        bytes: &[u8],
    ) -> Result<vrs_core::release::Release, Status> {
        let env = Envelope::from_entry_bytes(bytes)
            .map_err(|e| Status::internal(format!("stored release does not decode: {e}")))?;
        // Verified when it was taken: under any key its origin has had.
        let keys = self.sync.keys().known_keys(origin);
        if keys.is_empty() {
            return Err(Status::internal(format!(
                "no pinned key for origin {origin}"
            )));
        }
        let mut last = None;
        for key in &keys {
            match vrs_core::release::open_release(&env, key.public_key()) {
                Ok(r) => return Ok(r),
                Err(e) => last = Some(e),
            }
        }
        Err(Status::internal(format!(
            "stored release of {origin} does not verify: {}",
            last.expect("a key was tried")
        )))
    }
}

#[tonic::async_trait]
impl pb::aggregates_service_server::AggregatesService for Services {
    async fn list_releases(
        &self,
        req: Request<pb::ListReleasesRequest>,
    ) -> Result<Response<pb::ListReleasesResponse>, Status> {
        let role = authorize(&req, self.state(), RELEASE_READERS)?;
        let mut gate = Gate::new(self.ledger.store(), self.state(), &role);
        let releases = self
            .matching(req.get_ref())?
            .iter()
            .map(|r| release_info_for(&mut gate, r))
            .collect::<Result<_, _>>()?;
        Ok(Response::new(pb::ListReleasesResponse { releases }))
    }

    async fn get_release(
        &self,
        req: Request<pb::GetReleaseRequest>,
    ) -> Result<Response<pb::GetReleaseResponse>, Status> {
        let role = authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let store = self.ledger.store();
        let bytes = if r.version == 0 {
            store
                .latest_release(&r.origin, &r.table, &r.period)
                .map_err(storage)?
                .map(|(_, b)| b)
        } else {
            store
                .release(&r.origin, &r.table, &r.period, r.version)
                .map_err(storage)?
        }
        .ok_or_else(|| {
            Status::not_found(clip(
                &format!(
                    "no release {} {} {} version {}",
                    r.origin, r.table, r.period, r.version
                ),
                MAX_ERROR_MESSAGE,
            ))
        })?;
        let policy = crate::reciprocity::policy_of(&bytes).map_err(storage)?;
        let mut gate = Gate::new(store, self.state(), &role);
        if gate
            .withholds(&r.origin, &r.period, policy)
            .map_err(storage)?
        {
            return Err(Status::permission_denied(clip(
                &gate.why(&r.origin, &r.period),
                MAX_ERROR_MESSAGE,
            )));
        }
        let env = Envelope::from_entry_bytes(&bytes)
            .map_err(|e| Status::internal(format!("stored release does not decode: {e}")))?;
        Ok(Response::new(pb::GetReleaseResponse {
            envelope: Some(vrs_core::wire::envelope_to_pb(&env)),
        }))
    }

    async fn export(
        &self,
        req: Request<pb::ExportRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        let role = authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let filter = r.filter.unwrap_or_default();
        let releases = self.open_matching(&filter, &role)?;
        let format = pb::ExportFormat::try_from(r.format).unwrap_or(pb::ExportFormat::Unspecified);
        // A CSV's columns are the requested table's, even when nothing matches.
        let table = match filter.table.as_str() {
            "" => None,
            t => Some(vrs_core::aggregate::TableId::parse(t).map_err(|e| {
                field_status(Code::InvalidArgument, "filter.table", &e.to_string())
            })?),
        };
        let (media_type, data) = match format {
            pb::ExportFormat::SdmxCsv | pb::ExportFormat::Unspecified => (
                "application/vnd.sdmx.data+csv; version=2.0.0",
                vrs_core::release::export_sdmx_csv_of(table, &releases).map_err(one_table)?,
            ),
            pb::ExportFormat::Csv => (
                "text/csv",
                vrs_core::release::export_csv_of(table, &releases).map_err(one_table)?,
            ),
            pb::ExportFormat::Json => (
                "application/json",
                vrs_core::release::export_json(&releases),
            ),
        };
        Ok(Response::new(pb::ExportResponse {
            media_type: media_type.into(),
            data: data.into_bytes(),
        }))
    }

    async fn regional_table(
        &self,
        req: Request<pb::RegionalTableRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        let role = authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let filter = pb::ListReleasesRequest {
            origin: String::new(),
            table: r.table.clone(),
            period: r.period.clone(),
        };
        if r.table.is_empty() || r.period.is_empty() {
            return Err(field_status(
                Code::InvalidArgument,
                "table",
                "table and period are required",
            ));
        }
        let releases = self.open_matching(&filter, &role)?;
        if releases.is_empty() {
            return Err(Status::not_found(clip(
                &format!("no release of {} {} is held", r.table, r.period),
                MAX_ERROR_MESSAGE,
            )));
        }
        let table = vrs_core::release::regional_sum(&releases)
            .map_err(|e| Status::failed_precondition(e.to_string()))?;
        let (media_type, data) = match pb::ExportFormat::try_from(r.format) {
            Ok(pb::ExportFormat::Json) => ("application/json", table.to_json()),
            Ok(pb::ExportFormat::Csv | pb::ExportFormat::Unspecified) => {
                ("text/csv", table.to_csv())
            }
            _ => {
                return Err(field_status(
                    Code::InvalidArgument,
                    "format",
                    "a regional table exports as CSV or JSON",
                ));
            }
        };
        Ok(Response::new(pb::ExportResponse {
            media_type: media_type.into(),
            data: data.into_bytes(),
        }))
    }

    #[tracing::instrument(skip_all, fields(method = "ReleaseNow"))]
    async fn release_now(
        &self,
        req: Request<pb::ReleaseNowRequest>,
    ) -> Result<Response<pb::ReleaseNowResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let r = req.into_inner();
        let period = vrs_core::aggregate::Period::parse(&r.period).map_err(|e| {
            field_status(
                Code::InvalidArgument,
                "period",
                &format!("{:?}: {e}", r.period),
            )
        })?;
        let made = self.ledger.release(period, r.revise, today()).await?;
        tracing::info!(period = %period, releases = made.len(), revise = r.revise, "released");
        Ok(Response::new(pb::ReleaseNowResponse {
            releases: made.iter().map(release_info).collect(),
        }))
    }
}
