//! `ferroflux factorize`: fit, write the report folder, print a summary.

use std::path::{Path, PathBuf};

use ferroflux::factorize::{
    svd_baseline, write_matrix_csv, FactorizeError, NmfFit, NmfSettings, Objective, PathPoint,
    SimplexNmf, SvdBaseline,
};
use ferroflux::plot::{
    basis_functions, correlation_heatmap, error_sparsity_path, heatmap_pair, loss_trace,
    ColorScale, Heatmap, LineGrid, TimeAxis, TradeOffPoint,
};

use crate::args::{FactorizeArgs, ObjectiveArg, PriorWeights};
use crate::dataset::Dataset;
use crate::error::{fit_error, CliError};
use crate::folder::StagedFolder;
use crate::{html, progress, report, summary};

/// Panels per row of series.png.
const PANEL_COLUMNS: usize = 4;

/// The largest `--panels`: 50 rows of panels. On the Italy power demand data
/// (24 x 1096) series.png measured 1360 x 12570 px and 2.6 MB at this size,
/// and 1360 x 68570 px and 14 MB with all 1096 series.
const MAX_PANELS: usize = 200;

/// One NMF fit with the settings that produced it and how files name it.
#[derive(Debug)]
pub struct LabeledFit {
    /// Name in the summary, the report and index.html.
    pub label: String,
    /// Appended to file names: "" for the main fit.
    pub suffix: &'static str,
    /// The builder's settings.
    pub settings: NmfSettings,
    /// The result.
    pub fit: NmfFit,
}

/// Everything the report files and the summary are built from.
#[derive(Debug)]
pub struct Outcome {
    /// The data.
    pub data: Dataset,
    /// Requested number of components.
    pub k: usize,
    /// The rank-k SVD of the data, or the rank-r SVD if the data have
    /// numerical rank r < k (see [`Outcome::svd_rank`]).
    pub svd: SvdBaseline,
    /// The main fit first; without --input also the Flux example's fit.
    pub fits: Vec<LabeledFit>,
    /// The regularisation path, if --path was given.
    pub path: Option<Vec<PathPoint>>,
    /// The folder written to, as given by --out.
    pub out: PathBuf,
    /// The files written, relative to `out`, in order.
    pub files: Vec<String>,
}

impl Outcome {
    /// Returns the number of components of the SVD baseline: k, or the
    /// numerical rank of the data if that is smaller.
    pub fn svd_rank(&self) -> usize {
        self.svd.s.len()
    }

    /// Returns the sentence that explains an SVD baseline with fewer
    /// components than k, or `None` if it has k.
    pub fn svd_rank_note(&self) -> Option<String> {
        let rank = self.svd_rank();
        let components = if rank == 1 { "component" } else { "components" };
        (rank < self.k).then(|| {
            format!(
                "the data have numerical rank {rank}, below k = {}, so the SVD baseline has \
                 only {rank} {components} and already reproduces the data up to rounding; the \
                 NMF fits use all {} components",
                self.k, self.k
            )
        })
    }
}

/// Runs `ferroflux factorize`.
pub fn factorize(args: &FactorizeArgs) -> Result<(), CliError> {
    fit_and_report(args).map_err(|error| quote_option_text(error, args))
}

/// Replaces the value in an invalid-option error by the text given on the
/// command line, so that `--alpha 1e999` is quoted as typed, not as `inf`.
fn quote_option_text(error: CliError, args: &FactorizeArgs) -> CliError {
    let CliError::InvalidOption {
        option,
        value,
        reason,
    } = error
    else {
        return error;
    };
    let typed = match option {
        "alpha" => args.alpha.as_ref(),
        "prior-weight" => args.prior_weight.as_ref(),
        "basis-ridge" => args.basis_ridge.as_ref(),
        "learning-rate" => args.learning_rate.as_ref(),
        "tolerance" => args.tolerance.as_ref(),
        _ => None,
    };
    CliError::InvalidOption {
        option,
        value: typed.map_or(value, |number| number.text.clone()),
        reason,
    }
}

