//! Checks that tell when a fit cannot be read as "10% of basis 1 and 90% of
//! basis 2". They find fits that explain almost none of the data and
//! components that no series follows. They also find basis series far
//! outside the range of the data, fits that stopped at the iteration limit,
//! and unscaled series so different in size that the largest decide the fit.

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::advice;
use crate::fit::{dominant_rows, NmfFit};
use crate::objective::Objective;
use crate::poor_fit::{likely_causes, LikelyCause, POOR_FIT_ERROR};
use crate::scaling::Scaling;

/// How far a basis series may leave the range of the data before
/// [`NmfFit::warnings`] reports it, as a share of the data's range
/// `max - min`. Every fitted series is a convex combination of the basis
/// series, so the bases together must reach at least as far as the data, and
/// noise lets them reach a little further. A basis a quarter of the range
/// beyond the data is no longer a shape a reader can compare with a series.
pub const BASIS_RANGE_MARGIN: f64 = 0.25;

/// How many times larger than the smallest series (by root mean square) the
/// largest may be before [`NmfFit::warnings`] reports an unscaled fit. The
/// cost sums squared errors over all series, so the errors of a series 100
/// times smaller count about 10,000 times less.
pub const UNSCALED_SIZE_RATIO: f64 = 100.0;

/// A problem found in a fit by [`NmfFit::warnings`].
///
/// `Display` gives one line that states what was found, what it means and what
/// to try. Components are numbered from 1 in messages and in the serialised
/// form (as in the pictures and `report.json`); the `component` fields are
/// 0-based indices into the rows of `H` and columns of `W`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FitWarning {
    /// No series has its largest weight on this component.
    EmptyComponent {
        /// The component (0-based).
        component: usize,
        /// The sum of the component's weights over all series.
        total_weight: f64,
        /// `total_weight` divided by the number of series: the share of all
        /// weight the component carries.
        weight_share: f64,
        /// The largest weight any series puts on the component.
        largest_weight: f64,
        /// The fit's basis ridge μ; `None` for the seed objective, which
        /// has no ridge term.
        basis_ridge: Option<f64>,
        /// Whether the component's basis series stays below the data's
        /// largest absolute value everywhere, as a basis that the ridge
        /// pulled towards zero does.
        flattened: bool,
        /// The fit's prior weight λ.
        prior_weight: f64,
    },
    /// A basis series leaves the range of the data by more than the margin.
    BasisOutOfRange {
        /// The component (0-based).
        component: usize,
        /// The smallest value of the basis series.
        min: f64,
        /// The largest value of the basis series.
        max: f64,
        /// The smallest value of the (scaled) data.
        data_min: f64,
        /// The largest value of the (scaled) data.
        data_max: f64,
        /// The margin used, as a share of `data_max - data_min`.
        margin: f64,
        /// The fit's basis ridge μ; `None` for the seed objective, which
        /// has no ridge term.
        basis_ridge: Option<f64>,
    },
    /// The fit ran out of iterations before the cost settled. It is not
    /// reported for a tolerance of 0, which requests every iteration, or
    /// when the callback stopped the fit.
    NotConverged {
        /// The iterations run.
        iterations: usize,
        /// The relative change of the cost over the last iteration; NaN
        /// after a single iteration, which gives no change to measure.
        last_relative_change: f64,
        /// The tolerance it had to stay below.
        tolerance: f64,
    },
    /// The fit ran without per-series scaling on series whose sizes differ
    /// by more than [`UNSCALED_SIZE_RATIO`], so the largest series decide
    /// the basis. Fix it with per-series scaling by the mean (`--scaling
    /// mean` on the command line, `.scaling(Scaling::Mean)` in Rust).
    UnscaledSeries {
        /// The smallest series (0-based column of the data).
        smallest: usize,
        /// Its root mean square.
        smallest_rms: f64,
        /// The largest series (0-based column of the data).
        largest: usize,
        /// Its root mean square.
        largest_rms: f64,
    },
    /// The fit explains almost none of the data: its relative error is at
    /// least [`POOR_FIT_ERROR`], while `W·H = 0` has relative error 1.
    PoorFit {
        /// The fit's relative error.
        relative_error: f64,
        /// The settings that likely caused it; empty if none of the checks
        /// of [`LikelyCause`] applies.
        causes: Vec<LikelyCause>,
    },
}

