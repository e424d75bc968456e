//! Reading series from CSV and writing factors to CSV.
//!
//! The input layout is one column per series and one row per time step, with
//! an optional header row of series names, which is how the data files under
//! `data/` are stored. Output files are written atomically: into a temporary
//! file in the target folder, then renamed over the target, so a reader never
//! sees half a file.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use ferroflux_linalg::Matrix;

use crate::FactorizeError;

/// A set of series read from a file: `values` is T x n, one series per
/// column, and `names` contains the header row if the file had one.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    /// T x n values, one column per series.
    pub values: Matrix<f64>,
    /// The n series names from the header row, if there was one.
    pub names: Option<Vec<String>>,
}

/// Whether the first row of a CSV file contains series names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Decide from the content (see [`read_series_csv`]).
    #[default]
    Auto,
    /// The first row is a header.
    Present,
    /// Every row is data.
    Absent,
}

/// Reads a CSV file of series: one column per series, one row per time
/// step, an optional header row of names, cells separated by commas.
///
/// The header is detected as [`Header::Auto`] does it: the first row is a
/// header if one of its cells is not a number, or if all of its cells are
/// integers (such as years) while a later row holds a number with a decimal
/// point or exponent. Use [`read_series_csv_with`] to state it explicitly.
///
/// Positions in errors are lines of the file, counted from 1 with the header
/// and blank lines included, and columns counted from 1.
///
/// # Errors
/// - [`FactorizeError::FileNotFound`] and [`FactorizeError::Io`] name the
///   path.
/// - [`FactorizeError::EmptyFile`] if no data row is left.
/// - [`FactorizeError::RaggedRow`] names the line and both cell counts.
/// - [`FactorizeError::NonNumeric`] names the line, the column and the cell.
/// - [`FactorizeError::NonFiniteCell`] names the line and column of a cell
///   that parses as NaN or an infinity, such as `NaN`, `inf` or `1e999`.
/// - [`FactorizeError::DuplicateName`] names a repeated series name and both
///   of its columns.
/// - [`FactorizeError::Csv`] names the line and column of a cell that is not
///   valid UTF-8.
pub fn read_series_csv(path: &Path) -> Result<SeriesData, FactorizeError> {
    read_series_csv_with(path, Header::Auto)
}

/// Reads a CSV file of series like [`read_series_csv`], with the header
/// stated explicitly.
///
/// # Errors
/// As [`read_series_csv`].
pub fn read_series_csv_with(path: &Path, header: Header) -> Result<SeriesData, FactorizeError> {
    let rows = read_csv_records(path)?;
    let Some(first) = rows.first() else {
        return Err(FactorizeError::EmptyFile {
            path: path.to_path_buf(),
        });
    };
    let width = first.cells.len();
    for row in &rows {
        if row.cells.len() != width {
            return Err(FactorizeError::RaggedRow {
                path: path.to_path_buf(),
                line: row.line,
                expected: width,
                found: row.cells.len(),
            });
        }
    }

    let has_header = match header {
        Header::Present => true,
        Header::Absent => false,
        Header::Auto => detect_header(&rows),
    };
    log::debug!(
        "{}: header row {}",
        path.display(),
        if has_header { "found" } else { "absent" }
    );
    let data_rows = if has_header { &rows[1..] } else { &rows[..] };
    if data_rows.is_empty() {
        return Err(FactorizeError::EmptyFile {
            path: path.to_path_buf(),
        });
    }

    let names = if has_header {
        check_unique_names(path, first)?;
        Some(first.cells.clone())
    } else {
        None
    };
    let series_name = |j: usize| names.as_ref().map(|names| names[j].clone());

    let mut values = Matrix::zeros(data_rows.len(), width);
    for (i, row) in data_rows.iter().enumerate() {
        for (j, cell) in row.cells.iter().enumerate() {
            let Some(value) = parse_number(cell) else {
                return Err(FactorizeError::NonNumeric {
                    path: path.to_path_buf(),
                    line: row.line,
                    column: j + 1,
                    series: series_name(j),
                    row: i,
                    cell: cell.clone(),
                });
            };
            if !value.is_finite() {
                return Err(FactorizeError::NonFiniteCell {
                    path: path.to_path_buf(),
                    line: row.line,
                    column: j + 1,
                    series: series_name(j),
                    value,
                    cell: cell.clone(),
                });
            }
            values[(i, j)] = value;
        }
    }
    Ok(SeriesData { values, names })
}

