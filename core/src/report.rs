//! The report domain: what a national focal point signs and submits, free of protobuf.
//!
//! These types mirror `vrs.v1.Report` (see `proto/vrs/v1/report.proto`), with proto enums
//! as Rust enums without their `UNSPECIFIED` value, validated newtypes for identifiers and
//! codes ([`ReportId`], [`Iso3`], [`Currency`]), and calendar values as [`Date`] and
//! [`Timestamp`]. Conversion from and to the wire lives in [`crate::wire`]; the rules a
//! report obeys are listed in [`crate::validate`].
//!
//! Fields are public: a `Report` obtained from [`crate::wire`] satisfies every rule of
//! [`crate::validate`]; one built by hand (as the client and the tests do) is checked with
//! [`Report::validate`] before it is signed.
//!
//! Every enum has a short `code()` used for labels and aggregate keys: SDMX codes where
//! SDMX has one ([`Sex`]: `F`, `M`, `_U`; [`AgeBand`]: `Y_LT18` ...; "other" is `_O` and
//! "unknown" is `_U`), an upper-case name otherwise.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::codes::{self, Country, CurrencyInfo};
pub use crate::codes::{Date, ParseError, Timestamp};

// ---------------------------------------------------------------------------------------
// Identifiers and codes
// ---------------------------------------------------------------------------------------

/// A report id: a UUID written lower-case and hyphenated (`8-4-4-4-12`, 36 characters),
/// chosen by the submitter and stable across versions. The nil UUID is not a report id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReportId([u8; 16]);

impl ReportId {
    /// Parses the lower-case hyphenated form.
    pub fn parse(s: &str) -> Result<ReportId, ParseError> {
        let err = || ParseError::new("UUID (lower-case, hyphenated)", s);
        let b = s.as_bytes();
        if b.len() != 36 {
            return Err(err());
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0usize;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(err());
                }
                continue;
            }
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return Err(err()),
            };
            out[nibbles / 2] |= if nibbles & 1 == 0 { v << 4 } else { v };
            nibbles += 1;
        }
        if out == [0u8; 16] {
            return Err(err());
        }
        Ok(ReportId(out))
    }

    /// The id with these 16 bytes, as they are (`None` for the nil UUID).
    pub fn from_bytes(bytes: [u8; 16]) -> Option<ReportId> {
        (bytes != [0u8; 16]).then_some(ReportId(bytes))
    }

    /// A random (version 4) UUID made from 16 random bytes supplied by the caller: the
    /// version and variant bits are set, the other 122 bits are kept.
    pub fn new_v4(mut random: [u8; 16]) -> ReportId {
        random[6] = (random[6] & 0x0f) | 0x40;
        random[8] = (random[8] & 0x3f) | 0x80;
        ReportId(random)
    }

    /// The 16 bytes of the UUID.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = crate::hex(&self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

impl fmt::Debug for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportId({self})")
    }
}

impl FromStr for ReportId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportId::parse(s)
    }
}

impl TryFrom<String> for ReportId {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReportId::parse(&s)
    }
}

impl From<ReportId> for String {
    fn from(id: ReportId) -> String {
        id.to_string()
    }
}

/// An ISO 3166-1 alpha-3 country code from [`codes::COUNTRIES`] (exact, upper case).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iso3(&'static str);

impl Iso3 {
    /// The code `code`, if it is in the list. `const`, so that a code written in the
    /// source is checked at compile time:
    /// `const GRC: Iso3 = match Iso3::new("GRC") { Some(c) => c, None => panic!() };`
    pub const fn new(code: &str) -> Option<Iso3> {
        match codes::find_country(code) {
            Some(c) => Some(Iso3(c.alpha3)),
            None => None,
        }
    }

    /// Parses a code, with an error naming the bad value.
    pub fn parse(code: &str) -> Result<Iso3, ParseError> {
        Iso3::new(code).ok_or_else(|| ParseError::new("ISO 3166-1 alpha-3 code", code))
    }

    /// The three letters.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }

    /// The full ISO 3166-1 entry (alpha-2, numeric, name).
    pub fn info(&self) -> Option<&'static Country> {
        codes::find_country(self.0)
    }
}

impl fmt::Display for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for Iso3 {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iso3::parse(s)
    }
}

impl TryFrom<String> for Iso3 {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Iso3::parse(&s)
    }
}

