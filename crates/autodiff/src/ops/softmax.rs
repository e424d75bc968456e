//! Column-wise `softmax`, `log_softmax` and `logsumexp` on the stable kernels
//! of `ferroflux_linalg`.
//!
//! With `p = softmax(x)` per column and column sums written `Σ`:
//! - softmax: `ẏ = p∘(ẋ - Σ p∘ẋ)`, `x̄ = p∘(ȳ - Σ p∘ȳ)`;
//! - log_softmax: `ẏ = ẋ - Σ p∘ẋ`, `x̄ = ȳ - p·Σ ȳ`;
//! - logsumexp: `ẏ = Σ p∘ẋ`, `x̄ = p·ȳ`.
//!
//! The rules use `p` recovered from the output (`p = y` or `p = eʸ`, or
//! `e^(x - y)` for logsumexp), so a `-inf` logit has `p = 0` and a zero
//! gradient, and huge logits stay finite.

use ferroflux_linalg::{exp_in_place, log_softmax_into, logsumexp_into, softmax_into};
use ferroflux_linalg::{Float, Matrix};

use super::put;
use std::rc::Rc;

use crate::rules::{Attrs, Jvp, Output, Vjp};
use crate::tape::{with_tape, Tape};
use crate::tensor::Tensor;

/// Matrices with at most this many columns take the fused forward kernels
/// below, which keep per-column maxima and sums on the stack.
const FUSED_MAX_COLS: usize = 256;
/// Elements exponentiated per call of `exp_in_place` in the fused kernels.
const BLOCK: usize = 256;

// The linalg kernels exponentiate one column per call. For the short columns
// of small models (a 4 x 10 matrix has columns of 4) the call and its SIMD
// remainder dominate, so the fused kernels exponentiate the whole matrix, or
// blocks of 256 elements, in one call. They handle finite column maxima only
// and hand every other case (infinite or NaN entries decide the maximum, no
// rows, many columns) to the linalg kernel, which implements those limits.

/// Writes `x - max` per column into `out`, into `copy` when given, and the
/// maxima into `maxima` when given. Returns `false` when a column maximum is
/// not finite or a column contains NaN.
///
/// The maximum takes the first of equal elements, as `Float::max_nan` does,
/// but the NaN test is kept out of the comparison chain so that the loop is
/// a compare and a select per element.
fn shift_by_column_max<T: Float>(
    x: &Matrix<T>,
    out: &mut [T],
    mut copy: Option<&mut [T]>,
    mut maxima: Option<&mut [T]>,
) -> bool {
    let rows = x.nrows();
    for (j, col) in x.as_slice().chunks_exact(rows).enumerate() {
        let mut m = T::NEG_INFINITY;
        let mut nan = false;
        for &v in col {
            nan |= v.nan();
            m = if v > m { v } else { m };
        }
        if nan || !m.finite() {
            return false;
        }
        if let Some(maxima) = maxima.as_deref_mut() {
            maxima[j] = m;
        }
        let range = j * rows..(j + 1) * rows;
        let shifted = &mut out[range.clone()];
        match copy.as_deref_mut() {
            Some(copy) => {
                let copy = &mut copy[range];
                for ((s, c), &v) in shifted.iter_mut().zip(copy).zip(col) {
                    *s = v - m;
                    *c = *s;
                }
            }
            None => {
                for (s, &v) in shifted.iter_mut().zip(col) {
                    *s = v - m;
                }
            }
        }
    }
    true
}

/// Adds `exp(values)` of each column into `sums`, exponentiating groups of
/// whole columns in one stack block.
fn column_exp_sums<T: Float>(values: &[T], rows: usize, sums: &mut [T]) {
    let mut block = [T::zero(); BLOCK];
    let group = (BLOCK / rows) * rows;
    for (g, chunk) in values.chunks(group).enumerate() {
        let e = &mut block[..chunk.len()];
        e.copy_from_slice(chunk);
        exp_in_place(e);
        let first = g * (group / rows);
        for (col, s) in e.chunks_exact(rows).zip(&mut sums[first..]) {
            *s = col.iter().fold(T::zero(), |acc, &v| acc + v);
        }
    }
}

fn fused_fits<T: Float>(x: &Matrix<T>) -> bool {
    x.nrows() > 0 && x.nrows() <= BLOCK && x.ncols() <= FUSED_MAX_COLS
}

