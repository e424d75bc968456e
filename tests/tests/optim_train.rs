//! The train loop: data sources, the non-finite loss guard, callbacks and
//! the report.

use std::cell::Cell;
use std::time::Duration;

use ferroflux::autodiff::{Param, Params, Tensor};
use ferroflux::linalg::Matrix;
use ferroflux::optim::{
    early_stopping, epochs, plateau, setup, throttle, train, train_with, AdaDelta, Adam, Control,
    DataLoader, Descent, EpochSummary, OptimError, Progress, TrainError,
};

/// Least squares for y = w·x + b with w 1x2 and b 1x1.
struct Line {
    w: Param,
    b: Param,
}

impl Line {
    fn new() -> Self {
        Self {
            w: Param::new(Matrix::zeros(1, 2)),
            b: Param::new(Matrix::zeros(1, 1)),
        }
    }

    fn params(&self) -> Params {
        Params::new([&self.w, &self.b])
    }

    fn loss(&self, x: &Tensor, y: &Tensor) -> Tensor {
        (self.w.tensor().matmul(x) + self.b.tensor() - y)
            .square()
            .mean()
    }
}

/// Observations of y = 2·x₁ − 3·x₂ + 0.5, one per column.
fn line_data(n: usize) -> (Matrix, Matrix) {
    let x = Matrix::from_fn(2, n, |r, c| ((3 * c + 5 * r) % 7) as f64 / 7.0 - 0.4);
    let y = Matrix::from_fn(1, n, |_, c| 2.0 * x[(0, c)] - 3.0 * x[(1, c)] + 0.5);
    (x, y)
}

#[test]
fn train_repeated_pair_counts_steps() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let data = std::iter::repeat_n((&x, &y), 25);
    let report = train(
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut Descent::new(0.5),
    )
    .unwrap();
    assert_eq!(report.steps, 25);
    assert_eq!(report.losses.len(), 25);
    assert_eq!(report.epochs, 1);
    assert_eq!(report.epoch_losses.len(), 1);
    assert!(!report.stopped_early);
    assert!(
        report.final_loss().unwrap() < report.losses[0] / 10.0,
        "{:?}",
        report.losses
    );
    assert!(report.time_per_step().is_some());
}

#[test]
fn train_zip_of_two_collections() {
    let model = Line::new();
    let xs: Vec<Matrix> = (0..6)
        .map(|i| line_data(6).0.columns(i, 1).into_owned())
        .collect();
    let ys: Vec<Matrix> = (0..6)
        .map(|i| line_data(6).1.columns(i, 1).into_owned())
        .collect();
    let report = train(
        |x, y| model.loss(x, y),
        &model.params(),
        xs.iter().zip(ys.iter()),
        &mut Adam::new(0.01),
    )
    .unwrap();
    assert_eq!(report.steps, 6);
}

#[test]
fn train_owned_tensors_and_vec_of_pairs() {
    let model = Line::new();
    let (x, y) = line_data(4);
    let pairs = vec![(Tensor::constant(x.clone()), Tensor::constant(y.clone())); 3];
    let report = train(
        |x, y| model.loss(x, y),
        &model.params(),
        &pairs,
        &mut Descent::new(0.1),
    )
    .unwrap();
    assert_eq!(report.steps, 3);
    let report = train(
        |x, y| model.loss(x, y),
        &model.params(),
        pairs,
        &mut Descent::new(0.1),
    )
    .unwrap();
    assert_eq!(report.steps, 3);
}

#[test]
fn train_with_data_loader_fits_line() {
    let model = Line::new();
    let (x, y) = line_data(64);
    let loader = DataLoader::new(x, y, 16).unwrap().shuffle(3);
    let mut opt = setup(Adam::new(0.05), &model.params()).unwrap();
    let report = epochs(
        200,
        |x, y| model.loss(x, y),
        &model.params(),
        || &loader,
        &mut opt,
        (),
    )
    .unwrap();
    assert_eq!(report.steps, 200 * 4);
    assert_eq!(report.epoch_losses.len(), 200);
    assert!(
        report.final_loss().unwrap() < 1e-6,
        "final loss {:?}",
        report.final_loss()
    );
    let w = model.w.value();
    assert!(
        (w[0] - 2.0).abs() < 1e-2 && (w[1] + 3.0).abs() < 1e-2,
        "w = {}",
        *w
    );
}

