//! Choosing where tensors live and how many CPU threads libtorch uses.

use ae_models::DeviceChoice;
use tch::Device;

use crate::{Error, Result};

/// Sets libtorch's CPU threads (when given) and resolves `choice` to a device (CUDA when asked
/// for and present; `auto` takes CUDA when there is one).
pub fn select(choice: DeviceChoice, threads: Option<usize>) -> Result<Device> {
    if let Some(t) = threads {
        // At most the machine's cores: more only slows libtorch down, and a huge count starts
        // thousands of threads.
        ae_data::resources::ensure_threads("threads", t)?;
        let t = i32::try_from(t).map_err(|_| Error::invalid("threads", "too large"))?;
        tch::set_num_threads(t);
    }
    Ok(ae_models::init_device(choice)?)
}
