"""APDClassifier: Adversarial Posterior Distillation (Wang et al., ICML 2018).

The estimator's parts: `._trainer` (the GAN and its update),
`._warm_start` (what a fit leaves for the next), `._online`
(Algorithm 2), `._gan` (networks and losses).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ..._utils import TorchPickleMixin, encode_labels, resolve_device
from ...prediction import PosteriorPredictionMixin, PosteriorRegressionMixin
from .._regressors import SGLDRegressor
from .._sgld import SGLDClassifier
from .._weight_samples import adopt_network, fitted_sampler
from . import _warm_start
from ._likelihood import LikelihoodTerm, cross_entropy_per_draw, gaussian_nll_per_draw
from ._online import fit_online
from ._subspace import SubspaceGenerator, SubspaceLikelihood, principal_subspace
from ._trainer import DistillationLog, GANTrainer, gan_params, train_offline


class APDDistillerMixin:
    """Adversarial Posterior Distillation on any weight sampler. Not for direct use.

    Everything of [`APDClassifier`][sklearn_apd.APDClassifier] but the task: the
    parameters, ``fit`` (offline, online, warm start) and the generator as the
    test-time posterior. [`APDRegressor`][sklearn_apd.APDRegressor] is the same on
    [`SGLDRegressor`][sklearn_apd.SGLDRegressor]'s samples.
    """

    def _default_sampler(self):
        """The sampler used when ``sampler=None``."""
        raise NotImplementedError

    _parameter_constraints: dict = {
        "sampler": [object, None],
        "mode": [StrOptions({"offline", "online"})],
        "gan": [StrOptions({"wgan-gp", "wgan", "gan"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "latent_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "generator_units": [tuple, list],
        "critic_units": [tuple, list],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "gp_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "clip_value": [Interval(numbers.Real, 0, None, closed="neither")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "betas": [tuple, list, None],
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
        "likelihood_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "likelihood_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "subspace": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "subspace_residual": [Interval(numbers.Real, 0, None, closed="left")],
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
        n_critic=None,
        gp_weight=10.0,
        clip_value=0.01,
        lr=None,
        betas=None,
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
        likelihood_weight=0.0,
        likelihood_batch_size=1000,
        subspace=None,
        subspace_residual=0.0,
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
        self.likelihood_weight = likelihood_weight
        self.likelihood_batch_size = likelihood_batch_size
        self.subspace = subspace
        self.subspace_residual = subspace_residual

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------------ fit
    def _validate_params(self):
        super()._validate_params()  # _parameter_constraints
        for name in ("generator_units", "critic_units"):
            units = getattr(self, name)
            if not all(isinstance(u, numbers.Integral) and u > 0 for u in units):
                raise ValueError(f"{name}={units!r} must be a sequence of positive ints.")
        if self.betas is not None:
            if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
                raise ValueError(f"betas={self.betas!r} must be two numbers in [0, 1).")
            if self.gan == "wgan":
                raise ValueError(
                    f"betas={self.betas!r} are Adam's; gan='wgan' trains with RMSprop "
                    "(Arjovsky et al. 2017). Leave betas=None."
                )
        if self.subspace is not None and (self.mode == "online" or self.warm_start):
            setting = "mode='online'" if self.mode == "online" else "warm_start=True"
            raise ValueError(
                f"subspace={self.subspace} fixes the samples' principal components at the "
                f"start of one offline fit; {setting} distils samples that change during "
                "training or across fits. Set subspace=None, or use mode='offline' and "
                "warm_start=False."
            )
        if self.subspace_residual and self.subspace is None:
            raise ValueError(
                f"subspace_residual={self.subspace_residual} scales the samples' spread off "
                "their principal subspace, but subspace=None distils the weights "
                "themselves. Set subspace=k, or subspace_residual=0."
            )
        if self.warm_start and self.mode == "online":
            raise ValueError(
                "warm_start=True continues an offline distillation; mode='online' "
                "starts its chains and GAN afresh. Use mode='offline' or warm_start=False."
            )

    @_fit_context(prefer_skip_nested_validation=False)  # the sampler validates its own
    def fit(self, X, y):
        """Sample the posterior with SGLD and distil it into the generator.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        y : array-like of shape (n,), or (n, n_outputs) for the regressor

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True, **self._y_checks)
        self.device_ = resolve_device(self.device)
        state = getattr(self, "_warm_state", None) if self.warm_start else None
        if not self.warm_start:
            self._warm_state = None
        if self.mode == "offline":
            self._fit_offline(X, y, state)
        else:
            fit_online(self, X, y, self._default_sampler(), self._likelihood_term)
        self.gan_params_ = gan_params(self)
        self.generator_.eval()
        self.generator_.fold_standardization()  # no-op unless standardize=True
        self.storage_size_ = self._generator_storage()
        return self

    def _fit_offline(self, X, y, state):
        """Algorithm 1: the sampler's samples, then ``max_iter`` GAN updates on them.

        With ``subspace=k`` the GAN learns the samples' coordinates on their top
        ``k`` principal components and `SubspaceGenerator` maps them back.
        """
        self.__dict__.pop("subspace_variance_ratio_", None)  # a previous fit's
        sampler = fitted_sampler(self.sampler, X, y, self._default_sampler())
        samples = sampler.collect().to(self.device_)
        if state is not None:
            _warm_start.check_continuable(self, state, sampler)
        adopt_network(self, sampler, self.device_)
        self.n_training_samples_ = samples.shape[0]
        del sampler  # only the network copy above is kept
        if state is not None:
            trainer = _warm_start.resume(self, state, samples)
            history = {k: list(v) for k, v in self.distill_history_.items()}
            log = DistillationLog(history, self.n_iter_)
        else:
            log = DistillationLog()
            if self.subspace is None:
                trainer = GANTrainer.new(self, self.n_parameters_, samples)
            else:
                sub = principal_subspace(samples, self.subspace, self.subspace_residual > 0)
                samples = sub.coordinates  # what the GAN learns
                self.subspace_variance_ratio_ = float(
                    sub.variances[: self.subspace].sum() / sub.variances.sum()
                )
                trainer = GANTrainer.new(self, self.subspace, samples)
        self.generator_ = trainer.generator
        trainer.likelihood = self._likelihood_term(X, y)
        if self.subspace is not None:
            residual = None
            if sub.residual_std is not None:
                residual = sub.residual_std.mul_(self.subspace_residual)
            self.generator_ = SubspaceGenerator(
                trainer.generator, sub.mean, sub.components, residual
            )
            if trainer.likelihood is not None:  # on the draws in the subspace (no residual)
                trainer.likelihood = SubspaceLikelihood(
                    trainer.likelihood, sub.mean, sub.components
                )
        try:
            train_offline(trainer, samples, log, self.max_iter, self.verbose)
        finally:
            self.distill_history_ = log.arrays()
            self.n_iter_ = log.n_iter
        if self.warm_start:
            self._warm_state = _warm_start.keep_state(self, trainer, state)

    def _likelihood_term(self, X, y):
        """The generator's likelihood term on ``(X, y)`` (None when ``likelihood_weight=0``).

        Called once the sampler's network is adopted (``module_``, the task's
        attributes, checked against ``X`` and ``y`` by `fitted_sampler`), so
        that the targets are encoded as the network's.
        """
        if not self.likelihood_weight:
            return None
        return LikelihoodTerm(
            float(self.likelihood_weight),
            self._draw_nll,
            self.module_,
            self.layout_,
            self._to_tensor(X),
            torch.as_tensor(self._nll_targets(y), device=self.device_),
            self.likelihood_batch_size,
            self.random_state,
            self._working_memory_mb,
        )

    def _generator_storage(self):
        """Floats kept for sampling: G's parameters (and buffers, if not yet folded)."""
        g = self.generator_
        return int(sum(t.numel() for t in (*g.parameters(), *g.buffers())))

    # ------------------------------------------------------------ posterior
    def _parameter_source(self, n_draws, generator):
        z = torch.randn(n_draws, self.latent_dim, generator=generator, device=generator.device)
        g = self.generator_
        seeds = None  # the residual noise's, one per draw (SubspaceGenerator.residual_noise)
        if getattr(g, "residual_std", None) is not None:
            seeds = torch.randint(2**62, (n_draws,), generator=generator, device=generator.device)
            seeds = seeds.tolist()

        def source(start, stop):
            with torch.no_grad():
                if seeds is None:
                    return g(z[start:stop].to(self.device_))
                return g(z[start:stop].to(self.device_), g.residual_noise(seeds[start:stop]))

        return source


