//! Measures how readable the default fit is on the four problems a new user
//! tried (k = 3): relative error, sparsity of `H`, components that dominate
//! no series, the range of the basis series against the data's, and for the
//! Italy power days how well the components follow the two seasons. Also
//! prints the warnings of each fit.
//!
//! Run with `cargo run --release -p ferroflux-factorize --example basis_quality`.
//! To measure other settings, pass a basis ridge, a prior weight, an
//! initialisation (`svd`, `kmeans++` or `random`) and a number of restarts,
//! as in `-- 0.01 0.03 kmeans++ 4`. Trailing arguments may be left out.

use std::path::Path;

use ferroflux_factorize::{read_series_csv, seed_problem, FactorizeError, Init, SimplexNmf};

const USAGE: &str = "arguments: [BASIS_RIDGE [PRIOR_WEIGHT [svd|kmeans++|random [RESTARTS]]]]";

mod italy;

use italy::{read_labels, seasons};

fn main() -> Result<(), FactorizeError> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<f64> = raw
        .iter()
        .take(2)
        .map(|a| a.parse().expect(USAGE))
        .collect();
    let init = match raw.get(2).map(String::as_str) {
        None | Some("svd") => Init::Svd,
        Some("kmeans++") => Init::KMeansPlusPlus,
        Some("random") => Init::Random,
        Some(_) => panic!("{USAGE}"),
    };
    let restarts: usize = raw.get(3).map_or(1, |r| r.parse().expect(USAGE));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let labels = read_labels(root);
    let data = [
        (
            "fertility",
            read_series_csv(&root.join("data/world_fertility_52x188.csv"))?.values,
        ),
        (
            "El Niño",
            read_series_csv(&root.join("data/elnino_sst_monthly_12x61.csv"))?.values,
        ),
        (
            "Italy power",
            read_series_csv(&root.join("tests/data/italy_power_demand_24x1096.csv"))?.values,
        ),
        ("seed_problem(0)", seed_problem(0)),
    ];
    println!("| data (k = 3) | relative error | median max weight | empty | out of range | basis range | data range | iterations | seasons |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, a) in &data {
        let mut builder = SimplexNmf::new(3).init(init).restarts(restarts);
        if let Some(&mu) = args.first() {
            builder = builder.basis_ridge(mu);
        }
        if let Some(&lambda) = args.get(1) {
            builder = builder.prior_weight(lambda);
        }
        let fit = builder.fit(a)?;
        let seasons = if *name == "Italy power" {
            seasons(&fit, &labels)
        } else {
            String::new()
        };
        let warnings = fit.warnings();
        let count = |kind: &str| warnings.iter().filter(|w| w.kind() == kind).count();
        println!(
            "| {name} | {:.3} | {:.2} | {} | {} | {:.2} to {:.2} | {:.2} to {:.2} | {}{} | {seasons} |",
            fit.relative_error,
            fit.sparsity().median_max_weight,
            count("empty_component"),
            count("basis_out_of_range"),
            fit.w.min(),
            fit.w.max(),
            fit.data_range[0],
            fit.data_range[1],
            fit.iterations,
            if fit.converged { "" } else { " (limit)" },
        );
        for warning in &warnings {
            eprintln!("  {name}: {warning}");
        }
    }
    Ok(())
}