#[test]
fn nan_loss_stops_before_update() {
    let model = Line::new();
    let (x, y) = line_data(4);
    let mut bad = x.clone();
    bad[(1, 2)] = f64::NAN;
    let data = vec![
        (x.clone(), y.clone()),
        (x.clone(), y.clone()),
        (bad, y.clone()),
        (x, y),
    ];

    // Replay the first two steps to know where the parameters must stay.
    let reference = Line::new();
    let mut opt = Descent::new(0.1);
    train(
        |x, y| reference.loss(x, y),
        &reference.params(),
        &data[..2],
        &mut opt,
    )
    .unwrap();

    let error = train(
        |x, y| model.loss(x, y),
        &model.params(),
        &data,
        &mut Descent::new(0.1),
    )
    .unwrap_err();
    match error {
        TrainError::NonFiniteLoss { epoch, step, loss } => {
            assert_eq!((epoch, step), (1, 3));
            assert!(loss.is_nan());
        }
        other => panic!("expected NonFiniteLoss, got {other:?}"),
    }
    assert!(
        error.to_string().contains("loss is NaN at step 3"),
        "{error}"
    );
    assert_eq!(
        *model.w.value(),
        *reference.w.value(),
        "the NaN step must not update w"
    );
    assert_eq!(
        *model.b.value(),
        *reference.b.value(),
        "the NaN step must not update b"
    );
    assert!(model.w.value().iter().all(|v| v.is_finite()));
}

#[test]
fn infinite_loss_names_epoch_and_step() {
    let model = Line::new();
    let (x, y) = line_data(4);
    let mut huge = y.clone();
    huge[0] = f64::INFINITY;
    let mut calls = 0;
    let data = || {
        calls += 1;
        if calls == 2 {
            vec![(x.clone(), y.clone()), (x.clone(), huge.clone())]
        } else {
            vec![(x.clone(), y.clone()), (x.clone(), y.clone())]
        }
    };
    let error = epochs(
        3,
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut Descent::new(0.1),
        (),
    )
    .unwrap_err();
    assert_eq!(
        error,
        TrainError::NonFiniteLoss {
            epoch: 2,
            step: 2,
            loss: f64::INFINITY
        }
    );
}

#[test]
fn callback_stops_early() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let data = std::iter::repeat_n((&x, &y), 1000);
    let stop_at_ten = |p: &Progress| {
        if p.step == 10 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let report = train_with(
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut Descent::new(0.1),
        stop_at_ten,
    )
    .unwrap();
    assert_eq!(report.steps, 10);
    assert!(report.stopped_early);
}

#[test]
fn callback_receives_epoch_step_and_loss() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let loader = DataLoader::new(x, y, 3).unwrap();
    let seen = std::cell::RefCell::new(Vec::new());
    let record = |p: &Progress| {
        seen.borrow_mut()
            .push((p.epoch, p.step, p.total_steps, p.loss, p.eta));
        Control::Continue
    };
    let report = epochs(
        2,
        |x, y| model.loss(x, y),
        &model.params(),
        || &loader,
        &mut Descent::new(0.1),
        record,
    )
    .unwrap();
    let seen = seen.into_inner();
    let positions: Vec<(usize, usize, usize)> = seen.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        positions,
        [
            (1, 1, 1),
            (1, 2, 2),
            (1, 3, 3),
            (2, 1, 4),
            (2, 2, 5),
            (2, 3, 6)
        ]
    );
    let losses: Vec<f64> = seen.iter().map(|s| s.3).collect();
    assert_eq!(losses, report.losses);
    assert!(seen.iter().all(|s| s.4 == Some(0.1)));
}

#[test]
fn callback_adjust_changes_eta() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let data = std::iter::repeat_n((&x, &y), 5);
    let mut opt = setup(Adam::new(0.1), &model.params()).unwrap();
    let halve = |p: &Progress| Control::Adjust(p.eta.unwrap() / 2.0);
    train_with(
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut opt,
        halve,
    )
    .unwrap();
    assert_eq!(opt.rule().eta, 0.1 / 32.0);
}