impl FitWarning {
    /// Returns a short machine-readable name: `"empty_component"`,
    /// `"basis_out_of_range"`, `"not_converged"`, `"unscaled_series"` or
    /// `"poor_fit"`.
    pub fn kind(&self) -> &'static str {
        match self {
            FitWarning::EmptyComponent { .. } => "empty_component",
            FitWarning::BasisOutOfRange { .. } => "basis_out_of_range",
            FitWarning::NotConverged { .. } => "not_converged",
            FitWarning::UnscaledSeries { .. } => "unscaled_series",
            FitWarning::PoorFit { .. } => "poor_fit",
        }
    }

    /// Returns the component the warning is about (0-based), if any.
    pub fn component(&self) -> Option<usize> {
        match self {
            FitWarning::EmptyComponent { component, .. }
            | FitWarning::BasisOutOfRange { component, .. } => Some(*component),
            FitWarning::NotConverged { .. }
            | FitWarning::UnscaledSeries { .. }
            | FitWarning::PoorFit { .. } => None,
        }
    }
}

impl fmt::Display for FitWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FitWarning::PoorFit {
                relative_error,
                ref causes,
            } => {
                write!(
                    f,
                    "the relative error is {}, so the fit explains almost none of the data \
                     (W·H = 0 has relative error 1); ",
                    short(relative_error)
                )?;
                if causes.is_empty() {
                    return write!(
                        f,
                        "none of the basis ridge, prior weight, learning rate and tolerance \
                         explains it, so the data may hold no structure that k components \
                         capture; compare with the relative error of the rank-k SVD"
                    );
                }
                let listed: Vec<String> = causes.iter().map(LikelyCause::to_string).collect();
                let label = if causes.len() == 1 {
                    "likely cause"
                } else {
                    "likely causes"
                };
                write!(f, "{label}: {}", listed.join("; "))
            }
            FitWarning::EmptyComponent {
                component,
                weight_share,
                largest_weight,
                basis_ridge,
                flattened,
                prior_weight,
                ..
            } => write!(
                f,
                "component {} is the largest weight of no series (it carries {:.1}% of all \
                 weight, at most {} in any series), so it describes no group; {}",
                component + 1,
                100.0 * weight_share,
                short(largest_weight),
                advice::empty_component(basis_ridge, flattened, prior_weight)
            ),
            FitWarning::BasisOutOfRange {
                component,
                min,
                max,
                data_min,
                data_max,
                margin,
                basis_ridge,
            } => write!(
                f,
                "basis {} spans {} to {} while the data span {} to {}, so the weights of this \
                 component do not read as shares of a typical series; {}",
                component + 1,
                short(min),
                short(max),
                short(data_min),
                short(data_max),
                advice::basis_out_of_range([min, max], [data_min, data_max], margin, basis_ridge)
            ),
            FitWarning::NotConverged {
                iterations,
                last_relative_change,
                tolerance,
            } => {
                let noun = if iterations == 1 {
                    "iteration"
                } else {
                    "iterations"
                };
                if last_relative_change.is_nan() {
                    // A single cost has no change to compare with the tolerance.
                    return write!(
                        f,
                        "the fit stopped at the limit of {iterations} {noun}, before a change of \
                         the cost could be measured against the tolerance {}; try more \
                         iterations",
                        short(tolerance)
                    );
                }
                write!(
                    f,
                    "the fit stopped at the limit of {iterations} {noun} with the cost still \
                     changing by {} per step (tolerance {}); try more iterations, a smaller \
                     learning rate or fewer components",
                    short(last_relative_change),
                    short(tolerance)
                )
            }
            FitWarning::UnscaledSeries {
                smallest,
                smallest_rms,
                largest,
                largest_rms,
            } => write!(
                f,
                "the series differ in size by a factor of {} (root mean square {} in \
                 column {} against {} in column {}), so without scaling the largest series \
                 decide the basis and the smallest barely count; use per-series scaling \
                 (mean) to weigh every series alike",
                short(largest_rms / smallest_rms),
                short(smallest_rms),
                smallest + 1,
                short(largest_rms),
                largest + 1
            ),
        }
    }
}