class APDClassifier(
    APDDistillerMixin, PosteriorPredictionMixin, ClassifierMixin, TorchPickleMixin, BaseEstimator
):
    """Adversarial Posterior Distillation: a GAN generator of network weights.

    ``fit`` distils an SGLD posterior into a generator G: z ~ N(0, I) -> weight
    vector, trained adversarially against a critic on the SGLD samples
    (Wang et al., 2018). At test time weight draws come from G, so the
    posterior costs the generator's parameters instead of stored samples.

    - ``mode="offline"`` (Algorithm 1): fit a clone of ``sampler`` (or use a
      `sklearn.frozen.FrozenEstimator` around a fitted one, so that a
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
    update follows ``n_critic`` critic updates. Each objective trains with the
    optimizer of its paper and of the reference code unless ``lr``, ``betas``
    or ``n_critic`` are set: ``"wgan-gp"`` Adam, lr 1e-4, betas (0.5, 0.9),
    5 critic steps; ``"wgan"`` RMSprop, lr 5e-5, 5 critic steps; ``"gan"``
    Adam, lr 2e-4, betas (0.5, 0.999), 1 discriminator step (``gan_params_``
    records what a fit used).

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
    n_critic : int, default=None
        Critic updates per generator update; None means the objective's (5 for
        ``"wgan-gp"`` and ``"wgan"``, 1 for ``"gan"``).
    gp_weight : float, default=10.0
        Gradient-penalty weight (lambda) for "wgan-gp".
    clip_value : float, default=0.01
        Critic weight clipping for "wgan".
    lr : float, default=None
        Learning rate of generator and critic; None means the objective's
        (1e-4 for ``"wgan-gp"``, 5e-5 for ``"wgan"``, 2e-4 for ``"gan"``).
    betas : tuple of float, default=None
        Adam betas; None means the objective's ((0.5, 0.9) for ``"wgan-gp"``,
        (0.5, 0.999) for ``"gan"``). ``"wgan"`` trains with RMSprop, which has
        none.
    batch_size : int, default=100
        Weight vectors per GAN minibatch.
    standardize : bool, default=False
        Train on per-weight standardised samples and generate
        ``mean + std * G(z)``; after training the two vectors are folded
        into the generator's last layer (no extra storage, same outputs).
        False is the paper's setting; True with ``lr=1e-3``
        distils a fcNN1 MNIST posterior in about 800 updates
        (``benchmarks/RESULTS.md``). Online, the mean and scale are those of
        the first buffer of two samples or more; the chains then start from
        the sampler's initial weights instead of generator samples.
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
        MiB per chunk of the prediction engine (and of the likelihood term).
    likelihood_weight : float, default=0.0
        Adds this weight times the training data's mean negative
        log-likelihood under the generated weights to the generator's loss
        (each generator update: a new minibatch of ``likelihood_batch_size``
        training rows, averaged over the update's ``batch_size`` draws). The
        critic keeps the draws' distribution on the samples'; the term pulls
        each draw towards weights that fit the data. 0 is the paper's APD.
        Not in the paper, and experimental (``benchmarks/RESULTS.md``,
        2026-12-05, MNIST): without it a few percent of the draws fit the
        data worse than any SGLD sample. With weight 1 on 1,000-row batches
        and 800 updates, fcNN1's APD came within 0.5 OOD AUROC points of
        SGLD on every Table 2 cell (mean of three seeds), but on fcNN2 the
        term drifted upwards after a few hundred updates at ``lr=1e-3`` and,
        held by a tenth of the lr after 400, did not beat APD without it:
        watch ``distill_history_["likelihood"]`` and choose the number of
        updates on validation data. Each update also runs the network
        forward and backward on the batch for every draw (by hand for an
        `MLP`; on a 2-core CPU +58% per update on fcNN1, +80% on fcNN2).
    likelihood_batch_size : int, default=1000
        Training rows per generator update for ``likelihood_weight`` (drawn
        with replacement; all rows' worth when larger than the data). On
        100-row batches the term's noise hurt more than it helped.
    subspace : int or None, default=None
        None distils the weights themselves (the paper's APD). An int ``k``
        distils the samples' coordinates on their top ``k`` principal
        components (computed once per fit from the samples): the generator
        has ``k`` outputs, and a draw is the samples' mean plus the generated
        coordinates times the components, so every draw lies in that
        ``k``-dimensional subspace. With ``standardize=True`` the
        coordinates are whitened, so the critic weighs every direction
        alike, where on the weights a few directions dominate its distance
        and the generator neglects the rest. The mean and the components
        are stored with the generator: ``(k + 1) * n_parameters_`` floats
        beside a generator of ``k`` outputs (``storage_size_``), against
        ``generator_units[-1] * n_parameters_`` for the last layer of a
        generator of weights. Each update costs ``k`` instead of
        ``n_parameters_`` columns, milliseconds even for a large network,
        so many more updates fit the same time. Needs ``mode="offline"``,
        ``warm_start=False`` and more than ``k`` samples with distinct
        directions. Not in the paper. On Table 2's fcNN2, ``subspace=50``
        with ``latent_dim=2``, ``standardize=True``, ``lr=1e-3`` and 10,000
        updates (3-4 minutes on a 2-core CPU) came within 0.36 AUROC
        points of SGLD on every OOD set but Omniglot (0.58), mean of three
        seeds, where 800 updates on the weights (38 minutes) trailed by up
        to 1.7; with ``subspace_residual=0.5`` too, within 0.37 on every
        variation ratio and BALD cell but CIFAR10bw's variation ratio
        (0.51) (``docs/reproduction.md``).
    subspace_residual : float, default=0.0
        With ``subspace``: each draw also gets independent Gaussian noise of
        ``subspace_residual`` times each weight's standard deviation over
        the samples off the subspace (what the top ``k`` components leave
        out), so that the weights' spread outside the subspace is not lost
        (1 restores each weight's variance, not the correlations; 0: no
        noise). Costs ``n_parameters_`` more stored floats and one normal
        draw per weight and draw at prediction; a draw's noise depends on
        ``random_state`` and its index only. Not in the paper. On fcNN2's
        samples the full residual brings back the Omniglot AUROC that the
        top 50 components lose, but on the GAN's draws it overshoots; 0.5
        scored best on validation images (``benchmarks/RESULTS.md``).

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
    generator_ : WeightGenerator or SubspaceGenerator
        The trained generator (eval mode): z -> weights. With ``subspace``,
        a `SubspaceGenerator`: its ``coordinates`` generator, the samples'
        ``mean``, their ``components`` and, with ``subspace_residual``, the
        noise's per-weight ``residual_std``.
    storage_size_ : int
        Floats kept for test-time sampling: the generator's parameters (and,
        with ``subspace``, the stored mean and components, and the residual's
        standard deviations).
    subspace_variance_ratio_ : float
        With ``subspace``: the share of the samples' variance that their top
        ``subspace`` components hold (absent otherwise).
    distill_history_ : dict of str to ndarray
        Per generator update: ``"iteration"``, ``"critic_loss"``,
        ``"generator_loss"``, ``"wasserstein"`` (mean critic score of real
        minus generated samples, the Wasserstein estimate for the WGANs),
        ``"time"`` (seconds of GAN training so far), with
        ``likelihood_weight > 0`` ``"likelihood"`` (the draws' mean NLL on the
        update's training batch; ``"generator_loss"`` is the adversarial part
        alone) and, online, ``"buffer_size"`` (samples held).
    n_iter_ : int
        Generator updates run (over all fits, with ``warm_start=True``).
    n_training_samples_ : int
        Offline: SGLD samples distilled. Online: samples that passed through
        the buffer.
    gan_params_ : dict
        What the GAN trained with: ``"optimizer"`` (``"adam"`` or
        ``"rmsprop"``), ``"lr"``, ``"betas"`` (None for RMSprop) and
        ``"n_critic"``, the objective's defaults where the parameters are None.

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

    def _default_sampler(self):
        return SGLDClassifier()

    _draw_nll = staticmethod(cross_entropy_per_draw)

    def _nll_targets(self, y):
        return encode_labels(self.classes_, y).astype(np.int64)


class APDRegressor(
    APDDistillerMixin, PosteriorRegressionMixin, RegressorMixin, TorchPickleMixin, BaseEstimator
):
    """Adversarial Posterior Distillation of a regression posterior: a generator of weights.

    [`APDClassifier`][sklearn_apd.APDClassifier]'s distillation, offline
    (Algorithm 1) or online (Algorithm 2), on the samples of an
    [`SGLDRegressor`][sklearn_apd.SGLDRegressor]: each sample is the network's
    weights together with its log noise precisions, so the generator
    distils the noise too, and predictions are
    [`SGLDRegressor`][sklearn_apd.SGLDRegressor]'s (``predict(X,
    return_std=True)``, ``predict_samples``, ``uncertainty``) with the draws
    from the generator. The target standardization (``y_mean_``,
    ``y_scale_``) is the sampler's.

    Parameters
    ----------
    sampler : SGLDRegressor or FrozenEstimator, default=None
        None means ``SGLDRegressor()``; a FrozenEstimator around a fitted one
        is used as is (offline mode).
    mode : {"offline", "online"}, default="offline"
    gan : {"wgan-gp", "wgan", "gan"}, default="wgan-gp"
    max_iter : int, default=1000
        Generator updates.
    n_samples : int, default=200
        Generator draws used by the prediction methods.
    latent_dim : int, default=32
    generator_units, critic_units : tuple of int, default=(100, 100, 100)
    n_critic : int or None, default=None
    gp_weight : float, default=10.0
    clip_value : float, default=0.01
    lr : float or None, default=None
    betas : (float, float) or None, default=None
    batch_size : int, default=100
    standardize : bool, default=False
        Train the GAN on per-weight standardized samples (recommended).
    n_chains, sgld_steps, gan_steps, buffer_size : int
        Online mode's settings, as in APDClassifier.
    warm_start : bool, default=False
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    working_memory : float or None, default=None
    likelihood_weight : float, default=0.0
        The Gaussian NLL of the (standardized) training targets under the
        generated weights and noise, in the generator's loss.
    likelihood_batch_size : int, default=1000
    subspace : int or None, default=None
        Distil the samples' coordinates on their top ``subspace`` principal
        components instead of the weights.
    subspace_residual : float, default=0.0
        With ``subspace``: independent noise of this times each weight's
        standard deviation off the subspace, added to each draw.

    Each parameter means what it means in APDClassifier, where it is described in full.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (the sampler's).
    y_mean_, y_scale_ : ndarray of shape (n_outputs_,)
        The sampler's target standardization.
    n_features_in_ : int
    input_shape_ : tuple of int
    device_ : torch.device
    module_ : GaussianOutput
        A copy of the sampler's network, evaluated under the generated weights.
    layout_ : ParameterLayout
    n_parameters_ : int
    generator_ : torch.nn.Module
        The trained generator.
    n_training_samples_ : int
        SGLD samples distilled (offline mode).
    distill_history_ : dict of ndarray
        Per logged update: the critic's and generator's losses.
    n_iter_ : int
        Generator updates run.
    gan_params_ : dict
        The optimizer settings used (lr, betas, n_critic).
    storage_size_ : int
        Floats of the generator (with ``subspace``, the stored mean and
        components too).
    subspace_variance_ratio_ : float
        With ``subspace``: the share of the samples' variance their top
        components hold.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn_apd import APDRegressor, SGLDRegressor
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> X, y = make_cubic_toy(random_state=0)
    >>> sgld = SGLDRegressor(lr=0.1, max_iter=1000, burn_in=200, thinning=5,
    ...                      batch_size=20, random_state=0).fit(X, y)
    >>> apd = APDRegressor(FrozenEstimator(sgld), max_iter=50, standardize=True,
    ...                    random_state=0).fit(X, y)
    >>> apd.predict(X[:2], return_std=True)[1].shape
    (2,)
    """

    def _default_sampler(self):
        return SGLDRegressor()

    _draw_nll = staticmethod(gaussian_nll_per_draw)

    def _nll_targets(self, y):
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)
