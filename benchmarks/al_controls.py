"""Active learning on MNIST: which acquisition beats random, for which posterior (issue #20).

Controlled comparisons with ``reproduce active-learning``'s protocol and
settings (the ``large`` budget: 50,000-image pool, 2,000 test images, 20
initial labels, 2 per class, 10 acquired per round from a random subset of
2,000 pool points, fcNN1 re-initialised and fitted for 3,000 full-batch
iterations every round; SGLD at temperature 1e-3 with weight decay 0.05, MC
dropout and SGD with lr 0.05, weight decay 1e-3), over ``--rounds`` rounds:

- **curves**: SGLD, MC dropout and SGD, each with entropy, BALD (not SGD:
  a point estimate's BALD is 0) and random acquisition, so that every
  acquisition is compared with random under the *same* estimator. MC dropout
  with BALD is the literature's control (Gal, Islam & Ghahramani, 2017): if
  it loses to random too, the protocol, not SGLD, is at fault;
- **spread**: how much each posterior disagrees with itself on 20 and 120
  random labels (mean BALD and entropy on the test images, test accuracy),
  for SGLD at temperatures 1e-3 ... 1 and MC dropout.

Results go to ``--out`` (JSON, one entry per seed and curve; a rerun skips
what is there, so an interrupted run resumes) and a Markdown summary is
printed: mean test accuracy over the curve per seed, the seeds' mean, and
the difference to random acquisition with the same estimator.

Usage: python benchmarks/al_controls.py --data-home ../shared/data [--rounds 20]
       [--seeds 0 1 2] [--out benchmarks/results/al_controls.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from al_apd_updates import FCNN1_AL_FIT, labelled_sets, mnist, sgld

from sklearn_apd import ActiveLearner, DeterministicClassifier, MCDropoutClassifier
from sklearn_apd.experiments import BUDGETS, cpu_description

CURVES = (
    ("SGLD", "entropy"),
    ("SGLD", "bald"),
    ("SGLD", "random"),
    ("MC-Drop", "entropy"),
    ("MC-Drop", "bald"),
    ("MC-Drop", "random"),
    ("SGD", "entropy"),
    ("SGD", "random"),
)


def estimator(name, b, seed, temperature=None):
    """The fcNN1 Figure 4 protocol's estimator of that name (``"SGLD T=0.01"``: another T)."""
    if name.startswith("SGLD T="):
        return sgld(b, seed).set_params(temperature=float(name.split("=", 1)[1]))
    if name == "SGLD":
        est = sgld(b, seed)
        return est if temperature is None else est.set_params(temperature=temperature)
    net = dict(FCNN1_AL_FIT, random_state=seed, verbose=0)
    if name == "MC-Drop":
        return MCDropoutClassifier(n_samples=b.n_samples, **net)
    return DeterministicClassifier(**net)


def run_curve(name, query, b, seed, rounds, X, y, Xt, yt):
    t0 = time.perf_counter()
    learner = ActiveLearner(
        estimator(name, b, seed), query=query, batch_size=10, n_rounds=rounds,
        pool_subsample=b.al_pool, random_state=seed,
    )  # fmt: skip
    learner.fit(X, y, eval_set=(Xt, yt))
    curve = learner.learning_curve_
    return {
        "n_labels": curve["n_labels"].tolist(),
        "accuracy": curve["score"].tolist(),
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }


def spread(b, seed, X, y, Xt, yt):
    """Accuracy, mean BALD and entropy on the test images after 20 and 120 random labels."""
    rows = []
    rng = np.random.default_rng(seed)
    first, more = labelled_sets(y, 120, rng)
    variants = [("SGLD", t) for t in (1e-3, 1e-2, 1e-1, 1.0)] + [("MC-Drop", None)]
    for idx in (first, more):
        for name, temperature in variants:
            est = estimator(name, b, seed, temperature).fit(X[idx], y[idx])
            rows.append(
                {
                    "labels": len(idx),
                    "posterior": name if temperature is None else f"{name} T={temperature:g}",
                    "accuracy": float(est.score(Xt, yt)),
                    "bald": float(est.uncertainty(Xt, "bald").mean()),
                    "entropy": float(est.uncertainty(Xt, "entropy").mean()),
                }
            )
            r = rows[-1]
            print(
                f"| {seed} | {r['labels']} | {r['posterior']} | {100 * r['accuracy']:.1f} "
                f"| {r['bald']:.4f} | {r['entropy']:.3f} |",
                flush=True,
            )
    return rows


