"""``sklearn-apd reproduce``: every experiment writes results.json, results.md and plots."""

import json
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_apd._cli import main
from sklearn_apd.experiments import EXPERIMENTS, iter_experiments, paper_results, run_experiment

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (SHARED / "mnist").exists(), reason="the real MNIST / OOD files are not in ../shared/data"
)


def tiny_budget(monkeypatch, budget="quick", base="quick", **fields):
    """For this test, ``budget`` means ``base``'s settings with ``fields`` changed."""
    import dataclasses

    from sklearn_apd import experiments

    tiny = dataclasses.replace(experiments.BUDGETS[base], **fields)
    monkeypatch.setitem(experiments.BUDGETS, budget, tiny)
    return experiments


def test_toy2d_quick_writes_its_results(tmp_path, capsys):
    assert main(["reproduce", "toy2d", "--out", str(tmp_path), "-v", "0"]) == 0
    folder = tmp_path / "toy2d"
    record = json.loads((folder / "results.json").read_text())
    assert record["experiment"] == "toy2d" and record["budget"] == "quick"
    assert record["device"] == "cpu" and record["wall_time_s"] > 0
    # CPU model, usable cores and torch's SIMD level, for the record.
    assert re.fullmatch(r".+, \d+ cores(, \w+)?", record["machine"]), record["machine"]
    res = record["results"]
    assert set(res) == {"SGD", "SGLD", "APD"}
    # Figure 2: the posteriors are more uncertain far from the data than SGD is.
    for name in ("SGLD", "APD"):
        assert res[name]["mean_entropy_far"] > 2 * res["SGD"]["mean_entropy_far"]
        assert res[name]["mean_entropy_far"] > res[name]["mean_entropy_near"]
    assert (folder / "toy2d_entropy.png").stat().st_size > 10_000
    md = (folder / "results.md").read_text()
    assert "| SGLD |" in md and "wall time" in md
    assert "| SGLD |" in capsys.readouterr().out


def test_bad_experiment_and_budget():
    with pytest.raises(SystemExit):
        main(["reproduce", "table9"])
    with pytest.raises(ValueError, match="experiment='table9'"):
        run_experiment("table9")
    with pytest.raises(ValueError, match="budget='huge'"):
        run_experiment("toy2d", budget="huge")
    # Checked at the call, before anything runs, for several experiments too.
    with pytest.raises(ValueError, match="experiment='table9'"):
        iter_experiments(["toy2d", "table9"])


def test_paper_numbers_ship_with_the_package():
    paper = paper_results()
    assert paper["table1_accuracy"]["fcNN1"]["SGLD"] == pytest.approx(0.979)
    assert set(EXPERIMENTS) >= {"anomaly", "adversarial", "active-learning"}


def test_missing_data_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images"):
        run_experiment("classification", data_home=tmp_path / "empty", out=tmp_path)


