//! Reads the inputs that `benches/peers/gen_data.py` writes and prints results
//! in the line format that `benches/peers/run` parses, so the ferroflux side
//! and the Rust peers share one reader and one timing loop.
//!
//! A data folder contains `manifest.txt` (lines `matrix NAME DTYPE ROWS COLS`
//! and `param NAME VALUE`) and one `NAME.bin` per matrix: little-endian
//! values in column-major order.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The workloads in the order the runner prints them.
pub const WORKLOADS: [&str; 8] = [
    "nmf-small",
    "nmf-large",
    "mlp-b1",
    "mlp-b32",
    "mlp-b128",
    "mlp-b1024",
    "softmax-f64",
    "softmax-f32",
];

/// A failure to read the inputs, with the file or entry it concerns.
#[derive(Debug)]
pub struct DataError(String);

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

fn error(message: String) -> DataError {
    DataError(message)
}

/// A matrix as stored: `rows x cols` values in column-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct ColMajor<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

/// Element types the files use.
pub trait Element: Copy {
    const DTYPE: &'static str;
    const SIZE: usize;
    fn from_le(bytes: &[u8]) -> Self;
}

impl Element for f64 {
    const DTYPE: &'static str = "f64";
    const SIZE: usize = 8;
    fn from_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes per f64"))
    }
}

impl Element for f32 {
    const DTYPE: &'static str = "f32";
    const SIZE: usize = 4;
    fn from_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes per f32"))
    }
}

/// The matrices and settings listed in `DIR/manifest.txt`.
#[derive(Debug)]
pub struct Inputs {
    dir: PathBuf,
    matrices: HashMap<String, (String, usize, usize)>,
    params: HashMap<String, String>,
}

impl Inputs {
    /// Parses `dir/manifest.txt`.
    pub fn open(dir: &Path) -> Result<Self, DataError> {
        let manifest = dir.join("manifest.txt");
        let text = std::fs::read_to_string(&manifest).map_err(|e| {
            error(format!(
                "cannot read {}: {e}; run gen_data.py first",
                manifest.display()
            ))
        })?;
        let mut matrices = HashMap::new();
        let mut params = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [] => {}
                ["matrix", name, dtype, rows, cols] => {
                    let parse = |s: &str| {
                        s.parse::<usize>().map_err(|_| {
                            error(format!(
                                "{} line {}: invalid size {s:?}",
                                manifest.display(),
                                index + 1
                            ))
                        })
                    };
                    matrices.insert(
                        name.to_string(),
                        (dtype.to_string(), parse(rows)?, parse(cols)?),
                    );
                }
                ["param", name, value] => {
                    params.insert(name.to_string(), value.to_string());
                }
                _ => {
                    return Err(error(format!(
                        "{} line {}: expected `matrix NAME DTYPE ROWS COLS` or `param NAME VALUE`, \
                         found {line:?}; rerun gen_data.py",
                        manifest.display(),
                        index + 1
                    )))
                }
            }
        }
        Ok(Inputs {
            dir: dir.to_path_buf(),
            matrices,
            params,
        })
    }

    /// Reads the matrix `name`, which must be stored as `T`.
    pub fn matrix<T: Element>(&self, name: &str) -> Result<ColMajor<T>, DataError> {
        let (dtype, rows, cols) = self.matrices.get(name).ok_or_else(|| {
            error(format!(
                "matrix {name:?} is not in {}/manifest.txt; rerun gen_data.py",
                self.dir.display()
            ))
        })?;
        if dtype != T::DTYPE {
            return Err(error(format!(
                "matrix {name:?} is stored as {dtype}, requested as {}",
                T::DTYPE
            )));
        }
        let path = self.dir.join(format!("{name}.bin"));
        let bytes = std::fs::read(&path)
            .map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
        if bytes.len() != rows * cols * T::SIZE {
            return Err(error(format!(
                "{} holds {} bytes, expected {rows} x {cols} values of {dtype}; rerun gen_data.py",
                path.display(),
                bytes.len()
            )));
        }
        let data = bytes.chunks_exact(T::SIZE).map(T::from_le).collect();
        Ok(ColMajor {
            rows: *rows,
            cols: *cols,
            data,
        })
    }

    fn param(&self, name: &str) -> Result<&str, DataError> {
        self.params.get(name).map(String::as_str).ok_or_else(|| {
            error(format!(
                "setting {name:?} is not in {}/manifest.txt",
                self.dir.display()
            ))
        })
    }

    fn usize_param(&self, name: &str) -> Result<usize, DataError> {
        let value = self.param(name)?;
        value
            .parse()
            .map_err(|_| error(format!("setting {name} = {value:?} is not a count")))
    }

    /// Iterations, optimiser steps or kernel calls per timed run of `workload`.
    pub fn count(&self, workload: &str) -> Result<usize, DataError> {
        self.usize_param(&format!("count.{workload}"))
    }

    /// Returns the batch size of an `mlp-bN` workload, which trains on its first N samples.
    pub fn batch(&self, workload: &str) -> Result<usize, DataError> {
        self.usize_param(&format!("batch.{workload}"))
    }

    /// Returns the Dirichlet concentration alpha of the NMF prior.
    pub fn alpha(&self) -> Result<f64, DataError> {
        let value = self.param("nmf_alpha")?;
        value
            .parse()
            .map_err(|_| error(format!("setting nmf_alpha = {value:?} is not a number")))
    }
}

