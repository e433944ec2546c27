//! Building the contacts queries: fixed SQL fragments with numbered bind parameters — user input only
//! ever travels as a bound value.
//!
//! The hot filter columns (cell phone, landline, address, voter status, party, age bracket) live in
//! `voter_districts` and in `district_facets`; the other criteria and the search need the `voters` row.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, Bool, Integer, Text};
use winserve_domain::{IncomeRange, SegmentCriteria};
use winserve_ports::ContactFilter;

/// A query under construction, numbering its placeholders.
pub(crate) struct Sql {
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
    binds: usize,
}

impl Sql {
    /// Starts a query with `text`.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            query: diesel::sql_query(text).into_boxed(),
            binds: 0,
        }
    }

    /// Appends fixed SQL.
    pub(crate) fn push(mut self, text: &str) -> Self {
        self.query = self.query.sql(text);
        self
    }

    fn placeholder(&mut self) -> String {
        self.binds += 1;
        format!("${}", self.binds)
    }

    /// Appends a text parameter.
    pub(crate) fn text(mut self, value: String) -> Self {
        let p = self.placeholder();
        self.query = self.query.sql(p).bind::<Text, _>(value);
        self
    }

    /// Appends a text-array parameter.
    pub(crate) fn texts(mut self, values: Vec<String>) -> Self {
        let p = self.placeholder();
        self.query = self.query.sql(p).bind::<Array<Text>, _>(values);
        self
    }

    /// Appends a boolean parameter.
    pub(crate) fn boolean(mut self, value: bool) -> Self {
        let p = self.placeholder();
        self.query = self.query.sql(p).bind::<Bool, _>(value);
        self
    }

    /// Appends an integer parameter.
    pub(crate) fn int(mut self, value: i32) -> Self {
        let p = self.placeholder();
        self.query = self.query.sql(p).bind::<Integer, _>(value);
        self
    }

    /// Appends a bigint parameter.
    pub(crate) fn bigint(mut self, value: i64) -> Self {
        let p = self.placeholder();
        self.query = self
            .query
            .sql(p)
            .bind::<diesel::sql_types::BigInt, _>(value);
        self
    }

    /// Appends a UUID parameter.
    pub(crate) fn uuid(mut self, value: uuid::Uuid) -> Self {
        let p = self.placeholder();
        self.query = self.query.sql(p).bind::<diesel::sql_types::Uuid, _>(value);
        self
    }

    /// The finished query.
    pub(crate) fn build(self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        self.query
    }
}

fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<String> {
    values.iter().map(|v| name(*v).to_owned()).collect()
}

/// Whether the filter needs columns of `voters` (criteria outside the hot set, or a search).
pub(crate) fn needs_voters(filter: &ContactFilter) -> bool {
    let c = &filter.criteria;
    filter.search.is_some()
        || c.gender.is_some()
        || c.languages.is_some()
        || c.marital_status.is_some()
        || c.has_children.is_some()
        || c.veteran.is_some()
        || c.homeowner.is_some()
        || c.business_owner.is_some()
        || c.education.is_some()
        || c.ethnicity.is_some()
        || c.income_ranges.is_some()
}

/// Appends ` AND …` for the hot criteria, on the table aliased `alias` (`vd` or `f`).
pub(crate) fn hot_conditions(mut sql: Sql, criteria: &SegmentCriteria, alias: &str) -> Sql {
    let flags = [
        ("has_cell_phone", criteria.has_cell_phone),
        ("has_landline", criteria.has_landline),
        ("has_address", criteria.has_address),
    ];
    for (column, value) in flags {
        if let Some(v) = value {
            sql = sql.push(&format!(" AND {alias}.{column} = ")).boolean(v);
        }
    }
    if let Some(v) = &criteria.voter_status {
        sql = sql
            .push(&format!(" AND {alias}.voter_status = ANY("))
            .texts(names(v, |x| x.as_str()))
            .push(")");
    }
    if let Some(v) = &criteria.party {
        sql = sql
            .push(&format!(" AND {alias}.party = ANY("))
            .texts(names(v, |x| x.as_str()))
            .push(")");
    }
    if let Some(v) = &criteria.age_ranges {
        sql = sql
            .push(&format!(" AND {alias}.age_range = ANY("))
            .texts(names(v, |x| x.as_str()))
            .push(")");
    }
    sql
}

fn any(sql: Sql, column: &str, values: Vec<String>) -> Sql {
    sql.push(&format!(" AND v.{column} = ANY("))
        .texts(values)
        .push(")")
}

fn income_bounds(range: IncomeRange) -> Option<(i32, i32)> {
    Some(match range {
        IncomeRange::Under25k => (i32::MIN, 25_000),
        IncomeRange::From25kTo35k => (25_000, 35_000),
        IncomeRange::From35kTo50k => (35_000, 50_000),
        IncomeRange::From50kTo75k => (50_000, 75_000),
        IncomeRange::From75kTo100k => (75_000, 100_000),
        IncomeRange::From100kTo125k => (100_000, 125_000),
        IncomeRange::From125kTo150k => (125_000, 150_000),
        IncomeRange::From150kTo200k => (150_000, 200_000),
        IncomeRange::From200k => (200_000, i32::MAX),
        IncomeRange::Unknown => return None,
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Appends ` AND …` for the criteria and search that need `voters` (aliased `v`).
pub(crate) fn voter_conditions(mut sql: Sql, filter: &ContactFilter) -> Sql {
    let c = &filter.criteria;
    if let Some(v) = &c.gender {
        sql = any(sql, "gender", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.languages {
        sql = any(sql, "language", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.marital_status {
        sql = any(sql, "marital_status", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.has_children {
        sql = any(sql, "has_children", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.veteran {
        sql = any(sql, "veteran", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.homeowner {
        sql = any(sql, "homeowner", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.business_owner {
        sql = any(sql, "business_owner", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.education {
        sql = any(sql, "education", names(v, |x| x.as_str()));
    }
    if let Some(v) = &c.ethnicity {
        sql = any(sql, "ethnicity", names(v, |x| x.as_str()));
    }
    if let Some(ranges) = &c.income_ranges {
        sql = sql.push(" AND (false");
        for range in ranges {
            sql = match income_bounds(*range) {
                Some((lo, hi)) => sql
                    .push(" OR (v.estimated_income >= ")
                    .int(lo)
                    .push(" AND v.estimated_income < ")
                    .int(hi)
                    .push(")"),
                None => sql.push(" OR v.estimated_income IS NULL"),
            };
        }
        sql = sql.push(")");
    }
    if let Some(search) = &filter.search {
        // Every word must occur in the folded names, phone digits and address (never the party).
        for word in search_words(search) {
            sql = sql
                .push(" AND v.search_text LIKE ")
                .text(format!("%{}%", like_escape(&word)));
        }
    }
    sql
}

/// The words of a folded search; a phone number (digits with punctuation) becomes its digits.
pub(crate) fn search_words(search: &str) -> Vec<String> {
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let phone_like = digits.len() >= 3
        && search
            .chars()
            .all(|c| c.is_ascii_digit() || " ()-.+".contains(c));
    if phone_like {
        return vec![digits];
    }
    search
        .split_whitespace()
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn phone_searches_become_digits() {
        assert_eq!(search_words("(307) 555-01"), vec!["30755501".to_owned()]);
        assert_eq!(
            search_words("jose nunez"),
            vec!["jose".to_owned(), "nunez".to_owned()]
        );
        assert_eq!(search_words("12 main st"), vec!["12", "main", "st"]);
    }
}
