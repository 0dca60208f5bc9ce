"""OOD and calibration metrics on hand-computed cases, and the scorers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_apd import SGLDClassifier
from sklearn_apd import metrics as M


# ------------------------------------------------------------ OOD metrics
def test_auroc_by_hand_with_ties():
    # pairs (in, out) with out > in count 1, ties 1/2:
    # in = [1, 2, 3], out = [2, 4]: out=2 beats 1, ties 2, loses to 3 -> 1.5; out=4 -> 3
    assert M.ood_auroc([1, 2, 3], [2, 4]) == pytest.approx(4.5 / 6)
    assert M.ood_auroc([0, 0], [1, 1]) == 1.0
    assert M.ood_auroc([5, 5], [5, 5]) == 0.5


def test_swapping_in_and_out_flips_auroc():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(0.7, size=60)
    b[:5] = a[:5]  # ties
    assert M.ood_auroc(b, a) == pytest.approx(1 - M.ood_auroc(a, b))


def test_aupr_by_hand():
    # out positives ranked by score: [0.9 out, 0.8 in, 0.7 out, 0.1 in]
    s_in, s_out = [0.8, 0.1], [0.9, 0.7]
    # AP-out = (1/1 + 2/3) / 2
    assert M.ood_aupr_out(s_in, s_out) == pytest.approx((1 + 2 / 3) / 2)
    # AP-in ranks by -score: [0.1 in, 0.7 out, 0.8 in, 0.9 out] -> (1 + 2/3) / 2
    assert M.ood_aupr_in(s_in, s_out) == pytest.approx((1 + 2 / 3) / 2)


def test_metrics_agree_with_sklearn():
    rng = np.random.default_rng(1)
    s_in = np.round(rng.normal(size=300), 1)  # rounding makes many ties
    s_out = np.round(rng.normal(1.0, size=200), 1)
    y = np.r_[np.zeros(300), np.ones(200)]
    s = np.r_[s_in, s_out]
    assert M.ood_auroc(s_in, s_out) == pytest.approx(roc_auc_score(y, s))
    assert M.ood_aupr_out(s_in, s_out) == pytest.approx(average_precision_score(y, s))
    assert M.ood_aupr_in(s_in, s_out) == pytest.approx(average_precision_score(1 - y, -s))


def test_fpr_at_95_tpr_by_hand():
    s_in = np.arange(100) / 100.0  # 0.00 .. 0.99
    s_out = np.full(100, 0.5)
    s_out[:5] = -1.0  # 95 OOD at 0.5, 5 undetectable
    # detecting 95% of OOD needs threshold 0.5: in-distribution with score >= 0.5 = 50%
    assert M.fpr_at_95_tpr(s_in, s_out) == pytest.approx(0.5)
    assert M.fpr_at_95_tpr([0, 0, 0], [1, 1, 1]) == 0.0
    assert M.fpr_at_95_tpr([1, 1], [0, 0]) == 1.0


def test_fpr_at_95_tpr_keeps_the_threshold_where_tpr_reaches_95_with_tied_scores():
    """Discrete scores (variation ratio): the point where TPR first reaches 0.95 is collinear
    with its neighbours, which roc_curve's drop_intermediate would drop (giving 0.10)."""
    s_out = [10] * 18 + [5, 4]  # threshold 5 detects 19 of 20 OOD inputs: TPR 0.95
    s_in = [5, 4] + [0] * 18  # ... and flags 1 of 20 in-distribution inputs
    assert M.fpr_at_95_tpr(s_in, s_out) == pytest.approx(0.05)


@pytest.mark.parametrize(
    "s_in, s_out, match",
    [
        ([], [1.0], "scores_in is empty"),
        ([1.0], [], "scores_out is empty"),
        ([np.nan, 1.0], [1.0], "NaN"),
        ([[1.0, 2.0]], [1.0], "1-D"),
        (["a"], [1.0], "numbers"),
    ],
)
def test_bad_scores(s_in, s_out, match):
    for fn in (M.ood_auroc, M.ood_aupr_in, M.ood_aupr_out, M.fpr_at_95_tpr):
        with pytest.raises(ValueError, match=match):
            fn(s_in, s_out)


# ------------------------------------------------------------ calibration
def test_ece_by_hand():
    y = [0, 0, 1, 1]
    p = [[0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.3, 0.7]]
    # bins of width 0.5: conf 0.95, 0.95 (acc 1) -> |1 - 0.95| ; conf 0.6, 0.7 in (0.5, 1] too
    # all four in the top bin: acc 3/4, mean conf (0.95+0.95+0.6+0.7)/4 = 0.8
    assert M.expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.05)
    # 10 bins: {0.95, 0.95}: |1-0.95|*0.5 ; {0.6}: |0-0.6|*0.25 ; {0.7}: |1-0.7|*0.25
    assert M.expected_calibration_error(y, p, n_bins=10) == pytest.approx(0.025 + 0.15 + 0.075)
    perfect = M.expected_calibration_error([0, 1], [[1.0, 0.0], [0.0, 1.0]])
    assert perfect == 0.0


def test_nll_and_brier_agree_with_sklearn():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), size=40)
    y = rng.integers(0, 3, 40)
    y[:3] = [0, 1, 2]
    assert M.negative_log_likelihood(y, p) == pytest.approx(log_loss(y, p))
    onehot = np.eye(3)[y]
    assert M.brier_score(y, p) == pytest.approx(((p - onehot) ** 2).sum(1).mean())
    pb = rng.random(30)
    yb = rng.integers(0, 2, 30)
    # binary: our sum over both columns is twice sklearn's positive-class score
    assert M.brier_score(yb, np.c_[1 - pb, pb]) == pytest.approx(2 * brier_score_loss(yb, pb))


