//! Parameter files (safetensors) and the IDX reader: round trips, the real
//! MNIST test labels, and every error path.

use std::fs;
use std::path::PathBuf;

use ferroflux::linalg::Matrix;
use ferroflux::nn::idx::{
    read_idx_images, read_idx_labels, Mnist, MnistSplit, IMAGES_MAGIC, LABELS_MAGIC,
};
use ferroflux::nn::*;

/// A fresh folder under the system temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("ferroflux-nn-io-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn model_f32(seed: u64) -> Chain<f32> {
    Chain::new((
        Dense::<f32>::builder(4, 3)
            .activation(relu)
            .seed(seed)
            .build(),
        BatchNorm::new(3),
        Chain::new((Dense::<f32>::builder(3, 2)
            .bias(false)
            .seed(seed + 1)
            .build(),)),
    ))
}

fn values<T: ferroflux::Float>(model: &dyn Layer<T>) -> Vec<(String, Matrix<T>)> {
    model
        .named_params()
        .into_iter()
        .map(|p| (p.name, p.param.value().clone()))
        .collect()
}

#[test]
fn safetensors_round_trip_keeps_values_names_and_state() {
    let dir = Scratch::new("round-trip");
    let path = dir.join("model.safetensors");
    let model = model_f32(1);
    // Change the running statistics (state) so that their round trip is visible.
    let _ = model.forward(&Matrix::from_fn(4, 5, |i, j| (i * 5 + j) as f32));
    save_safetensors(&model, &path).unwrap();

    let names: Vec<String> = model.named_params().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "0.weight",
            "0.bias",
            "1.scale",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "2.0.weight"
        ]
    );

    let copy = model_f32(7);
    assert_ne!(values(&copy), values(&model));
    load_safetensors(&copy, &path).unwrap();
    assert_eq!(values(&copy), values(&model));
    assert_eq!(
        fs::read_dir(&dir.0).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn safetensors_f64_round_trip_is_exact() {
    let dir = Scratch::new("f64");
    let path = dir.join("dense.safetensors");
    let layer = Dense::<f64>::builder(3, 2).seed(3).build();
    layer
        .bias()
        .unwrap()
        .set(Matrix::from_column_slice(2, 1, &[0.1, -1e-300]));
    save_safetensors(&layer, &path).unwrap();

    let copy = Dense::<f64>::builder(3, 2).seed(4).build();
    load_safetensors(&copy, &path).unwrap();
    assert_eq!(*copy.weight().value(), *layer.weight().value());
    assert_eq!(
        *copy.bias().unwrap().value(),
        *layer.bias().unwrap().value()
    );
}

#[test]
fn safetensors_layout_is_row_major_like_pytorch() {
    // Header: u64 length, JSON; then the data in row-major order.
    let dir = Scratch::new("layout");
    let path = dir.join("w.safetensors");
    let layer = Dense::from_weights(
        Matrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]),
        None,
        identity,
    );
    save_safetensors(&layer, &path).unwrap();

    let bytes = fs::read(&path).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    assert!(
        header.contains(r#""weight":{"dtype":"F32","shape":[2,3]"#),
        "{header}"
    );
    assert!(header.contains(r#""format":"ferroflux""#), "{header}");
    let data: Vec<f32> = bytes[8 + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn load_into_other_shape_names_tensor_and_shapes() {
    let dir = Scratch::new("shape");
    let path = dir.join("model.safetensors");
    save_safetensors(&Dense::<f32>::builder(4, 3).seed(1).build(), &path).unwrap();

    let wider = Dense::<f32>::builder(5, 3).seed(2).build();
    let before = wider.weight().value().clone();
    let error = load_safetensors(&wider, &path).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, NnError::TensorShape { ref name, .. } if name == "weight"),
        "{message}"
    );
    assert!(
        message.contains("[3, 4]") && message.contains("3x5"),
        "{message}"
    );
    assert_eq!(
        *wider.weight().value(),
        before,
        "a failed load changes nothing"
    );
}

#[test]
fn load_reports_dtype_missing_and_unexpected_tensors() {
    let dir = Scratch::new("names");
    let path = dir.join("model.safetensors");
    save_safetensors(&Dense::<f32>::builder(4, 3).seed(1).build(), &path).unwrap();

    let as_f64 = Dense::<f64>::builder(4, 3).seed(1).build();
    let error = load_safetensors(&as_f64, &path).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::TensorDtype {
                expected: "F64",
                ..
            }
        ),
        "{error}"
    );

    let without_bias = Dense::<f32>::builder(4, 3).bias(false).seed(1).build();
    let error = load_safetensors(&without_bias, &path).unwrap_err();
    assert!(
        matches!(error, NnError::UnexpectedTensors { ref names, .. } if names == &["bias"]),
        "{error}"
    );

    let chain = Chain::new((Dense::<f32>::builder(4, 3).seed(1).build(),));
    let error = load_safetensors(&chain, &path).unwrap_err();
    assert!(
        matches!(error, NnError::UnexpectedTensors { .. }),
        "{error}"
    );
    save_safetensors(
        &Dense::<f32>::builder(4, 3).bias(false).seed(1).build(),
        &path,
    )
    .unwrap();
    let error = load_safetensors(&Dense::<f32>::builder(4, 3).seed(1).build(), &path).unwrap_err();
    assert!(
        matches!(error, NnError::MissingTensor { ref name, .. } if name == "bias"),
        "{error}"
    );
}

