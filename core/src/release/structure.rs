//! The SDMX structure of the exports: code lists, concepts, data structure definitions
//! and dataflows of every table, derived from the table definitions
//! ([`TableId::dimensions`], [`TableId::measures`]) and their code lists, so that the
//! structure always matches what [`super::export_sdmx_csv`] writes.
//!
//! Written as an SDMX-ML 2.1 structure message ([`structure_sdmx_ml`]) or an SDMX-JSON
//! 1.0 structure message ([`structure_sdmx_json`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{DATAFLOW_VERSION, SDMX_AGENCY};
use crate::aggregate::{CodeList, Measure, TableId};
use crate::codes::{TOTAL, Timestamp};
use crate::disclosure::{ConfStatus, ObsStatus};

/// The reporting State: the first dimension of every table's export.
pub const REF_AREA: &str = "REF_AREA";
/// The measure dimension (one row per measure of a cell).
pub const MEASURE: &str = "MEASURE";
/// The time dimension, last among the dimensions.
pub const TIME_PERIOD: &str = "TIME_PERIOD";
/// The primary measure.
pub const OBS_VALUE: &str = "OBS_VALUE";
/// Observation attribute: SDMX observation status.
pub const OBS_STATUS: &str = "OBS_STATUS";
/// Observation attribute: SDMX confidentiality status.
pub const CONF_STATUS: &str = "CONF_STATUS";

/// Id of the concept scheme of every component.
pub const CONCEPT_SCHEME: &str = "CS_VRS";
/// Id of the measure code list.
const CL_MEASURE: &str = "CL_MEASURE";
const CL_OBS_STATUS: &str = "CL_OBS_STATUS";
const CL_CONF_STATUS: &str = "CL_CONF_STATUS";
/// Name of the agency [`SDMX_AGENCY`].
pub const AGENCY_NAME: &str = "Voluntary reporting exchange on the smuggling of migrants";
const CONCEPT_SCHEME_NAME: &str = "Concepts of the voluntary reporting exchange";
/// The SDMX agency scheme that maintains agencies, of which [`SDMX_AGENCY`] is one.
const AGENCY_SCHEME: &str = "AGENCIES";
/// Id of a structure message.
const MESSAGE_ID: &str = "VRS_STRUCTURE";
/// Representation of [`TIME_PERIOD`]: SDMX reporting periods (`2026-M03`, `2026-W11`).
const TIME_TEXT_TYPE: &str = "ObservationalTimePeriod";

mod json;
mod ml;

pub use json::structure_sdmx_json;
pub use ml::structure_sdmx_ml;

/// SDMX URNs of the structures.
mod urn {
    use super::{AGENCY_SCHEME, CONCEPT_SCHEME, DATAFLOW_VERSION, SDMX_AGENCY};

    fn of(class: &str, id: &str) -> String {
        format!("urn:sdmx:org.sdmx.infomodel.{class}={SDMX_AGENCY}:{id}({DATAFLOW_VERSION})")
    }

    pub(super) fn agency_scheme() -> String {
        format!("urn:sdmx:org.sdmx.infomodel.base.AgencyScheme=SDMX:{AGENCY_SCHEME}(1.0)")
    }

    pub(super) fn codelist(id: &str) -> String {
        of("codelist.Codelist", id)
    }

    pub(super) fn concept_scheme() -> String {
        of("conceptscheme.ConceptScheme", CONCEPT_SCHEME)
    }

    pub(super) fn concept(id: &str) -> String {
        format!("{}.{id}", of("conceptscheme.Concept", CONCEPT_SCHEME))
    }

    pub(super) fn data_structure(id: &str) -> String {
        of("datastructure.DataStructure", id)
    }

    pub(super) fn dataflow(id: &str) -> String {
        of("datastructure.Dataflow", id)
    }
}

/// The column ids of an SDMX-CSV export of `table` after `STRUCTURE,STRUCTURE_ID,ACTION`:
/// its dimensions in DSD order, then the primary measure and the attributes.
pub fn sdmx_csv_columns(table: Option<TableId>) -> Vec<&'static str> {
    let mut cols = vec![REF_AREA];
    cols.extend(
        table
            .iter()
            .flat_map(|t| t.dimensions().iter().map(|d| d.id)),
    );
    cols.extend([MEASURE, TIME_PERIOD, OBS_VALUE, OBS_STATUS, CONF_STATUS]);
    cols
}

/// A code or a concept: its id and English name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Id, e.g. `F`.
    pub id: &'static str,
    /// English name, e.g. `Female`.
    pub name: &'static str,
}

/// A code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codelist {
    /// Id, e.g. `CL_SEX`.
    pub id: String,
    /// English name.
    pub name: String,
    /// Its codes, `_T` included where the dimensions have it.
    pub codes: Vec<Item>,
}

/// A dimension or an attribute of a data structure definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Id, which is also its concept's id in [`CONCEPT_SCHEME`].
    pub id: &'static str,
    /// The code list of its values.
    pub codelist: String,
}

/// A data structure definition: the dimensions, in key order (then [`TIME_PERIOD`]),
/// the primary measure [`OBS_VALUE`] and the observation attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataStructure {
    /// Id, e.g. `DSD_MOVEMENTS`.
    pub id: String,
    /// English name.
    pub name: &'static str,
    /// Dimensions other than time, in order.
    pub dimensions: Vec<Component>,
    /// Attributes of each observation (mandatory).
    pub attributes: Vec<Component>,
}

/// A dataflow: what an export's `STRUCTURE_ID` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataflow {
    /// Id, e.g. `DF_MOVEMENTS`.
    pub id: &'static str,
    /// English name.
    pub name: &'static str,
    /// Its data structure definition's id.
    pub structure: String,
}

