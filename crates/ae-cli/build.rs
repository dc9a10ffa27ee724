//! Embeds libtorch's folders as the run-time search path (RUNPATH) of this package's binary and tests, so
//! `cargo test` works with no `LD_LIBRARY_PATH` (cargo overrides that variable anyway).
fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        // libtorch_cpu needs libcudart/libcupti from the NVIDIA wheels beside torch.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}/../../nvidia/cu13/lib");
        println!("cargo:rustc-env=AE_LIBTORCH_LIB={lib}");
    }
}
