//! Reverse mode: [`gradient`], [`with_gradient`] and [`value_and_gradient`].

use ferroflux_linalg::{Float, Matrix};

use crate::param::{Grads, Params};
use crate::session::Session;
use crate::tape::{with_tape, Tape};
use crate::tensor::Tensor;

/// Returns the gradient of the `1 x 1` tensor `f()` with respect to every
/// parameter in `ps` (Flux's `gradient(() -> loss, ps)`).
///
/// `f` is the same function used for plain evaluation; while it runs, every
/// op on a parameter of `ps` is recorded, then one reverse sweep accumulates
/// the gradients. A parameter used several times receives the sum of all
/// contributions. A parameter that does not influence the loss gets a zero
/// matrix of its shape, never a missing entry, so an optimiser can treat every
/// parameter alike.
///
/// # Panics
/// If `f()` is not `1 x 1` (the message names its shape), or when called
/// inside another gradient computation of the same precision on this thread.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{gradient, Matrix, Param, Params};
///
/// let w = Param::new(Matrix::from_row_slice(1, 2, &[1.0, 2.0]));
/// let x = Matrix::from_column_slice(2, 1, &[3.0, 4.0]);
/// let ps = Params::new([&w]);
/// // loss = (w·x)², d/dw = 2 (w·x) xᵀ = 2·11·[3 4]
/// let grads = gradient(&ps, || w.tensor().matmul(&x.clone().into()).square().sum());
/// assert_eq!(grads[&w].as_slice(), &[66.0, 88.0]);
/// ```
#[track_caller]
pub fn gradient<T: Float>(ps: &Params<T>, f: impl FnOnce() -> Tensor<T>) -> Grads<T> {
    with_gradient(ps, f).1
}

/// Like [`gradient`], also returning the loss value (Flux's
/// `withgradient`).
///
/// # Panics
/// As [`gradient`].
#[track_caller]
pub fn with_gradient<T: Float>(ps: &Params<T>, f: impl FnOnce() -> Tensor<T>) -> (T, Grads<T>) {
    let session = Session::<T>::begin("gradient");
    session.mark_differentiating();
    let leaves = ParamLeaves::register(&session, ps);

    let loss = f();
    let value = scalar_loss("gradient", &loss);
    session.backward(&loss, None);
    drop(loss);

    let mut entries = with_tape(|tape: &mut Tape<T>| tape.grad_lists.pop()).unwrap_or_default();
    for p in ps.iter() {
        entries.push((p.clone(), session.take_grad(&p.tensor())));
    }
    drop(leaves);
    drop(session);
    (value, Grads::from_entries(entries))
}

/// Returns the value of the `1 x 1` tensor `f(xs)` and its gradient with
/// respect to each input matrix (explicit style, like Flux's
/// `withgradient(f, x1, x2)`).
///
/// `f` receives one tensor per matrix of `xs`, in order. An input that does
/// not influence the result gets a zero gradient.
///
/// # Panics
/// If `f` returns a tensor that is not `1 x 1`, or when called inside another
/// gradient computation of the same precision on this thread.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{value_and_gradient, Matrix};
///
/// let a = Matrix::from_column_slice(2, 1, &[1.0, 2.0]);
/// let b = Matrix::from_column_slice(2, 1, &[3.0, 4.0]);
/// // f = a·b = 11, ∂f/∂a = b, ∂f/∂b = a
/// let (v, g) = value_and_gradient(|xs| xs[0].dot(&xs[1]), &[&a, &b]);
/// assert_eq!(v, 11.0);
/// assert_eq!(g[0], b);
/// assert_eq!(g[1], a);
/// ```
#[track_caller]
pub fn value_and_gradient<T: Float>(
    f: impl FnOnce(&[Tensor<T>]) -> Tensor<T>,
    xs: &[&Matrix<T>],
) -> (T, Vec<Matrix<T>>) {
    let session = Session::<T>::begin("value_and_gradient");
    session.mark_differentiating();
    let leaves: Vec<Tensor<T>> = xs.iter().map(|x| session.leaf_copy(x)).collect();

    let out = f(&leaves);
    let value = scalar_loss("value_and_gradient", &out);
    session.backward(&out, None);
    drop(out);

    let grads = leaves.iter().map(|leaf| session.take_grad(leaf)).collect();
    (value, grads)
}

#[track_caller]
fn scalar_loss<T: Float>(op: &str, loss: &Tensor<T>) -> T {
    let (r, c) = loss.shape();
    assert!(
        r == 1 && c == 1,
        "{op}: the closure must return a 1x1 loss, but it returned a {r}x{c} tensor; reduce it \
         with sum() or mean(), or use jvp for a non-scalar function"
    );
    loss.value[0]
}

/// The tape leaves of a `Params` during one recording. Dropping it detaches
/// the parameters from the tape again, also when the closure panics.
pub(crate) struct ParamLeaves<'a, T: Float> {
    ps: &'a Params<T>,
}

impl<'a, T: Float> ParamLeaves<'a, T> {
    pub fn register(session: &Session<T>, ps: &'a Params<T>) -> Self {
        for p in ps.iter() {
            let leaf = session.leaf(p.shared_value());
            p.set_leaf(leaf.node);
        }
        Self { ps }
    }
}

impl<T: Float> Drop for ParamLeaves<'_, T> {
    fn drop(&mut self) {
        for p in self.ps.iter() {
            p.set_leaf(None);
        }
    }
}
