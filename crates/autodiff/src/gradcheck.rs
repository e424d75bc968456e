//! Gradient checks: reverse mode against central finite differences and
//! against forward mode, for users' own property tests.

use std::fmt;

use ferroflux_linalg::{Float, Matrix};

use crate::gradient::ParamLeaves;
use crate::param::Params;
use crate::session::Session;
use crate::tensor::Tensor;

/// One checked partial derivative: where it is and its three estimates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckEntry {
    /// Index of the input (0 for [`check_gradient`]) or of the parameter in
    /// the `Params` order.
    pub param: usize,
    /// Row of the element.
    pub row: usize,
    /// Column of the element.
    pub col: usize,
    /// Reverse mode (the gradient being checked).
    pub reverse: f64,
    /// Central finite difference `(f(x + h) - f(x - h)) / 2h`.
    pub finite_difference: f64,
    /// Forward mode, `⟨u, J·e⟩` for the unit tangent `e` of this element.
    pub forward: f64,
}

/// The largest disagreement of one comparison and where it occurred.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckWorst {
    /// Largest `|estimate - reverse|`.
    pub abs_error: f64,
    /// Largest `|estimate - reverse| / max(|estimate|, |reverse|)` (0 where
    /// both are 0).
    pub rel_error: f64,
    /// The entry with the largest absolute error.
    pub at: GradCheckEntry,
}

/// The result of [`check_gradient`] or [`check_gradient_params`]: every
/// partial derivative by reverse mode, finite differences and forward mode.
///
/// For a function with a non-scalar output the check differentiates the
/// scalar `⟨u, f(x)⟩` for a fixed weight matrix `u` with entries in
/// `[0.5, 1.5)`, which tests every output element at once.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckReport {
    /// One entry per input element, in column-major order per input.
    pub entries: Vec<GradCheckEntry>,
}

impl GradCheckReport {
    /// Returns `true` when every finite difference and every forward-mode
    /// value agrees with reverse mode within `atol + rtol·max(|a|, |b|)`.
    /// A NaN anywhere fails.
    pub fn passed(&self, rtol: f64, atol: f64) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= atol + rtol * a.abs().max(b.abs());
        self.entries
            .iter()
            .all(|e| close(e.finite_difference, e.reverse) && close(e.forward, e.reverse))
    }

    /// The worst disagreement between finite differences and reverse mode.
    pub fn worst_finite_difference(&self) -> Option<GradCheckWorst> {
        self.worst(|e| e.finite_difference)
    }

    /// The worst disagreement between forward and reverse mode.
    pub fn worst_forward(&self) -> Option<GradCheckWorst> {
        self.worst(|e| e.forward)
    }

    fn worst(&self, estimate: impl Fn(&GradCheckEntry) -> f64) -> Option<GradCheckWorst> {
        let mut worst: Option<GradCheckWorst> = None;
        for e in &self.entries {
            let (a, b) = (estimate(e), e.reverse);
            let abs = (a - b).abs();
            let scale = a.abs().max(b.abs());
            let rel = if scale > 0.0 { abs / scale } else { abs };
            let w = worst.get_or_insert(GradCheckWorst {
                abs_error: abs,
                rel_error: rel,
                at: *e,
            });
            if worse(abs, w.abs_error) {
                w.abs_error = abs;
                w.at = *e;
            }
            if worse(rel, w.rel_error) {
                w.rel_error = rel;
            }
        }
        worst
    }
}

/// Whether error `new` is worse than `old`; NaN counts as the worst.
fn worse(new: f64, old: f64) -> bool {
    new.is_nan() || (!old.is_nan() && new > old)
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "gradient check over {} elements", self.entries.len())?;
        let pairs = [
            ("finite differences", self.worst_finite_difference(), true),
            ("forward mode", self.worst_forward(), false),
        ];
        for (name, worst, fd) in pairs {
            let Some(w) = worst else { continue };
            let e = w.at;
            let other = if fd { e.finite_difference } else { e.forward };
            writeln!(
                f,
                "  {name} vs reverse: max abs error {:.3e}, max rel error {:.3e}; worst at \
                 input {} ({}, {}): {name} {:.6e}, reverse {:.6e}",
                w.abs_error, w.rel_error, e.param, e.row, e.col, other, e.reverse
            )?;
        }
        Ok(())
    }
}

/// Deterministic weights in `[0.5, 1.5)` for reducing a non-scalar output;
/// `1` for a scalar output.
fn output_weights<T: Float>(rows: usize, cols: usize) -> Matrix<T> {
    if rows * cols == 1 {
        return Matrix::from_element(1, 1, T::one());
    }
    // Fractional parts of k·φ spread evenly over [0, 1).
    const PHI: f64 = 0.618_033_988_749_894_9;
    Matrix::from_fn(rows, cols, |i, j| {
        let k = (i + j * rows + 1) as f64;
        T::cast(0.5 + (k * PHI).fract())
    })
}

/// The central-difference step for an element of value `x`: `ε^(1/3)·max(1, |x|)`,
/// which balances truncation error `O(h²)` against rounding error `O(ε/h)`.
fn step<T: Float>(x: T) -> T {
    T::EPSILON.powf(T::cast(1.0 / 3.0)) * x.abs().max(T::one())
}