/// Formats a value with 3 significant digits, in scientific notation
/// (`9.06e-9`) outside `[1e-3, 1e6)`. Whole numbers from 1000 up to 1e6
/// keep all their digits, because rounding 135705 to 136000 would show
/// zeros that are not in the value.
pub(crate) fn short(x: f64) -> String {
    if x == 0.0 {
        // Also for -0.0, whose sign means nothing to a reader.
        return "0".to_string();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    // Decide on the rounded value, so that 999999.7 becomes 1.00e6 and
    // 0.099996 becomes 0.100 rather than 0.1000.
    let scientific = format!("{x:.2e}");
    let rounded: f64 = scientific.parse().expect("`{:e}` output parses as f64");
    let size = rounded.abs();
    if !(1e-3..1e6).contains(&size) {
        return scientific;
    }
    let digits = (2 - size.log10().floor() as i32).max(0);
    format!("{x:.*}", digits as usize)
}

impl Serialize for FitWarning {
    /// Writes `kind`, the fields (with `component` numbered from 1) and the
    /// `message` of `Display`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let message = self.to_string();
        match *self {
            FitWarning::PoorFit {
                relative_error,
                ref causes,
            } => {
                let mut s = serializer.serialize_struct("FitWarning", 4)?;
                s.serialize_field("kind", self.kind())?;
                s.serialize_field("relative_error", &relative_error)?;
                s.serialize_field("causes", causes)?;
                s.serialize_field("message", &message)?;
                s.end()
            }
            FitWarning::EmptyComponent {
                component,
                total_weight,
                weight_share,
                largest_weight,
                basis_ridge,
                flattened,
                prior_weight,
            } => {
                let mut s = serializer.serialize_struct("FitWarning", 9)?;
                s.serialize_field("kind", self.kind())?;
                s.serialize_field("component", &(component + 1))?;
                s.serialize_field("total_weight", &total_weight)?;
                s.serialize_field("weight_share", &weight_share)?;
                s.serialize_field("largest_weight", &largest_weight)?;
                s.serialize_field("basis_ridge", &basis_ridge)?;
                s.serialize_field("flattened", &flattened)?;
                s.serialize_field("prior_weight", &prior_weight)?;
                s.serialize_field("message", &message)?;
                s.end()
            }
            FitWarning::BasisOutOfRange {
                component,
                min,
                max,
                data_min,
                data_max,
                margin,
                basis_ridge,
            } => {
                let mut s = serializer.serialize_struct("FitWarning", 9)?;
                s.serialize_field("kind", self.kind())?;
                s.serialize_field("component", &(component + 1))?;
                s.serialize_field("min", &min)?;
                s.serialize_field("max", &max)?;
                s.serialize_field("data_min", &data_min)?;
                s.serialize_field("data_max", &data_max)?;
                s.serialize_field("margin", &margin)?;
                s.serialize_field("basis_ridge", &basis_ridge)?;
                s.serialize_field("message", &message)?;
                s.end()
            }
            FitWarning::NotConverged {
                iterations,
                last_relative_change,
                tolerance,
            } => {
                let mut s = serializer.serialize_struct("FitWarning", 5)?;
                s.serialize_field("kind", self.kind())?;
                s.serialize_field("iterations", &iterations)?;
                s.serialize_field("last_relative_change", &last_relative_change)?;
                s.serialize_field("tolerance", &tolerance)?;
                s.serialize_field("message", &message)?;
                s.end()
            }
            FitWarning::UnscaledSeries {
                smallest,
                smallest_rms,
                largest,
                largest_rms,
            } => {
                let mut s = serializer.serialize_struct("FitWarning", 6)?;
                s.serialize_field("kind", self.kind())?;
                s.serialize_field("smallest_column", &(smallest + 1))?;
                s.serialize_field("smallest_rms", &smallest_rms)?;
                s.serialize_field("largest_column", &(largest + 1))?;
                s.serialize_field("largest_rms", &largest_rms)?;
                s.serialize_field("message", &message)?;
                s.end()
            }
        }
    }
}

