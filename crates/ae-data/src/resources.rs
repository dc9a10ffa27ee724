//! What the machine has (memory, cores), so that a parameter sizing memory or threads is
//! refused before work starts rather than killed by the kernel or stalling the machine.

use crate::{Error, Result};

/// Bytes of memory the kernel says are available to new allocations (`MemAvailable`), or `None`
/// where that cannot be read (then memory checks pass).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// Logical cores this process may use.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Refuses `parameter` when `what`, needing about `bytes`, would not fit in the memory available
/// (with a quarter kept free for everything else).
pub fn ensure_memory(parameter: &'static str, what: &str, bytes: u128) -> Result<()> {
    let Some(available) = available_memory() else {
        return Ok(());
    };
    let budget = u128::from(available) / 4 * 3;
    if bytes > budget {
        return Err(Error::invalid(
            parameter,
            format!(
                "{what} would need about {}, more than the {} of memory available; make it smaller",
                human_bytes(bytes),
                human_bytes(u128::from(available))
            ),
        ));
    }
    Ok(())
}

/// Refuses a thread count above the machine's cores (more only slows libtorch and BLAS down,
/// and a very large count can exhaust the process table).
pub fn ensure_threads(parameter: &'static str, threads: usize) -> Result<()> {
    let cores = available_cores();
    if threads == 0 || threads > cores {
        return Err(Error::invalid(
            parameter,
            format!("{threads} is not between 1 and {cores}, the cores of this machine"),
        ));
    }
    Ok(())
}

/// `bytes` as "1.5 GiB", "300 MiB", …
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_memory_and_threads() {
        assert!(available_memory().is_some_and(|m| m > 1 << 20));
        assert!(ensure_memory("n", "a few floats", 1000).is_ok());
        let e = ensure_memory("n", "the images", 1 << 80).unwrap_err();
        assert_eq!(e.parameter(), Some("n"));
        assert!(e.to_string().contains("the images would need about"), "{e}");
        assert!(ensure_threads("threads", 1).is_ok());
        let e = ensure_threads("threads", 100_000).unwrap_err().to_string();
        assert!(e.contains("100000 is not between 1 and"), "{e}");
        assert!(ensure_threads("threads", 0).is_err());
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}
