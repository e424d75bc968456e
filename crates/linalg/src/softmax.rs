//! Column-wise softmax, log-softmax and log-sum-exp.
//!
//! Each column is one distribution, like Flux's `softmax(x; dims = 1)`. The
//! naive `exp(x) ./ sum(exp(x))` overflows for logits above about 709 (f64)
//! or 88 (f32); these kernels subtract the column maximum `m` first, which
//! changes nothing mathematically because
//! `softmax(x) = exp(x - m) / sum(exp(x - m))` and
//! `logsumexp(x) = m + log(sum(exp(x - m)))`.
//!
//! Infinite entries follow the limits of those formulas:
//! - `-inf` entries get probability 0 (log-probability `-inf`) as long as the
//!   column has a finite or `+inf` entry.
//! - A column with `+inf` entries puts equal mass on those entries and 0
//!   elsewhere, and its `logsumexp` is `+inf`.
//! - A column of only `-inf` has no distribution (0/0): `softmax` and
//!   `log_softmax` return NaN for it, and `logsumexp` returns `-inf`, the log
//!   of an empty sum.
//! - NaN anywhere in a column makes the whole column NaN.

use crate::{Float, Matrix};

/// Elements per block of the fused log-sum-exp pass; the block lives on the
/// stack, so the pass allocates nothing.
const BLOCK: usize = 256;

/// Returns the column-wise softmax of `x`: `exp(x) ./ sum(exp(x); dims = 1)`,
/// computed stably.
pub fn softmax<T: Float>(x: &Matrix<T>) -> Matrix<T> {
    // Reading `x` into a new matrix costs one pass over memory; cloning it
    // and working in place would cost two.
    let mut out = Matrix::zeros(x.nrows(), x.ncols());
    softmax_into(x, &mut out);
    out
}

/// Replaces each column of `x` with its softmax.
pub fn softmax_in_place<T: Float>(x: &mut Matrix<T>) {
    let rows = x.nrows();
    if rows == 0 {
        return;
    }
    let group = group_columns(rows) * rows;
    for cols in x.as_mut_slice().chunks_mut(group) {
        if !softmax_short_group(None, cols, rows) {
            cols.chunks_exact_mut(rows).for_each(softmax_column);
        }
    }
}

/// Writes the column-wise softmax of `x` into `out`, reusing its buffer.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn softmax_into<T: Float>(x: &Matrix<T>, out: &mut Matrix<T>) {
    check_same_shape("softmax_into", x, out);
    let rows = x.nrows();
    if rows == 0 {
        return;
    }
    let group = group_columns(rows) * rows;
    let groups = x
        .as_slice()
        .chunks(group)
        .zip(out.as_mut_slice().chunks_mut(group));
    for (src, dst) in groups {
        if !softmax_short_group(Some(src), dst, rows) {
            for (s, d) in src.chunks_exact(rows).zip(dst.chunks_exact_mut(rows)) {
                softmax_column_into(s, d);
            }
        }
    }
}

/// Returns the column-wise log-softmax of `x`: `x .- logsumexp(x; dims = 1)`.
///
/// Unlike `log.(softmax(x))` this stays finite where a probability underflows
/// to zero: `log_softmax([0, -1000])` is `[0, -1000]`, not `[0, -inf]`.
pub fn log_softmax<T: Float>(x: &Matrix<T>) -> Matrix<T> {
    let mut out = Matrix::zeros(x.nrows(), x.ncols());
    log_softmax_into(x, &mut out);
    out
}

/// Replaces each column of `x` with its log-softmax.
pub fn log_softmax_in_place<T: Float>(x: &mut Matrix<T>) {
    let rows = x.nrows();
    if rows == 0 {
        return;
    }
    let group = group_columns(rows) * rows;
    let mut lses = [T::zero(); BLOCK];
    for cols in x.as_mut_slice().chunks_mut(group) {
        let lses = &mut lses[..cols.len() / rows];
        group_logsumexps(cols, rows, lses);
        for (col, &lse) in cols.chunks_exact_mut(rows).zip(lses.iter()) {
            if lse == T::INFINITY {
                plus_infinity_column(col, true);
            } else {
                col.iter_mut().for_each(|v| *v -= lse);
            }
        }
    }
}

