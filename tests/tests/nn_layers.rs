//! Layers, their display, modes and shapes; initialisers; one-hot helpers.

use ferroflux::autodiff::{gradient, is_recording, value_and_gradient, Param, Params, Tensor};
use ferroflux::linalg::{rng, seed, Matrix};
use ferroflux::nn::init::{
    glorot_normal, glorot_uniform, kaiming_normal, kaiming_uniform, lecun_normal, ones, orthogonal,
    zeros,
};
use ferroflux::nn::*;

#[test]
fn chain_display_matches_flux() {
    seed(0);
    let model = Chain::new((
        Dense::new(10, 5, sigmoid),
        Dense::new(5, 2, identity),
        softmax,
    ));
    assert_eq!(
        model.to_string(),
        "Chain(Dense(10 => 5, sigmoid), Dense(5 => 2), softmax)"
    );

    let tree = format!("{model:#}");
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(lines.len(), 5, "{tree}");
    assert_eq!(lines[0], "Chain(");
    assert!(
        lines[1].starts_with("  Dense(10 => 5, sigmoid),") && lines[1].ends_with("# 55 parameters"),
        "{tree}"
    );
    assert!(
        lines[2].starts_with("  Dense(5 => 2),") && lines[2].ends_with("# 12 parameters"),
        "{tree}"
    );
    assert_eq!(lines[3], "  softmax,");
    assert!(
        lines[4].starts_with(')')
            && lines[4].ends_with("# Total: 4 arrays, 67 parameters, 268 bytes"),
        "{tree}"
    );
}

#[test]
fn layer_display_of_every_kind() {
    let cases: Vec<(Box<dyn Layer<f32>>, &str)> = vec![
        (
            Box::new(Dense::builder(3, 2).bias(false).build()),
            "Dense(3 => 2; bias=false)",
        ),
        (
            Box::new(Dense::new(3, 2, |x: &Tensor<f32>| x.leaky_relu(0.2))),
            "Dense(3 => 2, closure)",
        ),
        (Box::new(LayerNorm::new(4)), "LayerNorm(4)"),
        (Box::new(BatchNorm::new(4)), "BatchNorm(4)"),
        (Box::new(Dropout::with_seed(0.25, 1)), "Dropout(0.25)"),
        (
            Box::new(Embedding::with_seed(100, 8, 1)),
            "Embedding(100 => 8)",
        ),
        (
            Box::new(Parallel::vcat((relu, tanh))),
            "Parallel(vcat, relu, tanh)",
        ),
        (Box::new(log_softmax), "log_softmax"),
    ];
    for (layer, expected) in cases {
        assert_eq!(layer.to_string(), expected);
    }

    let norm = BatchNorm::<f32>::new(3);
    assert_eq!(
        format!("{norm:#}"),
        format!(
            "{:<40}  # 6 parameters, plus 6 non-trainable",
            "BatchNorm(3)"
        )
    );
    norm.set_mode(Mode::Test);
    assert_eq!(norm.to_string(), "BatchNorm(3; mode=test)");
}

#[test]
fn chain_indexing_and_nesting() {
    let inner = Chain::new((Dense::<f32>::builder(4, 4).seed(1).build(), relu));
    let model = Chain::new((
        Dense::<f32>::builder(3, 4).seed(2).build(),
        inner,
        Dense::<f32>::builder(4, 2).seed(3).build(),
    ));
    assert_eq!(model.len(), 3);
    assert_eq!(model[1].to_string(), "Chain(Dense(4 => 4), relu)");
    assert_eq!(model.get::<Dense>(2).unwrap().inputs(), 4);
    assert!(model.get::<LayerNorm>(2).is_none(), "wrong type");
    assert!(model.get::<Dense>(9).is_none(), "out of range");
    assert_eq!(model.params().len(), 6);
    assert_eq!(
        model.params().count_elements(),
        3 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2
    );

    // Forward equals applying the layers one by one.
    let x = Matrix::from_fn(3, 2, |i, j| (i as f32) - (j as f32) * 0.5);
    let step_by_step = model[2].forward(&model[1].forward(&model[0].forward(&x)));
    assert_eq!(model.forward(&x), step_by_step);
    let outputs = model.activations(&Tensor::constant(x));
    assert_eq!(outputs.len(), 3);
    assert_eq!(outputs[2].to_matrix(), step_by_step);

    let mut grown = Chain::new(Vec::<Box<dyn Layer<f32>>>::new());
    assert!(grown.is_empty());
    grown.push(softmax);
    assert_eq!(grown.to_string(), "Chain(softmax)");
}

