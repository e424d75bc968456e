//! Gradient checks of every layer, activation and loss of ferroflux-nn:
//! reverse mode against central finite differences and forward mode, in f64,
//! through `check_gradient` (inputs) and `check_gradient_params` (parameters).

use ferroflux::autodiff::{check_gradient, check_gradient_params, GradCheckReport, Params, Tensor};
use ferroflux::linalg::{rand_with, randn_with, rng, Matrix};
use ferroflux::nn::*;
use proptest::prelude::*;

/// Tolerances of every check: `|estimate - reverse| <= ATOL + RTOL * max(|estimate|, |reverse|)`.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-8;

fn assert_passed(what: &str, report: GradCheckReport) {
    assert!(report.passed(RTOL, ATOL), "{what}: {report}");
}

/// A seeded standard normal matrix scaled by `scale`, with every entry moved
/// at least 0.05 away from the given kinks so finite differences do not straddle one.
fn sample(seed: u64, rows: usize, cols: usize, scale: f64, kinks: &[f64]) -> Matrix<f64> {
    randn_with::<f64, _>(&mut rng(seed), rows, cols).map(|z| {
        let mut x = z * scale;
        for &k in kinks {
            if (x - k).abs() < 0.05 {
                x = k + 0.05f64.copysign(x - k);
            }
        }
        x
    })
}

/// Probabilities in each column (a softmax of normal scores).
fn distribution(seed: u64, rows: usize, cols: usize) -> Matrix<f64> {
    ferroflux::linalg::softmax(&randn_with::<f64, _>(&mut rng(seed), rows, cols))
}

/// Fixed weights that turn a layer's output into a scalar loss, so that
/// every output element reaches the parameter check with its own weight.
fn weighted_sum(y: &Tensor<f64>, seed: u64) -> Tensor<f64> {
    let (rows, cols) = y.shape();
    let weights =
        Tensor::constant(rand_with::<f64, _>(&mut rng(seed), rows, cols).map(|u| u + 0.5));
    (y * &weights).sum()
}

/// Checks a layer with respect to its input and to its parameters.
fn check_layer(what: &str, layer: &dyn Layer<f64>, x: &Matrix<f64>) {
    assert_passed(
        &format!("{what} input"),
        check_gradient(|x| layer.apply(x), x),
    );

    let ps = layer.params();
    if !ps.is_empty() {
        let x = Tensor::constant(x.clone());
        let report = check_gradient_params(&ps, || weighted_sum(&layer.apply(&x), 99));
        assert_passed(&format!("{what} params"), report);
    }
}

#[test]
fn activation_gradients_match_finite_differences() {
    // Kinks are where a function is not differentiable; inputs stay clear of them.
    type Activation = fn(&Tensor<f64>) -> Tensor<f64>;
    let table: [(&str, Activation, &[f64]); 15] = [
        ("identity", identity, &[]),
        ("sigmoid", sigmoid, &[]),
        ("tanh", tanh, &[]),
        ("relu", relu, &[0.0]),
        ("leaky_relu", leaky_relu, &[0.0]),
        ("elu", elu, &[0.0]),
        ("gelu", gelu, &[]),
        ("swish", swish, &[]),
        ("softplus", softplus, &[]),
        ("softsign", softsign, &[0.0]),
        ("log_sigmoid", log_sigmoid, &[]),
        ("hard_sigmoid", hard_sigmoid, &[-3.0, 3.0]),
        ("hard_tanh", hard_tanh, &[-1.0, 1.0]),
        ("softmax", softmax, &[]),
        ("log_softmax", log_softmax, &[]),
    ];
    for (i, (name, f, kinks)) in table.into_iter().enumerate() {
        let x = sample(i as u64, 4, 3, 2.5, kinks);
        assert_passed(name, check_gradient(f, &x));
    }
}

#[test]
fn hard_sigmoid_matches_definition() {
    // clamp((x + 3) / 6, 0, 1), the definition of NNlib's hardσ and PyTorch's Hardsigmoid.
    let x = Tensor::constant(Matrix::from_column_slice(
        5,
        1,
        &[-4.0, -3.0, 0.0, 1.5, 3.5],
    ));
    let y = hard_sigmoid(&x).to_matrix();
    assert_eq!(y.as_slice(), &[0.0, 0.0, 0.5, 0.75, 1.0]);
}

