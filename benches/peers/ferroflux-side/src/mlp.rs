//! One training step of the 784-32-10 MLP as a ferroflux user writes it:
//! a `Chain` of two `Dense` layers, `with_gradient` over the model's
//! parameters and Adam set up with `optim::setup`.

use ferroflux::autodiff::{with_gradient, Tensor};
use ferroflux::linalg::Matrix;
use ferroflux::nn::{identity, logit_cross_entropy, relu, Chain, Dense, Layer};
use ferroflux::optim::{setup, Adam, Optimiser};
use peers_data::{first_columns, measure, report, ColMajor, Inputs};

use crate::Error;

fn matrix(m: ColMajor<f32>) -> Matrix<f32> {
    Matrix::from_vec(m.rows, m.cols, m.data)
}

pub fn run(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let batch = inputs.batch(workload)?;
    // One sample per column, as in Flux: the first `batch` columns.
    let x = Tensor::constant(matrix(first_columns(&inputs.matrix("mlp.X")?, batch)));
    let y = Tensor::constant(matrix(first_columns(&inputs.matrix("mlp.Y")?, batch)));
    let w1 = matrix(inputs.matrix("mlp.W1")?);
    let b1 = matrix(inputs.matrix("mlp.b1")?);
    let w2 = matrix(inputs.matrix("mlp.W2")?);
    let b2 = matrix(inputs.matrix("mlp.b2")?);

    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> Result<_, Error> {
            let model = Chain::new((
                Dense::from_weights(w1.clone(), Some(b1.clone()), relu),
                Dense::from_weights(w2.clone(), Some(b2.clone()), identity),
            ));
            let ps = model.params();
            let opt = setup(Adam::new(1e-3), &ps)?;
            Ok((model, ps, opt))
        },
        |(model, ps, opt)| {
            let (_, grads) = with_gradient(ps, || logit_cross_entropy(&model.apply(&x), &y));
            opt.update_all(ps, &grads)?;
            Ok(())
        },
        |(model, _, _)| Ok(f64::from(logit_cross_entropy(&model.apply(&x), &y).item())),
    )?;
    for (seconds, loss) in samples {
        report(crate::SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}
