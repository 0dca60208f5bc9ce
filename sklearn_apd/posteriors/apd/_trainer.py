"""One distillation's GAN: generator, critic, Adam states, noise stream and the update."""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import torch

from ..._utils import STREAM_INIT, STREAM_TRAIN, make_generator, progress_bar, seeded_global_rng
from ...exceptions import DivergenceError
from ._gan import (
    FirstLayerStack,
    WeightGenerator,
    adam,
    critic_loss,
    generator_loss,
    mlp,
)

HISTORY_KEYS = ("iteration", "critic_loss", "generator_loss", "wasserstein", "time")

#: Each objective's optimizer, learning rate, Adam betas and critic steps per
#: generator update where ``APDClassifier`` leaves them ``None``, as in the
#: papers and the reference code: WGAN-GP (Gulrajani et al. 2017) Adam 1e-4,
#: betas (0.5, 0.9), 5 critic steps; WGAN (Arjovsky et al. 2017) RMSprop 5e-5,
#: 5 critic steps (weights clipped); the original GAN (Goodfellow et al. 2014,
#: DCGAN's optimizer) Adam 2e-4, betas (0.5, 0.999), one discriminator step.
OBJECTIVE_DEFAULTS = {
    "wgan-gp": {"optimizer": "adam", "lr": 1e-4, "betas": (0.5, 0.9), "n_critic": 5},
    "wgan": {"optimizer": "rmsprop", "lr": 5e-5, "betas": None, "n_critic": 5},
    "gan": {"optimizer": "adam", "lr": 2e-4, "betas": (0.5, 0.999), "n_critic": 1},
}


class RealRows(NamedTuple):
    """A real minibatch as rows of a table: ``table[rows]``, the table in the training space.

    The critic's real products run over the table's rows (fewer than the
    batch's: offline APD on fewer samples than its batch).
    """

    table: torch.Tensor
    rows: torch.Tensor


class SampleRows(NamedTuple):
    """A real minibatch ``samples[rows]`` to gather, ``samples`` in the samples' space."""

    samples: torch.Tensor
    rows: torch.Tensor


def gan_params(est) -> dict:
    """``est``'s optimizer, lr, betas and n_critic, its objective's defaults where None."""
    defaults = OBJECTIVE_DEFAULTS[est.gan]
    params = {"optimizer": defaults["optimizer"]}
    for key in ("lr", "betas", "n_critic"):
        value = getattr(est, key)
        params[key] = defaults[key] if value is None else value
    if params["betas"] is not None:
        params["betas"] = tuple(float(b) for b in params["betas"])
    return params


class GANSettings:
    """An estimator's GAN settings with ``gan_params()`` resolved (what the trainer reads)."""

    def __init__(self, est):
        for key in (
            "gan", "latent_dim", "generator_units", "critic_units", "batch_size", "gp_weight",
            "clip_value", "standardize", "random_state", "device_",
        ):  # fmt: skip
            setattr(self, key, getattr(est, key))
        for key, value in gan_params(est).items():
            setattr(self, key, value)


