//! Contacts search from memory (ADR 0023): each district that is searched gets a [`DistrictIndex`] of its
//! members' words, phone keys and filter columns, read from the database once per version of its state's
//! voter data. A search is then answered by the index — its exact total and the ranks of its page — and
//! one statement fetches the page's rows together with the data version; if that version is not the
//! index's, an import committed since, the index is dropped and rebuilt, and the request is answered by
//! the SQL search as before. So the answer is always the one the database would give in the statement's
//! snapshot.
//!
//! Indexes are built in the background, one at a time, on the first search of a district (that search
//! and those until the index is ready go to SQL). The cache holds at most its memory budget
//! (`WINSERVE_SEARCH_CACHE_MB`) and forgets the least recently used index first.

mod bits;
mod district;
mod load;
mod matches;

pub(crate) use district::DistrictIndex;

use crate::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;
use winserve_domain::District;

/// How a district's index gets built when it is first wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchIndexBuild {
    /// In a background task; searches use SQL until it is ready (the server).
    Background,
    /// Before the search that wants it is answered (tests: the index path is then certain).
    Inline,
}

/// The search cache's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchIndexSettings {
    /// The most memory the indexes may hold together, in bytes; 0 turns the cache off.
    pub budget_bytes: usize,
    /// When indexes are built.
    pub build: SearchIndexBuild,
}

/// How long a district whose index cannot be kept (too large for the budget, a failed build) is left to
/// SQL before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// What [`SearchIndexes::lookup`] found.
enum Lookup {
    Ready(Arc<DistrictIndex>),
    Wait,
    Build,
}

#[derive(Debug)]
enum Slot {
    Building,
    Ready {
        index: Arc<DistrictIndex>,
        used: AtomicU64,
    },
    Unavailable {
        until: Instant,
    },
}

/// The indexes of the districts searched lately.
#[derive(Debug)]
pub(crate) struct SearchIndexes {
    settings: SearchIndexSettings,
    slots: Mutex<HashMap<Uuid, Slot>>,
    /// A logical clock for least-recently-used eviction.
    tick: AtomicU64,
    /// Builds run one at a time: each reads a whole district and takes a core while it does.
    builds: tokio::sync::Semaphore,
}

