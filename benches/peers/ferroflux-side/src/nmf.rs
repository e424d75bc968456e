//! Simplex NMF with the Flux example's objective, through `ferroflux::factorize`:
//! one `NmfSolver::step` is one iteration (fused value and gradient, then
//! Adam on `W` and `H̄`), started from the shared `W0` and `H̄0`.

use ferroflux::factorize::{CostFunction, NmfSolver};
use ferroflux::linalg::Matrix;
use ferroflux::optim::Adam;
use peers_data::{measure, report, ColMajor, DataError, Inputs};

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
