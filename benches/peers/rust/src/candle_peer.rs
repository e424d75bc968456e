//! candle: `Var` parameters, `loss.backward()` through `AdamW` with zero
//! weight decay (candle-nn has no separate Adam; with λ = 0 the two are the
//! same rule), the softmax kernels of candle-nn.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::ops::{log_softmax, softmax, softmax_last_dim};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use peers_data::{first_columns, measure, relative_error, report, to_row_major, ColMajor, Inputs};

use crate::Error;

const SYSTEM: &str = "candle";

fn adam() -> ParamsAdamW {
    ParamsAdamW {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
    }
}

fn tensor<T: candle_core::WithDType>(m: &ColMajor<T>) -> candle_core::Result<Tensor> {
    Tensor::from_vec(to_row_major(m), (m.rows, m.cols), &Device::Cpu)
}

pub fn run(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    if workload.starts_with("nmf") {
        nmf(inputs, workload, repeats)
    } else if workload.starts_with("mlp") {
        mlp(inputs, workload, repeats)
    } else {
        softmax_kernel(inputs, workload, repeats)
    }
}

fn nmf_loss(a: &Tensor, w: &Tensor, h_logits: &Tensor, alpha: f64) -> candle_core::Result<Tensor> {
    let h = softmax(h_logits, 0)?;
    let norm = (a - w.matmul(&h)?)?.sqr()?.sum_all()?.sqrt()?;
    let log_prior = log_softmax(h_logits, 0)?.sum_all()?;
    norm - (log_prior * (alpha - 1.0))?
}

fn nmf(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let a = tensor(&inputs.matrix::<f64>(&format!("{workload}.A"))?)?;
    let w0 = tensor(&inputs.matrix::<f64>(&format!("{workload}.W0"))?)?;
    let h0 = tensor(&inputs.matrix::<f64>(&format!("{workload}.Hbar0"))?)?;
    let alpha = inputs.alpha()?;
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> candle_core::Result<_> {
            let w = Var::from_tensor(&w0.copy()?)?;
            let h = Var::from_tensor(&h0.copy()?)?;
            let opt = AdamW::new(vec![w.clone(), h.clone()], adam())?;
            Ok((w, h, opt))
        },
        |(w, h, opt)| opt.backward_step(&nmf_loss(&a, w.as_tensor(), h.as_tensor(), alpha)?),
        |(w, h, _)| nmf_loss(&a, w.as_tensor(), h.as_tensor(), alpha)?.to_scalar::<f64>(),
    )?;
    for (seconds, loss) in samples {
        report(SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}

fn mlp_loss(x: &Tensor, labels: &Tensor, params: &[Var]) -> candle_core::Result<Tensor> {
    // Rows are samples, as in candle-nn's Linear: y = x·Wᵀ + b.
    let hidden = x
        .matmul(&params[0].as_tensor().t()?)?
        .broadcast_add(params[1].as_tensor())?
        .relu()?;
    let logits = hidden
        .matmul(&params[2].as_tensor().t()?)?
        .broadcast_add(params[3].as_tensor())?;
    candle_nn::loss::cross_entropy(&logits, labels)
}

fn mlp(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let batch = inputs.batch(workload)?;
    let x_cols = first_columns(&inputs.matrix::<f32>("mlp.X")?, batch);
    // The stored matrix is features x samples: its row-major transpose is
    // the column-major data read as (samples, features).
    let x = Tensor::from_vec(x_cols.data.clone(), (batch, x_cols.rows), &Device::Cpu)?;
    let y = first_columns(&inputs.matrix::<f32>("mlp.Y")?, batch);
    let labels: Vec<u32> = y
        .data
        .chunks(y.rows)
        .map(|column| {
            column
                .iter()
                .position(|&v| v == 1.0)
                .expect("one-hot label column") as u32
        })
        .collect();
    let labels = Tensor::from_vec(labels, batch, &Device::Cpu)?;
    let initial = [
        tensor(&inputs.matrix::<f32>("mlp.W1")?)?,
        tensor(&inputs.matrix::<f32>("mlp.b1")?)?.flatten_all()?,
        tensor(&inputs.matrix::<f32>("mlp.W2")?)?,
        tensor(&inputs.matrix::<f32>("mlp.b2")?)?.flatten_all()?,
    ];
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> candle_core::Result<_> {
            let params = initial
                .iter()
                .map(|t| Var::from_tensor(&t.copy()?))
                .collect::<candle_core::Result<Vec<_>>>()?;
            let opt = AdamW::new(params.clone(), adam())?;
            Ok((params, opt))
        },
        |(params, opt)| opt.backward_step(&mlp_loss(&x, &labels, params)?),
        |(params, _)| {
            mlp_loss(&x, &labels, params)?
                .to_dtype(DType::F64)?
                .to_scalar::<f64>()
        },
    )?;
    for (seconds, loss) in samples {
        report(SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}

fn softmax_kernel(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let logits = inputs.matrix::<f64>("softmax.X")?;
    let reference = inputs.matrix::<f64>("softmax.ref")?;
    let dtype = if workload.ends_with("f32") {
        DType::F32
    } else {
        DType::F64
    };
    // Column j of the logical matrix becomes row j, so the softmax runs over
    // the last dimension, candle's fused kernel.
    let x = Tensor::from_vec(
        logits.data.clone(),
        (logits.cols, logits.rows),
        &Device::Cpu,
    )?
    .to_dtype(dtype)?;
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> candle_core::Result<_> { Ok(None) },
        |out: &mut Option<Tensor>| {
            *out = Some(softmax_last_dim(&x)?);
            Ok(())
        },
        |out| {
            let values = out
                .as_ref()
                .expect("one call ran")
                .to_dtype(DType::F64)?
                .flatten_all()?
                .to_vec1::<f64>()?;
            Ok(relative_error(values, &reference.data))
        },
    )?;
    for (seconds, error) in samples {
        report(SYSTEM, workload, seconds, "relerr", error);
    }
    Ok(())
}
