"""The example scripts run (slow: each fits models end to end)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow
def test_mixture_components_example(tmp_path):
    out = tmp_path / "fig.png"
    res = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "plot_mixture_components.py"),
            "--components",
            "1",
            "3",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr
    assert "K=  3: AUROC BALD" in res.stdout and "SGLD samples: AUROC" in res.stdout
    assert out.stat().st_size > 10_000


@pytest.mark.slow
def test_active_learning_example(tmp_path):
    out = tmp_path / "fig.png"
    cmd = [sys.executable, str(EXAMPLES / "plot_active_learning.py"), "--rounds", "2"]
    cmd += ["--seeds", "1", "--apd-iter", "20", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    for name in ("SGLD", "APD", "MC dropout", "SGD", "SGLD, random"):
        assert f"{name}: accuracy" in res.stdout
    assert "at 40; mean over the curve" in res.stdout
    assert out.stat().st_size > 10_000
