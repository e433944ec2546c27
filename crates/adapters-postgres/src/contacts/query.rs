//! Building the contacts queries: fixed SQL fragments with numbered bind parameters — user input only
//! ever travels as a bound value.
//!
//! The hot filter columns (cell phone, landline, address, voter status, party, age bracket) live in
//! `voter_districts` and in `district_facets`; the other criteria are bits of `voter_districts.attributes`
//! (their totals remembered in `filter_counts`, ADR 0016); only the search needs the `voters` row.
//!
//! Statements name the state's partitions (`voters_wy`, …) so that PostgreSQL reuses their generic plans
//! (ADR 0015).

use super::row::voter_columns;
use crate::partitions::{self, StatePartitions};
pub(crate) use crate::sql::Sql;
use winserve_application::{ContactCursor, ContactFilter};
use winserve_domain::{
    District, PartyPolicy, STATEWIDE_L2_TYPE, SegmentCriteria, StateCode, VoterId,
};

fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<String> {
    values.iter().map(|v| name(*v).to_owned()).collect()
}

/// Whether the filter needs columns of `voters`: only a search does; every criterion is answered from
/// the membership index.
fn needs_voters(filter: &ContactFilter) -> bool {
    filter.search.is_some()
}

/// Whether the filter's total can be summed from `district_facets` (hot criteria only, no search).
pub(super) fn facets_suffice(filter: &ContactFilter) -> bool {
    filter.search.is_none() && filter.criteria.attribute_masks().is_empty()
}

/// Appends ` AND …` for the criteria outside the hot set: one bit test per criterion on
/// `vd.attributes` (see `winserve_domain::attributes`).
fn attribute_conditions(mut sql: Sql, criteria: &SegmentCriteria) -> Sql {
    for mask in criteria.attribute_masks() {
        sql = sql
            .push(" AND (vd.attributes & ")
            .bigint(mask)
            .push(") <> 0");
    }
    sql
}

