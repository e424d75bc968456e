//! Loss values against reference numbers, the three aggregations, the
//! stability of the logit forms and the shape errors.
//!
//! Reference values are computed from each loss's formula with Python 3's
//! `math` module in double precision, including Flux's ε = 2.220446049250313e-16
//! (the f64 machine epsilon) inside the logarithms where the loss uses it.

use ferroflux::autodiff::{gradient, Param, Params, Tensor};
use ferroflux::linalg::Matrix;
use ferroflux::nn::*;

fn column(values: &[f64]) -> Tensor<f64> {
    Tensor::constant(Matrix::from_column_slice(values.len(), 1, values))
}

fn matrix(rows: usize, cols: usize, column_major: &[f64]) -> Tensor<f64> {
    Tensor::constant(Matrix::from_column_slice(rows, cols, column_major))
}

fn assert_close(what: &str, actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-14 * (1.0 + expected.abs()),
        "{what}: {actual} != {expected}"
    );
}

#[test]
fn mse_mae_huber_reference_values() {
    // Errors d = [0, 1, 2]: squares [0, 1, 4], absolute values [0, 1, 2],
    // Huber (δ = 1) [0, 0.5, 2 - 0.5] = [0, 0.5, 1.5].
    let prediction = column(&[1.0, 2.0, 3.0]);
    let target = column(&[1.0, 1.0, 1.0]);

    assert_close("mse", mse(&prediction, &target).item(), 5.0 / 3.0);
    assert_close(
        "mse sum",
        mse_with(&prediction, &target, Aggregation::Sum).item(),
        5.0,
    );
    assert_close("mae", mae(&prediction, &target).item(), 1.0);
    assert_close(
        "mae sum",
        mae_with(&prediction, &target, Aggregation::Sum).item(),
        3.0,
    );
    assert_close("huber", huber_loss(&prediction, &target).item(), 2.0 / 3.0);
    let huber_half = huber_loss_with(&prediction, &target, 0.5, Aggregation::Sum).item();
    // δ = 0.5: [0, 0.5 (1 - 0.25), 0.5 (2 - 0.25)] = [0, 0.375, 0.875].
    assert_close("huber δ = 0.5", huber_half, 1.25);

    let unaggregated = mse_with(&prediction, &target, Aggregation::None).to_matrix();
    assert_eq!(unaggregated.as_slice(), &[0.0, 1.0, 4.0]);
}