impl NmfFit {
    /// Checks the fit and returns what makes it hard to read, with the
    /// default margin [`BASIS_RANGE_MARGIN`]; an empty list means no problem
    /// was found. See [`FitWarning`] for the checks.
    ///
    /// The checks cost one pass over `W` and `H` and do not need the data.
    ///
    /// # Examples
    /// ```
    /// use ferroflux_factorize::{seed_problem, SimplexNmf};
    ///
    /// // The Flux example's problem has rank 3, and the default fit leaves
    /// // one of its 3 components without a series.
    /// let fit = SimplexNmf::new(3).fit(&seed_problem(0))?;
    /// let warnings = fit.warnings();
    /// for warning in &warnings {
    ///     println!("warning: {warning}");
    /// }
    /// assert!(warnings.iter().any(|w| w.kind() == "empty_component"));
    /// # Ok::<(), ferroflux_factorize::FactorizeError>(())
    /// ```
    pub fn warnings(&self) -> Vec<FitWarning> {
        self.warnings_with_margin(BASIS_RANGE_MARGIN)
    }

    /// As [`NmfFit::warnings`], with the margin of the basis range check
    /// given as a share of the data's range (`margin ≥ 0`).
    pub fn warnings_with_margin(&self, margin: f64) -> Vec<FitWarning> {
        let mut found = Vec::new();
        // First, because it explains the warnings that follow it.
        if self.relative_error >= POOR_FIT_ERROR {
            found.push(FitWarning::PoorFit {
                relative_error: self.relative_error,
                causes: likely_causes(self),
            });
        }
        let basis_ridge = (self.objective == Objective::Gaussian).then_some(self.basis_ridge);
        let [data_min, data_max] = self.data_range;
        let data_size = data_min.abs().max(data_max.abs());

        let dominant = dominant_rows(&self.h);
        let n = self.h.ncols().max(1) as f64;
        for component in 0..self.h.nrows() {
            if dominant.contains(&component) {
                continue;
            }
            let row = self.h.row(component);
            let total_weight = row.sum();
            found.push(FitWarning::EmptyComponent {
                component,
                total_weight,
                weight_share: total_weight / n,
                largest_weight: row.max(),
                basis_ridge,
                flattened: self.w.column(component).amax() < data_size,
                prior_weight: self.prior_weight,
            });
        }

        let reach = margin * (data_max - data_min);
        for (component, column) in self.w.column_iter().enumerate() {
            let (min, max) = (column.min(), column.max());
            if min < data_min - reach || max > data_max + reach {
                found.push(FitWarning::BasisOutOfRange {
                    component,
                    min,
                    max,
                    data_min,
                    data_max,
                    margin,
                    basis_ridge,
                });
            }
        }

        let hit_limit = !self.converged
            && !self.stopped_by_callback
            && self.tolerance > 0.0
            && self.iterations >= self.max_iterations;
        if hit_limit {
            let last_relative_change = match self.loss_trace.as_slice() {
                [.., previous, last] => {
                    (previous - last).abs() / previous.abs().max(f64::MIN_POSITIVE)
                }
                _ => f64::NAN,
            };
            found.push(FitWarning::NotConverged {
                iterations: self.iterations,
                last_relative_change,
                tolerance: self.tolerance,
            });
        }
        if self.scaling == Scaling::None {
            found.extend(self.unscaled_series());
        }
        found
    }

    /// Returns the smallest and largest series by root mean square if they
    /// differ by more than [`UNSCALED_SIZE_RATIO`]. An all-zero series has
    /// no size to compare and is left out.
    fn unscaled_series(&self) -> Option<FitWarning> {
        let sized = || {
            self.series_rms
                .iter()
                .copied()
                .enumerate()
                .filter(|&(_, rms)| rms > 0.0)
        };
        let (smallest, smallest_rms) = sized().min_by(|a, b| a.1.total_cmp(&b.1))?;
        let (largest, largest_rms) = sized().max_by(|a, b| a.1.total_cmp(&b.1))?;
        (largest_rms > UNSCALED_SIZE_RATIO * smallest_rms).then_some(FitWarning::UnscaledSeries {
            smallest,
            smallest_rms,
            largest,
            largest_rms,
        })
    }
}

