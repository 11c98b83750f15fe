//! Random streams: one independent, reproducible stream per (seed, trial, key).
//!
//! Each stream is a SplitMix64 generator (`rand_xoshiro::SplitMix64`; Steele,
//! Lea & Flood 2014, the generator behind Java's `SplittableRandom`) whose
//! state starts at
//!
//! ```text
//! stream_seed = splitmix64(splitmix64(splitmix64(seed) ^ key) ^ trial)
//! key         = FNV-1a 64 of the element's id (UTF-8 bytes)
//! ```
//!
//! A stream costs one word to start, which matters because every element
//! starts a fresh stream in every trial; a stream draws a few thousand numbers
//! at most, far below SplitMix64's period of 2^64.
//!
//! Keying by the element's id, not its position, means the same component in
//! two designs sees the same draws: common random numbers across scenarios.
//! A trial's stream depends on nothing but (seed, trial, id), so trials may run
//! in any order, on any thread, in any process.

use rand::SeedableRng;
use rand_xoshiro::SplitMix64;

/// The generator every stream uses.
pub type StreamRng = SplitMix64;

/// Name of the generator and derivation, recorded in reports.
pub const GENERATOR: &str = "splitmix64/splitmix64(seed,fnv1a64(id),trial)";

/// One SplitMix64 output step (Steele, Lea & Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014).
#[inline]
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a, 64-bit: a stable key for a string.
pub fn fnv1a64(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The seed of the stream for `key` in trial `trial`.
#[inline]
pub fn stream_seed(seed: u64, trial: u64, key: u64) -> u64 {
    trial_stream_seed(key_seed(seed, key), trial)
}

/// The part of [`stream_seed`] that does not depend on the trial, so that it
/// can be computed once per run.
#[inline]
pub fn key_seed(seed: u64, key: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ key)
}

/// [`stream_seed`] from a precomputed [`key_seed`].
#[inline]
pub fn trial_stream_seed(key_seed: u64, trial: u64) -> u64 {
    splitmix64(key_seed ^ trial)
}

/// The master seed of design `design` (0-based) of a comparison run as
/// independent runs (under failure biasing, where trials cannot be
/// paired): the seed itself for the first design, so that its numbers are
/// those of `run` with that seed, and for the others a seed of their own,
/// `splitmix64(seed ^ fnv1a64("redsim-design/D"))`, so that no two designs
/// share their streams.
pub fn design_seed(seed: u64, design: usize) -> u64 {
    if design == 0 {
        seed
    } else {
        splitmix64(seed ^ fnv1a64(&format!("redsim-design/{design}")))
    }
}

/// The stream for `key` in trial `trial`.
#[inline]
pub fn stream(seed: u64, trial: u64, key: u64) -> StreamRng {
    StreamRng::seed_from_u64(stream_seed(seed, trial, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn the_first_design_keeps_the_seed_and_the_others_get_their_own() {
        assert_eq!(design_seed(42, 0), 42);
        let seeds: std::collections::BTreeSet<u64> = (0..1000).map(|d| design_seed(42, d)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_ne!(design_seed(42, 1), design_seed(43, 1));
    }

    #[test]
    fn known_values_stay_put() {
        // Reference values: if these change, every recorded report changes.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn streams_differ_by_trial_and_key_and_repeat_exactly() {
        let a = stream(1, 0, fnv1a64("x")).next_u64();
        assert_eq!(a, stream(1, 0, fnv1a64("x")).next_u64());
        assert_ne!(a, stream(1, 1, fnv1a64("x")).next_u64());
        assert_ne!(a, stream(1, 0, fnv1a64("y")).next_u64());
        assert_ne!(a, stream(2, 0, fnv1a64("x")).next_u64());
    }
}
