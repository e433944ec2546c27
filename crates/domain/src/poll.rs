//! Polls, a Serve-only feature: an elected office asks its constituents a question by text message and
//! reports what they answered.
//!
//! A poll hangs off the **elected office** (Serve-only data references `elected_offices`), so it never
//! appears in a Win organization. It goes `draft → sent → closed`. Sending snapshots its audience
//! (contacts with a cell phone, never party) and queues one [`outbound_text`] per recipient; replies are
//! read with [`parse_reply`]; results are broken down by the non-party attributes of
//! [`PollBreakdown`] only, each breakdown passed through [`k_anonymous`] so that no answer can be traced
//! to one constituent.

use crate::{ElectedOfficeId, InvalidValue, OrganizationId, PollId, SegmentId, fold, phone_digits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a poll stands: `draft → sent → closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollStatus {
    /// Being written; nothing has been sent.
    Draft,
    /// Sent: its audience is frozen and replies are recorded.
    Sent,
    /// Closed: replies are no longer recorded.
    Closed,
}

impl PollStatus {
    /// Every status.
    pub const ALL: [PollStatus; 3] = [PollStatus::Draft, PollStatus::Sent, PollStatus::Closed];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PollStatus::Draft => "draft",
            PollStatus::Sent => "sent",
            PollStatus::Closed => "closed",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether a poll in this status may move to `next`: a draft is sent, a sent poll is closed; nothing
    /// else (a sent poll never goes back to draft, a closed one never reopens). Moving to the status it
    /// has is a harmless repeat, answered by the caller.
    pub const fn may_become(self, next: PollStatus) -> bool {
        matches!(
            (self, next),
            (PollStatus::Draft, PollStatus::Sent) | (PollStatus::Sent, PollStatus::Closed)
        )
    }

    /// Whether replies to a poll in this status are recorded (it is sent and not closed).
    pub const fn is_open(self) -> bool {
        matches!(self, PollStatus::Sent)
    }
}

/// The longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 320;

/// A poll's question: 1 to [`MAX_QUESTION_CHARS`] characters, trimmed; line breaks allowed (`\r\n` is
/// kept as `\n`), no other control character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PollQuestion(String);

impl PollQuestion {
    /// Trims and validates `value`.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let text = value.replace("\r\n", "\n");
        let text = text.trim();
        if text.is_empty() {
            return Err(InvalidValue::new("question", "must not be blank"));
        }
        if text.chars().count() > MAX_QUESTION_CHARS {
            return Err(InvalidValue::new(
                "question",
                format!("must be at most {MAX_QUESTION_CHARS} characters"),
            ));
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(InvalidValue::new(
                "question",
                "must not contain control characters other than line breaks",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The question.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PollQuestion {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<PollQuestion> for String {
    fn from(q: PollQuestion) -> Self {
        q.0
    }
}

/// The fewest choices a multiple-choice poll has.
pub const MIN_CHOICES: usize = 2;

/// The most choices a multiple-choice poll has (one per reply letter `A`–`F`).
pub const MAX_CHOICES: usize = 6;

/// The longest choice, in characters.
pub const MAX_CHOICE_CHARS: usize = 100;

/// The choices of a multiple-choice poll: [`MIN_CHOICES`] to [`MAX_CHOICES`] single-line texts of 1 to
/// [`MAX_CHOICE_CHARS`] characters, trimmed, that a reply can tell apart:
///
/// - no two are equal after [`fold_reply`] (`Yes` and `yes!` would answer each other's replies);
/// - none is a STOP keyword ([`STOP_KEYWORDS`]): that reply opts out, it can never choose;
/// - none is the reply code of *another* choice (`1`–`6`, `A`–`F` by position), so `["0", "1"]` is
///   refused (a reply `1` would mean both) while `["1", "2"]` or `["A", "B"]` is fine.
///
/// A choice made only of symbols (`👍`) folds to nothing: it can be chosen by its number or letter only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct PollChoices(Vec<String>);

impl PollChoices {
    /// Trims and validates `choices`, in order.
    pub fn new<S: AsRef<str>>(choices: &[S]) -> Result<Self, InvalidValue> {
        if !(MIN_CHOICES..=MAX_CHOICES).contains(&choices.len()) {
            return Err(InvalidValue::new(
                "options",
                format!("must have {MIN_CHOICES} to {MAX_CHOICES} choices"),
            ));
        }
        let mut texts = Vec::with_capacity(choices.len());
        let mut folded: Vec<String> = Vec::with_capacity(choices.len());
        for (index, choice) in choices.iter().enumerate() {
            let text = choice.as_ref().trim();
            if text.is_empty()
                || text.chars().count() > MAX_CHOICE_CHARS
                || text.chars().any(char::is_control)
            {
                return Err(InvalidValue::new(
                    "options",
                    format!("each choice must be 1 to {MAX_CHOICE_CHARS} characters on one line"),
                ));
            }
            let key = fold_reply(text);
            if STOP_KEYWORDS.contains(&key.as_str()) {
                return Err(InvalidValue::new(
                    "options",
                    format!("\"{text}\" is an opt-out keyword and cannot be a choice"),
                ));
            }
            if reply_code(&key, choices.len()).is_some_and(|code| code != index) {
                return Err(InvalidValue::new(
                    "options",
                    format!("\"{text}\" is the reply code of another choice"),
                ));
            }
            if !key.is_empty() && folded.contains(&key) {
                return Err(InvalidValue::new(
                    "options",
                    "choices must differ by more than case, accents and punctuation",
                ));
            }
            folded.push(key);
            texts.push(text.to_owned());
        }
        Ok(Self(texts))
    }

    /// The choices, in order (index 0 is replied to as `1` or `A`).
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl TryFrom<Vec<String>> for PollChoices {
    type Error = InvalidValue;
    fn try_from(value: Vec<String>) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<PollChoices> for Vec<String> {
    fn from(c: PollChoices) -> Self {
        c.0
    }
}

/// What a poll lets people answer. Stored as a nullable text array: `NULL` is free text. As JSON it is
/// `null` (free text) or the array of choices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Option<Vec<String>>", into = "Option<Vec<String>>")]
pub enum PollOptions {
    /// Any text is an answer.
    FreeText,
    /// One of these choices.
    Choices(PollChoices),
}

impl PollOptions {
    /// Free text for `None`, else the validated choices.
    pub fn from_list<S: AsRef<str>>(list: Option<&[S]>) -> Result<Self, InvalidValue> {
        match list {
            None => Ok(PollOptions::FreeText),
            Some(choices) => PollChoices::new(choices).map(PollOptions::Choices),
        }
    }

    /// The choices of a multiple-choice poll; `None` for free text.
    pub fn choices(&self) -> Option<&[String]> {
        match self {
            PollOptions::FreeText => None,
            PollOptions::Choices(c) => Some(c.as_slice()),
        }
    }

    /// Whether any text is an answer.
    pub const fn is_free_text(&self) -> bool {
        matches!(self, PollOptions::FreeText)
    }
}

impl TryFrom<Option<Vec<String>>> for PollOptions {
    type Error = InvalidValue;
    fn try_from(value: Option<Vec<String>>) -> Result<Self, Self::Error> {
        Self::from_list(value.as_deref())
    }
}

impl From<PollOptions> for Option<Vec<String>> {
    fn from(o: PollOptions) -> Self {
        match o {
            PollOptions::FreeText => None,
            PollOptions::Choices(c) => Some(c.into()),
        }
    }
}

/// An elected office's poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// Its id.
    pub id: PollId,
    /// The elected office that asks (Serve-only data hangs off the office).
    pub office_id: ElectedOfficeId,
    /// The office's organization (for scoping).
    pub organization_id: OrganizationId,
    /// What it asks.
    pub question: PollQuestion,
    /// What people may answer.
    pub options: PollOptions,
    /// A custom segment of the same organization; `None`: the whole district.
    pub segment_id: Option<SegmentId>,
    /// Where it stands.
    pub status: PollStatus,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When sent (its audience frozen); set exactly when it is no longer a draft.
    pub sent_at: Option<DateTime<Utc>>,
    /// When closed; set exactly when it is closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Poll {
    /// Whether replies to it are recorded (sent and not closed).
    pub const fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

/// The attributes a poll's results may be broken down by: the non-party attributes that segments use.
/// Party is not one of them and never will be — a breakdown by party would let a Serve office see its
/// constituents' party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollBreakdown {
    /// The age bracket ([`crate::AgeRange`]).
    AgeRange,
    /// The gender ([`crate::Gender`]).
    Gender,
    /// The turnout category ([`crate::VoterStatus`]).
    VoterStatus,
}

impl PollBreakdown {
    /// Every breakdown.
    pub const ALL: [PollBreakdown; 3] = [
        PollBreakdown::AgeRange,
        PollBreakdown::Gender,
        PollBreakdown::VoterStatus,
    ];

    /// The snake_case name (also the column of the send snapshot that holds it).
    pub const fn as_str(self) -> &'static str {
        match self {
            PollBreakdown::AgeRange => "age_range",
            PollBreakdown::Gender => "gender",
            PollBreakdown::VoterStatus => "voter_status",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == value)
    }
}

/// The longest reply kept, in characters (ten SMS segments); longer replies are cut.
pub const MAX_REPLY_CHARS: usize = 1600;

/// The carrier opt-out keywords, folded. A reply that is exactly one of them (after [`fold_reply`]) opts
/// the number out, whatever the poll asked.
pub const STOP_KEYWORDS: [&str; 6] = ["stop", "stopall", "unsubscribe", "cancel", "end", "quit"];

/// A reply folded for matching: lower case, Latin accents removed and blanks collapsed (the same
/// [`fold`] as sorting and search), then anything that is not a letter or a digit trimmed from both
/// ends (`"  Sí!! "` → `"si"`, `"(b)"` → `"b"`).
///
/// ```
/// use winserve_domain::fold_reply;
/// assert_eq!(fold_reply("  Él  MISMO... "), "el mismo");
/// ```
pub fn fold_reply(text: &str) -> String {
    fold(text)
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_owned()
}

/// Whether `body` is an opt-out: exactly one of the [`STOP_KEYWORDS`], in any case, with surrounding
/// blanks and punctuation ignored (`"Stop."` opts out; `"please stop"` does not, like carriers).
pub fn is_stop(body: &str) -> bool {
    STOP_KEYWORDS.contains(&fold_reply(body).as_str())
}

/// The choice a folded reply names by code among `n` choices: `1`..`n`, or `a`..`f` (the first `n`).
fn reply_code(folded: &str, n: usize) -> Option<usize> {
    if !folded.is_empty() && folded.bytes().all(|b| b.is_ascii_digit()) {
        return folded
            .parse::<usize>()
            .ok()
            .filter(|d| (1..=n).contains(d))
            .map(|d| d - 1);
    }
    let mut chars = folded.chars();
    match (chars.next(), chars.next()) {
        (Some(c @ 'a'..='f'), None) => Some(c as usize - 'a' as usize).filter(|i| *i < n),
        _ => None,
    }
}

/// A reply as kept: `\r\n` as `\n`, other control characters (a NUL cannot even be stored) as blanks,
/// trimmed, cut to [`MAX_REPLY_CHARS`] characters.
pub fn clean_reply(body: &str) -> String {
    let text: String = body
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    text.trim().chars().take(MAX_REPLY_CHARS).collect()
}

/// What a text message replied to a poll.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PollReply {
    /// An opt-out: the number gets no further poll of the office.
    Stop,
    /// The choice at this index (0-based) of a multiple-choice poll.
    Choice(usize),
    /// The answer to a free-text poll (cleaned, at most [`MAX_REPLY_CHARS`] characters).
    FreeText(String),
    /// A reply that names no choice (or a blank reply), cleaned like free text.
    Unrecognized(String),
}

