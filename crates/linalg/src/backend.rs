//! Which BLAS this build runs on.

use std::fmt;

/// The BLAS and LAPACK behind [`crate::gemm`] and [`crate::svd`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `"OpenBLAS"` or `"pure Rust (nalgebra + matrixmultiply)"`.
    pub name: String,
    /// The library's configuration string and the CPU core its kernels were
    /// picked for; empty for the pure-Rust build.
    pub config: String,
    /// Threads the library uses for one GEMM.
    pub threads: usize,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BLAS: {}", self.name)?;
        if !self.config.is_empty() {
            write!(f, " ({})", self.config)?;
        }
        write!(
            f,
            ", {} thread{}",
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        )
    }
}

/// Returns the BLAS in use, its configuration string and its thread count.
#[cfg(feature = "openblas")]
pub fn backend() -> Backend {
    let config = crate::blas::openblas_config();
    let core = crate::blas::openblas_core();
    Backend {
        name: "OpenBLAS".to_string(),
        config: format!("{}, core {}", config.trim(), core.trim()),
        threads: crate::blas::openblas_threads(),
    }
}

/// Returns the BLAS in use, its configuration string and its thread count.
#[cfg(not(feature = "openblas"))]
pub fn backend() -> Backend {
    Backend {
        name: "pure Rust (nalgebra + matrixmultiply)".to_string(),
        config: String::new(),
        threads: 1,
    }
}
