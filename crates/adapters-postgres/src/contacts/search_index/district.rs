//! [`DistrictIndex`]: the search index of one district's contacts, in memory (ADR 0023).
//!
//! Members are numbered by their *rank* in the contacts order (last name, first name, id), as the
//! database listed them. Every distinct word of the members' search documents keeps the sorted ranks of
//! the members it occurs in, and the words are sorted, so the members with a word starting with `w` are
//! the postings of one contiguous run of words. Phone keys are numbers in sorted arrays, so a phone
//! prefix is one range. A query yields a [`Bits`] of ranks: its count is the exact total, its first set
//! ranks after a cursor are the page.
//!
//! The rule is `winserve_domain::search` applied to the stored document, exactly as the SQL applies it:
//! every query word starts a word, or (phone-like queries) a phone key matches. The hot criteria and the
//! attribute bits of segments are kept per member and tested as `contacts::query` tests them.

use super::bits::Bits;
use super::matches::Matches;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use winserve_application::ContactCursor;
use winserve_domain::{SearchQuery, SegmentCriteria};

/// A member as the index is built from it: the membership's sort keys and hot columns, and the voter's
/// search document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The voter.
    pub(crate) voter_id: Uuid,
    /// Folded last name (contacts order).
    pub(crate) last_name_key: String,
    /// Folded first name (contacts order).
    pub(crate) first_name_key: String,
    /// Hot column.
    pub(crate) has_cell_phone: bool,
    /// Hot column.
    pub(crate) has_landline: bool,
    /// Hot column.
    pub(crate) has_address: bool,
    /// Hot column (criteria value).
    pub(crate) voter_status: String,
    /// Hot column (criteria value); tested by criteria only, never returned.
    pub(crate) party: String,
    /// Hot column (criteria value).
    pub(crate) age_range: String,
    /// The other criteria, one bit per value (`winserve_domain::attributes`).
    pub(crate) attributes: i64,
    /// The search document (`winserve_domain::search::document_of`).
    pub(crate) search_text: String,
}

/// The few distinct values of a text column, numbered.
#[derive(Debug, Default)]
struct Labels(Vec<String>);

impl Labels {
    fn code(&mut self, value: &str) -> u8 {
        if let Some(i) = self.0.iter().position(|v| v == value) {
            return u8::try_from(i).unwrap_or(u8::MAX);
        }
        self.0.push(value.to_owned());
        u8::try_from(self.0.len() - 1).unwrap_or(u8::MAX)
    }

    /// The codes of `names`, as a set of bits (codes past 63 are never stored: the schema's checks
    /// allow a handful of values).
    fn codes(&self, names: &[&str]) -> u64 {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, v)| names.contains(&v.as_str()))
            .fold(0, |set, (i, _)| {
                set | 1u64.checked_shl(i as u32).unwrap_or(0)
            })
    }

    fn bytes(&self) -> usize {
        self.0.iter().map(|v| v.len() + 24).sum()
    }
}

/// A member's hot columns and attribute bits, packed.
#[derive(Debug, Clone, Copy)]
struct Traits {
    attributes: i64,
    /// Bit 0 cell phone, 1 landline, 2 address.
    flags: u8,
    voter_status: u8,
    party: u8,
    age_range: u8,
}

/// Phone keys: numbers in sorted arrays, each with the rank of its member.
#[derive(Debug, Default)]
struct Phones {
    /// `#p` keys: the first 18 digits right-padded with zeros, the digit count, the rank.
    numbers: Vec<(u64, u8, u32)>,
    /// `#l` keys: the 7-digit local number.
    locals: Vec<(u32, u32)>,
    /// `#x` keys: the last 4 digits.
    lasts: Vec<(u16, u32)>,
}

/// The most digits a padded phone key holds (u64 holds 19).
const PADDED_DIGITS: u32 = 18;

