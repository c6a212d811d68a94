//! What one job of the writer does to the pending batch: a report version (after the
//! checks that need the log's state: the signing key as of the batch, the version
//! chain), a key registration, a key revocation. A refused job leaves the batch as it
//! found it.

use super::*;

impl Inner {
    /// Applies one job to the pending batch: the entry it logged (or found logged, with
    /// the duplicate flag), or why it is refused.
    pub(super) fn apply(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        op: Op,
    ) -> Result<Applied, LedgerError> {
        match op {
            Op::Stop | Op::Release { .. } | Op::PutReleases { .. } => {
                Err(LedgerError::ShuttingDown)
            }
            Op::Report(job) => self.apply_report(batch, *job),
            Op::Register(rec) => self.apply_register(batch, rec),
            Op::Revoke { key_id, reason } => self.apply_revoke(batch, key_id, &reason),
        }
    }

    fn apply_report(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        job: ReportJob,
    ) -> Result<Applied, LedgerError> {
        // Every logged version of a report has a head, so an entry whose report has
        // none is new; one whose report is held is a resubmission when the version it
        // names is logged with the same leaf hash.
        let previous = batch.report_head(&job.report_id)?;
        if previous.is_some()
            && let Some(i) = batch.logged_as(&job.report_id, job.version, &job.leaf)?
        {
            return Ok(Applied {
                index: i,
                duplicate: true,
                digest: job.digest,
                key: None,
            });
        }
        self.check_signing_key(batch, &job)?;
        Self::check_version(batch, &job, previous.as_ref())?;
        // Everything that can fail comes before anything is written: the new
        // entry's Merkle nodes, then the aggregate tables (the old version's
        // cells out, the new in; atomic), then the infallible writes. A refused
        // job leaves neither cells nor entry in the batch.
        let next = batch.prepare_append(job.leaf)?;
        let old_share = match &previous {
            Some(h) => self.share_of_entry(batch, h.index)?,
            None => None,
        };
        self.aggregates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .change(&old_share, &job.share)?;
        let index = batch.finish_append(next, &job.entry);
        let mut head = job.head;
        head.index = index;
        head.digest = job.digest;
        batch.put_report(&job.report_id, head);
        Ok(Applied {
            index,
            duplicate: false,
            digest: job.digest,
            key: None,
        })
    }

    /// The signing key is registered and not revoked, as of the pending batch.
    fn check_signing_key(
        &self,
        batch: &crate::storage::Batch<'_>,
        job: &ReportJob,
    ) -> Result<(), LedgerError> {
        // The key's state as of the pending batch: a key registered or revoked
        // earlier in this batch, else the in-memory registry (which the writer
        // updates as soon as a batch is applied, so it mirrors the store, the batch
        // being made durable included, without a read and a JSON decode per report).
        let revoked_at = match batch.pending_key(&job.key_id) {
            Some(k) => Some(k.revoked_at),
            None => self
                .keys
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&job.key_id)
                .map(|k| k.revoked_at),
        };
        match revoked_at {
            Some(None) => {}
            Some(Some(at)) => {
                return Err(LedgerError::KeyRevoked {
                    key_id: job.key_id.clone(),
                    focal_point_id: None,
                    at,
                });
            }
            None => {
                return Err(LedgerError::SigningKeyUnknown {
                    key_id: job.key_id.clone(),
                });
            }
        }
        Ok(())
    }

    /// The version follows the latest held, by the same author, superseding its digest.
    fn check_version(
        batch: &crate::storage::Batch<'_>,
        job: &ReportJob,
        previous: Option<&ReportHead>,
    ) -> Result<(), LedgerError> {
        match previous {
            None if job.version == 1 => {}
            None => {
                return Err(LedgerError::NoEarlierVersion {
                    report_id: job.report_id.to_string(),
                });
            }
            Some(h) if job.version == 1 => {
                return Err(LedgerError::ReportExists {
                    report_id: job.report_id.to_string(),
                    latest: h.version,
                });
            }
            Some(h) => {
                // A focal point amends and retracts its own reports only.
                let author = Self::author(batch, h)?;
                if author != job.head.focal_point_id {
                    return Err(LedgerError::NotAuthor {
                        report_id: job.report_id.to_string(),
                        author,
                        caller: job.head.focal_point_id.clone(),
                    });
                }
                if job.supersedes != h.digest {
                    return Err(LedgerError::NotLatest {
                        offered: job.supersedes.to_vec(),
                        latest_version: h.version,
                        latest: h.digest,
                    });
                }
                if job.version != h.version + 1 {
                    return Err(LedgerError::WrongVersion { latest: h.version });
                }
            }
        }
        Ok(())
    }

    fn apply_register(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        mut rec: KeyRecord,
    ) -> Result<Applied, LedgerError> {
        if batch.key(&rec.key_id)?.is_some() {
            return Err(LedgerError::KeyExists {
                key_id: rec.key_id.clone(),
            });
        }
        let entry = self.key_entry("register", &rec, "");
        let leaf = merkle::leaf_hash(&entry);
        rec.valid_from = batch.append(&entry, leaf)?;
        batch.put_key(rec.clone());
        Ok(Applied {
            index: rec.valid_from,
            duplicate: false,
            digest: sha256(&entry),
            key: Some(rec),
        })
    }

    fn apply_revoke(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        key_id: String,
        reason: &str,
    ) -> Result<Applied, LedgerError> {
        let Some(mut rec) = batch.key(&key_id)? else {
            return Err(LedgerError::KeyNotFound { key_id });
        };
        if let Some(at) = rec.revoked_at {
            return Err(LedgerError::AlreadyRevoked { key_id, at });
        }
        let entry = self.key_entry("revoke", &rec, reason);
        let leaf = merkle::leaf_hash(&entry);
        let index = batch.append(&entry, leaf)?;
        rec.revoked_at = Some(index);
        batch.put_key(rec.clone());
        Ok(Applied {
            index,
            duplicate: false,
            digest: sha256(&entry),
            key: Some(rec),
        })
    }
}
