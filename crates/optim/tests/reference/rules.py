"""Reference trajectories for the ferroflux-optim rules.

Each rule is written out here from its formula, in plain Python floats
(IEEE double), independently of the Rust code: the formulas are those of
Optimisers.jl's src/rules.jl (commit 06fac74) and, for Lion, Algorithm 2 of
Chen et al. (2023). The problem is the quadratic

    f(x) = sum(0.5 * a[i] * x[i]**2 + b[i] * x[i])

whose gradient is g[i] = a[i] * x[i] + b[i]. Three steps (six for
radam_rectified) start from X0.
Run `python3 rules.py` to print the Rust table pasted into
tests/tests/optim_rules.rs.
"""

import math

A = [1.0, 2.0, 0.5, 3.0]
B = [0.1, -0.3, 0.2, 0.0]
X0 = [1.0, -2.0, 0.5, 3.0]


def gradient(x):
    return [a * xi + b for a, xi, b in zip(A, x, B)]


def sign(v):
    if v > 0:
        return 1.0
    if v < 0:
        return -1.0
    return 0.0


def descent(eta):
    def step(state, x, g):
        return state, [eta * gi for gi in g]
    return None, step


def momentum(eta, rho):
    def step(v, x, g):
        v = [rho * vi + eta * gi for vi, gi in zip(v, g)]
        return v, list(v)
    return [0.0] * 4, step


def nesterov(eta, rho):
    def step(v, x, g):
        dx = [-rho * rho * vi + (1 + rho) * eta * gi for vi, gi in zip(v, g)]
        v = [rho * vi - eta * gi for vi, gi in zip(v, g)]
        return v, dx
    return [0.0] * 4, step


def rmsprop(eta, rho, eps, centred):
    def step(state, x, g):
        s, c = state
        s = [rho * si + (1 - rho) * gi * gi for si, gi in zip(s, g)]
        if centred:
            c = [rho * ci + (1 - rho) * gi for ci, gi in zip(c, g)]
        dx = [gi * eta / (math.sqrt(si - ci * ci) + eps) for gi, si, ci in zip(g, s, c)]
        return (s, c), dx
    return ([0.0] * 4, [0.0] * 4), step


def adam(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, v, (p1, p2) = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        dx = [mi / (1 - p1) / (math.sqrt(vi / (1 - p2)) + eps) * eta for mi, vi in zip(m, v)]
        return (m, v, (p1 * b1, p2 * b2)), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2)), step


def adamw(eta, beta, lam, eps, couple):
    b1, b2 = beta

    def step(state, x, g):
        m, v, (p1, p2) = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        unit = [mi / (1 - p1) / (math.sqrt(vi / (1 - p2)) + eps) for mi, vi in zip(m, v)]
        if couple:
            dx = [eta * (ui + lam * xi) for ui, xi in zip(unit, x)]
        else:
            dx = [eta * ui + lam * xi for ui, xi in zip(unit, x)]
        return (m, v, (p1 * b1, p2 * b2)), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2)), step


def radam(eta, beta, eps):
    b1, b2 = beta
    rho_inf = 2 / (1 - b2) - 1

    def step(state, x, g):
        m, v, (p1, p2), t = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        rho = rho_inf - 2 * t * p2 / (1 - p2)
        if rho > 4:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            dx = [mi / (1 - p1) / (math.sqrt(vi / (1 - p2)) + eps) * eta * r for mi, vi in zip(m, v)]
        else:
            dx = [mi / (1 - p1) * eta for mi in m]
        return (m, v, (p1 * b1, p2 * b2), t + 1), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2), 1), step


def adamax(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, u, (p1, p2) = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        u = [max(b2 * ui, abs(gi)) for ui, gi in zip(u, g)]
        dx = [(eta / (1 - p1)) * mi / (ui + eps) for mi, ui in zip(m, u)]
        return (m, u, (p1 * b1, p2 * b2)), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2)), step


def oadam(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, v, (p1, p2), term = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        new = [eta * mi / (1 - p1) / (math.sqrt(vi / (1 - p2)) + eps) for mi, vi in zip(m, v)]
        dx = [2 * ni - oi for ni, oi in zip(new, term)]
        return (m, v, (p1 * b1, p2 * b2), new), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2), [0.0] * 4), step


def adagrad(eta, eps):
    def step(acc, x, g):
        acc = [ai + gi * gi for ai, gi in zip(acc, g)]
        dx = [gi * eta / (math.sqrt(ai) + eps) for gi, ai in zip(g, acc)]
        return acc, dx
    return [eps] * 4, step


def adadelta(rho, eps):
    def step(state, x, g):
        acc, dacc = state
        acc = [rho * ai + (1 - rho) * gi * gi for ai, gi in zip(acc, g)]
        dx = [gi * math.sqrt(di + eps) / math.sqrt(ai + eps) for gi, di, ai in zip(g, dacc, acc)]
        dacc = [rho * di + (1 - rho) * dxi * dxi for di, dxi in zip(dacc, dx)]
        return (acc, dacc), dx
    return ([0.0] * 4, [0.0] * 4), step


