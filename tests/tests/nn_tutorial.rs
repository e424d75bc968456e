//! The cells of Flux's introductory tutorial as `docs/training.md` translates
//! them, run as tests so the page stays true: calling a `Chain`, `Descent`
//! with `update`, and `train` over a one-point, a repeated and a zipped
//! dataset.

use ferroflux::autodiff::{gradient, Param, Params, Tensor};
use ferroflux::linalg::{rand, rand_f32, seed, Matrix};
use ferroflux::nn::{cross_entropy, identity, mse, sigmoid, softmax, Chain, Dense, Layer};
use ferroflux::optim::{train, Descent, Optimiser};

#[test]
fn chain_call() {
    // Flux: m = Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax); m(rand(10))
    seed(0);
    let m = Chain::new((
        Dense::new(10, 5, sigmoid),
        Dense::new(5, 2, identity),
        softmax,
    ));
    let y = m.forward(&rand_f32(10, 1));
    assert_eq!(y.shape(), (2, 1));
    assert!((y.sum() - 1.0).abs() < 1e-6);
}

#[test]
fn descent_with_update() {
    // Flux:
    //   W = rand(2, 5); b = rand(2)
    //   predict(x) = W*x .+ b
    //   loss(x, y) = sum((predict(x) .- y).^2)
    //   x, y = rand(5), rand(2)
    //   gs = gradient(() -> loss(x, y), Flux.params(W, b))
    //   opt = Descent(0.1)
    //   for p in (W, b) Flux.Optimise.update!(opt, p, gs[p]) end
    seed(1);
    let w = Param::new(rand(2, 5));
    let b = Param::new(rand(2, 1));
    let predict = |x: &Tensor| w.tensor().matmul(x) + b.tensor();
    let loss = |x: &Tensor, y: &Tensor| (predict(x) - y).powi(2).sum();
    let (x, y) = (Tensor::constant(rand(5, 1)), Tensor::constant(rand(2, 1)));

    let ps = Params::new([&w, &b]);
    let before = loss(&x, &y).item();
    let grads = gradient(&ps, || loss(&x, &y));
    let mut opt = Descent::new(0.1);
    for p in ps.iter() {
        opt.update(p, &grads[p]).unwrap();
    }
    assert!(loss(&x, &y).item() < before);
}

#[test]
fn train_over_one_repeated_and_zipped_data() {
    // Flux:
    //   m = Chain(Dense(10 => 5, σ), Dense(5 => 2), softmax)
    //   loss(x, y) = Flux.crossentropy(m(x), y)
    //   data, labels = rand(10, 100), fill(0.5, 2, 100)
    //   Flux.train!(loss, Flux.params(m), [(data, labels)], Descent(0.1))
    //   Flux.train!(loss, Flux.params(m), Iterators.repeated((data, labels), 20), Descent(0.1))
    //   Flux.train!(loss, Flux.params(m), zip(xs, ys), Descent(0.1))
    seed(2);
    let m = Chain::new((
        Dense::new(10, 5, sigmoid),
        Dense::new(5, 2, identity),
        softmax,
    ));
    let loss = |x: &Tensor<f32>, y: &Tensor<f32>| cross_entropy(&m.apply(x), y);
    let (data, labels) = (rand_f32(10, 100), Matrix::from_element(2, 100, 0.5f32));
    let ps = m.params();
    let mut opt = Descent::new(0.1);

    // One data point (here a batch of 100 columns): one step.
    let report = train(loss, &ps, [(&data, &labels)], &mut opt).unwrap();
    assert_eq!(report.steps, 1);

    // The same point repeated: 20 steps; the loss does not rise.
    let report = train(
        loss,
        &ps,
        std::iter::repeat_n((&data, &labels), 20),
        &mut opt,
    )
    .unwrap();
    assert_eq!(report.steps, 20);
    assert!(report.losses[19] <= report.losses[0]);

    // Zipped collections of inputs and targets: one step per pair.
    let xs: Vec<Matrix<f32>> = (0..5).map(|_| rand_f32(10, 1)).collect();
    let ys: Vec<Matrix<f32>> = (0..5).map(|_| Matrix::from_element(2, 1, 0.5)).collect();
    let report = train(loss, &ps, xs.iter().zip(&ys), &mut opt).unwrap();
    assert_eq!(report.steps, 5);

    // mse works the same way.
    let report = train(
        |x, y| mse(&m.apply(x), y),
        &ps,
        [(&data, &labels)],
        &mut opt,
    )
    .unwrap();
    assert!(report.final_loss().unwrap().is_finite());
}

/// `y = x .* s` with a trainable scale per feature: the custom layer of `docs/training.md`.
struct Scale(Param<f32>);

impl Layer for Scale {
    fn apply(&self, x: &Tensor<f32>) -> Tensor<f32> {
        x * &self.0.tensor()
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<ferroflux::nn::NamedParam<f32>>) {
        out.push(ferroflux::nn::NamedParam::new(
            prefix, "scale", &self.0, true,
        ));
    }
}

#[test]
fn custom_layer_from_the_guide() {
    let model = Chain::new((
        Scale(Param::new(Matrix::from_element(3, 1, 2.0f32))),
        softmax,
    ));
    assert_eq!(model.to_string(), "Chain(Scale, softmax)");
    let names: Vec<String> = model.named_params().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["0.scale"]);
    assert_eq!(model.params().count_elements(), 3);
    let y = model.forward(&Matrix::from_element(3, 1, 1.0));
    assert!((y.sum() - 1.0).abs() < 1e-6);
}
