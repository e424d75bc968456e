//! DataLoader: batch shapes, partial batches, reproducible shuffling and
//! the errors.

use ferroflux::linalg::Matrix;
use ferroflux::optim::{DataError, DataLoader};

/// x has 3 rows and y 1 row; column j of both encodes observation j.
fn observations(n: usize) -> (Matrix, Matrix) {
    let x = Matrix::from_fn(3, n, |r, c| (100 * r + c) as f64);
    let y = Matrix::from_fn(1, n, |_, c| c as f64);
    (x, y)
}

/// The observation indices of every batch of one epoch, checking that x and
/// y carry the same observations in the same columns.
fn batch_indices<'a>(batches: impl Iterator<Item = (Matrix, Matrix)> + 'a) -> Vec<Vec<usize>> {
    batches
        .map(|(x, y)| {
            assert_eq!(x.nrows(), 3);
            assert_eq!(y.nrows(), 1);
            assert_eq!(x.ncols(), y.ncols());
            (0..x.ncols())
                .map(|j| {
                    let index = y[(0, j)] as usize;
                    for r in 0..3 {
                        assert_eq!(
                            x[(r, j)],
                            (100 * r + index) as f64,
                            "x and y columns disagree"
                        );
                    }
                    index
                })
                .collect()
        })
        .collect()
}

#[test]
fn batches_keep_partial_last_batch() {
    let (x, y) = observations(10);
    let loader = DataLoader::new(x, y, 4).unwrap();
    assert_eq!(loader.len(), 3);
    assert_eq!(loader.observations(), 10);
    assert_eq!(loader.batch_size(), 4);
    let batches = batch_indices(loader.iter());
    assert_eq!(
        batches,
        vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
    );
}

#[test]
fn batches_drop_partial_last_batch() {
    let (x, y) = observations(10);
    let loader = DataLoader::new(x, y, 4).unwrap().partial(false);
    assert_eq!(loader.len(), 2);
    let batches = batch_indices(loader.iter());
    assert_eq!(batches, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
}

#[test]
fn exact_division_has_no_partial_batch() {
    let (x, y) = observations(8);
    let loader = DataLoader::new(x, y, 4).unwrap().partial(false);
    assert_eq!(loader.len(), 2);
    assert_eq!(loader.iter().len(), 2);
}

#[test]
fn batch_larger_than_data() {
    let (x, y) = observations(3);
    let loader = DataLoader::new(x.clone(), y.clone(), 10).unwrap();
    assert_eq!(batch_indices(loader.iter()), vec![vec![0, 1, 2]]);
    let loader = DataLoader::new(x, y, 10).unwrap().partial(false);
    assert!(loader.is_empty());
    assert_eq!(loader.iter().count(), 0);
}

#[test]
fn no_observations_gives_empty_epochs() {
    let loader = DataLoader::new(Matrix::<f64>::zeros(3, 0), Matrix::zeros(1, 0), 2).unwrap();
    assert!(loader.is_empty());
    assert_eq!(loader.iter().count(), 0);
}

#[test]
fn shuffle_is_a_permutation_per_epoch() {
    let (x, y) = observations(23);
    let loader = DataLoader::new(x, y, 5).unwrap().shuffle(42);
    for epoch in 0..4 {
        let mut seen: Vec<usize> = batch_indices(loader.epoch(epoch)).concat();
        assert_ne!(
            seen,
            (0..23).collect::<Vec<_>>(),
            "epoch {epoch} is not shuffled"
        );
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..23).collect::<Vec<_>>(),
            "epoch {epoch} lost or repeated observations"
        );
    }
}

#[test]
fn shuffle_is_reproducible_and_differs_between_epochs() {
    let (x, y) = observations(40);
    let first = DataLoader::new(x.clone(), y.clone(), 8).unwrap().shuffle(7);
    let second = DataLoader::new(x.clone(), y.clone(), 8).unwrap().shuffle(7);
    let other_seed = DataLoader::new(x, y, 8).unwrap().shuffle(8);

    let epoch0 = batch_indices(first.iter());
    let epoch1 = batch_indices(first.iter());
    assert_eq!(
        epoch0,
        batch_indices(second.iter()),
        "same seed, same first epoch"
    );
    assert_eq!(
        epoch1,
        batch_indices(second.iter()),
        "same seed, same second epoch"
    );
    assert_ne!(epoch0, epoch1, "two epochs have different orders");
    assert_ne!(
        epoch0,
        batch_indices(other_seed.iter()),
        "another seed, another order"
    );
    assert_eq!(
        epoch1,
        batch_indices(first.epoch(1)),
        "epoch(1) replays the second epoch"
    );
    assert_eq!(first.epoch(1).order().unwrap().len(), 40);
}

#[test]
fn unshuffled_epochs_repeat_in_order() {
    let (x, y) = observations(6);
    let loader = DataLoader::new(x, y, 4).unwrap();
    assert!(loader.iter().order().is_none());
    let mut epochs = Vec::new();
    for _ in 0..2 {
        epochs.push(batch_indices((&loader).into_iter()));
    }
    assert_eq!(epochs[0], epochs[1]);
}

#[test]
fn mismatched_observations_name_both_counts() {
    let error = DataLoader::new(Matrix::<f64>::zeros(3, 10), Matrix::zeros(1, 9), 2).unwrap_err();
    assert_eq!(
        error,
        DataError::ObservationMismatch {
            x_observations: 10,
            y_observations: 9
        }
    );
    let message = error.to_string();
    assert!(message.contains("10 observations"), "{message}");
    assert!(message.contains("y has 9"), "{message}");
}

#[test]
fn zero_batch_size_is_error() {
    let (x, y) = observations(4);
    let error = DataLoader::new(x, y, 0).unwrap_err();
    assert_eq!(error, DataError::ZeroBatchSize);
    assert!(error.to_string().contains("batch size 0"));
}

#[test]
fn f32_batches() {
    let x = Matrix::<f32>::from_fn(2, 5, |r, c| (r + c) as f32);
    let y = Matrix::<f32>::from_fn(1, 5, |_, c| c as f32);
    let loader = DataLoader::new(x, y, 2).unwrap().shuffle(1);
    let sizes: Vec<usize> = loader.iter().map(|(x, _)| x.ncols()).collect();
    assert_eq!(sizes, [2, 2, 1]);
}
