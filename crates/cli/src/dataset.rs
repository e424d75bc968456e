//! The data to factorise: a CSV file of series, or the synthetic problem.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ferroflux::factorize::{read_csv_records, read_series_csv_with, seed_problem, FactorizeError};
use ferroflux::Matrix;

use crate::args::{FactorizeArgs, HeaderArg};
use crate::error::{time_steps, CliError};

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
        let Some(given) = &args.input else {
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

        let input = &input_file(given)?;
        if input.is_dir() {
            return Err(CliError::Input {
                path: input.clone(),
                place: String::new(),
                problem: "is a folder; --input takes a CSV file".into(),
            });
        }
        let data = read_series_csv_with(input, args.header.into())
            .map_err(|error| read_error(error, input, args.header))?;
        if data.values.iter().all(|&x| x == 0.0) {
            return Err(CliError::Input {
                path: input.clone(),
                place: String::new(),
                problem: format!(
                    "every value of the {} x {} series is zero, so there is nothing to \
                     factorise; check that --input names the intended file, and give one with \
                     at least one value other than zero",
                    time_steps(data.values.nrows()),
                    data.values.ncols()
                ),
            });
        }
        if args.header == HeaderArg::Auto && data.names.is_none() {
            // NOTE: this reads the file a second time, and a pipe on
            // standard input is empty by then, so piped data get no note.
            note_integer_first_row(input);
        }
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
            let SeriesNames { names, header_code } = read_series_names(path)?;
            if codes.contains(&header_code) {
                return Err(names_error(
                    path,
                    &format!(
                        "line 1 was read as the header row, but its first cell {header_code:?} \
                         is a series name of {}; add a header line such as code,name at the \
                         top of the file",
                        input.display()
                    ),
                ));
            }
            display_names = codes
                .iter()
                .map(|code| names.get(code).cloned().unwrap_or_else(|| code.clone()))
                .collect();
            let unmatched = codes.iter().filter(|c| !names.contains_key(*c)).count();
            if unmatched == codes.len() {
                return Err(names_error(
                    path,
                    &format!(
                        "none of its {} codes matches a series name of {} (such as {:?}); the \
                         first column of --series-names must contain the names of the header \
                         row of --input",
                        names.len(),
                        input.display(),
                        codes[0]
                    ),
                ));
            }
            check_distinct_names(path, codes, &display_names)?;
            if unmatched > 0 {
                eprintln!(
                    "note: {unmatched} of {} series names of {} are not in {}; they keep their names from the header",
                    codes.len(),
                    input.display(),
                    path.display()
                );
            }
        }
        let source = if is_stdin(given) {
            "standard input".to_string()
        } else {
            given.display().to_string()
        };
        Ok(Dataset {
            description: format!(
                "{source} ({} x {} series)",
                time_steps(data.values.nrows()),
                data.values.ncols()
            ),
            values: data.values,
            header: data.names,
            display_names,
            synthetic: false,
        })
    }
}

/// Returns whether `--input` names the standard input, as `-` does.
fn is_stdin(input: &Path) -> bool {
    input.as_os_str() == "-"
}

/// Returns the file to read for `--input`: the path as given, or for `-` the
/// standard input as `/dev/stdin`, which the reader opens like a file. A
/// file named `-` is read as `./-`.
fn input_file(input: &Path) -> Result<PathBuf, CliError> {
    if !is_stdin(input) {
        return Ok(input.to_path_buf());
    }
    let invalid = |reason: &str| CliError::InvalidOption {
        option: "input",
        value: "-".into(),
        reason: reason.to_string(),
    };
    let stdin = Path::new("/dev/stdin");
    if !stdin.exists() {
        return Err(invalid(
            "reading the series from standard input needs /dev/stdin, which this system does \
             not have; save the data to a CSV file and pass its path",
        ));
    }
    if std::io::stdin().is_terminal() {
        return Err(invalid(
            "it reads the series from standard input, which is a terminal here; pipe the CSV \
             data in, as in `--input - < data.csv`, or pass the file's path",
        ));
    }
    Ok(stdin.to_path_buf())
}

/// Rejects display names that two series share, which would make the
/// pictures and the component lists ambiguous.
fn check_distinct_names(path: &Path, codes: &[String], names: &[String]) -> Result<(), CliError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (j, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name, j) {
            return Err(names_error(
                path,
                &format!(
                    "series {:?} and {:?} both get the name {name:?}; give every series its \
                     own name",
                    codes[first], codes[j]
                ),
            ));
        }
    }
    Ok(())
}

/// Prints a note when the first row, read as data, contains only integers,
/// because such a row may be a header of years that the guess took for data.
fn note_integer_first_row(input: &Path) {
    let Ok(records) = read_csv_records(input) else {
        return;
    };
    let Some(first) = records.first() else {
        return;
    };
    if first.cells.iter().all(|cell| is_integer(cell)) {
        eprintln!(
            "note: {}: line {} ({}) contains only integers and was read as data, like the \
             rows below it; if it contains series names such as years, give --header present",
            input.display(),
            first.line,
            first.cells.join(",")
        );
    }
}