/// Copies the first `count` columns of a column-major matrix.
pub fn first_columns<T: Copy>(m: &ColMajor<T>, count: usize) -> ColMajor<T> {
    ColMajor {
        rows: m.rows,
        cols: count,
        data: m.data[..m.rows * count].to_vec(),
    }
}

/// Copies the matrix into row-major order, the layout of candle and burn.
pub fn to_row_major<T: Copy>(m: &ColMajor<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(m.data.len());
    for i in 0..m.rows {
        out.extend((0..m.cols).map(|j| m.data[i + j * m.rows]));
    }
    out
}

/// `‖result - reference‖_F / ‖reference‖_F` over equally ordered values.
pub fn relative_error(result: impl IntoIterator<Item = f64>, reference: &[f64]) -> f64 {
    let mut diff = 0.0;
    let mut norm = 0.0;
    let mut n = 0;
    for (r, &e) in result.into_iter().zip(reference) {
        diff += (r - e) * (r - e);
        norm += e * e;
        n += 1;
    }
    assert_eq!(
        n,
        reference.len(),
        "relative_error: result and reference differ in length"
    );
    (diff / norm).sqrt()
}

/// Prints one timed run in the runner's format.
pub fn report(
    system: &str,
    workload: &str,
    seconds_per_iteration: f64,
    check_kind: &str,
    check: f64,
) {
    println!(
        "RESULT\t{system}\t{workload}\t{:.6}\t{check_kind}\t{check:.17e}",
        seconds_per_iteration * 1e6
    );
}

/// Prints that `system` cannot run `workload`, and why.
pub fn unavailable(system: &str, workload: &str, reason: &str) {
    println!("UNAVAILABLE\t{system}\t{workload}\t{reason}");
}

/// Runs `count` iterations `repeats + 1` times, each from a fresh `setup()`,
/// and returns `(seconds per iteration, finish(state))` of all but the first
/// (warm-up) run. Only the iterations are timed.
pub fn measure<S, E>(
    repeats: usize,
    count: usize,
    mut setup: impl FnMut() -> Result<S, E>,
    mut iterate: impl FnMut(&mut S) -> Result<(), E>,
    mut finish: impl FnMut(&mut S) -> Result<f64, E>,
) -> Result<Vec<(f64, f64)>, E> {
    let mut samples = Vec::with_capacity(repeats);
    for run in 0..=repeats {
        let mut state = setup()?;
        let start = Instant::now();
        for _ in 0..count {
            iterate(&mut state)?;
        }
        let seconds = start.elapsed().as_secs_f64() / count as f64;
        let check = finish(&mut state)?;
        if run > 0 {
            samples.push((seconds, check));
        }
    }
    Ok(samples)
}

/// Command-line arguments shared by the Rust programs:
/// `DATA_DIR [--repeats K] [WORKLOAD ...]`.
#[derive(Debug)]
pub struct Args {
    pub data_dir: PathBuf,
    pub repeats: usize,
    pub workloads: Vec<&'static str>,
    /// Arguments of the form `--name value` that the program handles itself.
    pub extra: HashMap<String, String>,
}