#[cfg(test)]
mod tests {
    use ferroflux_linalg::Matrix;

    use super::*;
    use crate::{Init, Objective};

    /// Builds a converged fit with the given `w`, `h` and data range.
    fn hand_built(w: Matrix<f64>, h: Matrix<f64>, data_range: [f64; 2]) -> NmfFit {
        NmfFit {
            h_logits: h.map(f64::ln),
            w,
            h,
            loss_trace: vec![3.0, 2.0, 2.0],
            cost: 2.0,
            relative_error: 0.1,
            iterations: 3,
            converged: true,
            stopped_by_callback: false,
            max_iterations: 100,
            tolerance: 1e-6,
            basis_ridge: 0.01,
            learning_rate: 0.02,
            data_range,
            seconds: 0.0,
            scale: None,
            series_rms: vec![1.0, 2.0, 3.0, 4.0],
            objective: Objective::Gaussian,
            alpha: 0.2,
            prior_weight: 0.03,
            noise_variance: Some(0.01),
            k: 3,
            init: Init::Svd,
            scaling: Scaling::None,
            seed: 0,
            restart_costs: vec![2.0],
        }
    }

    /// Basis series inside `[0, 1]`, the range of the data.
    fn basis_in_range() -> Matrix<f64> {
        Matrix::from_column_slice(2, 3, &[0.0, 1.0, 0.5, 0.5, 1.0, 0.0])
    }

    /// Weights where component 1 leads series 1 and 2, component 2 leads
    /// series 3 and 4, and component 3 leads none.
    fn weights_with_empty_third() -> Matrix<f64> {
        Matrix::from_column_slice(
            3,
            4,
            &[
                0.6, 0.1, 0.3, //
                0.7, 0.1, 0.2, //
                0.2, 0.5, 0.3, //
                0.1, 0.8, 0.1, //
            ],
        )
    }

    #[test]
    fn clean_fit_has_no_warnings() {
        let h = Matrix::from_column_slice(
            3,
            4,
            &[
                0.8, 0.1, 0.1, //
                0.1, 0.8, 0.1, //
                0.1, 0.1, 0.8, //
                0.5, 0.3, 0.2, //
            ],
        );
        let fit = hand_built(basis_in_range(), h, [0.0, 1.0]);
        assert_eq!(fit.warnings(), []);
    }

    #[test]
    fn empty_component_fields_and_message() {
        let fit = hand_built(basis_in_range(), weights_with_empty_third(), [0.0, 1.0]);
        let warnings = fit.warnings();
        assert_eq!(warnings.len(), 1);
        let FitWarning::EmptyComponent {
            component,
            total_weight,
            weight_share,
            largest_weight,
            basis_ridge,
            flattened,
            prior_weight,
        } = warnings[0]
        else {
            panic!("expected an empty component, got {:?}", warnings[0]);
        };
        assert_eq!(component, 2);
        assert!((total_weight - 0.9).abs() < 1e-12);
        assert!((weight_share - 0.225).abs() < 1e-12);
        assert_eq!(largest_weight, 0.3);
        assert_eq!(basis_ridge, Some(0.01));
        // Basis 3 reaches 1.0, the data's largest value.
        assert!(!flattened);
        assert_eq!(prior_weight, 0.03);
        assert_eq!(warnings[0].kind(), "empty_component");
        assert_eq!(warnings[0].component(), Some(2));
        assert_eq!(
            warnings[0].to_string(),
            "component 3 is the largest weight of no series (it carries 22.5% of all weight, \
             at most 0.300 in any series), so it describes no group; try the k-means++ \
             initialisation with 8 restarts, fewer components, a larger basis ridge or a \
             smaller prior weight"
        );
    }

