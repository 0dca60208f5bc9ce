"""APDClassifier: Adversarial Posterior Distillation (Wang et al., ICML 2018)."""

from __future__ import annotations

import numbers
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import validate_data
from tqdm.auto import tqdm

from ._base import DivergenceError
from ._chains import ParallelChains, chain_minibatches
from ._gan import (
    WeightGenerator,
    adam,
    critic_loss,
    generator_loss,
    generator_output_layer,
    mlp,
)
from ._prediction import PosteriorPredictionMixin
from ._samplers import adopt_network, fitted_sampler
from ._utils import (
    STREAM_INIT,
    STREAM_TRAIN,
    STREAM_WARM,
    TorchPickleMixin,
    make_generator,
    resolve_device,
    seeded_global_rng,
)


class APDClassifier(PosteriorPredictionMixin, ClassifierMixin, TorchPickleMixin, BaseEstimator):
    """Adversarial Posterior Distillation: a GAN generator of network weights.

    ``fit`` distils an SGLD posterior into a generator G: z ~ N(0, I) -> weight
    vector, trained adversarially against a critic on the SGLD samples
    (Wang et al., 2018). At test time weight draws come from G, so the
    posterior costs the generator's parameters instead of stored samples.

    - ``mode="offline"`` (Algorithm 1): fit a clone of ``sampler`` (or use a
      :class:`sklearn.frozen.FrozenEstimator` around a fitted one, so that a
      notebook samples once and distils many times), then train the GAN on its
      samples for ``max_iter`` generator updates.
    - ``mode="online"`` (Algorithm 2): ``n_chains`` SGLD chains, initialised
      from generator samples, alternate with the GAN: each round runs
      ``sgld_steps`` SGLD steps per chain (states after the sampler's
      ``burn_in`` go into a FIFO buffer of at most ``buffer_size`` vectors, the
      oldest leaving first) and then ``gan_steps`` generator updates on the
      buffer. Never more than ``buffer_size`` samples are held. The chains
      step together as one vectorised computation, each with its own
      minibatches and noise (as ``SGLDClassifier(n_chains=...)``).

    GAN objectives (``gan``): ``"wgan-gp"`` (default, Gulrajani et al. 2017:
    Wasserstein critic with gradient penalty ``gp_weight``), ``"wgan"``
    (Arjovsky et al. 2017: critic weights clipped to ``clip_value``), ``"gan"``
    (Goodfellow et al. 2014, non-saturating generator loss). Each generator
    update follows ``n_critic`` critic updates, both with Adam.

    After ``fit`` only the generator is kept: no reference to the SGLD samples
    or the critic survives.

    Parameters
    ----------
    sampler : SGLDClassifier or FrozenEstimator, default=None
        None means ``SGLDClassifier()``. Online mode needs an (unfitted)
        SGLDClassifier and takes its network, lr, weight_decay, temperature,
        batch_size, burn_in (counted per chain) and random settings.
    mode : {"offline", "online"}, default="offline"
    gan : {"wgan-gp", "wgan", "gan"}, default="wgan-gp"
    max_iter : int, default=1000
        Generator updates (the paper ran 100,000).
    n_samples : int, default=200
        Generator draws at prediction.
    latent_dim : int, default=32
    generator_units : tuple of int, default=(100, 100, 100)
    critic_units : tuple of int, default=(100, 100, 100)
    n_critic : int, default=5
        Critic updates per generator update.
    gp_weight : float, default=10.0
        Gradient-penalty weight (lambda) for "wgan-gp".
    clip_value : float, default=0.01
        Critic weight clipping for "wgan".
    lr : float, default=1e-4
        Adam learning rate of generator and critic.
    betas : tuple of float, default=(0.5, 0.9)
        Adam betas.
    batch_size : int, default=100
        Weight vectors per GAN minibatch.
    standardize : bool, default=False
        Train on per-weight standardised samples and generate
        ``mean + std * G(z)``; after training the two vectors are folded
        into the generator's last layer (no extra storage, same outputs).
        False is the paper's setting; True with ``lr=1e-3``
        distils a fcNN1 MNIST posterior in about 800 updates
        (``benchmarks/RESULTS.md``).
    n_chains : int, default=4
        Online mode: parallel SGLD chains.
    sgld_steps : int, default=100
        Online mode: SGLD steps per chain and round (T_m).
    gan_steps : int, default=10
        Online mode: generator updates per round (T_g).
    buffer_size : int, default=1000
        Online mode: capacity of the FIFO sample buffer.
    warm_start : bool, default=False
        Offline mode: when already fitted, ``fit`` gets new samples from the
        sampler (refitting a clone on the new data, unless it is a
        ``FrozenEstimator``) and continues the previous GAN (generator,
        critic and both Adam states) for ``max_iter`` more updates instead of
        starting a new one; ``n_iter_`` and ``distill_history_`` count on.
        With ``standardize=True`` the GAN goes on in the standardized space
        and each fit's samples set the mean and scale, so a new posterior
        starts at its own location and spread (the same samples: nothing
        changes, two warm fits of n updates are one of 2 n). This is how the
        reference code distils in active learning: a fresh SGLD run per round,
        one GAN trained across rounds. Needs the same network, classes and
        GAN settings as the previous fit. The critic, a training copy of the
        generator and their Adam states are kept between fits (about
        ``12 * n_parameters_ * (critic_units[0] + generator_units[-1])``
        bytes: 190 MB for fcNN1 with the default sizes), so set it only when
        you will refit.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where the GAN is trained (offline) and everything runs (online).
    random_state : int, RandomState instance or None, default=None
        Seeds the GAN's initialisation, noise and minibatches and the
        prediction draws (the sampler has its own random_state).
    verbose : int, default=0
        1 shows a progress bar.
    working_memory : float or None, default=None
        MiB per chunk of the prediction engine.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    input_shape_ : tuple of int
    module_ : torch.nn.Module
        A copy of the sampler's network, evaluated under generated weights.
    layout_ : ParameterLayout
    device_ : torch.device
    n_parameters_ : int
        Weights of one network (the generator's output size).
    generator_ : WeightGenerator
        The trained generator (eval mode).
    storage_size_ : int
        Floats kept for test-time sampling: the generator's parameters.
    distill_history_ : dict of str to ndarray
        Per generator update: ``"iteration"``, ``"critic_loss"``,
        ``"generator_loss"``, ``"wasserstein"`` (mean critic score of real
        minus generated samples, the Wasserstein estimate for the WGANs),
        ``"time"`` (seconds of GAN training so far) and, online,
        ``"buffer_size"`` (samples held).
    n_iter_ : int
        Generator updates run (over all fits, with ``warm_start=True``).
    n_training_samples_ : int
        Offline: SGLD samples distilled. Online: samples that passed through
        the buffer.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn_apd import APDClassifier, SGLDClassifier
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits(return_X_y=True)
    >>> sgld = SGLDClassifier(lr=0.5, max_epochs=30, burn_in=100, thinning=2,
    ...                       random_state=0).fit(X, y)
    >>> apd = APDClassifier(FrozenEstimator(sgld), max_iter=50, standardize=True,
    ...                     random_state=0).fit(X, y)
    >>> apd.storage_size_ < sgld.storage_size_
    True
    >>> apd.sample_parameters(3).shape == (3, sgld.n_parameters_)
    True
    """

    _posterior_attributes = ("generator_",)
    _parameter_constraints: dict = {
        "sampler": [object, None],
        "mode": [StrOptions({"offline", "online"})],
        "gan": [StrOptions({"wgan-gp", "wgan", "gan"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "latent_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "generator_units": [tuple, list],
        "critic_units": [tuple, list],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left")],
        "gp_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "clip_value": [Interval(numbers.Real, 0, None, closed="neither")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "betas": [tuple, list],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        "n_chains": [Interval(numbers.Integral, 1, None, closed="left")],
        "sgld_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "gan_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "buffer_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        sampler=None,
        mode="offline",
        gan="wgan-gp",
        max_iter=1000,
        n_samples=200,
        *,
        latent_dim=32,
        generator_units=(100, 100, 100),
        critic_units=(100, 100, 100),
        n_critic=5,
        gp_weight=10.0,
        clip_value=0.01,
        lr=1e-4,
        betas=(0.5, 0.9),
        batch_size=100,
        standardize=False,
        n_chains=4,
        sgld_steps=100,
        gan_steps=10,
        buffer_size=1000,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        working_memory=None,
    ):
        self.sampler = sampler
        self.mode = mode
        self.gan = gan
        self.max_iter = max_iter
        self.n_samples = n_samples
        self.latent_dim = latent_dim
        self.generator_units = generator_units
        self.critic_units = critic_units
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.clip_value = clip_value
        self.lr = lr
        self.betas = betas
        self.batch_size = batch_size
        self.standardize = standardize
        self.n_chains = n_chains
        self.sgld_steps = sgld_steps
        self.gan_steps = gan_steps
        self.buffer_size = buffer_size
        self.warm_start = warm_start
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.working_memory = working_memory

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------------ fit
    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        for name in ("generator_units", "critic_units"):
            units = getattr(self, name)
            if not all(isinstance(u, numbers.Integral) and u > 0 for u in units):
                raise ValueError(f"{name}={units!r} must be a sequence of positive ints.")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas={self.betas!r} must be two numbers in [0, 1).")
        if self.warm_start and self.mode == "online":
            raise ValueError(
                "warm_start=True continues an offline distillation; mode='online' "
                "starts its chains and GAN afresh. Use mode='offline' or warm_start=False."
            )

    def fit(self, X, y):
        """Sample the posterior with SGLD and distil it into the generator.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        y : array-like of shape (n,)

        Returns
        -------
        self : object
        """
        self._check_params()
        from ._sgld_classifier import SGLDClassifier

        X, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True)
        self.device_ = resolve_device(self.device)
        warm = self.warm_start and getattr(self, "_warm_state", None) is not None
        if not self.warm_start:
            self._warm_state = None
        if self.mode == "offline":
            sampler = fitted_sampler(self.sampler, X, y, SGLDClassifier())
            samples = sampler.samples_.to(self.device_)
            if warm:
                self._check_continuable(sampler)
            adopt_network(self, sampler, self.device_)
            self.n_training_samples_ = samples.shape[0]
            if warm:
                critic, optimizers, gen = self._resume_gan(samples)
            else:
                critic, optimizers, gen = self._build_gan(samples)
            del sampler  # only the network copy above is kept
            self._train_offline(samples, critic, optimizers, gen)
            if self.warm_start:
                self._keep_gan_state(critic, optimizers, gen)
        else:
            self._fit_online(X, y, SGLDClassifier)
        self.generator_.eval()
        self.generator_.fold_standardization()  # no-op unless standardize=True
        self.storage_size_ = self._generator_storage()
        return self

    # ----------------------------------------------------------- warm start
    _GAN_SETTINGS = ("gan", "latent_dim", "generator_units", "critic_units", "standardize")

    def _check_continuable(self, sampler):
        state = self._warm_state
        changed = [
            f"{k}={getattr(self, k)!r} (was {state['settings'][k]!r})"
            for k in self._GAN_SETTINGS
            if _as_tuple(getattr(self, k)) != _as_tuple(state["settings"][k])
        ]
        if changed:
            raise ValueError(
                "warm_start=True continues the previous GAN, but its settings changed: "
                + ", ".join(changed)
                + ". Set warm_start=False to start a new one."
            )
        same_classes = np.array_equal(sampler.classes_, self.classes_)
        same_input = tuple(sampler.input_shape_) == tuple(self.input_shape_)
        n_params = state["generator"].last.out_features
        if not (same_classes and same_input and sampler.n_parameters_ == n_params):
            raise ValueError(
                "warm_start=True continues the previous GAN and needs the same network, "
                f"classes and input shape; the sampler now has {sampler.n_parameters_} "
                f"weights, classes {sampler.classes_!r} and input shape "
                f"{tuple(sampler.input_shape_)}, previously {n_params}, {self.classes_!r} "
                f"and {tuple(self.input_shape_)}."
            )

    def _keep_gan_state(self, critic, optimizers, gen):
        """What the next warm fit continues: generator, critic, Adam and noise stream."""
        import copy

        self._warm_state = {
            # generator_ gets folded (standardize=True); training goes on in
            # the standardized space, so the state keeps its own copy.
            "generator": copy.deepcopy(self.generator_),
            "critic": critic,
            "optimizers": [opt.state_dict() for opt in optimizers],
            "rng": (gen.device.type, gen.get_state()),
            "settings": {k: getattr(self, k) for k in self._GAN_SETTINGS},
            "fits": (getattr(self, "_warm_state", None) or {}).get("fits", 0) + 1,
        }

    def _resume_gan(self, samples):
        state = self._warm_state
        generator = state["generator"].to(self.device_).train()
        if self.standardize:
            # The GAN goes on in the standardized space with this fit's
            # location and scale: a new posterior (the next active-learning
            # round, narrower as labels come in) is matched at once instead
            # of after the generator has learnt its shift and spread. The
            # same samples give the same moments.
            mean, scale = _moments(samples)
            generator.mean.copy_(mean)
            generator.scale.copy_(scale)
        critic = state["critic"].to(self.device_)
        optimizers = self._optimizers(critic, generator)
        for opt, saved in zip(optimizers, state["optimizers"]):
            opt.load_state_dict(saved)
            for group in opt.param_groups:  # lr and betas may be retuned between fits
                group["lr"], group["betas"] = self.lr, opt.defaults["betas"]
        self.generator_ = generator
        rng_device, rng_state = state["rng"]
        if rng_device == self.device_.type:
            # The noise stream goes on where it stopped: two warm fits of n
            # updates give the GAN of one fit of 2 n updates.
            gen = torch.Generator(device=self.device_)
            gen.set_state(rng_state.cpu())
        else:  # e.g. fitted on a GPU, continued on a CPU: a new stream
            gen = make_generator(self.random_state, STREAM_WARM + state["fits"], self.device_)
        self.distill_history_ = {k: list(v) for k, v in self.distill_history_.items()}
        return critic, optimizers, gen

    def _optimizers(self, critic, generator):
        """Adam for the critic and the generator, with this fit's lr and betas."""
        betas = tuple(float(b) for b in self.betas)
        return (
            adam(critic.parameters(), self.lr, betas, self.device_),
            adam(generator.parameters(), self.lr, betas, self.device_),
        )

    def _generator_storage(self):
        """Floats kept for sampling: G's parameters (and buffers, if not yet folded)."""
        g = self.generator_
        return int(sum(t.numel() for t in (*g.parameters(), *g.buffers())))

    def _build_gan(self, samples=None):
        p = self.n_parameters_
        mean = scale = None
        if self.standardize:
            if samples is None or samples.shape[0] < 2:
                raise ValueError("standardize=True needs at least 2 samples to estimate scales.")
            mean, scale = _moments(samples)
        with seeded_global_rng(self.random_state, STREAM_INIT, self.device_):
            generator = WeightGenerator(
                self.latent_dim, tuple(self.generator_units), p, mean, scale
            ).to(self.device_)
            critic = mlp((p, *self.critic_units, 1)).to(self.device_)
        self.generator_ = generator
        optimizers = self._optimizers(critic, generator)
        gen = make_generator(self.random_state, STREAM_TRAIN, self.device_)
        self.distill_history_ = {
            k: [] for k in ("iteration", "critic_loss", "generator_loss", "wasserstein", "time")
        }
        self.n_iter_ = 0
        return critic, optimizers, gen

    def _to_training_space(self, real):
        if self.standardize:
            return (real - self.generator_.mean) / self.generator_.scale
        return real

    def _gan_step(self, draw_real, critic, optimizers, gen):
        """n_critic critic updates and one generator update; returns losses.

        The losses come from :mod:`._gan`, which never forms a fake batch or
        an input gradient of P weights per row (same values as the
        straightforward computation; see that module).
        """
        opt_c, opt_g = optimizers
        g = self.generator_
        b, device = self.batch_size, gen.device
        gen_wb = generator_output_layer(g)  # fixed while the critic trains
        for _ in range(self.n_critic):
            real = self._to_training_space(draw_real(b))
            with torch.no_grad():
                hidden = g.hidden(torch.randn(b, self.latent_dim, generator=gen, device=device))
            eps = torch.rand(b, 1, generator=gen, device=device) if self.gan == "wgan-gp" else None
            loss_c, d_real, d_fake = critic_loss(
                critic, g, real, hidden, self.gan, self.gp_weight, eps, gen_wb
            )
            opt_c.zero_grad(set_to_none=True)
            loss_c.backward()
            opt_c.step()
            if self.gan == "wgan":
                with torch.no_grad():
                    for q in critic.parameters():
                        q.clamp_(-self.clip_value, self.clip_value)
        z = torch.randn(b, self.latent_dim, generator=gen, device=device)
        loss_g, _ = generator_loss(critic, g, z, self.gan)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        critic_loss_, generator_loss_ = float(loss_c.detach()), float(loss_g.detach())
        if not (np.isfinite(critic_loss_) and np.isfinite(generator_loss_)):
            raise DivergenceError(
                f"APDClassifier diverged at generator update {self.n_iter_ + 1}: critic loss "
                f"{critic_loss_}, generator loss {generator_loss_}. Lower lr (now {self.lr}), "
                "use gan='wgan-gp', or set standardize=True."
            )
        wasserstein = float((d_real.mean() - d_fake.mean()).detach())
        return critic_loss_, generator_loss_, wasserstein

    def _record(self, losses, t0, **extra):
        self.n_iter_ += 1
        h = self.distill_history_
        h["iteration"].append(self.n_iter_)
        for key, value in zip(("critic_loss", "generator_loss", "wasserstein"), losses):
            h[key].append(value)
        h["time"].append(time.perf_counter() - t0)
        for key, value in extra.items():
            h.setdefault(key, []).append(value)

    def _finish_history(self):
        self.distill_history_ = {k: np.asarray(v) for k, v in self.distill_history_.items()}

    def _train_offline(self, samples, critic, optimizers, gen):
        k = samples.shape[0]

        def draw_real(b):
            return samples[torch.randint(k, (b,), generator=gen, device=gen.device)]

        done = self.distill_history_["time"]  # earlier warm-started fits' time
        t0 = time.perf_counter() - (done[-1] if len(done) else 0.0)
        bar = tqdm(total=self.max_iter, disable=not self.verbose, desc="APD (offline)")
        try:
            for _ in range(self.max_iter):
                losses = self._gan_step(draw_real, critic, optimizers, gen)
                self._record(losses, t0)
                bar.update(1)
                if self.n_iter_ % 50 == 0:
                    bar.set_postfix(wasserstein=f"{losses[2]:.3g}")
        finally:
            bar.close()
            self._finish_history()

    def _fit_online(self, X, y, sgld_class):
        sampler = self.sampler if self.sampler is not None else sgld_class()
        if isinstance(sampler, FrozenEstimator) or not isinstance(sampler, sgld_class):
            raise ValueError(
                "mode='online' runs its own SGLD chains and needs an unfitted "
                f"SGLDClassifier as sampler; got {type(sampler).__name__}."
            )
        chain = clone(sampler).set_params(device=str(self.device_))
        chain._check_params()
        Xv, yv = chain._validate_fit_data(X, y)
        chain._initialize_network(Xv, yv)
        adopt_network(self, chain, self.device_)
        critic, optimizers, gen = self._build_gan()
        X_t = chain._to_tensor(Xv)
        y_t = torch.as_tensor(yv, device=self.device_)
        module, layout, p = chain.module_, chain.layout_, self.n_parameters_
        # Chains start from generator samples (Algorithm 2).
        with torch.no_grad():
            z = torch.randn(self.n_chains, self.latent_dim, generator=gen, device=gen.device)
            states = self.generator_(z).clone()
        buffer = torch.empty(self.buffer_size, p, device=self.device_)
        held = head = 0
        steps = 0  # every chain has taken this many SGLD steps
        passed = 0
        chains = ParallelChains(module, layout, states)
        group = chain.optimizer_.param_groups[0]
        n_train, k = X_t.shape[0], self.n_chains

        def batches():
            while True:
                yield from chain_minibatches(n_train, k, chain.batch_size, chain._batch_gen)

        stream = batches()

        def draw_real(b):
            return buffer[torch.randint(held, (b,), generator=gen, device=gen.device)]

        def loss_fn(logits, target):
            return chain.get_loss(logits, target, training=True)

        t0 = time.perf_counter()
        bar = tqdm(total=self.max_iter, disable=not self.verbose, desc="APD (online)")
        module.train()
        try:
            with seeded_global_rng(chain.random_state, STREAM_TRAIN, self.device_):
                while self.n_iter_ < self.max_iter:
                    # T_m SGLD steps of all K chains at once (one vectorised step each).
                    for _ in range(self.sgld_steps):
                        idx = next(stream)
                        losses = chains.step(
                            X_t[idx],
                            y_t[idx],
                            loss_fn,
                            lr=group["lr"],
                            weight_decay=group["weight_decay"],
                            temperature=group["temperature"],
                            num_data=group["num_data"],
                            generator=chain._train_generator,
                        )
                        steps += 1
                        if steps > chain.burn_in:
                            if not (
                                bool(losses.isfinite().all())
                                and bool(chains.states.isfinite().all())
                            ):
                                raise DivergenceError(chain._divergence_message("SGLD", steps))
                            n_push = min(k, self.buffer_size)
                            rows = torch.arange(head, head + n_push, device=buffer.device)
                            buffer[rows % self.buffer_size] = chains.states[:n_push]
                            head = (head + n_push) % self.buffer_size
                            held = min(held + n_push, self.buffer_size)
                            passed += k
                    if held == 0:
                        continue  # still in burn-in
                    for _ in range(min(self.gan_steps, self.max_iter - self.n_iter_)):
                        losses = self._gan_step(draw_real, critic, optimizers, gen)
                        self._record(losses, t0, buffer_size=held)
                        bar.update(1)
        finally:
            bar.close()
            self._finish_history()
        self.n_training_samples_ = passed
        self.module_.eval()

    # ------------------------------------------------------------ posterior
    def _parameter_source(self, n_draws, generator):
        z = torch.randn(n_draws, self.latent_dim, generator=generator, device=generator.device)
        g = self.generator_

        def source(start, stop):
            with torch.no_grad():
                return g(z[start:stop].to(self.device_))

        return source


def _moments(samples):
    """Per-weight mean and standard deviation (floored at 1e-8) of ``standardize=True``."""
    return samples.mean(0), samples.std(0).clamp_min(1e-8)


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value