fn softmax_forward<T: Float>(x: &Matrix<T>, out: &mut Matrix<T>) {
    if !fused_softmax(x, out, None) {
        softmax_into(x, out);
    }
}

/// Writes `softmax(x)` into `out` with the fused kernel and, when given,
/// each column's maximum and sum of `exp(x - max)` into `stats`. Returns
/// `false` when the kernel does not apply, and `out` and `stats` then
/// contain no result.
fn fused_softmax<T: Float>(
    x: &Matrix<T>,
    out: &mut Matrix<T>,
    stats: Option<(&mut [T], &mut [T])>,
) -> bool {
    let rows = x.nrows();
    let (maxima, mut sums) = stats.unzip();
    if !fused_fits(x) || !shift_by_column_max(x, out.as_mut_slice(), None, maxima) {
        return false;
    }
    exp_in_place(out.as_mut_slice());
    for (j, col) in out.as_mut_slice().chunks_exact_mut(rows).enumerate() {
        let sum = col.iter().fold(T::zero(), |s, &v| s + v);
        if let Some(sums) = sums.as_deref_mut() {
            sums[j] = sum;
        }
        let inv = T::one() / sum;
        col.iter_mut().for_each(|v| *v *= inv);
    }
    true
}

/// Writes `log_softmax(x)` into `out` from the column maxima and sums that
/// [`fused_softmax`] computed for the same `x`, with the same operations as
/// [`log_softmax_forward`], so the bits agree.
fn log_softmax_from_stats<T: Float>(x: &Matrix<T>, maxima: &[T], sums: &[T], out: &mut Matrix<T>) {
    let rows = x.nrows();
    let columns = out
        .as_mut_slice()
        .chunks_exact_mut(rows)
        .zip(x.as_slice().chunks_exact(rows));
    for ((out, x), (&m, &sum)) in columns.zip(maxima.iter().zip(sums)) {
        let log_sum = sum.ln();
        for (o, &v) in out.iter_mut().zip(x) {
            *o = (v - m) - log_sum;
        }
    }
}

/// Writes `log_softmax(x)` into `out` and, when given, the probabilities
/// `softmax(x)` into `probabilities` for the reverse rule.
fn log_softmax_forward<T: Float>(
    x: &Matrix<T>,
    out: &mut Matrix<T>,
    mut probabilities: Option<&mut Matrix<T>>,
) {
    let rows = x.nrows();
    let fused = fused_fits(x)
        && match probabilities {
            Some(ref mut p) => {
                shift_by_column_max(x, out.as_mut_slice(), Some(p.as_mut_slice()), None)
            }
            None => shift_by_column_max(x, out.as_mut_slice(), None, None),
        };
    if !fused {
        log_softmax_into(x, out);
        if let Some(p) = probabilities {
            p.copy_from(out);
            exp_in_place(p.as_mut_slice());
        }
        return;
    }
    match probabilities {
        Some(p) => {
            // exp(x - max) per column, divided by its column sum, whose log
            // then comes off the shifted column.
            exp_in_place(p.as_mut_slice());
            let columns = p
                .as_mut_slice()
                .chunks_exact_mut(rows)
                .zip(out.as_mut_slice().chunks_exact_mut(rows));
            for (probability, shifted) in columns {
                let sum = probability.iter().fold(T::zero(), |acc, &v| acc + v);
                let inv = T::one() / sum;
                probability.iter_mut().for_each(|v| *v *= inv);
                let log_sum = sum.ln();
                shifted.iter_mut().for_each(|v| *v -= log_sum);
            }
        }
        None => {
            let mut sums = [T::zero(); FUSED_MAX_COLS];
            column_exp_sums(out.as_slice(), rows, &mut sums);
            for (col, &s) in out.as_mut_slice().chunks_exact_mut(rows).zip(&sums) {
                let log_sum = s.ln();
                col.iter_mut().for_each(|v| *v -= log_sum);
            }
        }
    }
}