#[test]
fn dense_gradients_with_and_without_bias() {
    let x = sample(1, 5, 4, 1.0, &[]);
    let with_bias = Dense::<f64>::builder(5, 3).activation(tanh).seed(2).build();
    check_layer("Dense(5 => 3, tanh)", &with_bias, &x);

    let without_bias = Dense::<f64>::builder(5, 3)
        .activation(sigmoid)
        .bias(false)
        .seed(3)
        .build();
    check_layer("Dense(5 => 3, sigmoid; bias=false)", &without_bias, &x);
}

#[test]
fn nested_chain_gradients() {
    let model = Chain::new((
        Dense::<f64>::builder(4, 6).activation(gelu).seed(1).build(),
        Chain::new((
            Dense::<f64>::builder(6, 5)
                .activation(softplus)
                .seed(2)
                .build(),
            LayerNorm::new(5),
        )),
        Dense::<f64>::builder(5, 3).seed(3).build(),
        softmax,
    ));
    check_layer("nested Chain", &model, &sample(4, 4, 3, 1.0, &[]));
}

#[test]
fn layer_norm_gradients() {
    let layer = LayerNorm::<f64>::new(4);
    // Non-trivial scale and shift so that their gradients are not symmetric.
    layer
        .scale()
        .set(Matrix::from_column_slice(4, 1, &[0.5, 1.5, -1.0, 2.0]));
    layer
        .bias()
        .set(Matrix::from_column_slice(4, 1, &[0.1, -0.2, 0.3, 0.0]));
    check_layer("LayerNorm(4)", &layer, &sample(5, 4, 3, 1.0, &[]));
}

#[test]
fn batch_norm_gradients_in_both_modes() {
    let layer = BatchNorm::<f64>::new(3);
    layer
        .scale()
        .set(Matrix::from_column_slice(3, 1, &[0.5, 1.5, -1.0]));
    let x = sample(6, 3, 5, 1.0, &[]);
    // The gradient checks evaluate outside a gradient too, so force the
    // training behaviour to compare like with like.
    layer.set_mode(Mode::Train);
    check_layer("BatchNorm(3) train", &layer, &x);

    layer.set_mode(Mode::Test);
    check_layer("BatchNorm(3) test", &layer, &x);
}

#[test]
fn dropout_gradient_uses_the_same_mask() {
    // A fresh layer with the same seed draws the same mask on every call,
    // so the function being differentiated is fixed: x .* mask.
    let x = sample(7, 4, 3, 1.0, &[]);
    let report = check_gradient(
        |x| {
            let layer = Dropout::<f64>::with_seed(0.3, 11);
            layer.set_mode(Mode::Train);
            layer.apply(x)
        },
        &x,
    );
    assert_passed("Dropout(0.3)", report);
}

#[test]
fn embedding_gradients_reach_selected_columns() {
    let table = Embedding::<f64>::with_seed(6, 3, 1);
    let ps = table.params();
    let report = check_gradient_params(&ps, || weighted_sum(&table.lookup(&[4, 1, 4]), 5));
    assert_passed("Embedding lookup", report);

    let one_hot_input = one_hot::<f64>(&[2, 5], 6).unwrap();
    check_layer("Embedding one-hot", &table, &one_hot_input);
}

#[test]
fn skip_connection_and_parallel_gradients() {
    let residual =
        SkipConnection::residual(Dense::<f64>::builder(4, 4).activation(tanh).seed(1).build());
    check_layer("SkipConnection", &residual, &sample(8, 4, 3, 1.0, &[]));

    let heads = Parallel::vcat((
        Dense::<f64>::builder(4, 2)
            .activation(sigmoid)
            .seed(2)
            .build(),
        Dense::<f64>::builder(4, 3)
            .activation(swish)
            .seed(3)
            .build(),
    ));
    check_layer("Parallel(vcat)", &heads, &sample(9, 4, 3, 1.0, &[]));
}

/// Checks a loss with respect to its prediction for a fixed target.
fn check_loss(
    what: &str,
    loss: impl Fn(&Tensor<f64>, &Tensor<f64>) -> Tensor<f64>,
    prediction: &Matrix<f64>,
    target: &Matrix<f64>,
) {
    let target = Tensor::constant(target.clone());
    assert_passed(what, check_gradient(|p| loss(p, &target), prediction));
}