/// Returns whether `cell` is an integer literal such as `2001` or `-3`.
fn is_integer(cell: &str) -> bool {
    let digits = cell.trim().strip_prefix(['-', '+']).unwrap_or(cell.trim());
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
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
                 cell per series, with no empty or extra cells{}",
                ragged_hint(expected, found)
            ),
        ),
        FactorizeError::NonNumeric {
            line,
            column,
            series,
            row,
            cell,
            ..
        } => {
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
            if let Some(delimiter) = foreign_delimiter(&cell) {
                problem.push_str(&format!(
                    "; the cell contains a {delimiter}, so the file may separate its cells by \
                     {delimiter}s, but --input expects commas: convert the file to commas"
                ));
            } else if let Some(hint) = decimal_comma_hint(&cell) {
                problem.push_str(&hint);
            }
            if row == 0 && header == HeaderArg::Absent {
                problem.push_str(&format!(
                    "; if line {line} contains series names, leave out --header absent"
                ));
            }
            input(place(line, column, series.as_deref()), problem)
        }
        FactorizeError::NonFiniteCell {
            line,
            column,
            series,
            value,
            cell,
            ..
        } => {
            let overflow = value.is_infinite() && !cell.to_ascii_lowercase().contains("inf");
            let (value, fix) = if overflow {
                (
                    format!(
                        "the value {cell} exceeds the largest finite number, about 1.8e308, \
                         and reads as {value}"
                    ),
                    "for example by dividing the series by a power of ten",
                )
            } else {
                (
                    format!("the value is {value}"),
                    "for example by interpolating",
                )
            };
            input(
                place(line, column, series.as_deref()),
                format!(
                    "{value}; every cell must be a finite number, so remove the row or \
                     replace the value ({fix})"
                ),
            )
        }
        other => CliError::Factorize(other),
    }
}

/// Returns a hint at the likely cause of rows with `found` cells where the
/// first row has `expected`: a first row of one cell is a file separated by
/// another character, and extra cells are often numbers with decimal commas.
fn ragged_hint(expected: usize, found: usize) -> &'static str {
    if expected == 1 {
        "; the first row is one cell, so the file may separate its cells with semicolons \
         or tabs, which --input does not read: save it as comma-separated values with \
         decimal points"
    } else if found > expected {
        "; if the numbers are written with decimal commas, each splits into two cells: \
         write them with decimal points"
    } else {
        ""
    }
}

/// Returns the name of a delimiter other than the comma found in `cell`.
fn foreign_delimiter(cell: &str) -> Option<&'static str> {
    if cell.contains(';') {
        Some("semicolon")
    } else if cell.contains('\t') {
        Some("tab")
    } else {
        None
    }
}

/// Returns a hint for a quoted cell of digits and commas, such as `"1,5"`,
/// which is a number written with a decimal comma or thousands separators.
/// A cell with one comma gets the number with a decimal point as the fix.
fn decimal_comma_hint(cell: &str) -> Option<String> {
    let numeric = cell
        .chars()
        .all(|c| c.is_ascii_digit() || ",.+-eE".contains(c));
    if !(cell.contains(',') && numeric) {
        return None;
    }
    let with_point = cell.replace(',', ".");
    let number = cell.matches(',').count() == 1 && with_point.parse::<f64>().is_ok();
    Some(if number {
        format!(
            "; if its comma is a decimal comma, write the number with a decimal point, as \
             {with_point}, because --input reads only decimal points"
        )
    } else {
        "; the cell is a number with commas, so write it with a decimal point and without \
         thousands separators"
            .to_string()
    })
}

/// Formats ", line L, column C (series NAME)", leaving out an unknown name.
fn place(line: u64, column: usize, series: Option<&str>) -> String {
    match series {
        Some(name) => format!(", line {line}, column {column} (series {name})"),
        None => format!(", line {line}, column {column}"),
    }
}

/// The `code,name` pairs of a --series-names file.
struct SeriesNames {
    /// Name by code.
    names: HashMap<String, String>,
    /// The code cell of line 1, which was read as the header row.
    header_code: String,
}

/// Reads a `code,name` CSV file with a header row into a map from code to
/// name. Every row must have exactly two cells.
fn read_series_names(path: &Path) -> Result<SeriesNames, CliError> {
    if path.is_dir() {
        return Err(names_error(
            path,
            "is a folder; --series-names takes a CSV file of code,name lines",
        ));
    }
    let records = read_csv_records(path).map_err(|error| match error {
        FactorizeError::FileNotFound { .. } => {
            names_error(path, "file not found; check the path of --series-names")
        }
        other => CliError::Factorize(other),
    })?;
    let mut names = HashMap::new();
    let mut lines: HashMap<&str, u64> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let [code, name] = record.cells.as_slice() else {
            let count = record.cells.len();
            let cells = if count == 1 { "cell" } else { "cells" };
            return Err(names_error(
                path,
                &format!(
                    "line {} has {count} {cells}; expected two, code and name (put a name \
                     that contains a comma in double quotes, as in \"Congo, Rep.\")",
                    record.line
                ),
            ));
        };
        if index == 0 {
            continue;
        }
        if let Some(first) = lines.insert(code, record.line) {
            return Err(names_error(
                path,
                &format!(
                    "line {}: the code {code:?} already has a name on line {first}; give \
                     each code one name, so remove one of the two lines",
                    record.line
                ),
            ));
        }
        names.insert(code.clone(), name.clone());
    }
    if names.is_empty() {
        return Err(names_error(
            path,
            "no rows after the header; expected lines of code,name",
        ));
    }
    let header_code = records[0].cells[0].clone();
    Ok(SeriesNames { names, header_code })
}

fn names_error(path: &Path, message: &str) -> CliError {
    CliError::SeriesNames {
        path: PathBuf::from(path),
        message: message.to_string(),
    }
}
