//! `NmfFit::warnings` on real fits: basis series outside the data range on
//! the shipped fertility data, a component that dominates no series on the
//! Flux example's problem, the iteration limit, series of very different
//! size fitted without scaling, and the serialised form.

use std::ops::ControlFlow;
use std::path::Path;

use ferroflux_factorize::{
    read_series_csv, seed_problem, FitWarning, Init, LikelyCause, Matrix, NmfFit, Objective,
    Scaling, SimplexNmf, BASIS_RANGE_MARGIN, POOR_FIT_ERROR, UNSCALED_SIZE_RATIO,
};

fn fertility() -> Matrix<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/world_fertility_52x188.csv");
    read_series_csv(&path)
        .expect("shipped fertility data")
        .values
}

fn kinds(warnings: &[FitWarning]) -> Vec<&'static str> {
    warnings.iter().map(FitWarning::kind).collect()
}

#[test]
fn fertility_bases_outside_data_range() {
    let a = fertility();
    let fit = SimplexNmf::new(3).fit(&a).unwrap();

    // Without per-series scaling the data range is the input's own range.
    assert_eq!(fit.data_range, [a.min(), a.max()]);
    assert!((fit.data_range[0] - 0.836).abs() < 1e-3);
    assert!((fit.data_range[1] - 9.22).abs() < 1e-2);

    let warnings = fit.warnings();
    assert_eq!(kinds(&warnings), ["basis_out_of_range"; 2]);
    let components: Vec<Option<usize>> = warnings.iter().map(FitWarning::component).collect();
    assert_eq!(components, [Some(1), Some(2)]);

    let reach = BASIS_RANGE_MARGIN * (a.max() - a.min());
    for warning in &warnings {
        let FitWarning::BasisOutOfRange {
            component,
            min,
            max,
            data_min,
            data_max,
            margin,
            basis_ridge,
        } = *warning
        else {
            panic!("unexpected warning {warning:?}");
        };
        assert_eq!(basis_ridge, Some(0.01));
        let column = fit.w.column(component);
        assert_eq!(min, column.min());
        assert_eq!(max, column.max());
        assert_eq!([data_min, data_max], fit.data_range);
        assert_eq!(margin, BASIS_RANGE_MARGIN);
        assert!(min < data_min - reach || max > data_max + reach);
    }
    // Basis 2 reaches above the data and basis 3 below it.
    assert!(fit.w.column(1).max() > a.max() + reach);
    assert!(fit.w.column(2).min() < a.min() - reach);
    // Basis 1 stays within the margin, so it is not reported.
    let first = fit.w.column(0);
    assert!(first.min() >= a.min() - reach);
    assert!(first.max() <= a.max() + reach);
}

#[test]
fn margin_scales_with_data_range() {
    let fit = SimplexNmf::new(3).fit(&fertility()).unwrap();
    // The data span 0.836 to 9.22 (range 8.38). Basis 2 reaches up to 13.1
    // and basis 3 down to -2.56. A margin of 0.45 (3.77) covers basis 3
    // only, and 0.5 (4.19) covers both.
    assert_eq!(fit.warnings_with_margin(0.25), fit.warnings());
    let wider = fit.warnings_with_margin(0.45);
    assert_eq!(kinds(&wider), ["basis_out_of_range"]);
    assert_eq!(wider[0].component(), Some(1));
    assert_eq!(fit.warnings_with_margin(0.5), []);
}

#[test]
fn basis_range_in_units_of_scaled_data() {
    use ferroflux_factorize::Scaling;

    let a = fertility();
    let fit = SimplexNmf::new(3).scaling(Scaling::Mean).fit(&a).unwrap();
    let scale = fit.scale.as_ref().expect("mean scaling stores the factors");
    let mut scaled = a.clone();
    for (mut column, &s) in scaled.column_iter_mut().zip(scale) {
        column /= s;
    }
    assert!((fit.data_range[0] - scaled.min()).abs() < 1e-12);
    assert!((fit.data_range[1] - scaled.max()).abs() < 1e-12);
}

#[test]
fn seed_problem_has_empty_component() {
    let fit = SimplexNmf::new(3).fit(&seed_problem(0)).unwrap();
    let warnings = fit.warnings();
    let empty: Vec<&FitWarning> = warnings
        .iter()
        .filter(|w| w.kind() == "empty_component")
        .collect();
    assert_eq!(empty.len(), 1, "warnings: {warnings:?}");
    let FitWarning::EmptyComponent {
        component,
        total_weight,
        weight_share,
        largest_weight,
        basis_ridge,
        prior_weight,
        ..
    } = *empty[0]
    else {
        unreachable!("filtered by kind");
    };
    assert_eq!(basis_ridge, Some(0.01));
    assert_eq!(prior_weight, 0.03);
    assert!(!fit.dominant_components().contains(&component));
    let row = fit.h.row(component);
    assert_eq!(total_weight, row.sum());
    assert_eq!(weight_share, row.sum() / 10.0);
    assert_eq!(largest_weight, row.max());
    // The component still carries weight: it is mixed into every series
    // without leading any of them.
    assert!(weight_share > 0.1);
    assert!(largest_weight < 0.5);
}

