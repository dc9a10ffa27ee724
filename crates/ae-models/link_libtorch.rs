// Embeds libtorch's folders as the run-time search path (RUNPATH) of a package's binaries,
// examples and tests, so they run with no `LD_LIBRARY_PATH` (cargo overrides that variable
// anyway), and puts libtorch first among the shared libraries they load.
//
// Why first: libtorch_cpu exports the BLAS symbols of the MKL inside it (`sgemm_`,
// `cblas_sgemm`, …), and so does OpenBLAS (ae-linear). The dynamic linker binds every such
// call to the library loaded first. With OpenBLAS first, libtorch's own matrix products run on
// OpenBLAS, whose threads then fight libtorch's: dense training measured 3–4× slower here. With
// libtorch first, both libtorch and ae-linear use libtorch's MKL, as the benchmarks assume.
// Naming the libraries in this package's own build script places them before every
// dependency's libraries on the link line, whatever the dependency graph looks like.
//
// The build scripts of ae-models, ae-lab and ae-cli include this file (plain comments, so
// that it can be included).
/// Links libtorch first and puts its folders on the run-time path; returns libtorch's `lib`
/// folder when torch-sys told where it is.
fn link_libtorch() -> Option<String> {
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB").ok()?;
    println!("cargo:rustc-link-search=native={lib}");
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    println!("cargo:rustc-link-lib=dylib=c10");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    // libtorch_cpu needs libcudart/libcupti from the NVIDIA wheels beside torch.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}/../../nvidia/cu13/lib");
    println!("cargo:rustc-env=AE_LIBTORCH_LIB={lib}");
    Some(lib)
}
