//! burn with the ndarray backend: modules of `Param` tensors, gradients from
//! the autodiff device, burn's own Adam (epsilon set to 1e-8; burn's default
//! is 1e-5). burn stores Adam's hyper-parameters and bias corrections in
//! f32, so its f64 runs agree with the others to about 1e-7, not to rounding.
#![allow(deprecated)] // burn 0.22 marks the ndarray backend deprecated in favour of its flex backend

use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{log_softmax, relu, softmax};
use burn::tensor::{DType, Device, Tensor, TensorData};
use peers_data::{first_columns, measure, relative_error, report, to_row_major, ColMajor, Inputs};

use crate::Error;

const SYSTEM: &str = "burn";
const LEARNING_RATE: f64 = 1e-3;

fn adam() -> AdamConfig {
    AdamConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
}

fn tensor<E: burn::tensor::Element>(m: &ColMajor<E>, device: &Device, dtype: DType) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(to_row_major(m), [m.rows, m.cols]),
        (device, dtype),
    )
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

#[derive(Module, Debug)]
struct Factors {
    w: Param<Tensor<2>>,
    h_logits: Param<Tensor<2>>,
}

impl Factors {
    fn loss(&self, a: &Tensor<2>, alpha: f64) -> Tensor<1> {
        let h_logits = self.h_logits.val();
        let h = softmax(h_logits.clone(), 0);
        let norm = (a.clone() - self.w.val().matmul(h)).square().sum().sqrt();
        norm - log_softmax(h_logits, 0).sum().mul_scalar(alpha - 1.0)
    }
}

fn nmf(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let device = Device::ndarray().autodiff();
    let a = tensor(
        &inputs.matrix::<f64>(&format!("{workload}.A"))?,
        &device,
        DType::F64,
    );
    let w0 = tensor(
        &inputs.matrix::<f64>(&format!("{workload}.W0"))?,
        &device,
        DType::F64,
    );
    let h0 = tensor(
        &inputs.matrix::<f64>(&format!("{workload}.Hbar0"))?,
        &device,
        DType::F64,
    );
    let alpha = inputs.alpha()?;
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> Result<_, Error> {
            let factors = Factors {
                w: Param::from_tensor(w0.clone()),
                h_logits: Param::from_tensor(h0.clone()),
            };
            Ok((Some(factors), adam().init()))
        },
        |(factors, optimizer)| {
            let model = factors.take().expect("factors present between steps");
            let grads = GradientsParams::from_grads(model.loss(&a, alpha).backward(), &model);
            *factors = Some(optimizer.step(LEARNING_RATE, model, grads));
            Ok(())
        },
        |(factors, _)| {
            Ok(factors
                .as_ref()
                .expect("factors")
                .loss(&a, alpha)
                .into_scalar::<f64>())
        },
    )?;
    for (seconds, loss) in samples {
        report(SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}

#[derive(Module, Debug)]
struct Mlp {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
}

impl Mlp {
    /// Mean logit cross entropy of a batch with one sample per row.
    fn loss(&self, x: &Tensor<2>, y: &Tensor<2>) -> Tensor<1> {
        let hidden =
            relu(x.clone().matmul(self.w1.val().transpose()) + self.b1.val().unsqueeze::<2>());
        let logits = hidden.matmul(self.w2.val().transpose()) + self.b2.val().unsqueeze::<2>();
        (log_softmax(logits, 1) * y.clone()).sum_dim(1).mean().neg()
    }
}

fn mlp(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let device = Device::ndarray().autodiff();
    let batch = inputs.batch(workload)?;
    let x_cols = first_columns(&inputs.matrix::<f32>("mlp.X")?, batch);
    let y_cols = first_columns(&inputs.matrix::<f32>("mlp.Y")?, batch);
    // Features x samples in column-major order is samples x features in row-major order.
    let x: Tensor<2> = Tensor::from_data(
        TensorData::new(x_cols.data.clone(), [batch, x_cols.rows]),
        (&device, DType::F32),
    );
    let y: Tensor<2> = Tensor::from_data(
        TensorData::new(y_cols.data.clone(), [batch, y_cols.rows]),
        (&device, DType::F32),
    );
    let bias = |name: &str| -> Result<Tensor<1>, Error> {
        let b = inputs.matrix::<f32>(name)?;
        Ok(Tensor::from_data(
            TensorData::new(b.data, [b.rows]),
            (&device, DType::F32),
        ))
    };
    let (w1, b1) = (
        tensor(&inputs.matrix::<f32>("mlp.W1")?, &device, DType::F32),
        bias("mlp.b1")?,
    );
    let (w2, b2) = (
        tensor(&inputs.matrix::<f32>("mlp.W2")?, &device, DType::F32),
        bias("mlp.b2")?,
    );
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> Result<_, Error> {
            let model = Mlp {
                w1: Param::from_tensor(w1.clone()),
                b1: Param::from_tensor(b1.clone()),
                w2: Param::from_tensor(w2.clone()),
                b2: Param::from_tensor(b2.clone()),
            };
            Ok((Some(model), adam().init()))
        },
        |(model, optimizer)| {
            let current = model.take().expect("model present between steps");
            let grads = GradientsParams::from_grads(current.loss(&x, &y).backward(), &current);
            *model = Some(optimizer.step(LEARNING_RATE, current, grads));
            Ok(())
        },
        |(model, _)| {
            Ok(model
                .as_ref()
                .expect("model")
                .loss(&x, &y)
                .into_scalar::<f64>())
        },
    )?;
    for (seconds, loss) in samples {
        report(SYSTEM, workload, seconds, "loss", loss);
    }
    Ok(())
}

fn softmax_kernel(inputs: &Inputs, workload: &str, repeats: usize) -> Result<(), Error> {
    let device = Device::ndarray();
    let logits = inputs.matrix::<f64>("softmax.X")?;
    let reference = inputs.matrix::<f64>("softmax.ref")?;
    let dtype = if workload.ends_with("f32") {
        DType::F32
    } else {
        DType::F64
    };
    // Column j of the logical matrix becomes row j: softmax over dimension 1.
    let x: Tensor<2> = Tensor::from_data(
        TensorData::new(logits.data.clone(), [logits.cols, logits.rows]),
        (&device, dtype),
    );
    let samples = measure(
        repeats,
        inputs.count(workload)?,
        || -> Result<_, Error> { Ok(None) },
        |out: &mut Option<Tensor<2>>| {
            // The ndarray backend computes eagerly, so the call returns a finished result.
            *out = Some(softmax(x.clone(), 1));
            Ok(())
        },
        |out| {
            let values = out
                .take()
                .expect("one call ran")
                .into_data()
                .convert::<f64>()
                .to_vec::<f64>();
            let values = values.map_err(|e| format!("burn softmax output: {e:?}"))?;
            Ok(relative_error(values, &reference.data))
        },
    )?;
    for (seconds, error) in samples {
        report(SYSTEM, workload, seconds, "relerr", error);
    }
    Ok(())
}
