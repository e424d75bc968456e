//! The Italy power demand days at k = 3: the default objective should find
//! the two seasons, which the Flux example's objective mixes.
//!
//! Data: `tests/data/italy_power_demand_24x1096.csv` and its labels, from the
//! UCR/UEA archive problem "ItalyPowerDemand" as shipped in sktime 1.2.0 (see
//! `tests/data/README.md`). Class 1 and class 2 are the October–March and
//! April–September days.

use std::path::Path;

use ferroflux_factorize::{read_series_csv, NmfFit, SimplexNmf};

/// Every `STRIDE`-th day of the file, to keep the test within a few seconds
/// in a debug build of the pure-Rust backend: 548 days, 277 of class 1 and
/// 271 of class 2.
const STRIDE: usize = 2;

fn data() -> (ferroflux_factorize::Matrix<f64>, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let a = read_series_csv(&root.join("italy_power_demand_24x1096.csv"))
        .expect("the Italy power file is readable")
        .values;
    let labels: Vec<u8> = std::fs::read_to_string(root.join("italy_power_demand_labels.csv"))
        .expect("the labels file is readable")
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(labels.len(), a.ncols());
    let kept: Vec<usize> = (0..a.ncols()).step_by(STRIDE).collect();
    let labels = kept.iter().map(|&j| labels[j]).collect();
    (a.select_columns(&kept), labels)
}

/// For each component: how many days it dominates and the share of the
/// majority label among them.
fn purity(fit: &NmfFit, labels: &[u8]) -> Vec<(usize, f64)> {
    let dominant = fit.dominant_components();
    (0..fit.h.nrows())
        .map(|c| {
            let days: Vec<u8> = dominant
                .iter()
                .zip(labels)
                .filter(|(d, _)| **d == c)
                .map(|(_, l)| *l)
                .collect();
            let ones = days.iter().filter(|&&l| l == 1).count();
            let share = if days.is_empty() {
                0.0
            } else {
                ones.max(days.len() - ones) as f64 / days.len() as f64
            };
            (days.len(), share)
        })
        .collect()
}

/// Counts the components with 90% or more of their days from one season.
/// A component needs real support to count: at least 5% of all days.
fn pure_components(purity: &[(usize, f64)]) -> usize {
    let total: usize = purity.iter().map(|(days, _)| days).sum();
    purity
        .iter()
        .filter(|(days, share)| days * 20 >= total && *share >= 0.9)
        .count()
}

#[test]
fn default_separates_the_seasons() {
    let (a, labels) = data();
    let fit = SimplexNmf::new(3)
        .fit(&a)
        .expect("the default fit succeeds");
    let purity = purity(&fit, &labels);
    assert!(
        pure_components(&purity) >= 2,
        "expected two components with >= 90% of their days from one season, got (days, share) {purity:?}"
    );
    assert!(
        fit.relative_error < 0.25,
        "relative error {}",
        fit.relative_error
    );
}

#[test]
fn seed_objective_mixes_the_seasons() {
    let (a, labels) = data();
    // The Flux example's cost (alpha = 0.2 at full weight) drives every day to
    // a vertex, regardless of the seasons.
    let fit = SimplexNmf::seed_preset(3)
        .extra_components(0)
        .learning_rate(0.01)
        .iterations(1500)
        .fit(&a)
        .expect("the Seed fit succeeds");
    let purity = purity(&fit, &labels);
    assert!(
        pure_components(&purity) == 0,
        "the Seed objective was expected to mix the seasons, got {purity:?}"
    );
    assert!(fit.sparsity().share_above_0_9 > 0.9, "{:?}", fit.sparsity());
}
