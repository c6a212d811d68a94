//! The closed code lists of a report, each declared once: its variants, their protobuf
//! numbers (the discriminants), their short codes (SDMX where SDMX has one) and their
//! labels (the variant's doc line). Everything else reads these declarations: the wire
//! conversion ([`crate::wire`] checks that the protobuf enum of the same name has the
//! same numbers), the JSON form and the forms of the client (through
//! [`CodeEnum`] and [`CODE_LISTS`]), and the aggregate tables' dimensions.
use std::fmt;

use crate::codes;

/// One value of a closed code list, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSpec {
    /// The protobuf number (never 0, which is `UNSPECIFIED`).
    pub number: i32,
    /// The short code, e.g. `"F"` or `"COAST_GUARD"`.
    pub code: &'static str,
    /// The English label, e.g. `"Female"`.
    pub label: &'static str,
}

/// A closed code list as data: the name of the enum (the protobuf enum `vrs.v1.<name>`
/// mirrors it), what it is, and its values in schema order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeListSpec {
    /// The name, e.g. `"Sex"`.
    pub name: &'static str,
    /// The values, in schema order.
    pub values: &'static [CodeSpec],
}

impl CodeListSpec {
    /// The value with short code `code`.
    pub fn by_code(&self, code: &str) -> Option<&'static CodeSpec> {
        self.values.iter().find(|v| v.code == code)
    }

    /// The value with protobuf number `number`.
    pub fn by_number(&self, number: i32) -> Option<&'static CodeSpec> {
        self.values.iter().find(|v| v.number == number)
    }

    /// The short codes, separated by `", "` (for error messages).
    pub fn codes(&self) -> String {
        let codes: Vec<&str> = self.values.iter().map(|v| v.code).collect();
        codes.join(", ")
    }
}

/// A closed code list of the report schema (one of [`CODE_LISTS`]).
pub trait CodeEnum: Copy + Eq + fmt::Debug + 'static {
    /// The list as data.
    const SPEC: &'static CodeListSpec;
    /// Every value, in schema order.
    fn all() -> &'static [Self];
    /// The protobuf number.
    fn number(self) -> i32;
    /// The value whose protobuf number is `number` (`None` for 0 and unknown numbers).
    fn from_number(number: i32) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.number() == number)
    }
}

