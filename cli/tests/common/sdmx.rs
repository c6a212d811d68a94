//! An SDMX-ML 2.1 structure message read back with an XML parser (quick-xml), and an
//! SDMX-CSV export checked against it, as a statistical office's loader would.

use std::collections::BTreeMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// A data structure definition: its dimensions in order (time last) with their code
/// lists (`None` for the time dimension), primary measure and attributes.
#[derive(Debug, Default)]
pub struct Dsd {
    pub dimensions: Vec<(String, Option<String>)>,
    pub time_dimension: Option<String>,
    pub primary_measure: Option<String>,
    pub attributes: Vec<(String, Option<String>)>,
}

/// What a structure message holds: dataflow → DSD, the DSDs, code list → code → name,
/// concept → name.
#[derive(Debug, Default)]
pub struct Structure {
    pub dataflows: BTreeMap<String, String>,
    pub dsds: BTreeMap<String, Dsd>,
    pub codelists: BTreeMap<String, BTreeMap<String, String>>,
    pub concepts: BTreeMap<String, String>,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).expect("attribute")?;
    Some(
        a.normalized_value(XmlVersion::Implicit1_0)
            .expect("value")
            .into_owned(),
    )
}

/// Where the reader is: the maintainable and the item or component it is in.
#[derive(Default)]
struct At {
    flow: Option<String>,
    codelist: Option<String>,
    scheme: bool,
    item: Option<String>,
    dsd: Option<String>,
    /// 0: dimension, 1: attribute, 2: other component.
    component: Option<u8>,
    in_name: bool,
    name: String,
}

impl Structure {
    fn start(&mut self, at: &mut At, e: &BytesStart) {
        let id = attr(e, "id");
        match e.name().into_inner() {
            "str:Dataflow" => at.flow = id.clone(),
            "str:Codelist" => {
                self.codelists.entry(id.clone().expect("id")).or_default();
                at.codelist = id.clone();
            }
            "str:ConceptScheme" => at.scheme = true,
            "str:Code" | "str:Concept" => at.item = id.clone(),
            "str:DataStructure" => {
                self.dsds.entry(id.clone().expect("id")).or_default();
                at.dsd = id.clone();
            }
            "com:Name" => {
                at.in_name = true;
                at.name.clear();
            }
            _ => {}
        }
        let Some(dsd) = at.dsd.as_ref().and_then(|d| self.dsds.get_mut(d)) else {
            return;
        };
        match e.name().into_inner() {
            "str:Dimension" => {
                dsd.dimensions.push((id.expect("id"), None));
                at.component = Some(0);
            }
            "str:TimeDimension" => {
                dsd.dimensions.push((id.clone().expect("id"), None));
                dsd.time_dimension = id;
            }
            "str:Attribute" => {
                dsd.attributes.push((id.expect("id"), None));
                at.component = Some(1);
            }
            "str:PrimaryMeasure" if at.component.is_none() => {
                dsd.primary_measure = id;
                at.component = Some(2);
            }
            _ => {}
        }
    }

    fn empty(&mut self, at: &At, e: &BytesStart, parent: &str) {
        if e.name().into_inner() != "Ref" {
            return;
        }
        let id = attr(e, "id").expect("Ref id");
        match parent {
            "str:Structure" => {
                let flow = at.flow.clone().expect("in a dataflow");
                self.dataflows.insert(flow, id);
            }
            "str:Enumeration" => {
                let dsd = at.dsd.as_ref().and_then(|d| self.dsds.get_mut(d));
                let dsd = dsd.expect("in a DSD");
                let list = match at.component {
                    Some(0) => &mut dsd.dimensions,
                    Some(1) => &mut dsd.attributes,
                    _ => panic!("an enumeration outside a dimension or attribute"),
                };
                list.last_mut().expect("component").1 = Some(id);
            }
            _ => {}
        }
    }

    fn end(&mut self, at: &mut At, name: &str) {
        match name {
            "com:Name" => {
                at.in_name = false;
                let text = std::mem::take(&mut at.name);
                match (&at.item, &at.codelist, at.scheme) {
                    (Some(code), Some(list), _) => {
                        let codes = self.codelists.entry(list.clone()).or_default();
                        codes.insert(code.clone(), text);
                    }
                    (Some(concept), None, true) => {
                        self.concepts.insert(concept.clone(), text);
                    }
                    _ => {}
                }
            }
            "str:Dataflow" => at.flow = None,
            "str:Codelist" => at.codelist = None,
            "str:ConceptScheme" => at.scheme = false,
            "str:Code" | "str:Concept" => at.item = None,
            "str:DataStructure" => at.dsd = None,
            "str:Dimension" | "str:Attribute" | "str:PrimaryMeasure" => at.component = None,
            _ => {}
        }
    }

