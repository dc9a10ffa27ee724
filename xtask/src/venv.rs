//! Python virtual environments under the per-user cache, for the peers the benchmarks compare
//! against (scikit-learn, PyTorch eager).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::util::{command_succeeds, run_command};

/// Written into an environment once its install has been verified.
const COMPLETE_MARKER: &str = ".ae-venv-complete";

/// The per-user cache folder (`$AE_CACHE_DIR`, else `$XDG_CACHE_HOME/ae`, else `~/.cache/ae`).
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("AE_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("ae"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".cache").join("ae")),
        None => bail!("step 'find cache folder': neither AE_CACHE_DIR, XDG_CACHE_HOME nor HOME is set; set AE_CACHE_DIR"),
    }
}

/// A python3 that has the venv module.
pub fn system_python(step: &str) -> Result<&'static str> {
    ["python3", "python"]
        .into_iter()
        .find(|p| command_succeeds(p, &["-c", "import venv, ensurepip"]))
        .with_context(|| {
            format!("step '{step}': no python3 with the venv module; install it: apt-get install -y python3-venv")
        })
}

/// The environment `<cache>/<name>` with each of `installs` (a list of pip argument lists, run
/// in order) done, made on first use; its `bin/python`. `probe` is Python code that must run
/// once the install is complete.
pub fn ensure(name: &str, installs: &[&[&str]], probe: &str) -> Result<PathBuf> {
    let venv = cache_dir()?.join(name);
    let python = venv.join("bin").join("python");
    if venv.join(COMPLETE_MARKER).is_file() {
        return Ok(python);
    }
    let step = format!("create the Python environment {name}");
    let system = system_python(&step)?;
    if venv.exists() {
        fs::remove_dir_all(&venv).with_context(|| {
            format!("step '{step}': removing the incomplete {}", venv.display())
        })?;
    }
    fs::create_dir_all(venv.parent().unwrap_or(&venv))?;
    eprintln!("venv: creating {}", venv.display());
    run_command(&step, Command::new(system).args(["-m", "venv"]).arg(&venv))?;
    for args in installs {
        eprintln!("venv: pip install {}", args.join(" "));
        run_command(
            &format!("pip install into {name}"),
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet"])
                .args(*args),
        )
        .context("check that PyPI is reachable (pip config, proxy) and that the disk has room")?;
    }
    verify(&python, probe, name)?;
    fs::write(venv.join(COMPLETE_MARKER), installs.concat().join(" "))?;
    Ok(python)
}

fn verify(python: &Path, probe: &str, name: &str) -> Result<()> {
    run_command(
        &format!("check the Python environment {name}"),
        Command::new(python).args(["-c", probe]),
    )
}
