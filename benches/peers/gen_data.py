"""Write the inputs of the peer comparison once, so every system reads the same numbers.

Every matrix is stored as raw little-endian values in column-major order (the
layout of nalgebra and Julia), one `NAME.bin` per matrix. `manifest.txt`
lists each matrix as `matrix NAME DTYPE ROWS COLS` and each setting as
`param NAME VALUE`; the Rust readers and `peerdata.py` parse only that file.

All draws come from NumPy's `default_rng(seed)` (PCG64), in the order of
this script, so a given seed always gives the same bytes.

Usage: python gen_data.py OUT_DIR [--seed S] [--quick]
"""

import argparse
import os
import tempfile

import numpy as np

# Settings of the Flux time-series example: Dirichlet alpha, and one
# component more than the k used to build the data.
NMF_ALPHA = 0.2
NMF_SHAPES = {"nmf-small": (20, 10, 3), "nmf-large": (1000, 500, 10)}
MLP_SIZES = (784, 32, 10)
MLP_SAMPLES = 1024
MLP_BATCHES = (1, 32, 128, 1024)
SOFTMAX_SHAPE = (1000, 1000)

# Iterations (NMF), optimiser steps (MLP) and kernel calls (softmax) per
# timed run. `--quick` divides them, for a smoke test of the runner.
FULL_COUNTS = {
    "nmf-small": 2000,
    "nmf-large": 100,
    "mlp-b1": 500,
    "mlp-b32": 300,
    "mlp-b128": 200,
    "mlp-b1024": 50,
    "softmax-f64": 50,
    "softmax-f32": 50,
}


def write_matrix(out_dir, manifest, name, matrix, dtype):
    """Store `matrix` column-major as little-endian `dtype` and record it in the manifest."""
    data = np.asarray(matrix, dtype={"f64": "<f8", "f32": "<f4"}[dtype])
    path = os.path.join(out_dir, name + ".bin")
    # Atomic write: a temporary file in the same folder, then a rename.
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data.tobytes(order="F"))
    os.replace(tmp, path)
    manifest.append(f"matrix {name} {dtype} {data.shape[0]} {data.shape[1]}")


def softmax_columns(x):
    shifted = x - x.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=0, keepdims=True)


def generate(out_dir, seed, quick):
    rng = np.random.default_rng(seed)
    manifest = [f"param seed {seed}", f"param nmf_alpha {NMF_ALPHA!r}"]

    # NMF: A = W_true * H_true plus a little noise, where the columns of
    # H_true are Dirichlet(0.3) draws (sparse mixtures of k basis series).
    # The fit starts from W0 ~ U[0, 1) and Hbar0 ~ N(0, 1) with k + 1 rows.
    for name, (m, n, k) in NMF_SHAPES.items():
        w_true = rng.random((m, k))
        h_true = rng.dirichlet(np.full(k, 0.3), size=n).T
        a = w_true @ h_true + 0.01 * rng.standard_normal((m, n))
        write_matrix(out_dir, manifest, f"{name}.A", a, "f64")
        write_matrix(out_dir, manifest, f"{name}.W0", rng.random((m, k + 1)), "f64")
        write_matrix(out_dir, manifest, f"{name}.Hbar0", rng.standard_normal((k + 1, n)), "f64")

    # MLP 784-32-10: inputs U[0, 1) (pixel-like), one-hot labels, Glorot
    # uniform weights and zero biases, one sample per column.
    n_in, n_hidden, n_out = MLP_SIZES
    x = rng.random((n_in, MLP_SAMPLES))
    labels = rng.integers(0, n_out, size=MLP_SAMPLES)
    y = np.zeros((n_out, MLP_SAMPLES))
    y[labels, np.arange(MLP_SAMPLES)] = 1.0
    limit1 = np.sqrt(6.0 / (n_in + n_hidden))
    limit2 = np.sqrt(6.0 / (n_hidden + n_out))
    write_matrix(out_dir, manifest, "mlp.X", x, "f32")
    write_matrix(out_dir, manifest, "mlp.Y", y, "f32")
    write_matrix(out_dir, manifest, "mlp.W1", rng.uniform(-limit1, limit1, (n_hidden, n_in)), "f32")
    write_matrix(out_dir, manifest, "mlp.b1", np.zeros((n_hidden, 1)), "f32")
    write_matrix(out_dir, manifest, "mlp.W2", rng.uniform(-limit2, limit2, (n_out, n_hidden)), "f32")
    write_matrix(out_dir, manifest, "mlp.b2", np.zeros((n_out, 1)), "f32")

    # Column softmax: N(0, 3^2) logits, and the float64 reference result
    # that every system compares its output with.
    logits = 3.0 * rng.standard_normal(SOFTMAX_SHAPE)
    write_matrix(out_dir, manifest, "softmax.X", logits, "f64")
    write_matrix(out_dir, manifest, "softmax.ref", softmax_columns(logits), "f64")

    for workload, count in FULL_COUNTS.items():
        manifest.append(f"param count.{workload} {max(1, count // 10) if quick else count}")
    for batch in MLP_BATCHES:
        manifest.append(f"param batch.mlp-b{batch} {batch}")

    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(manifest) + "\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.txt"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", help="folder to write the inputs into (created if missing)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of NumPy's PCG64 generator")
    parser.add_argument("--quick", action="store_true", help="a tenth of the iterations, for a smoke test")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    generate(args.out_dir, args.seed, args.quick)


if __name__ == "__main__":
    main()
