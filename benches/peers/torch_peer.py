"""The peer workloads in PyTorch eager mode, written as a PyTorch user would.

Gradients come from `loss.backward()` and the update from `torch.optim.Adam`
(lr 1e-3, betas (0.9, 0.999), eps 1e-8, PyTorch's own defaults otherwise).
PyTorch's Adam computes the same quantity as Optimisers.jl's, with the bias
corrections from `beta ** step` rather than running products, so f64 losses
agree with the other systems to rounding, not bit for bit.

Usage: python torch_peer.py DATA_DIR [--repeats K] [WORKLOAD ...]
"""

import argparse
import time

import torch
import torch.nn.functional as F

import peerdata

SYSTEM = "torch-eager"


def nmf_loss(w, h_logits, a, alpha):
    h = torch.softmax(h_logits, dim=0)
    return torch.linalg.norm(a - w @ h) - (alpha - 1) * torch.log_softmax(h_logits, dim=0).sum()


def mlp_loss(w1, b1, w2, b2, x, labels):
    # Rows are samples (PyTorch's layout), so x and the labels are the
    # transposes of the column-per-sample files.
    logits = F.linear(torch.relu(F.linear(x, w1, b1)), w2, b2)
    return F.cross_entropy(logits, labels)


def time_optimisation(initial, loss, count, repeats):
    """Run `count` Adam steps `repeats` times from `initial`, plus one warm-up run; yield (s/step, final loss)."""
    for run in range(repeats + 1):
        params = [p.clone().requires_grad_(True) for p in initial]
        opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        start = time.perf_counter()
        for _ in range(count):
            opt.zero_grad(set_to_none=True)
            loss(*params).backward()
            opt.step()
        seconds = (time.perf_counter() - start) / count
        with torch.no_grad():
            final = float(loss(*params))
        if run > 0:
            yield seconds, final


def run_nmf(inputs, workload, repeats):
    a = torch.from_numpy(inputs.matrix(f"{workload}.A").copy())
    alpha = inputs.alpha()
    initial = [
        torch.from_numpy(inputs.matrix(f"{workload}.W0").copy()),
        torch.from_numpy(inputs.matrix(f"{workload}.Hbar0").copy()),
    ]
    for seconds, loss in time_optimisation(initial, lambda w, h: nmf_loss(w, h, a, alpha), inputs.count(workload), repeats):
        peerdata.report(SYSTEM, workload, seconds, "loss", loss)


def run_mlp(inputs, workload, repeats):
    batch = inputs.batch(workload)
    x = torch.from_numpy(inputs.matrix("mlp.X")[:, :batch].T.copy())
    labels = torch.from_numpy(inputs.matrix("mlp.Y")[:, :batch].argmax(axis=0))
    initial = [
        torch.from_numpy(inputs.matrix("mlp.W1").copy()),
        torch.from_numpy(inputs.matrix("mlp.b1")[:, 0].copy()),
        torch.from_numpy(inputs.matrix("mlp.W2").copy()),
        torch.from_numpy(inputs.matrix("mlp.b2")[:, 0].copy()),
    ]
    step_loss = lambda w1, b1, w2, b2: mlp_loss(w1, b1, w2, b2, x, labels)  # noqa: E731
    for seconds, loss in time_optimisation(initial, step_loss, inputs.count(workload), repeats):
        peerdata.report(SYSTEM, workload, seconds, "loss", loss)


def run_softmax(inputs, workload, repeats):
    dtype = torch.float64 if workload.endswith("f64") else torch.float32
    reference = inputs.matrix("softmax.ref")
    # Columns of the logical matrix become contiguous rows: softmax over dim -1.
    x = torch.from_numpy(inputs.matrix("softmax.X").T.copy()).to(dtype)
    out = torch.empty_like(x)
    count = inputs.count(workload)
    torch.softmax(x, dim=-1, out=out)
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            torch.softmax(x, dim=-1, out=out)
        seconds = (time.perf_counter() - start) / count
        peerdata.report(SYSTEM, workload, seconds, "relerr", peerdata.relative_error(out.numpy().T, reference))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per workload")
    parser.add_argument("workloads", nargs="*")
    args = parser.parse_intermixed_args()
    inputs = peerdata.Inputs(args.data_dir)
    for workload in peerdata.selected_workloads(args.workloads):
        if workload.startswith("nmf"):
            run_nmf(inputs, workload, args.repeats)
        elif workload.startswith("mlp"):
            run_mlp(inputs, workload, args.repeats)
        else:
            run_softmax(inputs, workload, args.repeats)


if __name__ == "__main__":
    main()
