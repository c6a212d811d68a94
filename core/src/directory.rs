//! The directory of competent authorities (design 08-directory.md): who to contact for
//! what, by which means, in which languages, under which legal requirements, and what to
//! do in urgent cases.
//!
//! Each State publishes its own [`Directory`], signed by its node as a DSSE envelope of
//! payload type [`vrs_proto::DIRECTORY_PAYLOAD_TYPE`] whose payload is a
//! `vrs.v1.Directory`. A version replaces the whole directory (a withdrawn entry is a
//! new version without it); only strictly newer versions are taken ([`check_newer`]).
//!
//! The JSON form (what `vrs directory publish` reads and `vrs template directory`
//! writes) is [`Directory`] with serde; the signed form is its protobuf message. Every
//! directory, from either side, is validated by one walk over the protobuf message
//! ([`crate::wire::directory_from_pb`]), so that every violation names its field by its protobuf path, e.g.
//! `entries[1].languages[0]`, and all of them are reported at once:
//!
//! * `state` an ISO 3166-1 alpha-3 code; `version` at least 1; `issued_on` and each
//!   `last_reviewed` a day that exists, not after today (if given);
//! * at most [`MAX_ENTRIES`] entries, each with a unique `id` (`[A-Za-z0-9._-]`, 1 to 64);
//! * `authority` required; `kind` a known kind; `competences` at least one known value,
//!   no duplicates; `contacts` 1 to [`MAX_CONTACTS`], each with a known means and a value;
//!   `languages` 1 to [`MAX_LANGUAGES`] ISO 639-1 codes, no duplicates; `time_zone` an
//!   IANA-style name (`Area/Location`, or `UTC`);
//! * every text is plain text: no control characters but line breaks and tabs, no
//!   markup (`<` or `>`), and at most its limit ([`MAX_NAME`], [`MAX_TEXT`], ...);
//! * the payload at most [`MAX_DIRECTORY_BYTES`], checked before it is parsed, and its
//!   signature verified before that.

use serde::{Deserialize, Serialize};

use crate::codes::Date;
use crate::envelope::Envelope;
use crate::validate::{Checker, Violations};

/// Largest directory payload.
pub const MAX_DIRECTORY_BYTES: usize = 256 * 1024;
/// Most entries in one State's directory.
pub const MAX_ENTRIES: usize = 100;
/// Most contacts of one entry.
pub const MAX_CONTACTS: usize = 16;
/// Most languages of one entry.
pub const MAX_LANGUAGES: usize = 16;
/// Longest authority name or contact value, in characters.
pub const MAX_NAME: usize = 200;
/// Longest hours text, in characters.
pub const MAX_HOURS: usize = 200;
/// Longest legal-requirements or urgent-procedure text, in characters.
pub const MAX_TEXT: usize = 4_000;
/// Longest time-zone name.
pub const MAX_TIME_ZONE: usize = 64;

/// ISO 639-1 language codes, sorted.
pub const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// Whether `code` is an ISO 639-1 language code (lower case).
pub fn is_language(code: &str) -> bool {
    ISO_639_1.binary_search(&code).is_ok()
}

/// One State's directory (the JSON form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// The publishing State (ISO 3166-1 alpha-3).
    pub state: String,
    /// Version, from 1.
    pub version: u32,
    /// The day this version was published (YYYY-MM-DD).
    pub issued_on: String,
    /// The entries.
    #[serde(default)]
    pub entries: Vec<Entry>,
}

/// One competent authority (the JSON form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id in the State's directory.
    pub id: String,
    /// Name of the authority.
    pub authority: String,
    /// Kind of authority.
    pub kind: Kind,
    /// What it is competent for.
    pub competences: Vec<Competence>,
    /// How it is reached (functional contacts only).
    pub contacts: Vec<Contact>,
    /// ISO 639-1 codes of the languages requests are accepted in.
    pub languages: Vec<String>,
    /// Legal requirements for cooperation.
    #[serde(default)]
    pub legal_requirements: String,
    /// What to do in urgent cases.
    #[serde(default)]
    pub urgent_procedure: String,
    /// Office hours.
    #[serde(default)]
    pub hours: String,
    /// IANA time zone of the hours.
    pub time_zone: String,
    /// The day the entry was last reviewed.
    pub last_reviewed: String,
}

