//! Checks, before the linker runs, that the system OpenBLAS is installed when
//! the `openblas` feature is on, so a missing library gives instructions
//! rather than a bare "cannot find -lopenblas".

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=OPENBLAS_LIB_DIR");
    if env::var_os("CARGO_FEATURE_OPENBLAS").is_none() {
        return;
    }
    if openblas_found() {
        return;
    }
    panic!(
        "\n\nferroflux-linalg: the `openblas` feature links the system OpenBLAS, \
         but no libopenblas was found.\n\
         Install it:\n\
         \x20   Debian/Ubuntu: sudo apt-get install libopenblas-dev\n\
         \x20   Fedora:        sudo dnf install openblas-devel\n\
         \x20   macOS:         brew install openblas (then set OPENBLAS_LIB_DIR=$(brew --prefix openblas)/lib)\n\
         or point OPENBLAS_LIB_DIR at the folder that holds libopenblas,\n\
         or build without it (pure Rust, slower): cargo build --no-default-features\n\n"
    );
}

fn openblas_found() -> bool {
    let mut dirs: Vec<String> = Vec::new();
    if let Ok(dir) = env::var("OPENBLAS_LIB_DIR") {
        dirs.push(dir);
    }
    for var in ["LIBRARY_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"] {
        if let Ok(paths) = env::var(var) {
            dirs.extend(env::split_paths(&paths).map(|p| p.display().to_string()));
        }
    }
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    for dir in [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
        "/opt/homebrew/opt/openblas/lib",
        "/usr/local/opt/openblas/lib",
    ] {
        dirs.push(dir.to_string());
    }
    dirs.push(format!("/usr/lib/{arch}-linux-gnu"));
    dirs.push(format!("/usr/lib/{arch}-linux-gnu/openblas-pthread"));
    let names = [
        "libopenblas.so",
        "libopenblas.a",
        "libopenblas.dylib",
        "openblas.lib",
    ];
    dirs.iter()
        .any(|d| names.iter().any(|n| Path::new(d).join(n).exists()))
}