#[test]
fn not_converged_only_at_iteration_limit() {
    let a = fertility();

    let limited = SimplexNmf::new(3).iterations(50).fit(&a).unwrap();
    assert!(!limited.converged);
    assert_eq!(limited.iterations, 50);
    assert_eq!(limited.max_iterations, 50);
    let warnings = limited.warnings();
    let Some(FitWarning::NotConverged {
        iterations,
        last_relative_change,
        tolerance,
    }) = warnings
        .iter()
        .find(|w| w.kind() == "not_converged")
        .cloned()
    else {
        panic!("no not_converged warning in {warnings:?}");
    };
    assert_eq!(iterations, 50);
    assert_eq!(tolerance, 1e-6);
    let [.., previous, last] = limited.loss_trace.as_slice() else {
        panic!("trace of {} costs", limited.loss_trace.len());
    };
    assert_eq!(
        last_relative_change,
        (previous - last).abs() / previous.abs()
    );
    assert!(last_relative_change > tolerance);

    let converged = SimplexNmf::new(3).fit(&a).unwrap();
    assert!(converged.converged);
    assert!(converged.iterations < converged.max_iterations);
    assert!(!kinds(&converged.warnings()).contains(&"not_converged"));

    // Tolerance 0 requests every iteration, so reaching the limit is expected.
    let every = SimplexNmf::new(3)
        .iterations(50)
        .tolerance(0.0)
        .fit(&a)
        .unwrap();
    assert_eq!(every.iterations, 50);
    assert!(!kinds(&every.warnings()).contains(&"not_converged"));

    // A callback that stops the fit early is not a convergence failure.
    let stopped = SimplexNmf::new(3)
        .iterations(50)
        .callback(|info| {
            if info.iteration == 20 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .fit(&a)
        .unwrap();
    assert!(stopped.stopped_by_callback);
    assert!(!kinds(&stopped.warnings()).contains(&"not_converged"));
}

#[test]
fn warnings_serialise_with_kind_and_message() {
    let fit = SimplexNmf::new(3).fit(&fertility()).unwrap();
    let warnings = fit.warnings();
    let json = serde_json::to_value(&warnings).unwrap();
    let first = &json[0];
    assert_eq!(first["kind"], "basis_out_of_range");
    // Numbered from 1, as in the messages and the pictures.
    assert_eq!(first["component"], 2);
    assert_eq!(first["min"], fit.w.column(1).min());
    assert_eq!(first["max"], fit.w.column(1).max());
    assert_eq!(first["data_min"], fit.data_range[0]);
    assert_eq!(first["data_max"], fit.data_range[1]);
    assert_eq!(first["margin"], BASIS_RANGE_MARGIN);
    assert_eq!(first["message"], warnings[0].to_string());
    assert_eq!(json[1]["component"], 3);

    let text = warnings[0].to_string();
    assert!(text.starts_with("basis 2 spans 3.43 to 13.1 while the data span 0.836 to 9.22"));
}

#[test]
fn fit_report_includes_new_fields() {
    let fit: NmfFit = SimplexNmf::new(3)
        .iterations(50)
        .fit(&seed_problem(0))
        .unwrap();
    let json = serde_json::to_value(&fit).unwrap();
    assert_eq!(json["max_iterations"], 50);
    assert_eq!(json["tolerance"], 1e-6);
    assert_eq!(json["data_range"][0], fit.data_range[0]);
    assert_eq!(json["data_range"][1], fit.data_range[1]);
}

#[test]
fn employment_without_scaling_is_reported() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/us_employment_120x22.csv");
    let data = read_series_csv(&path).expect("shipped employment data");
    let names = data.names.expect("header row");
    let unscaled = SimplexNmf::new(3)
        .iterations(200)
        .fit(&data.values)
        .unwrap();
    let warnings = unscaled.warnings();
    let Some(&FitWarning::UnscaledSeries {
        smallest,
        smallest_rms,
        largest,
        largest_rms,
    }) = warnings.iter().find(|w| w.kind() == "unscaled_series")
    else {
        panic!("no unscaled_series warning in {warnings:?}");
    };
    // Utilities employ about 554 thousand people, all nonfarm jobs about
    // 136 million: a factor of about 245.
    assert_eq!(names[smallest], "utilities");
    assert_eq!(names[largest], "nonfarm");
    assert!((smallest_rms - 553.76).abs() < 0.01, "{smallest_rms}");
    assert!((largest_rms - 135_705.3).abs() < 0.1, "{largest_rms}");
    assert!(largest_rms / smallest_rms > UNSCALED_SIZE_RATIO);
    let message = warnings
        .iter()
        .find(|w| w.kind() == "unscaled_series")
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("the series differ in size by a factor of 245 "),
        "{message}"
    );
    assert!(message.contains("column 15 against"), "{message}");
    assert!(message.contains("per-series scaling (mean)"), "{message}");

    let scaled = SimplexNmf::new(3)
        .scaling(Scaling::Mean)
        .iterations(200)
        .fit(&data.values)
        .unwrap();
    assert!(!kinds(&scaled.warnings()).contains(&"unscaled_series"));
}