def amsgrad(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, v, vmax = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        vmax = [max(a, b) for a, b in zip(vmax, v)]
        dx = [eta * mi / (math.sqrt(wi) + eps) for mi, wi in zip(m, vmax)]
        return (m, v, vmax), dx
    return ([eps] * 4, [eps] * 4, [eps] * 4), step


def nadam(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, v, (p1, p2) = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        dx = [(b1 * mi / (1 - b1 * p1) + (1 - b1) * gi / (1 - p1)) / (math.sqrt(vi * b2 / (1 - p2)) + eps) * eta
              for mi, vi, gi in zip(m, v, g)]
        return (m, v, (p1 * b1, p2 * b2)), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2)), step


def adabelief(eta, beta, eps):
    b1, b2 = beta

    def step(state, x, g):
        m, s, (p1, p2) = state
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        s = [b2 * si + (1 - b2) * (gi - mi) ** 2 + eps for si, gi, mi in zip(s, g, m)]
        dx = [eta * mi / (1 - p1) / (math.sqrt(si / (1 - p2)) + eps) for mi, si in zip(m, s)]
        return (m, s, (p1 * b1, p2 * b2)), dx
    return ([0.0] * 4, [0.0] * 4, (b1, b2)), step


def lion(eta, beta):
    b1, b2 = beta

    def step(m, x, g):
        c = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        m = [b2 * mi + (1 - b2) * gi for mi, gi in zip(m, g)]
        return m, [eta * sign(ci) for ci in c]
    return [0.0] * 4, step


def weight_decay(lam):
    def step(state, x, g):
        return state, [gi + lam * xi for gi, xi in zip(g, x)]
    return None, step


def clip_grad(delta):
    def step(state, x, g):
        return state, [min(max(gi, -delta), delta) for gi in g]
    return None, step


def clip_norm(omega):
    def step(state, x, g):
        norm = math.sqrt(sum(gi * gi for gi in g))
        scale = min(omega / norm, 1.0)
        return state, [gi * scale for gi in g]
    return None, step


def chain(*rules):
    def step(states, x, g):
        new_states = []
        for (_, rule_step), state in zip(rules, states):
            state, g = rule_step(state, x, g)
            new_states.append(state)
        return new_states, g
    return [state for state, _ in rules], step


CASES = [
    ("descent", descent(0.1)),
    ("momentum", momentum(0.1, 0.9)),
    ("nesterov", nesterov(0.1, 0.9)),
    ("rmsprop", rmsprop(0.1, 0.9, 1e-8, False)),
    ("rmsprop_centred", rmsprop(0.1, 0.9, 1e-8, True)),
    ("adam", adam(0.1, (0.9, 0.999), 1e-8)),
    ("adamw_coupled", adamw(0.1, (0.9, 0.999), 0.5, 1e-8, True)),
    ("adamw_decoupled", adamw(0.1, (0.9, 0.999), 0.5, 1e-8, False)),
    ("radam", radam(0.1, (0.9, 0.999), 1e-8)),
    # ρₜ > 4 is first true at t = 5 with β₂ = 0.999, so this case runs six steps.
    ("radam_rectified", radam(0.1, (0.9, 0.999), 1e-8), 6),
    ("adamax", adamax(0.1, (0.9, 0.999), 1e-8)),
    ("oadam", oadam(0.1, (0.5, 0.9), 1e-8)),
    ("adagrad", adagrad(0.1, 1e-8)),
    ("adadelta", adadelta(0.9, 1e-8)),
    ("amsgrad", amsgrad(0.1, (0.9, 0.999), 1e-8)),
    ("nadam", nadam(0.1, (0.9, 0.999), 1e-8)),
    ("adabelief", adabelief(0.1, (0.9, 0.999), 1e-16)),
    ("lion", lion(0.1, (0.9, 0.999))),
    ("weight_decay", weight_decay(0.1)),
    ("clip_grad", clip_grad(0.5)),
    ("clip_norm", clip_norm(1.0)),
    ("chain_decay_clip_descent", chain(weight_decay(0.1), clip_grad(0.5), descent(0.1))),
]


def trajectory(rule, steps):
    state, step = rule
    x = list(X0)
    out = []
    for _ in range(steps):
        state, dx = step(state, x, gradient(x))
        x = [xi - dxi for xi, dxi in zip(x, dx)]
        out.append(list(x))
    return out


if __name__ == "__main__":
    for case in CASES:
        name, rule, steps = case if len(case) == 3 else (*case, 3)
        rows = ",\n            ".join(
            "[" + ", ".join(repr(v) for v in x) + "]" for x in trajectory(rule, steps))
        print(f'        (\n            "{name}",\n            &[\n            {rows},\n            ],\n        ),')