#[test]
fn regression_loss_gradients() {
    let target = sample(10, 3, 4, 1.0, &[]);
    // Keep |ŷ - y| away from 0 (mae's kink) and from δ = 1 (huber's switch).
    let offset = sample(11, 3, 4, 1.0, &[-1.0, 0.0, 1.0]);
    let prediction = &target + &offset;
    for aggregation in [Aggregation::Mean, Aggregation::Sum, Aggregation::None] {
        check_loss(
            "mse",
            |p, y| mse_with(p, y, aggregation),
            &prediction,
            &target,
        );
        check_loss(
            "mae",
            |p, y| mae_with(p, y, aggregation),
            &prediction,
            &target,
        );
        check_loss(
            "huber_loss",
            |p, y| huber_loss_with(p, y, 1.0, aggregation),
            &prediction,
            &target,
        );
    }
}

#[test]
fn classification_loss_gradients() {
    let target = one_hot::<f64>(&[0, 2, 1, 2], 3).unwrap();
    let soft_target = distribution(12, 3, 4);
    let probabilities = distribution(13, 3, 4);
    let scores = sample(14, 3, 4, 2.0, &[]);
    let binary_target = rand_with::<f64, _>(&mut rng(15), 3, 4);
    let binary_probabilities = rand_with::<f64, _>(&mut rng(16), 3, 4).map(|p| 0.05 + 0.9 * p);

    for aggregation in [Aggregation::Mean, Aggregation::Sum, Aggregation::None] {
        for y in [&target, &soft_target] {
            check_loss(
                "cross_entropy",
                |p, y| cross_entropy_with(p, y, aggregation),
                &probabilities,
                y,
            );
            check_loss(
                "logit_cross_entropy",
                |p, y| logit_cross_entropy_with(p, y, aggregation),
                &scores,
                y,
            );
            check_loss(
                "kl_divergence",
                |p, y| kl_divergence_with(p, y, aggregation),
                &probabilities,
                y,
            );
        }
        check_loss(
            "binary_cross_entropy",
            |p, y| binary_cross_entropy_with(p, y, aggregation),
            &binary_probabilities,
            &binary_target,
        );
        check_loss(
            "logit_binary_cross_entropy",
            |p, y| logit_binary_cross_entropy_with(p, y, aggregation),
            &scores,
            &binary_target,
        );
    }
}

#[test]
fn model_and_loss_gradients_together() {
    // The whole training objective of a classifier, with respect to every parameter.
    let model = Chain::new((
        Dense::<f64>::builder(5, 8)
            .activation(relu)
            .seed(21)
            .build(),
        Dense::<f64>::builder(8, 3).seed(22).build(),
    ));
    let x = Tensor::constant(sample(23, 5, 6, 1.0, &[]));
    let y = Tensor::constant(one_hot::<f64>(&[0, 1, 2, 2, 1, 0], 3).unwrap());
    let ps: Params<f64> = model.params();
    let report = check_gradient_params(&ps, || logit_cross_entropy(&model.apply(&x), &y));
    assert_passed("Chain + logit_cross_entropy", report);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Dense layers of random sizes and batches pass the check for inputs and parameters.
    #[test]
    fn dense_gradient_any_shape(inputs in 1usize..6, outputs in 1usize..6, batch in 1usize..5, seed in 0u64..1000) {
        let layer = Dense::<f64>::builder(inputs, outputs).activation(tanh).seed(seed).build();
        let x = sample(seed + 1, inputs, batch, 1.0, &[]);
        let report = check_gradient(|x| layer.apply(x), &x);
        prop_assert!(report.passed(RTOL, ATOL), "{}", report);
        let ps = layer.params();
        let xt = Tensor::constant(x);
        let report = check_gradient_params(&ps, || weighted_sum(&layer.apply(&xt), seed));
        prop_assert!(report.passed(RTOL, ATOL), "{}", report);
    }

    /// logit_cross_entropy equals cross_entropy of the softmax where the softmax does not round to 0.
    #[test]
    fn logit_cross_entropy_equals_softmax_form(seed in 0u64..1000, classes in 2usize..6, batch in 1usize..5) {
        let scores = Tensor::constant(sample(seed, classes, batch, 2.0, &[]));
        let target = Tensor::constant(distribution(seed + 1, classes, batch));
        let stable = logit_cross_entropy(&scores, &target).item();
        let naive = cross_entropy(&softmax(&scores), &target).item();
        // cross_entropy adds ε = 2.2e-16 inside the log; the difference stays near that size.
        prop_assert!((stable - naive).abs() <= 1e-12 * (1.0 + stable.abs()), "{} vs {}", stable, naive);
    }
}
