"""scikit-learn's common estimator checks, run with tiny training budgets.

No routed ``module__*`` parameter is used in these instances:
check_no_attributes_set_in_init treats routed parameters as attributes set in
``__init__``; routing is covered by tests/test_sgld_classifier.py. Every check
passes; none is marked as an expected failure.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_apd import (
    ActiveLearner,
    APDClassifier,
    APDRegressor,
    DeterministicClassifier,
    GaussianMixturePosterior,
    GaussianMixtureRegressor,
    MCDropoutClassifier,
    MCDropoutRegressor,
    SGLDClassifier,
    SGLDRegressor,
)


def _tiny_sgld():
    # The checks' data sets have ~30-150 rows: 1-5 minibatches of 32 an epoch.
    return SGLDClassifier(
        lr=0.5,
        max_epochs=30,
        batch_size=32,
        burn_in=10,
        thinning=2,
        n_samples=8,
        device="cpu",
        random_state=0,
    )


def _tiny_sgld_methods():
    # The other SG-MCMC methods and the cyclical schedule (issue #24).
    return [
        _tiny_sgld().set_params(
            method="sghmc", lr=0.05, schedule="cyclical", exploration_fraction=0.5
        ),  # fmt: skip
        _tiny_sgld().set_params(method="psgld", lr=0.01),
    ]


def _tiny_sgld_regressor():
    return SGLDRegressor(
        lr=0.1,
        max_iter=60,
        batch_size=32,
        burn_in=10,
        thinning=2,
        n_samples=8,
        device="cpu",
        random_state=0,
    )


def _tiny_sgd(cls, **kw):
    return cls(lr=0.5, max_epochs=30, batch_size=32, device="cpu", random_state=0, **kw)


@parametrize_with_checks(
    [
        _tiny_sgld(),
        *_tiny_sgld_methods(),
        _tiny_sgd(DeterministicClassifier),
        _tiny_sgd(MCDropoutClassifier, n_samples=8, dropout=0.2),
        GaussianMixturePosterior(
            _tiny_sgld(), n_components=2, n_samples=8, max_iter=20, random_state=0
        ),
        # standardize=True: a generator trained for only 30 updates starts from the
        # samples' mean and scale, so the checks' accuracy thresholds hold.
        APDClassifier(
            _tiny_sgld(),
            max_iter=30,
            lr=1e-3,
            standardize=True,
            n_samples=8,
            device="cpu",
            random_state=0,
        ),
        # The checks score the final estimator: one round that labels the whole
        # pool (batch_size larger than any check's data) after 2 per class.
        ActiveLearner(
            _tiny_sgd(DeterministicClassifier), batch_size=1000, n_rounds=1, random_state=0
        ),
        ActiveLearner(_tiny_sgld(), query="bald", batch_size=1000, n_rounds=1, random_state=0),
        _tiny_sgld_regressor(),
        MCDropoutRegressor(
            lr=0.05, max_iter=60, batch_size=32, n_samples=8, device="cpu", random_state=0
        ),
        GaussianMixtureRegressor(
            _tiny_sgld_regressor(), n_components=2, n_samples=8, max_iter=20, random_state=0
        ),
        APDRegressor(
            _tiny_sgld_regressor(),
            max_iter=30,
            lr=1e-3,
            standardize=True,
            n_samples=8,
            device="cpu",
            random_state=0,
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
