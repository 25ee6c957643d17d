"""GAN training throughput: ``train_gan`` against per-step loops, and time to the first step.

One 1D toy (data N(3, 0.8)), ReLU MLPs with two hidden layers of 32 or 64 units, noise size 4,
batch 256, k = 1, non-saturating loss, Adam. Every loop takes the same number of steps after
a warm-up; the best of a few repetitions is printed (timings on a shared machine only get
slower, never faster, than the hardware allows).

- ``train_gan``: ganlab's compiled chunks (split once, ``lax.fori_loop`` over many steps)
- ``jax.jit`` step: one compiled Algorithm-1 step per Python iteration (merge inside)
- ``nnx.jit`` step: the same step written on the modules, ``nnx.jit`` per iteration
- ``torch``: an eager PyTorch loop with the same networks, when torch is importable

It also prints the matmul GFLOP/s that ``train_gan`` reaches (forward and backward matmul
FLOPs of one step, counted from its jaxpr) as a fraction of a 195 GFLOP/s reference, and the
time from a fresh interpreter to the first finished training step with an empty and with a
warm persistent compilation cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

from ganlab import distributions as dist
from ganlab import losses
from ganlab import training as tr
from ganlab.autoencoding import AEConfig, train_autoencoder

WIDTHS = (32, 64)
STEPS = 1000
REPEATS = 3
LATENT = 4
BATCH = 256
PEAK_GFLOPS = 195.0
DATA = dist.Normal(3.0, 0.8)


def _config(width: int, steps: int = STEPS) -> tr.GANConfig:
    return tr.GANConfig(hidden=(width, width), latent_dim=LATENT, batch_size=BATCH, k=1,
                        loss="non_saturating", steps=steps, chunk_size=500,
                        lr_generator=1e-3, lr_discriminator=1e-3)


def _best_rate(run_steps, steps: int = STEPS) -> float:
    rates = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run_steps(steps)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


# ---- ganlab -------------------------------------------------------------------------------


def bench_train_gan(width: int) -> float:
    tr.train_gan(DATA, _config(width, 600), progress=False)  # compile + warm up
    return _best_rate(lambda n: tr.train_gan(DATA, _config(width, n), progress=False))


# ---- per-step loops on the same modules ---------------------------------------------------


def _algorithm1_step(gen, disc, opt_g, opt_d, key):
    """One iteration (k = 1) on NNX modules, drawing its own minibatches."""
    from flax import nnx

    k_real, k_zd, k_zg = jax.random.split(key, 3)
    real = DATA.sample(k_real, BATCH)
    fake = jax.lax.stop_gradient(gen(jax.random.normal(k_zd, (BATCH, LATENT))))

    def d_loss(d):
        return losses.minimax_d(d(real), d(fake))

    d_value, grads = nnx.value_and_grad(d_loss)(disc)
    opt_d.update(disc, grads)
    z = jax.random.normal(k_zg, (BATCH, LATENT))
    g_value, grads = nnx.value_and_grad(lambda g: losses.non_saturating_g(disc(g(z))))(gen)
    opt_g.update(gen, grads)
    return jnp.stack([d_value, g_value])


def _fresh_nets(width: int):
    run = tr.GANRun(_config(width), DATA)
    nets = run._nets
    return nets.generator, nets.discriminator, nets.opt_generator, nets.opt_discriminator


def bench_jax_jit(width: int) -> float:
    from flax import nnx

    graphdef, state = nnx.split(_fresh_nets(width))

    @jax.jit
    def step(state, key):
        gen, disc, opt_g, opt_d = nnx.merge(graphdef, state)
        values = _algorithm1_step(gen, disc, opt_g, opt_d, key)
        return nnx.state((gen, disc, opt_g, opt_d)), values

    key = jax.random.key(0)
    holder = [state]

    def run(n):
        s = holder[0]
        for i in range(n):
            s, values = step(s, jax.random.fold_in(key, i))
        jax.block_until_ready(values)
        holder[0] = s

    run(200)
    return _best_rate(run)


def bench_nnx_jit(width: int) -> float:
    from flax import nnx

    nets = _fresh_nets(width)
    step = nnx.jit(_algorithm1_step)
    key = jax.random.key(0)

    def run(n):
        for i in range(n):
            values = step(*nets, jax.random.fold_in(key, i))
        jax.block_until_ready(values)

    run(100)
    return _best_rate(run)


def _torch_rate(torch, width: int, threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    def mlp(n_in, n_out):
        return torch.nn.Sequential(
            torch.nn.Linear(n_in, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
            torch.nn.ReLU(), torch.nn.Linear(width, n_out))

    gen, disc = mlp(LATENT, 1), mlp(1, 1)
    opt_g = torch.optim.Adam(gen.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), 1e-3, betas=(0.5, 0.999))
    softplus = torch.nn.functional.softplus

    def run(n):
        record = torch.empty(n, 2)
        for i in range(n):
            real = 3.0 + 0.8 * torch.randn(BATCH, 1)
            with torch.no_grad():
                fake = gen(torch.randn(BATCH, LATENT))
            d_loss = softplus(-disc(real)).mean() + softplus(disc(fake)).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = softplus(-disc(gen(torch.randn(BATCH, LATENT)))).mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            record[i, 0], record[i, 1] = d_loss.detach(), g_loss.detach()

    run(50)
    return _best_rate(run)


def bench_torch(width: int) -> dict[int, float] | None:
    """Steps/s of an eager PyTorch loop, per thread count tried; None without torch."""
    try:
        import torch
    except ImportError:
        return None
    default_threads = torch.get_num_threads()
    try:
        return {t: _torch_rate(torch, width, t) for t in sorted({1, default_threads})}
    finally:
        torch.set_num_threads(default_threads)


# ---- FLOPs --------------------------------------------------------------------------------


def _dot_flops(jaxpr) -> int:
    total = 0
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "dot_general":
            (contract, _), (batch, _) = eqn.params["dimension_numbers"]
            lhs, rhs = (v.aval.shape for v in eqn.invars)
            out = eqn.outvars[0].aval.shape
            k = int(np.prod([lhs[i] for i in contract])) if contract else 1
            total += 2 * int(np.prod(out)) * k
        for sub in jax.core.jaxprs_in_params(eqn.params):
            total += _dot_flops(sub)
    return total


def step_matmul_flops(width: int) -> int:
    """Forward + backward matmul FLOPs of one Algorithm-1 step (k = 1), from its jaxpr."""
    from flax import nnx

    graphdef, state = nnx.split(_fresh_nets(width))

    def step(state, key):
        return _algorithm1_step(*nnx.merge(graphdef, state), key)

    return _dot_flops(jax.make_jaxpr(step)(state, jax.random.key(0)).jaxpr)


# ---- time to the first step ---------------------------------------------------------------

_FIRST_STEP = """
import time
start = time.perf_counter()
import ganlab as gl
from ganlab import distributions as dist
imported = time.perf_counter()
gl.training.train_gan(dist.Normal(3, 0.8), gl.training.GANConfig(steps=1), progress=False)
done = time.perf_counter()
print(f"{imported - start:.3f} {done - imported:.3f}")
"""


def first_step_times() -> list[tuple[str, float, float, float]]:
    """(label, import s, first step s, process wall s) with an empty, then a warm cache."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, GANLAB_CACHE_DIR=folder, GANLAB_JAX_CACHE="1")
        for label in ("cold (empty cache)", "warm (cache filled)", "warm again"):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", _FIRST_STEP], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            wall = time.perf_counter() - start
            rows.append((label, float(out[0]), float(out[1]), wall))
    return rows


