//! Options of `ferroflux factorize`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ferroflux::factorize::{Header, Init, NmfSettings, Objective, Scaling, SimplexNmf};

/// Options of `ferroflux factorize`. Options without a default value take
/// the value of the chosen objective's settings (see `--objective`).
#[derive(Debug, Args)]
pub struct FactorizeArgs {
    /// CSV file of series: one column per series, one row per time step, an
    /// optional header row of series names; `-` reads standard input.
    /// Without it, the synthetic problem of the Flux time-series example is
    /// fitted.
    #[arg(long, value_name = "CSV")]
    pub input: Option<PathBuf>,

    /// Number of components k (1 <= k <= number of series). A k above the
    /// rank of the data is valid, and the SVD baseline then has as many
    /// components as the rank.
    #[arg(long, default_value_t = 3, value_parser = whole_number::<usize>, allow_negative_numbers = true)]
    pub k: usize,

    #[arg(long, allow_hyphen_values = true, value_parser = number, help = setting_help("Dirichlet concentration alpha > 0 of the prior on each column of H; \
        alpha < 1 favours sparse weights", |s| s.alpha.to_string()))]
    pub alpha: Option<Number>,

    #[arg(long, value_parser = whole_number::<usize>, allow_negative_numbers = true,
        help = setting_help("Maximum iterations per run", |s| s.iterations.to_string()))]
    pub iterations: Option<usize>,

    /// Seed of the random initialisation (and of the synthetic problem).
    #[arg(long, default_value_t = 0, value_parser = whole_number::<u64>, allow_negative_numbers = true)]
    pub seed: u64,

    /// Folder for W.csv, H.csv, report.json, the pictures and index.html;
    /// created if missing.
    #[arg(long, value_name = "DIR", default_value = "factorize-report")]
    pub out: PathBuf,

    /// Cost function: `gaussian` (the default, a well-posed posterior) or
    /// `seed` (the Flux example's cost, with its settings).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Gaussian)]
    pub objective: ObjectiveArg,

    #[arg(long, allow_hyphen_values = true, value_parser = number, value_name = "LAMBDA", help = setting_help("Weight lambda >= 0 of the log-prior term; \
        0 fits on the simplex without a prior", |s| s.prior_weight.to_string()))]
    pub prior_weight: Option<Number>,

    #[arg(long, allow_hyphen_values = true, value_parser = number, value_name = "MU", help = gaussian_setting_help("Weight mu >= 0 of the \
        gaussian objective's ridge term mu/2·‖W‖², which keeps basis series from growing to make \
        up for small weights; 0 turns it off", |s| s.basis_ridge.to_string()))]
    pub basis_ridge: Option<Number>,

    #[arg(long, allow_hyphen_values = true, value_parser = number, value_name = "ETA", help = setting_help("Adam's step size eta > 0", |s| s.learning_rate.to_string()))]
    pub learning_rate: Option<Number>,

    #[arg(long, allow_hyphen_values = true, value_parser = number, help = setting_help("Stop once the relative change of the cost stays below this \
        for 10 iterations; 0 runs every iteration", |s| s.tolerance.to_string()))]
    pub tolerance: Option<Number>,

    #[arg(long, value_enum, help = setting_help("Divide each series before fitting, \
        so series of different size count alike", |s| scaling_name(s.scaling).to_string()))]
    pub scaling: Option<ScalingArg>,

    #[arg(long, value_parser = whole_number::<usize>, allow_negative_numbers = true,
        help = setting_help("Number of runs from seeds seed, seed+1, ...; \
        the lowest cost wins", |s| s.restarts.to_string()))]
    pub restarts: Option<usize>,

    #[arg(long, value_enum, help = setting_help("Starting point of W and H", |s| init_name(s.init).to_string()))]
    pub init: Option<InitArg>,

    #[arg(long, value_name = "N", value_parser = whole_number::<usize>, allow_negative_numbers = true,
        help = setting_help("Basis series fitted beyond k", |s| s.extra_components.to_string()))]
    pub extra_components: Option<usize>,

    /// Regularisation path: comma-separated prior weights, fitted in the
    /// given order, each starting from the previous fit; writes path.png.
    #[arg(
        long,
        value_name = "LAMBDAS",
        value_parser = prior_weights,
        allow_hyphen_values = true
    )]
    pub path: Option<PriorWeights>,

    /// Whether the first row of --input contains series names; `auto` decides
    /// from its content.
    #[arg(long, value_enum, default_value_t = HeaderArg::Auto)]
    pub header: HeaderArg,

    /// CSV file `code,name` (with a header row) mapping the series names of
    /// --input to the names shown in pictures and index.html.
    #[arg(long, value_name = "CSV")]
    pub series_names: Option<PathBuf>,

    /// Title of the time axis in the pictures.
    #[arg(long, value_name = "LABEL", default_value = "time step")]
    pub time_label: String,

    /// Time of the first row, for the time axis of the pictures.
    #[arg(
        long,
        value_name = "T0",
        default_value = "0",
        value_parser = number,
        allow_hyphen_values = true
    )]
    pub time_start: Number,

    /// Time between rows, for the time axis of the pictures.
    #[arg(
        long,
        value_name = "DT",
        default_value = "1",
        value_parser = number,
        allow_hyphen_values = true
    )]
    pub time_step: Number,

    /// Number of series drawn in series.png, from the first (at most 200).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 12,
        value_parser = whole_number::<usize>,
        allow_negative_numbers = true
    )]
    pub panels: usize,
}

