//! Public API of SimplexNmf: recovery of known factors, invariants,
//! reproducibility, restarts, callbacks, the regularisation path, scaling,
//! diagnostics and error paths.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::rc::Rc;

use ferroflux_factorize::{
    seed_problem, sparse_mixture, svd_baseline, FactorizeError, Init, Matrix, NmfFit, Objective,
    Scaling, SimplexNmf,
};

/// The smallest `max |H_fit - P·H_true|` over permutations `P` of the rows.
fn permuted_distance(fit: &Matrix<f64>, truth: &Matrix<f64>) -> f64 {
    let k = truth.nrows();
    let mut order: Vec<usize> = (0..k).collect();
    let mut best = f64::INFINITY;
    permute(&mut order, 0, &mut |p| {
        let mut worst: f64 = 0.0;
        for (i, &pi) in p.iter().enumerate() {
            for j in 0..truth.ncols() {
                worst = worst.max((fit[(pi, j)] - truth[(i, j)]).abs());
            }
        }
        best = best.min(worst);
    });
    best
}

fn permute(order: &mut Vec<usize>, start: usize, visit: &mut impl FnMut(&[usize])) {
    if start == order.len() {
        visit(order);
        return;
    }
    for i in start..order.len() {
        order.swap(start, i);
        permute(order, start + 1, visit);
        order.swap(start, i);
    }
}

fn assert_on_simplex(fit: &NmfFit) {
    for (j, column) in fit.h.column_iter().enumerate() {
        assert!(
            (column.sum() - 1.0).abs() <= 1e-12,
            "column {j} sums to {}",
            column.sum()
        );
        assert!(
            column.iter().all(|&x| x >= 0.0),
            "column {j} has a negative weight"
        );
    }
}

#[test]
fn recovers_known_sparse_factors() {
    // Half of the weights are zero, so many series sit on a vertex or an edge
    // of the simplex. Exact data also fit any larger simplex around the true
    // one (W is unconstrained), so the prior has to pick the sparsest exact
    // fit: a stronger prior weight and noise floor than the defaults make it
    // win within a few thousand iterations.
    let truth = sparse_mixture(30, 40, 3, 0.5, 3);
    let fit = SimplexNmf::new(3)
        .prior_weight(3.0)
        .min_relative_noise(1e-2)
        .init(Init::KMeansPlusPlus)
        .restarts(3)
        .iterations(6000)
        .tolerance(1e-9)
        .fit(&truth.a)
        .expect("fit succeeds");
    assert!(
        fit.relative_error < 1e-3,
        "relative error {}",
        fit.relative_error
    );
    let distance = permuted_distance(&fit.h, &truth.h);
    assert!(
        distance < 0.01,
        "largest weight error after the best permutation: {distance}"
    );
    assert_on_simplex(&fit);
}

#[test]
fn weights_stay_on_simplex_for_every_objective() {
    let a = seed_problem(2);
    for objective in [Objective::Seed, Objective::Gaussian] {
        let fit = SimplexNmf::new(3)
            .objective(objective)
            .iterations(300)
            .fit(&a)
            .expect("fit succeeds");
        assert_on_simplex(&fit);
        let from_logits = ferroflux_linalg::softmax(&fit.h_logits);
        assert!((&fit.h - from_logits).amax() < 1e-15, "H is not softmax(H̄)");
    }
}

#[test]
fn loss_trace_non_increasing_for_small_learning_rate() {
    let a = seed_problem(4);
    for objective in [Objective::Seed, Objective::Gaussian] {
        let fit = SimplexNmf::new(3)
            .objective(objective)
            .learning_rate(1e-4)
            .iterations(400)
            .tolerance(0.0)
            .fit(&a)
            .expect("fit succeeds");
        assert_eq!(fit.loss_trace.len(), 400);
        for (t, pair) in fit.loss_trace.windows(2).enumerate() {
            assert!(
                pair[1] <= pair[0] + 1e-12 * pair[0].abs(),
                "{objective:?}: cost rose from {} to {} at iteration {}",
                pair[0],
                pair[1],
                t + 1
            );
        }
    }
}

