//! libtorch linked first and on the run-time path (why: see ae-models/link_libtorch.rs).
include!("../ae-models/link_libtorch.rs");

fn main() {
    link_libtorch();
}