fn logsumexp_forward<T: Float>(x: &Matrix<T>, out: &mut Matrix<T>) {
    let rows = x.nrows();
    let mut maxes = [T::zero(); FUSED_MAX_COLS];
    let mut sums = [T::zero(); FUSED_MAX_COLS];
    if !fused_fits(x) {
        logsumexp_into(x, out);
        return;
    }
    let mut shifted = [T::zero(); BLOCK];
    let group = (BLOCK / rows) * rows;
    for (g, chunk) in x.as_slice().chunks(group).enumerate() {
        let first = g * (group / rows);
        let e = &mut shifted[..chunk.len()];
        let columns = chunk.chunks_exact(rows).zip(e.chunks_exact_mut(rows));
        for ((col, dst), m) in columns.zip(&mut maxes[first..]) {
            *m = col.iter().fold(T::NEG_INFINITY, |m, &v| m.max_nan(v));
            if !m.finite() {
                logsumexp_into(x, out);
                return;
            }
            dst.iter_mut().zip(col).for_each(|(d, &v)| *d = v - *m);
        }
        exp_in_place(e);
        for (col, s) in e.chunks_exact(rows).zip(&mut sums[first..]) {
            *s = col.iter().fold(T::zero(), |acc, &v| acc + v);
        }
    }
    for (j, o) in out.as_mut_slice().iter_mut().enumerate() {
        *o = maxes[j] + sums[j].ln();
    }
}

/// Column-wise `Σ_i a_ij·b_ij`, or `Σ_i a_ij` when `b` is `None`.
fn column_dot<T: Float>(a: &[T], b: Option<&[T]>, rows: usize, j: usize) -> T {
    let col = &a[j * rows..(j + 1) * rows];
    match b {
        Some(b) => {
            let bcol = &b[j * rows..(j + 1) * rows];
            col.iter()
                .zip(bcol)
                .fold(T::zero(), |s, (&a, &b)| s + a * b)
        }
        None => col.iter().fold(T::zero(), |s, &a| s + a),
    }
}

fn softmax_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (p, ybar) = (v.y, v.ybar);
    let Some((g, fresh)) = v.grad_uninit(0) else {
        return;
    };
    let rows = p.nrows().max(1);
    let columns = g
        .as_mut_slice()
        .chunks_exact_mut(rows)
        .zip(p.as_slice().chunks_exact(rows))
        .zip(ybar.as_slice().chunks_exact(rows));
    for ((g, p), t) in columns {
        let s = super::slice_dot(p, t);
        for ((g, &p), &t) in g.iter_mut().zip(p).zip(t) {
            put(fresh, g, p * (t - s));
        }
    }
}

fn softmax_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (p, xdot) = (j.y, j.xdot(0));
    let rows = p.nrows();
    let mut out = Matrix::zeros(rows, p.ncols());
    let (ps, ds) = (p.as_slice(), xdot.as_slice());
    for c in 0..p.ncols() {
        let s = column_dot(ps, Some(ds), rows, c);
        for k in c * rows..(c + 1) * rows {
            out[k] = ps[k] * (ds[k] - s);
        }
    }
    out
}

fn log_softmax_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (y, ybar) = (v.y, v.ybar);
    if !v.needs_grad(0) {
        return;
    }
    // p = softmax(x) = eʸ, kept by the forward pass when it was recorded.
    let computed = match v.aux {
        Some(_) => None,
        None => {
            let mut p = v.scratch(y.nrows(), y.ncols());
            p.copy_from(y);
            exp_in_place(p.as_mut_slice());
            Some(p)
        }
    };
    let p = v.aux.or(computed.as_ref()).expect("one of the two is set");
    let (g, fresh) = v.grad_uninit(0).expect("checked above");
    let rows = y.nrows().max(1);
    let columns = g
        .as_mut_slice()
        .chunks_exact_mut(rows)
        .zip(p.as_slice().chunks_exact(rows))
        .zip(ybar.as_slice().chunks_exact(rows));
    for ((g, p), t) in columns {
        let s = t.iter().fold(T::zero(), |acc, &v| acc + v);
        for ((g, &p), &t) in g.iter_mut().zip(p).zip(t) {
            put(fresh, g, t - p * s);
        }
    }
    if let Some(p) = computed {
        v.recycle(p);
    }
}

fn log_softmax_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (y, xdot) = (j.y, j.xdot(0));
    let rows = y.nrows();
    let p = y.map(|v| v.exp());
    let mut out = xdot.clone();
    for c in 0..y.ncols() {
        let s = column_dot(p.as_slice(), Some(xdot.as_slice()), rows, c);
        out.column_mut(c).iter_mut().for_each(|v| *v -= s);
    }
    out
}