#[test]
fn same_seed_gives_identical_fits() {
    let a = seed_problem(5);
    for init in [Init::Random, Init::Svd, Init::KMeansPlusPlus] {
        let builder = SimplexNmf::new(3).init(init).seed(9).iterations(200);
        let first = builder.fit(&a).expect("fit succeeds");
        let second = builder.fit(&a).expect("fit succeeds");
        assert_eq!(first.w, second.w, "{init:?}");
        assert_eq!(first.h_logits, second.h_logits, "{init:?}");
        assert_eq!(first.loss_trace, second.loss_trace, "{init:?}");
    }
    let other = SimplexNmf::new(3)
        .init(Init::Random)
        .seed(10)
        .iterations(200)
        .fit(&a)
        .unwrap();
    let first = SimplexNmf::new(3)
        .init(Init::Random)
        .seed(9)
        .iterations(200)
        .fit(&a)
        .unwrap();
    assert_ne!(first.w, other.w, "different seeds gave the same start");
}

#[test]
fn seed_preset_matches_flux_example() {
    let settings = SimplexNmf::seed_preset(3).settings();
    assert_eq!(settings.objective, Objective::Seed);
    assert_eq!(settings.alpha, 0.2);
    assert_eq!(settings.prior_weight, 1.0);
    assert_eq!(settings.learning_rate, 0.001);
    assert_eq!(settings.iterations, 2000);
    assert_eq!(settings.extra_components, 1);
    let fit = SimplexNmf::seed_preset(3)
        .fit(&seed_problem(0))
        .expect("fit succeeds");
    assert_eq!(fit.w.shape(), (20, 4));
    assert_eq!(fit.h.shape(), (4, 10));
    assert_eq!(fit.iterations, 2000);
    assert!(!fit.converged);
}

#[test]
fn restarts_keep_lowest_cost() {
    let a = seed_problem(6);
    let fit = SimplexNmf::new(3)
        .init(Init::Random)
        .restarts(3)
        .seed(20)
        .iterations(200)
        .fit(&a)
        .expect("fit succeeds");
    assert_eq!(fit.restart_costs.len(), 3);
    let lowest = fit
        .restart_costs
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(fit.cost, lowest);
    let index = fit.restart_costs.iter().position(|&c| c == lowest).unwrap();
    assert_eq!(fit.seed, 20 + index as u64);
}

