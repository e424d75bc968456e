//! Column softmax of a 1000 x 1000 matrix into a preallocated output.

use ferroflux::linalg::{softmax_into, Float, Matrix};
use peers_data::{measure, relative_error, report, ColMajor, DataError, Inputs};

pub fn run(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), DataError> {
    let logits = inputs.matrix::<f64>("softmax.X")?;
    let reference = inputs.matrix::<f64>("softmax.ref")?;
    if workload.ends_with("f32") {
        time_kernel::<f32>(inputs, workload, repeats, &logits, &reference)
    } else {
        time_kernel::<f64>(inputs, workload, repeats, &logits, &reference)
    }
}

fn time_kernel<T: Float>(
    inputs: &Inputs,
    workload: &str,
    repeats: usize,
    logits: &ColMajor<f64>,
    reference: &ColMajor<f64>,
) -> Result<(), DataError> {
    let x = Matrix::<T>::from_iterator(
        logits.rows,
        logits.cols,
        logits.data.iter().map(|&v| T::cast(v)),
    );
    let count = inputs.count(workload)?;
    let samples = measure(
        repeats,
        count,
        || Ok::<_, DataError>(Matrix::<T>::zeros(x.nrows(), x.ncols())),
        |out| {
            softmax_into(&x, out);
            Ok(())
        },
        |out| {
            Ok(relative_error(
                out.iter().map(|v| v.to_f64()),
                &reference.data,
            ))
        },
    )?;
    for (seconds, error) in samples {
        report(crate::SYSTEM, workload, seconds, "relerr", error);
    }
    Ok(())
}
