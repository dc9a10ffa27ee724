// The workspace's libtorch link order and run-time path (see that file).
include!("../crates/ae-models/build.rs");
