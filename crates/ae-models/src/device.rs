//! Choosing the compute device: CUDA when libtorch's CUDA library loads, otherwise CPU.

use std::ffi::CString;
use std::sync::OnceLock;

use tch::Device;

use crate::{Error, Result};

/// Which device the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA when available, otherwise CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// CUDA, or an error when it is not available.
    Cuda,
}

impl std::str::FromStr for DeviceChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            other => Err(Error::Invalid {
                field: "device".into(),
                reason: format!("'{other}' is not one of auto, cpu, cuda"),
            }),
        }
    }
}

static CUDA_LOAD: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Loads `libtorch_cuda.so` into the process when it is installed beside libtorch.
///
/// The linker drops `libtorch_cuda.so` from the binary's needed libraries because no symbol of
/// it is referenced directly (tch-rs issues 907, 984); loading it at start registers the CUDA
/// backend with libtorch. On a CPU-only install the file's dependencies are missing and this
/// returns the loader's message, which is not an error for CPU use. Safe to call repeatedly.
pub fn load_cuda_library() -> std::result::Result<(), String> {
    CUDA_LOAD
        .get_or_init(|| {
            let mut candidates = Vec::new();
            if let Some(lib) = option_env!("AE_LIBTORCH_LIB") {
                candidates.push(format!("{lib}/libtorch_cuda.so"));
            }
            candidates.push("libtorch_cuda.so".to_owned());
            let mut last_error = String::from("libtorch_cuda.so not found");
            for path in candidates {
                if !path.contains('/') || std::path::Path::new(&path).exists() {
                    match dlopen(&path) {
                        Ok(()) => return Ok(()),
                        Err(e) => last_error = e,
                    }
                }
            }
            Err(last_error)
        })
        .clone()
}

fn dlopen(path: &str) -> std::result::Result<(), String> {
    let c_path = CString::new(path).map_err(|e| e.to_string())?;
    // SAFETY: `c_path` is a valid NUL-terminated string; the handle is deliberately leaked so
    // the library stays loaded for the life of the process.
    let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        // SAFETY: dlerror returns a thread-local C string or null.
        let msg = unsafe {
            let err = libc::dlerror();
            if err.is_null() {
                "unknown dlopen error".to_owned()
            } else {
                std::ffi::CStr::from_ptr(err).to_string_lossy().into_owned()
            }
        };
        return Err(msg);
    }
    Ok(())
}

/// Resolves the user's choice to a device, loading CUDA first when it could be used; also keeps
/// freed memory in the process for the next training step ([`crate::memory`]).
pub fn init(choice: DeviceChoice) -> Result<Device> {
    if !crate::memory::keep_freed_memory() {
        tracing::debug!("the C library's allocator keeps its own settings");
    }
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => {
            let _ = load_cuda_library();
            Ok(if tch::Cuda::is_available() {
                Device::Cuda(0)
            } else {
                Device::Cpu
            })
        }
        DeviceChoice::Cuda => {
            let loaded = load_cuda_library();
            if tch::Cuda::is_available() {
                Ok(Device::Cuda(0))
            } else {
                Err(Error::CudaUnavailable(
                    loaded
                        .err()
                        .unwrap_or_else(|| "no CUDA device found".to_owned()),
                ))
            }
        }
    }
}

/// A human-readable name for a device, e.g. `cpu (2 threads)` or `cuda:0`.
pub fn describe(device: Device) -> String {
    match device {
        Device::Cpu => format!("cpu ({} threads)", tch::get_num_threads()),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}"),
    }
}