/// Rejects a header row that names two series alike, because the names key
/// the components' series lists and the columns of `H.csv`.
fn check_unique_names(path: &Path, header: &CsvRecord) -> Result<(), FactorizeError> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(header.cells.len());
    for (j, name) in header.cells.iter().enumerate() {
        if let Some(&first) = seen.get(name.as_str()) {
            return Err(FactorizeError::DuplicateName {
                path: path.to_path_buf(),
                line: header.line,
                name: name.clone(),
                first_column: first + 1,
                second_column: j + 1,
            });
        }
        seen.insert(name, j);
    }
    Ok(())
}

/// One non-blank record of a CSV file: its cells, trimmed, and the 1-based
/// line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line where the record starts, counted from 1 with blank lines.
    pub line: u64,
    /// The cells, with surrounding whitespace removed.
    pub cells: Vec<String>,
}

/// Reads the records of a CSV file as [`read_series_csv`] does, without
/// reading cells as numbers: cells are trimmed, rows may differ in length,
/// and blank lines are skipped but counted in the line numbers. Use it for
/// side files such as a table of series names, so that their errors name
/// the same lines as those of the data file.
///
/// # Errors
/// [`FactorizeError::FileNotFound`] and [`FactorizeError::Io`] name the path;
/// [`FactorizeError::Csv`] names the line and column of a cell that is not
/// valid UTF-8.
pub fn read_csv_records(path: &Path) -> Result<Vec<CsvRecord>, FactorizeError> {
    let bytes = fs::read(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => FactorizeError::FileNotFound {
            path: path.to_path_buf(),
        },
        _ => FactorizeError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        },
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let mut lines = LineCounter::new(&bytes);
    let mut rows: Vec<CsvRecord> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e, &mut lines))?;
        let line = record
            .position()
            .map_or(lines.line, |p| lines.record_line(p.byte() as usize));
        // A line holding only whitespace parses as one empty cell: skip it.
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        rows.push(CsvRecord {
            line,
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(rows)
}

/// Turns byte offsets into 1-based line numbers of the file. The CSV
/// parser's own line count leaves out the blank lines it skips, so the lines
/// are counted here from the bytes: a line ends at `\n`, `\r\n` or a lone
/// `\r`, as it does for the parser.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Returns the line where the record at byte `offset` starts. The parser
    /// places a record that follows blank lines at the first blank line, so
    /// line endings at `offset` are skipped first. Offsets must not decrease
    /// from one call to the next.
    fn record_line(&mut self, offset: usize) -> u64 {
        let mut start = offset;
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.line_at(start)
    }

    /// Returns the line holding byte `offset`. Offsets must not decrease
    /// from one call to the next.
    fn line_at(&mut self, offset: usize) -> u64 {
        let end = offset.min(self.bytes.len());
        while self.offset < end {
            let byte = self.bytes[self.offset];
            let lone_return = byte == b'\r' && self.bytes.get(self.offset + 1) != Some(&b'\n');
            if byte == b'\n' || lone_return {
                self.line += 1;
            }
            self.offset += 1;
        }
        self.line
    }
}