impl From<Iso3> for String {
    fn from(c: Iso3) -> String {
        c.0.to_owned()
    }
}

/// An active ISO 4217 alphabetic currency code from [`codes::CURRENCIES`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(&'static str);

impl Currency {
    /// The code `code`, if it is in the list (`const`, like [`Iso3::new`]).
    pub const fn new(code: &str) -> Option<Currency> {
        match codes::find_currency(code) {
            Some(c) => Some(Currency(c.code)),
            None => None,
        }
    }

    /// Parses a code, with an error naming the bad value.
    pub fn parse(code: &str) -> Result<Currency, ParseError> {
        Currency::new(code).ok_or_else(|| ParseError::new("ISO 4217 currency code", code))
    }

    /// The three letters.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }

    /// The full ISO 4217 entry (numeric code, minor units, name).
    pub fn info(&self) -> Option<&'static CurrencyInfo> {
        codes::find_currency(self.0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for Currency {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0.to_owned()
    }
}

// ---------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------

/// Defines a closed code list as a Rust enum with `ALL`, `code()`, `from_code()` and a
/// `Display` that prints the code. Enums that mirror a protobuf enum give each variant
/// its protobuf number as discriminant, so that `value as i32` is the wire number.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident $(= $num:literal)? => $code:expr ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant $(= $num)?, )+
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
        /// [`MovementEvent`].
        Movement => "MOVEMENT",
        /// [`SmugglerProfile`].
        Smuggler => "SMUGGLER",
        /// [`FeeObservation`].
        Fee => "FEE",
        /// [`DocumentFraudEvent`].
        Document => "DOCUMENT",
        /// [`CriminalJusticeCase`].
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
    /// Status of a report version. Derived from the body: see [`Report::status`].
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
        /// Female, `F`.
        Female = 1 => codes::SEX_FEMALE,
        /// Male, `M`.
        Male = 2 => codes::SEX_MALE,
        /// Unknown, `_U`.
        Unknown = 3 => codes::UNKNOWN,
    }
}

code_enum! {
    /// Age band (SDMX `Y_LT18`, `Y18T29`, `Y30T44`, `Y45T59`, `Y_GE60`, `_U`).
    AgeBand {
        /// Under 18 (a child), `Y_LT18`.
        Under18 = 1 => codes::AGE_UNDER_18,
        /// 18 to 29, `Y18T29`.
        From18To29 = 2 => codes::AGE_18_29,
        /// 30 to 44, `Y30T44`.
        From30To44 = 3 => codes::AGE_30_44,
        /// 45 to 59, `Y45T59`.
        From45To59 = 4 => codes::AGE_45_59,
        /// 60 and over, `Y_GE60`.
        From60 = 5 => codes::AGE_60_PLUS,
        /// Unknown, `_U`.
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

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

/// What a report is about: one day or an inclusive period of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Observed {
    /// One day (`observed_on`).
    Day(Date),
    /// An inclusive range of days (`observed_period`), `start <= end`.
    Period {
        /// First day.
        start: Date,
        /// Last day.
        end: Date,
    },
}

impl Observed {
    /// First day.
    pub fn start(&self) -> Date {
        match *self {
            Observed::Day(d) => d,
            Observed::Period { start, .. } => start,
        }
    }

    /// Last day.
    pub fn end(&self) -> Date {
        match *self {
            Observed::Day(d) => d,
            Observed::Period { end, .. } => end,
        }
    }

    /// Whether `day` falls in the observed day or period.
    pub fn contains(&self, day: Date) -> bool {
        self.start() <= day && day <= self.end()
    }
}

/// One leg of a route, between two different countries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteLeg {
    /// Country the leg starts in.
    pub from_country: Iso3,
    /// Country the leg ends in.
    pub to_country: Iso3,
    /// How the leg was travelled.
    pub transport_mode: TransportMode,
}

/// A group of persons sharing citizenship, sex and age band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonGroup {
    /// Citizenship.
    pub citizenship: Iso3,
    /// Sex.
    pub sex: Sex,
    /// Age band.
    pub age_band: AgeBand,
    /// Number of persons (1 to 10,000).
    pub count: u32,
}

