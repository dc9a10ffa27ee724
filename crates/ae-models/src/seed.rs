//! Seeded draws from libtorch's random generator that other threads cannot disturb.
//!
//! libtorch has one default CPU generator per process, and tch exposes no other (no
//! `Generator` argument on `randn`, `randint`, `randperm` or a `VarStore`'s initialisers).
//! `tch::manual_seed(s)` followed by draws therefore gives the same numbers only if no other
//! thread seeds or draws in between: two trainings in two threads of one process (the test
//! harness runs tests that way) would otherwise take numbers from each other's streams, and
//! the same seed would stop giving the same weights.
//!
//! [`seeded`] seeds the generator and returns a guard; while a thread holds it, every other
//! thread's [`seeded`] waits. Each seeded section of this workspace (a model's initial weights,
//! a training step's augmentation, noise and sampling, a validation pass's noise) draws only
//! under its guard, so the numbers of a section depend on its seed alone. The lock is
//! re-entrant: a section may call code that opens a section of its own on the same thread
//! (the inner seed then restarts the stream, exactly as `manual_seed` alone would), so a
//! single-threaded program draws the same numbers as without the lock.
//!
//! Draws made outside any section (user code calling `Tensor::randn` directly) are not
//! serialised; call [`seeded`] around them to make them reproducible beside other threads.

use parking_lot::{ReentrantMutex, ReentrantMutexGuard};

/// The one lock that every seeded section of the process takes.
static GENERATOR: ReentrantMutex<()> = ReentrantMutex::new(());

/// Seeds libtorch's default generator with `seed` and keeps other threads from seeding or
/// drawing through [`seeded`] until the returned guard is dropped. Keep the guard alive for
/// exactly the draws that the seed must determine: `let _rng = seeded(7);`.
#[must_use = "the draws are protected only while the guard lives"]
pub fn seeded(seed: i64) -> SeedGuard {
    let guard = GENERATOR.lock();
    tch::manual_seed(seed);
    SeedGuard { _lock: guard }
}

/// Keeps other threads from seeding or drawing through [`seeded`] without reseeding: for a
/// run of draws, or of `tch::manual_seed` calls, that must not interleave with another
/// thread's (a test that seeds several times, say).
#[must_use = "the draws are protected only while the guard lives"]
pub fn hold() -> SeedGuard {
    SeedGuard {
        _lock: GENERATOR.lock(),
    }
}

/// Proof that this thread holds the generator (see [`seeded`]); dropping it lets other
/// threads seed.
pub struct SeedGuard {
    _lock: ReentrantMutexGuard<'static, ()>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    /// A long sequence of draws after one seed, summarised so that any change shows.
    fn stream(seed: i64) -> Vec<f64> {
        let _rng = seeded(seed);
        (0..200)
            .map(|_| Tensor::randn([256], (Kind::Float, tch::Device::Cpu)).sum(Kind::Double))
            .map(|t| t.double_value(&[]))
            .collect()
    }

    #[test]
    fn concurrent_sections_draw_what_they_draw_alone() {
        let alone: Vec<_> = [11, 12].map(stream).into();
        // Four threads, two per seed, each drawing 200 times: without the lock their draws
        // interleave on the one generator and the streams differ from the solo ones.
        let together: Vec<Vec<f64>> = std::thread::scope(|s| {
            let handles: Vec<_> = [11, 12, 11, 12]
                .into_iter()
                .map(|seed| s.spawn(move || stream(seed)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, got) in together.iter().enumerate() {
            assert_eq!(got, &alone[i % 2], "thread {i}");
        }
        assert_ne!(alone[0], alone[1]);
    }

    #[test]
    fn a_nested_section_restarts_the_stream_as_manual_seed_does() {
        let outer = seeded(3);
        let first = Tensor::randn([4], (Kind::Float, tch::Device::Cpu));
        {
            let _inner = seeded(3);
            let again = Tensor::randn([4], (Kind::Float, tch::Device::Cpu));
            assert!(first.equal(&again));
        }
        drop(outer);
    }
}
