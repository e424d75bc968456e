//! The error type of this crate.

use std::path::PathBuf;

use thiserror::Error;

/// Everything in this crate that depends on data: shapes of predictions and
/// targets, labels, parameter files and IDX files.
///
/// Messages name the value that failed, what was expected and, where one
/// exists, the fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NnError {
    /// A loss received a prediction and a target of different shapes.
    #[error(
        "{loss}: prediction is {pred_rows}x{pred_cols} but target is {target_rows}x{target_cols}; \
         the two must have the same shape (one column per sample)"
    )]
    LossShape {
        /// The loss function, e.g. `"mse"`.
        loss: &'static str,
        /// Rows of the prediction.
        pred_rows: usize,
        /// Columns of the prediction.
        pred_cols: usize,
        /// Rows of the target.
        target_rows: usize,
        /// Columns of the target.
        target_cols: usize,
    },

    /// A class label lies outside `0..classes`.
    #[error("label {label} at position {index} is out of range for {classes} classes; labels must lie in 0..{classes}")]
    LabelOutOfRange {
        /// The rejected label.
        label: usize,
        /// Its position in the label slice.
        index: usize,
        /// The number of classes.
        classes: usize,
    },

    /// A model received data with another number of features (rows) than its first layer takes.
    #[error(
        "{layer} takes {expected} features (rows) but the input is {rows}x{cols}; \
         pass one sample per column with {expected} rows"
    )]
    InputShape {
        /// The one-line description of the model.
        layer: String,
        /// The number of rows the model takes.
        expected: usize,
        /// Rows of the input.
        rows: usize,
        /// Columns of the input.
        cols: usize,
    },

    /// `accuracy` received predictions and labels of different lengths.
    #[error("accuracy: prediction has {predictions} columns but there are {labels} labels; pass one label per column")]
    LabelCount {
        /// Columns of the prediction matrix.
        predictions: usize,
        /// Length of the label slice.
        labels: usize,
    },

    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// The failed action, e.g. `"cannot read"`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A parameter file is not valid safetensors (truncated, corrupted or another format).
    #[error("{path} is not a valid safetensors file: {reason}")]
    InvalidSafetensors {
        /// The file.
        path: PathBuf,
        /// The parser's reason for rejecting the file.
        reason: String,
    },

    /// A tensor the model needs is missing from a parameter file.
    #[error("{path} has no tensor named {name:?}; the file contains {found:?}")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor the model expected.
        name: String,
        /// The names the file contains.
        found: Vec<String>,
    },

    /// A parameter file contains tensors that the model does not have.
    #[error("{path} contains tensors {names:?} that the model does not have; the model expects {expected:?}")]
    UnexpectedTensors {
        /// The file.
        path: PathBuf,
        /// The tensors that have no place in the model.
        names: Vec<String>,
        /// The names the model expects.
        expected: Vec<String>,
    },

    /// A tensor in a parameter file has another shape than the model's parameter.
    #[error(
        "tensor {name:?} in {path} has shape {found:?} but the model's parameter is {expected_rows}x{expected_cols}; \
         build the model with the sizes it was saved with"
    )]
    TensorShape {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The shape stored in the file.
        found: Vec<usize>,
        /// Rows of the model's parameter.
        expected_rows: usize,
        /// Columns of the model's parameter.
        expected_cols: usize,
    },

    /// A tensor in a parameter file has another element type than the model.
    #[error("tensor {name:?} in {path} has dtype {found} but the model uses {expected}; build the model in {found} or convert the file")]
    TensorDtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The dtype stored in the file, e.g. `"F64"`.
        found: String,
        /// The model's element type, e.g. `"F32"`.
        expected: &'static str,
    },

    /// Two layers of a model produced the same parameter name.
    #[error("the model has two tensors named {name:?}; give the layers distinct names")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },

    /// An IDX file starts with the wrong magic number.
    #[error("{path}: magic number is 0x{found:08x} but an IDX {kind} file starts with 0x{expected:08x}; check that the file is the {kind} file")]
    IdxMagic {
        /// The file.
        path: PathBuf,
        /// `"images"` or `"labels"`.
        kind: &'static str,
        /// The magic number read.
        found: u32,
        /// The magic number of that kind of file.
        expected: u32,
    },

    /// An IDX file is shorter than its header promises.
    #[error("{path} is truncated: its header promises {expected} bytes but the file has {found}; the download or copy is incomplete")]
    IdxTruncated {
        /// The file.
        path: PathBuf,
        /// Bytes the header promises (header included).
        expected: u64,
        /// Bytes found.
        found: u64,
    },

    /// An IDX image and label file disagree on the number of items.
    #[error("{images} contains {image_count} images but {labels} contains {label_count} labels; the two files must belong to the same set")]
    IdxCount {
        /// The image file.
        images: PathBuf,
        /// Number of images.
        image_count: usize,
        /// The label file.
        labels: PathBuf,
        /// Number of labels.
        label_count: usize,
    },

    /// No IDX file of the expected name was found in a folder.
    #[error(
        "no {name} (or {name}.gz) in {folder}; pass the folder that contains the four MNIST IDX files"
    )]
    IdxNotFound {
        /// The folder searched.
        folder: PathBuf,
        /// The file name looked for, without `.gz`.
        name: &'static str,
    },
}
