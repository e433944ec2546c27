//! Contacts search: every word of the query must be the **start of a word** of the contact's names,
//! street line, city or ZIP; a query that looks like a phone number also matches the start of a phone
//! number, of its 7-digit local number, or (4 digits) its last four digits (issue 13, ADR 0022).
//!
//! A contact is stored with its *search document*: its words and phone keys, each preceded by a blank,
//! so that "word `w` starts a word" is the pattern `% w%` and an index of trigrams finds it. Phone keys
//! start with `#`, which no query word can contain, so digits inside a phone number never match a word
//! of the query. Party is never in the document: no search can reveal it.

use crate::{InvalidValue, Voter, fold};

/// The most words a search may have.
pub const MAX_SEARCH_WORDS: usize = 8;

/// The longest search, in characters after folding.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The fewest digits of a query that can be a phone number.
const MIN_PHONE_DIGITS: usize = 4;

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`')
}

/// The words of `text`: folded (case, accents), apostrophes dropped (`O'Neil` → `oneil`), split at every
/// other character that is not a letter or a digit (`Smith-Jones` → `smith`, `jones`).
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in fold(text).chars() {
        if is_apostrophe(c) {
            continue;
        }
        if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The digits of a phone number, without the North American country code (`+1 307 555 2855` →
/// `3075552855`).
fn phone_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('1') {
        Some(rest) if digits.len() == 11 => rest.to_owned(),
        _ => digits,
    }
}

/// The search document of a voter: ` word word … #p<digits> #l<local> #x<last 4> ` — names (first,
/// middle, last, suffix), street line, city and ZIP; the keys of its cell and landline numbers.
pub fn search_document(voter: &Voter) -> String {
    document_of(
        [
            voter.first_name.as_deref(),
            voter.middle_name.as_deref(),
            voter.last_name.as_deref(),
            voter.name_suffix.as_deref(),
            voter.address.line1.as_deref(),
            voter.address.city.as_deref(),
            voter.address.zip.as_deref(),
        ],
        [voter.cell_phone.as_deref(), voter.landline.as_deref()],
    )
}

/// The search document of the fields searched by words (names, street line, city, ZIP) and of the phone
/// numbers, for callers that hold a stored row rather than a [`Voter`].
pub fn document_of(fields: [Option<&str>; 7], phones: [Option<&str>; 2]) -> String {
    let mut doc = String::from(" ");
    for field in fields.into_iter().flatten() {
        for word in words(field) {
            doc.push_str(&word);
            doc.push(' ');
        }
    }
    for phone in phones.into_iter().flatten() {
        let digits = phone_digits(phone);
        if digits.len() < MIN_PHONE_DIGITS {
            continue;
        }
        doc.push_str("#p");
        doc.push_str(&digits);
        doc.push(' ');
        if digits.len() >= 7 {
            doc.push_str("#l");
            doc.push_str(&digits[digits.len() - 7..]);
            doc.push(' ');
        }
        doc.push_str("#x");
        doc.push_str(&digits[digits.len() - 4..]);
        doc.push(' ');
    }
    doc
}

/// A parsed search: its words, and its digits when it looks like a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    words: Vec<String>,
    phone: Option<String>,
}

