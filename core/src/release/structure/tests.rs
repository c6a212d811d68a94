use super::*;
use crate::release::export_sdmx_csv_of;
use crate::report::CodeEnum as _;

fn codelist<'a>(s: &'a Structures, id: &str) -> &'a Codelist {
    s.codelists
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no code list {id}"))
}

fn code_ids(c: &Codelist) -> Vec<&'static str> {
    c.codes.iter().map(|i| i.id).collect()
}

#[test]
fn every_structure_id_names_a_dataflow_whose_dsd_has_the_export_columns() {
    let s = structures();
    for t in TableId::ALL {
        let csv = export_sdmx_csv_of(Some(t), &[]).expect("export");
        let header: Vec<&str> = csv.trim_end().split(',').collect();
        assert_eq!(header[..3], ["STRUCTURE", "STRUCTURE_ID", "ACTION"]);
        let sid = crate::release::export::structure_id(t);
        let flow = s
            .dataflows
            .iter()
            .find(|f| format!("{SDMX_AGENCY}:{}({DATAFLOW_VERSION})", f.id) == sid)
            .expect("a dataflow per STRUCTURE_ID");
        let dsd = s
            .data_structures
            .iter()
            .find(|d| d.id == flow.structure)
            .expect("its DSD");
        let mut columns: Vec<&str> = dsd.dimensions.iter().map(|d| d.id).collect();
        columns.extend([TIME_PERIOD, OBS_VALUE]);
        columns.extend(dsd.attributes.iter().map(|a| a.id));
        assert_eq!(columns, header[3..], "{t}");
        assert_eq!(dsd.name, t.name());
    }
    assert_eq!(s.dataflows.len(), TableId::ALL.len());
    assert_eq!(s.data_structures.len(), TableId::ALL.len());
}

#[test]
fn a_dimension_code_list_is_its_codes_and_the_total_each_with_its_label() {
    let s = structures();
    for t in TableId::ALL {
        let dsd = s.data_structures.iter().find(|d| d.id == dsd_id(t));
        let dims = &dsd.expect("dsd").dimensions;
        for (d, c) in t.dimensions().iter().zip(&dims[1..]) {
            assert_eq!(d.id, c.id);
            let list = codelist(&s, &c.codelist);
            let mut expected: Vec<&str> = d.codes.iter().collect();
            expected.push(TOTAL);
            assert_eq!(code_ids(list), expected, "{t} {}", d.id);
            for code in &list.codes {
                assert_eq!(Some(code.name), d.codes.label(code.id), "{t} {}", d.id);
            }
        }
    }
    let sex = codelist(&s, "CL_SEX");
    assert_eq!(code_ids(sex), ["F", "M", "_U", "_T"]);
    assert_eq!(sex.name, "Sex");
    assert_eq!(sex.codes[0].name, "Female");
    assert_eq!(codelist(&s, "CL_AGE_BAND").name, "Age band");
    assert_eq!(codelist(&s, "CL_STAGE").codes[4].name, "Unknown");
    let area = codelist(&s, "CL_AREA");
    assert!(
        area.codes
            .iter()
            .any(|c| c.id == "IDN" && c.name == "Indonesia")
    );
}

#[test]
fn measures_and_flags_have_code_lists_of_what_an_export_writes() {
    let s = structures();
    let measures = code_ids(codelist(&s, "CL_MEASURE"));
    for t in TableId::ALL {
        for m in t.measures() {
            assert!(measures.contains(&m.code()), "{m}");
        }
    }
    assert!(!measures.contains(&Measure::Contributors.code()));
    assert_eq!(code_ids(codelist(&s, "CL_OBS_STATUS")), ["A", "Q", "M"]);
    assert_eq!(
        code_ids(codelist(&s, "CL_CONF_STATUS")),
        ["F", "A", "D", "C"]
    );
    for dsd in &s.data_structures {
        let attrs: Vec<(&str, &str)> = dsd
            .attributes
            .iter()
            .map(|a| (a.id, a.codelist.as_str()))
            .collect();
        assert_eq!(
            attrs,
            [
                (OBS_STATUS, "CL_OBS_STATUS"),
                (CONF_STATUS, "CL_CONF_STATUS")
            ]
        );
    }
}

#[test]
fn every_component_has_one_concept_and_every_code_list_is_declared() {
    let s = structures();
    let concept = |id: &str| s.concepts.iter().find(|c| c.id == id).map(|c| c.name);
    for t in TableId::ALL {
        for d in t.dimensions() {
            assert_eq!(concept(d.id), Some(d.name), "{t} {}: one name per id", d.id);
        }
    }
    for id in [
        REF_AREA,
        MEASURE,
        TIME_PERIOD,
        OBS_VALUE,
        OBS_STATUS,
        CONF_STATUS,
    ] {
        assert!(concept(id).is_some_and(|n| !n.is_empty()), "{id}");
    }
    for dsd in &s.data_structures {
        for c in dsd.dimensions.iter().chain(&dsd.attributes) {
            codelist(&s, &c.codelist);
        }
    }
}

