//! Checks how reliably a prior weight separates the two seasons of the Italy
//! power days: fits k = 3 on the full data and on every `stride`-th day from
//! several offsets, and counts the fits in which at least two components each
//! dominate 5% or more of the days with 90% or more from one season.
//!
//! Run with `cargo run --release -p ferroflux-factorize --example italy_seasons -- 0.03`
//! (the argument is the prior weight λ; the other settings are the defaults).

use std::path::Path;

use ferroflux_factorize::{read_series_csv, FactorizeError, SimplexNmf};

fn main() -> Result<(), FactorizeError> {
    let prior_weight: f64 = std::env::args().nth(1).map_or(0.03, |text| {
        text.parse().expect("the prior weight is a number")
    });
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let a = read_series_csv(&root.join("italy_power_demand_24x1096.csv"))?.values;
    let labels: Vec<u8> = std::fs::read_to_string(root.join("italy_power_demand_labels.csv"))
        .expect("the labels file is readable")
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
        .collect();

    let mut separated = 0;
    let mut total = 0;
    for stride in [1usize, 2, 3, 4, 5] {
        for offset in 0..stride.min(3) {
            let kept: Vec<usize> = (offset..a.ncols()).step_by(stride).collect();
            let days = a.select_columns(&kept);
            let fit = SimplexNmf::new(3).prior_weight(prior_weight).fit(&days)?;
            let dominant = fit.dominant_components();
            let mut pure = 0;
            for c in 0..3 {
                let members: Vec<u8> = dominant
                    .iter()
                    .zip(&kept)
                    .filter(|(d, _)| **d == c)
                    .map(|(_, &j)| labels[j])
                    .collect();
                let ones = members.iter().filter(|&&l| l == 1).count();
                let majority = ones.max(members.len() - ones) as f64;
                if members.len() * 20 >= kept.len() && majority >= 0.9 * members.len() as f64 {
                    pure += 1;
                }
            }
            total += 1;
            if pure >= 2 {
                separated += 1;
            }
            println!(
                "stride {stride}, offset {offset}: {pure} pure components, relative error {:.3}, median max weight {:.2}",
                fit.relative_error,
                fit.sparsity().median_max_weight
            );
        }
    }
    println!("λ = {prior_weight}: seasons separated in {separated} of {total} fits");
    Ok(())
}
