"""Independent SGLD chains in separate processes or machines, merged into one posterior.

[`SGLDClassifier`][sklearn_apd.SGLDClassifier] already runs ``n_chains`` chains in one
process as one vectorised computation. For more chains than one process can
hold, or to use several machines, `fit_parallel_chains()` fits clones of
an estimator with joblib (so ``joblib.parallel_config(backend="dask")`` sends
them to a Dask cluster, exactly as scikit-learn's own ``n_jobs`` does) and
`merge_chains()` pools their samples into one fitted estimator.

Examples
--------
>>> from sklearn_apd import SGLDClassifier
>>> from sklearn_apd.datasets import load_embedded_digits
>>> from sklearn_apd.parallel import fit_parallel_chains
>>> X, y = load_embedded_digits("train", return_X_y=True)
>>> sgld = SGLDClassifier(max_epochs=20, burn_in=100, thinning=20, verbose=0)
>>> merged = fit_parallel_chains(sgld, X, y, n_chains=3, n_jobs=1, random_state=0)
>>> merged.samples_.shape[0], sorted(set(merged.sample_chains_.tolist()))  # 3 x 8 samples
(24, [0, 1, 2])

On a Dask cluster (``pip install distributed``)::

    from dask.distributed import Client
    from joblib import parallel_config

    client = Client("tcp://scheduler:8786")
    with parallel_config(backend="dask"):
        merged = fit_parallel_chains(sgld, X, y, n_chains=32, random_state=0)
"""

from .posteriors import fit_parallel_chains, merge_chains

__all__ = ["fit_parallel_chains", "merge_chains"]
