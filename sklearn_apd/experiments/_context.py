"""What every experiment shares: settings, data, fits made once per call, result files."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator

from .. import datasets as D
from ..posteriors import (
    APDClassifier,
    DeterministicClassifier,
    MCDropoutClassifier,
    SGLDClassifier,
)
from .budgets import BUDGETS, INPUT_RANGE
from .machine import code_version, device_name, package_version, run_provenance

#: Raised whenever a change of the code alters what a saved part would hold
#: under the same version and settings, so ``--resume`` recomputes the older
#: parts instead of mixing them in. 2 (2026-12-04): minibatches of near-equal
#: size (``sampling.balanced_batches``) instead of a remainder batch.
PARTS_REVISION = 2


class ExperimentContext:
    """One experiment's settings, output folder and the fits it shares.

    ``shared`` is one dict for all experiments of one ``reproduce`` call:
    they load MNIST once and fit each network once (SGD, MC dropout, SGLD and
    APD per architecture and GAN objective), since every fit is fixed by the
    budget and the seed, and prediction re-seeds its draws on every call, so
    a shared fit gives the numbers a fresh one would.
    """

    def __init__(
        self, name, budget, data_home, device, out, seed, verbose, shared=None, resume=False
    ):
        self.name = name
        self.budget_name = budget
        self.b = BUDGETS[budget]
        self.data_home = data_home
        self.device = device
        self.out = Path(out) / name
        self.out.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self.verbose = verbose
        self.shared = {} if shared is None else shared
        self.made = set()  # fits this experiment made
        self.reused = set()  # fits taken from an earlier experiment of the call
        self.resume = resume
        self.resumed = []  # parts read back from an earlier, interrupted run
        self.resumed_code = {}  # their code_version(), where the part file has it

    # ----------------------------------------------------------------- parts
    def _stamp(self):
        """What a saved part must match to be reused: experiment, budget, seed, version and
        `PARTS_REVISION`."""
        version = package_version()
        return {
            "experiment": self.name,
            "budget": self.budget_name,
            "settings": json.loads(json.dumps(asdict(self.b))),
            "seed": self.seed,
            "device": device_name(self.device),
            "sklearn_apd": version,
            "revision": PARTS_REVISION,
        }

    def part(self, key, compute):
        """``compute()``'s JSON result, written to ``parts/KEY.json`` as soon as it is done.

        An interrupted experiment keeps the parts it finished (a curve of
        Figure 4, ...). With ``resume=True`` a part saved by an earlier run with
        the same experiment, budget, seed, device and package version is read
        back instead of recomputed, and listed in the record's ``resumed_parts``.
        """
        path = self.out / "parts" / f"{key}.json"
        stamp = self._stamp()
        if self.resume and path.exists():
            saved = json.loads(path.read_text())
            if saved.get("stamp") == stamp:
                if self.verbose:
                    print(f"  {key}: read back from {path}", flush=True)
                self.resumed.append(key)
                self.resumed_code[key] = saved.get("code")
                return saved["result"]
        result = json.loads(json.dumps(compute(), default=jsonable))
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # The code is beside the stamp, not in it: a change of code that does
        # not alter parts (PARTS_REVISION) may resume them, and says so.
        saved = {"stamp": stamp, "code": code_version(), "result": result}
        tmp.write_text(json.dumps(saved, indent=1))
        tmp.replace(path)  # a kill mid-write leaves no half file
        return result

    def checkpoint(self, key):
        """A file for part ``key``'s state part-way (``ActiveLearner.fit(checkpoint=...)``).

        Its name carries a digest of the parts' stamp, so a run of other
        settings or code never continues from it. Without ``resume`` any
        earlier file is removed and the part starts afresh; with it, a part
        continued from a file is listed in ``resumed_parts`` as ``"KEY
        (part-way)"``.
        """
        digest = hashlib.blake2b(
            json.dumps(self._stamp(), sort_keys=True).encode(), digest_size=6
        ).hexdigest()
        path = self.out / "parts" / f"{key}.{digest}.pkl"
        path.parent.mkdir(exist_ok=True)
        if not self.resume:
            path.unlink(missing_ok=True)
        elif path.exists():
            if self.verbose:
                print(f"  {key}: continued from {path}", flush=True)
            self.resumed.append(f"{key} (part-way)")
        return path

    # ------------------------------------------------------------------ data
    def mnist(self):
        """``(X, y, X_val, y_val, X_test, y_test)`` of MNIST at the budget's sizes, loaded once per
        call.
        """
        if "mnist" not in self.shared:
            kw = dict(data_home=self.data_home, input_range=INPUT_RANGE, return_X_y=True)
            X, y = D.load_mnist("train", **kw)
            Xv, yv = D.load_mnist("validation", **kw)
            Xt, yt = D.load_mnist("test", **kw)
            n, m, v = self.b.n_train, self.b.n_test, self.b.n_adv
            # Validation images are only for crafting adversarial examples.
            self.shared["mnist"] = (X[:n], y[:n], Xv[:v], yv[:v], Xt[:m], yt[:m])
        return self.shared["mnist"]

    def ood_sets(self):
        """The paper's five OOD sets (three image sets, two noise sets), scaled by 5, ``n_test``
        images each.
        """
        m = self.b.n_test
        kw = dict(data_home=self.data_home, input_range=INPUT_RANGE, scale=D.PAPER_OOD_SCALE)
        sets = {
            "notMNIST": D.load_notmnist(**kw).data[:m],
            "OmniGlot": D.load_omniglot(**kw).data[:m],
            "CIFAR10bw": D.load_cifar10bw(**kw).data[:m],
        }
        for kind, name in (("gaussian", "Gaussian"), ("uniform", "Uniform")):
            sets[name] = D.make_noise_images(
                kind, m, input_range=INPUT_RANGE, scale=D.PAPER_OOD_SCALE, random_state=self.seed
            )
        return sets

    def omniglot_reference_scale(self):
        """Omniglot as the paper's reference code fed it: pixels 0-255 (``1 - image``,
        resized), times 5, ``n_test`` images; `ood_sets` puts it through MNIST's
        preprocessing first, as the specification says."""
        return D.load_omniglot(
            data_home=self.data_home, input_range=(0.0, 255.0), scale=D.PAPER_OOD_SCALE
        ).data[: self.b.n_test]

    # ------------------------------------------------------------ estimators
    def common(self):
        """Keyword arguments every estimator of the experiment shares (device, seed, verbosity)."""
        return dict(device=self.device, random_state=self.seed, verbose=self.verbose)

    def sgld(self, hidden="fcNN1"):
        """An unfitted SGLDClassifier on the network ``hidden`` at the budget's settings."""
        b = self.b
        return SGLDClassifier(
            module__hidden_units=hidden,
            max_epochs=b.sgld_epochs,
            burn_in=b.burn_in,
            thinning=b.thinning,
            n_samples=b.n_samples,
            **self.common(),
        )

    def apd(self, sgld, on_weights=False, **kw):
        """An unfitted APDClassifier distilling the fitted ``sgld`` at the budget's settings.

        The budget's subspace recipe where it has one (``apd_subspace``), unless
        ``on_weights``: then the weights' recipe (``apd_iter`` updates).
        """
        b = self.b
        params = dict(
            max_iter=b.apd_iter,
            lr=b.apd_lr,
            standardize=b.apd_standardize,
            n_samples=b.n_samples,
            **self.common(),
        )
        if b.apd_subspace is not None and not on_weights:
            params.update(
                subspace=b.apd_subspace,
                latent_dim=b.apd_subspace_latent_dim,
                max_iter=b.apd_subspace_iter,
                subspace_residual=b.apd_subspace_residual,
            )
        params.update(kw)
        if params.get("gan", "wgan-gp") != "wgan-gp":
            # The budget's lr is WGAN-GP's; the other objectives train with
            # their own optimizer settings (APDClassifier's per-objective defaults).
            params["lr"] = None
        return APDClassifier(FrozenEstimator(sgld), **params)

    def baselines(self, hidden="fcNN1"):
        """Unfitted SGD and MC dropout networks ``hidden`` at the budget's settings, by name."""
        b = self.b
        net = dict(module__hidden_units=hidden, max_epochs=b.sgd_epochs, **self.common())
        return {
            "SGD": DeterministicClassifier(**net),
            "MC-Drop": MCDropoutClassifier(n_samples=b.n_samples, **net),
        }

    def fitted(self, name, hidden="fcNN1", gan="wgan-gp"):
        """``(estimator, fit time in s)`` of SGD, MC-Drop, SGLD or APD on the training set.

        Fitted once per ``reproduce`` call: a later experiment asking for the
        same network gets the first fit (listed in ``self.reused``).
        """
        key = f"{name} {hidden}" + (f" {gan}" if name == "APD" else "")
        if key in self.shared:
            if key not in self.made:
                self.reused.add(key)
            return self.shared[key]
        X, y, *_ = self.mnist()
        if name == "APD":
            est = self.apd(self.fitted("SGLD", hidden)[0], gan=gan)
        elif name == "SGLD":
            est = self.sgld(hidden)
        else:
            est = self.baselines(hidden)[name]
        t0 = time.perf_counter()
        est.fit(X, y)
        self.shared[key] = (est, time.perf_counter() - t0)
        self.made.add(key)
        return self.shared[key]

    def fit_all(self, hidden="fcNN1"):
        """{name: fitted estimator} for SGD, MC-Drop, SGLD, APD and their fit times."""
        fits = {name: self.fitted(name, hidden) for name in ("SGD", "MC-Drop", "SGLD", "APD")}
        return {k: v[0] for k, v in fits.items()}, {k: v[1] for k, v in fits.items()}

    # --------------------------------------------------------------- output
    def plt(self):
        """matplotlib's pyplot on the Agg backend, with the install command if it is missing."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - matplotlib is in the extras
            raise ImportError(
                "reproduce writes PNG plots and needs matplotlib: pip install 'sklearn-apd[plot]'"
            ) from exc
        return plt

    def write(self, results, markdown, t0):
        """Write ``results.json`` and ``results.md`` (settings, machine, wall time since ``t0``);
        return the record.
        """
        record = {
            "experiment": self.name,
            "budget": self.budget_name,
            "settings": asdict(self.b),
            **run_provenance(self.device),
            "seed": self.seed,
            "wall_time_s": round(time.perf_counter() - t0, 1),
            # Fits made by an earlier experiment of the same call: their fit
            # time is not in wall_time_s.
            "reused_fits": sorted(self.reused),
            # Parts computed by an earlier, interrupted run (--resume): their
            # time is not in wall_time_s either.
            "resumed_parts": list(self.resumed),
            # The code of each resumed part's run, which may predate this one's.
            "resumed_parts_code": dict(self.resumed_code),
            "results": results,
        }
        (self.out / "results.json").write_text(json.dumps(record, indent=2, default=jsonable))
        header = (
            f"# {self.name} ({self.budget_name} budget)\n\n"
            f"{record['date']}, {record['machine']}, device {record['device']}, "
            f"torch {record['torch']}, wall time {record['wall_time_s']} s, seed {self.seed}"
            f"{_code_line(record['code'])}.\n\n"
        )
        if record["reused_fits"]:
            header += (
                f"Reuses the fits of an earlier experiment in the same call (not in the wall "
                f"time): {', '.join(record['reused_fits'])}.\n\n"
            )
        if self.resumed:
            header += (
                f"Resumed: {', '.join(self.resumed)} read back from an earlier run of the same "
                "settings (parts/; not in the wall time).\n\n"
            )
        (self.out / "results.md").write_text(header + markdown + "\n")
        return record


def _code_line(code):
    """``", code 0d0fd1b"`` (``+ edits`` when the checkout differed from it), or ``""``."""
    if not code.get("commit"):
        return ""
    return f", code {code['commit'][:7]}" + (" + edits" if code.get("dirty") else "")


def jsonable(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)