def weight_moments(samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-weight mean and standard deviation (floored at 1e-8) of ``standardize=True``.

    Parameters
    ----------
    samples : torch.Tensor of shape (K, P)

    Returns
    -------
    mean, scale : torch.Tensor of shape (P,)
    """
    return samples.mean(0), samples.std(0).clamp_min(1e-8)


class GANTrainer:
    """The adversarial updates of APD on weight vectors, with the settings of one estimator.

    ``settings`` is the estimator (``gan``, ``latent_dim``, ``batch_size``,
    ``n_critic``, ``gp_weight``, ``clip_value``, ``lr``, ``betas``,
    ``standardize``, ``random_state``, ``device_``). ``rng`` draws the latent
    noise, the interpolation factors and the real minibatches. ``likelihood``
    (a `LikelihoodTerm`, or None) adds the training data's NLL under the draws
    to the generator's loss.
    """

    def __init__(self, settings, generator, critic, optimizers, rng, likelihood=None):
        self.settings = settings
        self.generator = generator
        self.critic = critic
        self.optimizers = optimizers
        self.rng = rng
        self.first_layer_stack = FirstLayerStack()
        self.likelihood = likelihood

    @classmethod
    def new(cls, settings, n_parameters, samples=None):
        """A new GAN for ``n_parameters`` weights; ``samples`` set its standardization."""
        s = settings = GANSettings(settings)
        mean = scale = None
        if s.standardize:
            if samples is None or samples.shape[0] < 2:
                raise ValueError("standardize=True needs at least 2 samples to estimate scales.")
            mean, scale = weight_moments(samples)
        with seeded_global_rng(s.random_state, STREAM_INIT, s.device_):
            generator = WeightGenerator(
                s.latent_dim, tuple(s.generator_units), n_parameters, mean, scale
            ).to(s.device_)
            critic = mlp((n_parameters, *s.critic_units, 1)).to(s.device_)
        optimizers = optimizer_pair(s, critic, generator)
        rng = make_generator(s.random_state, STREAM_TRAIN, s.device_)
        return cls(settings, generator, critic, optimizers, rng)

    def to_training_space(self, real):
        """``real`` in the space the critic sees: standardized in place (``standardize``).

        ``real`` is a minibatch gathered for this step (into the critic's
        stack), so it is overwritten: two passes over (b x P) floats and no
        new batch, where ``(real - mean) / scale`` allocated two (same values).
        """
        if self.settings.standardize:
            return real.sub_(self.generator.mean).div_(self.generator.scale)
        return real

    def step(self, draw_real, iteration):
        """``n_critic`` critic updates and one generator update; returns the three losses.

        ``draw_real(b)`` returns a `SampleRows` (gathered into the critic's
        `FirstLayerStack` and standardized there: no batch allocated) or a
        `RealRows` (a table of distinct samples already in the training space
        and the rows of the batch). The losses come
        from `._gan`, which never forms a fake batch or an input gradient
        of P weights per row (same values as the straightforward computation).
        """
        s = self.settings
        opt_c, opt_g = self.optimizers
        g, critic, rng = self.generator, self.critic, self.rng
        b, device = s.batch_size, rng.device
        stack = self.first_layer_stack  # holds G, fixed while the critic trains
        stack.set_generator(g, critic[0].weight.shape[0], s.gan == "wgan-gp", b)
        for _ in range(s.n_critic):
            drawn = draw_real(b)
            if isinstance(drawn, RealRows):
                table, rows = drawn
                stack.real_rows(table.shape[0]).copy_(table)
            else:
                real = stack.real_rows(drawn.rows.shape[0])
                torch.index_select(drawn.samples, 0, drawn.rows, out=real)
                self.to_training_space(real)
                rows = None
            with torch.no_grad():
                hidden = g.hidden(torch.randn(b, s.latent_dim, generator=rng, device=device))
            eps = torch.rand(b, 1, generator=rng, device=device) if s.gan == "wgan-gp" else None
            loss_c, d_real, d_fake = critic_loss(
                critic, g, None, hidden, s.gan, s.gp_weight, eps, stack, rows
            )
            opt_c.zero_grad(set_to_none=True)
            loss_c.backward()
            opt_c.step()
            if s.gan == "wgan":
                with torch.no_grad():
                    for q in critic.parameters():
                        q.clamp_(-s.clip_value, s.clip_value)
        z = torch.randn(b, s.latent_dim, generator=rng, device=device)
        hidden = g.hidden(z)
        loss_g, _ = generator_loss(critic, g, z, s.gan, hidden)
        opt_g.zero_grad(set_to_none=True)
        if self.likelihood is None:
            loss_g.backward()
        else:  # the draws themselves, for the term's gradient (chunked, in its own graphs)
            fake = g.from_hidden(hidden)
            term_grad = self.likelihood.gradient(fake.detach())
            torch.autograd.backward([loss_g, fake], [None, term_grad])
        opt_g.step()
        critic_value, generator_value = float(loss_c.detach()), float(loss_g.detach())
        term = self.extras()
        if not all(np.isfinite(v) for v in (critic_value, generator_value, *term.values())):
            found = "".join(f", {k} {v}" for k, v in term.items())
            advice = f"Lower lr (now {s.lr}), use gan='wgan-gp', or set standardize=True"
            if term:
                advice += f", or lower likelihood_weight (now {self.likelihood.weight})"
            raise DivergenceError(
                f"APDClassifier diverged at generator update {iteration}: critic loss "
                f"{critic_value}, generator loss {generator_value}{found}. {advice}."
            )
        wasserstein = float((d_real.mean() - d_fake.mean()).detach())
        return critic_value, generator_value, wasserstein

    def extras(self) -> dict:
        """What the last update adds to the history: the draws' training NLL, if any."""
        return {} if self.likelihood is None else {"likelihood": self.likelihood.last}


def optimizer_pair(settings, critic, generator):
    """The critic's and the generator's optimizer (Adam or RMSprop) with the resolved lr."""
    if settings.optimizer == "rmsprop":
        return tuple(
            torch.optim.RMSprop(m.parameters(), lr=settings.lr, foreach=True)
            for m in (critic, generator)
        )
    return (
        adam(critic.parameters(), settings.lr, settings.betas, settings.device_),
        adam(generator.parameters(), settings.lr, settings.betas, settings.device_),
    )


class DistillationLog:
    """``distill_history_`` as it grows, and the progress bar of one fit."""

    def __init__(self, history=None, n_iter=0):
        self.history = {k: [] for k in HISTORY_KEYS} if history is None else history
        self.n_iter = n_iter
        done = self.history["time"]  # earlier warm-started fits' time
        self.t0 = time.perf_counter() - (done[-1] if len(done) else 0.0)

    def record(self, losses, **extra):
        self.n_iter += 1
        h = self.history
        h["iteration"].append(self.n_iter)
        for key, value in zip(("critic_loss", "generator_loss", "wasserstein"), losses):
            h[key].append(value)
        h["time"].append(time.perf_counter() - self.t0)
        for key, value in extra.items():
            h.setdefault(key, []).append(value)

    def arrays(self):
        return {k: np.asarray(v) for k, v in self.history.items()}


def train_offline(trainer, samples, log, n_updates, verbose, as_rows=None):
    """``n_updates`` GAN updates on minibatches drawn from ``samples`` (Algorithm 1).

    With ``as_rows`` (by default when there are fewer samples than a batch,
    as an active-learning round's 20), the critic's real products run over
    the distinct samples, standardized once, instead of over a gathered batch
    (`RealRows`); the same minibatches are drawn either way and the updates
    agree up to float rounding.
    """
    k, rng = samples.shape[0], trainer.rng
    if as_rows is None:
        as_rows = k < trainer.settings.batch_size
    table = None
    if as_rows:  # standardized once (in a copy: the samples may be a frozen sampler's)
        table = (
            trainer.to_training_space(samples.clone()) if trainer.settings.standardize else samples
        )

    def draw_real(b):
        rows = torch.randint(k, (b,), generator=rng, device=rng.device)
        if table is None:  # gathered by index_select into the critic's stack
            return SampleRows(samples, rows)
        return RealRows(table, rows)

    bar = progress_bar(total=n_updates, disable=not verbose, desc="APD (offline)")
    try:
        for _ in range(n_updates):
            losses = trainer.step(draw_real, log.n_iter + 1)
            log.record(losses, **trainer.extras())
            bar.update(1)
            if log.n_iter % 50 == 0:
                bar.set_postfix(wasserstein=f"{losses[2]:.3g}")
    finally:
        bar.close()