fn fit_and_report(args: &FactorizeArgs) -> Result<(), CliError> {
    check_options(args)?;
    let data = Dataset::load(args)?;
    check_time_axis(args, data.values.nrows())?;
    let builder = builder_from(args);
    let settings = builder.settings();
    check_prior_overflow(args, &settings, data.values.ncols())?;
    let svd = baseline(&data, args.k, &settings)?;
    // Checked before the fits, which may take minutes, and again on install.
    let inputs: Vec<(&str, &Path)> = [("input", &args.input), ("series-names", &args.series_names)]
        .into_iter()
        .filter_map(|(option, path)| path.as_deref().map(|p| (option, p)))
        .collect();
    let staged = StagedFolder::create(&args.out, &inputs)?;

    let main_label = match args.objective {
        ObjectiveArg::Gaussian => "simplex NMF, gaussian objective",
        ObjectiveArg::Seed => "simplex NMF, seed objective",
    };
    let mut fits = vec![fit(builder.clone(), &data, main_label.to_string(), "")?];
    if data.synthetic {
        let preset = SimplexNmf::seed_preset(args.k).seed(args.seed);
        let label = "simplex NMF, Flux example's objective and settings".to_string();
        fits.push(fit(preset, &data, label, "_seed_objective")?);
    }
    let path = match &args.path {
        Some(weights) => Some(regularisation_path(builder, &data, &weights.values)?),
        None => None,
    };

    let mut outcome = Outcome {
        k: args.k,
        svd,
        fits,
        path,
        out: args.out.clone(),
        files: Vec::new(),
        data,
    };
    write_report_folder(&mut outcome, staged.path(), args)?;
    staged.install()?;
    print!("{}", summary::render(&outcome));
    Ok(())
}

/// Computes the rank-k SVD baseline, or the rank-r one if the data have
/// numerical rank r < k. An SVD has no more than r directions, but the NMF
/// fits can use more components than that, so k above the rank is valid.
fn baseline(data: &Dataset, k: usize, settings: &NmfSettings) -> Result<SvdBaseline, CliError> {
    let result = match svd_baseline(&data.values, k) {
        Err(FactorizeError::BaselineRankTooLarge { rank, .. }) if rank > 0 => {
            svd_baseline(&data.values, rank)
        }
        other => other,
    };
    result.map_err(|e| fit_error(e, settings, data, "prior-weight"))
}

/// Rejects option values that the library does not check itself.
fn check_options(args: &FactorizeArgs) -> Result<(), CliError> {
    if args.panels == 0 {
        return Err(CliError::InvalidOption {
            option: "panels",
            value: "0".into(),
            reason: "expected at least 1 series to draw".into(),
        });
    }
    if args.panels > MAX_PANELS {
        return Err(CliError::InvalidOption {
            option: "panels",
            value: args.panels.to_string(),
            reason: format!(
                "series.png draws at most {MAX_PANELS} series, {} rows of {PANEL_COLUMNS} \
                 panels, because a taller picture takes megabytes and is too long to compare \
                 series in; choose --panels {MAX_PANELS} or less (W.csv and H.csv give the \
                 reconstruction W·H of every series)",
                MAX_PANELS / PANEL_COLUMNS
            ),
        });
    }
    // The fits before the path take long, so its weights are checked first.
    if let Some(weights) = &args.path {
        check_prior_weights(weights)?;
    }
    if args.basis_ridge.is_some() && args.objective == ObjectiveArg::Seed {
        eprintln!(
            "note: --basis-ridge has no effect with --objective seed, whose cost has no ridge \
             term; leave it out or use --objective gaussian"
        );
    }
    if !args.time_start.value.is_finite() {
        return Err(CliError::InvalidOption {
            option: "time-start",
            value: args.time_start.text.clone(),
            reason: "expected a finite number".into(),
        });
    }
    if !args.time_step.value.is_finite() || args.time_step.value == 0.0 {
        return Err(CliError::InvalidOption {
            option: "time-step",
            value: args.time_step.text.clone(),
            reason: "expected a finite number other than 0".into(),
        });
    }
    Ok(())
}

/// Rejects a prior weight of `--path` that is negative or not finite,
/// quoting it as given.
fn check_prior_weights(weights: &PriorWeights) -> Result<(), CliError> {
    for (lambda, text) in weights.values.iter().zip(&weights.texts) {
        if !(lambda.is_finite() && *lambda >= 0.0) {
            return Err(CliError::InvalidOption {
                option: "path",
                value: text.clone(),
                reason: "every prior weight must be a finite number >= 0".into(),
            });
        }
    }
    Ok(())
}