#[test]
#[should_panic(expected = "Chain index 3 is out of range for a chain of 2 layers")]
fn chain_index_out_of_range_panics() {
    let model = Chain::<f32>::new((relu, tanh));
    let _ = &model[3];
}

#[test]
#[should_panic(expected = "Dense(4 => 2): input has 3 rows (features) but the layer expects 4")]
fn dense_rejects_wrong_input_rows() {
    let layer = Dense::<f32>::builder(4, 2).seed(1).build();
    let _ = layer.forward(&Matrix::zeros(3, 5));
}

#[test]
fn dense_from_weights_computes_affine_map() {
    // y = relu(W x + b) with W = [1 -1; 2 0], b = [0.5, -3], x = [2, 1]: relu([1.5, 1]) = [1.5, 1].
    let layer = Dense::from_weights(
        Matrix::from_row_slice(2, 2, &[1.0, -1.0, 2.0, 0.0]),
        Some(Matrix::from_column_slice(2, 1, &[0.5, -3.0])),
        relu,
    );
    let y = layer.forward(&Matrix::from_column_slice(2, 1, &[2.0f64, 1.0]));
    assert_eq!(y.as_slice(), &[1.5, 1.0]);
}

#[test]
#[should_panic(expected = "bias is 3x1 but the weight is 2x4")]
fn dense_from_weights_rejects_wrong_bias() {
    let _ = Dense::from_weights(
        Matrix::<f32>::zeros(2, 4),
        Some(Matrix::zeros(3, 1)),
        identity,
    );
}

#[test]
fn dense_seeded_builds_repeat() {
    let a = Dense::<f32>::builder(20, 10).seed(5).build();
    let b = Dense::<f32>::builder(20, 10).seed(5).build();
    let c = Dense::<f32>::builder(20, 10).seed(6).build();
    assert_eq!(*a.weight().value(), *b.weight().value());
    assert_ne!(*a.weight().value(), *c.weight().value());
    assert!(a.bias().unwrap().value().iter().all(|&b| b == 0.0));
}

#[test]
fn dropout_modes_and_scaling() {
    let x = Matrix::<f64>::from_element(100, 100, 1.0);
    let dropout = Dropout::<f64>::with_seed(0.3, 42);
    dropout.set_mode(Mode::Train);
    let y = dropout.forward(&x);
    // Survivors are scaled by 1 / (1 - p); the rest are 0.
    let keep = 1.0 / 0.7;
    assert!(y.iter().all(|&v| v == 0.0 || (v - keep).abs() < 1e-12));
    let dropped = y.iter().filter(|&&v| v == 0.0).count() as f64 / 10_000.0;
    assert!((dropped - 0.3).abs() < 0.02, "dropped fraction {dropped}");
    assert!((y.mean() - 1.0).abs() < 0.03, "mean {}", y.mean());

    // Two calls draw two masks; a second layer with the same seed repeats them.
    let again = Dropout::<f64>::with_seed(0.3, 42);
    again.set_mode(Mode::Train);
    assert_eq!(again.forward(&x), y);
    assert_ne!(dropout.forward(&x), y);

    dropout.set_mode(Mode::Test);
    assert_eq!(dropout.forward(&x), x);
    let all = Dropout::<f64>::with_seed(1.0, 1);
    all.set_mode(Mode::Train);
    assert_eq!(all.forward(&x), Matrix::zeros(100, 100));
}

