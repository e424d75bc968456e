//! The data to factorise: a CSV file of series, or the synthetic problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ferroflux::factorize::{read_series_csv_with, seed_problem};
use ferroflux::Matrix;

use crate::args::FactorizeArgs;
use crate::error::CliError;

/// Series to factorise, T x n, with their names.
#[derive(Debug)]
pub struct Dataset {
    /// T x n values, one series per column.
    pub values: Matrix<f64>,
    /// The header row of the input, which also heads the columns of H.csv.
    pub header: Option<Vec<String>>,
    /// The name shown for each series in pictures, the summary and index.html.
    pub display_names: Vec<String>,
    /// One line saying where the data came from.
    pub description: String,
    /// Whether this is the synthetic problem of the Flux example.
    pub synthetic: bool,
}

impl Dataset {
    /// Loads `--input`, or builds the synthetic problem without it.
    pub fn load(args: &FactorizeArgs) -> Result<Self, CliError> {
        let Some(input) = &args.input else {
            if let Some(path) = &args.series_names {
                return Err(names_error(
                    path,
                    "--series-names needs --input with a header row of series names",
                ));
            }
            let values = seed_problem(args.seed);
            let display_names = (1..=values.ncols())
                .map(|j| format!("series {j}"))
                .collect();
            return Ok(Dataset {
                description: format!(
                    "synthetic problem of the Flux time-series example (m, n, k = 20, 10, 3; seed {})",
                    args.seed
                ),
                values,
                header: None,
                display_names,
                synthetic: true,
            });
        };

        let data = read_series_csv_with(input, args.header.into())?;
        check_finite(input, &data.values, data.names.as_deref())?;
        let mut display_names: Vec<String> = match &data.names {
            Some(names) => names.clone(),
            None => (1..=data.values.ncols())
                .map(|j| format!("series {j}"))
                .collect(),
        };
        if let Some(path) = &args.series_names {
            let Some(codes) = &data.names else {
                return Err(names_error(
                    path,
                    "--series-names needs an --input whose first row holds series names (try --header present)",
                ));
            };
            let names = read_series_names(path)?;
            display_names = codes
                .iter()
                .map(|code| names.get(code).cloned().unwrap_or_else(|| code.clone()))
                .collect();
            let unmatched = codes.iter().filter(|c| !names.contains_key(*c)).count();
            if unmatched > 0 {
                eprintln!(
                    "note: {unmatched} of {} series names of {} are not in {}; they keep their names from the header",
                    codes.len(),
                    input.display(),
                    path.display()
                );
            }
        }
        Ok(Dataset {
            description: format!(
                "{} ({} time steps x {} series)",
                input.display(),
                data.values.nrows(),
                data.values.ncols()
            ),
            values: data.values,
            header: data.names,
            display_names,
            synthetic: false,
        })
    }
}

/// Rejects NaN and infinite cells with their place in the file, which the
/// fit would report only by 0-based matrix index.
fn check_finite(
    path: &Path,
    values: &Matrix<f64>,
    names: Option<&[String]>,
) -> Result<(), CliError> {
    for row in 0..values.nrows() {
        for column in 0..values.ncols() {
            let value = values[(row, column)];
            if value.is_finite() {
                continue;
            }
            let series = match names {
                Some(names) => format!(" (series {})", names[column]),
                None => String::new(),
            };
            return Err(CliError::NonFinite {
                path: path.to_path_buf(),
                row: row + 1,
                column: column + 1,
                series,
                value,
            });
        }
    }
    Ok(())
}

/// Reads a `code,name` CSV file with a header row into a map from code to name.
fn read_series_names(path: &Path) -> Result<HashMap<String, String>, CliError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            names_error(path, "file not found; check the path of --series-names")
        }
        _ => names_error(path, &format!("cannot read the file: {e}")),
    })?;
    let mut names = HashMap::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| names_error(path, &format!("{e}; expected two columns, code and name")))?;
        let line = record.position().map_or(0, |p| p.line());
        let (Some(code), Some(name)) = (record.get(0), record.get(1)) else {
            return Err(names_error(
                path,
                &format!(
                    "line {line} has {} cell(s); expected two, code and name",
                    record.len()
                ),
            ));
        };
        names.insert(code.trim().to_string(), name.trim().to_string());
    }
    if names.is_empty() {
        return Err(names_error(
            path,
            "no rows after the header; expected lines of code,name",
        ));
    }
    Ok(names)
}

fn names_error(path: &Path, message: &str) -> CliError {
    CliError::SeriesNames {
        path: PathBuf::from(path),
        message: message.to_string(),
    }
}
