//! The costs written with autodiff tensors: the reference that the fused
//! kernels are checked against, and a starting point for users who want to
//! change a cost and let reverse mode find its gradient.

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::Float;

use crate::objective::CostFunction;

impl<T: Float> CostFunction<T> {
    /// Builds the cost `f(W, H̄)` from autodiff operations, with
    /// `H = softmax(H̄)` and `log H = log_softmax(H̄)` as in the fused
    /// kernels. The value equals the kernels' up to rounding, and its
    /// gradient by reverse mode is the kernels' gradient.
    ///
    /// # Panics
    /// If the shapes of `a` (T x n), `w` (T x K) and `h_logits` (K x n) do not
    /// fit together; the autodiff op names them.
    #[track_caller]
    pub fn tensor(&self, a: &Tensor<T>, w: &Tensor<T>, h_logits: &Tensor<T>) -> Tensor<T> {
        let h = h_logits.softmax();
        let residual = a - &w.matmul(&h);
        match *self {
            CostFunction::Seed { prior } => {
                residual.norm() + h_logits.log_softmax().sum().mul_scalar(prior)
            }
            CostFunction::Gaussian {
                inv_variance,
                prior,
                smoothing,
                basis_ridge,
            } => {
                let half = T::cast(0.5);
                let data = residual.square().sum().mul_scalar(inv_variance * half);
                let dirichlet = h.add_scalar(smoothing).log().sum().mul_scalar(prior);
                let ridge = w.square().sum().mul_scalar(basis_ridge * half);
                data + dirichlet + ridge
            }
        }
    }
}
