"""The numbers behind a frame of the live trainer, and how good the generator is.

:class:`Views` holds the fixed inputs of every frame for one data set and config (the noise fed
to G, a grid of noise lines, the points where D is shown, real samples) and computes a frame's
numbers in one compiled call (:func:`_views`): the fakes G(z), the warped grid, D on the plane
(2D) or line (1D) and ∇ₓD at the first fakes. :meth:`Views.measure` says how close the fakes
are to the data: the exact JSD between p_data and a kernel density estimate of p_G in 1D, the
modes captured in 2D.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab import distributions as dist
from ganlab import divergences as div
from ganlab import metrics, plots
from ganlab.losses import get_loss
from ganlab.training import GANConfig
from ganlab.training import _noise  # the engine's noise, so the views see what G is fed

__all__ = ["Views", "mixture_modes", "N_ARROWS", "N_PLANE"]

N_SCORED = 2500  # fakes per frame: shown, measured
N_REAL_SHOWN = 300
N_ARROWS = 60  # ∇ₓD drawn at this many fakes
N_PLANE = 60  # D on an N_PLANE × N_PLANE grid (2D)
N_XS = 601  # D, p_G, D* on this many points (1D)
GRID_LINES, GRID_POINTS = 11, 41  # the noise grid G warps: lines, points per line


@functools.partial(jax.jit, static_argnums=(0, 1, 7))
def _views(g_graph, d_graph, g_state, d_state, z, z_lines, plane, pack, probabilities):
    """One frame's numbers: fakes G(z) ``(n, d)``, the warped grid G(z_lines) ``(lines,
    points, d)``, D on ``plane`` ``(m,)`` and ∇ₓD at the first fakes ``(N_ARROWS, d)``. A
    packed D judges a pack of ``pack`` copies of a point. ``probabilities`` (a bool, data like
    the loss itself: switching losses compiles nothing) says whether D is sigmoid(logit)."""
    gen, disc = nnx.merge(g_graph, g_state), nnx.merge(d_graph, d_state)

    def d_of(x):
        out = disc(jnp.tile(x, (1, pack)))
        return jnp.where(probabilities, jax.nn.sigmoid(out), out)

    fakes = gen(z)
    lines = gen(z_lines.reshape(-1, z_lines.shape[-1])).reshape(*z_lines.shape[:2], -1)
    grads = jax.grad(lambda x: jnp.sum(d_of(x)))(fakes[:N_ARROWS])
    return fakes, lines, d_of(plane), grads


def mixture_modes(p: dist.Distribution):
    """(mode centres ``(k, 2)``, their common σ) of a mixture of equal isotropic normals, or
    (None, None) for other data."""
    parts = getattr(p, "components", ())
    scales = {getattr(c, "scale", None) for c in parts}
    if not parts or len(scales) != 1 or not all(isinstance(c, dist.IsotropicNormal)
                                                for c in parts):
        return None, None
    return np.asarray(p.modes), scales.pop()


def _noise_lines(c: GANConfig) -> np.ndarray:
    """Lines through noise space ``(lines, GRID_POINTS, noise size)``: a square grid over the
    first two coordinates; one line in 1D; with a discrete code, one line per code along the
    first continuous coordinate."""
    edge = 2.0 if c.noise == "gaussian" else 1.0
    ticks = np.linspace(-edge, edge, GRID_LINES)
    along = np.linspace(-edge, edge, GRID_POINTS)
    if c.noise == "mixture":
        codes = np.repeat(np.eye(c.n_components)[:, None, :], GRID_POINTS, axis=1)
        sweep = np.zeros((c.n_components, GRID_POINTS, c.latent_dim))
        sweep[..., 0] = along
        return np.concatenate([codes, sweep], axis=-1)
    if c.latent_dim == 1:
        return along[None, :, None]
    across = np.stack([np.stack(np.broadcast_arrays(t, along), -1) for t in ticks])
    lines = np.concatenate([across, across[..., ::-1]])
    return np.concatenate([lines, np.zeros((*lines.shape[:2], c.latent_dim - 2))], axis=-1)


class Views:
    """Fixed inputs of the trainer's frames for data ``p_data`` (1D or 2D) and ``config``.

    Attributes: ``p_data``, ``dim``; ``z`` ``(N_SCORED, noise size)``, the noise whose fakes
    are shown and measured; ``z_lines`` (see :func:`_noise_lines`); ``real`` ``(N_REAL_SHOWN,
    dim)``; ``limits`` (``(x0, x1)`` in 1D, ``(x0, x1, y0, y1)`` in 2D); ``plane``, the points
    where D is shown ``(m, dim)``; ``modes``, ``scale`` (:func:`mixture_modes`). 1D also:
    ``xs`` ``(N_XS,)`` and ``p_data_curve``, p_data on ``xs``.
    """

    def __init__(self, p_data: dist.Distribution, config: GANConfig):
        self.p_data, self.dim = p_data, p_data.dim
        k_z, k_real = jax.random.split(jax.random.key(12345))
        self.z = _noise(config.noise, k_z, (N_SCORED, config.latent_dim), config.n_components)
        self.z_lines = jnp.asarray(_noise_lines(config), jnp.float32)
        real = np.asarray(p_data.sample(k_real, 4096))
        self.real = real[:N_REAL_SHOWN]
        self.modes, self.scale = mixture_modes(p_data)
        low, high = np.percentile(real, 0.5, axis=0), np.percentile(real, 99.5, axis=0)
        centre, half = (low + high) / 2, (high - low) / 2
        if self.dim == 1:
            half = float(half[0]) * 1.6 + 0.5
            self.limits = (float(centre[0]) - half, float(centre[0]) + half)
            self.xs = div.grid(*self.limits, N_XS)
            self.plane = jnp.asarray(self.xs, jnp.float32)[:, None]
            self.p_data_curve = np.asarray(p_data.prob(self.xs))
            # p_data's side of the exact numbers, once: each frame's JSD and D* are then
            # computed in NumPy, without queueing behind the training on the device
            self._lp_data = np.asarray(p_data.log_prob(self.xs), np.float64)
            self._log_w = div.log_weights(self.xs)
        else:
            half = float(half.max()) * 1.3 + 0.3
            self.limits = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
            self.plane = jnp.asarray(plots.plane_points(self.limits, N_PLANE))
        self._graphs = (None, None, None)  # (run, G's graphdef, D's), reused while playing

    @property
    def measures(self) -> tuple[str, ...]:
        """The names of the numbers :meth:`measure` returns that a trainer traces over time."""
        if self.dim == 1:
            return ("jsd",)
        return () if self.modes is None else ("modes", "high_quality")

    def numbers(self, run, state=None) -> tuple:
        """(fakes, warped grid, D on the plane or line, ∇ₓD at the first fakes), device
        arrays, of ``run``'s networks or of ``state`` (a :class:`PendingSteps`' ``after``)."""
        if state is None:
            (g_graph, g_state), (d_graph, d_state) = (nnx.split(run.generator),
                                                      nnx.split(run.discriminator))
            self._graphs = (run, g_graph, d_graph)
        else:  # playing: the modules are not touched (see GANRun._nets), their graphs reused
            if self._graphs[0] is not run:
                self._graphs = (run, nnx.graphdef(run.generator), nnx.graphdef(run.discriminator))
            g_graph, d_graph = self._graphs[1:]
            g_state, d_state = state["generator"], state["discriminator"]
        return _views(g_graph, d_graph, g_state, d_state, self.z, self.z_lines, self.plane,
                      run.config.pack, get_loss(run.config.loss).probabilities)

    @staticmethod
    def gradient_at(run, points: np.ndarray) -> np.ndarray:
        """∇ₓD at ``points`` ``(n, dim)``: where G's next update pushes fakes there."""
        return np.asarray(jax.grad(lambda x: jnp.sum(run.discriminate(x)))(jnp.asarray(points)))

    def measure(self, fakes: np.ndarray) -> dict:
        """How close ``fakes`` ``(n, dim)`` are to the data. 1D: ``jsd`` (nats, exact on
        ``xs`` between p_data and the fakes' kernel density estimate), ``p_g`` (that
        density on ``xs``) and ``d_star`` (D* on ``xs``); 2D mixtures of round Gaussians:
        ``modes`` captured, ``n_modes``, ``high_quality`` (fraction within 3σ of a mode);
        other 2D data: nothing."""
        if self.dim == 1:
            density = metrics.kde(fakes[:, 0], self.xs).astype(np.float64)
            with np.errstate(divide="ignore"):
                jsd, d_star = div.jsd_and_dstar_on_host(
                    log_p=self._lp_data, log_q=np.log(density), log_w=self._log_w)
            p_g = density / np.sum(density * np.exp(self._log_w))  # integrates to 1 on xs
            return {"jsd": jsd, "p_g": p_g, "d_star": d_star}
        if self.modes is None:
            return {}
        captured, hq = metrics.mode_coverage(fakes, self.modes, self.scale)
        return {"modes": captured, "n_modes": len(self.modes), "high_quality": hq}
