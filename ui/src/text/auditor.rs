//! Strings of the auditor pages.

/// The auditor pages.
pub struct Auditor {
    pub title: &'static str,
}

/// English.
pub const EN: Auditor = Auditor {
    title: "Auditor",
};