    /// Reads an SDMX-ML 2.1 structure message; panics on XML that is not well formed.
    pub fn parse(xml: &str) -> Structure {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let mut s = Structure::default();
        let mut at = At::default();
        let mut stack: Vec<String> = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    s.start(&mut at, &e);
                    stack.push(e.name().into_inner().to_owned());
                }
                Event::Empty(e) => {
                    s.start(&mut at, &e);
                    let parent = stack.last().map(String::as_str).unwrap_or_default();
                    s.empty(&at, &e, parent);
                    s.end(&mut at, e.name().into_inner());
                }
                Event::End(e) => {
                    assert_eq!(stack.pop().as_deref(), Some(e.name().into_inner()));
                    s.end(&mut at, e.name().into_inner());
                }
                Event::Text(t) if at.in_name => {
                    at.name.push_str(&t.xml_content(XmlVersion::Implicit1_0));
                }
                Event::GeneralRef(r) if at.in_name => {
                    let c = match r.resolve_char_ref().expect("char ref") {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&r)
                            .expect("a predefined entity")
                            .to_owned(),
                    };
                    at.name.push_str(&c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty(), "unclosed elements {stack:?}");
        s
    }

    /// The columns of `flow`'s DSD after `STRUCTURE,STRUCTURE_ID,ACTION`, with their code
    /// lists: dimensions (time last), primary measure, attributes.
    fn columns(&self, flow: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
        let dsd_id = self
            .dataflows
            .get(flow)
            .ok_or(format!("no dataflow {flow}"))?;
        let dsd = self.dsds.get(dsd_id).ok_or(format!("no DSD {dsd_id}"))?;
        if dsd.time_dimension.as_deref() != Some("TIME_PERIOD") {
            return Err(format!("{dsd_id}: no time dimension TIME_PERIOD"));
        }
        let measure = dsd.primary_measure.as_deref().ok_or("no primary measure")?;
        let mut columns: Vec<(&str, Option<&str>)> = Vec::new();
        columns.extend(
            dsd.dimensions
                .iter()
                .map(|(id, l)| (id.as_str(), l.as_deref())),
        );
        columns.push((measure, None));
        columns.extend(
            dsd.attributes
                .iter()
                .map(|(id, l)| (id.as_str(), l.as_deref())),
        );
        Ok(columns)
    }

    /// Checks an SDMX-CSV export against the structure: its `STRUCTURE_ID`s name
    /// dataflows whose DSD has exactly the export's columns in order, every code is in
    /// its column's code list with a name, and every column's concept has a name.
    /// Returns the number of rows checked.
    pub fn check_sdmx_csv(&self, csv: &str) -> Result<usize, String> {
        let mut lines = csv.split_terminator("\r\n");
        let header: Vec<&str> = lines.next().ok_or("no header")?.split(',').collect();
        if header.get(..3) != Some(&["STRUCTURE", "STRUCTURE_ID", "ACTION"][..]) {
            return Err(format!("header {header:?}"));
        }
        let mut rows = 0;
        for line in lines {
            let row: Vec<&str> = line.split(',').collect();
            if row.len() != header.len() || row[0] != "dataflow" || row[2] != "I" {
                return Err(format!("row {line:?}"));
            }
            let flow = row[1]
                .strip_prefix("VRS:")
                .and_then(|r| r.strip_suffix("(1.0)"))
                .ok_or(format!("STRUCTURE_ID {} is not VRS:<id>(1.0)", row[1]))?;
            let columns = self.columns(flow)?;
            let ids: Vec<&str> = columns.iter().map(|c| c.0).collect();
            if ids != header[3..] {
                return Err(format!(
                    "{flow}: columns {ids:?}, export {:?}",
                    &header[3..]
                ));
            }
            for ((id, list), value) in columns.iter().zip(&row[3..]) {
                if self.concepts.get(*id).is_none_or(|n| n.is_empty()) {
                    return Err(format!("concept {id} has no name"));
                }
                let Some(list) = list else { continue };
                let codes = self
                    .codelists
                    .get(*list)
                    .ok_or(format!("no code list {list}"))?;
                if codes.get(*value).is_none_or(|l| l.is_empty()) {
                    return Err(format!("{flow} {id}={value} is not a named code of {list}"));
                }
            }
            rows += 1;
        }
        Ok(rows)
    }
}
