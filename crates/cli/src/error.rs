//! The errors `ferroflux factorize` reports before exiting with status 1.

use std::path::PathBuf;

use ferroflux::factorize::{max_extra_components, FactorizeError, NmfSettings};
use ferroflux::linalg::LinalgError;
use ferroflux::plot::PlotError;

use crate::dataset::Dataset;

/// A failure of the command; the message is printed after "error: ".
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading the data or fitting failed, with a message that is already in
    /// the command's terms.
    #[error(transparent)]
    Factorize(#[from] FactorizeError),

    /// Drawing a picture failed.
    #[error(transparent)]
    Plot(#[from] PlotError),

    /// Creating the output folder or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The `--input` file cannot be used.
    #[error("{path}{place}: {problem}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// ", line L, column C (series NAME)" as far as known, or empty.
        place: String,
        /// The problem and its fix.
        problem: String,
    },

    /// The `--out` folder cannot receive the report.
    #[error("cannot write the report to --out {path}: {problem}")]
    Output {
        /// The folder given as --out.
        path: PathBuf,
        /// The problem and its fix.
        problem: String,
    },

    /// The --series-names file is missing or malformed.
    #[error("{path}: {message}")]
    SeriesNames {
        /// The file.
        path: PathBuf,
        /// The problem with the file and its fix.
        message: String,
    },

    /// An option value is outside its range.
    #[error("invalid --{option} {value}: {reason}{}", range_fix(option, reason))]
    InvalidOption {
        /// The option name without dashes.
        option: &'static str,
        /// The value given.
        value: String,
        /// The valid range and what to do, in words.
        reason: String,
    },

    /// Per-series scaling cannot divide by a series' statistic.
    #[error(
        "cannot scale series {series} by its {statistic}: the {statistic} is {shown}; \
         use --scaling {alternative} or --scaling none",
        shown = show_statistic(.value)
    )]
    Scaling {
        /// The series name, or "in column C" without a header.
        series: String,
        /// "mean" or "standard deviation".
        statistic: &'static str,
        /// The statistic found.
        value: f64,
        /// The `--scaling` value to suggest.
        alternative: &'static str,
    },

    /// Per-series scaling met a series that is zero at every time step.
    #[error(
        "cannot scale series {series} by its {statistic}: the series is zero at every time \
         step, so --scaling {option} divides by zero; remove the column from --input, or use \
         --scaling none"
    )]
    ZeroSeries {
        /// The series name and column, or "in column C" without a header.
        series: String,
        /// "mean" or "standard deviation".
        statistic: &'static str,
        /// The `--scaling` value given.
        option: &'static str,
    },

    /// The cost became NaN or infinite.
    #[error(
        "the fit diverged: the cost became {cost} at iteration {iteration}; lower \
         --learning-rate (it was {learning_rate:?}){prior} or scale the series with --scaling \
         std-dev"
    )]
    Diverged {
        /// 1-based iteration.
        iteration: usize,
        /// The cost found.
        cost: f64,
        /// The step size used.
        learning_rate: f64,
        /// ", use smaller --path weights" for a path, ", lower --prior-weight
        /// (it was L)" for a fit with a prior weight above 0, otherwise empty.
        prior: String,
    },
}

/// Restates an error of the SVD baseline or of a fit in the command's terms:
/// options instead of builder methods, series names and 1-based columns
/// instead of 0-based indices. `prior_option` is the option that set the
/// prior weight (`prior-weight` or `path`). Errors whose message needs no
/// change pass through.
pub fn fit_error(
    error: FactorizeError,
    settings: &NmfSettings,
    data: &Dataset,
    prior_option: &'static str,
) -> CliError {
    let series_names = data.header.as_deref();
    match error {
        FactorizeError::InvalidRank { k, n } => invalid_k(k, n),
        FactorizeError::Svd(LinalgError::ZeroRank) => invalid_k(0, data.values.ncols()),
        FactorizeError::Svd(LinalgError::RankTooLarge {
            k,
            rank,
            rows,
            cols,
            ..
        })
        | FactorizeError::BaselineRankTooLarge {
            k,
            rank,
            rows,
            cols,
            ..
        } => CliError::InvalidOption {
            option: "k",
            value: k.to_string(),
            reason: format!(
                "k is larger than the rank of the data, {rank} (the data has {} x {cols} \
                 series), so no rank-{k} SVD exists to compare the fit with; choose --k {rank} \
                 or less",
                time_steps(rows)
            ),
        },
        FactorizeError::InvalidSetting {
            name,
            value,
            expected,
        } => match option_of_setting(name, prior_option) {
            Some(option) => CliError::InvalidOption {
                option,
                value,
                reason: format!("expected {expected}"),
            },
            None => CliError::Factorize(FactorizeError::InvalidSetting {
                name,
                value,
                expected,
            }),
        },
        FactorizeError::Scaling {
            series,
            statistic,
            value,
            alternative,
        } => CliError::Scaling {
            series: series_label(series, series_names),
            statistic,
            value,
            alternative: if alternative == "Mean" {
                "mean"
            } else {
                "std-dev"
            },
        },
        FactorizeError::TooManyComponents { k, extra, n } => {
            let limit = max_extra_components(k, n);
            CliError::InvalidOption {
                option: "extra-components",
                value: extra.to_string(),
                reason: format!(
                    "with --k {k} and {n} series it may be at most {limit}, because --k plus \
                     --extra-components must not exceed the number of series (one extra \
                     component is always allowed); choose --extra-components {limit} or less"
                ),
            }
        }
        FactorizeError::ZeroSeries { series, statistic } => CliError::ZeroSeries {
            series: series_label(series, series_names),
            statistic,
            option: if statistic == "mean" {
                "mean"
            } else {
                "std-dev"
            },
        },
        FactorizeError::InvalidAlpha { alpha } => CliError::InvalidOption {
            option: "alpha",
            value: alpha.to_string(),
            reason: "expected a finite number > 0 (below 1 favours sparse weights, 1 is a flat \
                     prior)"
                .into(),
        },
        FactorizeError::Diverged { iteration, cost } => CliError::Diverged {
            iteration: iteration + 1,
            cost,
            learning_rate: settings.learning_rate,
            prior: prior_fix(settings, prior_option),
        },
        other => CliError::Factorize(other),
    }
}

