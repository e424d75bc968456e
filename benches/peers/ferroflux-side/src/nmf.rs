//! Simplex NMF with the Flux example's objective, started from the shared
//! `W0` and `H̄0`, in two forms:
//!
//! - `ferroflux`: `ferroflux::factorize`'s `NmfSolver`, whose `step` is one
//!   iteration (the fused value-and-gradient kernel, then Adam on `W` and `H̄`);
//! - `ferroflux-autodiff`: the objective written with `Tensor` operations and
//!   differentiated by `value_and_gradient`, then the same Adam rule, which
//!   is how a user would write a cost that `factorize` does not provide.

use ferroflux::autodiff::{value_and_gradient, Tensor};
use ferroflux::factorize::{CostFunction, NmfSolver};
use ferroflux::linalg::Matrix;
use ferroflux::optim::{Adam, AdamState, Rule};
use peers_data::{measure, report, ColMajor, DataError, Inputs};

/// The system name of the autodiff form in the runner's table.
pub const AUTODIFF_SYSTEM: &str = "ferroflux-autodiff";

fn matrix(m: ColMajor<f64>) -> Matrix<f64> {
    Matrix::from_vec(m.rows, m.cols, m.data)
}

pub fn run(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), DataError> {
    let a = matrix(inputs.matrix(&format!("{workload}.A"))?);
    let w0 = matrix(inputs.matrix(&format!("{workload}.W0"))?);
    let h0 = matrix(inputs.matrix(&format!("{workload}.Hbar0"))?);
    // Prior weight 1 gives `‖A - W·H‖_F - (α - 1)·Σ log_softmax(H̄)`.
    let cost = CostFunction::seed(inputs.alpha()?, 1.0);
    let adam = Adam::new(1e-3);
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || {
            Ok::<_, DataError>(NmfSolver::new(
                a.clone(),
                w0.clone(),
                h0.clone(),
                cost,
                adam,
            ))
        },
        |solver| {
            solver.step();
            Ok(())
        },
        |solver| Ok(solver.evaluate()),
    )?;
    for (seconds, loss) in samples {
        report(crate::SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}

/// `‖A - W·softmax(H̄)‖_F - (α - 1)·Σ log_softmax(H̄)` on tensors.
fn objective(a: &Tensor<f64>, w: &Tensor<f64>, h_logits: &Tensor<f64>, alpha: f64) -> Tensor<f64> {
    let residual = a - &w.matmul(&h_logits.softmax());
    residual.norm() - h_logits.log_softmax().sum().mul_scalar(alpha - 1.0)
}

struct AutodiffState {
    w: Matrix<f64>,
    h_logits: Matrix<f64>,
    w_state: AdamState<f64>,
    h_state: AdamState<f64>,
}

pub fn run_autodiff(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), DataError> {
    let a = Tensor::constant(matrix(inputs.matrix(&format!("{workload}.A"))?));
    let w0 = matrix(inputs.matrix(&format!("{workload}.W0"))?);
    let h0 = matrix(inputs.matrix(&format!("{workload}.Hbar0"))?);
    let alpha = inputs.alpha()?;
    let adam = Adam::new(1e-3);
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || {
            Ok::<_, DataError>(AutodiffState {
                w_state: Rule::<f64>::init(&adam, w0.shape()),
                h_state: Rule::<f64>::init(&adam, h0.shape()),
                w: w0.clone(),
                h_logits: h0.clone(),
            })
        },
        |state| {
            let (_, grads) = value_and_gradient(
                |xs: &[Tensor<f64>]| objective(&a, &xs[0], &xs[1], alpha),
                &[&state.w, &state.h_logits],
            );
            adam.apply(&mut state.w_state, &mut state.w, &grads[0]);
            adam.apply(&mut state.h_state, &mut state.h_logits, &grads[1]);
            Ok(())
        },
        |state| {
            let w = Tensor::constant(state.w.clone());
            let h_logits = Tensor::constant(state.h_logits.clone());
            Ok(objective(&a, &w, &h_logits, alpha).item())
        },
    )?;
    for (seconds, loss) in samples {
        report(AUTODIFF_SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}