impl SearchQuery {
    /// Parses what a client typed. `Ok(None)` when it has no word (empty, blanks, punctuation only): the
    /// list is then unfiltered. More than [`MAX_SEARCH_WORDS`] words or [`MAX_SEARCH_CHARS`] characters,
    /// or a control character, is invalid.
    pub fn parse(text: &str) -> Result<Option<Self>, InvalidValue> {
        if text.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "search",
                "must not contain control characters",
            ));
        }
        if fold(text).chars().count() > MAX_SEARCH_CHARS {
            return Err(InvalidValue::new(
                "search",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let words = words(text);
        if words.len() > MAX_SEARCH_WORDS {
            return Err(InvalidValue::new(
                "search",
                format!("must be at most {MAX_SEARCH_WORDS} words"),
            ));
        }
        if words.is_empty() {
            return Ok(None);
        }
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " ()-.+".contains(c));
        let phone = Some(phone_digits(text))
            .filter(|d| phone_like && d.len() >= MIN_PHONE_DIGITS && d.len() <= 10);
        Ok(Some(Self { words, phone }))
    }

    /// The query's words.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The query's digits, when it looks like a phone number.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// What each query word must be found as in the search document: a blank and the word (the word
    /// starts a word of the document). All must be found.
    pub fn word_needles(&self) -> Vec<String> {
        self.words.iter().map(|w| format!(" {w}")).collect()
    }

    /// What a phone-like query may be found as instead, any one of them: the start of a phone number,
    /// of its local number (at most 7 digits), or its last four digits (exactly 4). None unless the
    /// query looks like a phone number.
    pub fn phone_needles(&self) -> Vec<String> {
        let Some(d) = &self.phone else {
            return Vec::new();
        };
        let mut needles = vec![format!(" #p{d}")];
        if d.len() <= 7 {
            needles.push(format!(" #l{d}"));
        }
        if d.len() == 4 {
            needles.push(format!(" #x{d} "));
        }
        needles
    }

    /// Whether a search document matches (the rule the SQL applies, for callers without SQL).
    pub fn matches(&self, document: &str) -> bool {
        let words = self
            .word_needles()
            .iter()
            .all(|n| document.contains(n.as_str()));
        words
            || self
                .phone_needles()
                .iter()
                .any(|n| document.contains(n.as_str()))
    }

    /// A stable text of the query, for keys (remembered totals).
    pub fn key(&self) -> String {
        let mut key = self.words.join(" ");
        if let Some(d) = &self.phone {
            key.push_str(" #");
            key.push_str(d);
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter(first: &str, last: &str, line1: &str, cell: Option<&str>) -> Voter {
        let mut v = crate::voter::tests_support::blank_voter();
        v.first_name = Some(first.into());
        v.last_name = Some(last.into());
        v.address.line1 = Some(line1.into());
        v.cell_phone = cell.map(Into::into);
        v
    }

    fn finds(query: &str, v: &Voter) -> bool {
        SearchQuery::parse(query)
            .unwrap()
            .unwrap()
            .matches(&search_document(v))
    }

    #[test]
    fn words_fold_drop_apostrophes_and_split() {
        assert_eq!(words("O'Neil"), ["oneil"]);
        assert_eq!(words("Smith-Jones"), ["smith", "jones"]);
        assert_eq!(words("  José NÚÑEZ "), ["jose", "nunez"]);
        assert_eq!(words("82001-1234"), ["82001", "1234"]);
        assert!(words("-- ' .").is_empty());
    }

    #[test]
    fn queries_match_word_starts_only() {
        let ann = voter("Ann", "Lee", "12 Main St", None);
        let annette = voter("Annette", "Lee", "112 Main St", None);
        let joann = voter("Joann", "Lee", "123 Main St", None);
        assert!(finds("ann", &ann) && finds("ann", &annette) && !finds("ann", &joann));
        assert!(finds("12 main", &ann) && !finds("12 main", &annette) && finds("12 main", &joann));
        assert!(finds("o'lee", &voter("X", "O'Lee", "", None)));
        assert!(finds("olee", &voter("X", "O’Lee", "", None)));
        assert!(finds("jones", &voter("X", "Smith-Jones", "", None)));
    }

    #[test]
    fn phone_queries_match_the_number_its_local_part_or_last_four() {
        let v = voter("A", "B", "5 Elm St", Some("(307) 555-2855"));
        for q in [
            "(307) 555-2855",
            "307-555-2855",
            "3075552855",
            "+1 307 555 2855",
            "555-2855",
            "5552855",
            "2855",
            "307 555",
        ] {
            assert!(finds(q, &v), "{q}");
        }
        let inside = voter("A", "B", "5 Elm St", Some("(828) 552-8551"));
        assert!(
            !finds("2855", &inside),
            "digits inside a number match nothing"
        );
        assert!(!finds("555", &v), "three digits are not a phone number");
        let house = voter("A", "B", "1019 Main St", Some("(307) 555-0000"));
        assert!(
            finds("1019", &house),
            "a phone-like query still matches word starts"
        );
    }

    #[test]
    fn limits_and_empty_queries() {
        assert_eq!(SearchQuery::parse("-- ' ").unwrap(), None);
        assert_eq!(SearchQuery::parse("").unwrap(), None);
        assert!(SearchQuery::parse("a b c d e f g h").unwrap().is_some());
        assert!(SearchQuery::parse("a b c d e f g h i").is_err());
        assert!(SearchQuery::parse(&"a".repeat(201)).is_err());
        assert!(SearchQuery::parse(&"a".repeat(200)).unwrap().is_some());
        assert!(SearchQuery::parse("a\u{0}b").is_err());
    }

    #[test]
    fn party_is_never_in_the_document() {
        let mut v = voter("Ann", "Lee", "12 Main St", None);
        v.party = crate::PartyGroup::Republican;
        v.party_description = Some("Republican".into());
        assert!(!search_document(&v).contains("rep"));
    }
}