/// Rejects a prior weight (of `--prior-weight` or of `--path`) whose prior
/// term overflows f64, which makes the first iteration diverge.
fn check_prior_overflow(
    args: &FactorizeArgs,
    settings: &NmfSettings,
    series: usize,
) -> Result<(), CliError> {
    // Invalid settings are left to the library's range checks.
    let valid = |value: f64| value.is_finite() && value > 0.0;
    if !valid(settings.alpha) || !valid(settings.smoothing) {
        return Ok(());
    }
    let components = settings.k + settings.extra_components;
    let entries = (components * series) as f64;
    let coefficient = (1.0 - settings.alpha).abs();
    // The largest size of the prior term and its gradient per unit weight.
    // With H in [0, 1], ln(H + δ) lies in [ln δ, ln(1 + δ)] and the gradient
    // (1 - α)/(H + δ) is largest at H = 0. The seed objective's log H has no
    // lower bound, so its size at the uniform start H = 1/K is used.
    let (term, per_weight) = match settings.objective {
        Objective::Gaussian => {
            let smoothing = settings.smoothing;
            let size = (entries * smoothing.ln().abs()).max(1.0 / smoothing);
            ("λ·(1 − α)·Σ ln(H + δ)", coefficient * size)
        }
        Objective::Seed => (
            "λ·(1 − α)·Σ log H",
            coefficient * entries * (components as f64).ln(),
        ),
    };
    if per_weight == 0.0 {
        return Ok(());
    }
    let main_text = args
        .prior_weight
        .as_ref()
        .map_or_else(|| settings.prior_weight.to_string(), |n| n.text.clone());
    let mut weights = vec![("prior-weight", settings.prior_weight, main_text)];
    if let Some(path) = &args.path {
        let texts = path.texts.iter().cloned();
        weights.extend(
            path.values
                .iter()
                .map(|&l| ("path", l))
                .zip(texts)
                .map(|((option, lambda), text)| (option, lambda, text)),
        );
    }
    for (option, lambda, text) in weights {
        if !lambda.is_finite() || (lambda * per_weight).is_finite() {
            continue;
        }
        let limit = 10f64.powf((f64::MAX / per_weight).log10().floor() - 1.0);
        return Err(CliError::InvalidOption {
            option,
            value: text,
            reason: format!(
                "the prior term {term} overflows a 64-bit float with this weight, --alpha {} \
                 and {components} components x {series} series, so the fit diverges at once; \
                 choose a prior weight of {limit:e} or less",
                settings.alpha
            ),
        });
    }
    Ok(())
}

/// Rejects a time axis whose last time overflows, which the pictures cannot
/// place.
fn check_time_axis(args: &FactorizeArgs, rows: usize) -> Result<(), CliError> {
    let last = args.time_start.value + args.time_step.value * rows.saturating_sub(1) as f64;
    if last.is_finite() {
        return Ok(());
    }
    Err(CliError::InvalidOption {
        option: "time-step",
        value: args.time_step.text.clone(),
        reason: format!(
            "the time of row {rows}, --time-start + {} x --time-step, is {last}; choose a \
             smaller --time-start or --time-step",
            rows.saturating_sub(1)
        ),
    })
}

/// Builds the main fit's settings: the chosen objective's preset, then every
/// option the user gave.
fn builder_from(args: &FactorizeArgs) -> SimplexNmf {
    let mut builder = match args.objective {
        ObjectiveArg::Gaussian => SimplexNmf::new(args.k),
        ObjectiveArg::Seed => SimplexNmf::seed_preset(args.k),
    };
    builder = builder
        .objective(Objective::from(args.objective))
        .seed(args.seed);
    if let Some(scaling) = args.scaling {
        builder = builder.scaling(scaling.into());
    }
    if let Some(restarts) = args.restarts {
        builder = builder.restarts(restarts);
    }
    if let Some(init) = args.init {
        builder = builder.init(init.into());
    }
    if let Some(alpha) = &args.alpha {
        builder = builder.alpha(alpha.value);
    }
    if let Some(iterations) = args.iterations {
        builder = builder.iterations(iterations);
    }
    if let Some(lambda) = &args.prior_weight {
        builder = builder.prior_weight(lambda.value);
    }
    if let Some(mu) = &args.basis_ridge {
        builder = builder.basis_ridge(mu.value);
    }
    if let Some(eta) = &args.learning_rate {
        builder = builder.learning_rate(eta.value);
    }
    if let Some(tolerance) = &args.tolerance {
        builder = builder.tolerance(tolerance.value);
    }
    if let Some(extra) = args.extra_components {
        builder = builder.extra_components(extra);
    }
    builder
}

