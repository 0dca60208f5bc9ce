"""What an APD round of Figure 4 costs on nets.LeNet: one SGLD fit and the carried GAN's updates.

Sizes Figure 4's ``al_apd_iter`` (``reproduce active-learning``): the budget's
active-learning sampler (``budgets.active_learning_sgld_params``: LeNet,
206,922 weights, 20 states) on 120 random MNIST labels, then a warm-started
``APDClassifier`` (the paper's 3 x 100 generator and critic, standardized,
lr 1e-3) fitted for 10 updates and then 20 more (each fit refits SGLD, as
every active-learning round does), for GAN batches of 100 (the default) and 20.
Per update = (second fit - SGLD fit) / 20.

Usage: python benchmarks/al_apd_cost_lenet.py [--data-home DIR]
Output: results/al_apd_cost_lenet.txt
"""

import argparse
import os
import time

import numpy as np
import torch

from sklearn_apd import APDClassifier, SGLDClassifier
from sklearn_apd import datasets as D
from sklearn_apd.experiments import (
    BUDGETS,
    INPUT_RANGE,
    active_learning_sgld_params,
    cpu_description,
)

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--data-home", default=os.environ.get("SKLEARN_APD_DATA", "../shared/data"))
args = p.parse_args()
b = BUDGETS["large"]
X, y = D.load_mnist("train", data_home=args.data_home, input_range=INPUT_RANGE, return_X_y=True)
idx = np.random.default_rng(0).choice(len(y), 120, replace=False)
print(
    f"# {time.strftime('%Y-%m-%d')}  {cpu_description()}  torch {torch.__version__}"
    f"  threads {torch.get_num_threads()}"
)
sgld = SGLDClassifier(**active_learning_sgld_params(b), random_state=0, verbose=0)
t0 = time.perf_counter()
sgld.fit(X[idx], y[idx])
fit = time.perf_counter() - t0
print(f"SGLD fit ({b.al_method}, 120 labels): {fit:.1f} s, samples {tuple(sgld.samples_.shape)}")
for batch in (100, 20):
    apd = APDClassifier(
        sgld,
        max_iter=10,
        lr=b.apd_lr,
        standardize=True,
        n_samples=b.al_samples,
        batch_size=batch,
        warm_start=True,
        random_state=0,
        verbose=0,
    )
    t0 = time.perf_counter()
    apd.fit(X[idx], y[idx])
    t1 = time.perf_counter()
    apd.set_params(max_iter=20)
    apd.fit(X[idx], y[idx])
    t2 = time.perf_counter()
    print(
        f"GAN batch {batch}: first fit (SGLD + set-up + 10 updates) {t1 - t0:.1f} s; "
        f"SGLD + 20 more updates {t2 - t1:.1f} s; about {(t2 - t1 - fit) / 20:.2f} s an update"
    )
