//! The data to factorise: a CSV file of series, or the synthetic problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ferroflux::factorize::{read_series_csv_with, seed_problem, FactorizeError};
use ferroflux::Matrix;

use crate::args::{FactorizeArgs, HeaderArg};
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

        if input.is_dir() {
            return Err(CliError::Input {
                path: input.clone(),
                place: String::new(),
                problem: "is a folder; --input takes a CSV file".into(),
            });
        }
        let data = read_series_csv_with(input, args.header.into())
            .map_err(|error| read_error(error, input, args.header))?;
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

/// Rejects NaN and infinite cells with their line in the file, which the
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
            // The header, if any, is record 0 of the file.
            let record = row + usize::from(names.is_some());
            let line = record_lines(path).get(record).copied();
            return Err(CliError::Input {
                path: path.to_path_buf(),
                place: place(line, column + 1, names),
                problem: format!(
                    "the value is {value}; every cell must be a finite number, so remove \
                     the row or replace the value (for example by interpolating)"
                ),
            });
        }
    }
    Ok(())
}

/// Restates an error of reading `--input` with the place in the file and
/// the fix in the command's terms.
fn read_error(error: FactorizeError, path: &Path, header: HeaderArg) -> CliError {
    let input = |place: String, problem: String| CliError::Input {
        path: path.to_path_buf(),
        place,
        problem,
    };
    match error {
        FactorizeError::EmptyFile { .. } => {
            let problem = if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                "the file is empty"
            } else {
                "the file has no data rows, only blank lines or a header row"
            };
            input(
                String::new(),
                format!(
                    "{problem}; write one row of numbers per time step and one column per \
                     series, below an optional header row of series names"
                ),
            )
        }
        FactorizeError::RaggedRow {
            line,
            expected,
            found,
            ..
        } => input(
            format!(", line {line}"),
            format!(
                "found {found} cells where the first row has {expected}; give every row one \
                 cell per series, with no empty or extra cells"
            ),
        ),
        FactorizeError::NonNumeric {
            line, column, cell, ..
        } => {
            let names = header_names(path, header);
            let first_line = record_lines(path).first().copied();
            let mut problem = if cell.is_empty() {
                "the cell is empty; every cell below the header row must be a number, so fill \
                 it (for example by interpolating) or remove the row"
                    .to_string()
            } else {
                format!(
                    "cannot read {cell:?} as a number; every cell below the header row must be \
                     a number, so correct the cell or remove the row"
                )
            };
            let on_first_line = first_line == Some(line);
            if on_first_line && header == HeaderArg::Absent {
                problem.push_str(&format!(
                    "; if line {line} contains series names, leave out --header absent"
                ));
            }
            let names = names.filter(|_| !on_first_line);
            input(place(Some(line), column, names.as_deref()), problem)
        }
        other => CliError::Factorize(other),
    }
}

/// Formats ", line L, column C (series NAME)", leaving out what is unknown.
fn place(line: Option<u64>, column: usize, names: Option<&[String]>) -> String {
    let mut text = String::new();
    if let Some(line) = line {
        text.push_str(&format!(", line {line}"));
    }
    text.push_str(&format!(", column {column}"));
    if let Some(name) = names.and_then(|names| names.get(column - 1)) {
        text.push_str(&format!(" (series {name})"));
    }
    text
}

/// Returns the 1-based line of each record of a CSV file, skipping blank
/// lines as the reader of `--input` does, or as many as can be read.
fn record_lines(path: &Path) -> Vec<u64> {
    csv_records(path)
        .into_iter()
        .map(|(line, _)| line)
        .collect()
}

/// Returns the cells of the first record if `--header` makes it a header:
/// always with `present`, and with `auto` if a cell is not a number. (A
/// first row of integers such as years also counts as a header with `auto`,
/// but telling it from data needs the rest of the file, so such names are
/// left out of messages.)
fn header_names(path: &Path, header: HeaderArg) -> Option<Vec<String>> {
    let (_, first) = csv_records(path).into_iter().next()?;
    let is_header = match header {
        HeaderArg::Present => true,
        HeaderArg::Absent => false,
        HeaderArg::Auto => first.iter().any(|cell| cell.parse::<f64>().is_err()),
    };
    is_header.then_some(first)
}

/// Reads the records of a CSV file with their 1-based line numbers, with the
/// settings of the `--input` reader (cells trimmed, rows of any length,
/// blank lines skipped), stopping at the first unreadable record.
///
/// The lines are counted from the bytes, blank lines included, because the
/// CSV parser's own count leaves out the blank lines it skips.
// NOTE: this repeats the line count of the library's reader, which returns
// no line per data row; a NaN cell is only found after reading.
fn csv_records(path: &Path) -> Vec<(u64, Vec<String>)> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let mut records = Vec::new();
    let (mut counted, mut line) = (0, 1);
    for record in reader.records().map_while(Result::ok) {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        // A record after blank lines starts at the first of them.
        let mut start = record.position().map_or(counted, |p| p.byte() as usize);
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += count_line_ends(&bytes[counted..start.min(bytes.len())]);
        counted = start.min(bytes.len());
        records.push((line, record.iter().map(str::to_owned).collect()));
    }
    records
}

/// Counts the line ends `\n`, `\r\n` and lone `\r` in `bytes`.
fn count_line_ends(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let lone_return = byte == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if byte == b'\n' || lone_return {
            count += 1;
        }
    }
    count
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_lines_count_blank_lines() {
        let path = std::env::temp_dir().join(format!("cli-lines-{}.csv", std::process::id()));
        std::fs::write(&path, "a,b\r\n1,2\r\n\r\n\r\n3,4\n\n5,6\r7,8\n").unwrap();
        let lines = record_lines(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(lines, [1, 2, 5, 7, 8]);
    }

    #[test]
    fn line_ends_of_each_kind() {
        assert_eq!(count_line_ends(b"a\nb\r\nc\rd"), 3);
        assert_eq!(count_line_ends(b"\r\n\r\n"), 2);
        assert_eq!(count_line_ends(b""), 0);
    }
}