/// Writes the column-wise log-softmax of `x` into `out`, reusing its buffer.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn log_softmax_into<T: Float>(x: &Matrix<T>, out: &mut Matrix<T>) {
    check_same_shape("log_softmax_into", x, out);
    let rows = x.nrows();
    if rows == 0 {
        return;
    }
    let group = group_columns(rows) * rows;
    let mut lses = [T::zero(); BLOCK];
    let groups = x
        .as_slice()
        .chunks(group)
        .zip(out.as_mut_slice().chunks_mut(group));
    for (cols, dst_cols) in groups {
        let lses = &mut lses[..cols.len() / rows];
        group_logsumexps(cols, rows, lses);
        let columns = cols.chunks_exact(rows).zip(dst_cols.chunks_exact_mut(rows));
        for ((src, dst), &lse) in columns.zip(lses.iter()) {
            if lse == T::INFINITY {
                dst.copy_from_slice(src);
                plus_infinity_column(dst, true);
            } else {
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d = v - lse;
                }
            }
        }
    }
}

/// Returns `log(sum(exp(x); dims = 1))` as a `1 x ncols` row.
///
/// The result lies between the column maximum and the maximum plus
/// `ln(nrows)`. A matrix with no rows gives `-inf` for every column.
pub fn logsumexp<T: Float>(x: &Matrix<T>) -> Matrix<T> {
    let mut out = Matrix::zeros(1, x.ncols());
    logsumexp_into(x, &mut out);
    out
}

/// Writes the column-wise log-sum-exp of `x` into the `1 x ncols` row `out`.
///
/// # Panics
/// If `out` is not `1 x x.ncols()`.
#[track_caller]
pub fn logsumexp_into<T: Float>(x: &Matrix<T>, out: &mut Matrix<T>) {
    assert!(
        out.nrows() == 1 && out.ncols() == x.ncols(),
        "logsumexp_into: input is {}x{}, so the output must be 1x{}, got {}x{}",
        x.nrows(),
        x.ncols(),
        x.ncols(),
        out.nrows(),
        out.ncols()
    );
    let rows = x.nrows();
    if rows == 0 {
        out.fill(T::NEG_INFINITY);
        return;
    }
    let group = group_columns(rows);
    let groups = x.as_slice().chunks(group * rows);
    for (cols, lses) in groups.zip(out.as_mut_slice().chunks_mut(group)) {
        group_logsumexps(cols, rows, lses);
    }
}

#[track_caller]
fn check_same_shape<T: Float>(op: &str, x: &Matrix<T>, out: &Matrix<T>) {
    assert!(
        x.shape() == out.shape(),
        "{op}: input is {}x{} but output is {}x{}; they must match",
        x.nrows(),
        x.ncols(),
        out.nrows(),
        out.ncols()
    );
}

/// Independent accumulators in the reductions below. Eight lanes let the
/// compiler keep them in SIMD registers, which a single running maximum or
/// sum (a serial dependency in IEEE order) would forbid.
const LANES: usize = 8;

/// Column maximum, ignoring NaN (NaN reaches the result through the sum of
/// exponentials instead); `-inf` for a column of only `-inf` or NaN.
fn column_max<T: Float>(col: &[T]) -> T {
    let mut acc = [T::NEG_INFINITY; LANES];
    let mut chunks = col.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = if v > *a { v } else { *a };
        }
    }
    let mut max = T::NEG_INFINITY;
    for &v in acc.iter().chain(chunks.remainder()) {
        max = if v > max { v } else { max };
    }
    max
}