# ---- several seeds side by side, and the engine's performance fork ----------------------


def _seconds(train) -> float:
    train()  # compile and warm up
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        train()
        best = min(best, time.perf_counter() - start)
    return best


def seeds_at_once(n_seeds: int = 3) -> list[tuple[str, float, float]]:
    """(label, seconds for one seed, seconds for ``n_seeds`` side by side)."""
    from ganlab.presets import PRESETS

    rows = []
    toy = _config(32, 2000)
    rows.append(("1D toy 2×32, 2,000 steps",
                 _seconds(lambda: tr.train_gan(DATA, toy, progress=False)),
                 _seconds(lambda: tr.train_gan(DATA, toy, seeds=range(n_seeds), progress=False))))
    digits = PRESETS["digits"]
    images, config = digits.data(), digits.config.replace(steps=300, chunk_size=100)
    rows.append(("digits DCGAN preset, 300 steps",
                 _seconds(lambda: tr.train_gan(images, config, progress=False)),
                 _seconds(lambda: tr.train_gan(images, config, seeds=range(n_seeds),
                                               progress=False))))
    vae = AEConfig(kind="vae", encoder="conv", channels=(16, 32), latent_dim=2, steps=300,
                   chunk_size=100)
    rows.append(("conv VAE on the digits, 300 steps",
                 _seconds(lambda: train_autoencoder(images, vae, progress=False)),
                 _seconds(lambda: train_autoencoder(images, vae, seeds=range(n_seeds),
                                                    progress=False))))
    return rows