/// `p_ij = e^(x_ij - y_j)` with `y = logsumexp(x)`.
fn lse_weights<T: Float>(x: &Matrix<T>, y: &Matrix<T>, p: &mut Matrix<T>) {
    let rows = x.nrows();
    for j in 0..x.ncols() {
        for k in j * rows..(j + 1) * rows {
            p[k] = x[k] - y[j];
        }
    }
    exp_in_place(p.as_mut_slice());
}

fn logsumexp_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (x, y, ybar) = (v.x(0), v.y, v.ybar);
    if v.grad(0).is_none() {
        return;
    }
    let mut p = v.scratch(x.nrows(), x.ncols());
    lse_weights(x, y, &mut p);
    let g = v.grad(0).expect("checked above");
    let rows = x.nrows();
    for j in 0..x.ncols() {
        for k in j * rows..(j + 1) * rows {
            g[k] += p[k] * ybar[j];
        }
    }
    v.recycle(p);
}

fn logsumexp_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (x, y, xdot) = (j.x(0), j.y, j.xdot(0));
    let mut p = Matrix::zeros(x.nrows(), x.ncols());
    lse_weights(x, y, &mut p);
    let mut out = Matrix::zeros(1, x.ncols());
    for c in 0..x.ncols() {
        out[c] = column_dot(p.as_slice(), Some(xdot.as_slice()), x.nrows(), c);
    }
    out
}

impl<T: Float> Tensor<T> {
    /// Returns the softmax of each column, `eˣ ./ Σ eˣ` (Flux's
    /// `softmax(x; dims = 1)`), computed with the column maximum subtracted.
    ///
    /// A `-inf` entry gets probability 0 and a zero gradient.
    pub fn softmax(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], self.nrows(), self.ncols());
        // A recorded softmax keeps its column statistics on the tape, so a
        // log_softmax of the same input later in the recording costs one
        // pass instead of a second exponentiation.
        let remembered = out.is_recorded()
            && fused_fits(&self.value)
            && with_tape(|tape: &mut Tape<T>| {
                let input = self.node.expect("the input of a recorded op is recorded");
                tape.record_softmax(input, self.ncols(), |maxima, sums| {
                    fused_softmax(&self.value, out.matrix(), Some((maxima, sums)))
                        .then(|| out.shared_value())
                })
            });
        if !remembered {
            softmax_forward(&self.value, out.matrix());
        }
        let rule = rule!("softmax", softmax_vjp::<T>, softmax_jvp::<T>);
        out.finish(&[self], rule, Attrs::default())
    }

    /// Returns the log-softmax of each column, `x .- logsumexp(x)`.
    ///
    /// Unlike `softmax().log()` it stays finite where a probability underflows
    /// to zero, and its gradient `ȳ - p·Σȳ` stays finite for huge logits.
    pub fn log_softmax(&self) -> Tensor<T> {
        let rule = rule!("log_softmax", log_softmax_vjp::<T>, log_softmax_jvp::<T>);
        let mut out = Output::new(&[self], self.nrows(), self.ncols());
        if out.is_recorded() {
            // After a recorded softmax of the same input, its statistics give
            // the result and its probabilities serve the reverse rule.
            let shared = with_tape(|tape: &mut Tape<T>| {
                let stats = tape.recorded_softmax(self.node)?;
                log_softmax_from_stats(&self.value, stats.maxima, stats.sums, out.matrix());
                Some(stats.probabilities.clone())
            });
            if shared.is_some() {
                return out.finish_with_aux(&[self], rule, Attrs::default(), shared);
            }
        }
        let mut probabilities = out.aux_buffer(self.nrows(), self.ncols());
        let p = probabilities
            .as_mut()
            .map(|p| Rc::get_mut(p).expect("a pooled value is not shared"));
        log_softmax_forward(&self.value, out.matrix(), p);
        out.finish_with_aux(&[self], rule, Attrs::default(), probabilities)
    }

    /// Returns `log Σ eˣ` of each column as `1 x n`, computed as
    /// `m + log Σ e^(x - m)` with the column maximum `m`. The result lies
    /// between `m` and `m + ln(nrows)`; the gradient is the column's softmax.
    pub fn logsumexp(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], 1, self.ncols());
        logsumexp_forward(&self.value, out.matrix());
        let rule = rule!("logsumexp", logsumexp_vjp::<T>, logsumexp_jvp::<T>);
        out.finish(&[self], rule, Attrs::default())
    }
}