/// Reads a reply to a poll with these options.
///
/// 1. A [STOP keyword](is_stop) wins over everything.
/// 2. A free-text poll takes any other non-blank reply as its answer.
/// 3. A multiple-choice poll takes the choice's number (`1`..`n`), its letter (`A`..`F`, optionally
///    followed by `)` or `.`), or its text — all compared after [`fold_reply`], so case, accents and
///    surrounding punctuation do not matter.
/// 4. Anything else is [`PollReply::Unrecognized`], keeping the text.
///
/// Blank replies are unrecognized in both kinds of poll. Kept text has control characters other than
/// line breaks replaced by blanks and is cut to [`MAX_REPLY_CHARS`] characters (on a character
/// boundary).
pub fn parse_reply(options: &PollOptions, body: &str) -> PollReply {
    if is_stop(body) {
        return PollReply::Stop;
    }
    let text = clean_reply(body);
    if text.is_empty() {
        return PollReply::Unrecognized(text);
    }
    let choices = match options {
        PollOptions::FreeText => return PollReply::FreeText(text),
        PollOptions::Choices(c) => c.as_slice(),
    };
    let folded = fold_reply(&text);
    if let Some(index) = reply_code(&folded, choices.len()) {
        return PollReply::Choice(index);
    }
    if !folded.is_empty()
        && let Some(index) = choices.iter().position(|c| fold_reply(c) == folded)
    {
        return PollReply::Choice(index);
    }
    PollReply::Unrecognized(text)
}

