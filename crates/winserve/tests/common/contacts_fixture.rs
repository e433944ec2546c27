//! The contacts fixture: a deterministic voter file of 300 WY voters with known answers, loaded through
//! `VoterRepository::upsert_voters`, plus a Win organization over CHEYENNE CITY WARD 1 (120 of them) and
//! helpers that compute every expected answer from the voters themselves.
//!
//! - Everyone is in LARAMIE COUNTY; `i % 5 < 2` are in WARD 1 (120), `i % 5 == 2` in WARD 2 (60).
//! - `i % 10 == 0` are all "Smith, Ann" (30, all of them in ward 1), to exercise the id tie-break.
//! - Names with accents and case variants ("José Núñez", "JOSE Nunez", "Zoë", "Ñandú", "Öberg"…).
//! - Every other attribute is a deterministic pseudo-random pick, so the criteria are uncorrelated.
#![allow(dead_code, clippy::unwrap_used)]

use super::{Reference, TestApp, str_of, token};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::HashSet;
use tower::ServiceExt;
use uuid::Uuid;
use winserve_application::VoterRepository;
use winserve_domain::{
    Address, Education, Ethnicity, Gender, Homeowner, L2Name, L2Type, Language, MaritalStatus,
    PartyGroup, StateCode, Voter, VoterId, VoterStatus, YesNo, YesUnknown, fold,
};

/// Voters in the file.
pub const N: usize = 300;
/// Ward 1 (the Win organization's natural district through `br-council-1`).
pub const WARD1: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 1");
/// Ward 2.
pub const WARD2: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 2");
/// The county (everyone; `br-commission`).
pub const COUNTY: (&str, &str) = ("County", "LARAMIE COUNTY");
/// A district nobody of the fixture lives in (used by concurrent imports).
pub const OTHER_COUNTY: (&str, &str) = ("County", "ALBANY COUNTY");

/// The party descriptions of the file with their group; `None` is an empty `Parties_Description`.
pub const PARTIES: [(Option<&str>, PartyGroup); 7] = [
    (Some("Democratic"), PartyGroup::Democratic),
    (Some("Republican"), PartyGroup::Republican),
    (Some("Libertarian"), PartyGroup::Other),
    (Some("Green"), PartyGroup::Other),
    (None, PartyGroup::Unknown),
    (Some("Non-Partisan"), PartyGroup::Independent),
    (Some("Unaffiliated"), PartyGroup::Independent),
];

/// The distinctive party descriptions (none may leave the server in Serve mode).
pub const PARTY_DESCRIPTIONS: [&str; 4] = ["Democratic", "Republican", "Libertarian", "Green"];

/// The distinctive party groups as values.
pub const PARTY_GROUPS: [&str; 2] = ["democratic", "republican"];

const LAST: [&str; 17] = [
    "Smith",
    "Núñez",
    "Nunez",
    "Nowak",
    "Nyberg",
    "Öberg",
    "Oakley",
    "de la Cruz",
    "Davis",
    "Ñandú",
    "Naylor",
    "Åström",
    "Abbott",
    "Zimmer",
    "Ellis",
    "Young",
    "Baker",
];
const FIRST: [&str; 13] = [
    "José", "Zoë", "Ann", "Ángel", "Bob", "Chloé", "Dana", "Élodie", "Frank", "Hana", "Ivan",
    "JOSE", "zoe",
];
const STREETS: [&str; 7] = [
    "Capitol Ave",
    "Pioneer Ave",
    "Dell Range Blvd",
    "Yellowstone Rd",
    "Ridge Rd",
    "Carey Ave",
    "Central Ave",
];
const AGES: [Option<i16>; 12] = [
    None,
    Some(18),
    Some(24),
    Some(25),
    Some(34),
    Some(35),
    Some(49),
    Some(50),
    Some(87),
    Some(41),
    Some(62),
    Some(29),
];
const INCOMES: [Option<i32>; 19] = [
    None,
    Some(9_000),
    Some(24_999),
    Some(25_000),
    Some(34_999),
    Some(35_000),
    Some(49_999),
    Some(50_000),
    Some(74_999),
    Some(75_000),
    Some(99_999),
    Some(100_000),
    Some(124_999),
    Some(125_000),
    Some(149_999),
    Some(150_000),
    Some(199_999),
    Some(200_000),
    Some(450_000),
];

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A deterministic pick in `0..n` for voter `i` and attribute `salt`.
pub fn pick(i: usize, salt: u64, n: usize) -> usize {
    (splitmix((i as u64) * 1_000 + salt) % n as u64) as usize
}