def forks() -> list[tuple[str, float, float]]:
    """(fork, steps/s with it, steps/s without) on the 1D toy at 2×32 and 2×64, same run.

    (Real and fake judged in one forward pass of D was a second fork; this bench measured
    0.94× / 0.91× with it, so the step now runs D on each batch separately.)"""
    from ganlab.training import step

    rows = []
    for width in WIDTHS:
        for name, attr, off in (("minibatches drawn up front", "_PREDRAW_BYTES", 0),):
            rate = {}
            for label in ("on", "off"):
                saved = getattr(step, attr)
                if label == "off":
                    setattr(step, attr, off)
                step._PROGRAMS.clear()
                try:
                    rate[label] = bench_train_gan(width)
                finally:
                    setattr(step, attr, saved)
                    step._PROGRAMS.clear()
            rows.append((f"{name}, 2×{width}", rate["on"], rate["off"]))
    return rows


# ---- report -------------------------------------------------------------------------------


def main() -> None:
    print(f"1D GAN, ReLU MLPs 2×width, latent {LATENT}, batch {BATCH}, k=1, non-saturating, "
          f"Adam; {STEPS} steps after warm-up, best of {REPEATS}; {os.cpu_count()} CPU cores")
    rates: dict[str, dict[int, float]] = {}
    torch_threads: dict[int, dict[int, float]] = {}
    for width in WIDTHS:
        rates.setdefault("train_gan (ganlab)", {})[width] = bench_train_gan(width)
        rates.setdefault("jax.jit per step", {})[width] = bench_jax_jit(width)
        rates.setdefault("nnx.jit per step", {})[width] = bench_nnx_jit(width)
        t = bench_torch(width)
        if t is not None:
            torch_threads[width] = t
            for threads, rate in t.items():
                rates.setdefault(f"torch eager ({threads} thread{'s' * (threads > 1)})",
                                 {})[width] = rate

    header = f"{'loop':<26}" + "".join(f"{f'2×{w} steps/s':>16}" for w in WIDTHS)
    print("\n" + header + "\n" + "-" * len(header))
    for name, row in rates.items():
        print(f"{name:<26}" + "".join(f"{row.get(w, float('nan')):>16,.0f}" for w in WIDTHS))

    ours = rates["train_gan (ganlab)"]
    print("\nspeed-up of train_gan over:")
    for name, row in rates.items():
        if name.startswith("train_gan"):
            continue
        print(f"  {name:<24}" + "".join(f"{f'{ours[w] / row[w]:.1f}×':>16}" for w in WIDTHS))
    if torch_threads:
        best = {w: max(torch_threads[w].values()) for w in torch_threads}
        print("  targets vs the faster torch loop: ≥ 10× at 2×32 → "
              f"{ours[32] / best[32]:.1f}×, ≥ 4× at 2×64 → {ours[64] / best[64]:.1f}×")
    else:
        print("  (torch not importable: no PyTorch comparison)")

    flops = step_matmul_flops(64)
    achieved = flops * ours[64] / 1e9
    print(f"\nmatmul FLOPs per step at 2×64: {flops / 1e6:.1f} M → {achieved:.1f} GFLOP/s "
          f"= {achieved / PEAK_GFLOPS:.1%} of {PEAK_GFLOPS:.0f} GFLOP/s")

    print(f"\nseveral seeds side by side, one per CPU device ({len(jax.devices())} devices; "
          "target: 3 seeds ≤ 1.5× the time of one):")
    for label, one, many in seeds_at_once():
        print(f"  {label:<34} 1 seed {one:6.2f} s   3 seeds {many:6.2f} s   "
              f"ratio {many / one:4.2f}×")

    print("\nperformance fork of the compiled step (steps/s with and without):")
    for label, on, off in forks():
        print(f"  {label:<40} {on:>8,.0f} vs {off:>8,.0f}   ({on / off:4.2f}×)")

    print("\nfresh interpreter → import ganlab → first training step (GANConfig(steps=1)):")
    print(f"  {'':<22}{'import s':>10}{'first step s':>14}{'total s':>10}{'process s':>11}")
    for label, imp, first, wall in first_step_times():
        print(f"  {label:<22}{imp:>10.2f}{first:>14.2f}{imp + first:>10.2f}{wall:>11.2f}")


if __name__ == "__main__":
    main()