#[test]
fn dropout_is_active_only_inside_a_gradient_by_default() {
    let x = Matrix::<f64>::from_element(20, 20, 1.0);
    let dropout = Dropout::<f64>::with_seed(0.5, 3);
    assert_eq!(dropout.mode(), Mode::Auto);
    assert_eq!(dropout.to_string(), "Dropout(0.5)");
    assert!(!is_recording::<f64>());
    assert_eq!(dropout.forward(&x), x, "identity outside a gradient");

    // Inside value_and_gradient the same layer drops: the gradient of
    // sum(dropout(x)) is the mask, zeros and 1 / (1 - p) = 2.
    let (value, grads) = value_and_gradient(|xs| dropout.apply(&xs[0]).sum(), &[&x]);
    let dropped = grads[0].iter().filter(|&&g| g == 0.0).count();
    assert!(grads[0].iter().all(|&g| g == 0.0 || g == 2.0));
    assert!(
        (120..280).contains(&dropped),
        "dropped {dropped} of 400 with p = 0.5"
    );
    assert_eq!(value, 2.0 * (400 - dropped) as f64);

    // The implicit style records too.
    let w = Param::new(Matrix::<f64>::from_element(20, 20, 1.0));
    let ps = Params::new([&w]);
    let grads = gradient(&ps, || dropout.apply(&w.tensor()).sum());
    assert!(grads[&w].iter().any(|&g| g == 0.0));

    // After the gradient, plain evaluation is the identity again.
    assert_eq!(dropout.forward(&x), x);
    // A recording in the other precision does not switch an f32 layer.
    let single = Dropout::<f32>::with_seed(0.5, 3);
    let x32 = Matrix::<f32>::from_element(20, 20, 1.0);
    let (_, inside) = value_and_gradient(
        |xs| {
            assert_eq!(single.forward(&x32), x32);
            xs[0].sum()
        },
        &[&x],
    );
    assert_eq!(inside[0], Matrix::from_element(20, 20, 1.0));
}

#[test]
fn dropout_forced_modes_override_auto() {
    let x = Matrix::<f64>::from_element(10, 10, 1.0);
    let dropout = Dropout::<f64>::with_seed(0.5, 8);

    dropout.set_mode(Mode::Train);
    assert_eq!(dropout.to_string(), "Dropout(0.5; mode=train)");
    assert_ne!(
        dropout.forward(&x),
        x,
        "forced Train drops outside a gradient"
    );

    dropout.set_mode(Mode::Test);
    let (_, grads) = value_and_gradient(|xs| dropout.apply(&xs[0]).sum(), &[&x]);
    assert_eq!(
        grads[0],
        Matrix::from_element(10, 10, 1.0),
        "forced Test passes through inside a gradient"
    );

    dropout.set_mode(Mode::Auto);
    assert_eq!(dropout.forward(&x), x);
}

#[test]
#[should_panic(expected = "Dropout: p = 1.5 is not a probability")]
fn dropout_rejects_invalid_probability() {
    let _ = Dropout::<f32>::new(1.5);
}

#[test]
fn chain_set_mode_reaches_nested_layers() {
    let model = Chain::new((
        Dense::<f32>::builder(2, 2).seed(1).build(),
        Chain::new((Dropout::with_seed(0.5, 1), BatchNorm::new(2))),
    ));
    model.set_mode(Mode::Test);
    let inner = model.get::<Chain>(1).unwrap();
    assert_eq!(inner.get::<Dropout>(0).unwrap().mode(), Mode::Test);
    assert_eq!(inner.get::<BatchNorm>(1).unwrap().mode(), Mode::Test);
}

#[test]
fn layer_norm_normalises_each_column() {
    let layer = LayerNorm::<f64>::new(4);
    let x = Matrix::from_column_slice(4, 2, &[1.0, 2.0, 3.0, 4.0, -10.0, 0.0, 10.0, 20.0]);
    let y = layer.forward(&x);
    for column in y.column_iter() {
        let mean = column.mean();
        let variance = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-12);
        // Biased variance 1 up to the ε = 1e-5 under the square root.
        assert!((variance - 1.0).abs() < 1e-4, "variance {variance}");
    }
}

#[test]
fn batch_norm_updates_running_statistics() {
    // One feature, batch [1, 2, 3, 6]: mean 3, biased variance 3.5, unbiased 14/3.
    let layer = BatchNorm::<f64>::new(1);
    layer.set_mode(Mode::Train);
    let x = Matrix::from_row_slice(1, 4, &[1.0, 2.0, 3.0, 6.0]);
    let y = layer.forward(&x);
    let expected: Vec<f64> = [-2.0, -1.0, 0.0, 3.0]
        .iter()
        .map(|d| d / (3.5f64 + 1e-5).sqrt())
        .collect();
    for (a, b) in y.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-12);
    }
    // Momentum 0.1 from the initial mean 0 and variance 1.
    assert!((layer.running_mean().value()[0] - 0.3).abs() < 1e-12);
    assert!((layer.running_var().value()[0] - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12);

    // Test mode uses the running statistics and leaves them alone.
    layer.set_mode(Mode::Test);
    let y = layer.forward(&Matrix::from_element(1, 1, 0.3));
    assert!(y[0].abs() < 1e-12);
    assert!((layer.running_mean().value()[0] - 0.3).abs() < 1e-12);
    assert_eq!(
        layer.params().len(),
        2,
        "running statistics are not parameters"
    );
    assert_eq!(layer.named_params().len(), 4);
}

