"""SGLDClassifier: a Bayesian neural network sampled with SGLD."""

from __future__ import annotations

import functools
import numbers
import warnings

import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._utils import (
    STREAM_CHAINS,
    STREAM_LAYERS,
    STREAM_RESERVOIR,
    STREAM_STATISTICS,
    STREAM_TRAIN,
    all_finite,
    format_bytes,
    make_generator,
)
from ..exceptions import DivergenceError
from ..nets import MLP, DrawLayout, StatisticsLayout
from ..sampling import (
    METHODS,
    SCHEDULES,
    SGLD,
    ChainRun,
    ParallelChains,
    chain_minibatches,
    kept_steps,
    make_schedule,
)
from ._network import NetworkPosteriorClassifier
from ._sample_store import SampleStore, pooled_estimator

#: The SGLD parameters' constraints, on top of the network estimators' own.
SGLD_CONSTRAINTS: dict = {
    "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    "temperature": [Interval(numbers.Real, 0, None, closed="left")],
    "burn_in": [Interval(numbers.Integral, 0, None, closed="left")],
    "thinning": [Interval(numbers.Integral, 1, None, closed="left")],
    "max_samples": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_chains": [Interval(numbers.Integral, 1, None, closed="left")],
    "method": [StrOptions(set(METHODS))],
    "schedule": [StrOptions(set(SCHEDULES))],
    "n_cycles": [Interval(numbers.Integral, 1, None, closed="left")],
    "exploration_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
}

#: Most training rows a kept sample's batch-normalisation statistics are estimated on
#: (a random subset, drawn once per fit, on larger data; one forward pass).
STATISTICS_ROWS = StatisticsLayout.ROWS_PER_PASS

#: The optimizer settings the vectorised chains take from ``optimizer_``.
_METHOD_KEYS = ("method", "friction", "precond_decay", "precond_eps")


