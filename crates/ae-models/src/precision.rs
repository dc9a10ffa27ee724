//! Numeric precision of training: FP32, or bfloat16 mixed precision through libtorch's autocast.
//!
//! With [`Precision::Bf16`] the forward pass runs under libtorch's automatic mixed precision
//! (what `torch.autocast("cpu", dtype=torch.bfloat16)` does in Python): convolutions and matrix
//! products take bfloat16 copies of their inputs and weights, while the weights themselves, the
//! optimizer's state, the losses and every metric stay FP32. tch reaches only CUDA's autocast
//! switch, so the CPU's is compiled from `cpp/autocast.cpp`.
//!
//! bfloat16 pays only where the hardware multiplies it natively: AVX512-BF16 or AMX-BF16 on
//! x86-64. Elsewhere oneDNN would emulate it, slower than FP32, so [`Precision::resolve`] falls
//! back to FP32 and says why. Natively supported is not the same as faster: on an Intel Xeon
//! without AMX, one `vdpbf16ps` (64 flops) issues per cycle against two FP32 FMAs (also 64
//! flops), so bfloat16 has no more peak than FP32 there; an AMD Zen 5 runs `vdpbf16ps` on both
//! of its FMA units, twice its FP32 peak, and trains the deep AE and the U-Net 1.3–1.5 times
//! faster in bfloat16 (both measured in `docs/BENCHMARKS.md`).

use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::{Error, Result};

/// The environment variable that, set to `0`, hides the CPU's bfloat16 instructions from
/// [`cpu_bf16`] (to run FP32 where bf16 was asked, or to test the fallback).
pub const DISABLE_ENV: &str = "AE_CPU_BF16";

/// The precision of training's arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Everything in 32-bit floats.
    #[default]
    Fp32,
    /// Convolutions and matrix products in bfloat16 (autocast), everything else FP32.
    Bf16,
}

impl Precision {
    /// Whether this is the default (config files leave the field out then).
    pub fn is_fp32(&self) -> bool {
        *self == Precision::Fp32
    }

    /// The precision that will run on `device`, and, when it differs from the one asked, why.
    ///
    /// bfloat16 runs on CUDA, and on a CPU with native bfloat16 products ([`cpu_bf16`]).
    pub fn resolve(self, device: Device) -> (Precision, Option<String>) {
        self.resolve_with(device, cpu_bf16())
    }

    /// [`Precision::resolve`] for a CPU whose bfloat16 instructions are `cpu_bf16`.
    pub fn resolve_with(
        self,
        device: Device,
        cpu_bf16: Option<&str>,
    ) -> (Precision, Option<String>) {
        match (self, device) {
            (Precision::Bf16, Device::Cpu) => match cpu_bf16 {
                Some(_) => (Precision::Bf16, None),
                None => (
                    Precision::Fp32,
                    Some(format!(
                        "this CPU has no native bfloat16 products (AVX512-BF16 or AMX-BF16{}); \
                         running FP32",
                        if std::env::var(DISABLE_ENV).as_deref() == Ok("0") {
                            format!(", or {DISABLE_ENV}=0 hides them")
                        } else {
                            String::new()
                        }
                    )),
                ),
            },
            (p, _) => (p, None),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        })
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fp32" | "float32" => Ok(Precision::Fp32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            other => Err(Error::invalid(
                "precision",
                format!("'{other}' is not one of fp32, bf16"),
            )),
        }
    }
}

/// The CPU's native bfloat16 instructions that oneDNN uses (`"AMX-BF16"` or `"AVX512-BF16"`),
/// or `None` when it has none or [`DISABLE_ENV`] is `0`.
pub fn cpu_bf16() -> Option<&'static str> {
    if std::env::var(DISABLE_ENV).as_deref() == Ok("0") {
        return None;
    }
    static DETECTED: OnceLock<Option<&'static str>> = OnceLock::new();
    *DETECTED.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Option<&'static str> {
    // oneDNN's bfloat16 kernels need AVX-512 (and the OS saving its registers, which
    // `is_x86_feature_detected` checks).
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return None;
    }
    use std::arch::x86_64::__cpuid_count;
    // Leaf 7 is read only when leaf 0 lists it.
    if __cpuid_count(0, 0).eax < 7 {
        return None;
    }
    let (leaf7_0, leaf7_1) = (__cpuid_count(7, 0), __cpuid_count(7, 1));
    bf16_instructions(leaf7_0.eax, leaf7_0.edx, leaf7_1.eax)
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Option<&'static str> {
    None
}

/// The bfloat16 instructions that CPUID leaf 7 lists, given an AVX-512 CPU: sub-leaf 0's EAX
/// (the highest sub-leaf) and EDX (bit 22: AMX-BF16), sub-leaf 1's EAX (bit 5: AVX512-BF16).
/// AMX also needs the OS to grant its tile state, which oneDNN asks for itself; a virtual
/// machine that hides AMX clears the bit.
fn bf16_instructions(leaf7_0_eax: u32, leaf7_0_edx: u32, leaf7_1_eax: u32) -> Option<&'static str> {
    if leaf7_0_edx & (1 << 22) != 0 {
        Some("AMX-BF16")
    } else if leaf7_0_eax >= 1 && leaf7_1_eax & (1 << 5) != 0 {
        Some("AVX512-BF16")
    } else {
        None
    }
}

