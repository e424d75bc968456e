//! Trains two multilayer perceptrons on MNIST and saves them.
//!
//! 1. The network of Flux's early tutorials,
//!    `Chain(Dense(784 => 32, sigmoid), Dense(32 => 10), softmax)`, with the
//!    mean squared error against one-hot labels.
//! 2. A modern variant, `Chain(Dense(784 => 128, relu), Dense(128 => 10))`,
//!    with the stable `logit_cross_entropy` on the raw scores.
//!
//! Both use Adam (η = 0.001) on mini-batches of 128 reshuffled every epoch.
//! After each epoch the example prints the mean training loss, the test
//! accuracy and the elapsed time. At the end it saves each model as a
//! safetensors file, loads the file into a fresh model and checks that the
//! copy gives the same test accuracy.
//!
//! ```text
//! cargo run --release -p ferroflux --example mnist_mlp -- <mnist-folder> [output-folder]
//! ```
//!
//! `<mnist-folder>` contains the four standard IDX files
//! (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
//! `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally
//! gzipped). The models are written to `[output-folder]` (default: the
//! current folder; created if missing, before training starts) as
//! `mnist_tutorial.safetensors` and `mnist_modern.safetensors`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ferroflux::autodiff::Tensor;
use ferroflux::linalg::seed;
use ferroflux::nn::idx::{Mnist, MnistSplit};
use ferroflux::nn::{
    accuracy, identity, load_safetensors, logit_cross_entropy, mse, one_hot, relu, sigmoid,
    softmax, Chain, Dense, Layer,
};
use ferroflux::optim::{train, Adam, DataLoader};

const BATCH_SIZE: usize = 128;
const EPOCHS: usize = 5;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(folder) = args.next() else {
        eprintln!("usage: mnist_mlp <mnist-folder> [output-folder]");
        eprintln!(
            "  <mnist-folder> must contain train-images-idx3-ubyte, train-labels-idx1-ubyte,"
        );
        eprintln!("  t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)");
        return ExitCode::from(2);
    };
    let output = PathBuf::from(args.next().unwrap_or_else(|| ".".to_string()));

    match run(Path::new(&folder), &output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(folder: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // Made before training, so a bad output folder fails in a second rather
    // than after minutes of training.
    std::fs::create_dir_all(output).map_err(|e| {
        format!(
            "cannot create the output folder {}: {e}; pass a folder you can write to as the \
             second argument",
            output.display()
        )
    })?;
    println!("{}", ferroflux::backend());
    let start = Instant::now();
    let mnist = Mnist::load(folder)?;
    println!(
        "read {} training and {} test images from {} in {:.2} s",
        mnist.train.len(),
        mnist.test.len(),
        folder.display(),
        start.elapsed().as_secs_f64()
    );
    let y_train = one_hot::<f32>(&mnist.train.labels, 10)?;

    seed(0);
    println!("\n== tutorial model: sigmoid hidden layer, softmax output, mse ==");
    let tutorial = Chain::new((
        Dense::new(784, 32, sigmoid),
        Dense::new(32, 10, identity),
        softmax,
    ));
    fit(&tutorial, &mnist, &y_train, |model, x, y| {
        mse(&model.apply(x), y)
    })?;
    save_and_check(
        &tutorial,
        &output.join("mnist_tutorial.safetensors"),
        &mnist.test,
        || {
            Chain::new((
                Dense::new(784, 32, sigmoid),
                Dense::new(32, 10, identity),
                softmax,
            ))
        },
    )?;

    println!("\n== modern model: relu hidden layer, logit cross-entropy ==");
    let modern = Chain::new((Dense::new(784, 128, relu), Dense::new(128, 10, identity)));
    fit(&modern, &mnist, &y_train, |model, x, y| {
        logit_cross_entropy(&model.apply(x), y)
    })?;
    save_and_check(
        &modern,
        &output.join("mnist_modern.safetensors"),
        &mnist.test,
        || Chain::new((Dense::new(784, 128, relu), Dense::new(128, 10, identity))),
    )?;
    Ok(())
}

/// Trains `model` for `EPOCHS` epochs with Adam, printing the loss and test accuracy after each.
fn fit(
    model: &Chain,
    mnist: &Mnist,
    y_train: &ferroflux::Matrix<f32>,
    loss: impl Fn(&Chain, &Tensor<f32>, &Tensor<f32>) -> Tensor<f32>,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("{model:#}");
    let loader =
        DataLoader::new(mnist.train.images.clone(), y_train.clone(), BATCH_SIZE)?.shuffle(1);
    let ps = model.params();
    let mut opt = Adam::default();

    let start = Instant::now();
    for epoch in 1..=EPOCHS {
        let report = train(|x, y| loss(model, x, y), &ps, loader.iter(), &mut opt)?;
        let mean_loss = report.losses.iter().sum::<f64>() / report.losses.len() as f64;
        let test_accuracy = accuracy(&model.forward(&mnist.test.images), &mnist.test.labels)?;
        println!(
            "epoch {epoch}: mean training loss {mean_loss:.4}, test accuracy {:.2}%, {:.1} s",
            100.0 * test_accuracy,
            start.elapsed().as_secs_f64()
        );
    }
    let train_accuracy = accuracy(&model.forward(&mnist.train.images), &mnist.train.labels)?;
    println!("training accuracy {:.2}%", 100.0 * train_accuracy);
    Ok(())
}

/// Saves `model`, loads the file into a fresh model from `build` and checks the copy.
fn save_and_check(
    model: &Chain,
    path: &Path,
    test: &MnistSplit,
    build: impl Fn() -> Chain,
) -> Result<(), Box<dyn std::error::Error>> {
    ferroflux::nn::save_safetensors(model, path)?;
    let copy = build();
    load_safetensors(&copy, path)?;
    let original = accuracy(&model.forward(&test.images), &test.labels)?;
    let reloaded = accuracy(&copy.forward(&test.images), &test.labels)?;
    if original != reloaded {
        return Err(format!(
            "the model loaded from {} scores {reloaded}, not {original}",
            path.display()
        )
        .into());
    }
    println!(
        "saved to {} (reloaded copy: same test accuracy)",
        path.display()
    );
    Ok(())
}
