//! The SDMX-JSON 1.0 structure message (sdmx-twg/sdmx-json, `structure-message`,
//! schema 1.0): the same structures as the SDMX-ML one, each with `name` and `names`.

use super::*;

/// Where the SDMX-JSON 1.0 structure schema is published.
const SCHEMA: &str = "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/schemas/1.0/sdmx-json-structure-schema.json";

fn names(name: &str) -> (Value, Value) {
    (Value::from(name), json!({ "en": name }))
}

/// The fields every maintainable artefact has.
fn maintainable(id: &str, agency: &str, name: &str, urn: String) -> Map<String, Value> {
    let (name, names) = names(name);
    let mut m = Map::new();
    m.insert("id".into(), id.into());
    m.insert("version".into(), DATAFLOW_VERSION.into());
    m.insert("agencyID".into(), agency.into());
    m.insert("isExternalReference".into(), false.into());
    m.insert("isFinal".into(), false.into());
    m.insert("name".into(), name);
    m.insert("names".into(), names);
    m.insert("links".into(), json!([{ "rel": "self", "urn": urn }]));
    m
}

fn item(i: &Item) -> Value {
    let (name, names) = names(i.name);
    json!({ "id": i.id, "name": name, "names": names })
}

fn with(mut m: Map<String, Value>, key: &str, value: Value) -> Value {
    m.insert(key.into(), value);
    Value::Object(m)
}

fn codelist(c: &Codelist) -> Value {
    let m = maintainable(&c.id, SDMX_AGENCY, &c.name, urn::codelist(&c.id));
    with(m, "codes", c.codes.iter().map(item).collect())
}

fn component(c: &Component, position: usize) -> Value {
    json!({
        "id": c.id,
        "position": position,
        "type": "Dimension",
        "conceptIdentity": urn::concept(c.id),
        "localRepresentation": { "enumeration": urn::codelist(&c.codelist) },
    })
}

fn data_structure(d: &DataStructure) -> Value {
    let dimensions: Vec<Value> = d
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, c)| component(c, i + 1))
        .collect();
    let attributes: Vec<Value> = d
        .attributes
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "assignmentStatus": "Mandatory",
                "attributeRelationship": { "primaryMeasure": OBS_VALUE },
                "conceptIdentity": urn::concept(a.id),
                "localRepresentation": { "enumeration": urn::codelist(&a.codelist) },
            })
        })
        .collect();
    let components = json!({
        "dimensionList": {
            "id": "DimensionDescriptor",
            "dimensions": dimensions,
            "timeDimensions": [{
                "id": TIME_PERIOD,
                "position": d.dimensions.len() + 1,
                "type": "TimeDimension",
                "conceptIdentity": urn::concept(TIME_PERIOD),
                "localRepresentation": { "textFormat": { "textType": TIME_TEXT_TYPE } },
            }],
        },
        "attributeList": { "id": "AttributeDescriptor", "attributes": attributes },
        "measureList": {
            "id": "MeasureDescriptor",
            "primaryMeasure": { "id": OBS_VALUE, "conceptIdentity": urn::concept(OBS_VALUE) },
        },
    });
    let m = maintainable(&d.id, SDMX_AGENCY, d.name, urn::data_structure(&d.id));
    with(m, "dataStructureComponents", components)
}

/// The structures as an SDMX-JSON 1.0 structure message, prepared at `prepared`.
pub fn structure_sdmx_json(s: &Structures, prepared: &Timestamp) -> String {
    let agencies = maintainable(
        AGENCY_SCHEME,
        "SDMX",
        "SDMX Agency Scheme",
        urn::agency_scheme(),
    );
    let agency = Item {
        id: SDMX_AGENCY,
        name: AGENCY_NAME,
    };
    let concepts = maintainable(
        CONCEPT_SCHEME,
        SDMX_AGENCY,
        CONCEPT_SCHEME_NAME,
        urn::concept_scheme(),
    );
    let dataflows: Vec<Value> = s
        .dataflows
        .iter()
        .map(|f| {
            let m = maintainable(f.id, SDMX_AGENCY, f.name, urn::dataflow(f.id));
            with(m, "structure", urn::data_structure(&f.structure).into())
        })
        .collect();
    json!({
        "meta": {
            "schema": SCHEMA,
            "id": MESSAGE_ID,
            "test": false,
            "prepared": prepared.as_str(),
            "contentLanguages": ["en"],
            "sender": { "id": SDMX_AGENCY, "name": AGENCY_NAME },
        },
        "data": {
            "agencySchemes": [with(agencies, "agencies", json!([item(&agency)]))],
            "codelists": s.codelists.iter().map(codelist).collect::<Vec<_>>(),
            "conceptSchemes": [with(concepts, "concepts", s.concepts.iter().map(item).collect())],
            "dataStructures": s.data_structures.iter().map(data_structure).collect::<Vec<_>>(),
            "dataflows": dataflows,
        },
    })
    .to_string()
}