/// Returns help text for a setting whose default depends on `--objective`,
/// with both defaults read from the library so that they cannot go stale.
fn setting_help(text: &str, value: impl Fn(&NmfSettings) -> String) -> String {
    let gaussian = SimplexNmf::new(3).settings();
    let seed = SimplexNmf::seed_preset(3).settings();
    format!(
        "{text} [default: {}; {} with --objective seed]",
        value(&gaussian),
        value(&seed)
    )
}

/// Formats the help of an option that only the gaussian objective uses,
/// with its default.
fn gaussian_setting_help(text: &str, value: impl Fn(&NmfSettings) -> String) -> String {
    let gaussian = SimplexNmf::new(3).settings();
    format!(
        "{text} [default: {}; unused with --objective seed]",
        value(&gaussian)
    )
}

/// Parses a count option. Negative numbers reach this parser (instead of
/// being taken for an unknown option) so that the error names the value.
fn whole_number<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr<Err = std::num::ParseIntError> + std::fmt::Display + Bounded,
{
    text.parse()
        .map_err(|error: std::num::ParseIntError| match error.kind() {
            std::num::IntErrorKind::PosOverflow => {
                format!(
                    "the number is larger than the maximum, {}; choose a smaller one",
                    T::MAX
                )
            }
            _ => "expected a whole number such as 10, without a sign or decimal point".to_string(),
        })
}

/// An integer type's maximum, for the overflow message of [`whole_number`].
trait Bounded {
    const MAX: Self;
}

impl Bounded for usize {
    const MAX: Self = usize::MAX;
}

impl Bounded for u64 {
    const MAX: Self = u64::MAX;
}

/// A number option with the text given on the command line, which error
/// messages quote instead of the parsed value's formatting. Its options take
/// values that start with a hyphen, because clap's negative-number check
/// misses forms such as `-1e-300`.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The parsed value.
    pub value: f64,
    /// The text as given.
    pub text: String,
}

/// Parses a number option and keeps its text.
fn number(text: &str) -> Result<Number, String> {
    let value = text
        .trim()
        .parse::<f64>()
        .map_err(|_| "expected a number such as 0.5 or -2".to_string())?;
    Ok(Number {
        value,
        text: text.to_string(),
    })
}

/// The prior weights of `--path`, in the given order, with their texts.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorWeights {
    /// The parsed weights.
    pub values: Vec<f64>,
    /// Each weight as given, for error messages.
    pub texts: Vec<String>,
}

/// Parses the comma-separated numbers of `--path`. Negative numbers are
/// accepted here, so that the range check names them.
fn prior_weights(text: &str) -> Result<PriorWeights, String> {
    let texts: Vec<String> = text
        .split(',')
        .map(|cell| cell.trim().to_string())
        .collect();
    let values = texts
        .iter()
        .map(|cell| {
            let cell = cell.trim();
            cell.parse::<f64>().map_err(|_| {
                format!("cannot read {cell:?} as a number; expected comma-separated numbers such as 0,0.1,1")
            })
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(PriorWeights { values, texts })
}

/// Returns the `--scaling` value of `scaling`.
fn scaling_name(scaling: Scaling) -> &'static str {
    match scaling {
        Scaling::None => "none",
        Scaling::Mean => "mean",
        Scaling::StdDev => "std-dev",
    }
}

/// Returns the `--init` value of `init`.
fn init_name(init: Init) -> &'static str {
    match init {
        Init::Random => "random",
        Init::Svd => "svd",
        Init::KMeansPlusPlus => "kmeans++",
    }
}

/// `--objective` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// ‖A − W·H‖²/(2σ²) − λ(α − 1)·Σ ln(H + δ), σ² from the rank-k SVD residual.
    Gaussian,
    /// ‖A − W·H‖ − λ(α − 1)·Σ log H, the Flux example's cost.
    Seed,
}

impl From<ObjectiveArg> for Objective {
    fn from(value: ObjectiveArg) -> Self {
        match value {
            ObjectiveArg::Gaussian => Objective::Gaussian,
            ObjectiveArg::Seed => Objective::Seed,
        }
    }
}

/// `--scaling` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScalingArg {
    /// Fit the data as given.
    None,
    /// Divide each series by the absolute value of its mean.
    Mean,
    /// Divide each series by its standard deviation.
    StdDev,
}

impl From<ScalingArg> for Scaling {
    fn from(value: ScalingArg) -> Self {
        match value {
            ScalingArg::None => Scaling::None,
            ScalingArg::Mean => Scaling::Mean,
            ScalingArg::StdDev => Scaling::StdDev,
        }
    }
}

/// `--init` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitArg {
    /// W uniform, logits of H standard normal, from the seed.
    Random,
    /// From the leading singular vectors of the data.
    Svd,
    /// Basis series picked among the series, k-means++ style.
    #[value(name = "kmeans++")]
    KMeansPlusPlus,
}

impl From<InitArg> for Init {
    fn from(value: InitArg) -> Self {
        match value {
            InitArg::Random => Init::Random,
            InitArg::Svd => Init::Svd,
            InitArg::KMeansPlusPlus => Init::KMeansPlusPlus,
        }
    }
}

/// `--header` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderArg {
    /// A header if a cell of the first row is not a number, or if the first
    /// row holds only integers (such as years) above decimal data.
    Auto,
    /// The first row is a header.
    Present,
    /// Every row is data.
    Absent,
}

impl From<HeaderArg> for Header {
    fn from(value: HeaderArg) -> Self {
        match value {
            HeaderArg::Auto => Header::Auto,
            HeaderArg::Present => Header::Present,
            HeaderArg::Absent => Header::Absent,
        }
    }
}
