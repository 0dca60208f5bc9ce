import subprocess
import sys

from sklearn_apd._cli import main


def test_demo_runs_and_reports(capsys):
    assert main(["demo", "--epochs", "15", "--n-samples", "20", "-v", "0"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out
    for kind in ["entropy", "bald", "variation_ratio", "model_variance", "least_confidence"]:
        assert f"| {kind} |" in out
        assert f"| gaussian noise | {kind} |" in out
    acc = float(out.split("test accuracy: ")[1].split()[0])
    assert acc > 0.8


def test_python_dash_m_help():
    res = subprocess.run(
        [sys.executable, "-m", "sklearn_apd", "--help"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "demo" in res.stdout
