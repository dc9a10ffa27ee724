//! `cargo xtask setup`: everything a fresh Debian machine needs, idempotently.
//!
//! - Debian packages: `libopenblas-dev` (for ndarray-linalg) when missing.
//! - libtorch from PyPI `torch==2.11.0` (the version tch 0.24 expects) in a virtual environment
//!   under the per-user cache (`$AE_CACHE_DIR`, else `$XDG_CACHE_HOME/ae`, else `~/.cache/ae`).
//!   On a CPU machine only the torch wheel plus CUDA's runtime and CUPTI libraries (which
//!   libtorch_cpu links against) are installed; with a working `nvidia-smi` or `--cuda`, the full
//!   wheel with all its NVIDIA dependencies.
//! - `.libtorch` in the checkout: a link to that environment's `site-packages`, the fixed path
//!   `.cargo/config.toml` hands to torch-sys as `LIBTORCH`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::util::{command_succeeds, run_command, workspace_root};
use crate::venv::cache_dir;

/// The PyTorch release whose libtorch tch 0.24 is built against.
pub const TORCH_VERSION: &str = "2.11.0";
/// CUDA runtime wheels that libtorch_cpu needs even without a GPU.
const CUDA_RUNTIME_SPEC: &str = "cuda-toolkit[cudart,cupti]==13.0.2";
/// Written into a virtual environment once its install has been verified.
const COMPLETE_MARKER: &str = ".ae-setup-complete";

#[derive(clap::Args, Default)]
pub struct Args {
    /// Install the full CUDA build of libtorch even when `nvidia-smi` finds no GPU.
    #[arg(long)]
    pub cuda: bool,
    /// Also install Debian's chromium (for the report's browser test).
    #[arg(long)]
    pub chromium: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let mut done = Vec::new();
    let mut present = Vec::new();

