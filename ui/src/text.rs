//! Every string a person reads in the workspace, in one catalogue (English now; the UN
//! works in six languages, and a translation is one more value of [`Text`]). A page
//! writes `t().focal.new_report`, never a literal: a string missing from the catalogue
//! does not compile. Each area of pages keeps its part in a file of its own.

pub mod auditor;
pub mod common;
pub mod directory;
pub mod focal;
pub mod operator;
pub mod secretariat;

/// The catalogue of one language.
pub struct Text {
    /// BCP 47 language tag (the `lang` of every page).
    pub lang: &'static str,
    /// What every page shares: header, navigation, refusals.
    pub common: common::Common,
    /// The focal point's pages.
    pub focal: focal::Focal,
    /// The secretariat's dashboard.
    pub secretariat: secretariat::Secretariat,
    /// The operator's pages.
    pub operator: operator::Operator,
    /// The auditor's pages.
    pub auditor: auditor::Auditor,
    /// The directory of competent authorities (every role).
    pub directory: directory::DirectoryText,
}

/// English.
pub static EN: Text = Text {
    lang: "en",
    common: common::EN,
    focal: focal::EN,
    secretariat: secretariat::EN,
    operator: operator::EN,
    auditor: auditor::EN,
    directory: directory::EN,
};

/// The catalogue in use.
pub fn t() -> &'static Text {
    &EN
}