impl Args {
    /// Parses `std::env::args`, accepting `--NAME VALUE` for each name in `extra_names`.
    pub fn parse(extra_names: &[&str]) -> Result<Self, String> {
        let usage = format!(
            "usage: DATA_DIR [--repeats K]{} [WORKLOAD ...] with WORKLOAD one of {}",
            extra_names
                .iter()
                .map(|n| format!(" [--{n} VALUE]"))
                .collect::<String>(),
            WORKLOADS.join(", ")
        );
        let mut data_dir = None;
        let mut repeats = 3;
        let mut workloads = Vec::new();
        let mut extra = HashMap::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--{name} needs a value; {usage}"))?;
                if name == "repeats" {
                    repeats = value
                        .parse()
                        .map_err(|_| format!("--repeats {value:?} is not a count; {usage}"))?;
                } else if extra_names.contains(&name) {
                    extra.insert(name.to_string(), value);
                } else {
                    return Err(format!("unknown option --{name}; {usage}"));
                }
            } else if data_dir.is_none() {
                data_dir = Some(PathBuf::from(arg));
            } else {
                let known = WORKLOADS.into_iter().find(|w| *w == arg);
                workloads.push(known.ok_or_else(|| format!("unknown workload {arg:?}; {usage}"))?);
            }
        }
        let data_dir = data_dir.ok_or_else(|| format!("missing DATA_DIR; {usage}"))?;
        if workloads.is_empty() {
            workloads = WORKLOADS.to_vec();
        }
        Ok(Args {
            data_dir,
            repeats,
            workloads,
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a manifest and one 2 x 3 f64 matrix into a fresh folder under the system temp dir.
    fn sample_folder(tag: &str, manifest: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("peers-data-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("manifest.txt"), manifest).unwrap();
        let values: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(dir.join("m.bin"), values).unwrap();
        dir
    }

    #[test]
    fn matrix_reads_column_major() {
        let dir = sample_folder(
            "read",
            "matrix m f64 2 3\nparam count.nmf-small 7\nparam nmf_alpha 0.2\n",
        );
        let inputs = Inputs::open(&dir).unwrap();
        let m = inputs.matrix::<f64>("m").unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        // Column-major [1 3 5; 2 4 6] is [1 3 5 2 4 6] row by row.
        assert_eq!(to_row_major(&m), vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
        assert_eq!(first_columns(&m, 2).data, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(inputs.count("nmf-small").unwrap(), 7);
        assert_eq!(inputs.alpha().unwrap(), 0.2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn matrix_rejects_wrong_type_and_size() {
        let dir = sample_folder("reject", "matrix m f64 2 3\nmatrix short f64 4 4\n");
        std::fs::copy(dir.join("m.bin"), dir.join("short.bin")).unwrap();
        let inputs = Inputs::open(&dir).unwrap();
        let wrong_type = inputs.matrix::<f32>("m").unwrap_err().to_string();
        assert!(wrong_type.contains("stored as f64"), "{wrong_type}");
        let wrong_size = inputs.matrix::<f64>("short").unwrap_err().to_string();
        assert!(wrong_size.contains("expected 4 x 4"), "{wrong_size}");
        let missing = inputs.matrix::<f64>("absent").unwrap_err().to_string();
        assert!(missing.contains("\"absent\" is not in"), "{missing}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn manifest_rejects_unknown_line() {
        let dir = sample_folder("manifest", "matrix m f64 2 3\nsize 4\n");
        let message = Inputs::open(&dir).unwrap_err().to_string();
        assert!(message.contains("line 2"), "{message}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn relative_error_of_known_values() {
        // ‖(1, 2) - (1, 0)‖ / ‖(1, 0)‖ = 2.
        assert_eq!(relative_error([1.0, 2.0], &[1.0, 0.0]), 2.0);
        assert_eq!(relative_error([3.0, 4.0], &[3.0, 4.0]), 0.0);
    }

    #[test]
    fn measure_times_all_but_warm_up() {
        let mut setups = 0;
        let samples = measure::<u32, ()>(
            2,
            5,
            || {
                setups += 1;
                Ok(0)
            },
            |state| {
                *state += 1;
                Ok(())
            },
            |state| Ok(f64::from(*state)),
        )
        .unwrap();
        assert_eq!(
            setups, 3,
            "one warm-up run and two timed runs, each from a fresh state"
        );
        assert_eq!(samples.len(), 2);
        assert!(samples
            .iter()
            .all(|&(seconds, iterations)| seconds >= 0.0 && iterations == 5.0));
    }
}
