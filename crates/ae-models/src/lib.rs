//! Autoencoders in libtorch (via `tch`): models, losses and training.
//!
//! Call [`device::init`] once at program start: it loads libtorch's CUDA library when it is
//! installed, since the linker otherwise drops it and CUDA stays invisible.

pub mod device;
pub mod error;

pub use device::{init as init_device, DeviceChoice};
pub use error::{Error, Result};
