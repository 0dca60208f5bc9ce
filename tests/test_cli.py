import re
import subprocess
import sys

from sklearn_apd._cli import main


def test_demo_compares_the_four_posteriors(capsys):
    """The demo's table: SGLD, APD, MC dropout and the mixture, each fully reported."""
    args = ["demo", "--epochs", "15", "--apd-iter", "20", "--n-samples", "20", "-v", "0"]
    assert main(args) == 0
    out = capsys.readouterr().out
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and re.fullmatch(r"0\.\d+", cells[1]):
            rows[cells[0]] = cells
    assert list(rows) == ["SGLD", "APD", "MC dropout", "Gaussian mixture"]
    storage = {name: int(r[2].replace(",", "")) for name, r in rows.items()}
    # SGLD keeps K samples of the 7,510 weights; the others keep less.
    assert storage["SGLD"] % 7510 == 0 and storage["SGLD"] > 7510
    assert storage["MC dropout"] == 7510
    # The generator 32-100-100-18-7510, whatever the number of samples it distils
    # (so with 14 samples it is larger than they are; with the default 146, a seventh).
    assert storage["APD"] == (32 + 1) * 100 + 101 * 100 + 101 * 18 + 19 * 7510
    # Five diagonal components: weights, means and variances.
    assert storage["Gaussian mixture"] == 5 + 2 * 5 * 7510
    for name, r in rows.items():
        assert float(r[3]) == round(storage[name] / storage["SGLD"], 3)
        assert float(r[4]) >= 0  # fit time
        assert all(0 <= float(v) <= 1 for v in r[5:7])  # AUROC entropy, BALD
    # 15 epochs already classify the digits and tell them from noise.
    assert float(rows["SGLD"][1]) > 0.8 and float(rows["MC dropout"][1]) > 0.8
    assert float(rows["SGLD"][5]) > 0.7


def test_python_dash_m_help():
    res = subprocess.run(
        [sys.executable, "-m", "sklearn_apd", "--help"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "demo" in res.stdout