/// One means of communication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Which means.
    pub means: Means,
    /// The address, number or channel.
    pub value: String,
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, { $($(#[$vm:meta])* $v:ident = $code:literal, $s:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v = $code,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &[$name] = &[$($name::$v,)+];

            /// The JSON (and command-line) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }

            /// The value of a JSON (or command-line) name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// The protobuf enum number (the same as `vrs.v1`'s).
            pub fn code(self) -> i32 {
                self as i32
            }

            /// The value of a protobuf enum number (none for 0, unspecified).
            pub fn from_code(code: i32) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// What kind of authority an entry is.
    Kind, {
        /// Central authority for mutual legal assistance.
        MlaCentralAuthority = 1, "mla_central_authority";
        /// Central authority for extradition.
        ExtraditionAuthority = 2, "extradition_authority";
        /// Law-enforcement contact point.
        LawEnforcementContact = 3, "law_enforcement_contact";
        /// The VRS focal point office.
        FocalPointOffice = 4, "focal_point_office";
        /// Prosecution service.
        ProsecutionService = 5, "prosecution_service";
        /// Another kind.
        Other = 6, "other";
    }
);

code_enum!(
    /// A matter an authority is competent for.
    Competence, {
        /// Smuggling of migrants.
        SmugglingOfMigrants = 1, "smuggling_of_migrants";
        /// Conduct related to smuggling.
        RelatedConduct = 2, "related_conduct";
        /// Trafficking in persons.
        TraffickingInPersons = 3, "trafficking_in_persons";
    }
);

code_enum!(
    /// How an authority is reached.
    Means, {
        /// A functional (not personal) mailbox.
        FunctionalMailbox = 1, "functional_mailbox";
        /// A phone number.
        Phone = 2, "phone";
        /// A secure channel, named.
        SecureChannel = 3, "secure_channel";
        /// A postal address.
        PostalAddress = 4, "postal_address";
    }
);

/// Why a directory was refused.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Not valid JSON of a directory.
    #[error("not a directory: {0}")]
    Json(String),
    /// The payload does not decode, or is too large.
    #[error("undecodable directory: {0}")]
    Decode(String),
    /// The envelope's signature does not verify under the origin's key.
    #[error("signature: {0}")]
    Signature(#[from] crate::envelope::EnvelopeError),
    /// It breaks the rules.
    #[error("invalid directory: {0}")]
    Invalid(Violations),
    /// Issued on a day before the version held was.
    #[error("issued on {issued}, before the version held (issued on {held})")]
    IssuedBefore {
        /// The day the held version was issued.
        held: String,
        /// The day the offered one says.
        issued: String,
    },
    /// Not newer than the version held.
    #[error("version {offered} is not newer than the version {held} held")]
    NotNewer {
        /// The version held.
        held: u32,
        /// The version offered.
        offered: u32,
    },
}

impl Directory {
    /// Reads the JSON form and validates it (dates up to `today`, if given).
    pub fn from_json(json: &str, today: Option<Date>) -> Result<Directory, DirectoryError> {
        if json.len() > MAX_DIRECTORY_BYTES {
            return Err(DirectoryError::Json(format!(
                "{} bytes, more than {MAX_DIRECTORY_BYTES}",
                json.len()
            )));
        }
        let d: Directory =
            serde_json::from_str(json).map_err(|e| DirectoryError::Json(e.to_string()))?;
        crate::wire::directory_from_pb(&crate::wire::directory_to_pb(&d), today)
    }

    /// The entries that match every filter given (competence, language, kind).
    pub fn search(
        &self,
        competence: Option<Competence>,
        language: Option<&str>,
        kind: Option<Kind>,
    ) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| {
            competence.is_none_or(|c| e.competences.contains(&c))
                && language.is_none_or(|l| e.languages.iter().any(|x| x == l))
                && kind.is_none_or(|k| e.kind == k)
        })
    }

    /// An example to fill in (what `vrs template directory` writes).
    pub fn template(state: &str, today: Date) -> Directory {
        Directory {
            state: state.to_owned(),
            version: 1,
            issued_on: today.to_string(),
            entries: vec![Entry {
                id: "mla-central-authority".into(),
                authority: "Ministry of Justice, Central Authority for Mutual Legal Assistance"
                    .into(),
                kind: Kind::MlaCentralAuthority,
                competences: vec![Competence::SmugglingOfMigrants, Competence::RelatedConduct],
                contacts: vec![
                    Contact {
                        means: Means::FunctionalMailbox,
                        value: "mla@justice.example".into(),
                    },
                    Contact {
                        means: Means::Phone,
                        value: "+00 0 000 0000".into(),
                    },
                ],
                languages: vec!["en".into(), "fr".into()],
                legal_requirements: "Requests in writing, with a translation into one of the accepted languages; dual criminality is not required for smuggling of migrants.".into(),
                urgent_procedure: "Send the request by functional mailbox and call the duty line; the original follows within 30 days.".into(),
                hours: "Mon-Fri 08:00-16:00".into(),
                time_zone: "UTC".into(),
                last_reviewed: today.to_string(),
            }],
        }
    }
}

/// Plain text: no control characters but line breaks and tabs, no markup.
pub(crate) fn plain_text(c: &mut Checker, field: String, s: &str, max: usize, required: bool) {
    if s.trim().is_empty() {
        if required {
            c.push(field, s, "required");
        }
        return;
    }
    let chars = s.chars().count();
    if chars > max {
        c.push(field, s, format!("{chars} characters, more than {max}"));
    } else if s.chars().any(|ch| {
        (ch.is_control() && ch != '\n' && ch != '\t')
            || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        c.push(
            field,
            s,
            "control characters are not allowed (plain text only)",
        );
    } else if s.contains(['<', '>']) {
        c.push(field, s, "markup is not allowed (plain text only)");
    }
}

pub(crate) fn time_zone(c: &mut Checker, field: String, s: &str) {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    };
    let ok = s.len() <= MAX_TIME_ZONE
        && (s == "UTC"
            || (s.contains('/')
                && s.split('/').all(part_ok)
                && s.as_bytes()[0].is_ascii_uppercase()));
    if !ok {
        c.push(
            field,
            s,
            "not an IANA time zone name (e.g. Europe/Athens, or UTC)",
        );
    }
}

/// Verifies `envelope` under the origin's `public_key`, then decodes and validates its
/// payload (no date bound: it was valid when its origin signed it). The signature is
/// checked before anything is parsed.
pub fn open_directory(envelope: &Envelope, public_key: &[u8]) -> Result<Directory, DirectoryError> {
    envelope.verify(vrs_proto::DIRECTORY_PAYLOAD_TYPE, public_key)?;
    crate::wire::decode_directory(&envelope.payload)
}

/// Accepts `offered` only when strictly newer than `held` (the version held, if any).
pub fn check_newer(held: Option<u32>, offered: u32) -> Result<(), DirectoryError> {
    match held {
        Some(held) if offered <= held => Err(DirectoryError::NotNewer { held, offered }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