/// Returns the advice on the prior weight for a diverged fit: a prior term
/// with a large weight can overflow as well as a large step.
fn prior_fix(settings: &NmfSettings, prior_option: &str) -> String {
    if prior_option == "path" {
        return ", use smaller --path weights".to_string();
    }
    if settings.prior_weight > 0.0 {
        return format!(
            ", lower --prior-weight (it was {:?})",
            settings.prior_weight
        );
    }
    String::new()
}

/// Formats a count of time steps, such as "1 time step" or "52 time steps".
pub fn time_steps(count: usize) -> String {
    if count == 1 {
        "1 time step".to_string()
    } else {
        format!("{count} time steps")
    }
}

/// Formats a (nearly) zero statistic: exactly zero as "0", others with
/// four significant digits.
fn show_statistic(value: &f64) -> String {
    if *value == 0.0 {
        "0".to_string()
    } else {
        format!("{value:.3e}")
    }
}

/// Names the series in column `series` (0-based) for a message.
fn series_label(series: usize, series_names: Option<&[String]>) -> String {
    match series_names.and_then(|names| names.get(series)) {
        Some(name) => format!("{name} (column {})", series + 1),
        None => format!("in column {}", series + 1),
    }
}

/// Rejects a k outside `1..=n`, the range of every fit: a fit may use more
/// components than the data's rank, but not more than its series.
fn invalid_k(k: usize, n: usize) -> CliError {
    CliError::InvalidOption {
        option: "k",
        value: k.to_string(),
        reason: format!(
            "the number of components must be between 1 and the number of series, {n}; \
             choose --k from 1 to {n}"
        ),
    }
}

/// Returns the option that sets the library setting `name`, if there is one.
fn option_of_setting(name: &str, prior_option: &'static str) -> Option<&'static str> {
    match name {
        "prior_weight" => Some(prior_option),
        "prior_weights" => Some("path"),
        "learning_rate" => Some("learning-rate"),
        "basis_ridge" => Some("basis-ridge"),
        "tolerance" => Some("tolerance"),
        "iterations" => Some("iterations"),
        "restarts" => Some("restarts"),
        _ => None,
    }
}

/// Returns the fix appended to an option error whose reason states only the
/// valid range: which value to give instead.
fn range_fix(option: &str, reason: &str) -> String {
    let has_fix = ["choose ", "use ", "pass ", "remove ", "give ", "try "]
        .iter()
        .any(|verb| reason.contains(verb));
    if has_fix {
        return String::new();
    }
    if option == "path" {
        return "; give only such weights, for example --path 0,0.1,1".to_string();
    }
    format!(
        "; give --{option} a value in that range, or leave it out for its default \
         (`ferroflux factorize --help` lists the defaults)"
    )
}

#[cfg(test)]
mod tests {
    use ferroflux::factorize::SimplexNmf;
    use ferroflux::Matrix;

    use super::*;

    fn dataset() -> Dataset {
        Dataset {
            values: Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]),
            header: None,
            display_names: vec!["series 1".into(), "series 2".into()],
            description: "two series".into(),
            synthetic: false,
        }
    }

    fn diverged_message(prior_weight: f64, prior_option: &'static str) -> String {
        let settings = SimplexNmf::new(1).prior_weight(prior_weight).settings();
        let error = FactorizeError::Diverged {
            iteration: 0,
            cost: f64::NEG_INFINITY,
        };
        fit_error(error, &settings, &dataset(), prior_option).to_string()
    }

    #[test]
    fn diverged_fit_names_prior_setting() {
        let single = diverged_message(5.0, "prior-weight");
        assert!(
            single.contains("lower --prior-weight (it was 5.0)"),
            "{single}"
        );
        assert!(single.contains("at iteration 1"), "{single}");

        let path = diverged_message(5.0, "path");
        assert!(path.contains("use smaller --path weights"), "{path}");
        assert!(!path.contains("--prior-weight"), "{path}");

        let without_prior = diverged_message(0.0, "prior-weight");
        assert!(!without_prior.contains("prior"), "{without_prior}");
        assert!(
            without_prior.contains("lower --learning-rate"),
            "{without_prior}"
        );
    }

    #[test]
    fn time_steps_singular_and_plural() {
        assert_eq!(time_steps(1), "1 time step");
        assert_eq!(time_steps(0), "0 time steps");
        assert_eq!(time_steps(52), "52 time steps");
    }
}