mod ffi {
    extern "C" {
        pub fn ae_autocast_is_enabled(device_type: i8) -> bool;
        pub fn ae_autocast_dtype(device_type: i8) -> i8;
        pub fn ae_autocast_set(device_type: i8, enabled: bool, dtype: i8);
        pub fn ae_autocast_increment_nesting() -> i32;
        pub fn ae_autocast_decrement_nesting() -> i32;
    }
}

/// c10::ScalarType::BFloat16.
const BFLOAT16: i8 = 15;

/// libtorch's mixed precision switched on for one device type on this thread, until dropped
/// (then the previous state returns and the cached bfloat16 weights are freed).
///
/// Autocast is a thread-local setting of libtorch, so the guard cannot move between threads.
#[derive(Debug)]
pub struct Autocast {
    device_type: i8,
    was_enabled: bool,
    was_dtype: i8,
    _not_send: PhantomData<*const ()>,
}

impl Autocast {
    /// bfloat16 autocast for `device`'s type when `precision` is [`Precision::Bf16`]; `None`
    /// (nothing changed) for FP32.
    pub fn enter(precision: Precision, device: Device) -> Option<Autocast> {
        if precision != Precision::Bf16 {
            return None;
        }
        let device_type = match device {
            Device::Cpu => 0,
            Device::Cuda(_) => 1,
            _ => return None,
        };
        // SAFETY: plain calls into libtorch's thread-local autocast state.
        unsafe {
            let guard = Autocast {
                device_type,
                was_enabled: ffi::ae_autocast_is_enabled(device_type),
                was_dtype: ffi::ae_autocast_dtype(device_type),
                _not_send: PhantomData,
            };
            ffi::ae_autocast_set(device_type, true, BFLOAT16);
            ffi::ae_autocast_increment_nesting();
            Some(guard)
        }
    }

    /// Whether autocast is on for the CPU on this thread.
    pub fn cpu_enabled() -> bool {
        // SAFETY: reads libtorch's thread-local autocast state.
        unsafe { ffi::ae_autocast_is_enabled(0) }
    }
}

impl Drop for Autocast {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` read, on the same thread (the guard is not Send).
        unsafe {
            ffi::ae_autocast_decrement_nesting();
            ffi::ae_autocast_set(self.device_type, self.was_enabled, self.was_dtype);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn names_parse_and_print() {
        for p in [Precision::Fp32, Precision::Bf16] {
            assert_eq!(p.to_string().parse::<Precision>().unwrap(), p);
        }
        assert_eq!(serde_json::to_string(&Precision::Bf16).unwrap(), "\"bf16\"");
        let e = "fp16".parse::<Precision>().unwrap_err().to_string();
        assert!(e.contains("precision") && e.contains("fp32, bf16"), "{e}");
    }

    #[test]
    fn cpu_features_decide_and_their_absence_falls_back_to_fp32() {
        // Sapphire Rapids with AMX; a VM hiding AMX but not AVX512-BF16; Zen 4 (AVX512-BF16);
        // Ice Lake (AVX-512, no bf16); a CPU whose leaf 7 has no sub-leaf 1.
        assert_eq!(bf16_instructions(2, 1 << 22, 1 << 5), Some("AMX-BF16"));
        assert_eq!(bf16_instructions(2, 0, 1 << 5), Some("AVX512-BF16"));
        assert_eq!(
            bf16_instructions(1, 0, (1 << 5) | (1 << 4)),
            Some("AVX512-BF16")
        );
        assert_eq!(bf16_instructions(1, 0, 1 << 4), None);
        assert_eq!(bf16_instructions(0, 0, 1 << 5), None);

        let cpu = Device::Cpu;
        assert_eq!(
            Precision::Bf16.resolve_with(cpu, Some("AVX512-BF16")),
            (Precision::Bf16, None)
        );
        let (p, why) = Precision::Bf16.resolve_with(cpu, None);
        assert_eq!(p, Precision::Fp32);
        assert!(why.unwrap().contains("no native bfloat16"));
        assert_eq!(
            Precision::Fp32.resolve_with(cpu, None),
            (Precision::Fp32, None)
        );
        assert_eq!(
            Precision::Bf16.resolve_with(Device::Cuda(0), None),
            (Precision::Bf16, None)
        );
    }

    #[test]
    fn autocast_lowers_matrix_products_inside_the_guard_only() {
        let a = Tensor::ones([4, 8], (Kind::Float, Device::Cpu));
        let b = Tensor::ones([8, 3], (Kind::Float, Device::Cpu));
        assert!(Autocast::enter(Precision::Fp32, Device::Cpu).is_none());
        assert!(!Autocast::cpu_enabled());
        {
            let _guard = Autocast::enter(Precision::Bf16, Device::Cpu).unwrap();
            assert!(Autocast::cpu_enabled());
            let c = a.matmul(&b);
            assert_eq!(c.kind(), Kind::BFloat16);
            assert_eq!(c.to_kind(Kind::Float).double_value(&[0, 0]), 8.0);
            // Element-wise operations are left in the input's type.
            assert_eq!((&a + 1.0).kind(), Kind::Float);
        }
        assert!(!Autocast::cpu_enabled());
        assert_eq!(a.matmul(&b).kind(), Kind::Float);
    }
}
