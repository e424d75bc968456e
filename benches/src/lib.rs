//! Shared helpers of the criterion benches: seeded inputs and the backend
//! line that every bench binary prints first.

use std::sync::Once;

use ferroflux::linalg::{rand_with, rng, Float, Matrix};

/// Prints the BLAS backend once per bench binary, so every saved result says
/// what it ran on.
pub fn print_backend() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| eprintln!("{}", ferroflux::backend()));
}

/// A seeded `m x n` matrix of uniform draws from `[-1, 1)`.
pub fn input<T: Float>(seed: u64, m: usize, n: usize) -> Matrix<T> {
    rand_with::<T, _>(&mut rng(seed), m, n).map(|x| x + x - T::one())
}