    let mut debian_packages = vec![DebianPackage {
        package: "libopenblas-dev",
        probe: "/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h",
        alternatives: &[
            "/usr/lib/x86_64-linux-gnu/libopenblas.so",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so",
        ],
    }];
    if args.chromium {
        debian_packages.push(DebianPackage {
            package: "chromium",
            probe: "/usr/bin/chromium",
            alternatives: &[],
        });
    }
    let missing: Vec<&str> = debian_packages
        .iter()
        .filter(|p| !p.is_installed())
        .map(|p| p.package)
        .collect();
    if missing.is_empty() {
        present.push(format!(
            "Debian packages present ({})",
            debian_packages
                .iter()
                .map(|p| p.package)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        apt_install(&missing)?;
        done.push(format!("installed {}", missing.join(", ")));
    }

    let flavour = if args.cuda || command_succeeds("nvidia-smi", &[]) {
        Flavour::Cuda
    } else {
        Flavour::Cpu
    };
    let venv = cache_dir()?.join(format!("torch-{TORCH_VERSION}-{}", flavour.name()));
    if venv.join(COMPLETE_MARKER).exists() {
        present.push(format!(
            "libtorch {TORCH_VERSION} ({}) at {}",
            flavour.name(),
            venv.display()
        ));
    } else {
        install_torch(&venv, flavour)?;
        done.push(format!(
            "installed libtorch {TORCH_VERSION} ({}) into {}",
            flavour.name(),
            venv.display()
        ));
    }

    let site_packages = site_packages(&venv)?;
    let link = workspace_root().join(".libtorch");
    if fs::read_link(&link).ok().as_deref() == Some(site_packages.as_path()) {
        present.push(".libtorch link".to_owned());
    } else {
        replace_symlink(&site_packages, &link)?;
        done.push(format!(
            "linked {} -> {}",
            link.display(),
            site_packages.display()
        ));
    }

    if done.is_empty() {
        println!("setup: nothing to do: {}", present.join("; "));
    } else {
        for line in &done {
            println!("setup: {line}");
        }
        println!("setup: done; `cargo build` and `cargo test --workspace` now find libtorch and OpenBLAS");
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Flavour {
    Cpu,
    Cuda,
}

impl Flavour {
    fn name(self) -> &'static str {
        match self {
            Flavour::Cpu => "cpu",
            Flavour::Cuda => "cuda",
        }
    }
}

struct DebianPackage {
    package: &'static str,
    /// A file the package installs; present means installed.
    probe: &'static str,
    /// Other files that also prove it present (other architectures, other packagings).
    alternatives: &'static [&'static str],
}

impl DebianPackage {
    fn is_installed(&self) -> bool {
        Path::new(self.probe).exists() || self.alternatives.iter().any(|p| Path::new(p).exists())
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let step = format!("install Debian packages {}", packages.join(" "));
    let (program, prefix): (&str, &[&str]) = if is_root() {
        ("apt-get", &[])
    } else if command_succeeds("sudo", &["-n", "true"]) {
        ("sudo", &["-n", "apt-get"])
    } else {
        bail!(
            "step '{step}': not root and no password-less sudo; run as root: \
             apt-get update && apt-get install -y {}",
            packages.join(" ")
        );
    };
    println!(
        "setup: apt-get update && apt-get install {}",
        packages.join(" ")
    );
    run_command(
        &step,
        Command::new(program).args(prefix).args(["update", "-qq"]),
    )
    .context("is the Debian package mirror reachable?")?;
    run_command(
        &step,
        Command::new(program)
            .args(prefix)
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn install_torch(venv: &Path, flavour: Flavour) -> Result<()> {
    let step = "create the libtorch virtual environment";
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| command_succeeds(p, &["-c", "import venv, ensurepip"]))
        .with_context(|| {
            format!("step '{step}': no python3 with the venv module; install it: apt-get install -y python3-venv")
        })?;
    // A half-made environment from an interrupted run is removed and made anew.
    if venv.exists() {
        fs::remove_dir_all(venv).with_context(|| {
            format!("step '{step}': removing the incomplete {}", venv.display())
        })?;
    }
    fs::create_dir_all(venv.parent().unwrap_or(venv))?;
    println!("setup: creating {}", venv.display());
    run_command(step, Command::new(python).args(["-m", "venv"]).arg(venv))?;
    let pip = venv.join("bin").join("pip");
    let step = "pip install torch";
    let hint = "check that PyPI is reachable (pip config, proxy) and that there is about 3 GB of free disk";
    match flavour {
        Flavour::Cpu => {
            // The runtime libraries first: installing torch last with --no-deps keeps pip from
            // reporting torch's (deliberately) missing dependencies as conflicts.
            println!("setup: pip install {CUDA_RUNTIME_SPEC} (libcudart, libcupti)");
            run_command(
                "pip install the CUDA runtime libraries",
                Command::new(&pip).args(["install", "--quiet", CUDA_RUNTIME_SPEC]),
            )
            .context(hint)?;
            println!(
                "setup: pip install --no-deps torch=={TORCH_VERSION} (libtorch only, CPU machine)"
            );
            run_command(
                step,
                Command::new(&pip).args([
                    "install",
                    "--quiet",
                    "--no-deps",
                    &format!("torch=={TORCH_VERSION}"),
                ]),
            )
            .context(hint)?;
        }
        Flavour::Cuda => {
            println!("setup: pip install torch=={TORCH_VERSION} (full CUDA build)");
            run_command(
                step,
                Command::new(&pip).args(["install", "--quiet", &format!("torch=={TORCH_VERSION}")]),
            )
            .context(hint)?;
        }
    }
    verify_torch(venv)?;
    fs::write(venv.join(COMPLETE_MARKER), TORCH_VERSION)?;
    Ok(())
}

fn site_packages(venv: &Path) -> Result<PathBuf> {
    let lib = venv.join("lib");
    let entries = fs::read_dir(&lib).with_context(|| {
        format!(
            "step 'find site-packages': cannot read {}; rerun `cargo xtask setup`",
            lib.display()
        )
    })?;
    for entry in entries {
        let candidate = entry?.path().join("site-packages");
        if candidate.join("torch").is_dir() {
            return Ok(candidate);
        }
    }
    bail!(
        "step 'find site-packages': no torch package under {}; delete that folder and rerun `cargo xtask setup`",
        lib.display()
    )
}

fn verify_torch(venv: &Path) -> Result<()> {
    let site = site_packages(venv)?;
    let needed = [
        site.join("torch/lib/libtorch_cpu.so"),
        site.join("torch/include/torch/csrc/api/include/torch/torch.h"),
        site.join("nvidia/cu13/lib/libcudart.so.13"),
    ];
    for path in &needed {
        if !path.exists() {
            bail!(
                "step 'verify libtorch': {} is missing after the install; delete {} and rerun `cargo xtask setup`",
                path.display(),
                venv.display()
            );
        }
    }
    let version = fs::read_to_string(site.join("torch/version.py")).unwrap_or_default();
    if !version.contains(&format!("'{TORCH_VERSION}")) {
        bail!("step 'verify libtorch': torch/version.py does not say {TORCH_VERSION}");
    }
    Ok(())
}

/// Points `link` at `target`, replacing an older link atomically (new link, then rename).
fn replace_symlink(target: &Path, link: &Path) -> Result<()> {
    let tmp = link.with_extension("tmp-link");
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .with_context(|| format!("step 'link libtorch': creating {}", tmp.display()))?;
    fs::rename(&tmp, link)
        .with_context(|| format!("step 'link libtorch': replacing {}", link.display()))?;
    Ok(())
}
