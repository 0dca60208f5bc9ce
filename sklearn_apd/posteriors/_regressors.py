"""SGLDRegressor and MCDropoutRegressor: Bayesian network regression with a learned noise."""

from __future__ import annotations

import numbers

import torch
from sklearn.utils._param_validation import Interval

from ..nets import MLP
from ..sampling import SGLD
from ._mc_dropout import DropoutDrawsMixin
from ._network import NetworkPosterior
from ._regression import REGRESSION_CONSTRAINTS, GaussianNLLLoss, NetworkPosteriorRegressor
from ._sgd import SGD_CONSTRAINTS, SGDTrainingMixin
from ._sgld import SGLD_CONSTRAINTS, SGLDSamplerMixin


class SGLDRegressor(SGLDSamplerMixin, NetworkPosteriorRegressor):
    """Bayesian neural network regressor sampled with SGLD, with a learned observation noise.

    The sampler of [`SGLDClassifier`][sklearn_apd.SGLDClassifier] (the same
    update, chains, sample store and sampler protocol, so
    [`APDRegressor`][sklearn_apd.APDRegressor],
    [`GaussianMixtureRegressor`][sklearn_apd.GaussianMixtureRegressor] and
    [`sklearn_apd.parallel`][sklearn_apd.parallel] work with it) on a Gaussian
    likelihood: the network predicts each target's mean, and one log noise
    precision per target is sampled together with the weights under a
    Gamma(``noise_shape``, ``noise_rate``) prior on the precision (the
    likelihood and the prior are written out in
    [`sklearn_apd.posteriors.NetworkPosteriorRegressor`][sklearn_apd.posteriors.NetworkPosteriorRegressor]).
    The intervals are therefore calibrated without setting the noise.

    With ``normalize_y=True`` (the default) each target is standardized
    before fitting and the predictions are mapped back; the priors (on the
    weights, ``weight_decay``, and on the noise) are stated on the
    standardized scale. Standardize ``X`` too (e.g.
    ``sklearn.preprocessing.StandardScaler`` in a Pipeline).

    ``predict(X, return_std=True)`` gives the posterior predictive mean and
    standard deviation; ``uncertainty(X, kind=)`` splits the variance into its
    epistemic part (the draws' disagreement) and its aleatoric part (the
    learned noise); ``predict_samples`` gives each draw's means; ``score``
    is R².

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=MLP
        Network mapping a float32 batch to ``(n, n_outputs)`` means. A class
        is built with the routed ``module__*`` parameters and, when its
        constructor accepts them, ``n_features_in`` and ``n_classes`` /
        ``n_outputs`` (the number of targets) from the data; an instance is
        copied, never trained in place. The estimator wraps it in
        [`GaussianOutput`][sklearn_apd.nets.GaussianOutput].
    criterion : torch.nn.Module class, default=GaussianNLLLoss
        Mean negative log-likelihood of a minibatch given the ``(n, 2k)``
        output of ``GaussianOutput`` and the ``(n, k)`` standardized targets.
    optimizer : torch.optim.Optimizer class, default=SGLD
        As in [`SGLDClassifier`][sklearn_apd.SGLDClassifier].
    lr : float, default=0.01
        Learning rate on the mean loss; the SGLD step is ``lr / N``. The
        gradient of the means is multiplied by the learned noise precision
        (on the standardized scale), so a target the inputs explain well
        needs a smaller ``lr``: about a tenth of the noise variance relative to
        ``y``'s (0.001 on the cubic toy, whose noise is 12% of ``y``'s
        standard deviation). Too large a step shows as a learned noise
        (``uncertainty(X, kind="aleatoric")``) above the residuals and
        intervals that cover more than their level.
    weight_decay : float, default=1e-3
        Gaussian prior of precision ``N * weight_decay`` on every network weight
        (not on the noise, whose prior is the Gamma prior).
    temperature : float, default=1.0
        Scales the injected noise; 1 samples the Bayesian posterior.
    method : {"sgld", "sghmc", "psgld"}, default="sgld"
        The SG-MCMC dynamics, as in [`SGLDClassifier`][sklearn_apd.SGLDClassifier].
        ``"psgld"`` preconditions each weight by its gradient's scale, which
        removes the dependence of the step on the learned noise precision.
    schedule : {"constant", "cyclical"}, default="constant"
        The step size over a fit, as in [`SGLDClassifier`][sklearn_apd.SGLDClassifier]:
        ``"cyclical"`` runs ``n_cycles`` cosine cycles from ``lr`` towards 0
        and samples only in the last ``1 - exploration_fraction`` of each.
    n_cycles : int, default=4
        Cycles of a ``"cyclical"`` fit.
    exploration_fraction : float, default=0.8
        The share of each cycle without noise or samples, in [0, 1).
    noise_shape : float, default=1.0
        Shape ``a`` of the Gamma prior on each target's noise precision.
    noise_rate : float, default=0.01
        Rate ``b`` of that prior. The defaults (prior mean precision 100, an
        exponential prior) put little mass on noise standard deviations above
        the targets' own; a few dozen points outweigh them.
    normalize_y : bool, default=True
        Standardize each target with its mean and standard deviation before fitting.
    burn_in : int, default=2000
        Iterations before the first kept sample.
    thinning : int, default=10
        Keep every ``thinning``-th iteration after burn-in.
    max_samples : int, default=1000
        Bound on the stored samples (reservoir sampling beyond it).
    n_samples : int, default=200
        Posterior draws used by the prediction methods.
    n_chains : int, default=1
        Independent chains run together as one vectorised computation.
    max_epochs : int, default=100
        Passes over the training data; used only with ``max_iter=None``.
    max_iter : int or None, default=10000
        Iterations per fit, whatever the data size (regression data sets are
        often a few hundred rows, where 100 epochs would not pass
        ``burn_in``); None uses ``max_epochs``.
    batch_size : int, default=32
        The largest minibatch: each pass over the ``n`` training points is cut
        into ``ceil(n / batch_size)`` minibatches of near-equal size (130 points
        and 64 give 44, 43, 43, not 64, 64, 2).
    callbacks : list of (name, skorch.callbacks.Callback) or None, default=None
        skorch callbacks.
    warm_start : bool, default=False
        If True and already fitted, ``fit`` continues the same chain (and
        keeps the first fit's target standardization).
    verbose : int, default=0
        0 is silent, 1 shows a progress bar, 2 also prints a per-epoch table.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds initial weights, minibatches, SGLD noise, reservoir and
        prediction draws through local generators.
    working_memory : float or None, default=None
        MiB that one chunk of the prediction engine may use; None uses
        ``sklearn.get_config()["working_memory"]``.
    **kwargs
        Routed parameters: ``module__*``, ``criterion__*``, ``optimizer__*``,
        ``callbacks__*``.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets ``k``.
    y_mean_ : ndarray of shape (n_outputs_,)
        Mean of each target (zeros when ``normalize_y=False``).
    y_scale_ : ndarray of shape (n_outputs_,)
        Standard deviation of each target (ones when ``normalize_y=False``;
        1 for a constant target).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names of ``X`` when it had string column names.
    input_shape_ : tuple of int
        Shape of one input.
    module_ : GaussianOutput
        The network (``module_.net``) and the log noise precision, holding the
        chain's last state.
    criterion_ : torch.nn.Module
        The likelihood.
    optimizer_ : torch.optim.Optimizer
        The sampler.
    callbacks_ : list of (str, Callback)
        Initialized callbacks.
    history_ : skorch.history.History
        Per epoch: ``train_loss``, ``n_iter``, ``n_stored``, ``dur``.
    device_ : torch.device
        Device the estimator was fitted on.
    layout_ : ParameterLayout
        Map between the module's parameters and flat vectors.
    n_parameters_ : int
        Length of one sample: the weights plus ``n_outputs_`` log precisions.
    samples_ : torch.Tensor of shape (K, n_parameters_)
        The stored SGLD samples.
    sample_statistics_ : torch.Tensor of shape (K, n_statistics) or None
        Each sample's batch-normalisation statistics (see `SGLDClassifier`);
        None without batch normalisation.
    sample_iterations_ : ndarray of shape (K,)
        The iteration each stored sample was taken at.
    sample_chains_ : ndarray of shape (K,)
        The chain each stored sample comes from.
    chain_states_ : torch.Tensor of shape (n_chains, n_parameters_)
        The chains' last states.
    chain_buffers_ : torch.Tensor of shape (n_chains, n_parameters_) or None
        The momenta / square averages of ``n_chains > 1`` SGHMC / pSGLD
        chains, continued by a ``warm_start`` fit; None otherwise.
    n_samples_seen_ : int
        Samples produced by the chains (kept or not).
    n_iter_ : int
        SGLD iterations run in total.
    storage_size_ : int
        Floats kept for test-time sampling.

    See Also
    --------
    sklearn.linear_model.BayesianRidge, sklearn.gaussian_process.GaussianProcessRegressor :
        The same ``predict(X, return_std=True)`` convention.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd import SGLDRegressor
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> X, y = make_cubic_toy(random_state=0)
    >>> reg = SGLDRegressor(lr=0.1, max_iter=2000, burn_in=500, thinning=10,
    ...                     batch_size=20, random_state=0).fit(X, y)
    >>> mean, std = reg.predict(np.array([[0.0], [6.0]]), return_std=True)
    >>> bool(std[1] > std[0])  # wider outside the data ([-4, 4])
    True
    """

    _parameter_constraints: dict = {
        **NetworkPosterior._parameter_constraints,
        **SGLD_CONSTRAINTS,
        **REGRESSION_CONSTRAINTS,
    }

    def __init__(
        self,
        module=MLP,
        criterion=GaussianNLLLoss,
        optimizer=SGLD,
        *,
        lr=0.01,
        weight_decay=1e-3,
        temperature=1.0,
        method="sgld",
        schedule="constant",
        n_cycles=4,
        exploration_fraction=0.8,
        noise_shape=1.0,
        noise_rate=0.01,
        normalize_y=True,
        burn_in=2000,
        thinning=10,
        max_samples=1000,
        n_samples=200,
        n_chains=1,
        max_epochs=100,
        max_iter=10_000,
        batch_size=32,
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
        self.noise_shape = noise_shape
        self.noise_rate = noise_rate
        self.normalize_y = normalize_y
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


class MCDropoutRegressor(DropoutDrawsMixin, SGDTrainingMixin, NetworkPosteriorRegressor):
    """MC dropout regression (Gal & Ghahramani, 2016) with a learned observation noise.

    ``fit`` trains the network with dropout by SGD on the Gaussian likelihood
    of [`SGLDRegressor`][sklearn_apd.SGLDRegressor] (the noise precision a
    learned parameter with the same Gamma prior, here a MAP estimate); at
    prediction each of the ``n_samples`` draws is one dropout mask per
    ``torch.nn.Dropout`` layer, shared by all inputs, as in
    [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier]. The prediction
    API is SGLDRegressor's (``predict(X, return_std=True)``,
    ``predict_samples``, ``uncertainty``); there is no ``sample_parameters``.

    Parameters
    ----------
    dropout : float, default=0.1
        Dropout probability, passed to the module as ``dropout`` when its
        constructor accepts it.
    n_samples : int, default=200
        Stochastic forward passes at prediction.
    module : torch.nn.Module class or instance, default=MLP
        Network mapping a float32 batch to ``(n, n_outputs)`` means; it must
        contain ``torch.nn.Dropout`` layers or accept ``dropout``.
    criterion : torch.nn.Module class, default=GaussianNLLLoss
    optimizer : torch.optim.Optimizer class, default=torch.optim.SGD
        Called as ``optimizer(params, lr=, weight_decay=, momentum=, **optimizer__kwargs)``.
    lr : float, default=0.005
    weight_decay : float, default=1e-3
        L2 penalty on the network weights (not on the noise).
    momentum : float, default=0.9
        SGD momentum (the classifier's default is 0; a regression network on
        a few hundred points needs it to fit within ``max_epochs``).
    noise_shape : float, default=1.0
        Shape of the Gamma prior on the noise precision.
    noise_rate : float, default=0.01
        Rate of that prior.
    normalize_y : bool, default=True
        Standardize each target before fitting.
    max_epochs : int, default=100
        Used only with ``max_iter=None``.
    max_iter : int or None, default=5000
        Minibatch steps per fit, whatever the data size; None uses ``max_epochs``.
    batch_size : int, default=32
        The largest minibatch: each pass over the ``n`` training points is cut
        into ``ceil(n / batch_size)`` minibatches of near-equal size (130 points
        and 64 give 44, 43, 43, not 64, 64, 2).
    callbacks : list of (name, Callback) or None, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds initial weights, minibatch order, dropout masks and prediction draws.
    working_memory : float or None, default=None
        MiB per chunk of the prediction engine.
    **kwargs
        Routed ``module__*``, ``criterion__*``, ``optimizer__*``, ``callbacks__*``.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    y_mean_ : ndarray of shape (n_outputs_,)
        Mean of each target (zeros when ``normalize_y=False``).
    y_scale_ : ndarray of shape (n_outputs_,)
        Standard deviation of each target (ones when ``normalize_y=False``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    input_shape_ : tuple of int
    module_ : GaussianOutput
        The trained network and log noise precision.
    criterion_, optimizer_ : the initialized loss and optimizer.
    callbacks_ : list of (str, Callback)
    history_ : skorch.history.History
        Per epoch: ``train_loss``, ``n_iter``, ``dur``.
    device_ : torch.device
    layout_ : ParameterLayout
    n_parameters_ : int
    n_iter_ : int
        Minibatch steps run.
    dropout_layers_ : list of str
        Names of the dropout layers kept on at prediction.
    weights_ : torch.Tensor of shape (n_parameters_,)
        The trained weights as one flat vector.
    storage_size_ : int
        ``n_parameters_``.

    Examples
    --------
    >>> from sklearn_apd import MCDropoutRegressor
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> X, y = make_cubic_toy(random_state=0)
    >>> reg = MCDropoutRegressor(max_iter=1000, batch_size=20, lr=0.01, random_state=0)
    >>> reg.fit(X, y).predict(X[:3], return_std=True)[1].shape
    (3,)
    """

    _parameter_constraints: dict = {
        **NetworkPosterior._parameter_constraints,
        **SGD_CONSTRAINTS,
        **REGRESSION_CONSTRAINTS,
        "dropout": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        module=MLP,
        criterion=GaussianNLLLoss,
        optimizer=torch.optim.SGD,
        *,
        dropout=0.1,
        n_samples=200,
        lr=0.005,
        weight_decay=1e-3,
        momentum=0.9,
        noise_shape=1.0,
        noise_rate=0.01,
        normalize_y=True,
        max_epochs=100,
        max_iter=5000,
        batch_size=32,
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
        self.dropout = dropout
        self.n_samples = n_samples
        self.lr = lr
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.noise_shape = noise_shape
        self.noise_rate = noise_rate
        self.normalize_y = normalize_y
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