fn pick_of<T: Copy>(i: usize, salt: u64, all: &[T]) -> T {
    all[pick(i, salt, all.len())]
}

/// A deterministic, scrambled voter id (so the tie-break order is not the insertion order).
pub fn voter_uuid(seed: u64, i: usize) -> Uuid {
    let hi = splitmix((seed << 32) | i as u64);
    let lo = splitmix(hi ^ 0x5555);
    Uuid::from_u128((u128::from(hi) << 64) | u128::from(lo))
}

fn districts(list: &[(&str, &str)]) -> Vec<(L2Type, L2Name)> {
    list.iter()
        .map(|(t, n)| (L2Type::new(t).unwrap(), L2Name::new(n).unwrap()))
        .collect()
}

/// Whether fixture voter `i` lives in ward 1.
pub fn in_ward1(i: usize) -> bool {
    i % 5 < 2
}

/// Voter `i` of the fixture.
pub fn fixture_voter(i: usize) -> Voter {
    let (last, first) = if i.is_multiple_of(10) {
        (Some("Smith"), Some("Ann"))
    } else if i == 1 {
        (Some("Núñez"), Some("José"))
    } else if i == 11 {
        (Some("Ñandú"), Some("Zoë"))
    } else if i == 21 {
        (Some("NUNEZ"), Some("jose"))
    } else if i == 296 || i == 297 {
        (None, Some("Nameless"))
    } else {
        (
            Some(LAST[i % LAST.len()]),
            Some(FIRST[(i / 3 + i) % FIRST.len()]),
        )
    };
    let mut list = vec![COUNTY];
    if in_ward1(i) {
        list.push(WARD1);
    } else if i % 5 == 2 {
        list.push(WARD2);
    }
    let (party_description, party) = PARTIES[pick(i, 1, PARTIES.len())];
    let has_address = pick(i, 7, 8) != 0;
    let has_cell = pick(i, 5, 4) != 0;
    let has_landline = pick(i, 6, 3) == 0;
    Voter {
        id: VoterId::from_uuid(voter_uuid(1, i)),
        lal_voter_id: format!("WY-FX-{i:05}"),
        state: StateCode::new("WY").unwrap(),
        first_name: first.map(str::to_owned),
        middle_name: (i % 4 == 1).then(|| "Quinn".to_owned()),
        last_name: last.map(str::to_owned),
        name_suffix: (i % 29 == 3).then(|| "Jr".to_owned()),
        age: pick_of(i, 2, &AGES),
        gender: pick_of(i, 3, Gender::ALL),
        party_description: party_description.map(str::to_owned),
        party,
        voter_status: pick_of(i, 4, VoterStatus::ALL),
        address: if has_address {
            Address {
                line1: Some(format!(
                    "{} {}",
                    1000 + i,
                    STREETS[pick(i, 8, STREETS.len())]
                )),
                city: Some("Cheyenne".to_owned()),
                state: Some("WY".to_owned()),
                zip: Some(
                    if i.is_multiple_of(2) {
                        "82001"
                    } else {
                        "82009"
                    }
                    .to_owned(),
                ),
            }
        } else {
            Address::default()
        },
        cell_phone: has_cell.then(|| format!("(307) 555-{:04}", 100 + i)),
        landline: has_landline.then(|| format!("(307) 634-{:04}", 5000 + i)),
        marital_status: pick_of(i, 9, MaritalStatus::ALL),
        has_children: pick_of(i, 10, YesNo::ALL),
        veteran: pick_of(i, 11, YesUnknown::ALL),
        homeowner: pick_of(i, 12, Homeowner::ALL),
        business_owner: pick_of(i, 13, YesUnknown::ALL),
        education: pick_of(i, 14, Education::ALL),
        ethnicity: pick_of(i, 15, Ethnicity::ALL),
        language: pick_of(i, 16, Language::ALL),
        estimated_income: pick_of(i, 17, &INCOMES),
        districts: districts(&list),
    }
}

