//! Makes `09-python` load the libpython it was built against (chapter 9).
//!
//! Two Pythons of the same minor version install the same `libpython3.X.so.1.0` name, and the
//! runtime loader takes the first one it finds on its search path, which need not be the one
//! pyo3 compiled against. An rpath to that Python's library directory settles it; the version
//! is recorded too, so the binary can refuse a mismatch in one line instead of crashing.

fn main() {
    let config = pyo3_build_config::get();
    if let Some(lib_dir) = config.lib_dir() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    }
    println!("cargo:rustc-env=BUILT_FOR_PYTHON={}", config.version());
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