#[test]
fn batch_norm_updates_running_statistics_only_when_training() {
    // One feature, batch [1, 2, 3, 6]: mean 3, unbiased variance 14/3.
    let layer = BatchNorm::<f64>::new(1);
    let x = Matrix::from_row_slice(1, 4, &[1.0, 2.0, 3.0, 6.0]);
    let untouched = |layer: &BatchNorm<f64>| {
        layer.running_mean().value()[0] == 0.0 && layer.running_var().value()[0] == 1.0
    };

    // Auto outside a gradient: running statistics (0, 1) normalise, so the
    // output is x / sqrt(1 + ε), and nothing moves.
    let y = layer.forward(&x);
    assert!(untouched(&layer));
    assert!((y[3] - 6.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);

    // Auto inside a gradient: batch statistics, one update with momentum 0.1.
    let (_, grads) = value_and_gradient(|xs| layer.apply(&xs[0]).square().sum(), &[&x]);
    assert_eq!(grads[0].shape(), (1, 4));
    assert!((layer.running_mean().value()[0] - 0.3).abs() < 1e-12);
    assert!((layer.running_var().value()[0] - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12);

    // Forced Test inside a gradient leaves them alone.
    let fresh = BatchNorm::<f64>::new(1);
    fresh.set_mode(Mode::Test);
    let _ = value_and_gradient(|xs| fresh.apply(&xs[0]).sum(), &[&x]);
    assert!(untouched(&fresh));
    assert_eq!(fresh.to_string(), "BatchNorm(1; mode=test)");

    // Forced Train outside a gradient updates them.
    fresh.set_mode(Mode::Train);
    let _ = fresh.forward(&x);
    assert!((fresh.running_mean().value()[0] - 0.3).abs() < 1e-12);
}

#[test]
#[should_panic(expected = "needs a batch of at least 2 columns")]
fn batch_norm_training_rejects_single_sample() {
    let layer = BatchNorm::<f32>::new(3);
    layer.set_mode(Mode::Train);
    let _ = layer.forward(&Matrix::zeros(3, 1));
}

#[test]
fn batch_norm_evaluates_single_sample_outside_a_gradient() {
    let y = BatchNorm::<f32>::new(3).forward(&Matrix::from_element(3, 1, 2.0));
    assert!(y
        .iter()
        .all(|&v| (v - 2.0 / (1.0f32 + 1e-5).sqrt()).abs() < 1e-6));
}

#[test]
fn embedding_accepts_indices_and_one_hot() {
    let table = Embedding::<f64>::with_seed(5, 3, 9);
    let by_index = table.forward(&Matrix::from_row_slice(1, 3, &[4.0, 0.0, 4.0]));
    let by_one_hot = table.forward(&one_hot(&[4, 0, 4], 5).unwrap());
    assert_eq!(by_index.shape(), (3, 3));
    assert!((&by_index - &by_one_hot).amax() < 1e-15);
    assert_eq!(by_index.column(0), table.weight().value().column(4));
}

#[test]
#[should_panic(expected = "input value 2.5 at column 1 is not an index in 0..5")]
fn embedding_rejects_fractional_index() {
    let _ =
        Embedding::<f64>::with_seed(5, 3, 9).forward(&Matrix::from_row_slice(1, 2, &[1.0, 2.5]));
}

#[test]
fn skip_connection_adds_input() {
    let layer = Dense::from_weights(Matrix::<f64>::identity(2, 2) * 2.0, None, identity);
    let block = SkipConnection::residual(layer);
    let y = block.forward(&Matrix::from_column_slice(2, 1, &[1.0, -1.0]));
    assert_eq!(y.as_slice(), &[3.0, -3.0]);

    let concatenated = SkipConnection::new(relu, |y: &Tensor<f64>, x: &Tensor<f64>| {
        Tensor::vcat(&[y, x])
    });
    let y = concatenated.forward(&Matrix::from_column_slice(2, 1, &[1.0, -1.0]));
    assert_eq!(y.as_slice(), &[1.0, 0.0, 1.0, -1.0]);
}

/// Sample mean and standard deviation of all entries.
fn moments(m: &Matrix<f64>) -> (f64, f64) {
    let mean = m.mean();
    let variance = m.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m.len() - 1) as f64;
    (mean, variance.sqrt())
}

#[test]
fn initialisers_have_their_documented_scale() {
    // A 200 x 300 matrix: fan_in = 300, fan_out = 200. Uniform U(-a, a) has std a / sqrt(3).
    let (rows, cols) = (200, 300);
    type Initialiser = fn(&mut ferroflux::linalg::FluxRng, usize, usize) -> Matrix<f64>;
    let table: [(&str, Initialiser, f64); 5] = [
        (
            "glorot_uniform",
            glorot_uniform,
            (6.0f64 / 500.0).sqrt() / 3f64.sqrt(),
        ),
        ("glorot_normal", glorot_normal, (2.0f64 / 500.0).sqrt()),
        (
            "kaiming_uniform",
            kaiming_uniform,
            (6.0f64 / 300.0).sqrt() / 3f64.sqrt(),
        ),
        ("kaiming_normal", kaiming_normal, (2.0f64 / 300.0).sqrt()),
        ("lecun_normal", lecun_normal, (1.0f64 / 300.0).sqrt()),
    ];
    for (name, init, expected_std) in table {
        let w = init(&mut rng(1), rows, cols);
        assert_eq!(w.shape(), (rows, cols));
        let (mean, std) = moments(&w);
        assert!(mean.abs() < 0.05 * expected_std, "{name}: mean {mean}");
        assert!(
            (std / expected_std - 1.0).abs() < 0.02,
            "{name}: std {std}, expected {expected_std}"
        );
        assert_eq!(init(&mut rng(1), rows, cols), w, "{name} is reproducible");
    }
    let uniform = glorot_uniform::<f64, _>(&mut rng(2), rows, cols);
    let bound = (6.0f64 / 500.0).sqrt();
    assert!(uniform.amax() <= bound);

    assert_eq!(zeros::<f32, _>(&mut rng(0), 2, 3), Matrix::zeros(2, 3));
    assert_eq!(
        ones::<f32, _>(&mut rng(0), 2, 3),
        Matrix::from_element(2, 3, 1.0)
    );
}

#[test]
fn orthogonal_has_orthonormal_columns_or_rows() {
    let tall = orthogonal::<f64, _>(&mut rng(3), 7, 4);
    assert!((tall.transpose() * &tall - Matrix::identity(4, 4)).amax() < 1e-12);
    let wide = orthogonal::<f64, _>(&mut rng(3), 4, 7);
    assert!((&wide * wide.transpose() - Matrix::identity(4, 4)).amax() < 1e-12);
    let square = orthogonal::<f32, _>(&mut rng(4), 5, 5);
    assert!((square.transpose() * &square - Matrix::identity(5, 5)).amax() < 1e-5);
}

#[test]
fn one_hot_one_cold_and_accuracy() {
    let y = one_hot::<f32>(&[2, 0, 1, 2], 3).unwrap();
    assert_eq!(y.shape(), (3, 4));
    assert_eq!(y.row_sum().as_slice(), &[1.0, 1.0, 1.0, 1.0]);
    assert_eq!(one_cold(&y), [2, 0, 1, 2]);

    // Ties go to the first maximum; NaN wins, as in Julia's argmax.
    let scores =
        Matrix::from_column_slice(3, 3, &[0.5, 0.5, 0.1, 1.0, f64::NAN, 2.0, -1.0, -3.0, -2.0]);
    assert_eq!(one_cold(&scores), [0, 1, 0]);
    assert_eq!(accuracy(&scores, &[0, 1, 2]).unwrap(), 2.0 / 3.0);

    let error = one_hot::<f32>(&[0, 3], 3).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::LabelOutOfRange {
                label: 3,
                index: 1,
                classes: 3
            }
        ),
        "{error}"
    );
    let error = accuracy(&scores, &[0, 1]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("3 columns but there are 2 labels"),
        "{error}"
    );
}