/// The longest text [`outbound_text`] can make, in characters (well within the ten segments of a long
/// SMS).
pub const MAX_OUTBOUND_CHARS: usize = 1600;

/// The last line of every poll message.
pub const OPT_OUT_LINE: &str = "Reply STOP to opt out.";

/// The text message a poll sends: the question, one line per choice (`1) Yes`), and [`OPT_OUT_LINE`].
/// At most 320 + 6 × 105 + 23 characters, below [`MAX_OUTBOUND_CHARS`].
///
/// ```
/// use winserve_domain::{outbound_text, PollOptions, PollQuestion};
/// let q = PollQuestion::new("Should the park stay open late?").unwrap();
/// let o = PollOptions::from_list(Some(&["Yes", "No"])).unwrap();
/// assert_eq!(
///     outbound_text(&q, &o),
///     "Should the park stay open late?\n1) Yes\n2) No\nReply STOP to opt out."
/// );
/// ```
pub fn outbound_text(question: &PollQuestion, options: &PollOptions) -> String {
    let mut text = String::from(question.as_str());
    text.push('\n');
    for (i, choice) in options.choices().unwrap_or_default().iter().enumerate() {
        text.push_str(&format!("{}) {choice}\n", i + 1));
    }
    text.push_str(OPT_OUT_LINE);
    text
}