#[test]
fn callback_sees_every_iteration_and_can_stop() {
    let seen = Rc::new(Cell::new(0usize));
    let counter = Rc::clone(&seen);
    let fit = SimplexNmf::new(3)
        .tolerance(0.0)
        .callback(move |info| {
            assert_eq!(info.iteration, counter.get());
            assert!(info.cost.is_finite());
            counter.set(counter.get() + 1);
            if info.iteration == 49 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .fit(&seed_problem(7))
        .expect("fit succeeds");
    assert_eq!(seen.get(), 50);
    assert_eq!(fit.iterations, 50);
    assert!(fit.stopped_by_callback);
    assert!(!fit.converged);
}

#[test]
fn tolerance_stops_before_iteration_limit() {
    let fit = SimplexNmf::new(3)
        .iterations(20_000)
        .tolerance(1e-4)
        .fit(&seed_problem(8))
        .expect("fit succeeds");
    assert!(fit.converged);
    assert!(fit.iterations < 20_000, "ran {} iterations", fit.iterations);
}

#[test]
fn path_trades_error_for_sparsity() {
    let a = sparse_mixture(24, 60, 3, 0.3, 5).a
        + Matrix::from_fn(24, 60, |i, j| {
            // Deterministic noise of about 5% of the data's size.
            0.05 * (((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.5)
        });
    let weights = [0.0, 1.0, 10.0, 100.0];
    let path = SimplexNmf::new(3)
        .iterations(1500)
        .path(&a, &weights)
        .expect("path succeeds");
    assert_eq!(path.len(), weights.len());
    for (point, &lambda) in path.iter().zip(&weights) {
        assert_eq!(point.prior_weight, lambda);
        assert_eq!(point.fit.prior_weight, lambda);
        assert_eq!(point.relative_error, point.fit.relative_error);
    }
    let first = &path[0];
    let last = &path[weights.len() - 1];
    assert!(
        last.sparsity.median_max_weight > first.sparsity.median_max_weight,
        "sparsity did not grow along the path: {:?} -> {:?}",
        first.sparsity,
        last.sparsity
    );
    assert!(last.relative_error >= first.relative_error - 1e-3);
}

#[test]
fn scaling_by_mean_balances_series() {
    // Two shapes, one series 250 times larger than the others.
    let truth = sparse_mixture(40, 12, 2, 0.3, 9);
    let mut a = truth.a.clone();
    a.column_mut(0).scale_mut(250.0);
    let fit = SimplexNmf::new(2)
        .scaling(Scaling::Mean)
        .iterations(2000)
        .fit(&a)
        .expect("fit succeeds");
    let scale = fit.scale.as_ref().expect("scale factors are reported");
    assert_eq!(scale.len(), 12);
    let mean0 = a.column(0).mean();
    assert!((scale[0] - mean0).abs() <= 1e-12 * mean0);
    // The reconstruction is in the units of the input.
    let reconstruction = fit.reconstruction();
    assert!(ferroflux_factorize::relative_error(&a, &reconstruction) == fit.relative_error);
    assert!(
        fit.relative_error < 0.02,
        "relative error {}",
        fit.relative_error
    );
}

#[test]
fn diagnostics_of_duplicated_component() {
    // With k = 3 on rank-2 data, two components can only repeat a shape.
    let truth = sparse_mixture(30, 20, 2, 0.3, 10);
    let fit = SimplexNmf::new(3)
        .iterations(1500)
        .fit(&truth.a)
        .expect("fit succeeds");
    let correlation = fit.component_correlation();
    assert_eq!(correlation.shape(), (3, 3));
    for i in 0..3 {
        assert_eq!(correlation[(i, i)], 1.0);
        for j in 0..3 {
            assert_eq!(correlation[(i, j)], correlation[(j, i)]);
        }
    }
    let dominant = fit.dominant_components();
    assert_eq!(dominant.len(), 20);
    assert!(dominant.iter().all(|&c| c < 3));
    let pairs = fit.redundant_pairs(-1.0);
    assert_eq!(pairs.len(), 3, "every pair exceeds -1");
    assert!(
        pairs.windows(2).all(|p| p[0].2 >= p[1].2),
        "pairs are sorted"
    );
    let sparsity = fit.sparsity();
    assert!((0.0..=1.0).contains(&sparsity.share_above_0_9));
    assert!(sparsity.median_max_weight >= 1.0 / 3.0 - 1e-12);
}

#[test]
fn svd_baseline_metrics() {
    let a = seed_problem(1);
    let svd = svd_baseline(&a, 3).expect("SVD succeeds");
    assert!(
        svd.relative_error < 1e-12,
        "rank-3 data, error {}",
        svd.relative_error
    );
    assert_eq!(svd.u.shape(), (20, 3));
    assert_eq!(svd.vt.shape(), (3, 10));
    assert_eq!(svd.s.len(), 3);
    assert_eq!(svd.dominant_components.len(), 10);
    let svd1 = svd_baseline(&a, 1).expect("SVD succeeds");
    assert!(svd1.relative_error > svd.relative_error);
    assert_eq!(
        svd1.sparsity.median_max_weight, 1.0,
        "one component takes all the weight"
    );
}

// ---- error paths ----

#[test]
fn svd_baseline_rejects_k_above_rank() {
    // `seed_problem` is an exact product of rank 3.
    let a = seed_problem(1);
    let error = svd_baseline(&a, 4).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::BaselineRankTooLarge {
                k: 4,
                rank: 3,
                rows: 20,
                cols: 10,
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("rank-4 SVD baseline"), "{message}");
    assert!(message.contains("20x10"), "{message}");
    assert!(message.contains("use k <= 3"), "{message}");
    assert!(!message.contains("rank_k_svd"), "{message}");
    // The tolerance is rounded to two significant digits.
    let tolerance = message
        .split("singular values above ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the message states the tolerance");
    assert_eq!(
        tolerance.split('e').next().map(str::len),
        Some(3),
        "{message}"
    );

    // More components than time steps: 2 rows give rank 2 at most.
    let short = Matrix::from_row_slice(2, 4, &[1.0, 2.0, 3.0, 4.0, 2.0, 1.0, 0.0, 5.0]);
    let error = svd_baseline(&short, 3).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::BaselineRankTooLarge { k: 3, rank: 2, .. }
        ),
        "{error}"
    );
}

#[test]
fn rejects_empty_matrix() {
    let error = SimplexNmf::new(1).fit(&Matrix::zeros(0, 3)).unwrap_err();
    assert!(
        matches!(error, FactorizeError::EmptyMatrix { rows: 0, cols: 3 }),
        "{error}"
    );
}

#[test]
fn rejects_non_finite_value_with_position() {
    let mut a = seed_problem(1);
    a[(4, 7)] = f64::NAN;
    a[(9, 2)] = f64::INFINITY;
    let error = SimplexNmf::new(3).fit(&a).unwrap_err();
    assert!(
        matches!(error, FactorizeError::NonFinite { row: 4, col: 7, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("row 4") && message.contains("column 7"),
        "{message}"
    );
}

#[test]
fn rejects_bad_rank() {
    let a = seed_problem(1);
    for k in [0, 11] {
        let error = SimplexNmf::new(k).fit(&a).unwrap_err();
        assert!(
            matches!(error, FactorizeError::InvalidRank { n: 10, .. }),
            "{error}"
        );
        assert!(error.to_string().contains(&format!("k = {k}")), "{error}");
    }
    assert!(matches!(
        svd_baseline(&a, 0),
        Err(FactorizeError::InvalidRank { .. })
    ));
}

#[test]
fn rejects_extra_components_beyond_series() {
    let a = seed_problem(1);
    let error = SimplexNmf::new(3).extra_components(8).fit(&a).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::TooManyComponents {
                k: 3,
                extra: 8,
                n: 10
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("at most 7"), "{error}");
    assert!(SimplexNmf::new(3)
        .extra_components(7)
        .iterations(5)
        .fit(&a)
        .is_ok());
    // One extra component stays allowed at k = n, as the Flux example's
    // preset fits k + 1.
    assert_eq!(ferroflux_factorize::max_extra_components(10, 10), 1);
}

#[test]
fn rejects_non_positive_alpha() {
    let a = seed_problem(1);
    for alpha in [0.0, -0.5, f64::NAN] {
        let error = SimplexNmf::new(3).alpha(alpha).fit(&a).unwrap_err();
        assert!(
            matches!(error, FactorizeError::InvalidAlpha { .. }),
            "{error}"
        );
    }
}

#[test]
fn rejects_all_zero_data() {
    let error = SimplexNmf::new(2).fit(&Matrix::zeros(5, 4)).unwrap_err();
    assert!(
        matches!(error, FactorizeError::AllZero { rows: 5, cols: 4 }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("at least one entry other than zero"),
        "{error}"
    );
}

#[test]
fn rejects_bad_settings() {
    let a = seed_problem(1);
    let cases = [
        ("learning_rate", SimplexNmf::new(3).learning_rate(0.0)),
        ("iterations", SimplexNmf::new(3).iterations(0)),
        ("tolerance", SimplexNmf::new(3).tolerance(-1.0)),
        ("restarts", SimplexNmf::new(3).restarts(0)),
        ("prior_weight", SimplexNmf::new(3).prior_weight(-1.0)),
        ("smoothing", SimplexNmf::new(3).smoothing(0.0)),
        ("basis_ridge", SimplexNmf::new(3).basis_ridge(f64::INFINITY)),
    ];
    for (name, builder) in cases {
        let error = builder.fit(&a).unwrap_err();
        assert!(
            matches!(error, FactorizeError::InvalidSetting { name: n, .. } if n == name),
            "{name}: {error}"
        );
    }
    let error = SimplexNmf::new(3).path(&a, &[]).unwrap_err();
    assert!(matches!(
        error,
        FactorizeError::InvalidSetting {
            name: "prior_weights",
            ..
        }
    ));
}

#[test]
fn rejects_scaling_of_zero_series() {
    let mut a = seed_problem(1);
    a.column_mut(3).fill(0.0);
    for scaling in [Scaling::Mean, Scaling::StdDev] {
        let error = SimplexNmf::new(3).scaling(scaling).fit(&a).unwrap_err();
        assert!(
            matches!(error, FactorizeError::ZeroSeries { series: 3, .. }),
            "{scaling:?}: {error}"
        );
        assert!(
            error.to_string().contains("Scaling::None"),
            "{scaling:?}: {error}"
        );
    }
}

/// The scaling that the error suggests must work on the same data.
#[test]
fn scaling_advice_leads_to_working_scaling() {
    let mut constant = seed_problem(1);
    constant.column_mut(3).fill(0.5);
    let mut zero_mean = seed_problem(1);
    for (i, x) in zero_mean.column_mut(3).iter_mut().enumerate() {
        *x = if i % 2 == 0 { 1.0 } else { -1.0 };
    }
    for (a, scaling, advice) in [
        (&constant, Scaling::StdDev, Scaling::Mean),
        (&zero_mean, Scaling::Mean, Scaling::StdDev),
    ] {
        let error = SimplexNmf::new(3).scaling(scaling).fit(a).unwrap_err();
        assert!(
            matches!(error, FactorizeError::Scaling { series: 3, .. }),
            "{scaling:?}: {error}"
        );
        assert!(
            error.to_string().contains(&format!("Scaling::{advice:?}")),
            "{scaling:?}: {error}"
        );
        let fit = SimplexNmf::new(3).scaling(advice).iterations(5).fit(a);
        assert!(fit.is_ok(), "{advice:?}: {:?}", fit.err());
    }
}

#[test]
fn reports_divergence_with_iteration() {
    // A step size of 1e305 throws W near f64::MAX on the first update, so
    // ‖A - W·H‖ overflows on the next evaluation.
    let error = SimplexNmf::new(2)
        .objective(Objective::Seed)
        .learning_rate(1e305)
        .fit(&seed_problem(0))
        .unwrap_err();
    match error {
        FactorizeError::Diverged { iteration, cost } => {
            assert!(iteration <= 2, "diverged only at iteration {iteration}");
            assert!(!cost.is_finite());
        }
        other => panic!("expected Diverged, got {other}"),
    }
}

#[test]
fn fit_serialises_matrices_by_rows() {
    let fit = SimplexNmf::new(2)
        .iterations(50)
        .fit(&seed_problem(3))
        .expect("fit succeeds");
    let json: serde_json::Value = serde_json::to_value(&fit).expect("NmfFit serialises");
    assert_eq!(json["h"]["rows"], 2);
    assert_eq!(json["h"]["cols"], 10);
    let first_row = json["h"]["data"][0].as_array().expect("rows are arrays");
    assert_eq!(first_row.len(), 10);
    assert_eq!(first_row[3].as_f64(), Some(fit.h[(0, 3)]));
    assert_eq!(json["objective"], "Gaussian");
    assert_eq!(
        json["loss_trace"].as_array().map(Vec::len),
        Some(fit.iterations)
    );
    let svd = serde_json::to_value(svd_baseline(&seed_problem(3), 2).unwrap()).unwrap();
    assert_eq!(svd["vt"]["rows"], 2);
}

#[test]
fn more_components_than_series() {
    // k = n = 10 plus one extra component: K = 11 basis series for 10 series.
    let a = seed_problem(12);
    for init in [Init::Random, Init::Svd, Init::KMeansPlusPlus] {
        let fit = SimplexNmf::new(10)
            .extra_components(1)
            .init(init)
            .iterations(200)
            .fit(&a)
            .unwrap_or_else(|e| panic!("{init:?}: {e}"));
        assert_eq!(fit.h.shape(), (11, 10), "{init:?}");
        assert!(fit.w.iter().all(|x| x.is_finite()), "{init:?}");
        assert_on_simplex(&fit);
    }
}

/// Data near the top of the f64 range: the sums of squares behind the
/// default objective's normalisation and the standard-deviation scaling
/// overflowed, and the fit diverged at iteration 1 with advice that could
/// not help. The gaussian objective rescales the data, so it must fit them
/// as it fits the same data divided by 1e298; the seed objective cannot,
/// and must say so with the value and its place.
#[test]
fn huge_values_fit_like_their_scaled_copy() {
    let a = seed_problem(3).map(|x| (x + 1.0) * 1e298);
    let small = a.map(|x| x / 1e298);
    for scaling in [Scaling::None, Scaling::Mean, Scaling::StdDev] {
        let fit = |data: &Matrix<f64>| {
            SimplexNmf::new(3)
                .scaling(scaling)
                .iterations(200)
                .fit(data)
                .unwrap_or_else(|e| panic!("{scaling:?}: {e}"))
        };
        let (huge, reference) = (fit(&a), fit(&small));
        assert!(
            (huge.relative_error - reference.relative_error).abs() < 1e-9,
            "{scaling:?}: {} against {}",
            huge.relative_error,
            reference.relative_error
        );
        assert!(huge.w.iter().all(|x| x.is_finite()), "{scaling:?}");
        let (r_huge, r_small) = (
            huge.component_correlation(),
            reference.component_correlation(),
        );
        assert!(
            (&r_huge - &r_small).amax() < 1e-9,
            "{scaling:?}: {r_huge} against {r_small}"
        );
    }
    let error = SimplexNmf::seed_preset(3).fit(&a).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FactorizeError::TooLarge { .. }), "{text}");
    assert!(
        text.contains("e298") && text.contains("divide the data"),
        "{text}"
    );
}

/// Data near the bottom of the f64 range. The root mean square that
/// normalises the data for the default objective underflowed to 0, so the
/// data became inf inside the fit, and the fit failed with an SVD error that
/// blamed the input. The fit must not depend on the data's scale at either
/// end of the range, with every scaling. The seed objective is not scale
/// invariant, so it must reject the data as too small.
#[test]
fn tiny_values_fit_like_their_scaled_copy() {
    let a = Matrix::from_column_slice(
        4,
        3,
        &[1.0, 2.0, 3.0, 4.0, 2.0, 1.0, 0.5, 3.0, 4.0, 4.0, 1.0, 2.0],
    );
    for scaling in [Scaling::None, Scaling::Mean, Scaling::StdDev] {
        let fit = |data: &Matrix<f64>| {
            SimplexNmf::new(2)
                .scaling(scaling)
                .iterations(300)
                .fit(data)
                .unwrap_or_else(|e| panic!("{scaling:?}: {e}"))
        };
        let reference = fit(&a);
        for scale in [1e-170, 1e-200, 1e-300, 1e306] {
            let scaled = fit(&(&a * scale));
            assert!(
                (scaled.relative_error - reference.relative_error).abs() < 1e-9,
                "{scaling:?} at {scale:e}: {} against {}",
                scaled.relative_error,
                reference.relative_error
            );
            // Per-series scaling divides the scale out of W already.
            let unit = if scaling == Scaling::None { scale } else { 1.0 };
            let basis = &scaled.w / unit;
            assert!(
                (&basis - &reference.w).amax() < 1e-6 * reference.w.amax(),
                "{scaling:?} at {scale:e}: W in units of the scale is {basis}, against {}",
                reference.w
            );
        }
    }
    let baseline = svd_baseline(&(&a * 1e-200), 2).unwrap();
    let reference = svd_baseline(&a, 2).unwrap();
    assert!((baseline.relative_error - reference.relative_error).abs() < 1e-12);

    let error = SimplexNmf::seed_preset(2).fit(&(&a * 1e-200)).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FactorizeError::TooSmall { .. }), "{text}");
    assert!(text.contains("4e-200"), "{text}");
    assert!(text.contains("multiply the data"), "{text}");
}

/// A regularisation path of the seed objective shows no trade-off
/// between error and sparsity. With the Flux example's settings, each
/// point adds 2000 steps to the unconverged point before it, so the error
/// falls along a path of prior weights 0, 1, 10 just as it does along a
/// path of zeros. And with enough steps every weight λ > 0 drives every
/// series to a corner, because the cost has no minimum for α < 1.
#[test]
fn seed_path_error_follows_steps_not_prior() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/elnino_sst_monthly_12x61.csv");
    let a = ferroflux_factorize::read_series_csv(&path)
        .expect("shipped El Niño data")
        .values;
    let preset = SimplexNmf::seed_preset(3);
    let weighted = preset.path(&a, &[0.0, 1.0, 10.0]).unwrap();
    let unweighted = preset.path(&a, &[0.0, 0.0, 0.0]).unwrap();
    for (with_prior, without) in weighted.iter().zip(&unweighted) {
        let gap = (with_prior.relative_error - without.relative_error).abs();
        assert!(
            gap < 0.05 * without.relative_error,
            "λ = {}: {} against {} without prior",
            with_prior.prior_weight,
            with_prior.relative_error,
            without.relative_error
        );
    }
    assert!(weighted[2].relative_error < weighted[1].relative_error);
    assert!(weighted[1].relative_error < weighted[0].relative_error);

    let converged = |lambda: f64| {
        preset
            .clone()
            .extra_components(0)
            .learning_rate(0.01)
            .iterations(3000)
            .prior_weight(lambda)
            .fit(&a)
            .unwrap()
            .sparsity()
            .share_above_0_9
    };
    assert_eq!(converged(1.0), 1.0);
    assert_eq!(converged(10.0), 1.0);
}