/// Returns the longest run of digits in `text`.
fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[test]
fn messages_stay_compact_at_any_scale() {
    let a = fertility();
    // The fit does not depend on the scale, so each scaled fit gets the
    // two basis_out_of_range warnings of the unscaled one.
    let cases = [
        (
            1e150,
            "e150",
            "3.43e150 to 1.31e151 while the data span 8.36e149 to 9.22e150",
        ),
        (
            1e-150,
            "e-150",
            "3.43e-150 to 1.31e-149 while the data span 8.36e-151 to 9.22e-150",
        ),
        (
            1e-9,
            "e-9",
            "3.43e-9 to 1.31e-8 while the data span 8.36e-10 to 9.22e-9",
        ),
    ];
    for (scale, exponent, spans) in cases {
        let fit = SimplexNmf::new(3).fit(&(&a * scale)).unwrap();
        let warnings = fit.warnings();
        assert_eq!(kinds(&warnings), ["basis_out_of_range"; 2], "{scale:e}");
        for warning in &warnings {
            let text = warning.to_string();
            assert!(longest_digit_run(&text) <= 3, "{scale:e}: {text}");
            assert!(text.contains(exponent), "{scale:e}: {text}");
        }
        let first = warnings[0].to_string();
        let expected = format!("basis 2 spans {spans}");
        assert!(first.starts_with(&expected), "{first}");
    }
}

#[test]
fn one_iteration_reports_no_measured_change() {
    let fit = SimplexNmf::new(3).iterations(1).fit(&fertility()).unwrap();
    let warnings = fit.warnings();
    let message = warnings
        .iter()
        .find(|w| w.kind() == "not_converged")
        .expect("one iteration cannot converge")
        .to_string();
    assert!(
        message.starts_with("the fit stopped at the limit of 1 iteration, before a change"),
        "{message}"
    );
    assert!(!message.contains("NaN"), "{message}");
    assert!(!message.contains("1 iterations"), "{message}");

    let two = SimplexNmf::new(3).iterations(2).fit(&fertility()).unwrap();
    let message = two
        .warnings()
        .iter()
        .find(|w| w.kind() == "not_converged")
        .expect("two iterations cannot converge")
        .to_string();
    assert!(
        message.starts_with("the fit stopped at the limit of 2 iterations with the cost"),
        "{message}"
    );
}

/// Returns the causes of the poor_fit warning of `fit`, which must be the
/// first warning.
fn poor_fit_causes(fit: &NmfFit) -> Vec<LikelyCause> {
    let warnings = fit.warnings();
    let Some(FitWarning::PoorFit {
        relative_error,
        causes,
    }) = warnings.first()
    else {
        panic!("expected poor_fit first, got {warnings:?}");
    };
    assert_eq!(*relative_error, fit.relative_error);
    causes.clone()
}

#[test]
fn huge_basis_ridge_named_as_cause() {
    let fit = SimplexNmf::new(3)
        .basis_ridge(1e20)
        .fit(&fertility())
        .unwrap();
    assert!(fit.relative_error > 0.9999, "{}", fit.relative_error);
    let causes = poor_fit_causes(&fit);
    assert_eq!(causes, [LikelyCause::BasisRidge { basis_ridge: 1e20 }]);
    let message = fit.warnings()[0].to_string();
    assert_eq!(
        message,
        "the relative error is 1.00, so the fit explains almost none of the data (W·H = 0 has \
         relative error 1); likely cause: the basis ridge 1.00e20 flattens every basis series \
         towards zero (the default is 0.0100)"
    );
    let json = serde_json::to_value(&fit.warnings()[0]).unwrap();
    assert_eq!(json["kind"], "poor_fit");
    assert_eq!(json["causes"][0]["setting"], "basis_ridge");
    assert_eq!(json["causes"][0]["value"], 1e20);

    // The default fit of the same data explains it, so it gets no poor_fit.
    let default = SimplexNmf::new(3).fit(&fertility()).unwrap();
    assert!(default.relative_error < POOR_FIT_ERROR);
    assert!(!kinds(&default.warnings()).contains(&"poor_fit"));
}

