//! Strings of the operator pages.

/// The operator pages.
pub struct Operator {
    pub title: &'static str,
}

/// English.
pub const EN: Operator = Operator {
    title: "Operator",
};
