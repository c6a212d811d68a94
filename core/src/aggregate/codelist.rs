//! The code lists of the tables' dimensions: the report enums', ISO 3166-1 and ISO 4217,
//! with their labels.

use crate::codes::{self, TOTAL, UNKNOWN};
use crate::report::CodeListSpec;

/// The codes of one dimension (the total `_T` is not listed: every dimension has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeList {
    /// A closed report list ([`CODE_LISTS`](crate::report::CODE_LISTS)), in schema order.
    Enum(&'static CodeListSpec),
    /// A closed report list, then `_U` (not reported).
    EnumOrUnknown(&'static CodeListSpec),
    /// Every ISO 3166-1 alpha-3 code ([`codes::COUNTRIES`]), alphabetical.
    Countries,
    /// Every ISO 3166-1 alpha-3 code, then `_U` (unknown).
    CountriesOrUnknown,
    /// Every ISO 4217 alphabetic code ([`codes::CURRENCIES`]), alphabetical.
    Currencies,
}

/// Label of the total `_T`.
pub const TOTAL_LABEL: &str = "Total";
/// Label of the `_U` a list adds to its codes (a route or proceedings not reported).
pub const UNKNOWN_LABEL: &str = "Unknown";

impl CodeList {
    /// Number of codes (without `_T`).
    pub fn len(&self) -> usize {
        match self {
            CodeList::Enum(spec) => spec.values.len(),
            CodeList::EnumOrUnknown(spec) => spec.values.len() + 1,
            CodeList::Countries => codes::COUNTRIES.len(),
            CodeList::CountriesOrUnknown => codes::COUNTRIES.len() + 1,
            CodeList::Currencies => codes::CURRENCIES.len(),
        }
    }

    /// Whether the list is empty (never, for the tables' lists).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code at `index`.
    pub fn get(&self, index: usize) -> Option<&'static str> {
        match self {
            CodeList::Enum(spec) => spec.values.get(index).map(|v| v.code),
            CodeList::EnumOrUnknown(spec) => match spec.values.get(index) {
                Some(v) => Some(v.code),
                None => (index == spec.values.len()).then_some(UNKNOWN),
            },
            CodeList::Countries => codes::COUNTRIES.get(index).map(|c| c.alpha3),
            CodeList::CountriesOrUnknown => match codes::COUNTRIES.get(index) {
                Some(c) => Some(c.alpha3),
                None => (index == codes::COUNTRIES.len()).then_some(UNKNOWN),
            },
            CodeList::Currencies => codes::CURRENCIES.get(index).map(|c| c.code),
        }
    }

    /// Position of `code` in the list (`None` for `_T` and codes outside the list).
    pub fn position(&self, code: &str) -> Option<usize> {
        match self {
            CodeList::Enum(spec) => spec.values.iter().position(|v| v.code == code),
            CodeList::EnumOrUnknown(spec) => match code {
                UNKNOWN => Some(spec.values.len()),
                _ => CodeList::Enum(spec).position(code),
            },
            CodeList::Countries => codes::COUNTRIES
                .binary_search_by(|c| c.alpha3.cmp(code))
                .ok(),
            CodeList::CountriesOrUnknown => match code {
                UNKNOWN => Some(codes::COUNTRIES.len()),
                _ => CodeList::Countries.position(code),
            },
            CodeList::Currencies => codes::CURRENCIES
                .binary_search_by(|c| c.code.cmp(code))
                .ok(),
        }
    }

    /// The static code equal to `code`: one of the list, or `_T`.
    pub fn resolve(&self, code: &str) -> Option<&'static str> {
        if code == TOTAL {
            return Some(TOTAL);
        }
        self.position(code).and_then(|i| self.get(i))
    }

    /// The codes, in list order (without `_T`).
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    /// The English label of `code` (one of the list, or `_T`): the report enum's label,
    /// the ISO 3166-1 or ISO 4217 name, [`TOTAL_LABEL`] or [`UNKNOWN_LABEL`].
    pub fn label(&self, code: &str) -> Option<&'static str> {
        match (self, code) {
            (_, TOTAL) => Some(TOTAL_LABEL),
            (CodeList::Enum(spec) | CodeList::EnumOrUnknown(spec), _) => match spec.by_code(code) {
                Some(v) => Some(v.label),
                None if matches!(self, CodeList::EnumOrUnknown(_)) && code == UNKNOWN => {
                    Some(UNKNOWN_LABEL)
                }
                None => None,
            },
            (CodeList::CountriesOrUnknown, UNKNOWN) => Some(UNKNOWN_LABEL),
            (CodeList::Countries | CodeList::CountriesOrUnknown, _) => {
                codes::find_country(code).map(|c| c.name)
            }
            (CodeList::Currencies, _) => codes::find_currency(code).map(|c| c.name),
        }
    }
}