/// The label of a variant: its doc line without the leading space and the final full
/// stop.
const fn label_of(doc: &'static str) -> &'static str {
    let s = doc.trim_ascii();
    match s.as_bytes() {
        [.., b'.'] => s.split_at(s.len() - 1).0,
        _ => s,
    }
}

/// Defines a closed code list as a Rust enum with `ALL`, `code()`, `from_code()` and a
/// `Display` that prints the code. Each variant has one doc line, which is its label.
/// A list that mirrors a protobuf enum gives each variant its protobuf number as
/// discriminant and implements [`CodeEnum`].
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( #[doc = $doc:literal] $variant:ident = $num:literal => $code:expr ),+ $(,)?
        }
    ) => {
        code_enum!(@enum $(#[$meta])* $name { $( #[doc = $doc] $variant = $num => $code ),+ });

        impl CodeEnum for $name {
            const SPEC: &'static CodeListSpec = &CodeListSpec {
                name: stringify!($name),
                values: &[$(CodeSpec { number: $num, code: $code, label: label_of($doc) }),+],
            };
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn number(self) -> i32 {
                self as i32
            }
        }
    };
    (
        $(#[$meta:meta])*
        $name:ident {
            $( #[doc = $doc:literal] $variant:ident => $code:expr ),+ $(,)?
        }
    ) => {
        code_enum!(@enum $(#[$meta])* $name { $( #[doc = $doc] $variant => $code ),+ });
    };
    (
        @enum $(#[$meta:meta])*
        $name:ident {
            $( #[doc = $doc:literal] $variant:ident $(= $num:literal)? => $code:expr ),+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( #[doc = $doc] $variant $(= $num)?, )+
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Short code for labels and aggregate keys.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value whose [`code`](Self::code) is `code`.
            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// The label: the variant's doc line.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => label_of($doc),)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// The five record types a report body can hold.
    RecordType {
        /// Movement.
        Movement => "MOVEMENT",
        /// Smuggler profile.
        Smuggler => "SMUGGLER",
        /// Fee observation.
        Fee => "FEE",
        /// Document fraud.
        Document => "DOCUMENT",
        /// Criminal justice case.
        Case => "CASE",
    }
}

impl RecordType {
    /// Name of the field of the `body` oneof in `vrs.v1.Report`, e.g. `"movement"`.
    pub const fn field(self) -> &'static str {
        match self {
            RecordType::Movement => "movement",
            RecordType::Smuggler => "smuggler",
            RecordType::Fee => "fee",
            RecordType::Document => "document",
            RecordType::Case => "case",
        }
    }
}

code_enum! {
    /// Status of a report version. Derived from the body: see [`super::Report::status`].
    ReportStatus {
        /// The report counts in aggregates.
        Active = 1 => "ACTIVE",
        /// The report is withdrawn: no body, removed from aggregates.
        Retracted = 2 => "RETRACTED",
    }
}

code_enum! {
    /// The national agency that made the observation.
    Agency {
        /// Border police.
        BorderPolice = 1 => "BORDER_POLICE",
        /// Immigration service.
        Immigration = 2 => "IMMIGRATION",
        /// Coast guard.
        CoastGuard = 3 => "COAST_GUARD",
        /// Police.
        Police = 4 => "POLICE",
        /// Prosecution service.
        Prosecution = 5 => "PROSECUTION",
        /// Judiciary.
        Judiciary = 6 => "JUDICIARY",
        /// Another agency.
        Other = 7 => codes::OTHER,
    }
}

code_enum! {
    /// Sex (SDMX `F`, `M`, `_U`).
    Sex {
        /// Female.
        Female = 1 => codes::SEX_FEMALE,
        /// Male.
        Male = 2 => codes::SEX_MALE,
        /// Unknown.
        Unknown = 3 => codes::UNKNOWN,
    }
}

code_enum! {
    /// Age band (SDMX `Y_LT18`, `Y18T29`, `Y30T44`, `Y45T59`, `Y_GE60`, `_U`).
    AgeBand {
        /// Under 18 (a child).
        Under18 = 1 => codes::AGE_UNDER_18,
        /// 18 to 29.
        From18To29 = 2 => codes::AGE_18_29,
        /// 30 to 44.
        From30To44 = 3 => codes::AGE_30_44,
        /// 45 to 59.
        From45To59 = 4 => codes::AGE_45_59,
        /// 60 and over.
        From60 = 5 => codes::AGE_60_PLUS,
        /// Unknown.
        Unknown = 6 => codes::UNKNOWN,
    }
}

code_enum! {
    /// A yes / no / unknown answer (`Y`, `N`, `_U`).
    Ternary {
        /// Yes.
        Yes = 1 => "Y",
        /// No.
        No = 2 => "N",
        /// Unknown.
        Unknown = 3 => codes::UNKNOWN,
    }
}

code_enum! {
    /// Where a movement was detected.
    PlaceType {
        /// At an official border crossing point.
        BorderCrossingPoint = 1 => "BORDER_CROSSING_POINT",
        /// At the green (land) border between crossing points.
        GreenBorder = 2 => "GREEN_BORDER",
        /// At sea.
        Sea = 3 => "SEA",
        /// At an airport.
        Airport = 4 => "AIRPORT",
        /// Inland.
        Inland = 5 => "INLAND",
    }
}

code_enum! {
    /// Direction of a movement relative to the reporting State.
    Direction {
        /// Entering the State.
        Entry = 1 => "ENTRY",
        /// Leaving the State.
        Exit = 2 => "EXIT",
        /// Crossing the State.
        Transit = 3 => "TRANSIT",
        /// Staying in the State.
        Stay = 4 => "STAY",
    }
}

code_enum! {
    /// Main method of a movement.
    Method {
        /// By air.
        Air = 1 => "AIR",
        /// By land.
        Land = 2 => "LAND",
        /// By sea.
        Sea = 3 => "SEA",
    }
}

code_enum! {
    /// Sub-method of a movement; must agree with its [`Method`] (see
    /// [`SubMethod::method`]).
    SubMethod {
        /// Land: concealed in a vehicle.
        ConcealedInVehicle = 1 => "CONCEALED_IN_VEHICLE",
        /// Land: on foot.
        OnFoot = 2 => "ON_FOOT",
        /// Land: in a vehicle, not concealed.
        InVehicleNotConcealed = 3 => "IN_VEHICLE_NOT_CONCEALED",
        /// Sea: small boat.
        SmallBoat = 4 => "SMALL_BOAT",
        /// Sea: large vessel.
        LargeVessel = 5 => "LARGE_VESSEL",
        /// Sea: concealed on a vessel.
        ConcealedOnVessel = 6 => "CONCEALED_ON_VESSEL",
        /// Air: inadequately documented.
        InadequatelyDocumentedAir = 7 => "INADEQUATELY_DOCUMENTED_AIR",
        /// Air: with fraudulent documents.
        FraudulentDocumentsAir = 8 => "FRAUDULENT_DOCUMENTS_AIR",
        /// Any method: other.
        Other = 9 => codes::OTHER,
    }
}

impl SubMethod {
    /// The method this sub-method belongs to; `None` for [`SubMethod::Other`], which
    /// goes with any method.
    pub const fn method(self) -> Option<Method> {
        match self {
            SubMethod::ConcealedInVehicle
            | SubMethod::OnFoot
            | SubMethod::InVehicleNotConcealed => Some(Method::Land),
            SubMethod::SmallBoat | SubMethod::LargeVessel | SubMethod::ConcealedOnVessel => {
                Some(Method::Sea)
            }
            SubMethod::InadequatelyDocumentedAir | SubMethod::FraudulentDocumentsAir => {
                Some(Method::Air)
            }
            SubMethod::Other => None,
        }
    }

    /// Whether this sub-method may be used with `method`.
    pub const fn fits(self, method: Method) -> bool {
        match self.method() {
            None => true,
            Some(m) => m as u8 == method as u8,
        }
    }
}

code_enum! {
    /// Mode of transport on one leg of a route.
    TransportMode {
        /// By air.
        Air = 1 => "AIR",
        /// By land.
        Land = 2 => "LAND",
        /// By sea.
        Sea = 3 => "SEA",
        /// Unknown.
        Unknown = 4 => codes::UNKNOWN,
    }
}

code_enum! {
    /// Aggravating circumstances of art. 6(3) of the Protocol.
    Aggravation {
        /// Endangering, or likely to endanger, the lives or safety of the migrants.
        EndangeringLife = 1 => "ENDANGERING_LIFE",
        /// Inhuman or degrading treatment, including for exploitation.
        InhumanTreatment = 2 => "INHUMAN_TREATMENT",
    }
}

code_enum! {
    /// Role of a suspected smuggler in the operation.
    SmugglerRole {
        /// Organiser.
        Organiser = 1 => "ORGANISER",
        /// Recruiter.
        Recruiter = 2 => "RECRUITER",
        /// Transporter or driver.
        Transporter = 3 => "TRANSPORTER",
        /// Guide.
        Guide = 4 => "GUIDE",
        /// Boat pilot.
        BoatPilot = 5 => "BOAT_PILOT",
        /// Document forger.
        DocumentForger = 6 => "DOCUMENT_FORGER",
        /// Accommodation provider.
        AccommodationProvider = 7 => "ACCOMMODATION_PROVIDER",
        /// Money mover.
        MoneyMover = 8 => "MONEY_MOVER",
        /// Enforcer.
        Enforcer = 9 => "ENFORCER",
        /// Financier.
        Financier = 10 => "FINANCIER",
        /// Corrupt official.
        CorruptOfficial = 11 => "CORRUPT_OFFICIAL",
        /// Another role.
        Other = 12 => codes::OTHER,
    }
}

code_enum! {
    /// What a fee pays for.
    FeeBasis {
        /// Per person.
        PerPerson = 1 => "PER_PERSON",
        /// Per leg of the route.
        PerLeg = 2 => "PER_LEG",
        /// The full journey as a package.
        FullPackage = 3 => "FULL_PACKAGE",
    }
}

code_enum! {
    /// How a fee was paid.
    PaymentMode {
        /// Paid upfront.
        Upfront = 1 => "UPFRONT",
        /// Paid via a third party (e.g. a hawala broker).
        ViaThirdParty = 2 => "VIA_THIRD_PARTY",
        /// Paid on arrival.
        OnArrival = 3 => "ON_ARRIVAL",
        /// Paid in kind.
        InKind = 4 => "IN_KIND",
        /// Another mode.
        Other = 5 => codes::OTHER,
    }
}

code_enum! {
    /// Type of a fraudulent document.
    DocumentType {
        /// Passport.
        Passport = 1 => "PASSPORT",
        /// Visa.
        Visa = 2 => "VISA",
        /// Residence permit.
        ResidencePermit = 3 => "RESIDENCE_PERMIT",
        /// Identity card.
        IdCard = 4 => "ID_CARD",
        /// Another document.
        Other = 5 => codes::OTHER,
    }
}

code_enum! {
    /// Kind of document fraud.
    FraudType {
        /// Counterfeit or altered.
        CounterfeitOrAltered = 1 => "COUNTERFEIT_OR_ALTERED",
        /// Improperly issued or obtained.
        ImproperlyObtained = 2 => "IMPROPERLY_OBTAINED",
        /// Used by someone other than the rightful holder.
        Impostor = 3 => "IMPOSTOR",
    }
}

code_enum! {
    /// Purpose a fraudulent document was used for.
    Purpose {
        /// Entry.
        Entry = 1 => "ENTRY",
        /// Exit.
        Exit = 2 => "EXIT",
        /// Stay.
        Stay = 3 => "STAY",
    }
}

code_enum! {
    /// Offences of art. 6 of the Protocol (codes name the article).
    Offence {
        /// 6(1)(a) smuggling of migrants.
        Smuggling = 1 => "ART6_1A",
        /// 6(1)(b) producing, procuring, providing or possessing a fraudulent document.
        FraudulentDocument = 2 => "ART6_1B",
        /// 6(1)(c) enabling illegal stay.
        EnablingStay = 3 => "ART6_1C",
        /// 6(2) attempt, participation, organising or directing.
        AttemptOrOrganising = 4 => "ART6_2",
    }
}

code_enum! {
    /// ICCS classification of a case (codes are the ICCS codes).
    IccsCode {
        /// 08051 smuggling of migrants.
        SmugglingOfMigrants = 1 => "08051",
        /// 0204 trafficking in persons (only when charged alongside).
        TraffickingInPersons = 2 => "0204",
        /// 07023 forged entry documents.
        ForgedEntryDocuments = 3 => "07023",
    }
}

code_enum! {
    /// Financial or other material benefit (art. 3(a)).
    Benefit {
        /// Financial benefit.
        Financial = 1 => "FINANCIAL",
        /// Other material benefit.
        OtherMaterial = 2 => "OTHER_MATERIAL",
        /// No benefit established.
        NoneEstablished = 3 => "NONE_ESTABLISHED",
        /// Unknown.
        Unknown = 4 => codes::UNKNOWN,
    }
}

code_enum! {
    /// Stage of criminal proceedings, in procedural order.
    Stage {
        /// Investigation.
        Investigation = 1 => "INVESTIGATION",
        /// Prosecution.
        Prosecution = 2 => "PROSECUTION",
        /// Trial at first instance.
        FirstInstance = 3 => "FIRST_INSTANCE",
        /// Appeal.
        Appeal = 4 => "APPEAL",
    }
}

impl Stage {
    /// Whether a court decides at this stage (so that it can convict or acquit).
    pub const fn is_trial(self) -> bool {
        matches!(self, Stage::FirstInstance | Stage::Appeal)
    }
}

code_enum! {
    /// Outcome of a stage of proceedings.
    Outcome {
        /// Not decided yet.
        Pending = 1 => "PENDING",
        /// Convicted.
        Convicted = 2 => "CONVICTED",
        /// Acquitted.
        Acquitted = 3 => "ACQUITTED",
        /// Dismissed or discontinued.
        Dismissed = 4 => "DISMISSED",
    }
}

/// Every code list of the report schema that mirrors a protobuf enum, by name.
pub const CODE_LISTS: &[&CodeListSpec] = &[
    ReportStatus::SPEC,
    Agency::SPEC,
    Sex::SPEC,
    AgeBand::SPEC,
    Ternary::SPEC,
    PlaceType::SPEC,
    Direction::SPEC,
    Method::SPEC,
    SubMethod::SPEC,
    TransportMode::SPEC,
    Aggravation::SPEC,
    SmugglerRole::SPEC,
    FeeBasis::SPEC,
    PaymentMode::SPEC,
    DocumentType::SPEC,
    FraudType::SPEC,
    Purpose::SPEC,
    Offence::SPEC,
    IccsCode::SPEC,
    Benefit::SPEC,
    Stage::SPEC,
    Outcome::SPEC,
];

/// The code list named `name` (`"Sex"`, or the protobuf enum's full name
/// `"vrs.v1.Sex"`).
pub fn code_list(name: &str) -> Option<&'static CodeListSpec> {
    let name = name.strip_prefix("vrs.v1.").unwrap_or(name);
    CODE_LISTS.iter().copied().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_doc_lines_and_codes_are_unique_per_list() {
        assert_eq!(Agency::CoastGuard.label(), "Coast guard");
        assert_eq!(Sex::Female.label(), "Female");
        assert_eq!(Sex::Female.label(), Sex::SPEC.values[0].label);
        assert_eq!(code_list("vrs.v1.AgeBand"), Some(AgeBand::SPEC));
        for list in CODE_LISTS {
            for (i, v) in list.values.iter().enumerate() {
                assert!(!v.label.is_empty() && !v.label.ends_with('.'), "{v:?}");
                assert!(!v.label.contains('`'), "{v:?}");
                assert_eq!(
                    v.number,
                    i as i32 + 1,
                    "{}: numbers follow schema order",
                    list.name
                );
                assert_eq!(
                    list.by_code(v.code),
                    Some(v),
                    "{}: {} twice",
                    list.name,
                    v.code
                );
            }
        }
    }
}
