"""Wall time of each example with its default arguments (for the README's "Next steps").

Runs every script in ``examples/`` (and the notebook through
``make_notebook.py --execute``) one after the other in a subprocess, output
into a temporary folder, and prints a Markdown table with the machine and
date. Nothing else should run on the machine meanwhile.

Usage: python benchmarks/example_times.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sklearn_apd.experiments import cpu_description

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
COMMANDS = {
    "plot_toy2d_uncertainty.py": ["--out", "{tmp}/toy2d.png"],
    "plot_active_learning.py": ["--out", "{tmp}/al.png"],
    "plot_mixture_components.py": ["--out", "{tmp}/mixture.png"],
    "grid_search_ood.py": [],
    "plot_regression_toy.py": ["--out", "{tmp}/regression.png"],
    "make_notebook.py": ["--execute", "--out", "{tmp}/nb.ipynb"],
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="*", choices=list(COMMANDS), default=list(COMMANDS))
    args = p.parse_args(argv)
    import torch

    print(
        f"# example_times  {time.strftime('%Y-%m-%d')}  {cpu_description()}  "
        f"torch {torch.__version__}\n"
    )
    print("| example | command-line arguments | wall time (s) | exit status |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            extra = [a.format(tmp=tmp) for a in COMMANDS[name]]
            t0 = time.perf_counter()
            res = subprocess.run(
                [sys.executable, str(EXAMPLES / name), *extra], capture_output=True, text=True
            )
            wall = time.perf_counter() - t0
            kept = [a for a in COMMANDS[name] if "{tmp}" not in a and a != "--out"]
            shown = " ".join(kept) or "(defaults)"
            print(f"| {name} | {shown} | {wall:.0f} | {res.returncode} |", flush=True)
            if res.returncode:
                print(res.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
