//! report.json: the numbers of a run in machine-readable form.

use ferroflux::factorize::{FitWarning, NmfFit, NmfSettings, Sparsity, KMEANS_START};
use serde::Serialize;

use crate::run::{LabeledFit, Outcome};

/// Correlation above which two basis series count as redundant.
pub const REDUNDANT_CORRELATION: f64 = 0.9;

#[derive(Serialize)]
struct Report<'a> {
    data: &'a str,
    time_steps: usize,
    series: usize,
    k: usize,
    backend: String,
    svd: SvdSummary<'a>,
    nmf: Vec<FitSummary<'a>>,
    path: Option<Vec<PathSummary>>,
    files: &'a [String],
}

#[derive(Serialize)]
struct SvdSummary<'a> {
    /// Components of the baseline: k, or the data's numerical rank if that
    /// is smaller.
    k: usize,
    /// Whether `k` is the data's numerical rank because the requested k is
    /// above it.
    limited_by_data_rank: bool,
    relative_error: f64,
    /// Sparsity of |Vᵀ| with each column divided by its sum.
    sparsity: Sparsity,
    singular_values: &'a [f64],
}

#[derive(Serialize)]
struct FitSummary<'a> {
    label: &'a str,
    settings: NmfSettings,
    relative_error: f64,
    sparsity: Sparsity,
    iterations: usize,
    converged: bool,
    seconds: f64,
    final_cost: f64,
    restart_costs: &'a [f64],
    noise_variance: Option<f64>,
    scale: Option<&'a [f64]>,
    components: Vec<Component>,
    redundant_pairs: Vec<RedundantPair>,
    warnings: Vec<FitWarning>,
    files: FitFiles,
}

#[derive(Serialize)]
struct FitFiles {
    w: String,
    h: String,
}

/// The series one component dominates.
#[derive(Serialize)]
pub struct Component {
    /// 1-based component number, as in the pictures.
    pub component: usize,
    /// Names of the series whose largest weight is on this component, by
    /// decreasing weight.
    pub series: Vec<String>,
}

#[derive(Serialize)]
struct RedundantPair {
    first: usize,
    second: usize,
    correlation: f64,
}

#[derive(Serialize)]
struct PathSummary {
    prior_weight: f64,
    relative_error: f64,
    sparsity: Sparsity,
    iterations: usize,
    seconds: f64,
    /// Components (1-based) that no series has its largest weight on.
    empty_components: Vec<usize>,
    warnings: Vec<FitWarning>,
}

/// The options of the k-means++ start that the library's advice names.
const KMEANS_OPTIONS: &str = "the k-means++ start is --init kmeans++ --restarts 8";

/// Returns the message of `warning` for the command's output, adding the
/// series names from the header row of `--input` (`header`) and the options
/// that the advice names (`--scaling mean` for an unscaled fit, those of the
/// k-means++ start).
pub fn warning_message(warning: &FitWarning, header: Option<&[String]>) -> String {
    let FitWarning::UnscaledSeries {
        smallest, largest, ..
    } = warning
    else {
        // The library advises the k-means++ start in words; add the options
        // that select it. They go at the end, so that the message still
        // begins with report.json's text of the warning.
        let message = warning.to_string();
        return if message.contains(KMEANS_START) {
            format!("{message}; {KMEANS_OPTIONS}")
        } else {
            message
        };
    };
    let named = |column: usize| match header.and_then(|names| names.get(column)) {
        Some(name) => format!("column {} is {name}", column + 1),
        None => format!("column {}", column + 1),
    };
    match header {
        Some(_) => format!(
            "{warning}, with --scaling mean; {} and {}",
            named(*smallest),
            named(*largest)
        ),
        None => format!("{warning}, with --scaling mean"),
    }
}

/// Returns the series each component of `fit` dominates, by name, the
/// series with the largest weight on the component first.
pub fn components(fit: &NmfFit, names: &[String]) -> Vec<Component> {
    let dominant = fit.dominant_components();
    (0..fit.h.nrows())
        .map(|c| {
            let mut members: Vec<usize> =
                (0..dominant.len()).filter(|&j| dominant[j] == c).collect();
            members.sort_by(|&a, &b| fit.h[(c, b)].total_cmp(&fit.h[(c, a)]));
            Component {
                component: c + 1,
                series: members.into_iter().map(|j| names[j].clone()).collect(),
            }
        })
        .collect()
}

/// Returns the components (1-based) on which no series has its largest
/// weight. A fit with such a component has collapsed to fewer clusters
/// than it was asked for.
pub fn empty_components(fit: &NmfFit) -> Vec<usize> {
    let dominant = fit.dominant_components();
    (0..fit.h.nrows())
        .filter(|c| !dominant.contains(c))
        .map(|c| c + 1)
        .collect()
}