mod properties {
    use ferroflux::linalg::{rand_with, rng, Matrix};
    use ferroflux::nn::{accuracy, one_cold, one_hot, softmax, Layer};
    use proptest::prelude::*;

    proptest! {
        /// Decoding a one-hot matrix gives back the labels, with accuracy 1.
        #[test]
        fn one_hot_round_trip(labels in proptest::collection::vec(0usize..7, 0..40)) {
            let encoded = one_hot::<f32>(&labels, 7).unwrap();
            prop_assert_eq!(one_cold(&encoded), labels.clone());
            if !labels.is_empty() {
                prop_assert_eq!(accuracy(&encoded, &labels).unwrap(), 1.0);
            }
        }

        /// The softmax layer gives columns on the simplex and ignores a constant added to a column.
        #[test]
        fn softmax_layer_columns_on_simplex(rows in 1usize..8, cols in 1usize..6, seed in 0u64..1000, shift in -50.0f64..50.0) {
            let x: Matrix<f64> = rand_with::<f64, _>(&mut rng(seed), rows, cols).map(|u| 20.0 * u - 10.0);
            let y = softmax.forward(&x);
            for column in y.column_iter() {
                prop_assert!((column.sum() - 1.0).abs() < 1e-12);
                prop_assert!(column.iter().all(|&p| (0.0..=1.0).contains(&p)));
            }
            let shifted = softmax.forward(&x.add_scalar(shift));
            prop_assert!((shifted - y).amax() < 1e-12);
        }
    }
}

