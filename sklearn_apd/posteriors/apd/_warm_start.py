"""APD's warm start: what one fit leaves for the next (generator, critic, Adam, noise)."""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..._utils import STREAM_WARM, make_generator
from ._trainer import GANSettings, GANTrainer, optimizer_pair, weight_moments

#: Settings a continued GAN cannot change.
GAN_SETTINGS = ("gan", "latent_dim", "generator_units", "critic_units", "standardize")


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def check_continuable(est, state, sampler):
    """A ValueError unless ``sampler``'s network and ``est``'s GAN settings match ``state``."""
    changed = [
        f"{k}={getattr(est, k)!r} (was {state['settings'][k]!r})"
        for k in GAN_SETTINGS
        if _as_tuple(getattr(est, k)) != _as_tuple(state["settings"][k])
    ]
    if changed:
        raise ValueError(
            "warm_start=True continues the previous GAN, but its settings changed: "
            + ", ".join(changed)
            + ". Set warm_start=False to start a new one."
        )
    same_classes = np.array_equal(_targets(sampler), _targets(est))
    same_input = tuple(sampler.input_shape_) == tuple(est.input_shape_)
    n_params = state["generator"].last.out_features
    if not (same_classes and same_input and sampler.n_parameters_ == n_params):
        raise ValueError(
            "warm_start=True continues the previous GAN and needs the same network, "
            f"classes and input shape; the sampler now has {sampler.n_parameters_} "
            f"weights, classes (or targets) {_targets(sampler)!r} and input shape "
            f"{tuple(sampler.input_shape_)}, previously {n_params}, {_targets(est)!r} "
            f"and {tuple(est.input_shape_)}."
        )


def _targets(obj):
    """A classifier's classes, a regressor's number of targets."""
    return obj.classes_ if hasattr(obj, "classes_") else obj.n_outputs_


def keep_state(est, trainer, previous):
    """The state the next warm fit continues from."""
    return {
        # generator_ gets folded (standardize=True); training goes on in
        # the standardized space, so the state keeps its own copy.
        "generator": copy.deepcopy(trainer.generator),
        "critic": trainer.critic,
        "optimizers": [opt.state_dict() for opt in trainer.optimizers],
        "rng": (trainer.rng.device.type, trainer.rng.get_state()),
        "settings": {k: getattr(est, k) for k in GAN_SETTINGS},
        "fits": (previous or {}).get("fits", 0) + 1,
    }


def resume(est, state, samples):
    """The previous fit's GAN, continued with ``est``'s lr and betas on ``samples``."""
    device = est.device_
    generator = state["generator"].to(device).train()
    if est.standardize:
        # The GAN goes on in the standardized space with this fit's
        # location and scale: a new posterior (the next active-learning
        # round, narrower as labels come in) is matched at once instead
        # of after the generator has learnt its shift and spread. The
        # same samples give the same moments.
        mean, scale = weight_moments(samples)
        generator.mean.copy_(mean)
        generator.scale.copy_(scale)
    critic = state["critic"].to(device)
    settings = GANSettings(est)
    optimizers = optimizer_pair(settings, critic, generator)
    for opt, saved in zip(optimizers, state["optimizers"]):
        opt.load_state_dict(saved)
        for group in opt.param_groups:  # lr and betas may be retuned between fits
            group["lr"] = settings.lr
            if "betas" in group:
                group["betas"] = opt.defaults["betas"]
    rng_device, rng_state = state["rng"]
    if rng_device == device.type:
        # The noise stream goes on where it stopped: two warm fits of n
        # updates give the GAN of one fit of 2 n updates.
        rng = torch.Generator(device=device)
        rng.set_state(rng_state.cpu())
    else:  # e.g. fitted on a GPU, continued on a CPU: a new stream
        rng = make_generator(est.random_state, STREAM_WARM + state["fits"], device)
    return GANTrainer(settings, generator, critic, optimizers, rng)