#[test]
fn huge_seed_step_named_as_cause() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/elnino_sst_monthly_12x61.csv");
    let elnino = read_series_csv(&path).expect("shipped El Niño data").values;
    let fit = SimplexNmf::new(3)
        .objective(Objective::Seed)
        .learning_rate(1e6)
        .iterations(300)
        .fit(&elnino)
        .unwrap();
    assert!(fit.relative_error > 1.0, "{}", fit.relative_error);
    let causes = poor_fit_causes(&fit);
    // The suggestion is the default 0.02 times the data's largest value.
    let suggested = 0.02 * elnino.max();
    assert_eq!(
        causes,
        [LikelyCause::LearningRate {
            learning_rate: 1e6,
            suggested,
        }]
    );
    let message = fit.warnings()[0].to_string();
    assert!(
        message.ends_with(
            "likely cause: the learning rate 1.00e6 takes steps too large for data of this \
             size (try 0.585 or less)"
        ),
        "{message}"
    );
}

#[test]
fn poor_fit_names_each_cause_that_applies() {
    let mut fit = SimplexNmf::new(3)
        .basis_ridge(1e20)
        .fit(&fertility())
        .unwrap();
    // The settings a fit records decide the causes, so this fit is changed
    // by hand to one that a loose tolerance stopped at once and that ran
    // with a huge prior weight.
    fit.tolerance = 2.0;
    fit.converged = true;
    fit.iterations = 11;
    fit.prior_weight = 1e6;
    let causes = poor_fit_causes(&fit);
    assert_eq!(
        causes,
        [
            LikelyCause::BasisRidge { basis_ridge: 1e20 },
            LikelyCause::PriorWeight { prior_weight: 1e6 },
            LikelyCause::Tolerance {
                tolerance: 2.0,
                iterations: 11,
            },
        ]
    );
    let message = fit.warnings()[0].to_string();
    assert!(
        message.contains(
            "likely causes: the basis ridge 1.00e20 flattens every basis series towards zero \
             (the default is 0.0100); the prior weight 1.00e6 is above 100, the largest weight \
             measured on the example data (the default is 0.0300); the tolerance 2.00 stopped the fit after 11 iterations (the default \
             is 1.00e-6)"
        ),
        "{message}"
    );

    // When no setting explains it, the warning points at the data.
    let mut plain = SimplexNmf::new(3).fit(&fertility()).unwrap();
    plain.relative_error = 0.97;
    assert_eq!(poor_fit_causes(&plain), []);
    let message = plain.warnings()[0].to_string();
    assert!(
        message.ends_with(
            "none of the basis ridge, prior weight, learning rate and tolerance explains it, so \
             the data may hold no structure that k components capture; compare with the \
             relative error of the rank-k SVD"
        ),
        "{message}"
    );
}

#[test]
fn out_of_range_advice_clears_fertility() {
    let a = fertility();
    let default = SimplexNmf::new(3).fit(&a).unwrap();
    for warning in default.warnings() {
        let text = warning.to_string();
        assert!(
            text.contains("; try the k-means++ initialisation with 8 restarts, "),
            "{text}"
        );
    }
    // The advice holds on these data: that start leaves every basis within
    // range and every component with a series.
    let kmeans = SimplexNmf::new(3)
        .init(Init::KMeansPlusPlus)
        .restarts(8)
        .fit(&a)
        .unwrap();
    assert_eq!(kmeans.warnings(), []);
}

#[test]
fn flattening_ridge_is_never_advised_larger() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/elnino_sst_monthly_12x61.csv");
    let elnino = read_series_csv(&path).expect("shipped El Niño data").values;
    for mu in [1e3, 1e20] {
        let fit = SimplexNmf::new(3).basis_ridge(mu).fit(&elnino).unwrap();
        let warnings = fit.warnings();
        let advised: Vec<&FitWarning> = warnings
            .iter()
            .filter(|w| matches!(w.kind(), "basis_out_of_range" | "empty_component"))
            .collect();
        assert!(!advised.is_empty(), "μ = {mu:e}: {warnings:?}");
        for warning in advised {
            let text = warning.to_string();
            assert!(!text.contains("larger basis ridge"), "μ = {mu:e}: {text}");
            assert!(
                text.contains("try a smaller basis ridge"),
                "μ = {mu:e}: {text}"
            );
        }
    }
}
