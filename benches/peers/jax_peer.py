"""The peer workloads in JAX, in two styles.

`--mode loop` compiles the whole optimisation loop (`jax.jit` around
`lax.fori_loop`), `--mode step` compiles one step and drives it from Python.
The column softmax is one compiled call in both styles, so only `--mode step`
reports it. Adam is written out in the form of Optimisers.jl (bias
corrections from running powers of beta, epsilon added after the square
root), the form ferroflux follows, so f64 runs can agree to rounding.

Usage: python jax_peer.py DATA_DIR --mode loop|step [--repeats K] [WORKLOAD ...]
"""

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (x64 must be enabled before arrays exist)
from jax import lax  # noqa: E402

import peerdata  # noqa: E402

ETA, BETA1, BETA2, EPSILON = 1e-3, 0.9, 0.999, 1e-8


def adam_init(params):
    zeros = [jnp.zeros_like(p) for p in params]
    dtype = params[0].dtype
    return (zeros, [jnp.zeros_like(p) for p in params], jnp.asarray(BETA1, dtype), jnp.asarray(BETA2, dtype))


def adam_apply(params, grads, state):
    ms, vs, power1, power2 = state
    new_params, new_ms, new_vs = [], [], []
    for x, g, m, v in zip(params, grads, ms, vs):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        # Same operation order as ferroflux's Adam, so f64 runs round alike.
        x = x - m / (1 - power1) / (jnp.sqrt(v / (1 - power2)) + EPSILON) * ETA
        new_params.append(x)
        new_ms.append(m)
        new_vs.append(v)
    return new_params, (new_ms, new_vs, power1 * BETA1, power2 * BETA2)


def nmf_loss(params, a, alpha):
    w, h_logits = params
    h = jax.nn.softmax(h_logits, axis=0)
    return jnp.linalg.norm(a - w @ h) - (alpha - 1) * jnp.sum(jax.nn.log_softmax(h_logits, axis=0))


def mlp_loss(params, x, y):
    # Rows are samples here (the natural layout of JAX and PyTorch); the
    # matrices are the transposes of the column-per-sample files.
    w1, b1, w2, b2 = params
    hidden = jax.nn.relu(x @ w1.T + b1)
    logits = hidden @ w2.T + b2
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits, axis=1), axis=1))


def make_step(loss, *data):
    grad = jax.value_and_grad(loss)

    def step(carry):
        params, state = carry
        _, grads = grad(params, *data)
        return adam_apply(params, grads, state)

    return step


def time_optimisation(mode, loss, params, data, count, repeats):
    """Run `count` Adam steps `repeats` times from `params`; yield (seconds per step, final loss)."""
    step = make_step(loss, *data)
    final_loss = jax.jit(loss)
    if mode == "loop":
        run = jax.jit(lambda carry: lax.fori_loop(0, count, lambda _, c: step(c), carry))
    else:
        compiled_step = jax.jit(step)

        def run(carry):
            for _ in range(count):
                carry = compiled_step(carry)
            return carry

    initial = (list(params), adam_init(params))
    jax.block_until_ready(run(initial))  # compile and warm up outside the timing
    for _ in range(repeats):
        start = time.perf_counter()
        result = jax.block_until_ready(run(initial))
        seconds = (time.perf_counter() - start) / count
        yield seconds, float(final_loss(result[0], *data))


def run_nmf(inputs, workload, mode, repeats):
    a = jnp.asarray(inputs.matrix(f"{workload}.A"))
    params = [jnp.asarray(inputs.matrix(f"{workload}.W0")), jnp.asarray(inputs.matrix(f"{workload}.Hbar0"))]
    alpha = jnp.asarray(inputs.alpha())
    for seconds, loss in time_optimisation(mode, nmf_loss, params, (a, alpha), inputs.count(workload), repeats):
        peerdata.report(f"jax-{mode}", workload, seconds, "loss", loss)


def run_mlp(inputs, workload, mode, repeats):
    batch = inputs.batch(workload)
    x = jnp.asarray(inputs.matrix("mlp.X")[:, :batch].T.copy())
    y = jnp.asarray(inputs.matrix("mlp.Y")[:, :batch].T.copy())
    params = [
        jnp.asarray(inputs.matrix("mlp.W1")),
        jnp.asarray(inputs.matrix("mlp.b1")[:, 0]),
        jnp.asarray(inputs.matrix("mlp.W2")),
        jnp.asarray(inputs.matrix("mlp.b2")[:, 0]),
    ]
    for seconds, loss in time_optimisation(mode, mlp_loss, params, (x, y), inputs.count(workload), repeats):
        peerdata.report(f"jax-{mode}", workload, seconds, "loss", loss)


def run_softmax(inputs, workload, mode, repeats):
    if mode == "loop":
        peerdata.unavailable("jax-loop", workload, "a single compiled call has no loop: see jax-step")
        return
    dtype = jnp.float64 if workload.endswith("f64") else jnp.float32
    logits = inputs.matrix("softmax.X")
    reference = inputs.matrix("softmax.ref")
    # Each column of the logical matrix becomes a contiguous row, so the
    # softmax runs over the last axis, where XLA's kernel is fastest.
    x = jnp.asarray(logits.T.copy(), dtype=dtype)
    kernel = jax.jit(lambda z: jax.nn.softmax(z, axis=-1))
    count = inputs.count(workload)
    jax.block_until_ready(kernel(x))
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            out = kernel(x)
        jax.block_until_ready(out)
        seconds = (time.perf_counter() - start) / count
        peerdata.report(f"jax-{mode}", workload, seconds, "relerr", peerdata.relative_error(out.T, reference))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--mode", choices=("loop", "step"), required=True)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per workload")
    parser.add_argument("workloads", nargs="*")
    args = parser.parse_intermixed_args()
    inputs = peerdata.Inputs(args.data_dir)
    for workload in peerdata.selected_workloads(args.workloads):
        if workload.startswith("nmf"):
            run_nmf(inputs, workload, args.mode, args.repeats)
        elif workload.startswith("mlp"):
            run_mlp(inputs, workload, args.mode, args.repeats)
        else:
            run_softmax(inputs, workload, args.mode, args.repeats)


if __name__ == "__main__":
    main()