#[test]
fn cross_entropy_reference_values() {
    // Columns: ŷ = [0.1, 0.2, 0.7] with y = class 2, ŷ = [0.5, 0.5, 0] with y = class 0.
    let prediction = matrix(3, 2, &[0.1, 0.2, 0.7, 0.5, 0.5, 0.0]);
    let target = matrix(3, 2, &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    // -ln(0.7 + ε) and -ln(0.5 + ε), then their mean.
    assert_close(
        "cross_entropy",
        cross_entropy(&prediction, &target).item(),
        0.5249110622493385,
    );
    let per_sample = cross_entropy_with(&prediction, &target, Aggregation::None).to_matrix();
    assert_eq!(per_sample.shape(), (1, 2));
    assert_close("column 0", per_sample[0], 0.3566749439387321);
    assert_close("column 1", per_sample[1], 0.6931471805599448);
}

#[test]
fn cross_entropy_of_zero_probability_with_zero_target_is_zero() {
    // 0 · ln(0) must count as 0, as xlogy(0, 0) does, for the value and the gradient.
    let p = Param::new(Matrix::from_column_slice(2, 1, &[0.0, 1.0]));
    let target = column(&[0.0, 1.0]);
    let loss = cross_entropy(&p.tensor(), &target).item();
    assert!(loss.is_finite(), "loss {loss}");
    assert!(loss.abs() < 1e-15, "loss {loss}");

    let ps = Params::new([&p]);
    let grads = gradient(&ps, || cross_entropy(&p.tensor(), &target));
    assert_eq!(grads[&p][0], 0.0, "gradient of the zero-probability entry");
    assert!(grads[&p][1].is_finite());
}

#[test]
fn logit_cross_entropy_reference_and_stability() {
    // logsumexp(1, 2, 3) - 3.
    let scores = column(&[1.0, 2.0, 3.0]);
    let target = column(&[0.0, 0.0, 1.0]);
    assert_close(
        "logit_cross_entropy",
        logit_cross_entropy(&scores, &target).item(),
        0.40760596444438013,
    );

    // A score of 1000 against the true class: the softmax form rounds the
    // probability of class 1 to 0 and stops at -ln ε; the logit form is exact.
    let scores = column(&[1000.0, 0.0]);
    let target = column(&[0.0, 1.0]);
    assert_eq!(logit_cross_entropy(&scores, &target).item(), 1000.0);
    let naive = cross_entropy(&softmax(&scores), &target).item();
    assert_close("softmax form saturates", naive, -f64::EPSILON.ln());
}

#[test]
fn binary_cross_entropy_reference_values() {
    // -ln(0.8 + ε) for (ŷ, y) = (0.8, 1) and -ln(1 - 0.3 + ε) for (0.3, 0).
    let prediction = column(&[0.8, 0.3]);
    let target = column(&[1.0, 0.0]);
    let losses = binary_cross_entropy_with(&prediction, &target, Aggregation::None).to_matrix();
    assert_close("y = 1", losses[0], 0.22314355131420943);
    assert_close("y = 0", losses[1], 0.3566749439387321);
    assert_close(
        "mean",
        binary_cross_entropy(&prediction, &target).item(),
        (0.22314355131420943 + 0.3566749439387321) / 2.0,
    );
}

#[test]
fn logit_binary_cross_entropy_reference_and_stability() {
    // (logit, y) = (0, 1): ln 2; (2, 0): 2 + ln(1 + e^-2) = softplus(2).
    let logits = column(&[0.0, 2.0]);
    let target = column(&[1.0, 0.0]);
    let losses = logit_binary_cross_entropy_with(&logits, &target, Aggregation::None).to_matrix();
    assert_close("logit 0, y = 1", losses[0], std::f64::consts::LN_2);
    assert_close("logit 2, y = 0", losses[1], 2.1269280110429727);

    // Matches the probability form where the sigmoid does not saturate.
    let via_sigmoid =
        binary_cross_entropy_with(&sigmoid(&logits), &target, Aggregation::None).to_matrix();
    assert!((&via_sigmoid - &losses).amax() < 1e-12);

    // A confident wrong logit: σ(-1000) rounds to 0, but the logit form is exact.
    let loss = logit_binary_cross_entropy(&column(&[-1000.0]), &column(&[1.0])).item();
    assert_eq!(loss, 1000.0);
}

#[test]
fn kl_divergence_reference_values() {
    // 0.9 ln(0.9 / 0.5) + 0.1 ln(0.1 / 0.5), with ε inside each logarithm.
    let prediction = column(&[0.5, 0.5]);
    let target = column(&[0.9, 0.1]);
    assert_close(
        "kl",
        kl_divergence(&prediction, &target).item(),
        0.3680642071684971,
    );

    let same = matrix(3, 2, &[0.2, 0.3, 0.5, 0.0, 1.0, 0.0]);
    assert_eq!(kl_divergence(&same, &same).item(), 0.0);
}

#[test]
fn aggregations_relate_by_count() {
    let prediction = matrix(2, 3, &[0.2, 0.8, 0.6, 0.4, 0.9, 0.1]);
    let target = matrix(2, 3, &[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
    // Element-wise losses average over 6 entries, distribution losses over 3 columns.
    let elementwise = [
        (
            "mse",
            try_mse(&prediction, &target, Aggregation::Sum)
                .unwrap()
                .item(),
            mse(&prediction, &target).item(),
            6.0,
        ),
        (
            "mae",
            try_mae(&prediction, &target, Aggregation::Sum)
                .unwrap()
                .item(),
            mae(&prediction, &target).item(),
            6.0,
        ),
        (
            "cross_entropy",
            try_cross_entropy(&prediction, &target, Aggregation::Sum)
                .unwrap()
                .item(),
            cross_entropy(&prediction, &target).item(),
            3.0,
        ),
        (
            "kl_divergence",
            try_kl_divergence(&prediction, &target, Aggregation::Sum)
                .unwrap()
                .item(),
            kl_divergence(&prediction, &target).item(),
            3.0,
        ),
    ];
    for (name, sum, mean, count) in elementwise {
        assert_close(name, sum / count, mean);
    }
}

#[test]
fn try_forms_report_both_shapes() {
    let prediction = matrix(3, 2, &[0.0; 6]);
    let target = matrix(2, 3, &[0.0; 6]);
    type TryLoss = fn(&Tensor<f64>, &Tensor<f64>, Aggregation) -> Result<Tensor<f64>, NnError>;
    let table: [(&str, TryLoss); 7] = [
        ("mse", try_mse),
        ("mae", try_mae),
        ("cross_entropy", try_cross_entropy),
        ("logit_cross_entropy", try_logit_cross_entropy),
        ("binary_cross_entropy", try_binary_cross_entropy),
        ("logit_binary_cross_entropy", try_logit_binary_cross_entropy),
        ("kl_divergence", try_kl_divergence),
    ];
    for (name, loss) in table {
        let error = loss(&prediction, &target, Aggregation::Mean).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with(name), "{message}");
        assert!(message.contains("prediction is 3x2"), "{message}");
        assert!(message.contains("target is 2x3"), "{message}");
    }
    let huber = try_huber_loss(&prediction, &target, 1.0, Aggregation::Mean).unwrap_err();
    assert!(matches!(
        huber,
        NnError::LossShape {
            loss: "huber_loss",
            pred_rows: 3,
            pred_cols: 2,
            target_rows: 2,
            target_cols: 3
        }
    ));
}

#[test]
#[should_panic(expected = "mse: prediction is 10x1 but target is 10x2")]
fn mse_panics_on_shape_mismatch() {
    // A column-vector target is not broadcast over a batch.
    let _ = mse(&matrix(10, 1, &[0.0; 10]), &matrix(10, 2, &[0.0; 20]));
}

#[test]
#[should_panic(expected = "delta = -1 must be positive")]
fn huber_loss_rejects_negative_delta() {
    let x = column(&[1.0]);
    let _ = huber_loss_with(&x, &x, -1.0, Aggregation::Mean);
}
