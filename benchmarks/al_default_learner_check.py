"""One seed of tests/test_active_learning.py::test_default_learner_beats_random_on_mnist.

``ActiveLearner(n_rounds=15, pool_subsample=2000, random_state=SEED, query=QUERY)`` with no
estimator on MNIST, as the slow test runs it (QUERY auto or random); prints the curve and its
mean over rounds 7-15. Results: results/al_default_learner_check.txt.

    OMP_NUM_THREADS=1 SKLEARN_APD_DATA=../shared/data \
        python benchmarks/al_default_learner_check.py SEED QUERY
"""

import os
import sys
import time

from sklearn_apd import ActiveLearner
from sklearn_apd.datasets import load_mnist
from sklearn_apd.experiments import INPUT_RANGE

seed, query = int(sys.argv[1]), sys.argv[2]
kw = dict(
    data_home=os.environ.get("SKLEARN_APD_DATA", "../shared/data"),
    input_range=INPUT_RANGE,
    return_X_y=True,
)
X, y = load_mnist("train", **kw)
Xt, yt = load_mnist("test", **kw)
t0 = time.perf_counter()
L = ActiveLearner(n_rounds=15, pool_subsample=2000, random_state=seed, query=query)
L.fit(X, y, eval_set=(Xt[:1000], yt[:1000]))
acc = 100 * L.learning_curve_["score"]
print(
    query,
    L.query_,
    seed,
    f"{time.perf_counter() - t0:.0f}s",
    f"late {acc[7:].mean():.2f}",
    " ".join(f"{a:.1f}" for a in acc),
    flush=True,
)
