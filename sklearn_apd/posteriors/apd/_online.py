"""Online APD (Algorithm 2): SGLD chains started from G's samples, interleaved with GAN updates."""

from __future__ import annotations

import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from ..._utils import progress_bar
from ...sampling import WeightSampler
from .._weight_samples import adopt_network
from ._trainer import DistillationLog, GANTrainer, SampleRows


def fit_online(est, X, y, default_sampler, likelihood_term):
    """Distil chains of ``est.sampler`` while they run; sets ``est``'s fitted attributes.

    Each round: ``sgld_steps`` steps of ``n_chains`` chains (states after the
    sampler's ``burn_in``, in the sampling stages of its schedule, enter a FIFO
    buffer of ``buffer_size``), then ``gan_steps`` generator updates on the
    buffer, until ``max_iter`` updates. ``likelihood_term(X, y)`` is the
    generator's likelihood term (None without one).

    With ``standardize=True`` the GAN's per-weight mean and scale come from the
    first buffer: the chains start from the sampler's own initial weights (there
    is no generator to draw from yet), and the GAN is built, and its updates
    begin, once the buffer holds two samples or more.
    """
    sampler = est.sampler if est.sampler is not None else default_sampler
    if isinstance(sampler, FrozenEstimator) or not isinstance(sampler, WeightSampler):
        raise ValueError(
            "mode='online' runs its own SGLD chains and needs an unfitted "
            f"SGLDClassifier (or SGLDRegressor) as sampler; got {type(sampler).__name__}."
        )
    chain = clone(sampler).set_params(device=str(est.device_))
    k = est.n_chains
    run = chain.start_chains(X, y, n_chains=k)
    adopt_network(est, chain, est.device_)
    if est.standardize and est.buffer_size < 2:
        raise ValueError(
            f"standardize=True estimates each weight's scale from the sample buffer, which "
            f"needs buffer_size >= 2; got buffer_size={est.buffer_size}."
        )
    trainer = None
    if not est.standardize:
        trainer = GANTrainer.new(est, est.n_parameters_)
        trainer.likelihood = likelihood_term(X, y)
        est.generator_ = trainer.generator
        # Chains start from generator samples (Algorithm 2).
        with torch.no_grad():
            z = torch.randn(k, est.latent_dim, generator=trainer.rng, device=trainer.rng.device)
            run.states.copy_(est.generator_(z))
    log = DistillationLog()
    buffer = torch.empty(est.buffer_size, est.n_parameters_, device=est.device_)
    held = head = passed = 0

    def draw_real(b):
        rng = trainer.rng
        return SampleRows(buffer, torch.randint(held, (b,), generator=rng, device=rng.device))

    bar = progress_bar(total=est.max_iter, disable=not est.verbose, desc="APD (online)")
    try:
        with run.running():
            while log.n_iter < est.max_iter:
                # T_m SGLD steps of all K chains at once (one vectorised step each).
                for _ in range(est.sgld_steps):
                    run.step()
                    if run.collecting:
                        n_push = min(k, est.buffer_size)
                        rows = torch.arange(head, head + n_push, device=buffer.device)
                        buffer[rows % est.buffer_size] = run.states[:n_push]
                        head = (head + n_push) % est.buffer_size
                        held = min(held + n_push, est.buffer_size)
                        passed += k
                if held < (2 if est.standardize else 1):
                    continue  # still in burn-in
                if trainer is None:  # standardize=True: moments of the first buffer
                    trainer = GANTrainer.new(est, est.n_parameters_, samples=buffer[:held])
                    trainer.likelihood = likelihood_term(X, y)
                    est.generator_ = trainer.generator
                for _ in range(min(est.gan_steps, est.max_iter - log.n_iter)):
                    losses = trainer.step(draw_real, log.n_iter + 1)
                    log.record(losses, buffer_size=held, **trainer.extras())
                    bar.update(1)
    finally:
        bar.close()
        est.distill_history_ = log.arrays()
        est.n_iter_ = log.n_iter
    est.n_training_samples_ = passed
    est.module_.eval()
