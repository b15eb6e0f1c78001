//! A small seeded pseudo-random generator for the bootstrap.
//!
//! The generator is xoshiro256** (Blackman & Vigna), its 256-bit state
//! filled from the 64-bit seed by SplitMix64, and integers below a bound
//! drawn with Lemire's multiply-and-reject method, which is unbiased. It is
//! written here rather than taken from `rand` so that a seed gives the same
//! draws forever and everywhere: it uses only wrapping 64-bit integer
//! arithmetic (no floating point, no platform word size), and no dependency
//! upgrade can change how a bounded integer is drawn (the `rand` crates have
//! changed their range-sampling algorithms between releases). It is not
//! for cryptography.

/// Deterministic generator: the same seed gives the same sequence on every
/// platform and in every version of this crate.
#[derive(Debug, Clone)]
pub struct SeededRng {
    s: [u64; 4],
}

/// One SplitMix64 step: advances `state` and returns the next output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SeededRng {
    /// A generator whose state is four SplitMix64 outputs of `seed`.
    pub fn new(seed: u64) -> SeededRng {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        SeededRng { s }
    }

    /// The next 64 random bits (xoshiro256**).
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..bound` (`bound` > 0), without modulo bias:
    /// the high word of a 128-bit product, rejecting the few low words that
    /// would favour some values.
    ///
    /// # Panics
    /// When `bound` is 0 (there is no integer to draw): a caller's bug.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "SeededRng::below needs a positive bound");
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(bound);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_value() {
        // First SplitMix64 output for seed 0, as published with the
        // algorithm.
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SeededRng::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..5000 {
            seen[r.below(5) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (850..1150).contains(&c)), "{seen:?}");
        assert_eq!(r.below(1), 0);
    }
}