#[test]
fn codelist_ids_follow_the_report_enum_names() {
    assert_eq!(
        codelist_id(&CodeList::Enum(crate::report::SmugglerRole::SPEC)),
        "CL_SMUGGLER_ROLE"
    );
    assert_eq!(codelist_id(&CodeList::CountriesOrUnknown), "CL_ROUTE_AREA");
}

fn prepared() -> Timestamp {
    Timestamp::parse("2026-04-08T10:00:00Z").expect("timestamp")
}

fn urn_id(urn: &Value) -> &str {
    let urn = urn.as_str().expect("a URN");
    let (_, rest) = urn.split_once(&format!("={SDMX_AGENCY}:")).expect("agency");
    rest.split_once('(').map_or(rest, |(id, _)| id)
}

/// (id, its DSD's or code list's id) pairs.
type Pairs = Vec<(String, String)>;

/// The structures back from the SDMX-JSON message: (dataflow, DSD) and, per DSD, its
/// (component, code list), the code lists from the enumeration URNs.
fn from_json(v: &Value) -> (Pairs, Vec<(String, Pairs)>) {
    let data = &v["data"];
    let flows = data["dataflows"].as_array().expect("dataflows");
    let flows = flows
        .iter()
        .map(|f| (f["id"].to_string(), urn_id(&f["structure"]).to_owned()))
        .collect();
    let dsds = data["dataStructures"].as_array().expect("dataStructures");
    let dsds = dsds
        .iter()
        .map(|d| {
            let c = &d["dataStructureComponents"];
            let dims = c["dimensionList"]["dimensions"].as_array().expect("dims");
            let attrs = c["attributeList"]["attributes"].as_array().expect("attrs");
            let comps = dims
                .iter()
                .chain(attrs)
                .map(|x| {
                    let cl = urn_id(&x["localRepresentation"]["enumeration"]);
                    (
                        x["id"].as_str().unwrap_or_default().to_owned(),
                        cl.to_owned(),
                    )
                })
                .collect();
            (d["id"].as_str().unwrap_or_default().to_owned(), comps)
        })
        .collect();
    (flows, dsds)
}

#[test]
fn the_sdmx_json_message_holds_the_structures() {
    let s = structures();
    let v: Value = serde_json::from_str(&structure_sdmx_json(&s, &prepared())).expect("json");
    assert_eq!(v["meta"]["prepared"], "2026-04-08T10:00:00Z");
    assert_eq!(v["meta"]["sender"]["id"], SDMX_AGENCY);
    let (flows, dsds) = from_json(&v);
    let expected_flows: Vec<(String, String)> = s
        .dataflows
        .iter()
        .map(|f| (Value::from(f.id).to_string(), f.structure.clone()))
        .collect();
    assert_eq!(flows, expected_flows);
    for (d, (id, comps)) in s.data_structures.iter().zip(&dsds) {
        assert_eq!(&d.id, id);
        let expected: Vec<(String, String)> = d
            .dimensions
            .iter()
            .chain(&d.attributes)
            .map(|c| (c.id.to_owned(), c.codelist.clone()))
            .collect();
        assert_eq!(comps, &expected);
    }
    let time = &v["data"]["dataStructures"][0]["dataStructureComponents"]["dimensionList"]["timeDimensions"]
        [0];
    assert_eq!(time["id"], TIME_PERIOD);
    assert_eq!(time["position"], s.data_structures[0].dimensions.len() + 1);
    let lists = v["data"]["codelists"].as_array().expect("codelists");
    assert_eq!(lists.len(), s.codelists.len());
    for (l, c) in lists.iter().zip(&s.codelists) {
        assert_eq!(l["id"], c.id.as_str());
        let codes = l["codes"].as_array().expect("codes");
        let got: Vec<(&str, &str)> = codes
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap_or(""),
                    x["names"]["en"].as_str().unwrap_or(""),
                )
            })
            .collect();
        let want: Vec<(&str, &str)> = c.codes.iter().map(|i| (i.id, i.name)).collect();
        assert_eq!(got, want, "{}", c.id);
    }
}

#[test]
fn sdmx_ml_escapes_text_and_attributes() {
    assert_eq!(
        ml::escape(r#"Côte d'Ivoire & "<x>""#),
        "Côte d&apos;Ivoire &amp; &quot;&lt;x&gt;&quot;"
    );
    let xml = structure_sdmx_ml(&structures(), &prepared());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Structure "));
    assert!(xml.contains("<mes:Prepared>2026-04-08T10:00:00Z</mes:Prepared>"));
    assert!(xml.contains("<com:Name xml:lang=\"en\">Côte d&apos;Ivoire</com:Name>"));
    assert!(xml.ends_with("</mes:Structure>\n"));
}