impl SearchIndexes {
    /// A cache with `settings`; `None` when its budget is 0.
    pub(crate) fn new(settings: SearchIndexSettings) -> Option<Arc<Self>> {
        (settings.budget_bytes > 0).then(|| {
            Arc::new(Self {
                settings,
                slots: Mutex::new(HashMap::new()),
                tick: AtomicU64::new(0),
                builds: tokio::sync::Semaphore::new(1),
            })
        })
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Slot>> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The district's index when it is ready; otherwise starts building it (in the background, or
    /// right here when built inline) and returns what is ready after that.
    pub(crate) async fn index(
        self: &Arc<Self>,
        pool: &PgPool,
        district: &District,
    ) -> Option<Arc<DistrictIndex>> {
        match self.lookup(district.id.as_uuid()) {
            Lookup::Ready(index) => return Some(index),
            Lookup::Wait => return None,
            Lookup::Build => {}
        }
        let this = self.clone();
        let pool = pool.clone();
        let district = district.clone();
        let build = async move { this.build(&pool, &district).await };
        match self.settings.build {
            SearchIndexBuild::Background => {
                tokio::spawn(build);
                None
            }
            SearchIndexBuild::Inline => build.await,
        }
    }

    /// The district's slot: its ready index (marked as used now), or whether to wait (being built, or
    /// unavailable for a while), or to build it (the slot is then marked as being built).
    fn lookup(&self, id: Uuid) -> Lookup {
        let mut slots = self.slots();
        match slots.get(&id) {
            Some(Slot::Ready { index, used }) => {
                used.store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
                Lookup::Ready(index.clone())
            }
            Some(Slot::Building) => Lookup::Wait,
            Some(Slot::Unavailable { until }) if *until > Instant::now() => Lookup::Wait,
            _ => {
                slots.insert(id, Slot::Building);
                Lookup::Build
            }
        }
    }

    /// Keeps a built index within the budget, forgetting the least recently used others; an index
    /// larger than the whole budget is not kept (its district searches in SQL for a while).
    fn keep(&self, id: Uuid, index: DistrictIndex) -> Option<Arc<DistrictIndex>> {
        let bytes = index.bytes();
        let mut slots = self.slots();
        if bytes > self.settings.budget_bytes {
            tracing::info!(district = %id, bytes, "search index larger than its budget: the district searches in SQL");
            slots.insert(
                id,
                Slot::Unavailable {
                    until: Instant::now() + RETRY_AFTER,
                },
            );
            return None;
        }
        let index = Arc::new(index);
        slots.insert(
            id,
            Slot::Ready {
                index: index.clone(),
                used: AtomicU64::new(self.tick.fetch_add(1, Ordering::Relaxed)),
            },
        );
        Self::evict(&mut slots, self.settings.budget_bytes, id);
        metrics::gauge!("winserve_search_index_bytes").set(Self::held(&slots) as f64);
        Some(index)
    }

    /// Forgets the district's index of `version`: the state's data changed since it was read.
    pub(crate) fn forget(&self, district: &District, version: i64) {
        let mut slots = self.slots();
        let id = district.id.as_uuid();
        if matches!(slots.get(&id), Some(Slot::Ready { index, .. }) if index.version() == version) {
            slots.remove(&id);
        }
    }

    async fn build(&self, pool: &PgPool, district: &District) -> Option<Arc<DistrictIndex>> {
        let id = district.id.as_uuid();
        let Ok(_permit) = self.builds.acquire().await else {
            self.slots().remove(&id);
            return None;
        };
        let started = Instant::now();
        match load::load(pool, district).await {
            Ok(index) => {
                tracing::info!(
                    district = %id,
                    members = index.len(),
                    bytes = index.bytes(),
                    version = index.version(),
                    ms = started.elapsed().as_millis() as u64,
                    "search index built"
                );
                self.keep(id, index)
            }
            Err(error) => {
                tracing::warn!(district = %id, error = %error.chain(), "search index not built: the district searches in SQL");
                self.slots().insert(
                    id,
                    Slot::Unavailable {
                        until: Instant::now() + RETRY_AFTER,
                    },
                );
                None
            }
        }
    }

    /// How many indexes are ready, and the bytes they hold.
    pub(crate) fn usage(&self) -> (usize, usize) {
        let slots = self.slots();
        let ready = slots
            .values()
            .filter(|s| matches!(s, Slot::Ready { .. }))
            .count();
        (ready, Self::held(&slots))
    }

    fn held(slots: &HashMap<Uuid, Slot>) -> usize {
        slots
            .values()
            .map(|s| match s {
                Slot::Ready { index, .. } => index.bytes(),
                _ => 0,
            })
            .sum()
    }

    /// Forgets the least recently used indexes (never `keep`) until the rest fit in `budget`.
    fn evict(slots: &mut HashMap<Uuid, Slot>, budget: usize, keep: Uuid) {
        while Self::held(slots) > budget {
            let oldest = slots
                .iter()
                .filter_map(|(id, s)| match s {
                    Slot::Ready { used, .. } if *id != keep => {
                        Some((used.load(Ordering::Relaxed), *id))
                    }
                    _ => None,
                })
                .min();
            let Some((_, id)) = oldest else { return };
            slots.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::district::{DistrictIndexBuilder, Member};
    use super::*;

    fn index(members: usize, version: i64) -> DistrictIndex {
        let mut b = DistrictIndexBuilder::new(version);
        for i in 0..members {
            b.push(&Member {
                voter_id: Uuid::from_u128(i as u128),
                last_name_key: format!("name{i:06}"),
                first_name_key: String::new(),
                has_cell_phone: false,
                has_landline: false,
                has_address: false,
                voter_status: "unknown".into(),
                party: "unknown".into(),
                age_range: "unknown".into(),
                attributes: 0,
                search_text: format!(" name{i:06} "),
            })
            .unwrap();
        }
        b.finish().unwrap()
    }

    fn cache(budget_bytes: usize) -> Arc<SearchIndexes> {
        SearchIndexes::new(SearchIndexSettings {
            budget_bytes,
            build: SearchIndexBuild::Inline,
        })
        .unwrap()
    }

    fn ready(c: &SearchIndexes, id: u128) -> bool {
        matches!(c.lookup(Uuid::from_u128(id)), Lookup::Ready(_))
    }

    #[test]
    fn a_zero_budget_is_no_cache() {
        assert!(
            SearchIndexes::new(SearchIndexSettings {
                budget_bytes: 0,
                build: SearchIndexBuild::Background,
            })
            .is_none()
        );
    }

    #[test]
    fn the_least_recently_used_index_goes_first_and_the_budget_holds() {
        let one = index(1000, 1).bytes();
        let c = cache(one * 2 + one / 2);
        let (a, b, d) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        // The first lookup of a district asks for a build; until it is kept, the next ones wait.
        assert!(matches!(c.lookup(a), Lookup::Build));
        assert!(matches!(c.lookup(a), Lookup::Wait));
        assert!(c.keep(a, index(1000, 1)).is_some());
        assert!(c.keep(b, index(1000, 1)).is_some());
        assert!(ready(&c, 1), "a used after b");
        assert!(c.keep(d, index(1000, 1)).is_some());
        assert!(
            ready(&c, 1) && ready(&c, 3) && !ready(&c, 2),
            "b, least recently used, is gone"
        );
        assert_eq!(c.usage(), (2, one * 2));
    }

    #[test]
    fn an_index_larger_than_the_budget_is_not_kept_and_stale_ones_are_forgotten() {
        let c = cache(index(1000, 1).bytes());
        assert!(c.keep(Uuid::from_u128(9), index(5000, 1)).is_none());
        assert!(
            matches!(c.lookup(Uuid::from_u128(9)), Lookup::Wait),
            "left to SQL for a while"
        );
        let district = winserve_domain::District {
            id: winserve_domain::DistrictId::from_uuid(Uuid::from_u128(1)),
            state: winserve_domain::StateCode::new("WY").unwrap(),
            l2_type: winserve_domain::L2Type::new("City").unwrap(),
            l2_name: winserve_domain::L2Name::new("CHEYENNE CITY").unwrap(),
        };
        assert!(c.keep(Uuid::from_u128(1), index(1000, 4)).is_some());
        c.forget(&district, 3);
        assert!(
            ready(&c, 1),
            "only the index of the stale version is forgotten"
        );
        c.forget(&district, 4);
        assert!(!ready(&c, 1));
    }
}