fn fit(
    builder: SimplexNmf,
    data: &Dataset,
    label: String,
    suffix: &'static str,
) -> Result<LabeledFit, CliError> {
    let settings = builder.settings();
    let total = (settings.iterations * settings.restarts) as u64;
    let (builder, bar) = progress::attach(builder, total, &label);
    let result = builder.fit(&data.values);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let fit = result.map_err(|e| fit_error(e, &settings, data, "prior-weight"))?;
    print_warnings(&fit, data, &label);
    Ok(LabeledFit {
        label,
        suffix,
        settings,
        fit,
    })
}

fn regularisation_path(
    builder: SimplexNmf,
    data: &Dataset,
    weights: &[f64],
) -> Result<Vec<PathPoint>, CliError> {
    let settings = builder.settings();
    let runs = settings.restarts + weights.len().saturating_sub(1);
    let total = (settings.iterations * runs) as u64;
    let (builder, bar) = progress::attach(builder, total, "regularisation path");
    let result = builder.path(&data.values, weights);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let points = result.map_err(|e| fit_error(e, &settings, data, "path"))?;
    for point in &points {
        print_warnings(&point.fit, data, &path_label(point.prior_weight));
    }
    Ok(points)
}

/// Returns the name of the fit with prior weight `lambda` on the path.
pub fn path_label(lambda: f64) -> String {
    format!("regularisation path, prior weight {lambda}")
}

/// Prints the problems found in `fit` on stderr, naming the fit.
fn print_warnings(fit: &NmfFit, data: &Dataset, label: &str) {
    for warning in fit.warnings() {
        let message = report::warning_message(&warning, data.header.as_deref());
        eprintln!("warning: {message} (in {label})");
    }
}

/// Writes W.csv, H.csv, the pictures, report.json and index.html into the
/// empty folder `out`.
fn write_report_folder(
    outcome: &mut Outcome,
    out: &Path,
    args: &FactorizeArgs,
) -> Result<(), CliError> {
    let axis = TimeAxis::new(
        args.time_label.clone(),
        args.time_start.value,
        args.time_step.value,
    );
    let mut files = Vec::new();

    for labeled in &outcome.fits {
        let fit = &labeled.fit;
        let name = format!("W{}.csv", labeled.suffix);
        write_matrix_csv(&out.join(&name), &fit.w, None)?;
        files.push(name);
        let name = format!("H{}.csv", labeled.suffix);
        write_matrix_csv(&out.join(&name), &fit.h, outcome.data.header.as_deref())?;
        files.push(name);
    }

    let main = &outcome.fits[0];
    let reconstruction = main.fit.reconstruction();
    let name = "series.png".to_string();
    LineGrid::new(
        &outcome.data.values,
        "Observed series and their NMF reconstruction",
    )
    .reconstruction(&reconstruction)
    .names(&outcome.data.display_names)
    .axis(axis.clone())
    .max_panels(args.panels)
    .columns(PANEL_COLUMNS)
    .save(&out.join(&name))?;
    files.push(name);

    for labeled in &outcome.fits {
        draw_fit_pictures(out, labeled, outcome, &axis, &mut files)?;
    }

    if let Some(path) = &outcome.path {
        let points: Vec<TradeOffPoint> = path
            .iter()
            .map(|p| TradeOffPoint {
                prior_weight: p.prior_weight,
                relative_error: p.relative_error,
                median_max_weight: p.sparsity.median_max_weight,
                share_above_0_9: p.sparsity.share_above_0_9,
                collapsed: !crate::report::empty_components(&p.fit).is_empty(),
            })
            .collect();
        let name = "path.png".to_string();
        error_sparsity_path(&out.join(&name), &points, Some(outcome.svd.relative_error))?;
        files.push(name);
    }

    files.push("report.json".to_string());
    files.push("index.html".to_string());
    outcome.files = files;
    write_text(&out.join("report.json"), &report::render(outcome))?;
    write_text(&out.join("index.html"), &html::render(outcome))
}

