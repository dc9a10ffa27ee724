//! `.npy` latents and codes: any bytes give a finite, non-empty n × d matrix or an error naming
//! the file; a header promising more data than the file holds allocates nothing.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = ae_data::npy::parse_matrix(data, Path::new("latents.npy")) {
        assert!(m.nrows() > 0 && m.ncols() > 0);
        assert!(m.iter().all(|v| v.is_finite()));
    }
});
