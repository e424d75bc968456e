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

use crate::tape::{Attrs, Jvp, Output, Rule, Vjp};
use crate::tensor::Tensor;

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
    let Some(g) = v.grad(0) else { return };
    let rows = p.nrows();
    let (ps, ts) = (p.as_slice(), ybar.as_slice());
    for j in 0..p.ncols() {
        let s = column_dot(ps, Some(ts), rows, j);
        for k in j * rows..(j + 1) * rows {
            g[k] += ps[k] * (ts[k] - s);
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
    if v.grad(0).is_none() {
        return;
    }
    let mut p = v.scratch(y.nrows(), y.ncols());
    p.copy_from(y);
    exp_in_place(p.as_mut_slice());
    let g = v.grad(0).expect("checked above");
    let rows = y.nrows();
    let ts = ybar.as_slice();
    for j in 0..y.ncols() {
        let s = column_dot(ts, None, rows, j);
        for k in j * rows..(j + 1) * rows {
            g[k] += ts[k] - p[k] * s;
        }
    }
    v.recycle(p);
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
        softmax_into(&self.value, out.matrix());
        let rule = Rule {
            name: "softmax",
            vjp: softmax_vjp::<T>,
            jvp: softmax_jvp::<T>,
        };
        out.finish(&[self], rule, Attrs::default())
    }

    /// Returns the log-softmax of each column, `x .- logsumexp(x)`.
    ///
    /// Unlike `softmax().log()` it stays finite where a probability underflows
    /// to zero, and its gradient `ȳ - p·Σȳ` stays finite for huge logits.
    pub fn log_softmax(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], self.nrows(), self.ncols());
        log_softmax_into(&self.value, out.matrix());
        let rule = Rule {
            name: "log_softmax",
            vjp: log_softmax_vjp::<T>,
            jvp: log_softmax_jvp::<T>,
        };
        out.finish(&[self], rule, Attrs::default())
    }

    /// Returns `log Σ eˣ` of each column as `1 x n`, computed as
    /// `m + log Σ e^(x - m)` with the column maximum `m`. The result lies
    /// between `m` and `m + ln(nrows)`; the gradient is the column's softmax.
    pub fn logsumexp(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], 1, self.ncols());
        logsumexp_into(&self.value, out.matrix());
        let rule = Rule {
            name: "logsumexp",
            vjp: logsumexp_vjp::<T>,
            jvp: logsumexp_jvp::<T>,
        };
        out.finish(&[self], rule, Attrs::default())
    }
}
