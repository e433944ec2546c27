//! The weighted L2 value tables of [`super::data`], each text mapped once with the domain's `from_l2`.
//!
//! Mapping once (rather than per voter) keeps generation fast — `from_l2` lower-cases into a new
//! `String` — while the `Voter`'s enums still come from the domain's own mapping of the very text written
//! to the CSV.

use super::data::{self, Weighted};
use super::rng::Rng;
use std::sync::LazyLock;
use winserve_domain::{
    Education, Ethnicity, Gender, Homeowner, Language, MaritalStatus, PartyGroup, VoterStatus,
    YesNo, YesUnknown,
};

/// A weighted table of L2 texts with their mapped values.
#[derive(Debug)]
pub(crate) struct Table<E> {
    entries: Vec<(&'static str, u32, E)>,
    total: u32,
}

impl<E: Copy> Table<E> {
    fn new(raw: &Weighted, map: impl Fn(&str) -> E) -> Self {
        Self {
            entries: raw
                .iter()
                .map(|&(text, weight)| (text, weight, map(text)))
                .collect(),
            total: raw.iter().map(|(_, w)| *w).sum(),
        }
    }

    /// Draws a text and its value.
    #[inline]
    pub(crate) fn draw(&self, rng: &mut Rng) -> (&'static str, E) {
        let mut r = rng.below(u64::from(self.total)) as u32;
        for &(text, weight, value) in &self.entries {
            if r < weight {
                return (text, value);
            }
            r -= weight;
        }
        let (text, _, value) = self.entries[self.entries.len() - 1];
        (text, value)
    }
}

/// Every table.
#[derive(Debug)]
pub(crate) struct Tables {
    pub gender: Table<Gender>,
    pub party: Table<PartyGroup>,
    pub status_young: Table<VoterStatus>,
    pub status_old: Table<VoterStatus>,
    pub status_other: Table<VoterStatus>,
    pub marital_young: Table<MaritalStatus>,
    pub marital_other: Table<MaritalStatus>,
    pub children_parents: Table<YesNo>,
    pub children_other: Table<YesNo>,
    pub homeowner_young: Table<Homeowner>,
    pub homeowner_other: Table<Homeowner>,
    pub education: Table<Education>,
    pub ethnicity: Table<Ethnicity>,
    pub language_hispanic: Table<Language>,
    pub language_asian: Table<Language>,
    pub language_other: Table<Language>,
    pub suffix: Table<()>,
    pub street_suffix: Table<()>,
    /// `Yes` (veteran, business owner) and the empty text, mapped.
    pub yes: (&'static str, YesUnknown),
    /// The empty text, mapped.
    pub blank: (&'static str, YesUnknown),
}

/// The tables, built on first use.
pub(crate) static TABLES: LazyLock<Tables> = LazyLock::new(|| Tables {
    gender: Table::new(data::GENDERS, Gender::from_l2),
    party: Table::new(data::PARTIES, PartyGroup::from_l2),
    status_young: Table::new(data::STATUS_YOUNG, VoterStatus::from_l2),
    status_old: Table::new(data::STATUS_OLD, VoterStatus::from_l2),
    status_other: Table::new(data::STATUS_OTHER, VoterStatus::from_l2),
    marital_young: Table::new(data::MARITAL_YOUNG, MaritalStatus::from_l2),
    marital_other: Table::new(data::MARITAL_OTHER, MaritalStatus::from_l2),
    children_parents: Table::new(data::CHILDREN_PARENTS, YesNo::from_l2),
    children_other: Table::new(data::CHILDREN_OTHER, YesNo::from_l2),
    homeowner_young: Table::new(data::HOMEOWNER_YOUNG, Homeowner::from_l2),
    homeowner_other: Table::new(data::HOMEOWNER_OTHER, Homeowner::from_l2),
    education: Table::new(data::EDUCATION, Education::from_l2),
    ethnicity: Table::new(data::ETHNICITIES, Ethnicity::from_l2),
    language_hispanic: Table::new(data::LANGUAGE_HISPANIC, Language::from_l2),
    language_asian: Table::new(data::LANGUAGE_ASIAN, Language::from_l2),
    language_other: Table::new(data::LANGUAGE_OTHER, Language::from_l2),
    suffix: Table::new(data::SUFFIXES, |_| ()),
    street_suffix: Table::new(data::STREET_SUFFIXES, |_| ()),
    yes: ("Yes", YesUnknown::from_l2("Yes")),
    blank: ("", YesUnknown::from_l2("")),
});
