"""Convolutions: ganlab's matmul formulation against XLA's native convolutions and PyTorch.

Side by side, in one run:

- the digits DCGAN preset (8×8 digits, batch 64, Adam): training steps/s with ganlab's
  convolutions (``GANLAB_CONV=matmul``, the default), with XLA's native ones
  (``GANLAB_CONV=native``), and with an eager PyTorch loop of the same networks, batch,
  losses and optimiser when torch is importable;
- the convolutional auto-encoder (:mod:`ganlab.autoencoding`, ``encoder="conv"``) on random
  28×28 images: steps/s, matmul against native;
- the fraction of this machine's matmul peak (a large float32 ``jnp`` matmul) that the digits
  step reaches, its FLOPs counted from the layer shapes.

Each ganlab variant runs in a fresh interpreter with ``GANLAB_CONV`` set (it is read at
import, and compiled programs of the two never mix). Rates are the best of a few repetitions
after a warm-up: timings on a shared machine only get slower than the hardware allows.
Printed, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 1000
REPEATS = 5
AE_STEPS = 200
AE_BATCH = 64
PEAK_SIZE = 2048


def _best_rate(run_steps, steps: int, repeats: int = REPEATS) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_steps(steps)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


def _digits():
    """(images ``(1500, 8, 8, 1)``, the preset's GANConfig)."""
    from ganlab import datasets
    from ganlab.presets import PRESETS

    preset = PRESETS["digits"]
    return datasets.load("digits", "train")[0], getattr(preset, "config", preset)


# ---- ganlab, one variant per interpreter ---------------------------------------------------


def digits_rate() -> float:
    """Steps/s of ``GANRun.train`` on the digits preset (chunks of the preset's size)."""
    from ganlab.training import GANRun

    images, config = _digits()
    run = GANRun(config, images)
    run.train(2 * config.chunk_size, progress=False)  # compile and warm up
    return _best_rate(lambda n: run.train(n, progress=False), STEPS)


def autoencoder_rate() -> float:
    """Steps/s of the conv auto-encoder (channels (16, 32), batch 64) on random 28×28
    images."""
    import numpy as np

    from ganlab.autoencoding import AEConfig, AERun

    # Black-and-white pixels: valid data whatever number of grey levels the config expects.
    images = (np.random.default_rng(0).random((2048, 28, 28, 1)) < 0.3).astype(np.float32)
    config = AEConfig(kind="ae", encoder="conv", channels=(16, 32), batch_size=AE_BATCH,
                      chunk_size=100)
    run = AERun(config, images)
    run.train(2 * config.chunk_size, progress=False)
    return _best_rate(lambda n: run.train(n, progress=False), AE_STEPS, 3)


def matmul_peak() -> float:
    """GFLOP/s of a float32 ``PEAK_SIZE``² matmul, best of a few (this machine's peak)."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.key(0), (PEAK_SIZE, PEAK_SIZE), jnp.float32)
    matmul = jax.jit(lambda a, b: a @ b)
    matmul(a, a).block_until_ready()
    best = float("inf")
    for _ in range(10):
        start = time.perf_counter()
        matmul(a, a).block_until_ready()
        best = min(best, time.perf_counter() - start)
    return 2 * PEAK_SIZE**3 / best / 1e9


def _in_subprocess(what: str, implementation: str) -> float:
    env = dict(os.environ, GANLAB_CONV=implementation)
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_conv", what], env=env,
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"bench_conv {what} with GANLAB_CONV={implementation} failed:\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- FLOPs of the digits step, from the layer shapes ---------------------------------------


def _layer_flops(config, image_shape) -> tuple[list[int], list[int], list[int]]:
    """Per-sample forward FLOPs (2 per multiply-add) of G's layers, as a direct convolution
    computes them and as ganlab's matmuls do, and of D's layers (the same either way).

    G: linear to ``(h/2^L, w/2^L, channels[0])``, then per level ×2 upsampling and a 3×3
    convolution (ganlab multiplies on the coarse map: 4 times fewer products); D: stride-2 3×3
    convolutions with the channels reversed, then a linear layer to one logit.
    """
    h, w, c = image_shape
    levels = len(config.channels)
    hh, ww = h >> levels, w >> levels
    g_direct = [2 * config.noise_dim * hh * ww * config.channels[0]]
    g_matmul = list(g_direct)
    for c_in, c_out in zip(config.channels, (*config.channels[1:], c)):
        hh, ww = 2 * hh, 2 * ww
        g_direct.append(2 * 9 * c_in * c_out * hh * ww)
        g_matmul.append(g_direct[-1] // 4)
    d = []
    hh, ww, c_in = h, w, c
    for c_out in config.channels[::-1]:
        hh, ww = -(-hh // 2), -(-ww // 2)
        d.append(2 * 9 * c_in * c_out * hh * ww)
        c_in = c_out
    d.append(2 * hh * ww * c_in)
    return g_direct, g_matmul, d


def digits_step_flops(config, image_shape) -> tuple[int, int]:
    """FLOPs of one training step (k = 1), counted as a direct convolution and as ganlab's
    matmuls compute them.

    Backward passes cost a forward pass per gradient: one for the weights, one for the input
    of every layer but the network's first where nothing needs it. Discriminator step: G
    forward on m noise vectors, D forward, weight and input gradients on 2m images (m real, m
    fake). Generator step: G forward and both gradients on m, D forward and input
    gradients (not its weight gradients) on m.
    """
    m = config.batch_size

    def step(g, d):
        g_fwd, d_fwd = sum(g), sum(d)
        d_step = m * g_fwd + 2 * m * (d_fwd + d_fwd + d_fwd - d[0])
        g_step = m * (g_fwd + g_fwd + g_fwd - g[0]) + m * (d_fwd + d_fwd)
        return d_step + g_step

    g_direct, g_matmul, d = _layer_flops(config, image_shape)
    return step(g_direct, d), step(g_matmul, d)


# ---- PyTorch --------------------------------------------------------------------------------


def torch_digits_rate(threads: int) -> float | None:
    """Steps/s of an eager PyTorch loop with the digits preset's networks, batch, losses and
    optimiser (Adam, β = (0.5, 0.999)); None when torch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    import numpy as np

    nn, functional = torch.nn, torch.nn.functional
    images, config = _digits()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    (c0, c1), latent, m = config.channels, config.noise_dim, config.batch_size
    h, w, c = images.shape[1:]
    data = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(latent, c0 * (h // 4) * (w // 4))
            self.conv1 = nn.Conv2d(c0, c1, 3, padding=1)
            self.conv2 = nn.Conv2d(c1, c, 3, padding=1)

        def forward(self, z):
            x = functional.relu(self.inp(z)).view(-1, c0, h // 4, w // 4)
            x = functional.relu(self.conv1(functional.interpolate(x, scale_factor=2)))
            x = self.conv2(functional.interpolate(x, scale_factor=2))
            return 0.5 + 0.5 * torch.tanh(x)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c1, 3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(c1, c0, 3, stride=2, padding=1)
            self.out = nn.Linear(c0 * (h // 4) * (w // 4), 1)

        def forward(self, x):
            x = functional.leaky_relu(self.conv1((x - 0.5) / 0.5), 0.2)
            x = functional.leaky_relu(self.conv2(x), 0.2)
            return self.out(x.flatten(1))[:, 0]

    gen, disc = Generator(), Discriminator()
    betas = (config.beta1, config.beta2)
    opt_g = torch.optim.Adam(gen.parameters(), config.lr_generator, betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), config.lr_discriminator, betas=betas)
    softplus = functional.softplus

    def run(n):
        record = torch.empty(n, 2)
        for i in range(n):
            real = data[torch.randint(0, data.shape[0], (m,))]
            with torch.no_grad():
                fake = gen(torch.randn(m, latent))
            logits = disc(torch.cat([real, fake]))
            d_loss = softplus(-logits[:m]).mean() + softplus(logits[m:]).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = softplus(-disc(gen(torch.randn(m, latent)))).mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            record[i, 0], record[i, 1] = d_loss.detach(), g_loss.detach()

    run(50)
    return _best_rate(run, STEPS // 4, 3)


# ---- report ---------------------------------------------------------------------------------


def main() -> None:
    print(f"{os.cpu_count()} CPU cores; best of {REPEATS} repetitions after a warm-up; "
          f"matmul = ganlab's convolutions, native = XLA's (GANLAB_CONV)")
    digits = {impl: _in_subprocess("digits", impl) for impl in ("matmul", "native")}
    torch_rates = {t: _in_subprocess(f"torch{t}", "matmul") for t in sorted({1, os.cpu_count()})}
    autoencoder = {impl: _in_subprocess("autoencoder", impl) for impl in ("matmul", "native")}
    peak = _in_subprocess("peak", "matmul")

    print("\ndigits DCGAN preset (8×8, batch 64), training steps/s")
    print(f"  ganlab, matmul convolutions  {digits['matmul']:8,.0f}")
    print(f"  ganlab, XLA native           {digits['native']:8,.0f}   matmul / native: "
          f"{digits['matmul'] / digits['native']:.1f}×")
    if all(rate is None for rate in torch_rates.values()):
        print("  PyTorch eager loop: skipped (torch is not importable)")
    else:
        for threads, rate in torch_rates.items():
            print(f"  PyTorch eager, {threads} thread{'s' * (threads > 1)}{'':<{6 - len(str(threads))}}"
                  f"{rate:8,.0f}   matmul / torch: {digits['matmul'] / rate:.1f}×")
        print(f"  target ≥ 4× the faster PyTorch loop (stretch 6×): "
              f"{digits['matmul'] / max(torch_rates.values()):.1f}×")

    print("\nconv auto-encoder (28×28, channels (16, 32), batch 64), training steps/s")
    print(f"  matmul {autoencoder['matmul']:8,.1f}   native {autoencoder['native']:8,.1f}   "
          f"matmul / native: {autoencoder['matmul'] / autoencoder['native']:.1f}× (target ≥ 3×)")

    images, config = _digits()
    direct, executed = digits_step_flops(config, images.shape[1:])
    print(f"\nmatmul peak (float32 {PEAK_SIZE}² jnp matmul): {peak:,.0f} GFLOP/s")
    for label, flops in (("as direct convolutions", direct), ("as ganlab multiplies", executed)):
        rate = flops * digits["matmul"] / 1e9
        print(f"  digits step, {flops / 1e6:5.1f} MFLOP {label}: {rate:6.1f} GFLOP/s = "
              f"{100 * rate / peak:4.1f} % of peak")


def _child(what: str) -> None:
    if what == "digits":
        value = digits_rate()
    elif what == "autoencoder":
        value = autoencoder_rate()
    elif what == "peak":
        value = matmul_peak()
    else:
        value = torch_digits_rate(int(what.removeprefix("torch")))
    print(json.dumps(value))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _child(sys.argv[1])
    else:
        main()