class SGLDSamplerMixin:
    """The SGLD sampler on a network estimator: chains, the sample store, the sampler protocol.

    Not for direct use: [`SGLDClassifier`][sklearn_apd.SGLDClassifier] and
    [`SGLDRegressor`][sklearn_apd.SGLDRegressor] are this on the classifiers'
    and the regressors' network base; see SGLDClassifier for the parameters.
    """

    _posterior_attributes = ("module_", "samples_")

    # ------------------------------------------------------------- training
    def initialize_optimizer(self, triggered_directly=None):
        """skorch hook: the [`SGLD`][sklearn_apd.SGLD] optimizer with this estimator's lr, prior,
        temperature and data size.
        """
        kwargs = self.get_params_for("optimizer")
        kwargs.setdefault("lr", self.lr)
        kwargs.setdefault("weight_decay", self.weight_decay)
        kwargs.setdefault("temperature", self.temperature)
        kwargs.setdefault("num_data", self._num_data)
        if isinstance(self.optimizer, type) and issubclass(self.optimizer, SGLD):
            kwargs.setdefault("method", self.method)
        elif self.method != "sgld":
            raise ValueError(
                f"method={self.method!r} is a setting of the SGLD optimizer; optimizer="
                f"{self.optimizer!r} is another one. Use optimizer=SGLD (the default) or "
                "method='sgld'."
            )
        self._train_generator = make_generator(self.random_state, STREAM_TRAIN, self.device_)
        kwargs.setdefault("generator", self._train_generator)
        params = [p for _, p in self.get_all_learnable_params()]
        self.optimizer_ = self.optimizer(params, **kwargs)
        return self

    def _initialize_network(self, X, y):
        self._num_data = X.shape[0]
        super()._initialize_network(X, y)
        self.n_samples_seen_ = 0
        self._reservoir_gen = make_generator(self.random_state, STREAM_RESERVOIR)
        self.chain_states_ = self._chain_starts(self.n_chains)
        self.chain_buffers_ = None
        for name in ("samples_", "sample_statistics_", "chain_states_", "chain_buffers_"):
            if name not in self.cuda_dependent_attributes_:
                # pickles move these to the CPU where CUDA is missing, like the module
                self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, name]

    def __setstate__(self, state):
        super().__setstate__(state)
        optimizer = self.__dict__.get("optimizer_")
        if isinstance(optimizer, SGLD) and "_train_generator" in self.__dict__:
            # One noise stream again: the optimizer's generator comes back from its own
            # pickle (torch.save), a copy of the estimator's.
            optimizer.generator = self._train_generator

    def _chain_starts(self, n_chains):
        """Initial ``(n_chains, P)`` weights: the module's, then one fresh network per chain."""
        starts = [self.layout_.flatten(self.module_)]
        for k in range(1, n_chains):
            module = self._build_module(STREAM_CHAINS + k, reinitialize=True)
            starts.append(self.layout_.flatten(module).to(self.device_))
        return torch.stack(starts)

    # Chains: with n_chains > 1 the generic minibatch loop of the base class
    # draws (n_chains, b) index tensors and train_step steps all chains at once.
    def _iterate_minibatches(self, n, generator):
        if self.n_chains == 1:
            yield from super()._iterate_minibatches(n, generator)
        else:
            yield from chain_minibatches(n, self.n_chains, self.batch_size, generator)

    def _scheduled_step(self):
        """Advance the fit's schedule by one step; its ``(lr, temperature)`` per group."""
        self._schedule_step += 1
        k = self._schedule_step
        return [self._schedule.step_settings(k, lr, t) for lr, t in self._base_hyper]

    def train_step(self, batch, **fit_params):
        """skorch hook: one SGLD step on a minibatch (of every chain, with ``n_chains > 1``)."""
        # A constant schedule leaves the optimizer's lr alone (a user's lr callback keeps it).
        hyper = self._scheduled_step() if getattr(self, "_schedule", None) is not None else None
        if self.n_chains == 1:
            if hyper is not None:
                for group, (lr, temperature) in zip(self.optimizer_.param_groups, hyper):
                    group["lr"] = lr
                    if "temperature" in group:
                        group["temperature"] = temperature
            return super().train_step(batch, **fit_params)
        xb, yb = batch
        group = self.optimizer_.param_groups[0]
        lr, temperature = hyper[0] if hyper is not None else (group["lr"], group["temperature"])
        losses = self._chains.step(
            xb,
            yb,
            lambda logits, target: self.get_loss(logits, target, training=True),
            lr=lr,
            weight_decay=group["weight_decay"],
            temperature=temperature,
            num_data=group["num_data"],
            generator=self._train_generator,
            **{key: group[key] for key in _METHOD_KEYS},
        )
        return losses.mean()

    def _epoch_record(self):
        return {"n_stored": self._store.n_stored}

    def _keep_sample(self, iteration, flat=None, chain=0):
        """Offer a weight vector (default: the module's, written straight into its row).

        With batch normalisation the row also gets the statistics of those
        weights on the training data (`_write_sample`).
        """
        if flat is None:
            tensors = list(self.module_.parameters())
            if self._statistics is None:
                vector = functools.partial(self.layout_.flatten, self.module_)  # vector(row)
            else:
                vector = functools.partial(self._write_sample, iteration)
        else:
            tensors, vector = [flat], flat
        if not all_finite(tensors):
            raise DivergenceError(self._divergence_message("the weights", iteration))
        self._store.offer(vector, iteration, chain, self.n_samples_seen_)
        self.n_samples_seen_ += 1

    def _write_sample(self, iteration, row):
        """Write the module's weights and their batch-normalisation statistics into ``row``."""
        p = self.n_parameters_
        self.layout_.flatten(self.module_, out=row[:p])
        statistics = self._statistics.estimate(self.module_, self._statistics_X)
        if not all_finite([statistics]):
            raise DivergenceError(
                self._divergence_message("the batch-normalisation statistics", iteration)
            )
        row[p:] = statistics

    def _statistics_rows(self, X):
        """The training rows every kept sample's statistics are estimated on."""
        n = X.shape[0]
        if n <= STATISTICS_ROWS:
            return X
        generator = make_generator(self.random_state, STREAM_STATISTICS)
        idx = torch.randperm(n, generator=generator)[:STATISTICS_ROWS].sort().values
        return X.index_select(0, idx.to(X.device))

    def _fit_posterior(self, X, y, continuing=False):
        n = X.shape[0]
        if continuing and n != self._num_data:
            for group in self.optimizer_.param_groups:
                group["num_data"] = n
            self._num_data = n
        iters_per_epoch = -(-n // self.batch_size)
        total = self._fit_iterations(n)
        start_iter = self.n_iter_
        schedule = make_schedule(self.schedule, total, self.n_cycles, self.exploration_fraction)
        if self.schedule == "cyclical" and self.method == "psgld":
            warnings.warn(
                "method='psgld' with schedule='cyclical' over-disperses: the preconditioner "
                "swings with each cycle (small gradients at the end of exploration, larger ones "
                "while sampling), which the pSGLD update's omitted correction term no longer "
                "makes negligible; on the package's logistic-regression test the covariance is "
                "37% off at the default precond_decay (benchmarks/RESULTS.md). Prefer "
                "method='sgld' or 'sghmc' with the cyclical schedule.",
                UserWarning,
                stacklevel=3,
            )
        kept = kept_steps(schedule, start_iter, total, self.burn_in, self.thinning)
        n_new = len(kept) * self.n_chains
        if n_new == 0 and not hasattr(self, "samples_"):
            raise ValueError(
                f"{type(self).__name__} would keep no samples: it runs {total} "
                + (
                    f"iterations (max_iter={self.max_iter}) "
                    if self.max_iter is not None
                    else f"iterations ({self.max_epochs} epochs of {iters_per_epoch} "
                    f"minibatches on {n} points) "
                )
                + f"but burn_in={self.burn_in} and thinning={self.thinning}"
                + (
                    f", and schedule='cyclical' samples only in the last "
                    f"{1 - self.exploration_fraction:.0%} of each of its {self.n_cycles} "
                    f"cycles of {schedule.cycle_length} iterations"
                    if self.schedule == "cyclical"
                    else ""
                )
                + ". Raise max_epochs, or set max_iter (a budget in iterations, whatever the "
                "data size), or lower burn_in"
                + (" or exploration_fraction." if self.schedule == "cyclical" else ".")
            )
        if continuing and self.chain_states_.shape[0] != self.n_chains:
            raise ValueError(
                f"warm_start=True continues {self.chain_states_.shape[0]} chains; "
                f"n_chains={self.n_chains} cannot change between warm fits."
            )
        if self.n_chains > 1 and not isinstance(self.optimizer_, SGLD):
            raise ValueError(
                f"n_chains={self.n_chains} steps the chains with the SGLD update itself and "
                f"supports optimizer=SGLD only; got {type(self.optimizer_).__name__}. Use "
                "n_chains=1 with a custom optimizer."
            )
        self._statistics = None
        if _has_running_stats(self.module_):
            if self.n_chains > 1:
                raise ValueError(_vectorised_batch_norm_message(f"n_chains={self.n_chains}"))
            # Each kept sample gets its own statistics (the chain's running averages
            # belong to no single sample): estimated on these rows when it is kept.
            self._statistics = StatisticsLayout(self.module_)
            self._statistics_X = self._statistics_rows(X)
        width = self.n_parameters_
        if self._statistics is not None:
            width += self._statistics.n_statistics  # a row: the weights, then their statistics
        old = None
        if hasattr(self, "samples_"):
            rows = self.samples_
            if self._statistics is not None:
                rows = torch.cat([self.samples_, self.sample_statistics_], 1)
            old = (rows, self.sample_iterations_, self.sample_chains_)
        self._store = SampleStore(
            old, n_new, self.max_samples, width, self.device_, self._reservoir_gen
        )
        if self.n_chains > 1:
            self._chains = ParallelChains(
                self.module_,
                self.layout_,
                self.chain_states_,
                buffers=self.chain_buffers_,
                mlp_gradient=self._manual_gradient_applies(),
            )
        groups = self.optimizer_.param_groups
        self._base_hyper = [(g["lr"], g.get("temperature", 0.0)) for g in groups]
        self._schedule = schedule if self.schedule == "cyclical" else None
        self._schedule_step = 0
        keep = set(kept.tolist())

        def after_step(it, loss_sum):
            if it in keep:
                if not bool(torch.isfinite(loss_sum)):
                    raise DivergenceError(self._divergence_message("the loss", it))
                if self.n_chains == 1:
                    self._keep_sample(it)
                else:
                    for k in range(self.n_chains):
                        self._keep_sample(it, self.chain_states_[k], chain=k)

        try:
            self._train_epochs(X, y, after_step)
        finally:
            if self._schedule is not None:
                for group, (lr, temperature) in zip(groups, self._base_hyper):
                    group["lr"] = lr  # the schedule's base values, for a warm fit
                    if "temperature" in group:
                        group["temperature"] = temperature
            del self._schedule, self._schedule_step, self._base_hyper
            if self.n_chains > 1:
                self.chain_buffers_ = self._chains.buffers
                del self._chains
                self.layout_.assign(self.module_, self.chain_states_[0])
            else:
                self.chain_states_ = self.layout_.flatten(self.module_)[None]
            kept = self._store.finish()
            if kept is not None:
                rows, self.sample_iterations_, self.sample_chains_ = kept
                self.samples_, self.sample_statistics_ = rows, None
                if self._statistics is not None:
                    p = self.n_parameters_
                    self.samples_ = rows[:, :p].clone()
                    self.sample_statistics_ = rows[:, p:].clone()
                self.storage_size_ = int(rows.numel())
            del self._store, self._statistics
            self.__dict__.pop("_statistics_X", None)
        if self.verbose:
            print(
                f"{type(self).__name__}: {self.n_iter_} iterations, "
                f"{self.n_samples_seen_} samples produced, {len(self.sample_iterations_)} kept "
                f"({format_bytes(4 * self.storage_size_)})."
            )
        return self

    # ------------------------------------------------------------- posterior
    def _parameter_source(self, n_draws, generator):
        k = self.samples_.shape[0]
        if n_draws <= k:
            idx = torch.randperm(k, generator=generator, device=generator.device)[:n_draws]
        else:
            idx = torch.randint(k, (n_draws,), generator=generator, device=generator.device)
        return self._rows_source(idx)

    def _rows_source(self, idx):
        """``source(start, stop)``: kept samples ``idx[start:stop]``, as `_draw_layout` rows."""
        samples, statistics = self.samples_, getattr(self, "sample_statistics_", None)
        idx = idx.to(samples.device)

        def source(start, stop):
            rows = idx[start:stop]
            if statistics is None:
                return samples.index_select(0, rows)
            return torch.cat([samples.index_select(0, rows), statistics.index_select(0, rows)], 1)

        return source

    def _draw_layout(self):
        """The layout of a draw: the weights, and their statistics with batch normalisation."""
        if getattr(self, "sample_statistics_", None) is None:
            return self.layout_
        return DrawLayout(self.layout_, StatisticsLayout(self.module_))

    # ------------------------------------------------------ sampler protocol
    @_fit_context(prefer_skip_nested_validation=True)
    def start_chains(self, X, y, n_chains=1):
        """Validate ``X, y``, build the network and start ``n_chains`` SGLD chains.

        The sampler protocol's way to run chains from outside ``fit``: the
        estimator is left holding the network (``classes_``, ``input_shape_``,
        ``module_``, ``layout_``, ``n_parameters_``, ``device_``) and the chains
        step with this estimator's ``lr``, ``weight_decay``, ``temperature``,
        ``batch_size``, criterion and ``random_state`` streams, exactly as
        ``fit`` steps ``n_chains=K`` chains, from the same initial weights (so
        ``T`` steps of the run give the ``chain_states_`` of a fit of ``T``
        iterations with ``n_chains=K``). Nothing is stored: the caller
        reads ``run.states`` (and may overwrite them before the first step,
        as online APD does with generator samples).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
        y : array-like of shape (n_samples,)
        n_chains : int, default=1

        Returns
        -------
        run : sklearn_apd.sampling.ChainRun
            ``run.step()`` advances every chain by one minibatch step;
            ``run.states`` is the ``(n_chains, n_parameters_)`` tensor of
            their weights; ``run.burn_in`` is this estimator's ``burn_in``.

        Examples
        --------
        >>> from sklearn_apd import SGLDClassifier
        >>> from sklearn_apd.datasets import load_embedded_digits
        >>> X, y = load_embedded_digits(return_X_y=True)
        >>> run = SGLDClassifier(lr=0.5, random_state=0).start_chains(X, y, n_chains=2)
        >>> losses = run.step()
        >>> tuple(losses.shape), tuple(run.states.shape)
        ((2,), (2, 7510))
        """
        self._reset_fitted_state()
        X, y = self._validate_fit_data(X, y)
        self._initialize_network(X, y)
        if _has_running_stats(self.module_):
            raise ValueError(_vectorised_batch_norm_message("start_chains (online APD)"))
        group = self.optimizer_.param_groups[0]
        self.module_.train()
        return ChainRun(
            ParallelChains(
                self.module_,
                self.layout_,
                self._chain_starts(n_chains),
                mlp_gradient=self._manual_gradient_applies(),
            ),
            self._to_tensor(X),
            torch.as_tensor(y, device=self.device_),
            lambda logits, target: self.get_loss(logits, target, training=True),
            batch_size=self.batch_size,
            batch_generator=self._batch_gen,
            noise_generator=self._train_generator,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            temperature=group["temperature"],
            burn_in=self.burn_in,
            divergence_message=self._divergence_message,
            layer_rng=lambda: self._seeded_global_rng(STREAM_LAYERS),
            method_settings={key: group[key] for key in _METHOD_KEYS},
            schedule=make_schedule(
                self.schedule, self._fit_iterations(X.shape[0]), self.n_cycles,
                self.exploration_fraction,
            ),
        )  # fmt: skip

    def collect(self):
        """The stored weight samples, ``(K, n_parameters_)`` float32 (``samples_``).

        Returns
        -------
        samples : torch.Tensor of shape (K, n_parameters_)
        """
        check_is_fitted(self)
        return self.samples_

    @classmethod
    def merge(cls, estimators):
        """Pool the samples of fitted SGLD estimators (same data and network) into one.

        See [`merge_chains()`][sklearn_apd.parallel.merge_chains], which calls it.

        Parameters
        ----------
        estimators : list of fitted SGLDClassifier

        Returns
        -------
        merged : SGLDClassifier
        """
        return pooled_estimator(estimators)


class SGLDClassifier(SGLDSamplerMixin, NetworkPosteriorClassifier):
    """Bayesian neural network classifier sampled with SGLD.

    ``fit`` runs Stochastic Gradient Langevin Dynamics (Eq. 4 of Wang et al.,
    2018; see [`SGLD`][sklearn_apd.SGLD] for the exact update) on the
    network's weights for ``max_epochs`` passes over the data in minibatches of
    ``batch_size``. After ``burn_in`` iterations, every ``thinning``-th weight
    vector is kept in a store of at most ``max_samples`` vectors. Predictions
    average the network over ``n_samples`` draws from that store.

    **Sample store.** The kept samples live in one contiguous float32 tensor
    ``samples_`` of shape ``(K, n_parameters_)``, ``K <= max_samples``, on the
    training device: ``4 * K * n_parameters_`` bytes, e.g. 318 MB for 1,000
    samples of fcNN1 (79,510 weights) and 1.9 GB for fcNN2 (478,410). It is
    allocated once, for the number of samples the run will produce. When the
    run produces more than ``max_samples`` samples, reservoir sampling
    (Vitter's algorithm R, driven by ``random_state``) keeps a uniformly random
    subset of all post-burn-in samples, so the store always represents the
    whole chain, not just its end. ``sample_iterations_`` tells which
    iteration each kept sample comes from.

    **Batch normalisation.** A network whose layers track running statistics
    (``nets.ConvNet(norm="batch")``) normalises with them at prediction, and
    the averages a moving chain tracks belong to no single sample: with them,
    SGHMC samples of ``ConvNet(pool="max", norm="batch")`` predicted at
    chance on 20 MNIST labels. So every kept sample gets its own statistics,
    estimated on the training data (at most 1,024 rows, a random subset
    drawn once per fit on more; one forward pass per kept sample, dropout
    off) and stored in ``sample_statistics_``; each draw predicts with its
    own. ``n_chains > 1`` and ``start_chains`` (vectorised chains) refuse such
    networks.
    APD and the mixture distil weights only, so they warn on such a sampler.

    **Sampler protocol** (``sklearn_apd.sampling.WeightSampler``): besides
    ``fit``, ``start_chains`` runs chains for a caller (online APD),
    ``collect`` returns the stored samples and ``merge`` pools fitted chains;
    APD, the mixture and ``sklearn_apd.parallel`` use only these.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=MLP
        Network mapping a float32 batch to class logits. A class is built
        with the routed ``module__*`` parameters; if its constructor accepts
        ``n_features_in`` and ``n_classes`` they are filled from the data. An
        instance is copied, never trained in place.
    criterion : torch.nn.Module class, default=torch.nn.CrossEntropyLoss
        Negative log-likelihood of a minibatch; must return the *mean* over
        the batch (the SGLD scaling assumes it).
    optimizer : torch.optim.Optimizer class, default=SGLD
        Sampler called as ``optimizer(params, lr=, num_data=, weight_decay=,
        temperature=, generator=, **optimizer__kwargs)``.
    lr : float, default=0.05
        Learning rate on the mean loss; the SGLD step is ``lr / N`` for ``N``
        training points, the injected noise has variance
        ``temperature * lr / N``.
    weight_decay : float, default=1e-3
        Gaussian prior: precision ``N * weight_decay`` on every weight.
    temperature : float, default=1.0
        Scales the noise variance; 1 samples the Bayesian posterior.
    method : {"sgld", "sghmc", "psgld"}, default="sgld"
        The SG-MCMC dynamics on that posterior: plain SGLD (Eq. 4), SGHMC
        (momentum with friction, Chen et al. 2014) or preconditioned SGLD
        (an RMSprop preconditioner per weight, Li et al. 2016); see
        [`SGLD`][sklearn_apd.SGLD]. Their settings are routed to the
        optimizer: ``optimizer__friction`` (default 0.1),
        ``optimizer__precond_decay`` (0.999), ``optimizer__precond_eps`` (1e-5).
        On fcNN1 MNIST at equal gradient evaluations, SGHMC detected notMNIST
        best and pSGLD second (``benchmarks/RESULTS.md``); SGLD stays the
        default as the paper's sampler.
        The same rule steps one chain and ``n_chains`` vectorised chains. A
        ``warm_start`` fit continues the momenta (square averages): one
        chain's are optimizer state, ``n_chains > 1`` keep theirs in
        ``chain_buffers_``.
    schedule : {"constant", "cyclical"}, default="constant"
        The step size over a fit. ``"constant"`` steps with ``lr`` throughout.
        ``"cyclical"`` (cyclical SG-MCMC, Zhang et al. 2020) splits the fit's
        iterations into ``n_cycles`` cosine cycles that start at ``lr`` and
        decay towards 0: the first ``exploration_fraction`` of each cycle
        takes large steps without noise to reach a new mode, the rest samples
        it with the method's noise, and only those iterations keep samples
        (after ``burn_in``, every ``thinning``-th). A ``warm_start`` fit starts
        its own cycles. See
        [`CyclicalSchedule`][sklearn_apd.sampling.CyclicalSchedule]. On fcNN1
        MNIST it predicted best and detected notMNIST worst of the options
        (its samples come from small steps; ``benchmarks/RESULTS.md``). With
        ``method="psgld"`` it over-disperses and warns.
    n_cycles : int, default=4
        Cycles of a ``"cyclical"`` fit, each ``ceil(iterations / n_cycles)``
        iterations long. Ignored by ``"constant"``.
    exploration_fraction : float, default=0.8
        The share of each cycle without noise or samples (β of Zhang et al.),
        in [0, 1). Ignored by ``"constant"``. With 0.8 the samples come from
        steps of at most ``0.095 lr``: on the bimodal test target
        (``benchmarks/cyclical_bimodal.py``) they reproduce each mode's width,
        which 0.5 (steps up to ``0.5 lr``, more minibatch noise) overstates.
    burn_in : int, default=500
        Iterations (minibatch steps) before the first kept sample.
    thinning : int, default=20
        Keep every ``thinning``-th iteration after burn-in.
    max_samples : int, default=1000
        Bound on the stored samples (see "Sample store").
    n_samples : int, default=200
        Posterior draws used by the prediction methods. Drawn without
        replacement from the store when it holds at least that many, with
        replacement otherwise.
    n_chains : int, default=1
        Independent chains run together as one vectorised computation
        (stacked weights, ``torch.func.vmap``): each starts from its own random
        initialisation, draws its own minibatches and noise, and contributes a
        sample at every thinning point, so a fit keeps ``n_chains`` times as
        many samples (still bounded by ``max_samples``). Chains explore
        separate modes; several short chains often beat one long one for the
        same wall time (``benchmarks/bench_chains.py``). Supports the
        optimizer ``SGLD`` only. ``optimizer_`` then belongs to chain 0's
        ``module_`` and is not stepped.
    max_epochs : int, default=100
        Passes over the training data (by every chain).
    max_iter : int or None, default=None
        Iterations (minibatch steps) per fit; when set it overrides
        ``max_epochs``, so the budget, like ``burn_in`` and ``thinning``, does
        not depend on the data size (an estimator set up for 50,000 points
        then also samples on 20 labels, e.g. inside ``ActiveLearner``).
    batch_size : int, default=100
        The largest minibatch: each pass over the ``n`` training points is cut
        into ``ceil(n / batch_size)`` minibatches of near-equal size (130 points
        and 64 give 44, 43, 43, not 64, 64, 2).
    callbacks : list of (name, skorch.callbacks.Callback) or None, default=None
        skorch callbacks; called at train, epoch and batch boundaries.
    warm_start : bool, default=False
        If True and already fitted, ``fit`` continues the same chain: it keeps
        the weights, the iteration count and the sample store.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar, 2 also prints a per-epoch table.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, minibatch order, SGLD noise, reservoir and
        the prediction draws, through local generators. With an int every
        fit and every prediction is reproducible (on CPU).
    working_memory : float or None, default=None
        MiB that one chunk of the prediction engine may use; the draws and the
        inputs are processed in chunks that fit. None uses
        ``sklearn.get_config()["working_memory"]`` (1024 by default).
    **kwargs
        Routed parameters: ``module__*``, ``criterion__*``, ``optimizer__*``,
        ``callbacks__*``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted, from ``np.unique(y)``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names of ``X`` when it had string column names.
    input_shape_ : tuple of int
        Shape of one input, ``X.shape[1:]``.
    module_ : torch.nn.Module
        The network, holding the chain's last state.
    criterion_ : torch.nn.Module
        The loss.
    optimizer_ : torch.optim.Optimizer
        The sampler.
    callbacks_ : list of (str, Callback)
        Initialized callbacks.
    history_ : skorch.history.History
        Per epoch: ``train_loss`` (mean minibatch loss), ``n_iter``,
        ``n_stored`` (samples in the store), ``dur`` (seconds).
    device_ : torch.device
        Device the estimator was fitted on.
    layout_ : ParameterLayout
        Map between the module's parameters and flat vectors.
    n_parameters_ : int
        Weights of one network, the length of one sample.
    samples_ : torch.Tensor of shape (K, n_parameters_)
        The stored SGLD samples, float32, ``K <= max_samples``.
    sample_statistics_ : torch.Tensor of shape (K, n_statistics) or None
        With batch normalisation (layers that track running statistics), each
        stored sample's own statistics: the ``running_mean`` and
        ``running_var`` of its weights on the training data, in
        `StatisticsLayout` order; predictions use them with the sample. None
        for a network without such layers.
    sample_iterations_ : ndarray of shape (K,)
        The iteration each stored sample was taken at.
    sample_chains_ : ndarray of shape (K,)
        The chain each stored sample comes from (all 0 with one chain).
    chain_states_ : torch.Tensor of shape (n_chains, n_parameters_)
        The chains' last weights (chain 0 is also in ``module_``); a
        ``warm_start`` fit continues from them.
    chain_buffers_ : torch.Tensor of shape (n_chains, n_parameters_) or None
        With ``n_chains > 1`` and ``method="sghmc"`` / ``"psgld"``, the
        chains' momenta / square averages, continued by a ``warm_start``
        fit; None otherwise (one chain keeps them in ``optimizer_``).
    n_samples_seen_ : int
        Samples produced by the chain (kept or not).
    n_iter_ : int
        SGLD iterations run in total.
    storage_size_ : int
        Floats kept for test-time sampling: ``K * n_parameters_``, plus
        ``sample_statistics_``.

    See Also
    --------
    sklearn_apd.SGLD : The optimizer, usable in plain PyTorch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_apd import SGLDClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(MinMaxScaler(), SGLDClassifier(
    ...     max_epochs=20, burn_in=100, thinning=10, lr=0.5, random_state=0))
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.85
    True
    >>> clf[-1].uncertainty(MinMaxScaler().fit(X).transform(X[:3]), kind="bald").shape
    (3,)
    """

    _parameter_constraints: dict = {
        **NetworkPosteriorClassifier._parameter_constraints,
        **SGLD_CONSTRAINTS,
    }

    def __init__(
        self,
        module=MLP,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=SGLD,
        *,
        lr=0.05,
        weight_decay=1e-3,
        temperature=1.0,
        method="sgld",
        schedule="constant",
        n_cycles=4,
        exploration_fraction=0.8,
        burn_in=500,
        thinning=20,
        max_samples=1000,
        n_samples=200,
        n_chains=1,
        max_epochs=100,
        max_iter=None,
        batch_size=100,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        random_state=None,
        working_memory=None,
        **kwargs,
    ):
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.temperature = temperature
        self.method = method
        self.schedule = schedule
        self.n_cycles = n_cycles
        self.exploration_fraction = exploration_fraction
        self.burn_in = burn_in
        self.thinning = thinning
        self.max_samples = max_samples
        self.n_samples = n_samples
        self.n_chains = n_chains
        self.max_epochs = max_epochs
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.random_state = random_state
        self.working_memory = working_memory
        self._store_routed(kwargs)


def _vectorised_batch_norm_message(what: str) -> str:
    """Why vectorised chains refuse batch normalisation, and what to use instead."""
    return (
        f"{what} steps the chains as one vectorised function of their weights, which cannot "
        "run batch normalisation's running statistics (buffers shared by every chain). Use "
        "fit with n_chains=1 (parallel.fit_parallel_chains runs several; each kept sample "
        "gets its own statistics), or a network without them (module__norm='group')."
    )


def _has_running_stats(module) -> bool:
    """Whether ``module`` holds batch-normalisation layers that track running statistics."""
    return any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats
        for m in module.modules()
    )