/// A custom layer that implements only `apply`.
struct Doubler;

impl Layer<f64> for Doubler {
    fn apply(&self, x: &Tensor<f64>) -> Tensor<f64> {
        x.mul_scalar(2.0)
    }
}

#[test]
fn custom_layer_needs_only_apply() {
    let model = Chain::new((Doubler, relu));
    assert_eq!(model.to_string(), "Chain(Doubler, relu)");
    assert!(model.get::<Doubler>(0).is_some());
    assert!(model.params().is_empty());
    let y = model.forward(&Matrix::from_column_slice(2, 1, &[1.5, -1.0]));
    assert_eq!(y.as_slice(), &[3.0, 0.0]);
}

#[test]
fn try_forward_reports_input_width() {
    let model = Chain::new((
        Dense::<f32>::builder(4, 3).activation(relu).seed(1).build(),
        Dense::<f32>::builder(3, 2).seed(2).build(),
    ));
    assert_eq!(model.input_features(), Some(4));
    assert_eq!(
        model.try_forward(&Matrix::zeros(4, 5)).unwrap().shape(),
        (2, 5)
    );

    let error = model.try_forward(&Matrix::zeros(5, 4)).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::InputShape {
                expected: 4,
                rows: 5,
                cols: 4,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("Chain(Dense(4 => 3, relu), Dense(3 => 2)) takes 4 features"),
        "{error}"
    );

    // Widths of other layers, and layers of any width.
    assert_eq!(LayerNorm::<f32>::new(6).input_features(), Some(6));
    assert_eq!(
        SkipConnection::residual(BatchNorm::<f32>::new(2)).input_features(),
        Some(2)
    );
    assert_eq!(
        Parallel::<f32>::vcat((relu, Dense::builder(7, 1).build())).input_features(),
        Some(7)
    );
    assert_eq!(
        Chain::<f32>::new((relu, Dense::builder(7, 1).build())).input_features(),
        None
    );
    assert_eq!(Embedding::<f32>::new(10, 3).input_features(), None);
    assert_eq!(
        Chain::<f32>::new((relu,))
            .try_forward(&Matrix::zeros(3, 1))
            .unwrap()
            .shape(),
        (3, 1)
    );
}

#[test]
fn batch_norm_momentum_and_epsilon_are_configurable() {
    // Momentum 0.5 from mean 0: the running mean moves halfway to the batch mean 3.
    let layer = BatchNorm::<f64>::new(1).momentum(0.5).epsilon(1e-3);
    layer.set_mode(Mode::Train);
    let y = layer.forward(&Matrix::from_row_slice(1, 4, &[1.0, 2.0, 3.0, 6.0]));
    assert!((layer.running_mean().value()[0] - 1.5).abs() < 1e-12);
    assert!((y[3] - 3.0 / (3.5f64 + 1e-3).sqrt()).abs() < 1e-12);

    let norm = LayerNorm::<f64>::new(2).epsilon(1.0);
    let y = norm.forward(&Matrix::from_column_slice(2, 1, &[1.0, -1.0]));
    // Variance 1, so x̂ = ±1 / sqrt(1 + 1).
    assert!((y[0] - 0.5f64.sqrt()).abs() < 1e-12);
}

#[test]
#[should_panic(expected = "BatchNorm(2): momentum = 1.5 must lie in [0, 1]")]
fn batch_norm_rejects_invalid_momentum() {
    let _ = BatchNorm::<f32>::new(2).momentum(1.5);
}

#[test]
#[should_panic(expected = "LayerNorm(2): epsilon = 0 must be positive and finite")]
fn layer_norm_rejects_zero_epsilon() {
    let _ = LayerNorm::<f32>::new(2).epsilon(0.0);
}
