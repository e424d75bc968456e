//! Reproducible random matrices.
//!
//! The generator is ChaCha8 from `rand_chacha`, whose output for a given seed
//! is fixed by that crate on every platform, so `seed(42); rand(3, 3)` gives
//! the same numbers on every run and machine. The global generator starts
//! from seed 0; call [`seed`] to choose another, or pass your own generator to
//! the `_with` variants.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal, StandardUniform};

use crate::{Float, Matrix};

/// The generator behind [`rand()`], [`randn`] and the initialisers of the
/// layers: ChaCha with 8 rounds.
pub type FluxRng = rand_chacha::ChaCha8Rng;

static GLOBAL: Mutex<Option<FluxRng>> = Mutex::new(None);

fn global() -> MutexGuard<'static, Option<FluxRng>> {
    // The generator holds no invariant that a panic elsewhere could break.
    GLOBAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Resets the global generator to the stream of `seed`.
pub fn seed(seed: u64) {
    *global() = Some(FluxRng::seed_from_u64(seed));
}

/// Returns a new generator for `seed`, independent of the global one.
pub fn rng(seed: u64) -> FluxRng {
    FluxRng::seed_from_u64(seed)
}

/// Runs `f` with the global generator (seeded with 0 if [`seed`] was never
/// called).
pub fn with_global_rng<R>(f: impl FnOnce(&mut FluxRng) -> R) -> R {
    let mut guard = global();
    let rng = guard.get_or_insert_with(|| FluxRng::seed_from_u64(0));
    f(rng)
}

/// An `m x n` f64 matrix of independent uniform draws from `[0, 1)`, from the
/// global generator.
pub fn rand(m: usize, n: usize) -> Matrix<f64> {
    with_global_rng(|r| rand_with(r, m, n))
}

/// An `m x n` f64 matrix of independent standard normal draws, from the
/// global generator.
pub fn randn(m: usize, n: usize) -> Matrix<f64> {
    with_global_rng(|r| randn_with(r, m, n))
}

/// [`rand()`] in f32.
pub fn rand_f32(m: usize, n: usize) -> Matrix<f32> {
    with_global_rng(|r| rand_with(r, m, n))
}

/// [`randn`] in f32.
pub fn randn_f32(m: usize, n: usize) -> Matrix<f32> {
    with_global_rng(|r| randn_with(r, m, n))
}

/// An `m x n` matrix of uniform draws from `[0, 1)` using `rng`, filled in
/// column-major order.
pub fn rand_with<T: Float, R: Rng + ?Sized>(rng: &mut R, m: usize, n: usize) -> Matrix<T> {
    Matrix::from_fn(m, n, |_, _| {
        let u: f64 = StandardUniform.sample(rng);
        T::cast(u)
    })
}

/// An `m x n` matrix of standard normal draws using `rng`, filled in
/// column-major order.
pub fn randn_with<T: Float, R: Rng + ?Sized>(rng: &mut R, m: usize, n: usize) -> Matrix<T> {
    Matrix::from_fn(m, n, |_, _| {
        let z: f64 = StandardNormal.sample(rng);
        T::cast(z)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let a = rand_with::<f64, _>(&mut rng(7), 3, 4);
        let b = rand_with::<f64, _>(&mut rng(7), 3, 4);
        assert_eq!(a, b);
        assert!(a.iter().all(|&x| (0.0..1.0).contains(&x)));
    }

    #[test]
    fn known_stream_for_seed_42() {
        // Pins the stream: a change of generator, of rand's float conversion
        // or of rand_distr's normal sampler would silently change every
        // seeded result in the workspace. Values recorded from this crate
        // with rand 0.9.5, rand_chacha 0.9.0 and rand_distr 0.5.1.
        let u = rand_with::<f64, _>(&mut rng(42), 1, 3);
        assert_eq!(
            u.as_slice(),
            &[0.6818961923066714, 0.950275407672484, 0.4275164028565197]
        );
        let z = randn_with::<f64, _>(&mut rng(42), 3, 1);
        assert_eq!(
            z.as_slice(),
            &[
                0.47798123835102174,
                1.3340706102318078,
                -0.21086668327103028
            ]
        );
    }

    #[test]
    fn global_seed_resets_stream() {
        seed(9);
        let a = rand(2, 2);
        seed(9);
        assert_eq!(rand(2, 2), a);
        assert_eq!(rand_f32(1, 1).shape(), (1, 1));
    }
}
