//! libtorch linked first and on the run-time path (why: see link_libtorch.rs), and
//! `cpp/autocast.cpp` compiled: the switches of libtorch's mixed precision on the CPU, which tch
//! does not expose (see src/precision.rs).
include!("link_libtorch.rs");

fn main() {
    if let Some(lib) = link_libtorch() {
        println!("cargo:rerun-if-changed=cpp/autocast.cpp");
        cc::Build::new()
            .cpp(true)
            .pic(true)
            .std("c++17")
            .include(std::path::Path::new(&lib).join("../include"))
            .file("cpp/autocast.cpp")
            .compile("ae_autocast");
    }
}