/// A detected irregular movement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MovementEvent {
    /// Day of detection.
    pub detected_on: Date,
    /// Where it was detected.
    pub place_type: PlaceType,
    /// Direction relative to the reporting State.
    pub direction: Direction,
    /// Main method.
    pub method: Method,
    /// Sub-method, consistent with `method`.
    pub sub_method: SubMethod,
    /// Ordered legs; each starts where the previous one ended (may be empty if unknown).
    pub route: Vec<RouteLeg>,
    /// Persons detected, in groups.
    pub persons: Vec<PersonGroup>,
    /// Unaccompanied minors among the persons (at most those under 18).
    pub unaccompanied_minors: u32,
    /// Deaths during the movement.
    pub deaths: u32,
    /// Injuries during the movement.
    pub injuries: u32,
    /// Whether smuggling was involved.
    pub smuggling_involved: Ternary,
    /// Aggravating circumstances observed (no duplicates).
    pub aggravating: Vec<Aggravation>,
}

impl MovementEvent {
    /// Total persons over all groups.
    pub fn total_persons(&self) -> u64 {
        self.persons.iter().map(|g| u64::from(g.count)).sum()
    }

    /// Persons in groups of age band [`AgeBand::Under18`].
    pub fn minors(&self) -> u64 {
        self.persons
            .iter()
            .filter(|g| g.age_band == AgeBand::Under18)
            .map(|g| u64::from(g.count))
            .sum()
    }

    /// Country of origin: where the first leg starts (`None` if the route is unknown).
    pub fn origin(&self) -> Option<Iso3> {
        self.route.first().map(|l| l.from_country)
    }

    /// Country of destination: where the last leg ends (`None` if the route is unknown).
    pub fn destination(&self) -> Option<Iso3> {
        self.route.last().map(|l| l.to_country)
    }
}

/// A suspected smuggler, non-nominal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmugglerProfile {
    /// Sex.
    pub sex: Sex,
    /// Age band.
    pub age_band: AgeBand,
    /// Citizenship.
    pub citizenship: Iso3,
    /// Roles played (at least one, no duplicates).
    pub roles: Vec<SmugglerRole>,
    /// Whether the smuggler was also a migrant on the movement.
    pub also_migrant: Ternary,
    /// Whether the smuggler acted within an organised criminal group.
    pub organised_group: Ternary,
    /// Report id of a movement event of the same State, if linked.
    pub linked_event: Option<ReportId>,
}

/// A price paid for smuggling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeeObservation {
    /// Route the fee covers (at least one leg, chained).
    pub route: Vec<RouteLeg>,
    /// Amount in minor units of `currency` (1 to 10^12).
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// What the amount pays for.
    pub basis: FeeBasis,
    /// How it was paid.
    pub payment_mode: PaymentMode,
    /// Day the fee was observed.
    pub observed_on: Date,
}

impl FeeObservation {
    /// Where the first leg starts (`None` only for an invalid empty route).
    pub fn origin(&self) -> Option<Iso3> {
        self.route.first().map(|l| l.from_country)
    }

    /// Where the last leg ends (`None` only for an invalid empty route).
    pub fn destination(&self) -> Option<Iso3> {
        self.route.last().map(|l| l.to_country)
    }
}

/// Fraudulent travel or identity documents (art. 3(c), 6(1)(b)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentFraudEvent {
    /// Day of detection.
    pub detected_on: Date,
    /// Type of document.
    pub document_type: DocumentType,
    /// The (purported) issuing country.
    pub issuing_country: Iso3,
    /// Kind of fraud.
    pub fraud_type: FraudType,
    /// What the document was used for.
    pub purpose: Purpose,
    /// Citizenship of the holder.
    pub holder_citizenship: Iso3,
    /// Number of documents (1 to 10,000).
    pub count: u32,
}

/// Counts of persons by sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CountsBySex {
    /// Women.
    pub female: u32,
    /// Men.
    pub male: u32,
    /// Sex unknown.
    pub unknown: u32,
}

impl CountsBySex {
    /// Sum over the three sexes.
    pub fn total(&self) -> u64 {
        u64::from(self.female) + u64::from(self.male) + u64::from(self.unknown)
    }

    /// The count for `sex`.
    pub fn get(&self, sex: Sex) -> u32 {
        match sex {
            Sex::Female => self.female,
            Sex::Male => self.male,
            Sex::Unknown => self.unknown,
        }
    }
}

/// A fine imposed, in minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fine {
    /// Amount in minor units (1 to 10^12).
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
}

