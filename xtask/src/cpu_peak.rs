//! The CPU's peak arithmetic rate, computed from its vector width, its units per core and its
//! measured clock, so that a benchmark can say what share of the hardware it used.
//!
//! The clock is measured rather than read: `/proc/cpuinfo` gives the nominal (TSC) rate, and
//! virtual machines hide the turbo frequency the cores really run at. A chain of dependent
//! register-to-register integer additions retires one per cycle on every x86-64 core of the
//! last decade, so additions per second is cycles per second. (Additions of a constant would
//! not do: Intel's Golden Cove and later fold chains of them at renaming, several a cycle.)

use std::fmt::Write as _;
use std::time::Instant;

/// What the cores can do per cycle, and at what clock.
#[derive(Debug, Clone)]
pub struct Peak {
    /// Cores used (the benchmark's threads).
    pub cores: usize,
    /// Measured clock, GHz.
    pub ghz: f64,
    /// FP32 floating-point operations per cycle per core (an FMA counts two).
    pub fp32_per_cycle: f64,
    /// How `fp32_per_cycle` is made up, e.g. "2 FMA units × 16 lanes × 2".
    pub fp32_why: String,
    /// bfloat16 operations per cycle per core, when the CPU has bfloat16 products.
    pub bf16_per_cycle: Option<f64>,
    /// How `bf16_per_cycle` is made up.
    pub bf16_why: String,
}

impl Peak {
    /// FP32 peak in GFLOP/s.
    pub fn fp32_gflops(&self) -> f64 {
        self.cores as f64 * self.fp32_per_cycle * self.ghz
    }

    /// bfloat16 peak in GFLOP/s.
    pub fn bf16_gflops(&self) -> Option<f64> {
        self.bf16_per_cycle
            .map(|f| self.cores as f64 * f * self.ghz)
    }

    /// The formulas with their numbers, for the benchmark's table.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "peak FP32 = {} cores × {} flop/cycle ({}) × {:.2} GHz (measured) = {:.0} GFLOP/s",
            self.cores,
            self.fp32_per_cycle,
            self.fp32_why,
            self.ghz,
            self.fp32_gflops()
        );
        match self.bf16_gflops() {
            Some(g) => {
                let _ = writeln!(
                    s,
                    "peak BF16 = {} cores × {} flop/cycle ({}) × {:.2} GHz = {g:.0} GFLOP/s",
                    self.cores,
                    self.bf16_per_cycle.unwrap_or_default(),
                    self.bf16_why,
                    self.ghz,
                );
            }
            None => {
                let _ = writeln!(s, "peak BF16: {}", self.bf16_why);
            }
        }
        s
    }
}

/// The peak of `cores` cores of this CPU.
pub fn measure(cores: usize) -> Peak {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    peak_of(&cpuinfo, cores, clock_ghz())
}

