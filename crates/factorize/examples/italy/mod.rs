//! The Italy power demand season labels, shared by the examples that check
//! whether a fit separates the two seasons.

use std::path::Path;

use ferroflux_factorize::NmfFit;

/// Reads the season label (1 or 2) of each day from the crate's test data.
pub fn read_labels(root: &Path) -> Vec<u8> {
    std::fs::read_to_string(root.join("tests/data/italy_power_demand_labels.csv"))
        .expect("labels file")
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
        .collect()
}

/// Describes each component that dominates at least one day: the number of
/// days and the share of the majority season among them.
pub fn seasons(fit: &NmfFit, labels: &[u8]) -> String {
    let dominant = fit.dominant_components();
    let mut parts = Vec::new();
    for c in 0..fit.h.nrows() {
        let days: Vec<u8> = dominant
            .iter()
            .zip(labels)
            .filter(|(d, _)| **d == c)
            .map(|(_, l)| *l)
            .collect();
        if days.is_empty() {
            continue;
        }
        let ones = days.iter().filter(|&&l| l == 1).count();
        let share = ones.max(days.len() - ones) as f64 / days.len() as f64;
        parts.push(format!("{} days {:.0}%", days.len(), 100.0 * share));
    }
    parts.join(", ")
}
