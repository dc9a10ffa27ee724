//! `.npy` arrays of one's own images: any bytes give non-empty images of 1 or 3 channels with
//! one row of h · w · c values each, or an error naming the file; a header promising more data
//! than the file holds allocates nothing.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((rows, shape)) = ae_data::own::array::parse_images(data, Path::new("images.npy")) {
        assert!(rows.nrows() > 0 && rows.ncols() == shape.values());
        assert!(shape.channels == 1 || shape.channels == 3);
    }
});