/// Every structure of the exports, all of agency [`SDMX_AGENCY`] and version
/// [`DATAFLOW_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structures {
    /// Code lists, by id.
    pub codelists: Vec<Codelist>,
    /// The concepts of [`CONCEPT_SCHEME`], by id.
    pub concepts: Vec<Item>,
    /// One per table.
    pub data_structures: Vec<DataStructure>,
    /// One per table.
    pub dataflows: Vec<Dataflow>,
}

/// Id of the data structure definition of `table`, e.g. `DSD_MOVEMENTS`.
pub fn dsd_id(table: TableId) -> String {
    format!("DSD_{}", table.code())
}

/// Id of a dimension's code list: `CL_` and the report enum's name in upper snake case
/// (`CL_AGE_BAND`), `CL_AREA` (countries), `CL_ROUTE_AREA` (countries or unknown),
/// `CL_CURRENCY`.
pub fn codelist_id(list: &CodeList) -> String {
    match list {
        CodeList::Enum(spec) | CodeList::EnumOrUnknown(spec) => {
            let mut id = String::from("CL");
            for c in spec.name.chars() {
                if c.is_ascii_uppercase() {
                    id.push('_');
                }
                id.push(c.to_ascii_uppercase());
            }
            id
        }
        CodeList::Countries => "CL_AREA".into(),
        CodeList::CountriesOrUnknown => "CL_ROUTE_AREA".into(),
        CodeList::Currencies => "CL_CURRENCY".into(),
    }
}

fn codelist_name(list: &CodeList) -> String {
    match list {
        CodeList::Enum(spec) | CodeList::EnumOrUnknown(spec) => {
            let mut name = String::new();
            for (i, c) in spec.name.chars().enumerate() {
                if i > 0 && c.is_ascii_uppercase() {
                    name.push(' ');
                    name.push(c.to_ascii_lowercase());
                } else {
                    name.push(c);
                }
            }
            name
        }
        CodeList::Countries => "Countries and territories (ISO 3166-1 alpha-3)".into(),
        CodeList::CountriesOrUnknown => {
            "Countries and territories (ISO 3166-1 alpha-3), or unknown".into()
        }
        CodeList::Currencies => "Currencies (ISO 4217)".into(),
    }
}

fn dimension_codelist(list: &CodeList) -> Codelist {
    let codes = list
        .iter()
        .chain([TOTAL])
        .map(|code| Item {
            id: code,
            name: list.label(code).unwrap_or(code),
        })
        .collect();
    Codelist {
        id: codelist_id(list),
        name: codelist_name(list),
        codes,
    }
}

fn flag_codelists() -> [Codelist; 3] {
    let measures = Measure::ALL
        .into_iter()
        .filter(|m| m.is_published())
        .map(|m| Item {
            id: m.code(),
            name: m.label(),
        });
    let obs = ObsStatus::ALL.into_iter().map(|s| Item {
        id: s.code(),
        name: s.label(),
    });
    let conf = ConfStatus::ALL.into_iter().map(|s| Item {
        id: s.code(),
        name: s.label(),
    });
    [
        (CL_MEASURE, "Measures", measures.collect()),
        (CL_OBS_STATUS, "Observation status", obs.collect()),
        (CL_CONF_STATUS, "Confidentiality status", conf.collect()),
    ]
    .map(|(id, name, codes)| Codelist {
        id: id.into(),
        name: name.into(),
        codes,
    })
}

fn component(id: &'static str, codelist: &str) -> Component {
    Component {
        id,
        codelist: codelist.to_owned(),
    }
}

fn data_structure(table: TableId) -> DataStructure {
    let mut dimensions = vec![component(REF_AREA, &codelist_id(&CodeList::Countries))];
    for d in table.dimensions() {
        dimensions.push(component(d.id, &codelist_id(&d.codes)));
    }
    dimensions.push(component(MEASURE, CL_MEASURE));
    DataStructure {
        id: dsd_id(table),
        name: table.name(),
        dimensions,
        attributes: vec![
            component(OBS_STATUS, CL_OBS_STATUS),
            component(CONF_STATUS, CL_CONF_STATUS),
        ],
    }
}

/// The structures of every table's export.
pub fn structures() -> Structures {
    let mut codelists: BTreeMap<String, Codelist> = BTreeMap::new();
    let mut concepts: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    let area = dimension_codelist(&CodeList::Countries);
    codelists.insert(area.id.clone(), area);
    for list in flag_codelists() {
        codelists.insert(list.id.clone(), list);
    }
    concepts.extend([
        (REF_AREA, "Reporting State"),
        (MEASURE, "Measure"),
        (TIME_PERIOD, "Time period"),
        (OBS_VALUE, "Observation value"),
        (OBS_STATUS, "Observation status"),
        (CONF_STATUS, "Confidentiality status"),
    ]);
    for t in TableId::ALL {
        for d in t.dimensions() {
            concepts.entry(d.id).or_insert(d.name);
            codelists
                .entry(codelist_id(&d.codes))
                .or_insert_with(|| dimension_codelist(&d.codes));
        }
    }
    Structures {
        codelists: codelists.into_values().collect(),
        concepts: concepts
            .into_iter()
            .map(|(id, name)| Item { id, name })
            .collect(),
        data_structures: TableId::ALL.into_iter().map(data_structure).collect(),
        dataflows: TableId::ALL
            .into_iter()
            .map(|t| Dataflow {
                id: t.dataflow(),
                name: t.name(),
                structure: dsd_id(t),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