/// Describes the empty components of a path point for the summary and
/// index.html: "none", or their numbers ("3", "1 and 4", "1, 2 and 4") and a
/// warning not to pick the fit.
pub fn describe_empty(empty: &[usize]) -> String {
    let Some((last, rest)) = empty.split_last() else {
        return "none".to_string();
    };
    let numbers = if rest.is_empty() {
        last.to_string()
    } else {
        let rest: Vec<String> = rest.iter().map(|c| c.to_string()).collect();
        format!("{} and {last}", rest.join(", "))
    };
    format!("{numbers} (collapsed: fewer clusters than components)")
}

/// Renders report.json.
pub fn render(outcome: &Outcome) -> String {
    let report = Report {
        data: &outcome.data.description,
        time_steps: outcome.data.values.nrows(),
        series: outcome.data.values.ncols(),
        k: outcome.k,
        backend: ferroflux::backend().to_string(),
        svd: SvdSummary {
            k: outcome.svd_rank(),
            limited_by_data_rank: outcome.svd_rank() < outcome.k,
            relative_error: outcome.svd.relative_error,
            sparsity: outcome.svd.sparsity,
            singular_values: &outcome.svd.s,
        },
        nmf: outcome
            .fits
            .iter()
            .map(|f| fit_summary(f, outcome))
            .collect(),
        path: outcome.path.as_ref().map(|points| {
            points
                .iter()
                .map(|p| PathSummary {
                    prior_weight: p.prior_weight,
                    relative_error: p.relative_error,
                    sparsity: p.sparsity,
                    iterations: p.fit.iterations,
                    seconds: p.fit.seconds,
                    empty_components: empty_components(&p.fit),
                    warnings: p.fit.warnings(),
                })
                .collect()
        }),
        files: &outcome.files,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("the report has only plain fields");
    text.push('\n');
    text
}

fn fit_summary<'a>(labeled: &'a LabeledFit, outcome: &Outcome) -> FitSummary<'a> {
    let fit = &labeled.fit;
    FitSummary {
        label: &labeled.label,
        settings: labeled.settings,
        relative_error: fit.relative_error,
        sparsity: fit.sparsity(),
        iterations: fit.iterations,
        converged: fit.converged,
        seconds: fit.seconds,
        final_cost: fit.cost,
        restart_costs: &fit.restart_costs,
        noise_variance: fit.noise_variance,
        scale: fit.scale.as_deref(),
        components: components(fit, &outcome.data.display_names),
        redundant_pairs: fit
            .redundant_pairs(REDUNDANT_CORRELATION)
            .into_iter()
            .map(|(i, j, r)| RedundantPair {
                first: i + 1,
                second: j + 1,
                correlation: r,
            })
            .collect(),
        warnings: fit.warnings(),
        files: FitFiles {
            w: format!("W{}.csv", labeled.suffix),
            h: format!("H{}.csv", labeled.suffix),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscaled_warning_names_option_and_series() {
        let warning = FitWarning::UnscaledSeries {
            smallest: 1,
            smallest_rms: 2.0,
            largest: 0,
            largest_rms: 500.0,
        };
        let header = ["big".to_string(), "small".to_string()];

        let named = warning_message(&warning, Some(&header));
        assert_eq!(
            named,
            format!("{warning}, with --scaling mean; column 2 is small and column 1 is big")
        );
        let unnamed = warning_message(&warning, None);
        assert_eq!(unnamed, format!("{warning}, with --scaling mean"));
    }

    #[test]
    fn empty_components_read_as_one_list() {
        let collapsed = "(collapsed: fewer clusters than components)";
        assert_eq!(describe_empty(&[]), "none");
        assert_eq!(describe_empty(&[3]), format!("3 {collapsed}"));
        assert_eq!(describe_empty(&[1, 4]), format!("1 and 4 {collapsed}"));
        assert_eq!(
            describe_empty(&[1, 2, 4]),
            format!("1, 2 and 4 {collapsed}")
        );
    }

    #[test]
    fn advice_of_the_kmeans_start_names_its_options() {
        let options = "the k-means++ start is --init kmeans++ --restarts 8";
        let out_of_range = FitWarning::BasisOutOfRange {
            component: 1,
            min: -0.4,
            max: 1.2,
            data_min: 0.0,
            data_max: 1.0,
            margin: 0.1,
            basis_ridge: Some(0.01),
        };
        let empty = FitWarning::EmptyComponent {
            component: 2,
            total_weight: 2.0,
            weight_share: 0.2,
            largest_weight: 0.4,
            basis_ridge: Some(0.01),
            flattened: false,
            prior_weight: 1.0,
        };
        for warning in [out_of_range, empty] {
            let library = warning.to_string();
            assert!(library.contains(KMEANS_START), "{library}");
            let message = warning_message(&warning, None);
            assert_eq!(message, format!("{library}; {options}"));
        }
    }

    #[test]
    fn other_warnings_keep_library_message() {
        let warning = FitWarning::NotConverged {
            iterations: 10,
            last_relative_change: 0.5,
            tolerance: 1e-6,
        };
        assert_eq!(warning_message(&warning, None), warning.to_string());
    }
}