/// The peak of `cores` cores at `ghz` of the CPU that `cpuinfo` (the text of `/proc/cpuinfo`)
/// describes: its operations per cycle follow from its vendor, family and flags.
fn peak_of(cpuinfo: &str, cores: usize, ghz: f64) -> Peak {
    let has = |flag: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with("flags"))
            .is_some_and(|l| l.split_whitespace().any(|f| f == flag))
    };
    let amd = cpuinfo.contains("AuthenticAMD");
    // AMD's family 26 (0x1A) is Zen 5, whose desktop and server cores have 512-bit FMA units;
    // family 25 with AVX-512 is Zen 4, which runs AVX-512 on 256-bit units. (Zen 5's mobile
    // parts keep 256-bit units: on those the figures below are twice the truth.)
    let amd_family = cpuinfo
        .lines()
        .find(|l| l.starts_with("cpu family"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|f| f.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let wide_units = has("avx512f") && (!amd || amd_family >= 26);
    // FP32: Intel's AVX-512 server cores and Zen 5 have two 512-bit FMA units (16 lanes each);
    // Zen 4 and AVX2 cores have two 256-bit ones.
    let (fp32, fp32_why) = if wide_units {
        (64.0, "2 FMA units × 16 FP32 lanes × 2".to_owned())
    } else if has("avx2") || has("avx512f") {
        (32.0, "2 FMA units × 8 FP32 lanes × 2".to_owned())
    } else {
        (16.0, "2 SSE units × 4 FP32 lanes × 2 (no AVX2)".to_owned())
    };
    // bfloat16: AMX's tile unit does 16×32 by 32×16 products (1,024 flop/cycle); Intel's
    // AVX512-BF16 issues one 512-bit VDPBF16PS a cycle (16 lanes × 2 products × 2 = 64, no
    // more than FP32's two FMAs); AMD runs VDPBF16PS on both FMA units, 256 bits wide on Zen 4
    // (2 × 8 × 2 × 2 = 64) and 512 on Zen 5 (128): twice its FP32 on both. (Measured on a
    // Zen 5 EPYC: a 4096² bf16 `torch.matmul` on 2 cores at 611 GFLOP/s, 86 flop/cycle per
    // core, more than the Zen 4 figure allows.)
    let (bf16, bf16_why) = if has("amx_bf16") {
        (
            Some(1024.0),
            "AMX: 1 tile product of 16×32×16 pairs × 2 a cycle".to_owned(),
        )
    } else if has("avx512_bf16") && amd {
        let lanes = if wide_units { 16 } else { 8 };
        (
            Some(2.0 * lanes as f64 * 2.0 * 2.0),
            format!("AVX512-BF16: 2 VDPBF16PS units × {lanes} lanes × 2 products × 2"),
        )
    } else if has("avx512_bf16") {
        (
            Some(64.0),
            "AVX512-BF16: 1 VDPBF16PS unit × 16 lanes × 2 products × 2 (AMX absent or hidden)"
                .to_owned(),
        )
    } else {
        (None, "no bfloat16 products on this CPU".to_owned())
    };
    Peak {
        cores,
        ghz,
        fp32_per_cycle: fp32,
        fp32_why,
        bf16_per_cycle: bf16,
        bf16_why,
    }
}

/// The core clock in GHz: the fastest of a few timings of 200 million dependent additions.
#[cfg(target_arch = "x86_64")]
fn clock_ghz() -> f64 {
    const ROUNDS: u64 = 50_000_000;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let mut x: u64 = 0;
        let one: u64 = std::hint::black_box(1);
        // SAFETY: register-only arithmetic on `x` and a counter; no memory is touched.
        unsafe {
            std::arch::asm!(
                "2:",
                "add {x}, {one}",
                "add {x}, {one}",
                "add {x}, {one}",
                "add {x}, {one}",
                "dec {n}",
                "jnz 2b",
                x = inout(reg) x,
                one = in(reg) one,
                n = inout(reg) ROUNDS => _,
                options(nomem, nostack),
            );
        }
        std::hint::black_box(x);
        best = best.min(start.elapsed().as_secs_f64());
    }
    // Four dependent additions a round: four cycles (the loop counter runs alongside).
    4.0 * ROUNDS as f64 / best / 1e9
}

#[cfg(not(target_arch = "x86_64"))]
fn clock_ghz() -> f64 {
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::peak_of;

    const INTEL: &str = "GenuineIntel";
    const AMD: &str = "AuthenticAMD";
    const AVX512_BF16: &str = "avx2 avx512f avx512_bf16";

    fn cpu(vendor: &str, family: u32, flags: &str) -> String {
        format!("vendor_id\t: {vendor}\ncpu family\t: {family}\nflags\t\t: fpu sse2 {flags}\n")
    }

    #[test]
    fn units_follow_vendor_family_and_flags() {
        let amx = format!("{AVX512_BF16} amx_bf16");
        // (CPU, FP32 and bf16 flop per cycle per core)
        let cases = [
            // Emerald Rapids with AMX hidden: 512-bit FMAs, one VDPBF16PS a cycle.
            (cpu(INTEL, 6, AVX512_BF16), 64.0, Some(64.0)),
            // ... and with AMX shown.
            (cpu(INTEL, 6, &amx), 64.0, Some(1024.0)),
            // Zen 4: AVX-512 on 256-bit units, bf16 at twice FP32.
            (cpu(AMD, 25, AVX512_BF16), 32.0, Some(64.0)),
            // Zen 5: 512-bit units, bf16 at twice FP32.
            (cpu(AMD, 26, AVX512_BF16), 64.0, Some(128.0)),
            // An AMD core whose hypervisor shows AVX2 only.
            (cpu(AMD, 26, "avx2"), 32.0, None),
            (cpu(INTEL, 6, "sse4_2"), 16.0, None),
        ];
        for (info, fp32, bf16) in cases {
            let p = peak_of(&info, 2, 3.0);
            assert_eq!(p.fp32_per_cycle, fp32, "{info}");
            assert_eq!(p.bf16_per_cycle, bf16, "{info}");
            assert_eq!(p.fp32_gflops(), 2.0 * fp32 * 3.0, "{info}");
        }
    }
}
