//! Saving and loading a model's parameters in the safetensors format.
//!
//! Each parameter and state matrix of the model becomes one tensor named by
//! its place in the layer structure ([`Layer::named_params`]: `0.weight`,
//! `0.bias`, `2.running_mean`, ...), with the model's dtype (`F32` or `F64`)
//! and shape `[rows, cols]`. Safetensors stores data in row-major order, so
//! a `Dense` weight (`out x in`) reads in PyTorch as the weight of an
//! `nn.Linear` with the same sizes. The matrices are transposed on the way
//! in and out of ferroflux's column-major storage.
//!
//! ```
//! use ferroflux_nn::{load_safetensors, relu, save_safetensors, Chain, Dense};
//!
//! let model = Chain::new((Dense::new(4, 3, relu), Dense::new(3, 2, relu)));
//! let path = std::env::temp_dir().join(format!("ferroflux-doc-{}.safetensors", std::process::id()));
//! save_safetensors(&model, &path)?;
//!
//! let copy = Chain::new((Dense::new(4, 3, relu), Dense::new(3, 2, relu)));
//! load_safetensors(&copy, &path)?;
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), ferroflux_nn::NnError>(())
//! ```

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::Path;

use ferroflux_linalg::{Float, Matrix};
use safetensors::tensor::{Dtype, SafeTensors, View};

use crate::layer::{Layer, NamedParam};
use crate::NnError;

/// Returns the safetensors dtype of `T`.
fn dtype_of<T: Float>() -> Dtype {
    if std::mem::size_of::<T>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// A matrix prepared for writing: row-major little-endian bytes.
struct RowMajor {
    dtype: Dtype,
    shape: [usize; 2],
    bytes: Vec<u8>,
}

impl RowMajor {
    fn new<T: Float>(m: &Matrix<T>) -> Self {
        let mut bytes = Vec::with_capacity(m.len() * std::mem::size_of::<T>());
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                let x = m[(i, j)];
                if std::mem::size_of::<T>() == 4 {
                    bytes.extend_from_slice(&(x.to_f64() as f32).to_le_bytes());
                } else {
                    bytes.extend_from_slice(&x.to_f64().to_le_bytes());
                }
            }
        }
        Self {
            dtype: dtype_of::<T>(),
            shape: [m.nrows(), m.ncols()],
            bytes,
        }
    }
}

impl View for &RowMajor {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Decodes row-major little-endian bytes of a `rows x cols` tensor of dtype `T`.
fn decode<T: Float>(bytes: &[u8], rows: usize, cols: usize) -> Matrix<T> {
    let width = std::mem::size_of::<T>();
    Matrix::from_fn(rows, cols, |i, j| {
        let at = (i * cols + j) * width;
        let chunk = &bytes[at..at + width];
        if width == 4 {
            T::cast(f64::from(f32::from_le_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3],
            ])))
        } else {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            T::cast(f64::from_le_bytes(b))
        }
    })
}

/// Collects the model's named matrices and checks that no name repeats.
fn named_unique<T: Float, L: Layer<T> + ?Sized>(model: &L) -> Result<Vec<NamedParam<T>>, NnError> {
    let named = model.named_params();
    let mut seen = BTreeSet::new();
    for p in &named {
        if !seen.insert(p.name.as_str()) {
            return Err(NnError::DuplicateName {
                name: p.name.clone(),
            });
        }
    }
    Ok(named)
}

