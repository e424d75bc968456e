"""Shared helpers of the Python peers: read the inputs of gen_data.py, report results.

Each peer prints one line per timed run:

    RESULT <tab> SYSTEM <tab> WORKLOAD <tab> MICROSECONDS_PER_ITERATION <tab> CHECK_KIND <tab> CHECK_VALUE

where CHECK_KIND is `loss` (the objective at the parameters after the last
update) or `relerr` (Frobenius relative error against the float64
reference). A workload that a system cannot run prints
`UNAVAILABLE <tab> SYSTEM <tab> WORKLOAD <tab> REASON` instead.
"""

import os
import sys

import numpy as np

DTYPES = {"f64": "<f8", "f32": "<f4"}
WORKLOADS = (
    "nmf-small",
    "nmf-large",
    "mlp-b1",
    "mlp-b32",
    "mlp-b128",
    "mlp-b1024",
    "softmax-f64",
    "softmax-f32",
)


class Inputs:
    """The matrices and settings listed in `DIR/manifest.txt`."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.shapes = {}
        self.params = {}
        with open(os.path.join(data_dir, "manifest.txt")) as f:
            for line_number, line in enumerate(f, start=1):
                fields = line.split()
                if not fields:
                    continue
                if fields[0] == "matrix" and len(fields) == 5:
                    self.shapes[fields[1]] = (fields[2], int(fields[3]), int(fields[4]))
                elif fields[0] == "param" and len(fields) == 3:
                    self.params[fields[1]] = fields[2]
                else:
                    raise ValueError(
                        f"manifest.txt line {line_number}: expected `matrix NAME DTYPE ROWS COLS` "
                        f"or `param NAME VALUE`, found {line.strip()!r}; rerun gen_data.py"
                    )

    def matrix(self, name):
        """Return the matrix `name` with its logical shape (rows, cols) as stored."""
        if name not in self.shapes:
            raise KeyError(f"matrix {name!r} is not in {self.data_dir}/manifest.txt; rerun gen_data.py")
        dtype, rows, cols = self.shapes[name]
        data = np.fromfile(os.path.join(self.data_dir, name + ".bin"), dtype=DTYPES[dtype])
        if data.size != rows * cols:
            raise ValueError(f"{name}.bin holds {data.size} values, expected {rows} x {cols}; rerun gen_data.py")
        return data.reshape((rows, cols), order="F")

    def count(self, workload):
        return int(self.params[f"count.{workload}"])

    def batch(self, workload):
        return int(self.params[f"batch.{workload}"])

    def alpha(self):
        return float(self.params["nmf_alpha"])


def report(system, workload, seconds_per_iteration, check_kind, check_value):
    print(
        f"RESULT\t{system}\t{workload}\t{seconds_per_iteration * 1e6:.6g}\t{check_kind}\t{check_value:.17g}",
        flush=True,
    )


def unavailable(system, workload, reason):
    print(f"UNAVAILABLE\t{system}\t{workload}\t{reason}", flush=True)


def selected_workloads(argv_workloads):
    chosen = argv_workloads or list(WORKLOADS)
    for w in chosen:
        if w not in WORKLOADS:
            sys.exit(f"unknown workload {w!r}; expected one of {', '.join(WORKLOADS)}")
    return chosen


def relative_error(result, reference):
    result = np.asarray(result, dtype=np.float64)
    return float(np.linalg.norm(result - reference) / np.linalg.norm(reference))
