"""Hashes of every estimator's outputs for fixed random_state: a refactor check.

Run before and after a change that must not change results and diff the two
outputs (they are bit-level hashes, so compare on one machine). Reference for
the 2-core Zen 5 CPU of 2026-12-02: results/fingerprint_zen5.txt.

Usage: python benchmarks/fingerprint.py > after.txt
"""

import hashlib
import warnings

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator

import sklearn_apd as A
from sklearn_apd.datasets import load_embedded_digits
from sklearn_apd.parallel import fit_parallel_chains

warnings.simplefilter("ignore")
torch.set_num_threads(1)
X, y = load_embedded_digits("train", return_X_y=True)
Xt, yt = load_embedded_digits("test", return_X_y=True)
out = {}


def h(a):
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    return hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


sg = A.SGLDClassifier(
    lr=0.5, max_epochs=15, burn_in=100, thinning=5, n_samples=30, random_state=0
).fit(X, y)
out["sgld_proba"] = h(sg.predict_proba(Xt))
out["sgld_samples"] = h(sg.samples_)
out["sgld_unc"] = h(sg.uncertainty(Xt, "bald"))
out["sgld_sp"] = h(sg.sample_parameters(4))
sg3 = A.SGLDClassifier(
    lr=0.5, max_epochs=5, burn_in=20, thinning=5, n_chains=3, n_samples=20, random_state=1
).fit(X, y)
out["chains_samples"] = h(sg3.samples_)
out["chains_proba"] = h(sg3.predict_proba(Xt))
sgw = (
    A.SGLDClassifier(lr=0.5, max_epochs=3, burn_in=20, thinning=5, warm_start=True, random_state=2)
    .fit(X, y)
    .fit(X, y)
)
out["sgld_warm"] = h(sgw.samples_)
apd = A.APDClassifier(
    FrozenEstimator(sg), max_iter=30, standardize=True, lr=1e-3, n_samples=30, random_state=0
).fit(X, y)
out["apd_proba"] = h(apd.predict_proba(Xt))
out["apd_hist"] = h(apd.distill_history_["critic_loss"])
for gan in ("wgan", "gan"):
    a2 = A.APDClassifier(
        FrozenEstimator(sg), gan=gan, max_iter=10, n_samples=10, random_state=0
    ).fit(X, y)
    out[f"apd_{gan}"] = h(a2.predict_proba(Xt))
aw = A.APDClassifier(
    FrozenEstimator(sg),
    max_iter=10,
    standardize=True,
    warm_start=True,
    n_samples=10,
    random_state=0,
).fit(X, y)
aw.set_params(
    sampler=A.SGLDClassifier(lr=0.5, max_epochs=10, burn_in=50, thinning=5, random_state=5)
).fit(X, y)
out["apd_warm"] = h(aw.predict_proba(Xt))
on = A.APDClassifier(
    A.SGLDClassifier(lr=0.5, burn_in=20, random_state=3),
    mode="online",
    max_iter=20,
    n_chains=3,
    sgld_steps=10,
    gan_steps=5,
    buffer_size=50,
    n_samples=10,
    random_state=0,
).fit(X, y)
out["apd_online"] = h(on.predict_proba(Xt))
out["apd_online_n"] = on.n_training_samples_
gm = A.GaussianMixturePosterior(
    FrozenEstimator(sg), n_components=2, n_samples=20, random_state=0
).fit(X, y)
out["gmm"] = h(gm.predict_proba(Xt))
d = A.DeterministicClassifier(max_epochs=5, lr=0.5, random_state=0).fit(X, y)
out["sgd"] = h(d.predict_proba(Xt))
mc = A.MCDropoutClassifier(max_epochs=5, lr=0.5, n_samples=20, random_state=0).fit(X, y)
out["mcd"] = h(mc.predict_proba_samples(Xt))
for q in ("entropy", "bald", "random", "batchbald"):
    al = A.ActiveLearner(
        A.SGLDClassifier(
            lr=0.5, max_epochs=60, burn_in=20, thinning=5, n_samples=10, random_state=0
        ),
        query=q,
        n_rounds=2,
        pool_subsample=300,
        random_state=0,
    ).fit(X, y, eval_set=(Xt, yt))
    out[f"al_{q}"] = h(al.labeled_indices_) + " " + h(al.learning_curve_["score"])
pc = fit_parallel_chains(
    A.SGLDClassifier(lr=0.5, max_epochs=3, burn_in=20, thinning=5),
    X,
    y,
    n_chains=2,
    n_jobs=1,
    random_state=0,
)
out["parallel"] = h(pc.samples_)
for k, v in out.items():
    print(k, v)
