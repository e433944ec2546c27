//! [`Matches`]: the ranks a search matches, as a sorted list when they are few and as [`Bits`] when they
//! are many — a rare word costs its few postings, a one-letter prefix in a large district costs a pass
//! over one bit per member rather than a sort of hundreds of thousands of ranks.

use super::bits::Bits;

/// Ranks of members, increasing.
#[derive(Debug, Clone)]
pub(crate) enum Matches {
    /// Sorted, without repeats.
    Sparse(Vec<u32>),
    /// One bit per member.
    Dense(Bits),
}

impl Matches {
    /// The ranks of `ranks` (any order, repeats allowed) among `len` members: dense when there are
    /// more than one per 32 members, where a bitset is smaller and faster than a sorted list.
    pub(crate) fn of(len: usize, mut ranks: Vec<u32>) -> Self {
        if ranks.len() > len / 32 {
            let mut bits = Bits::empty(len);
            for r in ranks {
                bits.insert(r);
            }
            Self::Dense(bits)
        } else {
            ranks.sort_unstable();
            ranks.dedup();
            Self::Sparse(ranks)
        }
    }

    /// How many.
    pub(crate) fn count(&self) -> usize {
        match self {
            Self::Sparse(v) => v.len(),
            Self::Dense(b) => b.count(),
        }
    }

    /// The ranks from `start` on.
    pub(crate) fn iter_from(&self, start: usize) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Self::Sparse(v) => {
                let from = v.partition_point(|&r| (r as usize) < start);
                Box::new(v[from..].iter().map(|&r| r as usize))
            }
            Self::Dense(b) => Box::new(b.iter_from(start)),
        }
    }

    /// The ranks after the first `skip`.
    pub(crate) fn iter_skipping(&self, skip: usize) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Self::Sparse(v) => Box::new(v.iter().skip(skip).map(|&r| r as usize)),
            Self::Dense(b) => Box::new(b.iter_skipping(skip)),
        }
    }

    /// Keeps the ranks for which `keep` holds.
    pub(crate) fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        match self {
            Self::Sparse(v) => v.retain(|&r| keep(r as usize)),
            Self::Dense(b) => {
                let dropped: Vec<usize> = b.iter_from(0).filter(|&r| !keep(r)).collect();
                for r in dropped {
                    b.remove(r);
                }
            }
        }
    }

    /// Adds the ranks of `other` (sorted, without repeats).
    pub(crate) fn union_sorted(&mut self, other: &[u32]) {
        match self {
            Self::Dense(b) => {
                for &r in other {
                    b.insert(r);
                }
            }
            Self::Sparse(v) => {
                let mut merged = Vec::with_capacity(v.len() + other.len());
                let (mut i, mut j) = (0, 0);
                while i < v.len() && j < other.len() {
                    match v[i].cmp(&other[j]) {
                        std::cmp::Ordering::Less => {
                            merged.push(v[i]);
                            i += 1;
                        }
                        std::cmp::Ordering::Greater => {
                            merged.push(other[j]);
                            j += 1;
                        }
                        std::cmp::Ordering::Equal => {
                            merged.push(v[i]);
                            i += 1;
                            j += 1;
                        }
                    }
                }
                merged.extend_from_slice(&v[i..]);
                merged.extend_from_slice(&other[j..]);
                *v = merged;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranks(m: &Matches) -> Vec<usize> {
        m.iter_from(0).collect()
    }

    #[test]
    fn sparse_and_dense_answer_alike() {
        let input = vec![9, 3, 3, 70, 1, 64];
        let sparse = Matches::of(1000, input.clone());
        let dense = Matches::of(100, input);
        assert!(matches!(sparse, Matches::Sparse(_)) && matches!(dense, Matches::Dense(_)));
        for m in [sparse, dense] {
            assert_eq!(ranks(&m), [1, 3, 9, 64, 70]);
            assert_eq!(m.count(), 5);
            assert_eq!(m.iter_from(4).collect::<Vec<_>>(), [9, 64, 70]);
            assert_eq!(m.iter_skipping(3).collect::<Vec<_>>(), [64, 70]);
            let mut kept = m.clone();
            kept.retain(|r| r % 2 == 1);
            assert_eq!(ranks(&kept), [1, 3, 9]);
            let mut more = m.clone();
            more.union_sorted(&[0, 3, 71]);
            assert_eq!(ranks(&more), [0, 1, 3, 9, 64, 70, 71]);
        }
    }
}
