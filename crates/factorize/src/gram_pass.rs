//! One pass over `A` that forms both `P = Wᵀ·A` and `Q = A·Hᵀ` (f64, AVX2).
//!
//! Two BLAS calls read `A` twice and each first packs a copy of it, which
//! costs about as much as the arithmetic when K is small. This kernel walks
//! the columns of `A` in pairs. For each component i it streams `wᵢ`, the two
//! columns and `qᵢ` once, adding to two entries of `P` and to `qᵢ` in the same
//! loop, so `A` is read once and never copied. Large problems split the
//! columns between two threads, each with its own `Q`, summed at the end.

use std::any::TypeId;

use ferroflux_linalg::Float;

/// Problems with at least this many multiply-adds per product (`T·n·K`)
/// split the columns between two threads; below it the cost of starting a
/// thread (tens of microseconds) outweighs the gain.
pub(crate) const THREADED_MIN_WORK: usize = 1 << 20;

/// Writes `p = Wᵀ·A` (K x n) and `q = A·Hᵀ` (T x K), column-major, with `a`
/// T x n, `w` T x K and `h` K x n, and returns `true`; `spare` is a second
/// T x K buffer for the threaded split. Returns `false`, leaving the outputs
/// untouched, when `T` is not f64 or the CPU lacks AVX2 and FMA, so that the
/// caller falls back to BLAS.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gram_pass<T: Float>(
    a: &[T],
    w: &[T],
    h: &[T],
    rows: usize,
    k: usize,
    p: &mut [T],
    q: &mut [T],
    spare: &mut [T],
) -> bool {
    if TypeId::of::<T>() != TypeId::of::<f64>() || !has_avx2_fma() || rows == 0 || k == 0 {
        return false;
    }
    let n = a.len() / rows;
    assert!(
        a.len() == rows * n
            && w.len() == rows * k
            && h.len() == k * n
            && p.len() == k * n
            && q.len() == rows * k
            && spare.len() == rows * k,
        "gram_pass: buffer lengths do not match T = {rows}, n = {n}, K = {k}"
    );
    // SAFETY: T is f64 (checked above), so every slice is reinterpreted as
    // the same memory with the same element type and length.
    let (a, w, h, p, q, spare) = unsafe {
        (
            cast(a),
            cast(w),
            cast(h),
            cast_mut(p),
            cast_mut(q),
            cast_mut(spare),
        )
    };

    let half = (n / 2) & !1;
    if rows * n * k < THREADED_MIN_WORK || half == 0 {
        columns(a, w, h, rows, k, 0, n, p, q);
        return true;
    }
    let (p_left, p_right) = p.split_at_mut(half * k);
    std::thread::scope(|scope| {
        scope.spawn(|| columns(a, w, h, rows, k, half, n, p_right, spare));
        columns(a, w, h, rows, k, 0, half, p_left, q);
    });
    q.iter_mut().zip(spare.iter()).for_each(|(x, y)| *x += y);
    true
}

fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// # Safety
/// `T` must be f64.
unsafe fn cast<T>(x: &[T]) -> &[f64] {
    // SAFETY: the caller guarantees T = f64.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f64>(), x.len()) }
}

/// # Safety
/// `T` must be f64.
unsafe fn cast_mut<T>(x: &mut [T]) -> &mut [f64] {
    // SAFETY: the caller guarantees T = f64.
    unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<f64>(), x.len()) }
}