/// Writes every parameter and state matrix of `model` to `path` in the
/// safetensors format.
///
/// The write is atomic. The bytes go to a temporary file in the same folder,
/// which is then renamed over `path`, so a crash never leaves a half-written
/// file under the final name.
///
/// The header metadata records `format = "ferroflux"` and the model's
/// one-line description under `model`.
///
/// # Errors
///
/// [`NnError::Io`] if the file cannot be written, [`NnError::DuplicateName`]
/// if two layers produce the same tensor name.
pub fn save_safetensors<T: Float, L: Layer<T> + ?Sized>(
    model: &L,
    path: impl AsRef<Path>,
) -> Result<(), NnError> {
    let path = path.as_ref();
    let named = named_unique(model)?;
    let prepared: Vec<(String, RowMajor)> = named
        .iter()
        .map(|p| (p.name.clone(), RowMajor::new(&p.param.value())))
        .collect();

    let description = crate::layer::compact(model);
    let metadata = HashMap::from([
        ("format".to_string(), "ferroflux".to_string()),
        ("model".to_string(), description),
    ]);
    let bytes = safetensors::serialize(
        prepared.iter().map(|(n, t)| (n.as_str(), t)),
        Some(metadata),
    )
    .map_err(|e| NnError::InvalidSafetensors {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;

    write_atomically(path, &bytes)
}

/// Writes `bytes` to a temporary sibling of `path`, syncs it and renames it to `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), NnError> {
    let io_error = |action, source| NnError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        io_error(
            "cannot write",
            std::io::Error::other("the path names no file"),
        )
    })?;
    // The process id and a counter keep concurrent saves to one path apart.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let save = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = folder.join(format!(
        ".{}.{}-{save}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));

    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if let Err(source) = result {
        // Best effort: the temporary file may not exist if creating it failed.
        let _ = fs::remove_file(&temporary);
        return Err(io_error("cannot write", source));
    }
    Ok(())
}

/// Loads the parameters and state of `model` from a safetensors file written
/// by [`save_safetensors`] (or any file with the same names, shapes and dtype).
///
/// The whole file is checked before any parameter changes, so on error the
/// model is left as it was.
///
/// # Errors
///
/// - [`NnError::Io`] if the file cannot be read;
/// - [`NnError::InvalidSafetensors`] if it is truncated, corrupted or not safetensors;
/// - [`NnError::MissingTensor`] if a tensor of the model is absent;
/// - [`NnError::UnexpectedTensors`] if the file contains tensors the model lacks;
/// - [`NnError::TensorDtype`] if a tensor is not of the model's dtype;
/// - [`NnError::TensorShape`] naming the tensor and both shapes if a shape differs.
pub fn load_safetensors<T: Float, L: Layer<T> + ?Sized>(
    model: &L,
    path: impl AsRef<Path>,
) -> Result<(), NnError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| NnError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| NnError::InvalidSafetensors {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;

    let named = named_unique(model)?;
    let mut file_names: Vec<String> = file.names().into_iter().map(str::to_string).collect();
    file_names.sort();
    let expected: Vec<String> = named.iter().map(|p| p.name.clone()).collect();
    let unexpected: Vec<String> = file_names
        .iter()
        .filter(|n| !expected.contains(n))
        .cloned()
        .collect();
    if !unexpected.is_empty() {
        return Err(NnError::UnexpectedTensors {
            path: path.to_path_buf(),
            names: unexpected,
            expected,
        });
    }

    // Decode and check everything first, so that a bad file changes nothing.
    let mut values = Vec::with_capacity(named.len());
    for p in &named {
        let view = file.tensor(&p.name).map_err(|_| NnError::MissingTensor {
            path: path.to_path_buf(),
            name: p.name.clone(),
            found: file_names.clone(),
        })?;
        if view.dtype() != dtype_of::<T>() {
            return Err(NnError::TensorDtype {
                path: path.to_path_buf(),
                name: p.name.clone(),
                found: format!("{:?}", view.dtype()),
                expected: if dtype_of::<T>() == Dtype::F32 {
                    "F32"
                } else {
                    "F64"
                },
            });
        }
        let (rows, cols) = p.param.shape();
        // A vector saved by another library as shape [n] fits an n x 1 parameter.
        let fits = match view.shape() {
            [r, c] => (*r, *c) == (rows, cols),
            [n] => cols == 1 && *n == rows,
            _ => false,
        };
        if !fits {
            return Err(NnError::TensorShape {
                path: path.to_path_buf(),
                name: p.name.clone(),
                found: view.shape().to_vec(),
                expected_rows: rows,
                expected_cols: cols,
            });
        }
        values.push(decode::<T>(view.data(), rows, cols));
    }

    for (p, value) in named.iter().zip(values) {
        p.param.set(value);
    }
    Ok(())
}