def test_labels_map_string_classes():
    p = [[0.2, 0.8], [0.9, 0.1]]
    assert M.negative_log_likelihood(["dog", "cat"], p, labels=["cat", "dog"]) == pytest.approx(
        -(np.log(0.8) + np.log(0.9)) / 2
    )
    with pytest.raises(ValueError, match="emu"):
        M.brier_score(["emu", "cat"], p, labels=["cat", "dog"])


@pytest.mark.parametrize(
    "y, p, match",
    [
        ([0, 1, 1], [[0.5, 0.5]] * 2, "one label per row"),
        ([0], [[np.nan, 1.0]], "NaN"),
        ([], np.zeros((0, 2)), "empty"),
        ([0, 2], [[0.5, 0.5]] * 2, "class indices"),
        ([0], [0.5, 0.5], "shape"),
    ],
)
def test_bad_calibration_input(y, p, match):
    with pytest.raises(ValueError, match=match):
        M.expected_calibration_error(y, p)


def test_reliability_diagram_draws():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3), size=100)
    ax = M.plot_reliability_diagram(rng.integers(0, 3, 100), p, n_bins=5)
    assert len(ax.patches) == 5 and ax.get_title().startswith("ECE = ")


# ------------------------------------------------------------ with estimators
def _sgld(**kw):
    params = dict(
        lr=0.5,
        max_epochs=15,
        batch_size=50,
        burn_in=10,
        thinning=2,
        n_samples=16,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return SGLDClassifier(**params)


def test_ood_report_table(blobs):
    X, y = blobs
    clf = _sgld().fit(X, y)
    far = np.random.default_rng(0).normal(scale=10, size=(100, 2))
    report = M.ood_report(clf, X, {"far": far, "copy": X.copy()}, kinds=["entropy", "bald"])
    assert len(report.rows) == 4
    # the same data set as "OOD" is indistinguishable
    assert report.get("copy", "bald") == pytest.approx(0.5)
    # each cell equals the metric applied to the estimator's own uncertainty
    for kind in ["entropy", "bald"]:
        s_in, s_out = clf.uncertainty(X, kind), clf.uncertainty(far, kind)
        assert report.get("far", kind) == pytest.approx(M.ood_auroc(s_in, s_out))
        assert report.get("far", kind, "FPR95") == pytest.approx(M.fpr_at_95_tpr(s_in, s_out))
        assert report.get("far", kind, "mean-in") == pytest.approx(s_in.mean())
        assert report.get("far", kind, "mean-out") == pytest.approx(s_out.mean())
        # far-away inputs are more uncertain on average (what the AUROC ranks)
        assert report.get("far", kind, "mean-out") > report.get("far", kind, "mean-in")
    md = report.to_markdown()
    assert md.splitlines()[0] == (
        "| ood_set | kind | AUROC | AUPR-in | AUPR-out | FPR95 | mean-in | mean-out |"
    )
    assert len(md.splitlines()) == 6
    assert list(report.to_frame().columns) == list(M.OODReport.columns)
    # any sklearn classifier: probabilities count as one draw, so BALD is 0 -> AUROC 0.5
    lr = LogisticRegression().fit(X, y)
    r = M.ood_report(lr, X, {"far": far}, kinds=["bald", "entropy"])
    assert r.get("far", "bald") == 0.5
    with pytest.raises(ValueError, match="kind='nope'"):
        M.ood_report(clf, X, {"far": far}, kinds=["nope"])


def test_grid_search_selects_by_ood_auroc(blobs):
    X, y = blobs
    far = np.random.default_rng(1).normal(scale=10, size=(100, 2))
    pipe = make_pipeline(StandardScaler(), _sgld(max_epochs=10))
    grid = GridSearchCV(
        pipe,
        {"sgldclassifier__weight_decay": [1e-3, 1.0]},
        scoring={
            "ood": M.make_ood_scorer(far, kind="bald"),
            "ece": M.make_calibration_scorer("ece", n_bins=10),
            "nll": M.make_calibration_scorer("nll"),
        },
        refit="ood",
        cv=2,
        error_score="raise",
    )
    grid.fit(X, y)
    res = grid.cv_results_
    assert np.all((res["mean_test_ood"] >= 0) & (res["mean_test_ood"] <= 1))
    assert np.all(res["mean_test_ece"] <= 0) and np.all(res["mean_test_nll"] < 0)
    assert grid.best_index_ == int(np.argmax(res["mean_test_ood"]))
    # the scorer transforms X_out through the pipeline's scaler like X
    best = grid.best_estimator_
    direct = M.ood_auroc(
        best[-1].uncertainty(best[0].transform(X), "bald"),
        best[-1].uncertainty(best[0].transform(far), "bald"),
    )
    assert M.make_ood_scorer(far, kind="bald")(best, X, y) == pytest.approx(direct)


def test_scorer_arguments_are_checked():
    with pytest.raises(ValueError, match="metric='AUC'"):
        M.make_ood_scorer(np.zeros((2, 2)), metric="AUC")
    with pytest.raises(ValueError, match="metric='mse'"):
        M.make_calibration_scorer("mse")
