//! Building the contacts queries: fixed SQL fragments with numbered bind parameters — user input only
//! ever travels as a bound value.
//!
//! The hot filter columns (cell phone, landline, address, voter status, party, age bracket) live in
//! `voter_districts` and in `district_facets`; the other criteria are bits of `voter_districts.attributes`
//! (their totals remembered in `filter_counts`, ADR 0016); only the search needs the `voters` row.

pub(crate) use crate::sql::Sql;
use winserve_application::ContactFilter;
use winserve_domain::{STATEWIDE_L2_TYPE, SegmentCriteria};

fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<String> {
    values.iter().map(|v| name(*v).to_owned()).collect()
}

/// Whether the filter needs columns of `voters`: only a search does; every criterion is answered from
/// the membership index.
pub(crate) fn needs_voters(filter: &ContactFilter) -> bool {
    filter.search.is_some()
}

/// Whether the filter's total can be summed from `district_facets` (hot criteria only, no search).
pub(crate) fn facets_suffice(filter: &ContactFilter) -> bool {
    filter.search.is_none() && filter.criteria.attribute_masks().is_empty()
}

/// Appends ` AND …` for the criteria outside the hot set: one bit test per criterion on
/// `vd.attributes` (see `winserve_domain::attributes`).
pub(crate) fn attribute_conditions(mut sql: Sql, criteria: &SegmentCriteria) -> Sql {
    for mask in criteria.attribute_masks() {
        sql = sql
            .push(" AND (vd.attributes & ")
            .bigint(mask)
            .push(") <> 0");
    }
    sql
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

/// Whether the filter's exact total is remembered in `filter_counts` (ADR 0016): any filter without a
/// search (searches are free text: too many to remember).
pub(crate) fn total_remembered(filter: &ContactFilter) -> bool {
    filter.search.is_none()
}

/// The canonical form of everything a filter's total depends on besides the district: the hot criteria
/// and the attribute masks, each list sorted, so equal filters share one remembered total. Changing what
/// a key means (new criteria, another bit layout) must change its text.
pub(crate) fn filter_key(criteria: &SegmentCriteria) -> String {
    fn flag(v: Option<bool>) -> &'static str {
        match v {
            Some(true) => "t",
            Some(false) => "f",
            None => "",
        }
    }
    fn list<T: Copy>(values: &Option<Vec<T>>, name: impl Fn(T) -> &'static str) -> String {
        let Some(values) = values else {
            return String::new();
        };
        let mut names: Vec<&str> = values.iter().map(|v| name(*v)).collect();
        names.sort_unstable();
        names.dedup();
        names.join(",")
    }
    let mut masks = criteria.attribute_masks();
    masks.sort_unstable();
    masks.dedup();
    let masks: Vec<String> = masks.iter().map(i64::to_string).collect();
    format!(
        "v1;cell={};landline={};address={};status={};party={};age={};attributes={}",
        flag(criteria.has_cell_phone),
        flag(criteria.has_landline),
        flag(criteria.has_address),
        list(&criteria.voter_status, |x| x.as_str()),
        list(&criteria.party, |x| x.as_str()),
        list(&criteria.age_ranges, |x| x.as_str()),
        masks.join(",")
    )
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

/// Appends ` AND …` for the search, on `voters` (aliased `v`).
pub(crate) fn voter_conditions(mut sql: Sql, filter: &ContactFilter) -> Sql {
    if let Some(search) = &filter.search {
        // The district once more, on `voters`: with the words it makes one condition of the
        // `voters_search` GIN index, which then yields only this district's matches (ADR 0013). Every
        // voter of a state is in its statewide district, so there the words alone are the condition.
        if filter.district.l2_type.as_str() != STATEWIDE_L2_TYPE {
            sql = sql
                .push(" AND v.district_ids @> ARRAY[")
                .uuid(filter.district.id.as_uuid())
                .push("]::uuid[]");
        }
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
    fn filter_keys_are_canonical_and_tell_filters_apart() {
        use winserve_domain::{AgeRange, Education, IncomeRange, VoterStatus};
        let a = SegmentCriteria {
            education: Some(vec![Education::College, Education::Graduate]),
            voter_status: Some(vec![VoterStatus::Super, VoterStatus::Likely]),
            ..SegmentCriteria::default()
        };
        let same = SegmentCriteria {
            education: Some(vec![Education::Graduate, Education::College]),
            voter_status: Some(vec![
                VoterStatus::Likely,
                VoterStatus::Super,
                VoterStatus::Likely,
            ]),
            ..SegmentCriteria::default()
        };
        assert_eq!(filter_key(&a), filter_key(&same));
        let others = [
            SegmentCriteria {
                education: Some(vec![Education::College]),
                ..a.clone()
            },
            SegmentCriteria {
                has_cell_phone: Some(true),
                ..a.clone()
            },
            SegmentCriteria {
                has_cell_phone: Some(false),
                ..a.clone()
            },
            SegmentCriteria {
                age_ranges: Some(vec![AgeRange::From50]),
                ..a.clone()
            },
            SegmentCriteria {
                income_ranges: Some(vec![IncomeRange::ALL[0]]),
                ..a.clone()
            },
            SegmentCriteria {
                voter_status: None,
                ..a.clone()
            },
        ];
        for other in &others {
            assert_ne!(filter_key(&a), filter_key(other), "{other:?}");
        }
    }

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
