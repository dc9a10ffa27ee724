// The build script of ae-models: libtorch on the run-time path and first among the linked
// libraries (why: see that file).
include!("../ae-models/build.rs");