#[test]
fn truncated_or_corrupted_files_are_errors() {
    let dir = Scratch::new("corrupt");
    let path = dir.join("model.safetensors");
    let model = model_f32(1);
    save_safetensors(&model, &path).unwrap();
    let bytes = fs::read(&path).unwrap();

    // Every truncation, including an empty file and a cut inside the header.
    let broken = dir.join("broken.safetensors");
    for cut in [0, 4, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        fs::write(&broken, &bytes[..cut]).unwrap();
        let error = load_safetensors(&model, &broken).unwrap_err();
        assert!(
            matches!(error, NnError::InvalidSafetensors { .. }),
            "cut at {cut}: {error}"
        );
    }

    // Flipped bytes in the header, and a file that is not safetensors at all.
    let mut flipped = bytes.clone();
    for b in &mut flipped[8..40] {
        *b ^= 0x5a;
    }
    fs::write(&broken, &flipped).unwrap();
    assert!(matches!(
        load_safetensors(&model, &broken),
        Err(NnError::InvalidSafetensors { .. })
    ));
    fs::write(&broken, b"not a safetensors file at all, just text").unwrap();
    assert!(matches!(
        load_safetensors(&model, &broken),
        Err(NnError::InvalidSafetensors { .. })
    ));

    let missing = load_safetensors(&model, dir.join("absent.safetensors")).unwrap_err();
    assert!(matches!(missing, NnError::Io { .. }), "{missing}");
    assert!(
        missing.to_string().contains("absent.safetensors"),
        "{missing}"
    );
}

#[test]
fn save_into_missing_folder_is_an_error() {
    let dir = Scratch::new("no-folder");
    let error =
        save_safetensors(&model_f32(1), dir.join("no/such/folder/m.safetensors")).unwrap_err();
    assert!(matches!(error, NnError::Io { .. }), "{error}");
}

#[test]
fn nested_names_follow_the_structure() {
    let block =
        SkipConnection::residual(Chain::new((Dense::<f32>::builder(2, 2).seed(1).build(),)));
    let names: Vec<String> = block.named_params().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["layer.0.weight", "layer.0.bias"]);
}

/// A custom layer that wrongly reports its inner layer's parameters twice under one name.
struct Twice(Dense);

impl Layer for Twice {
    fn apply(&self, x: &ferroflux::autodiff::Tensor<f32>) -> ferroflux::autodiff::Tensor<f32> {
        self.0.apply(x)
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<f32>>) {
        self.0.collect_params(prefix, out);
        self.0.collect_params(prefix, out);
    }

    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Twice")
    }
}

#[test]
fn duplicate_names_are_rejected() {
    let dir = Scratch::new("duplicate");
    let error = save_safetensors(
        &Twice(Dense::<f32>::builder(2, 2).seed(1).build()),
        dir.join("m.safetensors"),
    )
    .unwrap_err();
    assert!(
        matches!(error, NnError::DuplicateName { ref name } if name == "weight"),
        "{error}"
    );
}

/// The real MNIST test labels, gzipped (see `data/README.md`).
const T10K_LABELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/t10k-labels-idx1-ubyte.gz"
);

#[test]
fn idx_reads_real_mnist_test_labels() {
    let labels = read_idx_labels(T10K_LABELS).unwrap();
    assert_eq!(labels.len(), 10_000);
    let mut counts = [0usize; 10];
    for &l in &labels {
        counts[usize::from(l)] += 1;
    }
    // The class counts published with the data set.
    assert_eq!(
        counts,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
}

fn idx_images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in [IMAGES_MAGIC, count, rows, cols] {
        bytes.extend_from_slice(&field.to_be_bytes());
    }
    bytes.extend_from_slice(pixels);
    bytes
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in [LABELS_MAGIC, labels.len() as u32] {
        bytes.extend_from_slice(&field.to_be_bytes());
    }
    bytes.extend_from_slice(labels);
    bytes
}

