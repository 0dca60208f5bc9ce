"""ActiveLearner: Bayesian active learning as a scikit-learn meta-estimator."""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import pickle
import re
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.metrics import check_scoring
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._utils import base_seed, check_positive_int, numpy_generator, progress_bar
from ..nets import MLP, LeNet
from ..posteriors import MCDropoutClassifier
from ._pool import check_initial_indices, select_batch, stratified_indices
from .acquisition import DRAW_QUERY_KINDS, QUERY_KINDS

__all__ = ["ActiveLearner"]


def _load_checkpoint(path, fingerprint):
    """The state saved in ``path`` by an interrupted ``fit``, or None if there is none."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
    except Exception as exc:  # truncated or foreign file
        raise ValueError(f"checkpoint={str(path)!r} cannot be read: {exc}") from exc
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
        raise ValueError(
            f"checkpoint={str(path)!r} was written by a fit with other parameters, data or "
            "initial_indices; delete it or pass another path."
        )
    return state


# Flat rows of at least this many pixels a side, a perfect square, are images.
_MIN_IMAGE_SIDE = 8


def _image_like(X_shape):
    """``image_shape`` for [`LeNet`][sklearn_apd.nets.LeNet] if rows of this shape are images.

    ``(n, h, w)`` and ``(n, c, h, w)`` arrays are images; flat rows are when
    their length is a perfect square of at least 8x8 pixels (MNIST's 784,
    the embedded digits' 64). Returns ``None`` for anything else.
    """
    shape = tuple(int(d) for d in X_shape[1:])
    if len(shape) == 2:
        shape = (1, *shape)
    elif len(shape) == 1:
        side = math.isqrt(shape[0])
        if side * side != shape[0] or side < _MIN_IMAGE_SIDE:
            return None
        shape = (1, side, side)
    if len(shape) != 3 or min(shape[1:]) < _MIN_IMAGE_SIDE:
        return None
    return shape


def few_label_estimator(X_shape, random_state=None):
    """The classifier ``ActiveLearner(estimator=None)`` fits: MC dropout set up for few labels.

    [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] (dropout 0.5, 20 draws to score
    the pool) trained by Adam (learning rate 1e-3, no weight decay) for a
    fixed 300 iterations of batch 64, however few the labels (the budget
    does not shrink with the labelled set, as an epoch count would). The
    network is [`LeNet`][sklearn_apd.nets.LeNet] on image-like inputs
    (``(n, h, w)``, ``(n, c, h, w)``, or flat rows whose length is a square of
    at least 8x8) and [`MLP`][sklearn_apd.nets.MLP] ``"fcNN1"`` otherwise.
    Measured on MNIST in ``benchmarks/al_network_probe.py``.

    Parameters
    ----------
    X_shape : tuple of int
        Shape of the data the learner will see (``X.shape``): picks the network.
    random_state : int, RandomState instance or None, default=None
        The estimator's ``random_state``.

    Returns
    -------
    estimator : MCDropoutClassifier
        Unfitted; change it with ``set_params`` and pass it as
        ``ActiveLearner(estimator=...)``.

    Examples
    --------
    >>> from sklearn_apd.evaluation import few_label_estimator
    >>> est = few_label_estimator((100, 28, 28), random_state=0)
    >>> type(est).__name__, est.module.__name__, est.max_iter
    ('MCDropoutClassifier', 'LeNet', 300)
    >>> few_label_estimator((100, 5)).module.__name__
    'MLP'
    """
    image_shape = _image_like(X_shape)
    if image_shape is None:
        network = dict(module=MLP)
    else:
        network = dict(module=LeNet, module__image_shape=image_shape)
    return MCDropoutClassifier(
        optimizer=torch.optim.Adam,
        dropout=0.5,
        lr=1e-3,
        weight_decay=0.0,
        max_iter=300,
        batch_size=64,
        n_samples=20,
        random_state=random_state,
        verbose=0,
        **network,
    )


def _estimator_has(attr):
    """Check the fitted clone if there is one, else the unfitted estimator."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        if self.estimator is None:  # the default, few_label_estimator
            return hasattr(MCDropoutClassifier, attr)
        return hasattr(self.estimator, attr)

    return check


class ActiveLearner(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Pool-based active learning around any probabilistic classifier.

    The learner refits a clone of ``estimator`` on the labelled points, scores
    the unlabelled pool by the acquisition function ``query`` and acquires the
    ``batch_size`` best points, for ``n_rounds`` rounds (Figure 4 of Wang et
    al., 2018; Gal, Islam & Ghahramani, 2017). The user's ``estimator`` is
    never fitted.

    Two ways to use it:

    - **Simulation**: ``fit(X, y)`` treats ``(X, y)`` as a pool whose labels
      are revealed only as points are acquired, starting from ``n_initial``
      labelled points. With ``eval_set=(X_eval, y_eval)`` it records the
      score after every round in ``learning_curve_``.
    - **Interactive**: ``teach(X, y)`` adds labelled points and refits;
      ``query_pool(X_pool)`` returns the pool indices to label next.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``fit`` and ``predict_proba``. The Bayesian kinds
        (``"bald"``, ``"variation_ratio"``, ``"model_variance"``,
        ``"batchbald"``) need ``predict_proba_samples`` (every posterior
        classifier of this package has it). ``None`` fits a Bayesian
        classifier set up for few labels: an
        [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] (dropout 0.5, 20 draws)
        trained by Adam (learning rate 1e-3) for 300 iterations of batch 64
        whatever the number of labels, on [`LeNet`][sklearn_apd.nets.LeNet]
        when the inputs are images (``(n, h, w)`` or ``(n, c, h, w)`` arrays,
        or flat rows whose length is a square of at least 8x8 pixels) and on
        [`MLP`][sklearn_apd.nets.MLP] ``"fcNN1"`` otherwise. Its
        ``random_state`` is this learner's (an int as is). On MNIST (20 to
        270 labels, 3 seeds; ``benchmarks/al_network_probe.py``, the user
        guide's active-learning section) it acquires by BALD (``query="auto"``)
        and beats random acquisition by 2.4 points of test accuracy over
        90-170 labels and 3.3 at 270. For many labels or tabular data whose
        length happens to be a square, pass your own estimator.
    query : str or callable, default="auto"
        Acquisition function. ``"auto"`` is ``"bald"`` for an estimator whose
        ``predict_proba_samples`` gives several draws (the posterior
        classifiers of this package and the default estimator: on MNIST BALD
        gained more over random acquisition than entropy, and in more seeds;
        see ``estimator``) and
        ``"entropy"`` otherwise (a point estimate, or no such method). Or:
        ``"entropy"``, ``"bald"``, ``"variation_ratio"``,
        ``"model_variance"``, ``"least_confidence"`` (the measures of
        [`sklearn_apd.uncertainty`][sklearn_apd.uncertainty], highest acquired
        first), ``"random"`` (uniform, seeded by ``random_state``),
        ``"batchbald"`` (greedy BatchBALD,
        [`batchbald()`][sklearn_apd.acquisition.batchbald]), or a callable
        ``query(estimator, X_pool) -> scores`` returning one score per pool
        row (higher is acquired first). Ties are broken at random.
    batch_size : int, default=10
        Points acquired per round.
    n_initial : int, default=None
        Labelled points to start from in ``fit``, drawn class-stratified at
        random (the same number from every class, as far as the classes
        allow). ``None`` means 2 per class (20 for MNIST, as in the paper).
    n_rounds : int, default=50
        Acquisition rounds in ``fit``; the estimator is fitted ``n_rounds + 1``
        times. Fewer are run when the pool runs out.
    pool_subsample : int, default=None
        Score only this many pool points, drawn at random each round (the
        usual remedy when scoring a large pool with many posterior draws
        costs more than the fit). ``None`` scores the whole pool.
    n_samples : int, default=None
        Posterior draws used to score the pool, passed to the estimator's
        ``uncertainty`` / ``predict_proba_samples``; ``None`` uses the
        estimator's own ``n_samples``.
    warm_start : bool, default=False
        If False, every round refits a fresh clone of ``estimator``
        (re-initialised, as in the paper). If True, every round continues
        training the previous round's network on the enlarged labelled set;
        the estimator must have a ``warm_start`` parameter (this package's
        network estimators and ``APDClassifier`` do; ``GaussianMixturePosterior``
        has none). For `APDClassifier` that continues
        the GAN while its sampler is refitted afresh each round, as in the
        paper's code.
    scoring : str, callable or None, default=None
        How ``learning_curve_`` scores the evaluation set: any
        ``GridSearchCV``-style scoring; ``None`` uses the estimator's
        ``score`` (accuracy).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial labelled set, random acquisition, pool subsampling
        and tie-breaking. The estimator's own ``random_state`` still seeds its
        fits.
    verbose : int, default=0
        1 shows a progress bar over the rounds.

    Attributes
    ----------
    estimator_ : estimator object
        The estimator fitted on all labelled points.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled data, sorted.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    X_labeled_ : ndarray of shape (n_labeled, ...)
        The labelled inputs, in acquisition order.
    y_labeled_ : ndarray of shape (n_labeled,)
        Their labels.
    labeled_indices_ : ndarray of shape (n_labeled_in_fit,)
        Indices into ``fit``'s ``X`` of the points labelled during ``fit``, in
        acquisition order (the first ``n_initial`` are the initial set).
    labeled_iter_ : ndarray of shape (n_samples_fit,)
        For each row of ``fit``'s ``X``: the round in which it was labelled,
        0 for the initial set, -1 if never (as in
        `SelfTrainingClassifier`).
    query_ : str or callable
        The acquisition function used (``query`` with ``"auto"`` resolved).
    n_iter_ : int
        Acquisition rounds run (``fit`` plus any ``teach`` calls after it).
    termination_condition_ : {"n_rounds", "all_labeled"}
        Why ``fit`` stopped.
    learning_curve_ : dict of ndarray
        One entry per fit of the estimator: ``"round"``, ``"n_labels"``,
        ``"score"`` (on ``eval_set``; NaN without one), ``"fit_time"`` and
        ``"query_time"`` (seconds spent choosing the points acquired after
        that fit; 0 for the last). ``pandas.DataFrame(learning_curve_)`` makes
        a table of it.

    See Also
    --------
    sklearn_apd.acquisition.batchbald : The batch-aware BALD selection.
    sklearn.semi_supervised.SelfTrainingClassifier : The model for this
        meta-estimator's structure.

    Examples
    --------
    >>> from sklearn_apd import ActiveLearner, SGLDClassifier
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits("train", return_X_y=True)
    >>> X_test, y_test = load_embedded_digits("test", return_X_y=True)
    >>> sgld = SGLDClassifier(max_epochs=100, burn_in=50, thinning=5, n_samples=20,
    ...                       random_state=0, verbose=0)
    >>> learner = ActiveLearner(sgld, query="bald", n_rounds=3, random_state=0)
    >>> learner = learner.fit(X, y, eval_set=(X_test, y_test))
    >>> learner.learning_curve_["n_labels"].tolist()
    [20, 30, 40, 50]
    >>> learner.query_pool(X_test, 5).shape
    (5,)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "query": [StrOptions({"auto", *QUERY_KINDS}), callable],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_initial": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_rounds": [Interval(numbers.Integral, 0, None, closed="left")],
        "pool_subsample": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
        "scoring": [str, callable, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        query="auto",
        batch_size=10,
        n_initial=None,
        n_rounds=50,
        *,
        pool_subsample=None,
        n_samples=None,
        warm_start=False,
        scoring=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.query = query
        self.batch_size = batch_size
        self.n_initial = n_initial
        self.n_rounds = n_rounds
        self.pool_subsample = pool_subsample
        self.n_samples = n_samples
        self.warm_start = warm_start
        self.scoring = scoring
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    def _rng(self, step):
        """A generator for one decision: stream ``step`` of the fit's base seed."""
        return numpy_generator(self._seed_, step)

    def _curve_arrays(self):
        return {
            key: np.asarray(values, dtype=np.int64 if key in ("round", "n_labels") else float)
            for key, values in self._curve.items()
        }

    def _resolve_estimator(self, X):
        """The estimator every round clones: the user's, or the few-label default."""
        if self.estimator is not None:
            self._template = self.estimator
        else:
            # The learner's base seed (its int random_state as is): the
            # default then fits as MCDropoutClassifier(..., random_state=seed)
            # in ActiveLearner(that, random_state=seed) would.
            self._template = few_label_estimator(X.shape, random_state=self._seed_)
        return self._template

    def _current_query(self):
        """``query`` as set now (``set_params`` after fit applies), ``"auto"`` as resolved."""
        if isinstance(self.query, str) and self.query == "auto":
            return self.query_
        return self.query

    def _check_query_support(self, estimator):
        """Resolve ``query="auto"`` into ``query_`` and check the estimator can serve it."""
        query = self.query
        if isinstance(query, str) and query == "auto":
            # Checked again after each fit (_fit_estimator): a point estimate with
            # predict_proba_samples gives one draw, for which BALD is 0.
            query = "bald" if hasattr(estimator, "predict_proba_samples") else "entropy"
        self.query_ = query
        if isinstance(query, str) and query in DRAW_QUERY_KINDS:
            if not hasattr(estimator, "predict_proba_samples"):
                raise ValueError(
                    f"query={query!r} needs posterior draws, but "
                    f"{type(estimator).__name__} has no predict_proba_samples; use "
                    "query='entropy' or 'least_confidence', or a posterior estimator "
                    "of sklearn_apd."
                )

    def _fit_estimator(self):
        if self.warm_start and hasattr(self, "estimator_"):
            est = self.estimator_
        else:
            est = clone(self._template)
            if self.warm_start:
                if "warm_start" not in est.get_params():
                    raise ValueError(
                        f"warm_start=True needs an estimator with a warm_start parameter; "
                        f"{type(est).__name__} has none."
                    )
                est.set_params(warm_start=True)
        t0 = time.perf_counter()
        try:
            est.fit(self.X_labeled_, self.y_labeled_)
        except ValueError as exc:
            hint = ""
            if "max_iter" in est.get_params() and getattr(est, "max_iter", None) is None:
                hint = (
                    " An estimator set up for the full data may need a budget that does not "
                    "shrink with the labelled set: set its max_iter (iterations per fit)."
                )
            raise ValueError(
                f"ActiveLearner: {type(est).__name__}.fit on the {len(self.y_labeled_)} "
                f"labelled points failed: {exc}{hint}"
            ) from exc
        self.estimator_ = est
        fit_time = time.perf_counter() - t0
        if isinstance(self.query, str) and self.query == "auto" and self.query_ == "bald":
            draws = est.predict_proba_samples(self.X_labeled_[:1], n_samples=2)
            if np.shape(draws)[0] < 2:  # a point estimate: BALD would be 0 everywhere
                self.query_ = "entropy"
        return fit_time

    def _select(self, X_pool, n, step):
        """Indices into ``X_pool`` of the ``n`` points to acquire."""
        return select_batch(
            self.estimator_, X_pool, n, self._rng(step), query=self._current_query(),
            pool_subsample=self.pool_subsample, n_samples=self.n_samples,
        )  # fmt: skip

    def _record(self, round_, fit_time, score):
        curve = self._curve
        curve["round"].append(round_)
        curve["n_labels"].append(len(self.y_labeled_))
        curve["score"].append(score)
        curve["fit_time"].append(fit_time)
        curve["query_time"].append(0.0)
        self.learning_curve_ = self._curve_arrays()

    def _evaluate(self, scorer, eval_set):
        if eval_set is None:
            return np.nan
        return float(scorer(self.estimator_, *eval_set))

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=False)  # the estimator validates its own
    def fit(self, X, y, *, eval_set=None, initial_indices=None, checkpoint=None):
        """Simulate active learning on the pool ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            The pool. Its labels are used only once a point is acquired.
        y : array-like of shape (n_samples,)
            The pool's labels.
        eval_set : tuple (X_eval, y_eval), default=None
            Held-out data scored after every fit for ``learning_curve_``.
        initial_indices : array-like of int, default=None
            Rows of ``X`` labelled at the start, instead of ``n_initial``
            drawn at random.
        checkpoint : str or path-like, default=None
            A file to which the simulation's state is written (by ``pickle``)
            after every round. A ``fit`` given an existing checkpoint file
            continues from its last round, with the same result as a run
            never interrupted; the file must come from a fit with the same
            parameters, data and ``initial_indices`` (else ``ValueError``).
            It is removed when the fit completes. Only load checkpoints you
            wrote yourself: unpickling runs code.

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, allow_nd=True)
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        for attr in ("estimator_", "labeled_indices_"):
            self.__dict__.pop(attr, None)
        saved, fingerprint = None, None
        if checkpoint is not None:
            checkpoint = Path(checkpoint)
            if not checkpoint.parent.is_dir():
                raise ValueError(
                    f"checkpoint={str(checkpoint)!r}: the folder {str(checkpoint.parent)!r} "
                    "does not exist."
                )
            fingerprint = self._fingerprint(X, y, eval_set, initial_indices)
            saved = _load_checkpoint(checkpoint, fingerprint)
        self._seed_ = saved["seed"] if saved else base_seed(self.random_state, fresh=True)
        self._check_query_support(self._resolve_estimator(X))
        n = len(y)
        if initial_indices is None:
            n_initial = self.n_initial
            if n_initial is None:  # 2 per class, or all of a class that has fewer
                counts = np.bincount(y_encoded, minlength=len(classes))
                n_initial = int(np.minimum(counts, 2).sum())
            labeled = stratified_indices(y_encoded, len(classes), n_initial, self._rng(0))
        else:
            labeled = check_initial_indices(initial_indices, n)
        scorer = None
        if eval_set is not None:
            if not (isinstance(eval_set, (tuple, list)) and len(eval_set) == 2):
                raise ValueError(
                    f"eval_set must be a tuple (X_eval, y_eval); got {type(eval_set).__name__}."
                )
            scorer = check_scoring(self._template, scoring=self.scoring)

        self.labeled_iter_ = np.full(n, -1, dtype=np.int64)
        self.labeled_iter_[labeled] = 0
        self._curve = {k: [] for k in ("round", "n_labels", "score", "fit_time", "query_time")}
        self.n_iter_ = 0
        start = 0
        if saved:  # continue an interrupted fit from its last completed round
            labeled, self.labeled_iter_, self._curve = (
                saved["labeled"],
                saved["labeled_iter"],
                saved["curve"],
            )
            self.n_iter_ = start = saved["next_round"]
            self.query_ = saved["query"]
            if saved["estimator"] is not None:
                self.estimator_ = saved["estimator"]
        self.classes_ = classes
        self.X_labeled_ = X[labeled]
        self.y_labeled_ = y[labeled]
        self.termination_condition_ = "n_rounds"

        bar = None
        if self.verbose:
            bar = progress_bar(total=self.n_rounds + 1, desc=f"{type(self).__name__}", unit="fit")
        try:
            if bar is not None:
                bar.update(start)
            for round_ in range(start, self.n_rounds + 1):
                fit_time = self._fit_estimator()
                self._record(round_, fit_time, self._evaluate(scorer, eval_set))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(labels=len(labeled), score=self._curve["score"][-1])
                if round_ == self.n_rounds:
                    break
                pool = np.flatnonzero(self.labeled_iter_ < 0)
                if len(pool) == 0:
                    self.termination_condition_ = "all_labeled"
                    break
                t0 = time.perf_counter()
                picked = pool[self._select(X[pool], self.batch_size, len(labeled))]
                self._curve["query_time"][-1] = time.perf_counter() - t0
                self.labeled_iter_[picked] = round_ + 1
                labeled = np.concatenate([labeled, picked])
                self.X_labeled_ = X[labeled]
                self.y_labeled_ = y[labeled]
                self.n_iter_ = round_ + 1
                if checkpoint is not None:
                    self._save_checkpoint(checkpoint, fingerprint, labeled)
        finally:
            if bar is not None:
                bar.close()
        self.labeled_indices_ = labeled
        # Rebuild: the last query_time was filled in after its row was recorded.
        self.learning_curve_ = self._curve_arrays()
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)
        return self

    def _fingerprint(self, X, y, eval_set, initial_indices):
        """A digest of what decides a fit's course: parameters, data, initial set."""
        params = self.get_params(deep=True)
        params = {k: v for k, v in params.items() if k != "verbose"}
        # Every nested parameter by its repr, without the memory addresses
        # that function and object reprs carry from one process to the next.
        text = re.sub(
            r" at 0x[0-9a-fA-F]+", "", repr(sorted(params.items(), key=lambda kv: kv[0]))
        )
        digest = hashlib.blake2b(text.encode(), digest_size=16)
        arrays = [X, y, initial_indices] + (list(eval_set) if eval_set is not None else [])
        for a in arrays:
            if a is None:
                digest.update(b"none")
                continue
            a = np.ascontiguousarray(a)
            digest.update(f"{a.dtype}{a.shape}".encode())
            digest.update(
                a.view(np.uint8).data if a.dtype != object else repr(a.tolist()).encode()
            )
        return digest.hexdigest()

    def _save_checkpoint(self, path, fingerprint, labeled):
        """Write the state the next round starts from, atomically."""
        state = {
            "fingerprint": fingerprint,
            "seed": self._seed_,
            "next_round": self.n_iter_,
            "labeled": labeled,
            "labeled_iter": self.labeled_iter_,
            "curve": self._curve,
            "query": self.query_,
            # Only a warm-started estimator carries state into the next round;
            # otherwise every round fits a fresh clone.
            "estimator": self.estimator_ if self.warm_start else None,
        }
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # a kill mid-write leaves the previous checkpoint

    # ------------------------------------------------------------ interactive
    def query_pool(self, X_pool, n=None):
        """Indices of the pool points to label next, by the ``query`` strategy.

        (The method is not called ``query``: that name is the strategy
        parameter, which scikit-learn stores as an attribute of that name.)

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, n_features) or (n_pool, ...)
            Unlabelled candidates.
        n : int, default=None
            How many to return; defaults to ``batch_size``.

        Returns
        -------
        indices : ndarray of shape (min(n, n_pool),), int64
            Rows of ``X_pool``, best first (for ``"batchbald"``, in the order
            the greedy selection picked them).
        """
        check_is_fitted(self, "estimator_")
        n = self.batch_size if n is None else n
        n = check_positive_int("n", n)
        X_pool = validate_data(self, X_pool, reset=False, allow_nd=True)
        return self._select(X_pool, int(n), len(self.y_labeled_)).astype(np.int64)

    def teach(self, X, y):
        """Add labelled points and refit the estimator on all labelled data.

        On an unfitted learner this starts the labelled set (the interactive
        counterpart of ``n_initial``).

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
            Newly labelled inputs.
        y : array-like of shape (n,)
            Their labels.

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "estimator_")
        if first:  # teach is a fit on its first call
            self._validate_params()
        X, y = validate_data(self, X, y, reset=first, allow_nd=True)
        check_classification_targets(y)
        if first:
            self._seed_ = base_seed(self.random_state, fresh=True)
            self._check_query_support(self._resolve_estimator(X))
            self.X_labeled_, self.y_labeled_ = X, y
            self._curve = {k: [] for k in ("round", "n_labels", "score", "fit_time", "query_time")}
            self.n_iter_ = 0
        else:
            self.X_labeled_ = np.concatenate([self.X_labeled_, X])
            self.y_labeled_ = np.concatenate([self.y_labeled_, y])
            self.n_iter_ += 1
        self.classes_ = np.unique(self.y_labeled_)
        fit_time = self._fit_estimator()
        self._record(self.n_iter_, fit_time, np.nan)
        return self

    # ------------------------------------------------------------- delegation
    @available_if(_estimator_has("predict"))
    def predict(self, X, **kwargs):
        """Predict with the fitted estimator (``estimator_.predict``)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X, **kwargs)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, **kwargs):
        """Class probabilities from the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X, **kwargs)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, **kwargs):
        """Log class probabilities from the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_log_proba(X, **kwargs)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("predict_proba_samples"))
    def predict_proba_samples(self, X, **kwargs):
        """Per-draw class probabilities from the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba_samples(X, **kwargs)

    @available_if(_estimator_has("uncertainty"))
    def uncertainty(self, X, kind="entropy", **kwargs):
        """Uncertainty of the fitted estimator's predictions (see ``uncertainty``)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.uncertainty(X, kind=kind, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            inner = self.estimator if self.estimator is not None else MCDropoutClassifier()
            inner = inner.__sklearn_tags__()
            tags.input_tags.allow_nan = inner.input_tags.allow_nan
            tags.input_tags.sparse = False
        except AttributeError:  # pragma: no cover - estimators without tags
            pass
        return tags