    #[test]
    fn tie_counts_for_first_component_only() {
        // Series 3 ties components 2 and 3; the tie goes to component 2, as
        // in `NmfFit::dominant_components`, so component 3 is still empty.
        let h = Matrix::from_column_slice(3, 3, &[0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.2, 0.4, 0.4]);
        let fit = hand_built(basis_in_range(), h, [0.0, 1.0]);
        let warnings = fit.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].kind(), "empty_component");
        assert_eq!(warnings[0].component(), Some(2));
    }

    #[test]
    fn basis_out_of_range_below_and_above() {
        // Data range [0, 1] with margin 0.25: the bases may span
        // [-0.25, 1.25]. Basis 1 sits on both edges, basis 2 goes below and
        // basis 3 above.
        let w = Matrix::from_column_slice(2, 3, &[-0.25, 1.25, -0.3, 0.5, 0.5, 1.3]);
        let h = Matrix::from_column_slice(3, 3, &[0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
        let fit = hand_built(w, h, [0.0, 1.0]);
        let warnings = fit.warnings();
        assert_eq!(
            warnings,
            [
                FitWarning::BasisOutOfRange {
                    component: 1,
                    min: -0.3,
                    max: 0.5,
                    data_min: 0.0,
                    data_max: 1.0,
                    margin: 0.25,
                    basis_ridge: Some(0.01),
                },
                FitWarning::BasisOutOfRange {
                    component: 2,
                    min: 0.5,
                    max: 1.3,
                    data_min: 0.0,
                    data_max: 1.0,
                    margin: 0.25,
                    basis_ridge: Some(0.01),
                },
            ]
        );
        assert_eq!(
            warnings[0].to_string(),
            "basis 2 spans -0.300 to 0.500 while the data span 0 to 1.00, so the weights of \
             this component do not read as shares of a typical series; try the k-means++ \
             initialisation with 8 restarts, fewer components or a larger basis ridge"
        );
        assert_eq!(fit.warnings_with_margin(0.3), []);
        assert_eq!(fit.warnings_with_margin(0.0).len(), 3);
    }

    #[test]
    fn not_converged_fields_and_message() {
        let h = Matrix::from_column_slice(3, 3, &[0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
        let mut fit = hand_built(basis_in_range(), h, [0.0, 1.0]);
        fit.converged = false;
        fit.loss_trace = vec![4.0, 2.0, 1.5];
        fit.iterations = 3;
        fit.max_iterations = 3;
        let warnings = fit.warnings();
        assert_eq!(
            warnings,
            [FitWarning::NotConverged {
                iterations: 3,
                last_relative_change: 0.25,
                tolerance: 1e-6,
            }]
        );
        assert_eq!(warnings[0].component(), None);
        assert_eq!(
            warnings[0].to_string(),
            "the fit stopped at the limit of 3 iterations with the cost still changing by \
             0.250 per step (tolerance 1.00e-6); try more iterations, a smaller learning rate \
             or fewer components"
        );

        // Below the limit, stopped by the callback or run with tolerance 0,
        // an unconverged fit is no warning.
        fit.max_iterations = 4;
        assert_eq!(fit.warnings(), []);
        fit.max_iterations = 3;
        fit.stopped_by_callback = true;
        assert_eq!(fit.warnings(), []);
        fit.stopped_by_callback = false;
        fit.tolerance = 0.0;
        assert_eq!(fit.warnings(), []);
    }

    #[test]
    fn not_converged_after_one_iteration_has_no_change() {
        let h = Matrix::from_column_slice(3, 3, &[0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
        let mut fit = hand_built(basis_in_range(), h, [0.0, 1.0]);
        fit.converged = false;
        fit.loss_trace = vec![4.0];
        fit.iterations = 1;
        fit.max_iterations = 1;
        let warnings = fit.warnings();
        let [FitWarning::NotConverged {
            last_relative_change,
            ..
        }] = warnings[..]
        else {
            panic!("expected one not_converged warning, got {warnings:?}");
        };
        assert!(last_relative_change.is_nan());
        assert_eq!(
            warnings[0].to_string(),
            "the fit stopped at the limit of 1 iteration, before a change of the cost could be \
             measured against the tolerance 1.00e-6; try more iterations"
        );
    }

    #[test]
    fn serialised_form_numbers_components_from_one() {
        let mut fit = hand_built(basis_in_range(), weights_with_empty_third(), [0.0, 1.0]);
        fit.converged = false;
        fit.iterations = 100;
        fit.loss_trace = vec![2.0, 1.0];
        let warnings = fit.warnings();
        let total_weight = fit.h.row(2).sum();
        let json = serde_json::to_value(&warnings).unwrap();
        let expected = serde_json::json!([
            {
                "kind": "empty_component",
                "component": 3,
                "total_weight": total_weight,
                "weight_share": total_weight / 4.0,
                "largest_weight": 0.3,
                "basis_ridge": 0.01,
                "flattened": false,
                "prior_weight": 0.03,
                "message": warnings[0].to_string(),
            },
            {
                "kind": "not_converged",
                "iterations": 100,
                "last_relative_change": 0.5,
                "tolerance": 1e-6,
                "message": warnings[1].to_string(),
            },
        ]);
        assert_eq!(json, expected);
    }

    #[test]
    fn unscaled_series_fields_and_message() {
        let h = Matrix::from_column_slice(3, 3, &[0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
        let mut fit = hand_built(basis_in_range(), h, [0.0, 1.0]);
        // The all-zero series 2 has no size and is not the smallest.
        fit.series_rms = vec![250.0, 0.0, 2.0, 0.5, 50.0];
        let warnings = fit.warnings();
        assert_eq!(
            warnings,
            [FitWarning::UnscaledSeries {
                smallest: 3,
                smallest_rms: 0.5,
                largest: 0,
                largest_rms: 250.0,
            }]
        );
        assert_eq!(warnings[0].kind(), "unscaled_series");
        assert_eq!(warnings[0].component(), None);
        assert_eq!(
            warnings[0].to_string(),
            "the series differ in size by a factor of 500 (root mean square 0.500 in column 4 \
             against 250 in column 1), so without scaling the largest series decide the basis \
             and the smallest barely count; use per-series scaling (mean) to weigh every series \
             alike"
        );
        let json = serde_json::to_value(&warnings[0]).unwrap();
        assert_eq!(json["smallest_column"], 4);
        assert_eq!(json["largest_column"], 1);

        // At the ratio itself, or with any per-series scaling, no warning.
        fit.series_rms = vec![100.0, 1.0];
        assert_eq!(fit.warnings(), []);
        fit.series_rms = vec![100.5, 1.0];
        assert_eq!(fit.warnings().len(), 1);
        fit.scaling = Scaling::Mean;
        assert_eq!(fit.warnings(), []);
        fit.scaling = Scaling::StdDev;
        assert_eq!(fit.warnings(), []);
    }

    #[test]
    fn short_keeps_three_significant_digits() {
        assert_eq!(short(13.123), "13.1");
        assert_eq!(short(0.83612), "0.836");
        assert_eq!(short(-2.5612), "-2.56");
        assert_eq!(short(1234.4), "1234");
        assert_eq!(short(135705.3), "135705");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(-0.0), "0");
        assert_eq!(short(0.001), "0.00100");
        assert_eq!(short(0.099996), "0.100");
    }

    #[test]
    fn short_scientific_outside_range() {
        assert_eq!(short(-9.057828887149443e150), "-9.06e150");
        assert_eq!(short(-9.057828887149443e-151), "-9.06e-151");
        assert_eq!(short(9.06e-9), "9.06e-9");
        assert_eq!(short(-9.97e-9), "-9.97e-9");
        assert_eq!(short(0.00099), "9.90e-4");
        assert_eq!(short(999999.7), "1.00e6");
        assert_eq!(short(1e-6), "1.00e-6");
        assert_eq!(short(f64::MAX), "1.80e308");
        assert_eq!(short(f64::NAN), "NaN");
        assert_eq!(short(f64::NEG_INFINITY), "-inf");
    }
}
