//! Prints the measurements behind the default objective: relative error and
//! sparsity of `H` for the rank-k SVD, the Flux example's Seed cost, a simplex
//! fit without prior, the default, and a stronger prior, on the shipped data
//! and the test data. For the Italy power days it also prints how well the
//! dominant components follow the two seasons.
//!
//! Run with `cargo run --release -p ferroflux-factorize --example defaults_table`.

use std::path::Path;

use ferroflux_factorize::{
    read_series_csv, svd_baseline, FactorizeError, Scaling, SimplexNmf, Sparsity,
};

mod italy;

use italy::{read_labels, seasons};

fn main() -> Result<(), FactorizeError> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let italy_labels = read_labels(root);
    let datasets = [
        (
            "fertility",
            "data/world_fertility_52x188.csv",
            Scaling::None,
            None,
        ),
        (
            "Italy power",
            "tests/data/italy_power_demand_24x1096.csv",
            Scaling::None,
            Some(&italy_labels),
        ),
        (
            "El Niño",
            "data/elnino_sst_monthly_12x61.csv",
            Scaling::None,
            None,
        ),
        (
            "US employment",
            "tests/data/us_employment_120x22.csv",
            Scaling::Mean,
            None,
        ),
    ];
    println!("| data (k = 3) | fit | relative error | median max weight | share > 0.9 | seasons |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, file, scaling, labels) in datasets {
        let a = read_series_csv(&root.join(file))?.values;
        let svd = svd_baseline(&a, 3)?;
        row(name, "rank-3 SVD", svd.relative_error, svd.sparsity, None);
        let fits = [
            (
                "Seed: α = 0.2, λ = 1 (η 0.01, 5000 steps)",
                SimplexNmf::seed_preset(3)
                    .extra_components(0)
                    .learning_rate(0.01)
                    .iterations(5000),
            ),
            (
                "Gaussian, no prior (λ = 0)",
                SimplexNmf::new(3).prior_weight(0.0),
            ),
            ("default: Gaussian, λ = 0.03", SimplexNmf::new(3)),
            ("Gaussian, λ = 0.3", SimplexNmf::new(3).prior_weight(0.3)),
            ("Gaussian, λ = 3", SimplexNmf::new(3).prior_weight(3.0)),
        ];
        for (label, builder) in fits {
            let fit = builder.scaling(scaling).fit(&a)?;
            let seasons = labels.map(|l| seasons(&fit, l));
            row(name, label, fit.relative_error, fit.sparsity(), seasons);
        }
    }
    Ok(())
}

fn row(data: &str, fit: &str, error: f64, sparsity: Sparsity, seasons: Option<String>) {
    println!(
        "| {data} | {fit} | {error:.3} | {:.2} | {:.2} | {} |",
        sparsity.median_max_weight,
        sparsity.share_above_0_9,
        seasons.unwrap_or_default()
    );
}
