//! Which kernels OpenBLAS runs. Debian's OpenBLAS (0.3.21) does not know CPUs newer than it
//! (Intel Sapphire and Emerald Rapids): it falls back to its SSE3 "Prescott" kernels, and PCA
//! runs 3× slower than with its AVX-512 ones (measured: `ae pca` on MNIST, eigh, 0.74 s →
//! 0.24 s). OpenBLAS chooses once, when the library loads, from `OPENBLAS_CORETYPE` or its own
//! detection, so a program can only be started again with the variable set: [`better_core`]
//! says when and with which value, and [`restart_with_better_core`] (called first thing by the
//! binaries) does the restart.

use std::ffi::CStr;

extern "C" {
    fn openblas_get_corename() -> *mut std::os::raw::c_char;
}

/// The kernel set OpenBLAS chose (`Haswell`, `SkylakeX`, `Prescott`, …).
pub fn core_name() -> String {
    // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string.
    unsafe {
        let name = openblas_get_corename();
        if name.is_null() {
            return String::new();
        }
        CStr::from_ptr(name).to_string_lossy().into_owned()
    }
}

/// The `OPENBLAS_CORETYPE` to restart with, when OpenBLAS fell back to a generic SSE kernel
/// set on a CPU with AVX-512 (`SkylakeX`) or AVX2 and FMA (`Haswell`), and the variable is not
/// set already (a user's choice is kept).
pub fn better_core() -> Option<&'static str> {
    if std::env::var_os("OPENBLAS_CORETYPE").is_some() {
        return None;
    }
    let chosen = core_name().to_ascii_lowercase();
    let generic = [
        "prescott",
        "core2",
        "nehalem",
        "katmai",
        "coppermine",
        "northwood",
        "banias",
    ];
    if !generic.iter().any(|g| chosen == *g) {
        return None;
    }
    suited_core()
}

/// Replaces this process by the same program with the same arguments and
/// `OPENBLAS_CORETYPE` set to [`better_core`], when there is one. Returns only when it did not
/// restart: `None` when no restart was needed, the error when starting failed (the program
/// then goes on with the slower kernels). Call it before any other thread starts.
#[cfg(unix)]
pub fn restart_with_better_core() -> Option<(&'static str, std::io::Error)> {
    use std::os::unix::process::CommandExt;
    let core = better_core()?;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some((core, e)),
    };
    // `exec` returns only on failure.
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OPENBLAS_CORETYPE", core)
        .exec();
    Some((core, err))
}

#[cfg(target_arch = "x86_64")]
fn suited_core() -> Option<&'static str> {
    use std::arch::is_x86_feature_detected as has;
    if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
        Some("SkylakeX")
    } else if has!("avx2") && has!("fma") {
        Some("Haswell")
    } else {
        None
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn suited_core() -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_is_named_and_a_set_variable_is_kept() {
        assert!(!core_name().is_empty());
        // Only a generic choice is replaced, and only with a kernel set the CPU runs.
        if let Some(core) = better_core() {
            assert!(["SkylakeX", "Haswell"].contains(&core));
            assert!(std::arch::is_x86_feature_detected!("avx2"));
        }
        // A value the user set is never replaced (no other test here reads the variable).
        std::env::set_var("OPENBLAS_CORETYPE", "Haswell");
        assert_eq!(better_core(), None);
        std::env::remove_var("OPENBLAS_CORETYPE");
    }
}