/// Draws the basis series, the weights next to the SVD's, the component
/// correlation and the cost trace of one fit.
fn draw_fit_pictures(
    out: &Path,
    labeled: &LabeledFit,
    outcome: &Outcome,
    axis: &TimeAxis,
    files: &mut Vec<String>,
) -> Result<(), CliError> {
    let fit = &labeled.fit;
    let suffix = labeled.suffix;
    let components = component_names(fit.w.ncols());
    let svd_rows = component_names(outcome.svd.vt.nrows());
    let names = &outcome.data.display_names;

    let titles = basis_titles(fit, outcome);
    let name = format!("basis{suffix}.png");
    basis_functions(&out.join(&name), &fit.w, Some(&titles), axis)?;
    files.push(name);

    // Series sorted by dominant component turn the clusters into blocks.
    let order = cluster_order(fit);
    let h = fit.h.select_columns(&order);
    let vt = outcome.svd.vt.select_columns(&order);
    let sorted_names: Vec<String> = order.iter().map(|&j| names[j].clone()).collect();
    let x_label = "series, sorted by dominant NMF component";
    let nmf = Heatmap::new(&h, format!("H of {}", labeled.label))
        .x_label(x_label)
        .y_label("component")
        .row_names(&components)
        .column_names(&sorted_names)
        .scale(ColorScale::Sequential { min: 0.0, max: 1.0 })
        .color_label("weight");
    let title = format!("Vᵀ of the rank-{} SVD (signed)", outcome.svd_rank());
    let svd = Heatmap::new(&vt, title)
        .x_label(x_label)
        .y_label("singular vector")
        .row_names(&svd_rows)
        .column_names(&sorted_names)
        .scale(ColorScale::diverging_for(vt.as_slice()))
        .color_label("loading");
    let name = format!("weights{suffix}.png");
    heatmap_pair(&out.join(&name), &nmf, &svd)?;
    files.push(name);

    let name = format!("correlation{suffix}.png");
    let title = "Correlation between basis series (columns of W)";
    correlation_heatmap(
        &out.join(&name),
        &fit.component_correlation(),
        Some(&components),
        title,
    )?;
    files.push(name);

    let name = format!("loss{suffix}.png");
    let title = format!("Cost per iteration, {}", labeled.label);
    loss_trace(&out.join(&name), &fit.loss_trace, &title)?;
    files.push(name);
    Ok(())
}

/// Returns the series indices ordered by dominant component, and within a
/// component by decreasing weight on it.
fn cluster_order(fit: &NmfFit) -> Vec<usize> {
    let dominant = fit.dominant_components();
    let mut order: Vec<usize> = (0..fit.h.ncols()).collect();
    order.sort_by(|&a, &b| {
        let by_component = dominant[a].cmp(&dominant[b]);
        by_component.then(fit.h[(dominant[b], b)].total_cmp(&fit.h[(dominant[a], a)]))
    });
    order
}

/// Returns "1", "2", ... for `count` components.
fn component_names(count: usize) -> Vec<String> {
    (1..=count).map(|i| i.to_string()).collect()
}

/// Titles the basis panels with the number of series each one dominates.
fn basis_titles(fit: &NmfFit, outcome: &Outcome) -> Vec<String> {
    let dominant = fit.dominant_components();
    (0..fit.w.ncols())
        .map(|c| {
            let count = dominant.iter().filter(|&&d| d == c).count();
            format!(
                "basis {}: dominates {count} of {} series",
                c + 1,
                outcome.data.values.ncols()
            )
        })
        .collect()
}

fn write_text(path: &Path, text: &str) -> Result<(), CliError> {
    ferroflux::plot::write_atomically(path, text.as_bytes()).map_err(|source| CliError::Write {
        path: path.to_path_buf(),
        source,
    })
}
