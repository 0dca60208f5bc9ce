"""The ``sklearn-apd`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .experiments import BUDGETS, EXPERIMENTS, required_data


def _demo(args) -> int:
    from .datasets import load_embedded_digits
    from .experiments.demo import demo_footnote, demo_record, format_table, run_demo

    n_train, n_test = (len(load_embedded_digits(s, return_X_y=True)[1]) for s in ("train", "test"))
    print(
        "sklearn-apd demo: four posteriors of one MLP (64-100-10) on the embedded digits "
        f"({n_train:,} train / {n_test:,} test 8x8 images), device={args.device}; OOD "
        "inputs: Gaussian noise images",
        flush=True,
    )
    t0 = time.perf_counter()
    rows = run_demo(
        epochs=args.epochs,
        n_samples=args.n_samples,
        device=args.device,
        seed=args.seed,
        verbose=args.verbose,
        apd_iter=args.apd_iter,
    )
    wall = time.perf_counter() - t0
    print()
    print(format_table(rows))
    print("\n" + demo_footnote(args.n_samples, wall))
    if args.json:
        record = demo_record(rows, args, wall)
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


def _reproduce(args) -> int:
    from .experiments import iter_experiments

    names = list(EXPERIMENTS) if "all" in args.experiment else list(dict.fromkeys(args.experiment))
    if args.download and "mnist" in required_data(names):
        try:
            _fetch_mnist(args.data_home)
        except OSError as exc:  # no network, a proxy, a full disk: say so, run nothing
            print(
                f"sklearn-apd reproduce --download: fetching MNIST from OpenML failed ({exc}). "
                "Nothing was run; put the four MNIST files under --data-home yourself "
                "(see the installation page).",
                file=sys.stderr,
            )
            return 2
    try:  # data files and matplotlib are checked here, before anything runs
        records = iter_experiments(
            names,
            budget=args.budget,
            data_home=args.data_home,
            device=args.device,
            out=args.out,
            seed=args.seed,
            verbose=args.verbose,
            resume=args.resume,
        )
    except (FileNotFoundError, ImportError) as exc:
        print(f"sklearn-apd reproduce: {exc}", file=sys.stderr)
        return 2
    print(f"sklearn-apd reproduce {' '.join(names)} (budget {args.budget}, device {args.device})")
    for record in records:
        folder = Path(args.out) / record["experiment"]
        print((folder / "results.md").read_text())
        print(f"wrote {folder}/results.json, results.md ({record['wall_time_s']} s)\n")
    return 0


def _report(args) -> int:
    from .experiments import report_blocks, sync_blocks

    blocks = report_blocks(args.results)
    status = 0
    for doc in args.docs:
        path = Path(doc)
        text = path.read_text()
        new, changed, unknown = sync_blocks(text, blocks)
        for block_id in unknown:
            print(f"{doc}: block {block_id!r} has no results file in {args.results}.")
            status = 1
        if args.check:
            for block_id in changed:
                print(f"{doc}: block {block_id!r} differs from its results file.")
            status = status or int(bool(changed))
        elif changed:
            path.write_text(new)
            print(f"{doc}: rewrote {', '.join(changed)}.")
    if status == 0:
        print(f"report: {len(args.docs)} file(s) match {args.results}.")
    if args.plots and not args.check:
        from .experiments import report_plots

        for path in report_plots(args.results):
            print(f"wrote {path}")
    return status


def _fetch_mnist(data_home) -> None:
    """MNIST's four IDX files under ``data_home``, fetched once from OpenML if missing."""
    from .datasets import check_data, get_data_home, load_mnist

    try:
        check_data(["mnist"], data_home=data_home)
    except FileNotFoundError:
        print(f"fetching MNIST from OpenML into {get_data_home(data_home) / 'mnist'} ...")
        load_mnist("test", data_home=data_home, download=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="sklearn-apd",
        description="Bayesian neural networks and Adversarial Posterior Distillation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="SGLD, APD, MC dropout and a Gaussian mixture side by side on the embedded digits",
    )
    demo.add_argument(
        "--epochs", type=int, default=150, help="SGLD and MC dropout epochs (default 150)"
    )
    demo.add_argument(
        "--apd-iter", type=int, default=None, help="APD generator updates (default 4 x epochs)"
    )
    demo.add_argument("--n-samples", type=int, default=200, help="draws at prediction")
    demo.add_argument("--device", default="auto", help="auto, cpu or cuda")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("-v", "--verbose", type=int, default=1, help="0 silences progress")
    demo.add_argument(
        "--json",
        default=None,
        metavar="PATH",
        help="also write the table, settings, machine and time as JSON (the README's table is "
        "rendered from docs/reproduction/demo.json by `sklearn-apd report`)",
    )
    rep = sub.add_parser(
        "reproduce",
        help="run the paper's experiments; each writes results.json, results.md and PNGs",
    )
    rep.add_argument(
        "experiment",
        nargs="+",
        choices=[*EXPERIMENTS, "all"],
        help="one or more experiments, or all; experiments named in one call share their "
        "network fits (SGLD is sampled once for sample-size, mixture, gan-variants and "
        "adversarial)",
    )
    rep.add_argument(
        "--budget",
        choices=tuple(BUDGETS),
        default="quick",
        help="quick: 10,000 training images, minutes on a CPU; large: the paper's data, "
        "SGD and SGLD settings, APD distilled in the samples' top 50 principal components "
        "(10,000 updates; anomaly: about 21 minutes on a 2-core CPU); paper: the reference "
        "settings (APD's 100,000 updates on the weights: days on a CPU)",
    )
    rep.add_argument(
        "--data-home", default=None, help="folder with the IDX files (default $SKLEARN_APD_DATA)"
    )
    rep.add_argument(
        "--download",
        action="store_true",
        help="fetch MNIST from OpenML first if its files are missing (about 15 MB; the OOD "
        "sets cannot be fetched, see the installation page)",
    )
    rep.add_argument("--device", default="auto", help="auto, cpu or cuda")
    rep.add_argument("--out", default="apd_results", help="output folder")
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument(
        "--resume",
        action="store_true",
        help="read back the parts an interrupted run with the same budget, seed and device "
        "left in OUT/EXPERIMENT/parts/ (e.g. finished active-learning curves) instead of "
        "recomputing them, and continue a curve stopped part-way from its last round",
    )
    rep.add_argument("-v", "--verbose", type=int, default=1, help="0 silences progress")
    report = sub.add_parser(
        "report",
        help="rewrite the report's marked tables (<!-- report:ID -->) from the results files",
    )
    report.add_argument(
        "docs",
        nargs="*",
        default=["docs/reproduction.md", "README.md"],
        help="Markdown files to update (default: docs/reproduction.md and README.md)",
    )
    report.add_argument(
        "--results", default="docs/reproduction", help="folder of the results JSON files"
    )
    report.add_argument(
        "--plots",
        action="store_true",
        help="also draw the plots over seeds (Figure 4's seed bands: "
        "RESULTS/active_learning_BUDGET_seeds.png); needs matplotlib",
    )
    report.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a marked table differs from its file",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "reproduce":
        return _reproduce(args)
    if args.command == "report":
        return _report(args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
