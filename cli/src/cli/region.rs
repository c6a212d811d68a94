//! `vrs region table`: national releases summed cell by cell (secretariats), each
//! verified under its origin's pinned key first.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;
use serde_json::Value;
use vrs_client::profile::Selector;

use vrs_client::region::RegionError;

use super::releases::{Refused, check_period, check_state, check_table, emit};

/// Formats of a regional table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RegionFormat {
    /// CSV: REGION,TIME_PERIOD,TABLE,<dimensions>,MEASURE,OBS_VALUE,LOWER_BOUND.
    Csv,
    /// JSON.
    Json,
}

/// Options of `vrs region table`.
pub struct RegionOptions {
    /// Table id.
    pub table: String,
    /// SDMX period.
    pub period: String,
    /// Only these States (each must be held); default every origin the node holds.
    pub states: Vec<String>,
    /// Output format.
    pub format: RegionFormat,
    /// Where to write the output.
    pub out: Option<std::path::PathBuf>,
}

/// `vrs region table`.
pub async fn region_table(sel: &Selector, o: RegionOptions) -> anyhow::Result<()> {
    let table = check_table(&o.table)?;
    let period = check_period(&o.period)?;
    let states = o
        .states
        .iter()
        .map(|s| check_state(s, "--states"))
        .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
    let (p, client) = super::connect(sel).await?;
    let (regional, releases) =
        match vrs_client::region::region_table(&p, &client, &table, &period, &states).await {
            Ok(x) => x,
            Err(e @ RegionError::Problems { .. }) => {
                if let RegionError::Problems { problems, .. } = &e {
                    for m in problems {
                        eprintln!("vrs: {m}");
                    }
                }
                bail!(Refused(e.to_string()));
            }
            Err(RegionError::Fetch(vrs_client::region::FetchError::Client(e))) => {
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
    let summed: Vec<String> = releases
        .iter()
        .map(|r| format!("{} v{}", r.origin, r.version))
        .collect();
    eprintln!(
        "regional {table} {period}: the sum of {} national release(s) ({}), each verified \
         under its origin's pinned key; LOWER_BOUND is true where a national value was withheld",
        releases.len(),
        summed.join(", ")
    );
    let text = match o.format {
        RegionFormat::Csv => regional.to_csv(),
        RegionFormat::Json => {
            let v: Value = serde_json::from_str(&regional.to_json())?;
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
    };
    emit(&text, o.out.as_deref())
}

#[derive(Subcommand)]
pub enum RegionCmd {
    /// The regional table of one table and period: every national release of it that the
    /// profile's node holds (or those of --states), each verified under its origin's
    /// pinned key, summed cell by cell. A regional value that includes a withheld
    /// national value is flagged LOWER_BOUND. No table is printed, and the exit status is
    /// 1, when a release is missing or refused.
    ///
    /// Example: vrs region table --table MOVEMENTS --period 2026-M03 --format csv
    Table {
        /// Table id (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
        #[arg(long)]
        table: String,
        /// SDMX period (e.g. 2026-M03).
        #[arg(long)]
        period: String,
        /// Only these States, each of which must be held (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "STATES")]
        states: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RegionFormat::Csv)]
        format: RegionFormat,
        /// Write the table to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

impl RegionCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        let RegionCmd::Table {
            table,
            period,
            states,
            format,
            out,
        } = self;
        super::block_on(region_table(
            sel,
            RegionOptions {
                table,
                period,
                states,
                format,
                out,
            },
        ))
    }
}
