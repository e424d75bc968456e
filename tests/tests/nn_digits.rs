//! A small MLP on real data: the 8x8 handwritten digits of scikit-learn
//! (see `data/README.md`), trained on four fifths of the samples and
//! evaluated on the held-out fifth.

use ferroflux::linalg::Matrix;
use ferroflux::nn::{accuracy, logit_cross_entropy, one_hot, relu, Chain, Dense, Layer};
use ferroflux::optim::{epochs, Adam, DataLoader};

const DIGITS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sklearn_digits_8x8.csv");

/// Pixels scaled to `[0, 1]` (64 x n, one image per column) and labels.
fn read_digits() -> (Matrix<f32>, Vec<usize>) {
    let text =
        std::fs::read_to_string(DIGITS_CSV).expect("tests/data/sklearn_digits_8x8.csv is missing");
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (line_number, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(
            fields.len(),
            65,
            "line {} has {} fields",
            line_number + 1,
            fields.len()
        );
        for field in &fields[..64] {
            let value: f32 = field.parse().expect("pixel is a number");
            pixels.push(value / 16.0);
        }
        labels.push(fields[64].parse().expect("label is an integer"));
    }
    (Matrix::from_vec(64, labels.len(), pixels), labels)
}

/// Columns whose index is (not) a multiple of 5: a fixed 80/20 split.
fn split(x: &Matrix<f32>, labels: &[usize], held_out: bool) -> (Matrix<f32>, Vec<usize>) {
    let columns: Vec<usize> = (0..labels.len())
        .filter(|i| (i % 5 == 0) == held_out)
        .collect();
    let x = x.select_columns(&columns);
    let labels = columns.iter().map(|&i| labels[i]).collect();
    (x, labels)
}

#[test]
fn digits_mlp_reaches_95_percent_on_held_out() {
    let (x, labels) = read_digits();
    assert_eq!(x.ncols(), 1797);
    let (x_train, labels_train) = split(&x, &labels, false);
    let (x_test, labels_test) = split(&x, &labels, true);
    assert_eq!((x_train.ncols(), x_test.ncols()), (1437, 360));

    let model = Chain::new((
        Dense::builder(64, 32).activation(relu).seed(1).build(),
        Dense::builder(32, 10).seed(2).build(),
    ));
    let y_train = one_hot::<f32>(&labels_train, 10).unwrap();
    let loader = DataLoader::new(x_train.clone(), y_train, 32)
        .unwrap()
        .shuffle(3);
    let ps = model.params();
    let mut opt = Adam::new(0.01);

    let loss = |x: &_, y: &_| logit_cross_entropy(&model.apply(x), y);
    let report = epochs(15, loss, &ps, || loader.iter(), &mut opt, ()).unwrap();
    assert_eq!(report.steps, 15 * 45);

    let train_accuracy = accuracy(&model.forward(&x_train), &labels_train).unwrap();
    let test_accuracy = accuracy(&model.forward(&x_test), &labels_test).unwrap();
    assert!(train_accuracy >= 0.97, "train accuracy {train_accuracy}");
    assert!(test_accuracy >= 0.95, "held-out accuracy {test_accuracy}");
}
