//! The SDMX-ML 2.1 structure message (`mes:Structure`): agency scheme, dataflows, code
//! lists, concept scheme and data structure definitions, in the order of the SDMX 2.1
//! schema's `StructuresType`.

use super::*;

const MES: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
const STR: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure";
const COM: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";

/// `text` with the five XML special characters escaped (for text and attribute values).
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An indented XML document written element by element (infallible: into a string).
struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push_str(&"  ".repeat(self.open.len()));
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
    }

    /// Opens `name`, to be closed by [`Xml::close`].
    fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.out.push_str(&"  ".repeat(self.open.len()));
            self.out.push_str(&format!("</{name}>\n"));
        }
    }

    /// An element with text content, or empty when `text` is `None`.
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: Option<&str>) {
        self.start_tag(name, attrs);
        match text {
            Some(t) => self.out.push_str(&format!(">{}</{name}>\n", escape(t))),
            None => self.out.push_str("/>\n"),
        }
    }

    fn name(&mut self, name: &str) {
        self.leaf("com:Name", &[("xml:lang", "en")], Some(name));
    }

    /// Opens a maintainable artefact of [`SDMX_AGENCY`] and writes its name.
    fn maintainable(&mut self, element: &'static str, id: &str, name: &str, urn: &str) {
        self.open(
            element,
            &[
                ("id", id),
                ("agencyID", SDMX_AGENCY),
                ("version", DATAFLOW_VERSION),
                ("urn", urn),
                ("isFinal", "false"),
            ],
        );
        self.name(name);
    }

    fn item(&mut self, element: &'static str, item: &Item) {
        self.open(element, &[("id", item.id)]);
        self.name(item.name);
        self.close();
    }

    /// `<Ref …/>` inside `element`.
    fn reference(&mut self, element: &'static str, attrs: &[(&str, &str)]) {
        self.open(element, &[]);
        self.leaf("Ref", attrs, None);
        self.close();
    }

    fn concept_identity(&mut self, id: &str) {
        self.reference(
            "str:ConceptIdentity",
            &[
                ("id", id),
                ("maintainableParentID", CONCEPT_SCHEME),
                ("maintainableParentVersion", DATAFLOW_VERSION),
                ("agencyID", SDMX_AGENCY),
                ("package", "conceptscheme"),
                ("class", "Concept"),
            ],
        );
    }

    fn enumeration(&mut self, codelist: &str) {
        self.open("str:LocalRepresentation", &[]);
        self.reference(
            "str:Enumeration",
            &[
                ("id", codelist),
                ("version", DATAFLOW_VERSION),
                ("agencyID", SDMX_AGENCY),
                ("package", "codelist"),
                ("class", "Codelist"),
            ],
        );
        self.close();
    }
}

fn header(x: &mut Xml, prepared: &Timestamp) {
    x.open("mes:Header", &[]);
    x.leaf("mes:ID", &[], Some(MESSAGE_ID));
    x.leaf("mes:Test", &[], Some("false"));
    x.leaf("mes:Prepared", &[], Some(prepared.as_str()));
    x.open("mes:Sender", &[("id", SDMX_AGENCY)]);
    x.name(AGENCY_NAME);
    x.close();
    x.close();
}

fn agencies(x: &mut Xml) {
    x.open("str:OrganisationSchemes", &[]);
    let urn = urn::agency_scheme();
    x.open(
        "str:AgencyScheme",
        &[
            ("id", AGENCY_SCHEME),
            ("agencyID", "SDMX"),
            ("version", "1.0"),
            ("urn", &urn),
            ("isFinal", "false"),
        ],
    );
    x.name("SDMX Agency Scheme");
    x.item(
        "str:Agency",
        &Item {
            id: SDMX_AGENCY,
            name: AGENCY_NAME,
        },
    );
    x.close();
    x.close();
}

fn dataflows(x: &mut Xml, s: &Structures) {
    x.open("str:Dataflows", &[]);
    for f in &s.dataflows {
        x.maintainable("str:Dataflow", f.id, f.name, &urn::dataflow(f.id));
        x.reference(
            "str:Structure",
            &[
                ("id", &f.structure),
                ("version", DATAFLOW_VERSION),
                ("agencyID", SDMX_AGENCY),
                ("package", "datastructure"),
                ("class", "DataStructure"),
            ],
        );
        x.close();
    }
    x.close();
}

fn codelists(x: &mut Xml, s: &Structures) {
    x.open("str:Codelists", &[]);
    for c in &s.codelists {
        x.maintainable("str:Codelist", &c.id, &c.name, &urn::codelist(&c.id));
        for code in &c.codes {
            x.item("str:Code", code);
        }
        x.close();
    }
    x.close();
}

fn concepts(x: &mut Xml, s: &Structures) {
    x.open("str:Concepts", &[]);
    let urn = urn::concept_scheme();
    x.maintainable(
        "str:ConceptScheme",
        CONCEPT_SCHEME,
        CONCEPT_SCHEME_NAME,
        &urn,
    );
    for c in &s.concepts {
        x.item("str:Concept", c);
    }
    x.close();
    x.close();
}

fn data_structure(x: &mut Xml, d: &DataStructure) {
    x.maintainable(
        "str:DataStructure",
        &d.id,
        d.name,
        &urn::data_structure(&d.id),
    );
    x.open("str:DataStructureComponents", &[]);
    x.open("str:DimensionList", &[("id", "DimensionDescriptor")]);
    for (i, c) in d.dimensions.iter().enumerate() {
        x.open(
            "str:Dimension",
            &[("id", c.id), ("position", &(i + 1).to_string())],
        );
        x.concept_identity(c.id);
        x.enumeration(&c.codelist);
        x.close();
    }
    let position = (d.dimensions.len() + 1).to_string();
    x.open(
        "str:TimeDimension",
        &[("id", TIME_PERIOD), ("position", &position)],
    );
    x.concept_identity(TIME_PERIOD);
    x.open("str:LocalRepresentation", &[]);
    x.leaf("str:TextFormat", &[("textType", TIME_TEXT_TYPE)], None);
    x.close();
    x.close();
    x.close();
    x.open("str:AttributeList", &[("id", "AttributeDescriptor")]);
    for a in &d.attributes {
        x.open(
            "str:Attribute",
            &[("id", a.id), ("assignmentStatus", "Mandatory")],
        );
        x.concept_identity(a.id);
        x.enumeration(&a.codelist);
        x.open("str:AttributeRelationship", &[]);
        x.reference("str:PrimaryMeasure", &[("id", OBS_VALUE)]);
        x.close();
        x.close();
    }
    x.close();
    x.open("str:MeasureList", &[("id", "MeasureDescriptor")]);
    x.open("str:PrimaryMeasure", &[("id", OBS_VALUE)]);
    x.concept_identity(OBS_VALUE);
    x.close();
    x.close();
    x.close();
    x.close();
}

/// The structures as an SDMX-ML 2.1 structure message, prepared at `prepared`.
pub fn structure_sdmx_ml(s: &Structures, prepared: &Timestamp) -> String {
    let mut x = Xml::new();
    x.open(
        "mes:Structure",
        &[("xmlns:mes", MES), ("xmlns:str", STR), ("xmlns:com", COM)],
    );
    header(&mut x, prepared);
    x.open("mes:Structures", &[]);
    agencies(&mut x);
    dataflows(&mut x, s);
    codelists(&mut x, s);
    concepts(&mut x, s);
    x.open("str:DataStructures", &[]);
    for d in &s.data_structures {
        data_structure(&mut x, d);
    }
    x.close();
    x.close();
    x.close();
    x.out
}