/// The whole fixture file.
pub fn fixture_voters() -> Vec<Voter> {
    (0..N).map(fixture_voter).collect()
}

/// `count` extra voters (ids and LAL ids from `seed`) living in `district` (and the other county), with
/// last names spread over the alphabet so they interleave with the fixture's order.
pub fn extra_voters(seed: u64, count: usize, district: (&str, &str)) -> Vec<Voter> {
    (0..count)
        .map(|k| {
            let mut v = fixture_voter(k % N);
            v.id = VoterId::from_uuid(voter_uuid(seed, k));
            v.lal_voter_id = format!("WY-X{seed}-{k:05}");
            v.last_name = Some(LAST[(k * 7 + seed as usize) % LAST.len()].to_owned());
            v.first_name = Some(format!("Extra{seed}x{k}"));
            v.districts = districts(&[district, OTHER_COUNTY]);
            v
        })
        .collect()
}

/// The contacts order: folded last name, folded first name, id.
pub fn order_key(v: &Voter) -> (String, String, Uuid) {
    (v.last_name_key(), v.first_name_key(), v.id.as_uuid())
}

/// The ids of `voters` in the contacts order.
pub fn ordered_ids<'a>(voters: impl IntoIterator<Item = &'a Voter>) -> Vec<String> {
    let mut v: Vec<&Voter> = voters.into_iter().collect();
    v.sort_by_key(|v| order_key(v));
    v.iter().map(|v| v.id.as_uuid().to_string()).collect()
}

fn age_bracket(age: Option<i16>) -> &'static str {
    match age {
        Some(a) if (18..=24).contains(&a) => "18_24",
        Some(a) if (25..=34).contains(&a) => "25_34",
        Some(a) if (35..=49).contains(&a) => "35_49",
        Some(a) if a >= 50 => "50_plus",
        _ => "unknown",
    }
}

fn income_bracket(income: Option<i32>) -> &'static str {
    match income {
        None => "unknown",
        Some(i) if i < 25_000 => "under_25k",
        Some(i) if i < 35_000 => "25k_35k",
        Some(i) if i < 50_000 => "35k_50k",
        Some(i) if i < 75_000 => "50k_75k",
        Some(i) if i < 100_000 => "75k_100k",
        Some(i) if i < 125_000 => "100k_125k",
        Some(i) if i < 150_000 => "125k_150k",
        Some(i) if i < 200_000 => "150k_200k",
        Some(_) => "200k_plus",
    }
}

fn nonblank(s: Option<&String>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// The criteria value of `v` for the list key `key` of the criteria table.
pub fn value_of(v: &Voter, key: &str) -> &'static str {
    match key {
        "voter_status" => v.voter_status.as_str(),
        "party" => v.party.as_str(),
        "age_ranges" => age_bracket(v.age),
        "gender" => v.gender.as_str(),
        "languages" => v.language.as_str(),
        "marital_status" => v.marital_status.as_str(),
        "has_children" => v.has_children.as_str(),
        "veteran" => v.veteran.as_str(),
        "homeowner" => v.homeowner.as_str(),
        "business_owner" => v.business_owner.as_str(),
        "education" => v.education.as_str(),
        "ethnicity" => v.ethnicity.as_str(),
        "income_ranges" => income_bracket(v.estimated_income),
        other => panic!("unknown criteria key {other}"),
    }
}