/// Columns `start..end` of `A`: fills their columns of `P` (`p` contains those
/// columns only) and overwrites `q` with their part of `A·Hᵀ`.
#[allow(clippy::too_many_arguments)]
fn columns(
    a: &[f64],
    w: &[f64],
    h: &[f64],
    rows: usize,
    k: usize,
    start: usize,
    end: usize,
    p: &mut [f64],
    q: &mut [f64],
) {
    q.fill(0.0);
    let mut j = start;
    while j < end {
        let pair = j + 1 < end;
        let a0 = &a[j * rows..(j + 1) * rows];
        let a1 = if pair {
            &a[(j + 1) * rows..(j + 2) * rows]
        } else {
            a0
        };
        for i in 0..k {
            let h0 = h[j * k + i];
            let h1 = if pair { h[(j + 1) * k + i] } else { 0.0 };
            let w_i = &w[i * rows..(i + 1) * rows];
            let q_i = &mut q[i * rows..(i + 1) * rows];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: gram_pass checked AVX2 and FMA, and every slice has
            // `rows` elements.
            let (d0, d1) = unsafe { avx2::pair(w_i, a0, a1, h0, h1, q_i) };
            #[cfg(not(target_arch = "x86_64"))]
            let (d0, d1) = unreachable!("gram_pass returns false off x86-64");
            p[(j - start) * k + i] = d0;
            if pair {
                p[(j + 1 - start) * k + i] = d1;
            }
        }
        j += 2;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Returns `(wᵀa₀, wᵀa₁)` and adds `h₀·a₀ + h₁·a₁` to `q`; all slices
    /// have the same length.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn pair(
        w: &[f64],
        a0: &[f64],
        a1: &[f64],
        h0: f64,
        h1: f64,
        q: &mut [f64],
    ) -> (f64, f64) {
        let rows = w.len();
        assert!(a0.len() == rows && a1.len() == rows && q.len() == rows);
        let (w_ptr, x_ptr, y_ptr, q_ptr) = (w.as_ptr(), a0.as_ptr(), a1.as_ptr(), q.as_mut_ptr());
        let (h0v, h1v) = (_mm256_set1_pd(h0), _mm256_set1_pd(h1));
        let (mut s0, mut s0b, mut s1, mut s1b) = (
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
        );
        let mut t = 0;
        while t + 8 <= rows {
            // SAFETY: t + 8 <= rows, so every load and store of 4 lanes at t
            // and t + 4 stays inside slices of length rows.
            unsafe {
                let (wa, wb) = (
                    _mm256_loadu_pd(w_ptr.add(t)),
                    _mm256_loadu_pd(w_ptr.add(t + 4)),
                );
                let (xa, xb) = (
                    _mm256_loadu_pd(x_ptr.add(t)),
                    _mm256_loadu_pd(x_ptr.add(t + 4)),
                );
                let (ya, yb) = (
                    _mm256_loadu_pd(y_ptr.add(t)),
                    _mm256_loadu_pd(y_ptr.add(t + 4)),
                );
                s0 = _mm256_fmadd_pd(wa, xa, s0);
                s0b = _mm256_fmadd_pd(wb, xb, s0b);
                s1 = _mm256_fmadd_pd(wa, ya, s1);
                s1b = _mm256_fmadd_pd(wb, yb, s1b);
                let qa = _mm256_fmadd_pd(
                    h1v,
                    ya,
                    _mm256_fmadd_pd(h0v, xa, _mm256_loadu_pd(q_ptr.add(t))),
                );
                let qb = _mm256_fmadd_pd(
                    h1v,
                    yb,
                    _mm256_fmadd_pd(h0v, xb, _mm256_loadu_pd(q_ptr.add(t + 4))),
                );
                _mm256_storeu_pd(q_ptr.add(t), qa);
                _mm256_storeu_pd(q_ptr.add(t + 4), qb);
            }
            t += 8;
        }
        let mut d0 = horizontal_sum(_mm256_add_pd(s0, s0b));
        let mut d1 = horizontal_sum(_mm256_add_pd(s1, s1b));
        for t in t..rows {
            d0 += w[t] * a0[t];
            d1 += w[t] * a1[t];
            q[t] += h0 * a0[t] + h1 * a1[t];
        }
        (d0, d1)
    }

    #[target_feature(enable = "avx2,fma")]
    fn horizontal_sum(x: __m256d) -> f64 {
        let mut lanes = [0.0; 4];
        // SAFETY: lanes has room for 4 f64, the width of the store.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), x) };
        (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroflux_linalg::{rand_with, rng, Matrix};

    fn check(rows: usize, n: usize, k: usize) {
        let mut generator = rng((rows * 31 + n * 7 + k) as u64);
        let a: Matrix<f64> = rand_with(&mut generator, rows, n);
        let w: Matrix<f64> = rand_with(&mut generator, rows, k);
        let h: Matrix<f64> = rand_with(&mut generator, k, n);
        let mut p = Matrix::zeros(k, n);
        let mut q = Matrix::zeros(rows, k);
        let mut spare = Matrix::zeros(rows, k);
        let handled = gram_pass(
            a.as_slice(),
            w.as_slice(),
            h.as_slice(),
            rows,
            k,
            p.as_mut_slice(),
            q.as_mut_slice(),
            spare.as_mut_slice(),
        );
        if !handled {
            return;
        }
        let want_p = w.transpose() * &a;
        let want_q = &a * h.transpose();
        assert!(
            (&p - &want_p).amax() <= 1e-12 * want_p.amax(),
            "{rows}x{n}x{k}: P differs"
        );
        assert!(
            (&q - &want_q).amax() <= 1e-12 * want_q.amax(),
            "{rows}x{n}x{k}: Q differs"
        );
    }

    #[test]
    fn matches_products_on_odd_shapes() {
        for (rows, n, k) in [(1, 1, 1), (7, 3, 2), (8, 2, 1), (13, 9, 4), (33, 17, 5)] {
            check(rows, n, k);
        }
    }

    #[test]
    fn threaded_split_matches_products() {
        // 1000 x 131 x 9 is above THREADED_MIN_WORK and has an odd n.
        const { assert!(1000 * 131 * 9 >= THREADED_MIN_WORK) };
        check(1000, 131, 9);
    }
}
