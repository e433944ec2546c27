//! The non-hot voter attributes packed into one 64-bit set, for storage next to district membership.
//!
//! Every value of every criterion outside the hot set (gender, language, marital status, children,
//! veteran, homeowner, business owner, education, ethnicity, income bracket) owns one bit. A voter sets
//! exactly one bit per criterion; a criterion's OR-list becomes a mask, and a voter matches it when
//! `attributes & mask != 0`. So any combination of these criteria is evaluated on the membership index
//! alone, without reading the wide voters table.

use crate::{
    Education, Ethnicity, Gender, Homeowner, IncomeRange, Language, MaritalStatus, SegmentCriteria,
    Voter, YesNo, YesUnknown,
};

/// Where each criterion's bits start (the order of the values is their `ALL` order).
const GENDER: u32 = 0;
const LANGUAGE: u32 = GENDER + Gender::ALL.len() as u32;
const MARITAL: u32 = LANGUAGE + Language::ALL.len() as u32;
const CHILDREN: u32 = MARITAL + MaritalStatus::ALL.len() as u32;
const VETERAN: u32 = CHILDREN + YesNo::ALL.len() as u32;
const HOMEOWNER: u32 = VETERAN + YesUnknown::ALL.len() as u32;
const BUSINESS: u32 = HOMEOWNER + Homeowner::ALL.len() as u32;
const EDUCATION: u32 = BUSINESS + YesUnknown::ALL.len() as u32;
const ETHNICITY: u32 = EDUCATION + Education::ALL.len() as u32;
const INCOME: u32 = ETHNICITY + Ethnicity::ALL.len() as u32;
/// How many bits are used (must stay below 63 so the set is a non-negative `i64`).
pub const ATTRIBUTE_BITS: u32 = INCOME + IncomeRange::ALL.len() as u32;

const _: () = assert!(ATTRIBUTE_BITS < 63);

fn bit<T: PartialEq>(offset: u32, all: &[T], value: &T) -> i64 {
    let index = all.iter().position(|v| v == value).unwrap_or(0) as u32;
    1_i64 << (offset + index)
}

fn mask<T: PartialEq>(offset: u32, all: &[T], values: &[T]) -> i64 {
    values.iter().fold(0, |m, v| m | bit(offset, all, v))
}

impl Voter {
    /// The voter's attribute set: one bit per criterion.
    pub fn attribute_bits(&self) -> i64 {
        bit(GENDER, Gender::ALL, &self.gender)
            | bit(LANGUAGE, Language::ALL, &self.language)
            | bit(MARITAL, MaritalStatus::ALL, &self.marital_status)
            | bit(CHILDREN, YesNo::ALL, &self.has_children)
            | bit(VETERAN, YesUnknown::ALL, &self.veteran)
            | bit(HOMEOWNER, Homeowner::ALL, &self.homeowner)
            | bit(BUSINESS, YesUnknown::ALL, &self.business_owner)
            | bit(EDUCATION, Education::ALL, &self.education)
            | bit(ETHNICITY, Ethnicity::ALL, &self.ethnicity)
            | bit(
                INCOME,
                IncomeRange::ALL,
                &IncomeRange::from_income(self.estimated_income),
            )
    }
}

impl SegmentCriteria {
    /// One mask per criterion set outside the hot set: a voter matches the criteria's non-hot part when
    /// its attribute set meets every mask (`attributes & mask != 0`).
    pub fn attribute_masks(&self) -> Vec<i64> {
        let mut masks = Vec::new();
        let mut add = |m: Option<i64>| masks.extend(m);
        add(self.gender.as_deref().map(|v| mask(GENDER, Gender::ALL, v)));
        add(self
            .languages
            .as_deref()
            .map(|v| mask(LANGUAGE, Language::ALL, v)));
        add(self
            .marital_status
            .as_deref()
            .map(|v| mask(MARITAL, MaritalStatus::ALL, v)));
        add(self
            .has_children
            .as_deref()
            .map(|v| mask(CHILDREN, YesNo::ALL, v)));
        add(self
            .veteran
            .as_deref()
            .map(|v| mask(VETERAN, YesUnknown::ALL, v)));
        add(self
            .homeowner
            .as_deref()
            .map(|v| mask(HOMEOWNER, Homeowner::ALL, v)));
        add(self
            .business_owner
            .as_deref()
            .map(|v| mask(BUSINESS, YesUnknown::ALL, v)));
        add(self
            .education
            .as_deref()
            .map(|v| mask(EDUCATION, Education::ALL, v)));
        add(self
            .ethnicity
            .as_deref()
            .map(|v| mask(ETHNICITY, Ethnicity::ALL, v)));
        add(self
            .income_ranges
            .as_deref()
            .map(|v| mask(INCOME, IncomeRange::ALL, v)));
        masks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter() -> Voter {
        crate::voter::tests_support::blank_voter()
    }

    fn matches(v: &Voter, c: &SegmentCriteria) -> bool {
        c.attribute_masks()
            .iter()
            .all(|m| v.attribute_bits() & m != 0)
    }

    #[test]
    fn one_bit_per_criterion() {
        assert_eq!(voter().attribute_bits().count_ones(), 10);
        assert!(voter().attribute_bits() > 0);
    }

    #[test]
    fn masks_match_exactly_the_listed_values() {
        let v = voter();
        let c = |f: fn(&mut SegmentCriteria)| {
            let mut c = SegmentCriteria::default();
            f(&mut c);
            c
        };
        assert!(matches(&v, &c(|c| c.gender = Some(vec![Gender::Female]))));
        assert!(!matches(
            &v,
            &c(|c| c.gender = Some(vec![Gender::Male, Gender::Unknown]))
        ));
        assert!(matches(
            &v,
            &c(|c| c.income_ranges = Some(vec![IncomeRange::From75kTo100k]))
        ));
        assert!(!matches(
            &v,
            &c(|c| c.income_ranges = Some(vec![IncomeRange::Unknown]))
        ));
        assert!(matches(
            &v,
            &c(|c| c.education = Some(vec![Education::Graduate, Education::College]))
        ));
        assert!(!matches(
            &v,
            &c(|c| c.business_owner = Some(vec![YesUnknown::Yes]))
        ));
        assert!(matches(&v, &c(|c| c.veteran = Some(vec![YesUnknown::Yes]))));
        // Same value names in different criteria own different bits.
        assert!(!matches(
            &v,
            &c(|c| c.has_children = Some(vec![YesNo::Yes]))
        ));
        let both = c(|c| {
            c.languages = Some(vec![Language::Es]);
            c.ethnicity = Some(vec![Ethnicity::Asian]);
        });
        assert!(!matches(&v, &both));
        assert!(SegmentCriteria::default().attribute_masks().is_empty());
    }
}