def test_missing_data_or_matplotlib_stops_before_any_work(tmp_path, monkeypatch, capsys):
    """A run that would fail at its plot or its OOD sets fails at the call instead."""
    import sys

    from sklearn_apd.datasets import check_data, load_mnist
    from sklearn_apd.datasets._files import write_idx

    home = tmp_path / "data"
    out = tmp_path / "out"
    # MNIST present (tiny files), the OOD sets absent: anomaly stops before fitting
    # and names every missing set and file, toy2d (no data) is not held back.
    import numpy as np

    for name in ("train", "t10k"):
        write_idx(home / "mnist" / f"{name}-images-idx3-ubyte.gz", np.zeros((3, 28, 28), np.uint8))
        write_idx(home / "mnist" / f"{name}-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    assert len(check_data(["mnist"], data_home=home)["mnist"]) == 4
    assert load_mnist("test", data_home=home).data.shape == (3, 784)
    with pytest.raises(FileNotFoundError) as err:
        iter_experiments(["toy2d", "anomaly"], data_home=home, out=out)
    for missing in ("notmnist/t10k-images", "omniglot/images", "cifar10bw/t10k-labels"):
        assert missing in str(err.value)
    assert "mnist/train" not in str(err.value) and "SKLEARN_APD_DATA" in str(err.value)
    assert not out.exists()  # nothing ran, nothing written
    with pytest.raises(ValueError, match="'svhn'"):
        check_data(["svhn"])
    # The command line says it in one line, exit status 2, no traceback.
    argv = ["reproduce", "anomaly", "--data-home", str(home), "--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Missing data" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""
    # Without matplotlib the plotting experiments stop at the call too.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"toy2d writes PNG plots.*sklearn-apd\[plot\]"):
        iter_experiments(["toy2d"], out=out)
    iter_experiments(["classification"], data_home=home, out=out)  # no plot: not needed
    assert main(["reproduce", "toy2d", "--out", str(out)]) == 2
    assert "pip install 'sklearn-apd[plot]'" in capsys.readouterr().err
    assert not out.exists()


def test_download_flag_fetches_missing_mnist_before_the_checks(tmp_path, monkeypatch, capsys):
    """``reproduce --download`` fetches MNIST when its files are missing, and only then."""
    import numpy as np

    from sklearn_apd.datasets import write_idx

    fetched = []

    def fake_load_mnist(split, data_home, download):  # what --download calls
        fetched.append((split, data_home, download))
        for name in ("train", "t10k"):
            images = np.zeros((3, 28, 28), np.uint8)
            write_idx(Path(data_home) / "mnist" / f"{name}-images-idx3-ubyte.gz", images)
            write_idx(Path(data_home) / "mnist" / f"{name}-labels-idx1-ubyte.gz", images[:, 0, 0])

    monkeypatch.setattr("sklearn_apd.datasets.load_mnist", fake_load_mnist)
    home, out = tmp_path / "data", tmp_path / "out"
    # anomaly needs the OOD sets too, which cannot be fetched: MNIST arrives,
    # the preflight then names the OOD files, nothing runs.
    argv = ["reproduce", "anomaly", "--download", "--data-home", str(home), "--out", str(out)]
    assert main(argv) == 2
    assert fetched == [("test", str(home), True)]
    captured = capsys.readouterr()
    assert "fetching MNIST from OpenML" in captured.out
    assert "notmnist/" in captured.err and "mnist/train" not in captured.err
    assert not out.exists()
    main(argv)  # the files are there now: no second fetch
    assert len(fetched) == 1
    capsys.readouterr()
    # A failed fetch (no network) is one line on stderr, exit status 2.

    def offline(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("sklearn_apd.datasets.load_mnist", offline)
    argv[4] = str(tmp_path / "empty")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--download: fetching MNIST from OpenML failed" in err and "Traceback" not in err


@pytest.mark.slow
@needs_data
@pytest.mark.parametrize("experiment", ["sample-size", "adversarial"])  # fcNN1: ~4 min each
def test_mnist_experiments_quick(tmp_path, experiment):
    record = run_experiment(experiment, data_home=SHARED, out=tmp_path)
    assert (tmp_path / experiment / "results.md").read_text().count("|") > 20
    assert record["results"]


def test_active_learning_settings_build_each_budgets_network():
    """Figure 4's fit settings: the budget's network, and SGLD keeps ``al_samples`` states."""
    import dataclasses

    from sklearn_apd import SGLDClassifier, nets
    from sklearn_apd.experiments import (
        BUDGETS,
        active_learning_fit_params,
        active_learning_sgd_params,
        active_learning_sgld_params,
    )

    for b in BUDGETS.values():
        params = active_learning_sgld_params(b)
        assert params["module"] is getattr(nets, b.al_network)
        assert params["max_iter"] == b.al_iter and params["temperature"] == b.al_temperature
        assert params["method"] == b.al_method
        if b.al_method == "sghmc":  # SGHMC's friction is one minus SGD's momentum
            assert params["optimizer__friction"] == pytest.approx(1 - b.al_momentum)
        sgd = active_learning_sgd_params(b)
        assert sgd["momentum"] == b.al_momentum and sgd["lr"] == b.al_lr / 2
        est = SGLDClassifier(**params)
        kept = range(est.burn_in + est.thinning, b.al_iter + 1, est.thinning)
        assert len(kept) >= b.al_samples == est.n_samples
    fc = active_learning_fit_params(dataclasses.replace(b, al_network="fcNN2"))
    assert fc["module"] is nets.MLP and fc["module__hidden_units"] == "fcNN2"


def test_active_learning_sgd_is_the_samplers_update_without_noise():
    """Figure 4's SGD (torch SGD, half lr, momentum) steps as SGHMC at temperature 0."""
    import torch

    from sklearn_apd.experiments import BUDGETS, active_learning_sgd_params
    from sklearn_apd.sampling import sghmc_update_

    b = BUDGETS["large"]
    sgd = active_learning_sgd_params(b)
    gen = torch.Generator().manual_seed(0)
    w_sgd = torch.randn(5, generator=gen)
    w_hmc, v = w_sgd.clone(), torch.zeros(5)
    w_sgd.requires_grad_(True)
    opt = torch.optim.SGD(
        [w_sgd], lr=sgd["lr"], momentum=sgd["momentum"], weight_decay=sgd["weight_decay"]
    )
    for _ in range(4):
        g = torch.randn(5, generator=gen)
        w_sgd.grad = g.clone()
        opt.step()
        sghmc_update_(
            [w_hmc], [g], [v], lr=b.al_lr, weight_decay=b.al_weight_decay,
            friction=1 - b.al_momentum, noise_std=0.0,
        )  # fmt: skip
    torch.testing.assert_close(w_sgd.detach(), w_hmc, rtol=1e-5, atol=1e-6)


@needs_data
def test_active_learning_runs_every_curve(tmp_path, monkeypatch):
    """Figure 4's runner on a tiny budget: from 20 labels, every method learns."""
    tiny_budget(
        monkeypatch, n_train=1000, n_test=300, n_samples=10, apd_iter=3, apd_subspace=2,
        apd_subspace_iter=3, al_rounds=2, al_pool=200, al_apd_iter=3, al_iter=300, al_samples=5,
    )  # fmt: skip
    record = run_experiment("active-learning", data_home=SHARED, out=tmp_path)
    res = record["results"]
    curves = {"SGLD", "APD", "MC-Drop", "SGD", "SGLD, random", "APD, SGLD accuracy"}
    assert set(res) == curves
    for r in res.values():
        assert r["n_labels"] == [20, 30, 40]
        # 20 MNIST labels already put an MLP at twice chance (10%) or more.
        assert min(r["accuracy"]) > 0.2, r
        assert r["fit_time_s"] > 0 and r["query_time_s"] >= 0
        # the labelled pool rows in acquisition order: 20 initial, 10 a round
        assert len(r["labeled_indices"]) == 40 == len(set(r["labeled_indices"]))
    # The same initial set for every curve (the learner's seed); random
    # acquisition then labels other rows than entropy.
    initial = {tuple(r["labeled_indices"][:20]) for r in res.values()}
    assert len(initial) == 1
    assert res["SGLD"]["labeled_indices"] != res["SGLD, random"]["labeled_indices"]
    # The paper's APD curve: SGLD refitted on APD's labelled sets, acquiring nothing.
    replayed = res["APD, SGLD accuracy"]
    assert replayed["labeled_indices"] == res["APD"]["labeled_indices"]
    assert replayed["query_time_s"] == 0.0
    # Replayed on SGLD's own labelled sets it gives SGLD's curve (fits are seeded).
    from sklearn_apd import SGLDClassifier
    from sklearn_apd.datasets import load_mnist
    from sklearn_apd.experiments import INPUT_RANGE, active_learning_sgld_params
    from sklearn_apd.experiments._active_learning import replay_curve
    from sklearn_apd.experiments.budgets import BUDGETS

    kw = dict(data_home=SHARED, input_range=INPUT_RANGE, return_X_y=True)
    X, y = load_mnist("train", **kw)
    Xt, yt = load_mnist("test", **kw)
    sgld = SGLDClassifier(
        **active_learning_sgld_params(BUDGETS["quick"]), device="cpu", random_state=0, verbose=0
    )
    again = replay_curve(
        sgld, X[:1000], y[:1000], res["SGLD"]["labeled_indices"], [20], (Xt[:300], yt[:300])
    )
    assert again["accuracy"] == res["SGLD"]["accuracy"][:1]
    folder = tmp_path / "active-learning"
    assert (folder / "active_learning.png").stat().st_size > 10_000
    assert "| APD |" in (folder / "results.md").read_text()
    # Each curve was saved as it ended; an interrupted run (here: the SGD curve
    # lost) resumes with only the missing curve recomputed.
    parts = sorted(p.name for p in (folder / "parts").iterdir())
    assert parts == [
        "curve_apd.json", "curve_apd_sgld_accuracy.json", "curve_mc_drop.json",
        "curve_sgd.json", "curve_sgld.json", "curve_sgld_random.json",
    ]  # fmt: skip
    (folder / "parts" / "curve_sgd.json").unlink()
    from sklearn_apd.experiments import _active_learning

    fitted = []

    class CountingLearner(_active_learning.ActiveLearner):
        def fit(self, X, y, **kw):
            fitted.append(type(self.estimator).__name__)
            return super().fit(X, y, **kw)

    # ... and a run stopped inside the SGD curve (after its first round)
    # continues that curve from its checkpoint, not from round 0.
    original_fit_estimator = _active_learning.ActiveLearner._fit_estimator
    fits = []

    def dies_in_round_one(self):
        fits.append(1)
        if len(fits) == 2:
            raise KeyboardInterrupt
        return original_fit_estimator(self)

    with monkeypatch.context() as m:
        m.setattr(_active_learning.ActiveLearner, "_fit_estimator", dies_in_round_one)
        with pytest.raises(KeyboardInterrupt):
            run_experiment("active-learning", data_home=SHARED, out=tmp_path, resume=True)
    assert len(list((folder / "parts").glob("curve_sgd.*.pkl"))) == 1
    fits.clear()

    def counting(self):
        fits.append(1)
        return original_fit_estimator(self)

    monkeypatch.setattr(_active_learning.ActiveLearner, "_fit_estimator", counting)
    monkeypatch.setattr(_active_learning, "ActiveLearner", CountingLearner)
    again = run_experiment("active-learning", data_home=SHARED, out=tmp_path, resume=True)
    assert fitted == ["DeterministicClassifier"] and len(fits) == 2  # rounds 1 and 2
    assert not list((folder / "parts").glob("*.pkl"))
    # APD runs last (the longest curve); the results keep Figure 4's order.
    assert again["resumed_parts"] == [
        "curve_sgld", "curve_mc_drop", "curve_sgd (part-way)", "curve_sgld_random", "curve_apd",
        "curve_apd_sgld_accuracy",
    ]  # fmt: skip
    assert list(again["results"]) == [
        "SGLD", "APD", "MC-Drop", "SGD", "SGLD, random", "APD, SGLD accuracy"
    ]  # fmt: skip
    for name in ("SGLD", "APD", "MC-Drop", "SGLD, random", "APD, SGLD accuracy"):
        assert again["results"][name] == res[name]
    assert again["results"]["SGD"]["accuracy"] == res["SGD"]["accuracy"]  # same seed, same run
    assert "Resumed: curve_sgld" in (folder / "results.md").read_text()


def test_the_tables_distil_in_the_subspace_and_figure_7_on_the_weights(tmp_path):
    """``ctx.apd``: the large budget's subspace recipe, the weights' with ``on_weights``."""
    from sklearn_apd import SGLDClassifier
    from sklearn_apd.experiments import ExperimentContext

    sgld = SGLDClassifier()
    ctx = ExperimentContext("anomaly", "large", None, "cpu", tmp_path, 0, 0)
    tables = ctx.apd(sgld)
    assert (tables.subspace, tables.latent_dim, tables.max_iter) == (50, 2, 10_000)
    assert tables.standardize and tables.lr == 1e-3
    weights = ctx.apd(sgld, on_weights=True)
    assert (weights.subspace, weights.latent_dim, weights.max_iter) == (None, 32, 800)
    assert weights.standardize and weights.lr == 1e-3
    paper = ExperimentContext("anomaly", "paper", None, "cpu", tmp_path, 0, 0).apd(sgld)
    assert (paper.subspace, paper.max_iter, paper.standardize) == (None, 100_000, False)


@needs_data
def test_omniglot_reference_scale_is_the_reference_codes_input(tmp_path):
    from sklearn_apd import datasets as D
    from sklearn_apd.experiments import ExperimentContext

    ctx = ExperimentContext("anomaly", "quick", SHARED, "cpu", tmp_path, 0, 0)
    ref = ctx.omniglot_reference_scale()
    spec = ctx.ood_sets()["OmniGlot"]
    assert ref.shape == spec.shape == (ctx.b.n_test, 784)
    # pixels 0-255 times 5, against MNIST's [-1, 1] times 5
    assert ref.min() >= 0 and ref.max() == 1275 and spec.min() == -5 and spec.max() == 5
    raw = D.load_omniglot(data_home=SHARED, input_range=(0.0, 255.0)).data[: ctx.b.n_test]
    np.testing.assert_allclose(ref, 5 * raw)


def test_parts_are_read_back_only_with_resume_and_the_same_settings(tmp_path):
    from sklearn_apd.experiments import ExperimentContext

    calls = []

    def compute():
        calls.append(1)
        return {"accuracy": np.float32(0.5), "curve": np.arange(3)}

    def ctx(seed=0, budget="quick", resume=True):
        return ExperimentContext("toy2d", budget, None, "cpu", tmp_path, seed, 0, resume=resume)

    first = ctx(resume=False).part("a", compute)
    assert first == {"accuracy": 0.5, "curve": [0, 1, 2]} and len(calls) == 1
    saved = json.loads((tmp_path / "toy2d" / "parts" / "a.json").read_text())
    assert saved["stamp"]["seed"] == 0 and saved["result"] == first
    assert ctx(resume=False).part("a", compute) == first and len(calls) == 2  # recomputed
    again = ctx()
    assert again.part("a", compute) == first and len(calls) == 2 and again.resumed == ["a"]
    for other in (ctx(seed=1), ctx(budget="large")):  # other settings: computed afresh
        other.part("a", compute)
        assert other.resumed == []
    assert len(calls) == 4
    # A part saved before a code change that alters parts (PARTS_REVISION; here the
    # balanced minibatches) is recomputed, not mixed in.
    path = tmp_path / "toy2d" / "parts" / "a.json"
    old = json.loads(path.read_text())
    del old["stamp"]["revision"]
    path.write_text(json.dumps(old))
    stale = ctx()
    stale.part("a", compute)
    assert stale.resumed == [] and len(calls) == 5
    # A checkpoint (a part's state part-way) is named by the stamp: other
    # settings never see it; a run without resume starts afresh.
    resumed = ctx()
    path = resumed.checkpoint("b")
    assert path.parent == tmp_path / "toy2d" / "parts" and not path.exists()
    path.write_bytes(b"state")
    assert ctx(seed=1).checkpoint("b") != path and ctx(budget="large").checkpoint("b") != path
    again = ctx()
    assert again.checkpoint("b") == path and again.resumed == ["b (part-way)"]
    assert ctx(resume=False).checkpoint("b") == path and not path.exists()


def test_records_and_parts_say_which_code_made_them(tmp_path):
    from sklearn_apd.experiments import ExperimentContext
    from sklearn_apd.experiments.machine import code_version

    code = code_version()
    assert set(code) == {"sklearn_apd", "commit", "dirty"}
    if code["commit"] is not None:  # run from a git checkout (as in CI)
        assert re.fullmatch(r"[0-9a-f]{40}", code["commit"]) and isinstance(code["dirty"], bool)
    ctx = ExperimentContext("toy2d", "quick", None, "cpu", tmp_path, 0, 0)
    ctx.part("a", lambda: {"x": 1})
    saved = json.loads((tmp_path / "toy2d" / "parts" / "a.json").read_text())
    assert saved["code"] == code and "code" not in saved["stamp"]
    # A resumed part carries its own run's code into the record.
    saved["code"] = {"sklearn_apd": "0.0", "commit": "f" * 40, "dirty": False}
    (tmp_path / "toy2d" / "parts" / "a.json").write_text(json.dumps(saved))
    again = ExperimentContext("toy2d", "quick", None, "cpu", tmp_path, 0, 0, resume=True)
    again.part("a", lambda: {"x": 2})
    record = again.write({"x": 1}, "table", time.perf_counter())
    assert record["code"] == code
    assert record["resumed_parts_code"] == {"a": saved["code"]}
    header = (tmp_path / "toy2d" / "results.md").read_text().splitlines()[2]
    if code["commit"] is not None:
        assert f"code {code['commit'][:7]}" in header


def test_the_code_version_is_read_once_when_the_package_loads(monkeypatch):
    # A run of hours records the code it loaded: a commit made while it runs
    # (git answering differently now) does not change what it writes.
    from sklearn_apd.experiments import machine

    before = machine.code_version()

    def other_git(*args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout="e" * 40 + "\n", stderr="")

    monkeypatch.setattr(machine.subprocess, "run", other_git)
    assert machine._read_code_version()["commit"] == "e" * 40  # git would now say this
    assert machine.code_version() == before


def test_cpu_description_tells_apart_cpus_sold_under_one_name(tmp_path):
    from sklearn_apd.experiments import cpu_description

    block = "processor\t: {i}\ncpu family\t: {fam}\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n\n"
    info = tmp_path / "cpuinfo"
    info.write_text(block.format(i=0, fam=26) + block.format(i=1, fam=99))
    desc = cpu_description(str(info))
    assert desc.startswith("AMD EPYC (family 26, model 2), ")  # the first processor's
    assert re.search(r", \d+ cores", desc)
    # Without /proc/cpuinfo (macOS, Windows) it still names the machine.
    assert re.fullmatch(r".+, \d+ cores(, \w+)?", cpu_description(str(tmp_path / "none")))


@needs_data
def test_anomaly_reports_accuracy_auroc_and_the_distillation_trace(tmp_path, monkeypatch):
    """Table 2's runner on a tiny budget: every method, set and kind is reported."""
    tiny_budget(
        monkeypatch, "large", n_train=600, n_test=100, sgld_epochs=4, burn_in=8,
        thinning=2, sgd_epochs=8, n_samples=8, apd_iter=2, apd_subspace=2, apd_subspace_iter=2,
    )  # fmt: skip
    record = run_experiment("anomaly", budget="large", data_home=SHARED, out=tmp_path)
    assert record["budget"] == "large" and record["settings"]["apd_iter"] == 2
    res = record["results"]
    methods = {"SGD", "MC-Drop", "SGLD", "APD"}
    assert set(res["accuracy"]) == methods == set(res["ood"])
    # 600 training images and a few epochs already beat chance (10%).
    assert min(res["accuracy"].values()) > 0.3, res["accuracy"]
    for rows in res["ood"].values():
        assert len(rows) == 4 * 5  # four kinds, five OOD sets
        assert all(0 <= r["AUROC"] <= 1 for r in rows)
    assert res["apd_distillation"]["iteration"] == [1, 2]
    # Omniglot at the reference code's scale too, for every method and kind.
    ref = res["ood_omniglot_reference_scale"]
    assert set(ref) == methods
    for name, rows in ref.items():
        assert [r["ood_set"] for r in rows] == ["OmniGlot"] * 4
        spec = {r["kind"]: r["AUROC"] for r in res["ood"][name] if r["ood_set"] == "OmniGlot"}
        assert {r["kind"] for r in rows} == set(spec)
    md = (tmp_path / "anomaly" / "results.md").read_text()
    sgld_vr = next(r for r in ref["SGLD"] if r["kind"] == "variation_ratio")["AUROC"]
    sgld_vr_spec = next(
        r["AUROC"]
        for r in res["ood"]["SGLD"]
        if r["kind"] == "variation_ratio" and r["ood_set"] == "OmniGlot"
    )
    assert f"| SGLD | {100 * sgld_vr_spec:.1f} / {100 * sgld_vr:.1f} [99.0] |" in md
    # SGLD's and APD's mean uncertainty beside each other (the spread of their draws)
    apd_vr = next(
        r
        for r in res["ood"]["APD"]
        if r["kind"] == "variation_ratio" and r["ood_set"] == "Uniform"
    )
    assert f"| {apd_vr['mean-in']:.4f} | " in md and f"| {apd_vr['mean-out']:.4f} |" in md
    assert "| VR | Uniform |" in md
    assert "| APD | " in md and "| bald | Uniform | SGLD |" in md
    assert "[98.1]" in md  # the paper's fcNN2 accuracies sit beside ours
    # The paper's AUPR+ (notMNIST, VR, SGLD: 97.8) is the reference code's
    # OOD-positive AUPR: it sits beside our AUPR-out, its AUPR- (98.3) beside AUPR-in.
    assert re.search(
        r"\| variation_ratio \| notMNIST \| SGLD \| [\d.]+ \[98\.1\] \| [\d.]+ \[98\.3\] "
        r"\| [\d.]+ \[97\.8\] \|",
        md,
    )


@needs_data
def test_experiments_of_one_call_share_their_fits(tmp_path, monkeypatch):
    """sample-size then gan-variants fit SGLD once; same numbers as separate calls."""
    experiments = tiny_budget(
        monkeypatch, n_train=500, n_test=100, sgld_epochs=3, burn_in=5,
        thinning=2, n_samples=5, apd_iter=2, apd_subspace=2, apd_subspace_iter=2,
    )  # fmt: skip
    built = []
    for factory in ("sgld", "apd"):
        original = getattr(experiments.ExperimentContext, factory)

        def counting(self, *args, _original=original, _name=factory, **kw):
            built.append((_name, kw.get("gan", "wgan-gp")))
            return _original(self, *args, **kw)

        monkeypatch.setattr(experiments.ExperimentContext, factory, counting)
    names = ["sample-size", "gan-variants"]
    together = list(experiments.iter_experiments(names, data_home=SHARED, out=tmp_path / "a"))
    # One SGLD; sample-size's APD, and gan-variants' own per objective (trained
    # in checkpoints for its curves).
    assert sorted(built) == [
        ("apd", "gan"),
        ("apd", "wgan"),
        ("apd", "wgan-gp"),
        ("apd", "wgan-gp"),
        ("sgld", "wgan-gp"),
    ]
    assert together[0]["reused_fits"] == []
    assert together[1]["reused_fits"] == ["SGLD fcNN1"]
    first = together[0]["results"]
    assert set(first) >= {"SGLD", "APD", "MC-Drop"}  # Figure 3 has its MC dropout curve
    assert len(first["MC-Drop"]["entropy"]) == len(first["n_samples"])
    curves = together[1]["results"]
    for gan in ("wgan-gp", "wgan", "gan"):  # Figure 7: a curve per objective over training
        assert curves[gan]["curve"]["iteration"] == [1, 2]  # apd_iter=2: checkpoints 1, 2
        assert (
            curves[gan]["auroc_variation_ratio"]
            == curves[gan]["curve"]["auroc_variation_ratio"][-1]
        )
    assert curves["wgan"]["gan_params"]["optimizer"] == "rmsprop"
    assert (tmp_path / "a" / "gan-variants" / "gan_variants.png").exists()
    md = (tmp_path / "a" / "gan-variants" / "results.md").read_text()
    assert "Reuses the fits of an earlier experiment" in md and "SGLD fcNN1" in md
    # A separate call refits and gets the same numbers.
    alone = run_experiment("gan-variants", data_home=SHARED, out=tmp_path / "b")
    assert alone["reused_fits"] == []

    def numbers(record):
        return {
            k: {m: v for m, v in r.items() if m != "fit_time_s"}
            for k, r in record["results"].items()
        }

    assert numbers(alone) == numbers(together[1])


@needs_data
def test_mixture_reports_entropy_and_bald_against_storage(tmp_path, monkeypatch):
    """Figure 5's runner on a tiny budget: both measures, fractions of SGLD, storage."""
    tiny_budget(
        monkeypatch, n_train=500, n_test=100, sgld_epochs=3, burn_in=5,
        thinning=2, n_samples=5, apd_iter=2, apd_subspace=2, apd_subspace_iter=2,
        mixture_components=(1, 2, 500),
    )  # fmt: skip
    res = run_experiment("mixture", data_home=SHARED, out=tmp_path)["results"]
    assert list(res) == ["SGLD", "APD", "MoG-1", "MoG-2"]  # 500 > the 6 stored samples
    for r in res.values():
        assert 0 <= r["auroc_entropy"] <= 1 and 0 <= r["auroc_bald"] <= 1
    assert res["MoG-2"]["storage"] == 2 * res["MoG-1"]["storage"]  # weight, means, scales
    md = (tmp_path / "mixture" / "results.md").read_text()
    assert "| posterior | AUROC entropy | fraction of SGLD | AUROC BALD |" in md
    assert "| SGLD | " in md


def test_cli_takes_several_experiments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "toy2d", "table9"])
    assert main(["reproduce", "toy2d", "toy2d", "--out", str(tmp_path), "-v", "0"]) == 0
    assert capsys.readouterr().out.count("wrote ") == 1  # named twice, run once


@needs_data
def test_adversarial_crafts_from_n_adv_validation_images(tmp_path, monkeypatch):
    """Table 3's runner: n_adv validation images even when n_test is smaller."""
    tiny_budget(
        monkeypatch, n_train=500, n_test=50, sgld_epochs=3, burn_in=5,
        thinning=2, sgd_epochs=3, n_samples=5, apd_iter=2, apd_subspace=2, apd_subspace_iter=2,
        n_adv=120, adv_samples=10,
    )  # fmt: skip
    record = run_experiment("adversarial", data_home=SHARED, out=tmp_path)
    res = record["results"]
    assert res["n_images"] == 120
    assert set(res["auroc"]) == {"fgsm", "pgd"}
    for attack, rates in res["success_rate"].items():
        assert set(rates) == {"MC-Drop", "SGLD", "APD"}
        assert all(0 <= r <= 1 for r in rates.values()), (attack, rates)
    assert "from 120 validation images" in (tmp_path / "adversarial" / "results.md").read_text()