fn digits_value(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The sub-range of `sorted` (by key) with keys in `lo..hi`.
fn key_range<K: Ord + Copy, T>(sorted: &[T], key: impl Fn(&T) -> K, lo: K, hi: K) -> &[T] {
    let a = sorted.partition_point(|t| key(t) < lo);
    let b = sorted.partition_point(|t| key(t) < hi);
    &sorted[a..b.max(a)]
}

impl Phones {
    fn add(&mut self, token: &str, rank: u32) {
        let (kind, digits) = token.split_at(2.min(token.len()));
        match kind {
            "#p" => {
                let kept = &digits[..digits.len().min(PADDED_DIGITS as usize)];
                if let Some(v) = digits_value(kept) {
                    let pad = 10u64.pow(PADDED_DIGITS - kept.len() as u32);
                    let len = u8::try_from(digits.len()).unwrap_or(u8::MAX);
                    self.numbers.push((v * pad, len, rank));
                }
            }
            "#l" if digits.len() == 7 => {
                if let Some(v) = digits_value(digits) {
                    self.locals.push((v as u32, rank));
                }
            }
            "#x" if digits.len() == 4 => {
                if let Some(v) = digits_value(digits) {
                    self.lasts.push((v as u16, rank));
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self) {
        self.numbers.sort_unstable();
        self.locals.sort_unstable();
        self.lasts.sort_unstable();
    }

    /// The members whose phone keys the phone-like query `digits` (4 to 10 digits) matches: a number
    /// starting with them, a local number starting with them (at most 7), the last four (exactly 4).
    fn matches(&self, digits: &str) -> Vec<u32> {
        let mut into = Vec::new();
        let Some(value) = digits_value(digits) else {
            return into;
        };
        let k = digits.len() as u32;
        if k <= PADDED_DIGITS {
            let pad = 10u64.pow(PADDED_DIGITS - k);
            for &(_, len, rank) in key_range(&self.numbers, |t| t.0, value * pad, (value + 1) * pad)
            {
                // A shorter number padded with zeros falls in the range without starting with them.
                if u32::from(len) >= k {
                    into.push(rank);
                }
            }
        }
        if k <= 7 {
            let pad = 10u32.pow(7 - k);
            let v = value as u32;
            into.extend(
                key_range(&self.locals, |t| t.0, v * pad, (v + 1) * pad)
                    .iter()
                    .map(|t| t.1),
            );
        }
        if k == 4 {
            let v = value as u16;
            into.extend(
                key_range(&self.lasts, |t| t.0, v, v + 1)
                    .iter()
                    .map(|t| t.1),
            );
        }
        into.sort_unstable();
        into.dedup();
        into
    }

    fn bytes(&self) -> usize {
        self.numbers.capacity() * 16 + self.locals.capacity() * 8 + self.lasts.capacity() * 8
    }
}

/// The search index of one district at one version of its state's voter data.
#[derive(Debug)]
pub(crate) struct DistrictIndex {
    /// The state's data version the index was read at (`voter_data_versions`).
    version: i64,
    ids: Vec<Uuid>,
    /// Sort keys: `key_text[key_ends[2r - 1]..key_ends[2r]]` is rank r's last name (from 0 for r = 0),
    /// and the next slice its first name.
    key_text: String,
    key_ends: Vec<u32>,
    /// Whether the database's order of the keys is their byte order, as [`Self::rank_after`] assumes
    /// (true under the C and C.UTF-8 collations the schema is made with).
    byte_ordered: bool,
    traits: Vec<Traits>,
    status_labels: Labels,
    party_labels: Labels,
    age_labels: Labels,
    /// Sorted distinct words: `word_text[word_ends[i - 1]..word_ends[i]]`.
    word_text: String,
    word_ends: Vec<u32>,
    /// Word i's ranks: `postings[posting_ends[i - 1]..posting_ends[i]]`, increasing.
    postings: Vec<u32>,
    posting_ends: Vec<u32>,
    /// Member r's word numbers, increasing: `forward[forward_ends[r - 1]..forward_ends[r]]` — to test
    /// the other words of a query on the few members its rarest word matched.
    forward: Vec<u32>,
    forward_ends: Vec<u32>,
    phones: Phones,
    /// The members of the most recently used common prefixes (`j`, `jo`, …), kept as bits: typing
    /// sends them again and again, and each costs a pass over a large share of the postings.
    common: Mutex<Vec<(Box<str>, Arc<Bits>)>>,
}

/// How many common prefixes an index keeps as bits (at most 250 KB each for 2M members).
const COMMON_PREFIXES: usize = 32;

/// The words of the dictionary that start with a query word, and their postings.
#[derive(Debug, Clone)]
struct WordRange {
    words: Range<u32>,
    postings: Range<usize>,
}

/// Builds a [`DistrictIndex`] from the members in contacts order.
#[derive(Debug)]
pub(crate) struct DistrictIndexBuilder {
    index: DistrictIndex,
    words: HashMap<Box<str>, Vec<u32>>,
}

/// Why a district's index could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    /// More members than ranks.
    #[error("the district has more than {} members", u32::MAX)]
    TooLarge,
}

impl DistrictIndexBuilder {
    /// An empty index at data version `version`.
    pub(crate) fn new(version: i64) -> Self {
        Self {
            index: DistrictIndex {
                version,
                ids: Vec::new(),
                key_text: String::new(),
                key_ends: Vec::new(),
                byte_ordered: true,
                traits: Vec::new(),
                status_labels: Labels::default(),
                party_labels: Labels::default(),
                age_labels: Labels::default(),
                word_text: String::new(),
                word_ends: Vec::new(),
                postings: Vec::new(),
                posting_ends: Vec::new(),
                forward: Vec::new(),
                forward_ends: Vec::new(),
                phones: Phones::default(),
                common: Mutex::new(Vec::new()),
            },
            words: HashMap::new(),
        }
    }

    /// Adds the next member of the contacts order.
    pub(crate) fn push(&mut self, m: &Member) -> Result<(), BuildError> {
        let ix = &mut self.index;
        let rank = u32::try_from(ix.ids.len()).map_err(|_| BuildError::TooLarge)?;
        if let Some(last) = rank.checked_sub(1) {
            let before = (
                ix.last_name(last),
                ix.first_name(last),
                ix.ids[last as usize],
            );
            if before
                > (
                    m.last_name_key.as_str(),
                    m.first_name_key.as_str(),
                    m.voter_id,
                )
            {
                ix.byte_ordered = false;
            }
        }
        ix.ids.push(m.voter_id);
        for key in [&m.last_name_key, &m.first_name_key] {
            ix.key_text.push_str(key);
            let end = u32::try_from(ix.key_text.len()).map_err(|_| BuildError::TooLarge)?;
            ix.key_ends.push(end);
        }
        let flags = u8::from(m.has_cell_phone)
            | u8::from(m.has_landline) << 1
            | u8::from(m.has_address) << 2;
        ix.traits.push(Traits {
            attributes: m.attributes,
            flags,
            voter_status: ix.status_labels.code(&m.voter_status),
            party: ix.party_labels.code(&m.party),
            age_range: ix.age_labels.code(&m.age_range),
        });
        for token in m.search_text.split(' ').filter(|t| !t.is_empty()) {
            if token.starts_with('#') {
                ix.phones.add(token, rank);
            } else {
                // A word twice in one document is one posting: ranks arrive increasing.
                let postings = match self.words.get_mut(token) {
                    Some(p) => p,
                    None => self.words.entry(token.into()).or_default(),
                };
                if postings.last() != Some(&rank) {
                    postings.push(rank);
                }
            }
        }
        Ok(())
    }

    /// The finished index.
    pub(crate) fn finish(self) -> Result<DistrictIndex, BuildError> {
        let mut ix = self.index;
        let mut words: Vec<(Box<str>, Vec<u32>)> = self.words.into_iter().collect();
        words.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let total: usize = words.iter().map(|(_, p)| p.len()).sum();
        ix.postings.reserve_exact(total);
        ix.word_ends.reserve_exact(words.len());
        ix.posting_ends.reserve_exact(words.len());
        for (word, postings) in words {
            ix.word_text.push_str(&word);
            ix.word_ends
                .push(u32::try_from(ix.word_text.len()).map_err(|_| BuildError::TooLarge)?);
            ix.postings.extend_from_slice(&postings);
            ix.posting_ends
                .push(u32::try_from(ix.postings.len()).map_err(|_| BuildError::TooLarge)?);
        }
        ix.phones.finish();
        ix.build_forward()?;
        ix.key_text.shrink_to_fit();
        ix.word_text.shrink_to_fit();
        Ok(ix)
    }
}

impl DistrictIndex {
    /// The state's data version the index was read at.
    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    /// How many members.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The voter of `rank`.
    pub(crate) fn voter(&self, rank: usize) -> Uuid {
        self.ids[rank]
    }

    /// About how many bytes of memory the index holds.
    pub(crate) fn bytes(&self) -> usize {
        self.ids.capacity() * 16
            + self.key_text.capacity()
            + self.key_ends.capacity() * 4
            + self.traits.capacity() * std::mem::size_of::<Traits>()
            + self.status_labels.bytes()
            + self.party_labels.bytes()
            + self.age_labels.bytes()
            + self.word_text.capacity()
            + self.word_ends.capacity() * 4
            + self.postings.capacity() * 4
            + self.posting_ends.capacity() * 4
            + self.forward.capacity() * 4
            + self.forward_ends.capacity() * 4
            + self.phones.bytes()
            + self.len().div_ceil(8) * COMMON_PREFIXES
    }

    /// The forward lists, inverted from the postings: walking the words in order appends each member's
    /// word numbers in increasing order.
    fn build_forward(&mut self) -> Result<(), BuildError> {
        let mut counts = vec![0u32; self.len()];
        for &r in &self.postings {
            counts[r as usize] += 1;
        }
        let mut next = Vec::with_capacity(self.len());
        let mut end = 0u32;
        for c in counts {
            next.push(end);
            end = end.checked_add(c).ok_or(BuildError::TooLarge)?;
            self.forward_ends.push(end);
        }
        self.forward = vec![0; end as usize];
        let mut start = 0usize;
        for (word, &posting_end) in self.posting_ends.iter().enumerate() {
            for &r in &self.postings[start..posting_end as usize] {
                let at = &mut next[r as usize];
                self.forward[*at as usize] = word as u32;
                *at += 1;
            }
            start = posting_end as usize;
        }
        Ok(())
    }

    fn slice<'a>(text: &'a str, ends: &[u32], i: usize) -> &'a str {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        &text[start..ends[i] as usize]
    }

    fn last_name(&self, rank: u32) -> &str {
        Self::slice(&self.key_text, &self.key_ends, rank as usize * 2)
    }

    fn first_name(&self, rank: u32) -> &str {
        Self::slice(&self.key_text, &self.key_ends, rank as usize * 2 + 1)
    }

    fn word(&self, i: usize) -> &str {
        Self::slice(&self.word_text, &self.word_ends, i)
    }

    /// The words starting with `prefix`, and their postings.
    fn word_range(&self, prefix: &str) -> WordRange {
        let n = self.word_ends.len();
        let lo = partition(n, |i| self.word(i) < prefix);
        let hi = lo + partition(n - lo, |i| self.word(lo + i).starts_with(prefix));
        let end_of = |i: usize| {
            if i == 0 {
                0
            } else {
                self.posting_ends[i - 1] as usize
            }
        };
        WordRange {
            words: lo as u32..hi as u32,
            postings: end_of(lo)..end_of(hi).max(end_of(lo)),
        }
    }

    /// Whether member `rank` has a word of `range`.
    fn has_word_in(&self, rank: usize, range: &WordRange) -> bool {
        let start = if rank == 0 {
            0
        } else {
            self.forward_ends[rank - 1] as usize
        };
        let words = &self.forward[start..self.forward_ends[rank] as usize];
        let at = words.partition_point(|&w| w < range.words.start);
        words.get(at).is_some_and(|&w| w < range.words.end)
    }

    /// The members with a word starting with `prefix` (of `range`); a common prefix's bits are kept.
    fn members_of(&self, prefix: &str, range: &WordRange) -> Matches {
        let postings = &self.postings[range.postings.clone()];
        if postings.len() <= self.len() / 32 {
            return Matches::of(self.len(), postings.to_vec());
        }
        let mut common = self
            .common
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = common.iter().position(|(p, _)| &**p == prefix) {
            let hit = common.remove(at);
            let bits = Bits::clone(&hit.1);
            common.insert(0, hit);
            return Matches::Dense(bits);
        }
        drop(common);
        let Matches::Dense(bits) = Matches::of(self.len(), postings.to_vec()) else {
            unreachable!("more postings than one per 32 members are dense")
        };
        let mut common = self
            .common
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        common.insert(0, (prefix.into(), Arc::new(bits.clone())));
        common.truncate(COMMON_PREFIXES);
        Matches::Dense(bits)
    }

    /// The members a search matches: every query word starts one of their words, or (phone-like
    /// queries) one of their phone keys matches. The rarest word's members are the candidates; the
    /// other words are tested on each candidate's own words.
    fn search(&self, query: &SearchQuery) -> Matches {
        let ranges: Vec<(&str, WordRange)> = query
            .words()
            .iter()
            .map(|w| (w.as_str(), self.word_range(w)))
            .collect();
        let rarest = ranges
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, r))| r.postings.len())
            .map(|(i, _)| i);
        let mut matched = match rarest {
            Some(i) => {
                let (prefix, range) = &ranges[i];
                let mut m = self.members_of(prefix, range);
                let others: Vec<&WordRange> = ranges
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, (_, r))| r)
                    .collect();
                if !others.is_empty() {
                    m.retain(|r| others.iter().all(|o| self.has_word_in(r, o)));
                }
                m
            }
            None => Matches::Sparse(Vec::new()),
        };
        if let Some(digits) = query.phone() {
            matched.union_sorted(&self.phones.matches(digits));
        }
        matched
    }

    /// The members `search` and `criteria` match, as the SQL of `contacts::query` selects them.
    pub(crate) fn select(&self, search: &SearchQuery, criteria: &SegmentCriteria) -> Matches {
        let mut matched = self.search(search);
        if *criteria != SegmentCriteria::default() {
            let test = CriteriaTest::new(self, criteria);
            matched.retain(|r| test.passes(&self.traits[r]));
        }
        matched
    }

    /// The rank of the first member after `cursor` in contacts order; `None` when the database's order
    /// is not the keys' byte order (the caller then asks the database).
    pub(crate) fn rank_after(&self, cursor: &ContactCursor) -> Option<usize> {
        if !self.byte_ordered {
            return None;
        }
        let key = (
            cursor.last_name_key.as_str(),
            cursor.first_name_key.as_str(),
            cursor.voter_id.as_uuid(),
        );
        Some(partition(self.len(), |r| {
            let r32 = r as u32;
            (self.last_name(r32), self.first_name(r32), self.ids[r]) <= key
        }))
    }
}

