//! Choosing where tensors live and how many CPU threads libtorch uses.

use ae_models::DeviceChoice;
use tch::Device;

use crate::{Error, Result};

/// Sets libtorch's CPU threads (when given) and resolves `choice` to a device (CUDA when asked
/// for and present; `auto` takes CUDA when there is one).
pub fn select(choice: DeviceChoice, threads: Option<usize>) -> Result<Device> {
    if let Some(t) = threads {
        let t = i32::try_from(t)
            .ok()
            .filter(|&t| t >= 1)
            .ok_or_else(|| Error::invalid("threads", format!("must be ≥ 1, not {t}")))?;
        tch::set_num_threads(t);
    }
    Ok(ae_models::init_device(choice)?)
}