/// One stage of proceedings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Proceeding {
    /// Stage.
    pub stage: Stage,
    /// Day of the decision (`None` while pending, required otherwise).
    pub decided_on: Option<Date>,
    /// Outcome.
    pub outcome: Outcome,
    /// Custodial sentence in months, 0 for none (convictions only; at most 600).
    pub sentence_months: u32,
    /// Fine imposed (convictions only).
    pub fine: Option<Fine>,
}

/// An investigation or prosecution of smuggling of migrants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CriminalJusticeCase {
    /// Opaque case reference (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub case_ref: String,
    /// Offences (at least one, no duplicates).
    pub offences: Vec<Offence>,
    /// ICCS classification.
    pub iccs: IccsCode,
    /// Aggravating circumstances (no duplicates).
    pub aggravations: Vec<Aggravation>,
    /// Benefit obtained.
    pub benefit: Benefit,
    /// Whether a humanitarian motive was claimed.
    pub humanitarian_motive_claimed: Ternary,
    /// Whether trafficking in persons was charged alongside (true when `iccs` is 0204).
    pub trafficking_charged: bool,
    /// Countries involved (no duplicates).
    pub countries_involved: Vec<Iso3>,
    /// Persons suspected, by sex (if reported).
    pub persons_suspected: Option<CountsBySex>,
    /// Persons prosecuted, by sex (if reported).
    pub persons_prosecuted: Option<CountsBySex>,
    /// Persons convicted, by sex (if reported).
    pub persons_convicted: Option<CountsBySex>,
    /// Stages of proceedings, in order.
    pub proceedings: Vec<Proceeding>,
}

/// The record a report holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Body {
    /// A detected irregular movement.
    Movement(MovementEvent),
    /// A suspected smuggler.
    Smuggler(SmugglerProfile),
    /// A price paid for smuggling.
    Fee(FeeObservation),
    /// Fraudulent documents.
    Document(DocumentFraudEvent),
    /// An investigation or prosecution.
    Case(CriminalJusticeCase),
}

impl Body {
    /// Which record type this is.
    pub fn record_type(&self) -> RecordType {
        match self {
            Body::Movement(_) => RecordType::Movement,
            Body::Smuggler(_) => RecordType::Smuggler,
            Body::Fee(_) => RecordType::Fee,
            Body::Document(_) => RecordType::Document,
            Body::Case(_) => RecordType::Case,
        }
    }
}

/// One version of a report.
///
/// The status is not stored: a report with a body is active, one without is a
/// retraction ([`Report::status`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Report {
    /// Stable id across versions.
    pub report_id: ReportId,
    /// 1 for the first version, then 2, 3, ...
    pub version: u32,
    /// SHA-256 of the envelope bytes of the version this one replaces: `None` for
    /// version 1, `Some` for every later version.
    pub supersedes: Option<Hash>,
    /// The reporting State.
    pub reporting_state: Iso3,
    /// The reporting agency.
    pub agency: Agency,
    /// Focal point that signed (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub focal_point_id: String,
    /// Registered signing key used (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub key_id: String,
    /// What the report is about (required for retractions too).
    pub observed: Observed,
    /// When the submitter made it (informative only).
    pub submitted_at: Timestamp,
    /// The record; `None` for a retraction.
    pub body: Option<Body>,
}

impl Report {
    /// Record type of the body; `None` for a retraction.
    pub fn record_type(&self) -> Option<RecordType> {
        self.body.as_ref().map(Body::record_type)
    }

    /// Active if the report has a body, retracted otherwise.
    pub fn status(&self) -> ReportStatus {
        if self.body.is_some() {
            ReportStatus::Active
        } else {
            ReportStatus::Retracted
        }
    }

    /// Whether this version is a retraction.
    pub fn is_retraction(&self) -> bool {
        self.body.is_none()
    }

    /// First observed day (the day, or the start of the period).
    pub fn observed_start(&self) -> Date {
        self.observed.start()
    }

    /// Last observed day (the day, or the end of the period).
    pub fn observed_end(&self) -> Date {
        self.observed.end()
    }

    /// First and last observed day.
    pub fn observed_range(&self) -> (Date, Date) {
        (self.observed.start(), self.observed.end())
    }
}

#[doc(hidden)]
pub mod examples;