#[test]
fn callback_invalid_adjust_is_error() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let data = std::iter::repeat_n((&x, &y), 5);
    let error = train_with(
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut AdaDelta::default(),
        |_: &Progress| Control::Adjust(0.1),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            TrainError::Optimiser {
                step: 1,
                source: OptimError::NoLearningRate { .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn early_stopping_stops_when_loss_stalls() {
    // Descent with η = 0 never improves, so the loss stalls from the start.
    let model = Line::new();
    let (x, y) = line_data(8);
    let pairs = vec![(x, y)];
    let report = epochs(
        100,
        |x, y| model.loss(x, y),
        &model.params(),
        || &pairs,
        &mut Descent::new(0.0),
        early_stopping(3),
    )
    .unwrap();
    // Epoch 1 sets the best; epochs 2, 3 and 4 do not improve on it.
    assert_eq!(report.epochs, 4);
    assert!(report.stopped_early);
}

#[test]
fn early_stopping_check_counts_patience() {
    let mut stopper = early_stopping(2).min_delta(0.1);
    assert!(!stopper.check(1.0));
    assert!(
        !stopper.check(0.95),
        "an improvement below min_delta counts as none"
    );
    assert!(stopper.check(0.93));
    let mut stopper = early_stopping(2);
    assert!(!stopper.check(1.0));
    assert!(!stopper.check(0.5));
    assert!(!stopper.check(0.6));
    assert!(!stopper.check(0.4), "an improvement resets the count");
    assert!(!stopper.check(f64::NAN));
    assert!(stopper.check(0.4));
}

#[test]
fn plateau_reduces_eta() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let pairs = vec![(x, y)];
    let mut opt = setup(Descent::new(0.0), &model.params()).unwrap();
    // η = 0 gives a flat loss: every 2 flat epochs the plateau halves η,
    // so after epochs 3 and 5 it is 0·0.5² = 0, and training runs on.
    let report = epochs(
        6,
        |x, y| model.loss(x, y),
        &model.params(),
        || &pairs,
        &mut opt,
        plateau(2).reduce(0.5),
    )
    .unwrap();
    assert_eq!(report.epochs, 6);
    assert!(!report.stopped_early);

    let mut detector = plateau(2).min_delta(0.01);
    assert!(!detector.check(1.0));
    assert!(!detector.check(1.005));
    assert!(detector.check(1.0));
    assert!(
        !detector.check(1.0),
        "the count starts afresh after a plateau"
    );
}

#[test]
fn plateau_without_reduce_stops() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let pairs = vec![(x, y)];
    let report = epochs(
        50,
        |x, y| model.loss(x, y),
        &model.params(),
        || &pairs,
        &mut Descent::new(0.0),
        plateau(2),
    )
    .unwrap();
    assert_eq!(report.epochs, 3);
    assert!(report.stopped_early);
}

#[test]
fn throttle_limits_calls() {
    let calls = Cell::new(0);
    let epochs_seen = Cell::new(0);
    struct Counter<'a> {
        steps: &'a Cell<usize>,
        epochs: &'a Cell<usize>,
    }
    impl ferroflux::optim::Callback for Counter<'_> {
        fn on_step(&mut self, _: &Progress) -> Control {
            self.steps.set(self.steps.get() + 1);
            Control::Continue
        }
        fn on_epoch(&mut self, _: &EpochSummary) -> Control {
            self.epochs.set(self.epochs.get() + 1);
            Control::Continue
        }
    }
    let model = Line::new();
    let (x, y) = line_data(8);
    let pairs = vec![(x, y); 20];
    let counter = Counter {
        steps: &calls,
        epochs: &epochs_seen,
    };
    epochs(
        2,
        |x, y| model.loss(x, y),
        &model.params(),
        || &pairs,
        &mut Descent::new(0.1),
        throttle(Duration::from_secs(3600), counter),
    )
    .unwrap();
    assert_eq!(calls.get(), 1, "only the first step passes within the hour");
    assert_eq!(epochs_seen.get(), 2, "epoch ends always pass");
}

#[test]
fn tuple_of_callbacks_stop_wins() {
    let model = Line::new();
    let (x, y) = line_data(8);
    let data = std::iter::repeat_n((&x, &y), 10);
    let adjust = |_: &Progress| Control::Adjust(0.05);
    let stop = |p: &Progress| {
        if p.step == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let mut opt = setup(Descent::new(0.1), &model.params()).unwrap();
    let report = train_with(
        |x, y| model.loss(x, y),
        &model.params(),
        data,
        &mut opt,
        (adjust, stop),
    )
    .unwrap();
    assert_eq!(report.steps, 2);
    assert_eq!(opt.rule().eta, 0.05, "the adjust of step 1 was applied");
}

#[test]
fn empty_data_trains_nothing() {
    let model = Line::new();
    let empty: Vec<(Matrix, Matrix)> = Vec::new();
    let report = train(
        |x, y| model.loss(x, y),
        &model.params(),
        &empty,
        &mut Descent::new(0.1),
    )
    .unwrap();
    assert_eq!(report.steps, 0);
    assert!(report.final_loss().is_none());
    assert!(report.epoch_losses.is_empty());
}

#[test]
fn f32_training_works() {
    let w = Param::new(Matrix::<f32>::zeros(1, 1));
    let ps = Params::new([&w]);
    let x = Matrix::<f32>::from_element(1, 1, 1.0);
    let y = Matrix::<f32>::from_element(1, 1, 3.0);
    let data = std::iter::repeat_n((&x, &y), 200);
    let loss = |x: &Tensor<f32>, y: &Tensor<f32>| (w.tensor().matmul(x) - y).square().sum();
    let report = train(loss, &ps, data, &mut Adam::new(0.1)).unwrap();
    assert!((w.value()[0] - 3.0).abs() < 1e-2, "w = {}", w.value()[0]);
    assert!(report.final_loss().unwrap() < 1e-3);
}

#[test]
fn progress_bar_counts_steps() {
    // indicatif draws nothing when stderr is not a terminal, as under
    // `cargo test`; the bar must still accept every step and epoch.
    let model = Line::new();
    let (x, y) = line_data(8);
    let loader = DataLoader::new(x, y, 4).unwrap();
    let bar = ferroflux::optim::progress_bar(Some(6));
    let report = epochs(
        3,
        |x, y| model.loss(x, y),
        &model.params(),
        || &loader,
        &mut Descent::new(0.1),
        bar,
    )
    .unwrap();
    assert_eq!(report.steps, 6);
    assert!(!report.stopped_early);
}
