"""scikit-learn's common estimator checks, run with a tiny training budget."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_apd import SGLDClassifier


def _tiny_sgld():
    # No routed ``module__*`` parameter here: check_no_attributes_set_in_init
    # treats routed parameters as attributes set in __init__; routing is
    # covered by tests/test_sgld_classifier.py.
    # Small data sets of the checks have ~30-150 rows: 1-2 minibatches an epoch.
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


@parametrize_with_checks([_tiny_sgld()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