/// Appends ` AND …` for the hot criteria, on the table aliased `alias` (`vd` or `f`).
pub(super) fn hot_conditions(mut sql: Sql, criteria: &SegmentCriteria, alias: &str) -> Sql {
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
pub(super) fn total_remembered(filter: &ContactFilter) -> bool {
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

/// Appends ` AND …` for the search, on `voters` (aliased `v`).
fn voter_conditions(mut sql: Sql, filter: &ContactFilter) -> Sql {
    if let Some(search) = &filter.search {
        // The district once more, on `voters`: with the words it makes one condition of the
        // `voters_search` GIN index, which then yields only this district's matches (ADR 0014). Every
        // voter of a state is in its statewide district, so there the words alone are the condition.
        if filter.district.l2_type.as_str() != STATEWIDE_L2_TYPE {
            sql = sql
                .push(" AND v.district_ids @> ARRAY[")
                .uuid(filter.district.id.as_uuid())
                .push("]::uuid[]");
        }
        // Every word starts a word of the search document; a phone-like query may instead start a phone
        // number, its local number, or be its last four digits (`winserve_domain::search`, ADR 0022).
        // The index is asked for the text anywhere (`LIKE '%word%'`: the trigrams inside the word), and
        // the word start is checked on the rows it yields (`strpos`, which no index answers): a pattern
        // with the blank before the word would make pg_trgm fetch the blank-padded trigrams of the
        // word's first letters, shared by every word that starts with them. Values are bound, never
        // spliced into the statement.
        let phone = search
            .phone()
            .map(|digits| (digits, search.phone_needles()));
        sql = sql.push(if phone.is_some() { " AND ((" } else { " AND (" });
        for (i, (word, needle)) in search.words().iter().zip(search.word_needles()).enumerate() {
            if i > 0 {
                sql = sql.push(" AND ");
            }
            sql = sql
                .push("v.search_text LIKE ")
                .text(format!("%{word}%"))
                .push(" AND strpos(v.search_text, ")
                .text(needle)
                .push(") > 0");
        }
        if let Some((digits, needles)) = phone {
            sql = sql
                .push(") OR (v.search_text LIKE ")
                .text(format!("%{digits}%"))
                .push(" AND (");
            for (i, needle) in needles.into_iter().enumerate() {
                if i > 0 {
                    sql = sql.push(" OR ");
                }
                sql = sql
                    .push("strpos(v.search_text, ")
                    .text(needle)
                    .push(") > 0");
            }
            sql = sql.push("))");
        }
        sql = sql.push(")");
    }
    sql
}

/// `FROM <the state's voter_districts partition> vd [JOIN <its voters partition> v] WHERE <district>
/// <filters>`; the join is made when the filter needs it or `with_voters` asks for the voters' columns.
/// The partitions are named directly so that the statement's generic plan is reused (`partitions`).
pub(crate) fn from_where_joined(sql: Sql, filter: &ContactFilter, with_voters: bool) -> Sql {
    let parts = partitions::of(&filter.district.state);
    let mut sql = sql.push(" FROM ").push(parts.memberships).push(" vd");
    let join = with_voters || needs_voters(filter);
    if join {
        sql = join_voters(sql.push(" JOIN "), parts, &filter.district.state, "vd");
    }
    // The state as well, although the partition holds only its rows: distributed by state (ADR 0011),
    // it is what routes the statement to one shard.
    sql = sql
        .push(" WHERE vd.state = ")
        .text(filter.district.state.to_string())
        .push(" AND vd.district_id = ")
        .uuid(filter.district.id.as_uuid());
    sql = hot_conditions(sql, &filter.criteria, "vd");
    sql = attribute_conditions(sql, &filter.criteria);
    if join {
        sql = voter_conditions(sql, filter);
    }
    sql
}

/// `<voters partition> v ON v.state = $state AND v.id = <keys>.voter_id`: the state as a bound value, so
/// the lookup uses both columns of the primary key `(state, id)`.
pub(super) fn join_voters(sql: Sql, parts: StatePartitions, state: &StateCode, keys: &str) -> Sql {
    sql.push(parts.voters)
        .push(" v ON v.state = ")
        .text(state.to_string())
        .push(&format!(" AND v.id = {keys}.voter_id"))
}

/// Whether the filter is a search and nothing else: then `voters` alone answers it — the words, the
/// district (`district_ids`) and the sort keys are all there — without the district's memberships.
pub(super) fn search_only(filter: &ContactFilter) -> bool {
    filter.search.is_some() && filter.criteria == SegmentCriteria::default()
}

/// `FROM <the state's voters partition> v WHERE <state> <district and words>`, for [`search_only`] filters.
pub(super) fn search_from_where(sql: Sql, filter: &ContactFilter) -> Sql {
    let sql = sql
        .push(" FROM ")
        .push(partitions::of(&filter.district.state).voters)
        .push(" v WHERE v.state = ")
        .text(filter.district.state.to_string());
    voter_conditions(sql, filter)
}

/// [`from_where_joined`] joining voters only when the filter needs it.
pub(super) fn from_where(sql: Sql, filter: &ContactFilter) -> Sql {
    from_where_joined(sql, filter, false)
}

/// The exact number of contacts matching `filter`, appended to `sql` as a `SELECT` of `total` and
/// `counted_version`:
/// - without a search, the total remembered in `filter_counts` at the state's current data version is
///   reused; otherwise it is counted — summed from the district's facets for a filter over hot columns
///   only, counted live over the memberships for one over other criteria — and `counted_version` is that
///   data version, for [`PgStore::remember_total`] (ADR 0016). The count is an InitPlan of `coalesce`,
///   which PostgreSQL runs only when no total is remembered;
/// - a search counts live (`counted_version` NULL: not remembered).
pub(super) fn count_sql(sql: Sql, filter: &ContactFilter) -> Sql {
    if !total_remembered(filter) {
        let sql = sql.push("SELECT count(*)::bigint AS total, NULL::bigint AS counted_version");
        return if search_only(filter) {
            search_from_where(sql, filter)
        } else {
            from_where(sql, filter)
        };
    }
    let sql = sql.push("SELECT coalesce(r.voters, (");
    let sql = if facets_suffice(filter) {
        let sql = sql
            .push("SELECT coalesce(sum(f.voters), 0) FROM district_facets f WHERE f.district_id = ")
            .uuid(filter.district.id.as_uuid());
        hot_conditions(sql, &filter.criteria, "f")
    } else {
        from_where(sql.push("SELECT count(*) FROM (SELECT 1"), filter).push(") AS live")
    };
    let sql = sql.push(
        "))::bigint AS total, CASE WHEN r.voters IS NULL THEN d.version END AS counted_version \
         FROM (SELECT ",
    );
    current_version(sql, &filter.district.state)
        .push("::bigint AS version) AS d LEFT JOIN filter_counts r ON r.district_id = ")
        .uuid(filter.district.id.as_uuid())
        .push(" AND r.filter_key = ")
        .text(filter_key(&filter.criteria))
        .push(" AND r.data_version = d.version")
}

/// `coalesce(<the current version of the state's voter data>, 0)` (ADR 0016), read in the statement's
/// snapshot.
pub(super) fn current_version(sql: Sql, state: &StateCode) -> Sql {
    sql.push("coalesce((SELECT v.version FROM voter_data_versions v WHERE v.state = ")
        .text(state.to_string())
        .push("), 0)")
}

/// ` AND <the contacts order> > <cursor>`.
pub(super) fn after(sql: Sql, c: &ContactCursor) -> Sql {
    sql.push(" AND (vd.last_name_key, vd.first_name_key, vd.voter_id) > (")
        .text(c.last_name_key.clone())
        .push(", ")
        .text(c.first_name_key.clone())
        .push(", ")
        .uuid(c.voter_id.as_uuid())
        .push(")")
}

/// ` FROM <memberships> vd JOIN <voters> v ON … WHERE <the district>`: every member of `district` with
/// its voter's row, in the state's partitions.
pub(super) fn district_members(sql: Sql, district: &District) -> Sql {
    let parts = partitions::of(&district.state);
    let sql = sql.push(" FROM ").push(parts.memberships).push(" vd JOIN ");
    join_voters(sql, parts, &district.state, "vd")
        .push(" WHERE vd.state = ")
        .text(district.state.to_string())
        .push(" AND vd.district_id = ")
        .uuid(district.id.as_uuid())
}

/// The contact `id` of `district`, if it is one: `SELECT <the row> FROM <memberships> vd JOIN <voters> v
/// WHERE <district and voter>`.
pub(super) fn find_sql(district: &District, policy: PartyPolicy, id: VoterId) -> Sql {
    let sql = Sql::new("SELECT vd.last_name_key, vd.first_name_key, ").push(voter_columns(policy));
    district_members(sql, district)
        .push(" AND vd.voter_id = ")
        .uuid(id.as_uuid())
}

/// Every contact matching `filter`, in contacts order.
pub(super) fn export_sql(filter: &ContactFilter) -> Sql {
    let sql = from_where_joined(
        Sql::new("SELECT vd.last_name_key, vd.first_name_key, ").push(voter_columns(filter.policy)),
        filter,
        true,
    );
    sql.push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id")
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
}