/// Wraps `bytes` in a gzip stream of stored (uncompressed) deflate blocks,
/// so the test needs no compression crate of its own.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    // Header: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let chunks: Vec<&[u8]> = if bytes.is_empty() {
        vec![&[]]
    } else {
        bytes.chunks(65_535).collect()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        // Block header: BFINAL on the last block, BTYPE 00 (stored), then LEN and NLEN.
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(bytes).to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as gzip's trailer needs.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn idx_round_trip_plain_and_gzipped() {
    let dir = Scratch::new("idx");
    // Two 2x3 images; pixel (r, c) of image k is 10k + 3r + c.
    let pixels: Vec<u8> = (0..2)
        .flat_map(|k| (0..6).map(move |p| (10 * k + p) as u8))
        .collect();
    fs::write(dir.join("images"), idx_images(2, 2, 3, &pixels)).unwrap();
    fs::write(dir.join("images.gz"), gzip(&idx_images(2, 2, 3, &pixels))).unwrap();
    fs::write(dir.join("labels.gz"), gzip(&idx_labels(&[7, 1]))).unwrap();

    for name in ["images", "images.gz"] {
        let images = read_idx_images(dir.join(name)).unwrap();
        assert_eq!((images.count, images.rows, images.cols), (2, 2, 3));
        assert_eq!(images.pixels, pixels);
        let m = images.to_matrix::<f64>();
        assert_eq!(m.shape(), (6, 2));
        assert_eq!(m[(4, 1)], 14.0 / 255.0, "row-major pixel 4 of image 1");
    }
    let split = MnistSplit::read(dir.join("images.gz"), dir.join("labels.gz")).unwrap();
    assert_eq!(split.labels, [7, 1]);
}

#[test]
fn idx_errors_name_the_problem() {
    let dir = Scratch::new("idx-errors");
    let images = idx_images(2, 2, 3, &[0; 12]);

    // Labels read as images and images read as labels: wrong magic.
    fs::write(dir.join("labels"), idx_labels(&[1, 2])).unwrap();
    let error = read_idx_images(dir.join("labels")).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::IdxMagic {
                found: LABELS_MAGIC,
                expected: IMAGES_MAGIC,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("0x00000801"), "{error}");
    fs::write(dir.join("images"), &images).unwrap();
    assert!(matches!(
        read_idx_labels(dir.join("images")),
        Err(NnError::IdxMagic { .. })
    ));

    // Truncated payload and truncated header, plain and gzipped.
    fs::write(dir.join("short"), &images[..images.len() - 1]).unwrap();
    let error = read_idx_images(dir.join("short")).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::IdxTruncated {
                expected: 28,
                found: 27,
                ..
            }
        ),
        "{error}"
    );
    fs::write(dir.join("short.gz"), gzip(&images[..10])).unwrap();
    assert!(matches!(
        read_idx_images(dir.join("short.gz")),
        Err(NnError::IdxTruncated {
            expected: 16,
            found: 10,
            ..
        })
    ));

    // A gzip stream cut short is an I/O error from the decoder, not a panic.
    let gz = gzip(&images);
    fs::write(dir.join("cut.gz"), &gz[..gz.len() / 2]).unwrap();
    assert!(matches!(
        read_idx_images(dir.join("cut.gz")),
        Err(NnError::Io { .. })
    ));

    // Missing file, and image and label counts that disagree.
    let error = read_idx_images(dir.join("absent")).unwrap_err();
    assert!(error.to_string().contains("absent"), "{error}");
    let error = MnistSplit::read(dir.join("images"), dir.join("labels")).unwrap();
    assert_eq!(error.len(), 2);
    fs::write(dir.join("three-labels"), idx_labels(&[1, 2, 3])).unwrap();
    let error = MnistSplit::read(dir.join("images"), dir.join("three-labels")).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::IdxCount {
                image_count: 2,
                label_count: 3,
                ..
            }
        ),
        "{error}"
    );

    // A folder without the MNIST files names the first one it needs.
    let error = Mnist::load(&dir.0).unwrap_err();
    assert!(
        matches!(
            error,
            NnError::IdxNotFound {
                name: "train-images-idx3-ubyte",
                ..
            }
        ),
        "{error}"
    );
}

mod properties {
    use super::Scratch;
    use ferroflux::nn::{load_safetensors, save_safetensors, Dense, Layer};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

        /// Saving and loading any Dense layer reproduces its parameters bit for bit.
        #[test]
        fn safetensors_round_trip_any_shape(inputs in 1usize..9, outputs in 1usize..9, bias: bool, seed in 0u64..1000) {
            let dir = Scratch::new(&format!("prop-{inputs}-{outputs}-{bias}-{seed}"));
            let path = dir.join("dense.safetensors");
            let layer = Dense::<f64>::builder(inputs, outputs).bias(bias).seed(seed).build();
            save_safetensors(&layer, &path).unwrap();

            let copy = Dense::<f64>::builder(inputs, outputs).bias(bias).seed(seed + 1).build();
            load_safetensors(&copy, &path).unwrap();
            for (a, b) in layer.named_params().iter().zip(copy.named_params()) {
                prop_assert_eq!(&a.name, &b.name);
                prop_assert_eq!(&*a.param.value(), &*b.param.value());
            }
        }
    }
}
