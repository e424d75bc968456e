//! The short summary printed on stdout.

use std::fmt::Write;

use ferroflux::factorize::{NmfFit, PathPoint};

use crate::report::{components, describe_empty, empty_components, REDUNDANT_CORRELATION};
use crate::run::{LabeledFit, Outcome};

/// Series names listed per component before "and N more". A list that is
/// one name longer is shown whole, since "and 1 more" takes as much room as
/// the name.
const LISTED_NAMES: usize = 6;

/// Renders the summary: data, a table of errors and sparsity, the clusters
/// and the output folder.
pub fn render(outcome: &Outcome) -> String {
    let mut text = String::new();
    let k = outcome.k;
    let _ = writeln!(text, "data: {}", outcome.data.description);
    let _ = writeln!(text, "backend: {}", ferroflux::backend());
    let _ = writeln!(text);

    let svd_rank = outcome.svd_rank();
    let svd_label = format!("rank-{svd_rank} SVD (|Vᵀ|, normalised)");
    let width = outcome
        .fits
        .iter()
        .map(|f| f.label.chars().count())
        .chain([svd_label.chars().count()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        text,
        "{:width$}  {:>9}  {:>11}  {:>11}  {:>10}  {:>8}",
        "method", "rel.error", "median max", "share >0.9", "iterations", "seconds"
    );
    let svd = &outcome.svd;
    let _ = writeln!(
        text,
        "{:width$}  {:>9}  {:>11.3}  {:>11.3}  {:>10}  {:>8}",
        svd_label,
        format_error(svd.relative_error),
        svd.sparsity.median_max_weight,
        svd.sparsity.share_above_0_9,
        "-",
        "-"
    );
    for labeled in &outcome.fits {
        let fit = &labeled.fit;
        let sparsity = fit.sparsity();
        let iterations = format_iterations(fit);
        let _ = writeln!(
            text,
            "{:width$}  {:>9}  {:>11.3}  {:>11.3}  {:>10}  {:>8.3}",
            labeled.label,
            format_error(fit.relative_error),
            sparsity.median_max_weight,
            sparsity.share_above_0_9,
            iterations,
            fit.seconds
        );
    }
    let _ = writeln!(
        text,
        "(rel.error = ‖A − approximation‖ / ‖A‖; median max = median over series of the largest weight; \
         share >0.9 = share of series with a weight above 0.9)"
    );
    if let Some(note) = outcome.svd_rank_note() {
        let _ = writeln!(text, "({note})");
    }
    for labeled in &outcome.fits {
        let count = labeled.fit.h.nrows();
        if count > k {
            let _ = writeln!(
                text,
                "({} fits k + {} = {count} components, so its error is not comparable one to \
                 one with the rank-{svd_rank} SVD's)",
                labeled.label,
                count - k
            );
        }
    }

    if let Some(path) = &outcome.path {
        write_path_table(&mut text, path);
    }

    for labeled in &outcome.fits {
        write_components(&mut text, labeled, outcome);
    }
    for labeled in &outcome.fits {
        for (i, j, r) in labeled.fit.redundant_pairs(REDUNDANT_CORRELATION) {
            let _ = writeln!(
                text,
                "note: {}: basis series {} and {} have correlation {r:.3} > {REDUNDANT_CORRELATION}, \
                 so one of them is redundant (fewer components may do)",
                labeled.label,
                i + 1,
                j + 1
            );
        }
    }

    let _ = writeln!(
        text,
        "\nwrote {}: {}",
        outcome.out.display(),
        outcome.files.join(", ")
    );
    let _ = writeln!(
        text,
        "open {} to see the pictures and the series of each component",
        outcome.out.join("index.html").display()
    );
    text
}

/// Writes one row per prior weight of the regularisation path, in columns
/// under a header like the table of fits, so that the list of empty
/// components in the last column cannot be read as more columns.
fn write_path_table(text: &mut String, path: &[PathPoint]) {
    let _ = writeln!(
        text,
        "\nregularisation path (each fit starts from the one before it):"
    );
    let _ = writeln!(
        text,
        "  {:>12}  {:>9}  {:>11}  {:>11}  {:>10}  empty components",
        "prior weight", "rel.error", "median max", "share >0.9", "iterations"
    );
    for point in path {
        let _ = writeln!(
            text,
            "  {:>12}  {:>9}  {:>11.3}  {:>11.3}  {:>10}  {}",
            point.prior_weight,
            format_error(point.relative_error),
            point.sparsity.median_max_weight,
            point.sparsity.share_above_0_9,
            format_iterations(&point.fit),
            describe_empty(&empty_components(&point.fit))
        );
    }
}

/// Formats the iteration count of a fit, marking one that stopped at the
/// iteration limit with "(max)".
fn format_iterations(fit: &NmfFit) -> String {
    if fit.converged {
        fit.iterations.to_string()
    } else {
        format!("{} (max)", fit.iterations)
    }
}

/// Lists the series each component of one fit dominates, with the number of
/// components when the fit has more than k.
fn write_components(text: &mut String, labeled: &LabeledFit, outcome: &Outcome) {
    let count = labeled.fit.h.nrows();
    let extra = count.saturating_sub(outcome.k);
    if extra > 0 {
        let _ = writeln!(
            text,
            "\nseries per component ({}, {count} components = k + {extra}):",
            labeled.label
        );
    } else {
        let _ = writeln!(text, "\nseries per component ({}):", labeled.label);
    }
    for component in components(&labeled.fit, &outcome.data.display_names) {
        let mut line = format!(
            "  {}: {} series",
            component.component,
            component.series.len()
        );
        if !component.series.is_empty() {
            let _ = write!(line, ": {}", list_names(&component.series));
        }
        let _ = writeln!(text, "{line}");
    }
}

/// Joins the first [`LISTED_NAMES`] names with "; " and counts the rest as
/// "and N more", showing every name when at most one more would be hidden.
fn list_names(names: &[String]) -> String {
    if names.len() <= LISTED_NAMES + 1 {
        return names.join("; ");
    }
    let more = names.len() - LISTED_NAMES;
    format!("{} and {more} more", names[..LISTED_NAMES].join("; "))
}

/// Formats a relative error with four decimals, or in scientific notation
/// below 0.001 so that an exact fit does not read as 0.0000.
pub fn format_error(error: f64) -> String {
    if error != 0.0 && error.abs() < 1e-3 {
        format!("{error:.1e}")
    } else {
        format!("{error:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_hides_at_least_two() {
        let names: Vec<String> = (1..=8).map(|i| format!("s{i}")).collect();
        assert_eq!(list_names(&names[..1]), "s1");
        assert_eq!(list_names(&names[..6]), "s1; s2; s3; s4; s5; s6");
        assert_eq!(list_names(&names[..7]), "s1; s2; s3; s4; s5; s6; s7");
        assert_eq!(list_names(&names), "s1; s2; s3; s4; s5; s6 and 2 more");
    }

    #[test]
    fn format_error_keeps_small_values_visible() {
        assert_eq!(format_error(0.03812), "0.0381");
        assert_eq!(format_error(2.5e-9), "2.5e-9");
        assert_eq!(format_error(0.0), "0.0000");
    }
}