/// Whether `v` matches JSON criteria (the test's own reading of the criteria table).
pub fn matches(v: &Voter, criteria: &Value) -> bool {
    criteria.as_object().unwrap().iter().all(|(k, want)| {
        let flag = |have: bool| want.as_bool().unwrap() == have;
        match k.as_str() {
            "has_cell_phone" => flag(nonblank(v.cell_phone.as_ref())),
            "has_landline" => flag(nonblank(v.landline.as_ref())),
            "has_address" => flag(nonblank(v.address.line1.as_ref())),
            key => {
                let have = value_of(v, key);
                want.as_array().unwrap().iter().any(|w| w == have)
            }
        }
    })
}

/// The apostrophes a search deletes before splitting words (`O'Neil` is the one word `oneil`).
pub const APOSTROPHES: [char; 5] = ['\'', '\u{2019}', '\u{2018}', '\u{2bc}', '`'];

/// Most words a search may have.
pub const MAX_SEARCH_WORDS: usize = 8;

/// Most characters a search may have once folded.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The search words of `text` (the test's own reading): folded, apostrophes deleted, split on every
/// character that is not alphanumeric (`Smith-Jones` → `smith`, `jones`; `82001-1234` → `82001`, `1234`).
pub fn words_of(text: &str) -> Vec<String> {
    fold(text)
        .chars()
        .filter(|c| !APOSTROPHES.contains(c))
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words a search looks in (the test's own reading): the words of the first, middle and last name,
/// the name suffix, address line 1, city and ZIP — never phones (they have their own rule) nor party.
pub fn haystack(v: &Voter) -> Vec<String> {
    [
        &v.first_name,
        &v.middle_name,
        &v.last_name,
        &v.name_suffix,
        &v.address.line1,
        &v.address.city,
        &v.address.zip,
    ]
    .into_iter()
    .flat_map(|f| words_of(f.as_deref().unwrap_or("")))
    .collect()
}

/// Whether the search `q` is refused (422 `validation_failed` naming `search`): more than 8 words, or
/// more than 200 characters once folded.
pub fn search_rejected(q: &str) -> bool {
    words_of(q).len() > MAX_SEARCH_WORDS || fold(q).chars().count() > MAX_SEARCH_CHARS
}

/// Phone digits without a leading country code 1 (11 digits starting with 1 → the last 10).
fn national_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits.starts_with('1') {
        digits[1..].to_owned()
    } else {
        digits
    }
}

/// The digits of `q` when it is phone-like: only ASCII digits and ` ()-.+`, at least 4 digits.
pub fn phone_query_digits(q: &str) -> Option<String> {
    let q = fold(q);
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-.+".contains(c))
        && q.chars().filter(char::is_ascii_digit).count() >= 4;
    phone_like.then(|| national_digits(&q))
}

/// Whether the phone `phone` matches the phone-like query digits `d`: the phone starts with them; or,
/// up to 7 of them, its last 7 digits start with them; or, exactly 4, its last 4 digits are them.
pub fn phone_matches(phone: &str, d: &str) -> bool {
    let p = national_digits(phone);
    let last = |n: usize| &p[p.len().saturating_sub(n)..];
    p.starts_with(d) || (d.len() <= 7 && last(7).starts_with(d)) || (d.len() == 4 && last(4) == d)
}

/// Whether `v` matches the free-text search `q` (the test's own reading; `q` must not be
/// [`search_rejected`]): every query word starts some word of the contact, or — a phone-like query —
/// a phone of the contact matches its digits. A query without words matches everyone.
pub fn matches_search(v: &Voter, q: &str) -> bool {
    let words = words_of(q);
    if words.is_empty() {
        return true;
    }
    let hay = haystack(v);
    if words
        .iter()
        .all(|w| hay.iter().any(|h| h.starts_with(w.as_str())))
    {
        return true;
    }
    phone_query_digits(q).is_some_and(|d| {
        [&v.cell_phone, &v.landline]
            .into_iter()
            .flatten()
            .any(|p| phone_matches(p, &d))
    })
}

/// The built-in segments and their criteria (interfaces.md).
pub fn built_ins() -> Vec<(&'static str, Value)> {
    vec![
        ("all", json!({})),
        ("texting", json!({ "has_cell_phone": true })),
        ("door_knocking", json!({ "has_address": true })),
        ("direct_mail", json!({ "has_address": true })),
        ("phone_banking", json!({ "has_landline": true })),
        ("digital_ads", json!({ "has_cell_phone": true })),
    ]
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON criteria as ad-hoc query parameters (`voter_status=super,likely&has_cell_phone=true`).
pub fn query_of(criteria: &Value) -> String {
    criteria
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| match v {
            Value::Bool(b) => format!("{k}={b}"),
            Value::Array(list) => format!(
                "{k}={}",
                list.iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => panic!("bad criterion {other}"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `path` with `query` appended (`?` or `&`).
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else if path.contains('?') {
        format!("{path}&{query}")
    } else {
        format!("{path}?{query}")
    }
}

/// The world of the contacts tests: reference data, the fixture file, and a user with a Win organization
/// (campaign on `br-council-1`, i.e. ward 1, launched).
pub struct World {
    /// The app.
    pub app: TestApp,
    /// Reference districts.
    pub r: Reference,
    /// The fixture voters (as written; the importer keeps their ids).
    pub voters: Vec<Voter>,
    /// The user's token.
    pub t: String,
    /// The Win organization's slug.
    pub win: String,
    /// Its campaign.
    pub campaign_id: String,
}

impl World {
    /// Seeds everything; the campaign is launched (ready to win).
    pub async fn new() -> Self {
        Self::with_voters(fixture_voters(), "user_contacts_owner").await
    }

    /// Seeds the reference data, `voters` and `owner`'s launched campaign over ward 1.
    pub async fn with_voters(voters: Vec<Voter>, owner: &str) -> Self {
        let app = TestApp::new().await;
        let r = app.seed_reference().await;
        assert_eq!(
            app.store.upsert_voters(&voters).await.unwrap(),
            voters.len() as u64
        );
        let t = token(owner);
        let created = app
            .create_campaign(
                &t,
                json!({ "ballotready_position_id": "br-council-1", "election_date": "2026-11-03" }),
            )
            .await;
        let win = str_of(&created["organization"]["slug"]);
        let campaign_id = str_of(&created["campaign"]["id"]);
        app.launch(&t, &campaign_id).await;
        Self {
            app,
            r,
            voters,
            t,
            win,
            campaign_id,
        }
    }

    /// The fixture voters of ward 1.
    pub fn ward(&self) -> Vec<&Voter> {
        self.voters
            .iter()
            .enumerate()
            .filter(|(i, _)| in_ward1(*i))
            .map(|(_, v)| v)
            .collect()
    }

    /// Every fixture voter (the county).
    pub fn county(&self) -> Vec<&Voter> {
        self.voters.iter().collect()
    }

    /// Wins the campaign (optionally copying segments); `(serve slug, result body)`.
    pub async fn win_it(&self, copy_segments: bool) -> (String, Value) {
        let (status, _, body) = self
            .post_raw_json(
                &format!("/v1/campaigns/{}/result", self.campaign_id),
                None,
                json!({ "outcome": "won", "copy_segments": copy_segments }),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "won: {}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        (str_of(&v["organization"]["slug"]), v)
    }

    /// POST a JSON body (optionally in an organization) and keep the raw answer bytes.
    pub async fn post_raw_json(
        &self,
        path: &str,
        slug: Option<&str>,
        body: Value,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        raw(&self.app, Method::POST, path, &self.t, slug, Some(body)).await
    }

    /// GET in an organization, raw bytes.
    pub async fn raw_get(&self, path: &str, slug: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        raw(&self.app, Method::GET, path, &self.t, Some(slug), None).await
    }

    /// GET in an organization, JSON.
    pub async fn get(&self, path: &str, slug: &str) -> super::Resp {
        self.app.get_in(path, &self.t, slug).await
    }

    /// GET in an organization that must answer 200.
    pub async fn get_ok(&self, path: &str, slug: &str) -> Value {
        let r = self.get(path, slug).await;
        assert_eq!(r.0, StatusCode::OK, "GET {path}: {}", r.2);
        r.2
    }

    /// Any method with a JSON body in an organization.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        slug: &str,
        body: Option<Value>,
    ) -> super::Resp {
        self.app
            .request(method, path, Some(&self.t), Some(slug), body)
            .await
    }

    /// Points the Win organization at `district_id` (PATCH override).
    pub async fn set_override(&self, slug: &str, district_id: &str) {
        let r = self
            .app
            .patch(
                &format!("/v1/organizations/{slug}"),
                &self.t,
                json!({ "override_district_id": district_id }),
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "override: {}", r.2);
        assert_eq!(r.2["district"]["id"], district_id);
    }
}

/// One request whose answer is kept as raw bytes.
pub async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    slug: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(s) = slug {
        builder = builder.header("x-organization-slug", s);
    }
    let request = match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&b).unwrap()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    };
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

/// Every page of `/v1/contacts?<query>` by `page=` (per_page 100): `(total, contacts)`. Checks the
/// paging metadata of every page.
pub async fn list_all(app: &TestApp, t: &str, slug: &str, query: &str) -> (u64, Vec<Value>) {
    let mut all = Vec::new();
    let mut page: u64 = 1;
    loop {
        let path = with_query(
            &with_query("/v1/contacts", query),
            &format!("page={page}&per_page=100"),
        );
        let r = app.get_in(&path, t, slug).await;
        assert_eq!(r.0, StatusCode::OK, "GET {path}: {}", r.2);
        let meta = &r.2["meta"];
        let total = meta["total"].as_u64().unwrap();
        assert_eq!(meta["page"], page, "{path}");
        assert_eq!(meta["per_page"], 100, "{path}");
        assert_eq!(
            meta["total_pages"].as_u64().unwrap(),
            total.div_ceil(100),
            "{path}"
        );
        let contacts = r.2["contacts"].as_array().unwrap().clone();
        let expected_len = total.saturating_sub((page - 1) * 100).min(100);
        assert_eq!(contacts.len() as u64, expected_len, "page size of {path}");
        all.extend(contacts);
        if page * 100 >= total {
            return (total, all);
        }
        page += 1;
    }
}

/// Every contact by cursor, `per_page` at a time, calling `between(k)` after page `k`: the contacts in
/// the order seen.
pub async fn cursor_all<F, Fut>(
    app: &TestApp,
    t: &str,
    slug: &str,
    query: &str,
    per_page: u32,
    mut between: F,
) -> Vec<Value>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for k in 0.. {
        let mut q = if query.is_empty() {
            format!("per_page={per_page}")
        } else {
            format!("{query}&per_page={per_page}")
        };
        if let Some(c) = &cursor {
            q = format!("{q}&cursor={}", enc(c));
        }
        let path = with_query("/v1/contacts", &q);
        let r = app.get_in(&path, t, slug).await;
        assert_eq!(r.0, StatusCode::OK, "GET {path}: {}", r.2);
        if cursor.is_some() {
            assert_eq!(
                r.2["meta"]["page"],
                Value::Null,
                "cursor pages have no number"
            );
        }
        let page = r.2["contacts"].as_array().unwrap().clone();
        assert!(page.len() <= per_page as usize);
        all.extend(page);
        match r.2["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        between(k).await;
        assert!(k < 10_000, "cursor paging does not end");
    }
    all
}

/// The `id`s of contacts.
pub fn ids_of(contacts: &[Value]) -> Vec<String> {
    contacts.iter().map(|c| str_of(&c["id"])).collect()
}

/// Asserts that no id repeats.
#[track_caller]
pub fn assert_unique(ids: &[String]) {
    let set: HashSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "a contact was returned twice");
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