/// Sum in `LANES` interleaved partial sums.
fn lane_sum<T: Float>(xs: &[T]) -> T {
    let mut acc = [T::zero(); LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += v;
        }
    }
    let tail = chunks.remainder().iter().fold(T::zero(), |s, &v| s + v);
    acc.iter().fold(tail, |s, &v| s + v)
}

/// Exponentiates a block in place and returns the sum of the results.
fn exp_sum<T: Float>(block: &mut [T]) -> T {
    T::exp_slice(block);
    lane_sum(block)
}

fn softmax_column<T: Float>(col: &mut [T]) {
    let max = column_max(col);
    if max == T::INFINITY {
        plus_infinity_column(col, false);
        return;
    }
    // For an all -inf column, max is -inf and x - max is NaN, which is the
    // documented result. A NaN entry makes the sum NaN, and so every entry.
    let mut sum = T::zero();
    for block in col.chunks_mut(BLOCK) {
        block.iter_mut().for_each(|v| *v -= max);
        sum += exp_sum(block);
    }
    scale(col, T::one() / sum);
}

/// [`softmax_column`] reading `src` and writing `dst`, which saves the copy
/// (a full pass over memory for a large matrix).
fn softmax_column_into<T: Float>(src: &[T], dst: &mut [T]) {
    let max = column_max(src);
    if max == T::INFINITY {
        dst.copy_from_slice(src);
        plus_infinity_column(dst, false);
        return;
    }
    let mut sum = T::zero();
    for (s, d) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
        for (d, &v) in d.iter_mut().zip(s) {
            *d = v - max;
        }
        sum += exp_sum(d);
    }
    scale(dst, T::one() / sum);
}

fn scale<T: Float>(col: &mut [T], factor: T) {
    col.iter_mut().for_each(|v| *v *= factor);
}

/// The limit for a column with `+inf` entries: equal mass on those entries.
fn plus_infinity_column<T: Float>(col: &mut [T], log: bool) {
    if col.iter().any(|v| v.nan()) {
        col.fill(T::NAN);
        return;
    }
    let count = col.iter().filter(|&&v| v == T::INFINITY).count();
    let share = T::one() / T::cast_usize(count);
    for v in col.iter_mut() {
        let p = if *v == T::INFINITY { share } else { T::zero() };
        *v = if log { p.ln() } else { p };
    }
}

/// `max + log(sum(exp(x - max)))` in one read of the column after the
/// maximum, exponentiating blocks on the stack.
fn logsumexp_column<T: Float>(col: &[T]) -> T {
    let max = column_max(col);
    if !max.finite() {
        // +inf: the sum is infinite. -inf: every entry is -inf or NaN, so
        // the sum is empty (log is -inf) or NaN.
        return if col.iter().any(|v| v.nan()) {
            T::NAN
        } else {
            max
        };
    }
    let mut block = [T::zero(); BLOCK];
    let mut sum = T::zero();
    for chunk in col.chunks(BLOCK) {
        let b = &mut block[..chunk.len()];
        for (d, &v) in b.iter_mut().zip(chunk) {
            *d = v - max;
        }
        sum += exp_sum(b);
    }
    max + sum.ln()
}

/// Columns of at most this many rows are exponentiated a group of whole
/// columns at a time. One `exp` call per short column would pay the call and
/// a SIMD remainder for a handful of elements (a 10 x 100000 matrix took four
/// times as long as a 1000 x 1000 one).
const SHORT_COLUMN: usize = BLOCK / 4;

/// The number of columns the kernels handle together: as many short columns
/// as fill a block, or one long column.
fn group_columns(rows: usize) -> usize {
    if rows <= SHORT_COLUMN {
        BLOCK / rows
    } else {
        1
    }
}