/// Compares reverse mode with central finite differences and with forward
/// mode for `f` at `x`, for every element of `x`.
///
/// `f` may return any shape; a non-scalar output is reduced with fixed
/// weights (see [`GradCheckReport`]). Finite differences evaluate `f` eagerly
/// in `T`, so use `f64` for tight tolerances.
///
/// # Panics
/// When called inside a gradient computation of the same precision.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{check_gradient, Matrix};
///
/// let x = Matrix::from_column_slice(3, 1, &[0.5, -1.0, 2.0]);
/// let report = check_gradient(|x| x.tanh().square().sum(), &x);
/// assert!(report.passed(1e-6, 1e-8), "{report}");
/// ```
pub fn check_gradient<T: Float>(
    f: impl Fn(&Tensor<T>) -> Tensor<T>,
    x: &Matrix<T>,
) -> GradCheckReport {
    let (reverse, forward, u) = {
        let session = Session::<T>::begin("check_gradient");
        let leaf = session.leaf_copy(x);
        let y = f(&leaf);
        let u = output_weights::<T>(y.nrows(), y.ncols());
        session.backward(&y, Some(&u));
        let reverse = session.take_grad(&leaf);
        let forward = unit_tangents(x.shape(), |e| session.tangent(&[(&leaf, e)], &y).dot(&u));
        (reverse, forward, u)
    };

    let weighted = |m: &Matrix<T>| -> T { f(&Tensor::constant(m.clone())).value().dot(&u) };
    let mut probe = x.clone();
    let mut entries = Vec::with_capacity(x.len());
    for k in 0..x.len() {
        let h = step(x[k]);
        probe[k] = x[k] + h;
        let plus = weighted(&probe);
        probe[k] = x[k] - h;
        let minus = weighted(&probe);
        probe[k] = x[k];
        entries.push(GradCheckEntry {
            param: 0,
            row: k % x.nrows(),
            col: k / x.nrows(),
            reverse: reverse[k].to_f64(),
            finite_difference: ((plus - minus) / (h + h)).to_f64(),
            forward: forward[k],
        });
    }
    GradCheckReport { entries }
}

/// Compares reverse mode with central finite differences and with forward
/// mode for the `1 x 1` loss `f()` with respect to every element of every
/// parameter in `ps`.
///
/// Finite differences perturb each parameter in place through
/// [`Param::update`](crate::Param::update) and restore it exactly afterwards.
///
/// # Panics
/// If `f()` is not `1 x 1`, or when called inside a gradient computation of
/// the same precision.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{check_gradient_params, Matrix, Param, Params, Tensor};
///
/// let w = Param::new(Matrix::from_row_slice(2, 2, &[1.0, -0.5, 0.25, 2.0]));
/// let x = Tensor::constant(Matrix::from_column_slice(2, 1, &[0.3, -0.7]));
/// let ps = Params::new([&w]);
/// let report = check_gradient_params(&ps, || w.tensor().matmul(&x).sigmoid().sum());
/// assert!(report.passed(1e-6, 1e-8), "{report}");
/// ```
#[track_caller]
pub fn check_gradient_params<T: Float>(
    ps: &Params<T>,
    f: impl Fn() -> Tensor<T>,
) -> GradCheckReport {
    let mut reverse = Vec::new();
    let mut forward = Vec::new();
    {
        let session = Session::<T>::begin("check_gradient_params");
        let _leaves = ParamLeaves::register(&session, ps);
        let loss = f();
        let (r, c) = loss.shape();
        assert!(
            r == 1 && c == 1,
            "check_gradient_params: the closure must return a 1x1 loss, but it returned a \
             {r}x{c} tensor"
        );
        session.backward(&loss, None);
        let leaves: Vec<Tensor<T>> = ps.iter().map(|p| p.tensor()).collect();
        for leaf in &leaves {
            reverse.push(session.take_grad(leaf));
            forward.push(unit_tangents(leaf.shape(), |e| {
                session.tangent(&[(leaf, e)], &loss)[0]
            }));
        }
    }

    let mut entries = Vec::with_capacity(ps.count_elements());
    for (index, p) in ps.iter().enumerate() {
        let rows = p.shape().0;
        for k in 0..p.len() {
            let x = p.value()[k];
            let h = step(x);
            p.update(|m| m[k] = x + h);
            let plus = f().item();
            p.update(|m| m[k] = x - h);
            let minus = f().item();
            p.update(|m| m[k] = x);
            entries.push(GradCheckEntry {
                param: index,
                row: k % rows.max(1),
                col: k / rows.max(1),
                reverse: reverse[index][k].to_f64(),
                finite_difference: ((plus - minus) / (h + h)).to_f64(),
                forward: forward[index][k],
            });
        }
    }
    GradCheckReport { entries }
}

/// Evaluates `directional(e_k)` for every unit matrix `e_k` of the shape.
fn unit_tangents<T: Float>(
    (rows, cols): (usize, usize),
    mut directional: impl FnMut(&Matrix<T>) -> T,
) -> Vec<f64> {
    let mut e = Matrix::<T>::zeros(rows, cols);
    (0..rows * cols)
        .map(|k| {
            e[k] = T::one();
            let d = directional(&e).to_f64();
            e[k] = T::zero();
            d
        })
        .collect()
}
