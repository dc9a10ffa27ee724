//! Batch plans: which indices go into which batch, in order or seeded-shuffled.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::{Error, Result};

/// A seeded permutation of `0..n` (ChaCha8, so it is the same on every platform).
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

/// The indices of each batch over `n` items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchIndices {
    order: Vec<usize>,
    batch_size: usize,
    batches: usize,
}

impl BatchIndices {
    /// Plans batches of `batch_size` over `0..n`, shuffled when `shuffle_seed` is given; with
    /// `drop_remainder` a last, smaller batch is left out.
    pub fn new(
        n: usize,
        batch_size: usize,
        shuffle_seed: Option<u64>,
        drop_remainder: bool,
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::invalid("batch size", "must be at least 1"));
        }
        let order = match shuffle_seed {
            Some(seed) => permutation(n, seed),
            None => (0..n).collect(),
        };
        let batches = if drop_remainder {
            n / batch_size
        } else {
            n.div_ceil(batch_size)
        };
        Ok(BatchIndices {
            order,
            batch_size,
            batches,
        })
    }

    /// Number of batches.
    pub fn len(&self) -> usize {
        self.batches
    }

    /// True when there are no batches.
    pub fn is_empty(&self) -> bool {
        self.batches == 0
    }

    /// The indices of batch `b`.
    ///
    /// # Panics
    /// When `b >= self.len()`.
    pub fn batch(&self, b: usize) -> &[usize] {
        assert!(b < self.batches, "batch {b} of {}", self.batches);
        let start = b * self.batch_size;
        &self.order[start..(start + self.batch_size).min(self.order.len())]
    }

    /// Iterates over the batches.
    pub fn iter(&self) -> impl Iterator<Item = &[usize]> {
        (0..self.batches).map(|b| self.batch(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_remainder() {
        let plan = BatchIndices::new(10, 4, None, false).unwrap();
        assert_eq!(
            plan.iter().map(<[usize]>::to_vec).collect::<Vec<_>>(),
            vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
        );
        assert_eq!(BatchIndices::new(10, 4, None, true).unwrap().len(), 2);
        assert!(BatchIndices::new(10, 0, None, true).is_err());
    }

    #[test]
    fn shuffled_plan_is_a_seeded_permutation() {
        let a = BatchIndices::new(100, 7, Some(9), false).unwrap();
        let mut all: Vec<usize> = a.iter().flatten().copied().collect();
        assert_ne!(all, (0..100).collect::<Vec<_>>());
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(a, BatchIndices::new(100, 7, Some(9), false).unwrap());
    }
}
