//! A tiny, fast, portable pseudo-random generator (SplitMix64) and the hashing used to derive one
//! independent stream per voter from `(rng_seed, index)`.
//!
//! The generator is written out here rather than taken from `rand` so that the generated data can never
//! change with a dependency upgrade: the same seed gives the same file on every version and platform.

/// The 64-bit golden ratio, the SplitMix64 increment (and the Weyl-sequence step of the voter positions).
pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijection of `u64` with good avalanche.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream of voter `index` under `key` (itself derived from the run's seed).
    pub(crate) fn for_index(key: u64, index: u64) -> Self {
        Self(mix64(index ^ key).wrapping_add(key))
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// A uniform integer in `0..n` (`n > 0`; returns 0 for `n == 0`).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform integer in `low..=high`.
    #[inline]
    pub(crate) fn range(&mut self, low: u32, high: u32) -> u32 {
        low + self.below(u64::from(high - low) + 1) as u32
    }

    /// A uniform float in `[0, 1)`.
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element.
    #[inline]
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An element favouring the front of the list (the lists are ordered most frequent first): the index
    /// is `len · u²`, so the first quarter of the list takes half of the draws.
    #[inline]
    pub(crate) fn pick_frequent<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let u = self.unit();
        let i = ((items.len() as f64) * u * u) as usize;
        items[i.min(items.len() - 1)]
    }

    /// An approximately standard-normal value (Irwin–Hall sum of four uniforms, rescaled).
    #[inline]
    pub(crate) fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 3f64.sqrt()
    }
}

/// A bijection of the 62-bit integers (odd multiplications and xor-shifts modulo 2^62), used for voter
/// UUIDs so that distinct indices always give distinct ids.
pub(crate) const fn permute62(x: u64) -> u64 {
    const MASK: u64 = (1 << 62) - 1;
    let mut x = x & MASK;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK;
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK;
    x ^= x >> 29;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93) & MASK;
    x ^ (x >> 32)
}
