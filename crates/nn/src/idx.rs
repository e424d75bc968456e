//! A reader for the IDX files of MNIST and its relatives (Fashion-MNIST, EMNIST).
//!
//! An IDX file is a big-endian header followed by raw bytes: the magic number
//! `0x00000803` for images (then the count, rows and columns) or `0x00000801`
//! for labels (then the count), then one unsigned byte per pixel or label.
//! Files may be gzip-compressed; the reader recognises gzip by its first two
//! bytes (`1f 8b`), not by the file name.
//!
//! ```no_run
//! use ferroflux_nn::idx::Mnist;
//!
//! let mnist = Mnist::load("data/mnist")?;
//! assert_eq!(mnist.train.images.shape(), (784, 60_000));
//! # Ok::<(), ferroflux_nn::NnError>(())
//! ```

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use ferroflux_linalg::{Float, Matrix};
use flate2::read::GzDecoder;

use crate::NnError;

/// Magic number of an IDX file of unsigned-byte images (three dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (one dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Images read from an IDX file: one image per column, pixels in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxImages {
    /// Rows of each image (28 for MNIST).
    pub rows: usize,
    /// Columns of each image (28 for MNIST).
    pub cols: usize,
    /// Number of images.
    pub count: usize,
    /// Raw pixel bytes, image after image, each image row after row.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Converts the images to a `(rows * cols) x count` matrix with pixels scaled to `[0, 1]`
    /// (divided by 255), one image per column as layers expect.
    pub fn to_matrix<T: Float>(&self) -> Matrix<T> {
        let scale = T::cast(1.0 / 255.0);
        Matrix::from_iterator(
            self.rows * self.cols,
            self.count,
            self.pixels.iter().map(|&p| T::cast(f64::from(p)) * scale),
        )
    }
}

/// Reads the whole file, inflating it if it starts with the gzip magic bytes.
fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>, NnError> {
    let io_error = |source| NnError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    };
    let raw = fs::read(path).map_err(io_error)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut inflated)
            .map_err(|source| NnError::Io {
                action: "cannot decompress",
                path: path.to_path_buf(),
                source,
            })?;
        Ok(inflated)
    } else {
        Ok(raw)
    }
}

/// Reads big-endian u32 header fields, reporting a short header as truncation.
fn header(path: &Path, bytes: &[u8], fields: usize) -> Result<Vec<u32>, NnError> {
    let needed = 4 * fields;
    if bytes.len() < needed {
        return Err(NnError::IdxTruncated {
            path: path.to_path_buf(),
            expected: needed as u64,
            found: bytes.len() as u64,
        });
    }
    Ok(bytes[..needed]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

fn check_magic(path: &Path, kind: &'static str, found: u32, expected: u32) -> Result<(), NnError> {
    if found == expected {
        Ok(())
    } else {
        Err(NnError::IdxMagic {
            path: path.to_path_buf(),
            kind,
            found,
            expected,
        })
    }
}

/// Checks that the payload after a header of `header_len` bytes has `payload_len` bytes.
fn check_length(
    path: &Path,
    bytes: &[u8],
    header_len: usize,
    payload_len: u64,
) -> Result<(), NnError> {
    let expected = header_len as u64 + payload_len;
    if (bytes.len() as u64) < expected {
        return Err(NnError::IdxTruncated {
            path: path.to_path_buf(),
            expected,
            found: bytes.len() as u64,
        });
    }
    if bytes.len() as u64 > expected {
        log::warn!(
            "{}: {} trailing bytes after the {expected} bytes the header describes are ignored",
            path.display(),
            bytes.len() as u64 - expected
        );
    }
    Ok(())
}

/// Reads an IDX image file (gzipped or not).
///
/// # Errors
///
/// [`NnError::Io`] if the file cannot be read or inflated, [`NnError::IdxMagic`]
/// if it is not an image file, [`NnError::IdxTruncated`] if it is shorter than
/// its header promises.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<IdxImages, NnError> {
    let path = path.as_ref();
    let bytes = read_maybe_gzipped(path)?;

    // The magic number first, so a label file read as images is named as such.
    check_magic(path, "images", header(path, &bytes, 1)?[0], IMAGES_MAGIC)?;
    let fields = header(path, &bytes, 4)?;
    let (count, rows, cols) = (fields[1] as usize, fields[2] as usize, fields[3] as usize);

    let payload = count as u64 * rows as u64 * cols as u64;
    check_length(path, &bytes, 16, payload)?;
    let pixels = bytes[16..16 + payload as usize].to_vec();
    Ok(IdxImages {
        rows,
        cols,
        count,
        pixels,
    })
}

/// Reads an IDX label file (gzipped or not).
///
/// # Errors
///
/// As [`read_idx_images`], with [`NnError::IdxMagic`] if it is not a label file.
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>, NnError> {
    let path = path.as_ref();
    let bytes = read_maybe_gzipped(path)?;

    check_magic(path, "labels", header(path, &bytes, 1)?[0], LABELS_MAGIC)?;
    let fields = header(path, &bytes, 2)?;
    let count = fields[1] as usize;

    check_length(path, &bytes, 8, count as u64)?;
    Ok(bytes[8..8 + count].to_vec())
}

/// One split of MNIST: images as a `784 x n` matrix in `[0, 1]` and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct MnistSplit {
    /// One image per column, pixels in row-major order, scaled to `[0, 1]`.
    pub images: Matrix<f32>,
    /// The digit of each column, 0 to 9.
    pub labels: Vec<usize>,
}