/// The first `i` in `0..n` for which `pred` is false (`pred` true then false over `0..n`).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Segment criteria as tests of a member's [`Traits`].
struct CriteriaTest {
    /// (required flag bits, their wanted values).
    flag_mask: u8,
    flag_values: u8,
    voter_status: Option<u64>,
    party: Option<u64>,
    age_range: Option<u64>,
    attribute_masks: Vec<i64>,
}

impl CriteriaTest {
    fn new(ix: &DistrictIndex, c: &SegmentCriteria) -> Self {
        let mut flag_mask = 0;
        let mut flag_values = 0;
        for (bit, wanted) in [c.has_cell_phone, c.has_landline, c.has_address]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = wanted {
                flag_mask |= 1 << bit;
                flag_values |= u8::from(v) << bit;
            }
        }
        fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
            values.iter().map(|v| name(*v)).collect()
        }
        Self {
            flag_mask,
            flag_values,
            voter_status: c
                .voter_status
                .as_deref()
                .map(|v| ix.status_labels.codes(&names(v, |x| x.as_str()))),
            party: c
                .party
                .as_deref()
                .map(|v| ix.party_labels.codes(&names(v, |x| x.as_str()))),
            age_range: c
                .age_ranges
                .as_deref()
                .map(|v| ix.age_labels.codes(&names(v, |x| x.as_str()))),
            attribute_masks: c.attribute_masks(),
        }
    }

    fn passes(&self, t: &Traits) -> bool {
        let within = |set: Option<u64>, code: u8| {
            set.is_none_or(|s| s & 1u64.checked_shl(u32::from(code)).unwrap_or(0) != 0)
        };
        t.flags & self.flag_mask == self.flag_values
            && within(self.voter_status, t.voter_status)
            && within(self.party, t.party)
            && within(self.age_range, t.age_range)
            && self.attribute_masks.iter().all(|m| t.attributes & m != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use winserve_domain::search::document_of;

    fn member(i: u128, last: &str, first: &str, line1: &str, cell: Option<&str>) -> Member {
        Member {
            voter_id: Uuid::from_u128(i),
            last_name_key: last.to_lowercase(),
            first_name_key: first.to_lowercase(),
            has_cell_phone: cell.is_some(),
            has_landline: false,
            has_address: !line1.is_empty(),
            voter_status: if i.is_multiple_of(2) {
                "super"
            } else {
                "likely"
            }
            .into(),
            party: "independent".into(),
            age_range: "unknown".into(),
            attributes: 0,
            search_text: document_of(
                [Some(first), None, Some(last), None, Some(line1), None, None],
                [cell, None],
            ),
        }
    }

    fn index(members: &[Member]) -> DistrictIndex {
        let mut b = DistrictIndexBuilder::new(7);
        for m in members {
            b.push(m).unwrap();
        }
        b.finish().unwrap()
    }

    fn members() -> Vec<Member> {
        vec![
            member(1, "Lee", "Ann", "12 Main St", Some("(307) 555-2855")),
            member(2, "Lee", "Annette", "112 Main St", None),
            member(3, "Lee", "Joann", "123 Main St", Some("(828) 552-8551")),
            member(4, "Oneil", "Pat", "1019 Elm St", Some("307-555-1019")),
            member(5, "Smith-Jones", "Zoe", "", Some("3")),
        ]
    }

    /// The ranks of the members whose documents the rule (`SearchQuery::matches`) says `q` finds.
    fn oracle(ms: &[Member], q: &str) -> Vec<usize> {
        let query = SearchQuery::parse(q).unwrap().unwrap();
        ms.iter()
            .enumerate()
            .filter(|(_, m)| query.matches(&m.search_text))
            .map(|(i, _)| i)
            .collect()
    }

    fn ranks(ix: &DistrictIndex, q: &str, c: &SegmentCriteria) -> Vec<usize> {
        let query = SearchQuery::parse(q).unwrap().unwrap();
        ix.select(&query, c).iter_from(0).collect()
    }

    #[test]
    fn the_index_matches_what_the_document_rule_matches() {
        let ms = members();
        let ix = index(&ms);
        let none = SegmentCriteria::default();
        for q in [
            "ann",
            "12 main",
            "lee",
            "main",
            "1",
            "10",
            "1019",
            "2855",
            "555-2855",
            "307",
            "3075",
            "(307) 555",
            "828",
            "8285",
            "5528551",
            "jones",
            "smith",
            "zo",
            "x",
            "st",
            "elm 10",
            "3075551019",
        ] {
            assert_eq!(ranks(&ix, q, &none), oracle(&ms, q), "{q}");
        }
        assert_eq!(ranks(&ix, "ann", &none), [0, 1]);
        assert_eq!(ranks(&ix, "2855", &none), [0]);
    }

    #[test]
    fn rare_and_common_words_alone_and_together_match_as_the_rule_says() {
        // 400 members from small pools: common one-letter prefixes (dense, kept as bits), rare words
        // (sparse), several words of a query, phone-like queries; each asked twice (the second time
        // from the kept bits).
        let firsts = ["Ann", "Anna", "Bob", "Joann", "John", "Jose", "Zoe"];
        let lasts = ["Smith", "Smithers", "Jones", "Lee", "O'Neil", "Nunez-Lee"];
        let streets = ["Main St", "Elm Ave", "Main Rd", "Jones Way"];
        let mut ms: Vec<Member> = (0..400u32)
            .map(|i| {
                let i = i as usize;
                member(
                    i as u128,
                    lasts[i * 7 % lasts.len()],
                    firsts[i * 3 % firsts.len()],
                    &format!("{} {}", 100 + i % 37, streets[i % streets.len()]),
                    (!i.is_multiple_of(3))
                        .then(|| format!("(307) 555-{:04}", 1000 + i))
                        .as_deref(),
                )
            })
            .collect();
        ms.sort_by(|a, b| {
            (&a.last_name_key, &a.first_name_key, a.voter_id).cmp(&(
                &b.last_name_key,
                &b.first_name_key,
                b.voter_id,
            ))
        });
        let ix = index(&ms);
        let none = SegmentCriteria::default();
        for _ in 0..2 {
            for q in [
                "a",
                "j",
                "jo",
                "s",
                "smith",
                "smithe",
                "main",
                "m",
                "ann main",
                "j s",
                "jo jones",
                "lee",
                "nunez lee",
                "10",
                "101 main",
                "1015",
                "555-1015",
                "5551",
                "3075551200",
                "zoe 12",
                "x",
            ] {
                let query = SearchQuery::parse(q).unwrap().unwrap();
                let oracle = oracle(&ms, q);
                let got = ix.select(&query, &none);
                assert_eq!(got.iter_from(0).collect::<Vec<_>>(), oracle, "{q}");
                assert_eq!(got.count(), oracle.len(), "{q}");
            }
        }
    }

    #[test]
    fn criteria_narrow_the_matches_as_the_sql_does() {
        use winserve_domain::VoterStatus;
        let ix = index(&members());
        let likely = SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Likely]),
            ..SegmentCriteria::default()
        };
        assert_eq!(ranks(&ix, "lee", &likely), [0, 2]);
        let with_cell = SegmentCriteria {
            has_cell_phone: Some(true),
            ..SegmentCriteria::default()
        };
        assert_eq!(ranks(&ix, "lee", &with_cell), [0, 2]);
        let nothing = SegmentCriteria {
            voter_status: Some(vec![]),
            ..SegmentCriteria::default()
        };
        assert!(ranks(&ix, "lee", &nothing).is_empty());
    }

    #[test]
    fn cursors_find_their_rank_and_disorder_is_noticed() {
        let ix = index(&members());
        let cursor = |last: &str, first: &str, id: u128| ContactCursor {
            last_name_key: last.into(),
            first_name_key: first.into(),
            voter_id: winserve_domain::VoterId::from_uuid(Uuid::from_u128(id)),
        };
        assert_eq!(ix.rank_after(&cursor("lee", "ann", 1)), Some(1));
        assert_eq!(ix.rank_after(&cursor("lee", "annette", 0)), Some(1));
        assert_eq!(ix.rank_after(&cursor("a", "", 0)), Some(0));
        assert_eq!(ix.rank_after(&cursor("zz", "", 0)), Some(5));
        let mut shuffled = members();
        shuffled.swap(0, 3);
        assert_eq!(index(&shuffled).rank_after(&cursor("a", "", 0)), None);
        assert!(ix.bytes() > 0 && ix.version() == 7 && ix.voter(3) == Uuid::from_u128(4));
    }
}
