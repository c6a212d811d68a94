//! Strings of the focal pages.

/// The focal pages.
pub struct Focal {
    pub title: &'static str,
}

/// English.
pub const EN: Focal = Focal {
    title: "Focal",
};
