//! Strings of the secretariat pages.

/// The secretariat pages.
pub struct Secretariat {
    pub title: &'static str,
}

/// English.
pub const EN: Secretariat = Secretariat {
    title: "Secretariat",
};