def curve_spec(text):
    """``ESTIMATOR:QUERY``, e.g. ``"SGLD T=0.01:bald"``."""
    name, sep, query = text.rpartition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected ESTIMATOR:QUERY, got {text!r}")
    return name, query


def summary(results, seeds, curves=CURVES):
    lines = [
        "| estimator | acquisition | "
        + " | ".join(f"seed {s}" for s in seeds)
        + " | mean | minus random (same estimator) |",
        "|---|---|" + "---|" * (len(seeds) + 2),
    ]
    means = {}
    for name, query in curves:
        per_seed = [results.get(f"{s} {name} {query}") for s in seeds]
        if any(r is None for r in per_seed):
            continue
        accs = [100 * float(np.mean(r["accuracy"])) for r in per_seed]
        means[name, query] = float(np.mean(accs))
    for (name, query), mean in means.items():
        ref = means.get((name, "random"))
        diff = "-" if ref is None or query == "random" else f"{mean - ref:+.1f}"
        accs = [100 * float(np.mean(results[f"{s} {name} {query}"]["accuracy"])) for s in seeds]
        cells = " | ".join(f"{a:.1f}" for a in accs)
        lines.append(f"| {name} | {query} | {cells} | {mean:.1f} | {diff} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", required=True)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--out", default="benchmarks/results/al_controls.json")
    p.add_argument("--no-spread", action="store_true", help="skip the posterior-spread table")
    p.add_argument(
        "--curves", type=curve_spec, nargs="+", default=list(CURVES),
        help="ESTIMATOR:QUERY pairs (default: the eight controls), e.g. 'SGLD T=0.01:bald'",
    )  # fmt: skip
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error(f"--rounds must be >= 1, got {args.rounds}")
    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {}
    if record.get("rounds", args.rounds) != args.rounds:
        p.error(f"{out} holds a {record['rounds']}-round run; use another --out")
    record.update(rounds=args.rounds, machine=cpu_description())
    results = record.setdefault("curves", {})

    def save():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(record, indent=1))

    b = BUDGETS["large"]
    X, y, Xt, yt = mnist(args.data_home, b)
    print(f"{cpu_description()}; {args.rounds} rounds; accuracy on {len(yt)} test images\n")
    print("| seed | estimator | acquisition | first | last | mean over the curve | s |")
    print("|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        for name, query in args.curves:
            key = f"{seed} {name} {query}"
            if key not in results:
                results[key] = run_curve(name, query, b, seed, args.rounds, X, y, Xt, yt)
                save()
            r = results[key]
            acc = 100 * np.asarray(r["accuracy"])
            print(
                f"| {seed} | {name} | {query} | {acc[0]:.1f} | {acc[-1]:.1f} "
                f"| {acc.mean():.1f} | {r['wall_time_s']} |",
                flush=True,
            )
    done = [c for c in dict.fromkeys([*CURVES, *args.curves])]
    print("\n" + summary(results, args.seeds, done))
    if not args.no_spread:
        print("\n| seed | labels | posterior | accuracy % | mean BALD | mean entropy |")
        print("|---|---|---|---|---|---|")
        spreads = record.setdefault("spread", {})
        for seed in args.seeds:
            if str(seed) not in spreads:
                spreads[str(seed)] = spread(b, seed, X, y, Xt, yt)
                save()
            else:
                for r in spreads[str(seed)]:
                    print(
                        f"| {seed} | {r['labels']} | {r['posterior']} | "
                        f"{100 * r['accuracy']:.1f} | {r['bald']:.4f} | {r['entropy']:.3f} |"
                    )


if __name__ == "__main__":
    main()