/// The fewest respondents a reported bucket may have.
pub const MIN_BUCKET: u64 = 5;

/// The label of the bucket that small buckets are merged into.
pub const OTHER_BUCKET: &str = "other";

/// Makes a breakdown (label → respondents) safe to show: no bucket smaller than [`MIN_BUCKET`] is
/// reported, and no hidden count can be worked out from the ones shown.
///
/// 1. Buckets with the same label are added up; a bucket labelled [`OTHER_BUCKET`] in the input is
///    part of "other" whatever its size.
/// 2. Every bucket under [`MIN_BUCKET`] is merged into "other".
/// 3. If "other" is then non-empty but still under [`MIN_BUCKET`], the smallest shown bucket is merged
///    into it too, again until "other" reaches [`MIN_BUCKET`] (complementary suppression). Dropping a
///    small "other" alone is not enough: the total of a breakdown is reported elsewhere (an option's
///    count), so total − shown buckets would give the dropped count back — and when a single small
///    bucket was merged, its label too.
/// 4. "Other" is reported (last) when it reaches [`MIN_BUCKET`]; when everything together is under
///    [`MIN_BUCKET`], nothing is reported at all.
///
/// Shown buckets keep the order of their first appearance; buckets of zero are merged away.
///
/// ```
/// use winserve_domain::k_anonymous;
/// let b = |v: &[(&str, u64)]| v.iter().map(|(l, n)| (l.to_string(), *n)).collect::<Vec<_>>();
/// assert_eq!(
///     k_anonymous(b(&[("female", 12), ("male", 3), ("unknown", 2), ("other", 1)])),
///     b(&[("female", 12), ("other", 6)])
/// );
/// ```
pub fn k_anonymous(buckets: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut summed: Vec<(String, u64)> = Vec::with_capacity(buckets.len());
    for (label, count) in buckets {
        match summed.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n = n.saturating_add(count),
            None => summed.push((label, count)),
        }
    }
    let mut other = 0u64;
    let mut shown = Vec::with_capacity(summed.len());
    for (label, count) in summed {
        if label == OTHER_BUCKET || count < MIN_BUCKET {
            other = other.saturating_add(count);
        } else {
            shown.push((label, count));
        }
    }
    while other > 0 && other < MIN_BUCKET {
        // The smallest shown bucket (the last of equals); none left: everything is under the minimum.
        let Some(smallest) = shown
            .iter()
            .enumerate()
            .min_by_key(|(i, (_, n))| (*n, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
        else {
            break;
        };
        other = other.saturating_add(shown.remove(smallest).1);
    }
    if other >= MIN_BUCKET {
        shown.push((OTHER_BUCKET.to_owned(), other));
    }
    shown
}

/// A phone number in E.164 form (`+` and 8 to 15 digits), how poll recipients and SMS senders are
/// matched.
///
/// - Without a `+`: a North American number, 10 digits or 11 starting with `1` → `+1…`.
/// - With a leading `+`: kept as `+` and its 8 to 15 digits (the country code never starts with `0`);
///   a `+1` number must be a valid North American one.
///
/// North American numbers must have an area code and an exchange starting with 2–9. Besides digits only
/// blanks, `(`, `)`, `-`, `.` and `/` may appear: a number with letters or an extension is refused.
///
/// ```
/// use winserve_domain::normalize_phone;
/// assert_eq!(normalize_phone("(307) 555-0123").as_deref(), Some("+13075550123"));
/// assert_eq!(normalize_phone("+44 20 7946 0958").as_deref(), Some("+442079460958"));
/// assert_eq!(normalize_phone("555-0123"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "()-./".contains(c))
    {
        return None;
    }
    let digits = phone_digits(rest);
    let north_american = |d: &str| {
        let b = d.as_bytes();
        b.len() == 10 && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
    };
    let ok = if plus {
        match digits.strip_prefix('1') {
            Some(national) => north_american(national),
            None => (8..=15).contains(&digits.len()) && !digits.starts_with('0'),
        }
    } else {
        match digits.len() {
            10 => return north_american(&digits).then(|| format!("+1{digits}")),
            11 => digits.strip_prefix('1').is_some_and(north_american),
            _ => false,
        }
    };
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(list: &[&str]) -> PollOptions {
        PollOptions::from_list(Some(list)).unwrap()
    }

    fn buckets(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(l, n)| ((*l).to_owned(), *n)).collect()
    }

    #[test]
    fn polls_are_sent_then_closed_and_names_round_trip() {
        use PollStatus::*;
        let allowed = [(Draft, Sent), (Sent, Closed)];
        for from in PollStatus::ALL {
            assert_eq!(PollStatus::parse(from.as_str()), Some(from));
            for to in PollStatus::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert!(Sent.is_open() && !Draft.is_open() && !Closed.is_open());
        assert_eq!(PollStatus::parse("open"), None);
        for b in PollBreakdown::ALL {
            assert_eq!(PollBreakdown::parse(b.as_str()), Some(b));
        }
        assert_eq!(PollBreakdown::parse("party"), None);
    }

    #[test]
    fn questions_are_trimmed_and_bounded() {
        assert_eq!(
            PollQuestion::new("  Open the pool\r\non Sundays? ")
                .unwrap()
                .as_str(),
            "Open the pool\non Sundays?"
        );
        assert!(PollQuestion::new(" \n ").is_err());
        assert!(PollQuestion::new(&"é".repeat(MAX_QUESTION_CHARS)).is_ok());
        assert!(PollQuestion::new(&"é".repeat(MAX_QUESTION_CHARS + 1)).is_err());
        assert!(PollQuestion::new("tab\there").is_err());
        let err = PollQuestion::new("bell\u{7}").unwrap_err();
        assert_eq!(err.field, "question");
        let json: Result<PollQuestion, _> = serde_json::from_str("\"  \"");
        assert!(json.is_err());
    }

    #[test]
    fn choices_are_bounded_distinct_and_unambiguous() {
        let ok = choices(&[" Yes ", "No", "Not sure"]);
        assert_eq!(
            ok.choices(),
            Some(&["Yes".to_owned(), "No".to_owned(), "Not sure".to_owned()][..])
        );
        assert!(!ok.is_free_text());
        let none: Option<&[&str]> = None;
        assert_eq!(PollOptions::from_list(none), Ok(PollOptions::FreeText));
        assert!(PollOptions::FreeText.choices().is_none());

        let bad = |list: &[&str]| PollOptions::from_list(Some(list)).unwrap_err();
        assert_eq!(bad(&["Only one"]).field, "options");
        assert!(PollChoices::new(&["a1", "b", "c", "d", "e", "f", "g"]).is_err());
        assert!(PollChoices::new(&["1", "2", "3", "4", "5", "6"]).is_ok());
        bad(&["Yes", " "]);
        bad(&["Yes", &"x".repeat(MAX_CHOICE_CHARS + 1)]);
        bad(&["Yes", "No\nway"]);
        bad(&["Sí", "si!"]);
        bad(&["Yes", "Stop"]);
        bad(&["Continue", "END"]);
        bad(&["0", "1"]);
        bad(&["Maybe", "A"]);
        assert!(PollChoices::new(&["A", "B"]).is_ok());
        assert!(
            PollChoices::new(&["Yes", "F"]).is_ok(),
            "F is no code among two"
        );
        assert!(
            PollChoices::new(&["👍", "👎"]).is_ok(),
            "chosen by number only"
        );

        let json = serde_json::to_string(&ok).unwrap();
        assert_eq!(json, r#"["Yes","No","Not sure"]"#);
        assert_eq!(serde_json::from_str::<PollOptions>(&json).unwrap(), ok);
        assert_eq!(
            serde_json::from_str::<PollOptions>("null").unwrap(),
            PollOptions::FreeText
        );
        assert!(serde_json::from_str::<PollOptions>(r#"["one"]"#).is_err());
        let stored: Option<Vec<String>> = ok.clone().into();
        assert_eq!(PollOptions::try_from(stored), Ok(ok));
    }

    #[test]
    fn replies_fold_like_search() {
        assert_eq!(fold_reply("  Sí!! "), "si");
        assert_eq!(fold_reply("(B)"), "b");
        assert_eq!(fold_reply("Not   SURE."), "not sure");
        assert_eq!(fold_reply("¿Ñandú?"), "nandu");
        assert_eq!(fold_reply("!!!"), "");
    }

    #[test]
    fn stop_wins_over_everything() {
        let o = choices(&["Yes", "No"]);
        for stop in [
            "STOP",
            " stop ",
            "Stop.",
            "StopAll",
            "UNSUBSCRIBE",
            "cancel",
            "End",
            "QUIT",
        ] {
            assert_eq!(parse_reply(&o, stop), PollReply::Stop, "{stop}");
            assert_eq!(parse_reply(&PollOptions::FreeText, stop), PollReply::Stop);
        }
        assert_eq!(
            parse_reply(&PollOptions::FreeText, "please stop the noise"),
            PollReply::FreeText("please stop the noise".into())
        );
        assert!(!is_stop("stop all"));
    }

    #[test]
    fn choices_are_replied_by_number_letter_or_text() {
        let o = choices(&["Yes", "No", "Café au lait"]);
        assert_eq!(parse_reply(&o, "1"), PollReply::Choice(0));
        assert_eq!(parse_reply(&o, " 3 "), PollReply::Choice(2));
        assert_eq!(parse_reply(&o, "b"), PollReply::Choice(1));
        assert_eq!(parse_reply(&o, "B)"), PollReply::Choice(1));
        assert_eq!(parse_reply(&o, "c."), PollReply::Choice(2));
        assert_eq!(parse_reply(&o, "yes!"), PollReply::Choice(0));
        assert_eq!(parse_reply(&o, "CAFE  AU LAIT"), PollReply::Choice(2));
        assert_eq!(parse_reply(&o, "4"), PollReply::Unrecognized("4".into()));
        assert_eq!(parse_reply(&o, "D"), PollReply::Unrecognized("D".into()));
        assert_eq!(parse_reply(&o, "0"), PollReply::Unrecognized("0".into()));
        assert_eq!(
            parse_reply(&o, "99999999999999999999999"),
            PollReply::Unrecognized("99999999999999999999999".into())
        );
        assert_eq!(
            parse_reply(&o, " yes please "),
            PollReply::Unrecognized("yes please".into())
        );
        assert_eq!(
            parse_reply(&o, "  "),
            PollReply::Unrecognized(String::new())
        );
        let codes = choices(&["1", "2"]);
        assert_eq!(parse_reply(&codes, "2"), PollReply::Choice(1));
        let symbols = choices(&["👍", "👎"]);
        assert_eq!(parse_reply(&symbols, "2"), PollReply::Choice(1));
        assert_eq!(
            parse_reply(&symbols, "👎"),
            PollReply::Unrecognized("👎".into())
        );
    }

    #[test]
    fn free_text_is_cleaned_and_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_REPLY_CHARS + 10);
        let PollReply::FreeText(kept) = parse_reply(&PollOptions::FreeText, &long) else {
            panic!("not free text")
        };
        assert_eq!(kept.chars().count(), MAX_REPLY_CHARS);
        assert_eq!(
            parse_reply(&PollOptions::FreeText, "  Fix\r\nthe\0road \t"),
            PollReply::FreeText("Fix\nthe road".into())
        );
        assert_eq!(
            parse_reply(&PollOptions::FreeText, "1"),
            PollReply::FreeText("1".into())
        );
        assert_eq!(
            parse_reply(&PollOptions::FreeText, "\u{0}"),
            PollReply::Unrecognized(String::new())
        );
    }

    #[test]
    fn messages_list_the_choices_and_end_with_the_opt_out() {
        let q = PollQuestion::new("Which day?").unwrap();
        assert_eq!(
            outbound_text(&q, &choices(&["Monday", "Tuesday"])),
            "Which day?\n1) Monday\n2) Tuesday\nReply STOP to opt out."
        );
        assert_eq!(
            outbound_text(&q, &PollOptions::FreeText),
            "Which day?\nReply STOP to opt out."
        );
        let longest_choice = |c: char| c.to_string().repeat(MAX_CHOICE_CHARS);
        let six: Vec<String> = "uvwxyz".chars().map(longest_choice).collect();
        let longest = outbound_text(
            &PollQuestion::new(&"q".repeat(MAX_QUESTION_CHARS)).unwrap(),
            &PollOptions::from_list(Some(&six)).unwrap(),
        );
        assert!(longest.chars().count() <= MAX_OUTBOUND_CHARS);
        assert!(longest.ends_with(OPT_OUT_LINE));
        assert!(!longest.to_lowercase().contains("party"));
    }

    #[test]
    fn small_buckets_merge_into_other_or_disappear() {
        // Nothing small: unchanged, no "other".
        assert_eq!(
            k_anonymous(buckets(&[("a", 5), ("b", 9)])),
            buckets(&[("a", 5), ("b", 9)])
        );
        // All small and under the minimum together: nothing at all.
        assert_eq!(
            k_anonymous(buckets(&[("a", 1), ("b", 2), ("c", 1)])),
            vec![]
        );
        assert_eq!(k_anonymous(vec![]), vec![]);
        // Small ones reaching the minimum together: one "other".
        assert_eq!(
            k_anonymous(buckets(&[("a", 3), ("b", 7), ("c", 2)])),
            buckets(&[("b", 7), ("other", 5)])
        );
        // An "other" of the input joins the small ones, whatever its size.
        assert_eq!(
            k_anonymous(buckets(&[("other", 2), ("a", 3), ("b", 6)])),
            buckets(&[("b", 6), ("other", 5)])
        );
        assert_eq!(
            k_anonymous(buckets(&[("other", 8), ("a", 6)])),
            buckets(&[("a", 6), ("other", 8)])
        );
        // Repeated labels are added up first.
        assert_eq!(
            k_anonymous(buckets(&[("a", 3), ("b", 6), ("a", 3)])),
            buckets(&[("a", 6), ("b", 6)])
        );
        // Zero buckets vanish without creating an "other".
        assert_eq!(
            k_anonymous(buckets(&[("a", 0), ("b", 6)])),
            buckets(&[("b", 6)])
        );
    }

    #[test]
    fn a_lone_small_bucket_takes_the_smallest_shown_one_with_it() {
        // Dropping "unknown: 2" alone would leave it as total − 7 − 6: the smallest shown bucket is merged
        // into "other" too.
        assert_eq!(
            k_anonymous(buckets(&[("female", 7), ("male", 6), ("unknown", 2)])),
            buckets(&[("female", 7), ("other", 8)])
        );
        // Ties: the last of the smallest goes.
        assert_eq!(
            k_anonymous(buckets(&[("a", 6), ("b", 6), ("c", 1)])),
            buckets(&[("a", 6), ("other", 7)])
        );
        // One shown bucket and one small one: only "other" is left.
        assert_eq!(
            k_anonymous(buckets(&[("a", 40), ("b", 1)])),
            buckets(&[("other", 41)])
        );
        // Whatever comes out, every bucket reaches the minimum and the total is unchanged.
        for input in [
            buckets(&[("a", 5), ("b", 1), ("c", 1), ("d", 9)]),
            buckets(&[("x", 4), ("y", 4), ("z", 100)]),
            buckets(&[("other", 1), ("y", 5)]),
        ] {
            let total: u64 = input.iter().map(|(_, n)| n).sum();
            let out = k_anonymous(input);
            assert!(out.iter().all(|(_, n)| *n >= MIN_BUCKET), "{out:?}");
            assert_eq!(out.iter().map(|(_, n)| n).sum::<u64>(), total);
        }
    }

    #[test]
    fn phones_become_e164() {
        let n = |raw: &str| normalize_phone(raw);
        assert_eq!(n("(307) 555-0123").as_deref(), Some("+13075550123"));
        assert_eq!(n("307.555.0123").as_deref(), Some("+13075550123"));
        assert_eq!(n("1 307 555 0123").as_deref(), Some("+13075550123"));
        assert_eq!(n(" +1 (307) 555-0123 ").as_deref(), Some("+13075550123"));
        assert_eq!(n("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(n("+4930123456").as_deref(), Some("+4930123456"));
        assert_eq!(n("+123456789012345"), None, "+1 must be North American");
        assert_eq!(n("+491234567890123").as_deref(), Some("+491234567890123"));
        assert_eq!(n("+4912345678901234"), None, "16 digits");
        assert_eq!(n("+4912345"), None, "7 digits");
        assert_eq!(n("+0123456789"), None);
        assert_eq!(n("555-0123"), None);
        assert_eq!(n("2 307 555 0123"), None);
        assert_eq!(n("(107) 555-0123"), None, "area codes start with 2-9");
        assert_eq!(n("(307) 155-0123"), None, "exchanges start with 2-9");
        assert_eq!(n("307-555-CALL"), None);
        assert_eq!(n("307-555-0123 x12"), None);
        assert_eq!(n("++13075550123"), None);
        assert_eq!(n(""), None);
    }
}