/// Writes the log-sum-exp of each column of `cols` (`rows` per column) into
/// `lses`, with the same bits as [`logsumexp_column`] on each column.
fn group_logsumexps<T: Float>(cols: &[T], rows: usize, lses: &mut [T]) {
    if rows > SHORT_COLUMN {
        for (col, lse) in cols.chunks_exact(rows).zip(lses.iter_mut()) {
            *lse = logsumexp_column(col);
        }
        return;
    }
    let mut block = [T::zero(); BLOCK];
    let shifted = &mut block[..cols.len()];
    // Until the sums are known, `lses` keeps the column maxima.
    for ((col, chunk), max) in cols
        .chunks_exact(rows)
        .zip(shifted.chunks_exact_mut(rows))
        .zip(lses.iter_mut())
    {
        *max = column_max(col);
        for (d, &v) in chunk.iter_mut().zip(col) {
            *d = v - *max;
        }
    }
    T::exp_slice(shifted);
    for ((col, chunk), lse) in cols
        .chunks_exact(rows)
        .zip(shifted.chunks_exact(rows))
        .zip(lses.iter_mut())
    {
        let max = *lse;
        *lse = if max.finite() {
            let mut sum = T::zero();
            sum += lane_sum(chunk);
            max + sum.ln()
        } else {
            logsumexp_column(col)
        };
    }
}

/// Softmax of a group of short columns in one `exp` call, into `dst` from
/// `src` (or in place when `src` is `None`), with the same bits as the
/// per-column kernels. Returns `false`, having written nothing, for long
/// columns or when a column contains `+inf`; the caller then runs the
/// per-column kernels.
fn softmax_short_group<T: Float>(src: Option<&[T]>, dst: &mut [T], rows: usize) -> bool {
    if rows > SHORT_COLUMN {
        return false;
    }
    let mut maxes = [T::zero(); BLOCK];
    let columns = dst.len() / rows;
    for (j, max) in maxes[..columns].iter_mut().enumerate() {
        let col = match src {
            Some(src) => &src[j * rows..(j + 1) * rows],
            None => &dst[j * rows..(j + 1) * rows],
        };
        *max = column_max(col);
        if *max == T::INFINITY {
            return false;
        }
    }
    for (j, (chunk, &max)) in dst.chunks_exact_mut(rows).zip(&maxes).enumerate() {
        match src {
            Some(src) => {
                for (d, &v) in chunk.iter_mut().zip(&src[j * rows..(j + 1) * rows]) {
                    *d = v - max;
                }
            }
            None => chunk.iter_mut().for_each(|v| *v -= max),
        }
    }
    T::exp_slice(dst);
    for chunk in dst.chunks_exact_mut(rows) {
        let mut sum = T::zero();
        sum += lane_sum(chunk);
        scale(chunk, T::one() / sum);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_hand_example() {
        // softmax([0, ln 3]) = [1/4, 3/4].
        let x = Matrix::from_column_slice(2, 1, &[0.0, 3f64.ln()]);
        let y = softmax(&x);
        assert!((y[0] - 0.25).abs() < 1e-15);
        assert!((y[1] - 0.75).abs() < 1e-15);
    }

    #[test]
    fn infinite_columns_follow_documented_limits() {
        let inf = f64::INFINITY;
        let x = Matrix::from_column_slice(3, 3, &[-inf, -inf, -inf, inf, 1.0, inf, -inf, 0.0, 1.0]);
        let s = softmax(&x);
        assert!(s.column(0).iter().all(|v| v.nan()));
        assert_eq!(s.column(1).as_slice(), &[0.5, 0.0, 0.5]);
        assert_eq!(s[(0, 2)], 0.0);
        let l = logsumexp(&x);
        assert_eq!(l[0], -inf);
        assert_eq!(l[1], inf);
        let ls = log_softmax(&x);
        assert_eq!(ls[(1, 1)], -inf);
        assert_eq!(ls[(0, 1)], 0.5f64.ln());
        assert_eq!(ls[(0, 2)], -inf);
    }
}
