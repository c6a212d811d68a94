//! The report service: submit, amend, retract, get, list (focal points and admins).

use super::*;

#[tonic::async_trait]
impl pb::report_service_server::ReportService for Services {
    #[tracing::instrument(skip_all, fields(method = "Submit"))]
    async fn submit(
        &self,
        req: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let started = Instant::now();
        let role = authorize(&req, self.state(), &[Allow::OwnFocalPoint]).inspect_err(|_| {
            self.metrics
                .submission(SubmitOutcome::PermissionDenied, started.elapsed());
        })?;
        let Role::FocalPoint { state, id } = role else {
            return Err(Status::permission_denied("only focal points submit"));
        };
        let Some(env) = req.into_inner().envelope else {
            self.metrics
                .submission(SubmitOutcome::InvalidArgument, started.elapsed());
            return Err(field_status(Code::InvalidArgument, "envelope", "required"));
        };
        let who = Submitter {
            state,
            focal_point_id: id,
        };
        let result = self
            .ledger
            .submit(vrs_core::wire::envelope_from_pb(env), &who, today())
            .await;
        match result {
            Ok(Accepted {
                receipt,
                digest,
                duplicate,
                index,
                ..
            }) => {
                self.metrics.submission(
                    if duplicate {
                        SubmitOutcome::Duplicate
                    } else {
                        SubmitOutcome::Accepted
                    },
                    started.elapsed(),
                );
                tracing::debug!(index, duplicate, "report logged");
                Ok(Response::new(pb::SubmitResponse {
                    receipt: Some(receipt_pb(&receipt, &digest)),
                    duplicate,
                }))
            }
            Err(e) => {
                tracing::info!(error = %e, focal_point = %who.focal_point_id, "submission refused");
                let status = Status::from(e);
                self.metrics
                    .submission(outcome_of(status.code()), started.elapsed());
                Err(status)
            }
        }
    }

    #[tracing::instrument(skip_all, fields(method = "GetReport"))]
    async fn get_report(
        &self,
        req: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnFocalPoint, Allow::OwnAdmin])?;
        let r = req.into_inner();
        let store = self.ledger.store();
        let head = store
            .report_head(&r.report_id)
            .map_err(storage)?
            .ok_or_else(|| {
                Status::not_found(clip(
                    &format!("no report {:?}", r.report_id),
                    MAX_ERROR_MESSAGE,
                ))
            })?;
        let index = if r.version == 0 || r.version == head.version {
            head.index
        } else {
            store
                .report_version(&r.report_id, r.version)
                .map_err(storage)?
                .ok_or_else(|| {
                    Status::not_found(clip(
                        &format!("report {} has no version {}", r.report_id, r.version),
                        MAX_ERROR_MESSAGE,
                    ))
                })?
        };
        let entry = store
            .entry(index)
            .map_err(storage)?
            .ok_or_else(|| Status::internal("indexed entry is missing"))?;
        let env = Envelope::from_entry_bytes(&entry)
            .map_err(|e| Status::internal(format!("stored entry does not decode: {e}")))?;
        let receipt = self.ledger.receipt(index)?;
        Ok(Response::new(pb::GetReportResponse {
            envelope: Some(vrs_core::wire::envelope_to_pb(&env)),
            receipt: Some(receipt_pb(&receipt, &vrs_core::sha256(&entry))),
            version: if r.version == 0 {
                head.version
            } else {
                r.version
            },
            latest_version: head.version,
        }))
    }

    #[tracing::instrument(skip_all, fields(method = "ListReports"))]
    async fn list_reports(
        &self,
        req: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnFocalPoint, Allow::OwnAdmin])?;
        let r = req.into_inner();
        let page_size = match r.page_size {
            0 => 100,
            n @ 1..=1000 => n as usize,
            n => {
                return Err(field_status(
                    Code::InvalidArgument,
                    "page_size",
                    &format!("{n} is above the maximum 1000"),
                ));
            }
        };
        for (field, v) in [
            ("observed_from", &r.observed_from),
            ("observed_to", &r.observed_to),
        ] {
            if !v.is_empty() && vrs_core::codes::Date::parse(v).is_err() {
                return Err(field_status(
                    Code::InvalidArgument,
                    field,
                    &format!("{v:?} is not an ISO 8601 date"),
                ));
            }
        }
        let after = if r.page_token.is_empty() {
            None
        } else {
            let raw = B64URL
                .decode(&r.page_token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    field_status(
                        Code::InvalidArgument,
                        "page_token",
                        "not a token from this node",
                    )
                })?;
            Some(raw)
        };
        // Bound the work of one page, whatever the filters.
        const MAX_SCAN: usize = 20_000;
        let mut reports = Vec::new();
        let mut last = None;
        let mut more = false;
        for (scanned, item) in self
            .ledger
            .store()
            .report_heads_after(after.as_deref())
            .enumerate()
        {
            let (id, h) = item.map_err(storage)?;
            if reports.len() == page_size || scanned == MAX_SCAN {
                more = true;
                break;
            }
            let keep = (r.record_type == 0 || r.record_type == h.record_type)
                && (r.agency == 0 || r.agency == h.agency)
                && (r.observed_from.is_empty() || h.observed_to >= r.observed_from)
                && (r.observed_to.is_empty() || h.observed_from <= r.observed_to);
            if keep {
                reports.push(pb::ReportSummary {
                    report_id: id.clone(),
                    version: h.version,
                    record_type: h.record_type,
                    log_index: h.index,
                    digest: h.digest.to_vec(),
                    agency: h.agency,
                    observed_from: h.observed_from.clone(),
                });
            }
            last = Some(id);
        }
        let next_page_token = match (more, last) {
            (true, Some(l)) => B64URL.encode(l.as_bytes()),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListReportsResponse {
            reports,
            next_page_token,
        }))
    }
}