impl MnistSplit {
    /// Reads an image file and a label file that belong together.
    ///
    /// # Errors
    ///
    /// Those of [`read_idx_images`] and [`read_idx_labels`], and
    /// [`NnError::IdxCount`] if the two files disagree on the number of items.
    pub fn read(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Self, NnError> {
        let (images_path, labels_path) = (images.as_ref(), labels.as_ref());
        let images = read_idx_images(images_path)?;
        let labels = read_idx_labels(labels_path)?;
        if images.count != labels.len() {
            return Err(NnError::IdxCount {
                images: images_path.to_path_buf(),
                image_count: images.count,
                labels: labels_path.to_path_buf(),
                label_count: labels.len(),
            });
        }
        Ok(Self {
            images: images.to_matrix(),
            labels: labels.into_iter().map(usize::from).collect(),
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// `true` if the split has no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// The MNIST training (60,000) and test (10,000) sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// `train-images-idx3-ubyte` with `train-labels-idx1-ubyte`.
    pub train: MnistSplit,
    /// `t10k-images-idx3-ubyte` with `t10k-labels-idx1-ubyte`.
    pub test: MnistSplit,
}

impl Mnist {
    /// Reads the four standard files from `folder`, each either plain or with a `.gz` suffix.
    ///
    /// # Errors
    ///
    /// [`NnError::IdxNotFound`] naming the first file that is missing, and
    /// the errors of [`MnistSplit::read`].
    pub fn load(folder: impl AsRef<Path>) -> Result<Self, NnError> {
        let folder = folder.as_ref();
        let train = MnistSplit::read(
            find(folder, "train-images-idx3-ubyte")?,
            find(folder, "train-labels-idx1-ubyte")?,
        )?;
        let test = MnistSplit::read(
            find(folder, "t10k-images-idx3-ubyte")?,
            find(folder, "t10k-labels-idx1-ubyte")?,
        )?;
        Ok(Self { train, test })
    }
}

/// Finds `name` or `name.gz` in `folder`, preferring the uncompressed file.
fn find(folder: &Path, name: &'static str) -> Result<PathBuf, NnError> {
    let plain = folder.join(name);
    if plain.is_file() {
        return Ok(plain);
    }
    let gzipped = folder.join(format!("{name}.gz"));
    if gzipped.is_file() {
        return Ok(gzipped);
    }
    Err(NnError::IdxNotFound {
        folder: folder.to_path_buf(),
        name,
    })
}