fn csv_error(path: &Path, error: csv::Error, lines: &mut LineCounter) -> FactorizeError {
    // The parser gives the position of every record it rejects. Without one,
    // the error is at or after the last record read.
    let line = match error.position() {
        Some(position) => lines.record_line(position.byte() as usize),
        None => lines.line,
    };
    let message = match error.kind() {
        // The column goes into the sentence, because the Display of
        // `FactorizeError::Csv` already ends the place with "line L: ".
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "the cell in column {} is not valid UTF-8 at its byte {}; save the file as UTF-8",
            err.field() + 1,
            err.valid_up_to() + 1
        ),
        _ => error.to_string(),
    };
    if !error.is_io_error() {
        return FactorizeError::Csv {
            path: path.to_path_buf(),
            line,
            message,
        };
    }
    match error.into_kind() {
        csv::ErrorKind::Io(source) => FactorizeError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        },
        _ => unreachable!("is_io_error() was checked"),
    }
}

fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok()
}

fn is_integer_literal(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn detect_header(rows: &[CsvRecord]) -> bool {
    let first = &rows[0].cells;
    if first.iter().any(|c| parse_number(c).is_none()) {
        return true;
    }
    // A row of years over decimal data: integers cannot be distinguished from data
    // by parsing alone, so look at the rest of the file.
    first.iter().all(|c| is_integer_literal(c))
        && rows[1..]
            .iter()
            .flat_map(|r| &r.cells)
            .any(|c| parse_number(c).is_some() && !is_integer_literal(c))
}

/// Writes `m` as CSV, one matrix row per line, with an optional header row.
///
/// Numbers use Rust's shortest round-trip formatting, so reading the file
/// back gives the same `f64` values. Numbers of magnitude below 1e-5 or
/// from 1e16 on are written in scientific notation (`5.37e-200`). The file
/// is written to a temporary file next to `path` and renamed over it.
///
/// # Errors
/// [`FactorizeError::InvalidSetting`] if the header does not have one name
/// per column; [`FactorizeError::Io`] with the path if writing fails.
pub fn write_matrix_csv(
    path: &Path,
    m: &Matrix<f64>,
    header: Option<&[String]>,
) -> Result<(), FactorizeError> {
    if let Some(names) = header {
        if names.len() != m.ncols() {
            return Err(FactorizeError::InvalidSetting {
                name: "header",
                value: format!(
                    "{} names for a matrix with {} columns",
                    names.len(),
                    m.ncols()
                ),
                expected: "one name per column",
            });
        }
    }
    let io_error = |source| FactorizeError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    write_atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        if let Some(names) = header {
            writer.write_record(names).map_err(io::Error::from)?;
        }
        let mut record = Vec::with_capacity(m.ncols());
        for i in 0..m.nrows() {
            record.clear();
            record.extend(m.row(i).iter().map(|&x| csv_number(x)));
            writer.write_record(&record).map_err(io::Error::from)?;
        }
        writer.flush()
    })
    .map_err(io_error)
}

/// Formats `x` with the fewest digits that read back as the same `f64`:
/// positional between 1e-5 and 1e16, scientific outside, where positional
/// form would spell out up to 300 zeros.
fn csv_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-5..1e16).contains(&x.abs()) {
        x.to_string()
    } else {
        format!("{x:e}")
    }
}

/// Writes through `fill` into a temporary file in the folder of `path`, then
/// renames it over `path`. The temporary file is removed on failure.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let temporary = temporary_path(path);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&temporary)?);
        fill(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_handles_every_line_ending() {
        let text = b"a\nb\r\nc\rd\n\ne";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(2), 2); // after "\n"
        assert_eq!(lines.line_at(5), 3); // after "\r\n"
        assert_eq!(lines.line_at(7), 4); // after a lone "\r"
        assert_eq!(lines.line_at(10), 6); // after a blank line
        assert_eq!(lines.line_at(100), 6); // past the end

        let mut records = LineCounter::new(b"a\n\r\n\nb");
        assert_eq!(records.record_line(0), 1);
        assert_eq!(records.record_line(2), 4); // skips two blank lines
    }

    #[test]
    fn integer_literals() {
        assert!(is_integer_literal("1950"));
        assert!(is_integer_literal("-3"));
        assert!(!is_integer_literal("19.5"));
        assert!(!is_integer_literal("1e3"));
        assert!(!is_integer_literal(""));
    }
}
