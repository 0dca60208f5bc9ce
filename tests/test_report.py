"""The reproduction report is rendered from its results files and cannot drift from them."""

import json
import re
import shutil
from pathlib import Path

from sklearn_apd._cli import main
from sklearn_apd.experiments import EXPERIMENTS
from sklearn_apd.experiments._report import (
    RENDERERS,
    render_active_learning_seeds,
    render_adversarial_seeds,
    render_anomaly_cells_seeds,
    render_anomaly_seeds,
    render_summary,
    report_blocks,
    sync_blocks,
)
from sklearn_apd.experiments.demo import DemoRow, demo_record, render_demo

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs" / "reproduction.md"
README = ROOT / "README.md"
RESULTS = ROOT / "docs" / "reproduction"


def test_the_committed_report_matches_its_results_files(capsys):
    """Every marked table of docs/reproduction.md and README.md is what its JSON renders today."""
    args = ["report", "--check", str(DOCS), str(README), "--results", str(RESULTS)]
    assert main(args) == 0, (
        capsys.readouterr().out + "\nRun `sklearn-apd report` to rewrite the tables."
    )
    text = DOCS.read_text()
    for block_id in ("toy2d_quick", "anomaly_large", "adversarial_large_seeds", "summary"):
        assert f"<!-- report:{block_id} -->" in text
    readme = README.read_text()
    for block_id in ("demo", "summary"):  # the README's results are generated too
        assert f"<!-- report:{block_id} -->" in readme


def test_every_experiment_section_of_the_report_is_rendered_from_a_file():
    """A ``## EXPERIMENT (...), BUDGET budget`` section holds a marked table: no table without
    its results file (issue #21). Benchmark sections cite their raw files instead."""
    sections = re.split(r"^## ", DOCS.read_text(), flags=re.M)[1:]
    experiment_sections = [
        s for s in sections
        if s.split()[0].rstrip(",:") in EXPERIMENTS and " budget" in s.splitlines()[0]
    ]  # fmt: skip
    assert len(experiment_sections) >= 10
    for section in experiment_sections:
        assert "<!-- report:" in section, f"no rendered table under '## {section.splitlines()[0]}'"


def test_a_drifted_table_is_found_and_rewritten(tmp_path, capsys):
    doc = tmp_path / "reproduction.md"
    shutil.copy(DOCS, doc)
    blocks = report_blocks(RESULTS)
    row = blocks["toy2d_quick"].splitlines()[-1]  # "| APD | 0.027 | ... |"
    doc.write_text(doc.read_text().replace(row, row.replace("| APD |", "| APD (edited) |")))
    assert main(["report", "--check", str(doc), "--results", str(RESULTS)]) == 1
    assert "'toy2d_quick' differs" in capsys.readouterr().out
    assert main(["report", str(doc), "--results", str(RESULTS)]) == 0
    assert doc.read_text() == DOCS.read_text()


def test_a_block_without_its_file_is_an_error(tmp_path, capsys):
    doc = tmp_path / "r.md"
    doc.write_text("<!-- report:anomaly_huge -->\nold\n<!-- /report:anomaly_huge -->\n")
    assert main(["report", "--check", str(doc), "--results", str(RESULTS)]) == 1
    assert "'anomaly_huge' has no results file" in capsys.readouterr().out


def test_sync_blocks_replaces_only_marked_text():
    text = "intro 1.0\n<!-- report:a -->\nstale\n<!-- /report:a -->\noutro 2.0\n"
    new, changed, unknown = sync_blocks(text, {"a": "fresh"})
    assert new == "intro 1.0\n<!-- report:a -->\nfresh\n<!-- /report:a -->\noutro 2.0\n"
    assert (changed, unknown) == (["a"], [])
    assert sync_blocks(new, {"a": "fresh"})[1] == []


def test_every_committed_results_file_of_a_rendered_experiment_renders():
    blocks = report_blocks(RESULTS)
    for path in RESULTS.glob("*.json"):
        if json.loads(path.read_text())["experiment"] in RENDERERS:
            assert path.stem in blocks
    assert "adversarial_large_seeds" in blocks  # three seed files


def test_the_seed_table_is_the_mean_and_range_of_the_seeds():
    def record(seed, value):
        auroc = {"fgsm": {"SGLD": {"SGLD": value, "APD": 0.5}}}
        return {"seed": seed, "results": {"auroc": auroc}}

    text = render_adversarial_seeds([record(0, 0.90), record(1, 0.96), record(2, 0.93)])
    assert "| FGSM | SGLD | 93.0 (90.0-96.0) | 50.0 (50.0-50.0) |" in text
    assert text.startswith("Mean over seeds 0, 1, 2")
    # APD as a detector against SGLD's, per seed, with the 1-point target
    assert "| FGSM | SGLD | 40.0 / 46.0 / 43.0 | 43.0 | **missed by 42.0** |" in text


def test_the_adversarial_seed_table_says_where_apd_detects_within_a_point_of_sgld():
    def record(seed, sgld, apd):
        auroc = {"pgd": {"MC-Drop": {"SGLD": sgld, "APD": apd}}}
        return {"seed": seed, "results": {"auroc": auroc}}

    text = render_adversarial_seeds([record(0, 0.95, 0.94), record(1, 0.97, 0.976)])
    assert "| PGD | MC-Drop | 1.0 / -0.6 | 0.2 | holds |" in text


def test_the_anomaly_seed_table_gives_sglds_lead_over_apd_per_seed():
    def record(seed, sgld, apd):
        rows = {
            name: [{"ood_set": "notMNIST", "kind": "bald", "AUROC": value}]
            for name, value in (("SGLD", sgld), ("APD", apd))
        }
        return {"seed": seed, "results": {"ood": rows}}

    text = render_anomaly_seeds([record(0, 0.99, 0.98), record(1, 0.97, 0.976)])
    assert "| bald | notMNIST | 98.0 (97.0-99.0) | 97.8 (97.6-98.0) |" in text
    assert "| bald | notMNIST | 1.00 / -0.60 | 0.20 | holds |" in text
    # the target is on the unrounded mean: 0.53 misses, though one decimal would show 0.5
    text = render_anomaly_seeds([record(0, 0.99, 0.9847), record(1, 0.97, 0.9647)])
    assert "| bald | notMNIST | 0.53 / 0.53 | 0.53 | **missed by 0.03** |" in text
    text = render_anomaly_seeds([record(0, 0.99, 0.99)])
    assert "| bald | notMNIST | 0.00 | 0.00 | holds |" in text


def _anomaly_record(
    seed, budget, sgld, apd, wall=60.0, machine="CPU X (family 1, model 2), 2 cores, AVX2"
):
    rows = {
        name: [
            {"ood_set": "notMNIST", "kind": kind, "AUROC": value}
            for kind in ("variation_ratio", "bald")
        ]
        for name, value in (("SGLD", sgld), ("APD", apd))
    }
    return {
        "experiment": "anomaly", "budget": budget, "seed": seed, "device": "cpu",
        "machine": machine, "date": f"2026-12-0{seed + 1}", "wall_time_s": wall,
        "settings": {}, "results": {"ood": rows},
    }  # fmt: skip


def test_the_cells_table_gives_sglds_lead_over_apd_on_any_network():
    """apd_subspace_tables.py's records: per-seed gaps, their mean and the 0.5 verdict."""
    sets = ("notMNIST", "OmniGlot", "CIFAR10bw", "Gaussian", "Uniform")
    keys = [f"{s}/{k}" for s in sets for k in ("variation_ratio", "bald")]

    def record(seed, apd_omniglot_vr):
        apd = {k: {"AUROC": 95.0} for k in keys}
        apd["OmniGlot/variation_ratio"] = {"AUROC": apd_omniglot_vr}
        sgld = {"test": {k: {"AUROC": 95.2} for k in keys}}
        return {"seed": seed, "results": {"network": "fcNN1", "seed": seed, "SGLD": sgld,
                                          "APD": {"test": apd}}}  # fmt: skip

    text = render_anomaly_cells_seeds([record(0, 94.0), record(1, 94.6)])
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines() if line.startswith("| ")}
    assert "on fcNN1" in text and "seeds 0, 1" in text
    # SGLD 95.2, APD 94.0 and 94.6: gaps 1.20 / 0.60, mean 0.90, missed by 0.40
    assert rows["Omniglot VR"] == (
        "| Omniglot VR | 95.20 | 94.30 | 1.20 / 0.60 | 0.90 | **missed by 0.40** |"
    )
    assert rows["notMNIST BALD"].endswith("| 0.20 / 0.20 | 0.20 | holds |")
    assert len(rows) == 11  # the header and the ten cells


def test_the_summary_row_gives_seeds_time_machine_and_the_gaps():
    """One row per experiment and budget: the seed means against the paper and SGLD minus APD."""
    records = [
        _anomaly_record(0, "large", 0.990, 0.980, wall=3000),
        _anomaly_record(1, "large", 0.970, 0.972, wall=3600),
    ]
    text = render_summary({("anomaly", "anomaly_large"): records})
    row = next(line for line in text.splitlines() if line.startswith("| anomaly |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:5] == ["anomaly", "Tables 1-2 (fcNN2)", "large", "0, 1", "50 to 60"]
    assert cells[5] == "CPU X (family 1, model 2), 2026-12-01 to 2026-12-02"
    # paper (fcNN2, notMNIST): VR 98.1, BALD 99.7; SGLD's mean is 98.0 on both
    assert "SGLD minus paper, AUROC points: VR -0.1; BALD -1.7" in cells[6]
    # SGLD minus APD: seed 0 +1.0, seed 1 -0.2 -> mean 0.4 on both kinds
    assert "SGLD minus APD: VR 0.4; BALD 0.4" in cells[6]
    assert "APD at most 0.5 below SGLD on 2 of 2 cells" in cells[6]
    assert "*" not in cells[4] and text.endswith("Device of the runs: cpu.")
    # the count is on the unrounded gaps: 0.53 shows as 0.5 but misses
    near = [_anomaly_record(0, "large", 0.990, 0.9847)]
    text = render_summary({("anomaly", "anomaly_large"): near})
    assert "SGLD minus APD: VR 0.5; BALD 0.5 (APD at most 0.5 below SGLD on 0 of 2" in text


def test_the_summary_marks_resumed_runs_whose_time_is_partial():
    record = _anomaly_record(0, "large", 0.99, 0.98) | {"resumed_parts": ["SGLD fcNN2"]}
    text = render_summary({("anomaly", "anomaly_large"): [record]})
    assert "| 1 * |" in text and "their time is not in the wall time" in text


def test_the_summary_marks_runs_that_reused_an_earlier_experiments_fits():
    record = _anomaly_record(0, "large", 0.99, 0.98) | {"reused_fits": ["SGLD fcNN2"]}
    text = render_summary({("anomaly", "anomaly_large"): [record]})
    assert "| 1 + |" in text and "reused the network fits" in text
    alone = render_summary({("anomaly", "anomaly_large"): [_anomaly_record(0, "large", 1, 1)]})
    assert "| 1 |" in alone and "+:" not in alone


def test_the_summary_orders_experiments_as_the_paper_and_large_before_quick():
    groups = {
        ("anomaly", "anomaly_quick"): [_anomaly_record(0, "quick", 0.9, 0.8)],
        ("anomaly", "anomaly_large"): [_anomaly_record(0, "large", 0.99, 0.98)],
        ("demo", "demo"): [{"experiment": "demo"}],  # not an experiment row
    }
    rows = [line for line in render_summary(groups).splitlines() if line.startswith("| anomaly")]
    assert [r.split("|")[3].strip() for r in rows] == ["large", "quick"]


def test_the_demo_record_renders_the_table_the_demo_prints():
    rows = [
        DemoRow("SGLD", 0.97, 75100, 2.5, {"entropy": 0.96, "bald": 0.98}, "10 samples"),
        DemoRow("APD", 0.96, 15020, 20.0, {"entropy": 0.93, "bald": 0.95}),
    ]

    class Args:
        epochs, apd_iter, n_samples, verbose, device, seed = 150, None, 200, 0, "cpu", 0

    record = json.loads(json.dumps(demo_record(rows, Args, 31.4)))  # as written by --json
    text = render_demo(record)
    assert text.startswith("`sklearn-apd demo --epochs 150 --n-samples 200 --seed 0` on ")
    assert "| SGLD | 0.970 | 75,100 | 1.000 | 2.5 | 0.960 | 0.980 | 10 samples |" in text
    assert "| APD | 0.960 | 15,020 | 0.200 | 20.0 | 0.930 | 0.950 |  |" in text
    assert text.endswith("200 draws per posterior. Total 31 s.")


def test_demo_json_is_a_record_the_report_renders(tmp_path, capsys):
    out = tmp_path / "demo.json"
    args = ["demo", "--epochs", "15", "--apd-iter", "5", "--n-samples", "5", "-v", "0"]
    assert main([*args, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    record = json.loads(out.read_text())
    assert record["experiment"] == "demo" and record["settings"]["apd_iter"] == 5
    block = report_blocks(tmp_path)["demo"]
    table = block.split("\n\n")[1]
    assert table in printed  # the README's table is the one the command printed


def _figure4_records():
    """Two seeds of Figure 4 with known curve means (SGLD 75, APD 70 / 75, MC-Drop 70, SGD 65,
    random 65)."""

    def curve(*acc):
        return {"accuracy": list(acc), "n_labels": [20, 30]}

    return [
        {
            "experiment": "active-learning",
            "budget": "large",
            "seed": seed,
            "device": "cpu",
            "machine": "M",
            "date": "2026-12-04",
            "wall_time_s": 600.0,
            "settings": {"al_network": "LeNet"},
            "results": {
                "SGLD": curve(0.60, 0.90),
                "APD": curve(0.60, 0.80 + seed / 10),
                "MC-Drop": curve(0.6, 0.8),
                "SGD": curve(0.5, 0.8),
                "SGLD, random": curve(0.6, 0.7),
            },
        }  # fmt: skip
        for seed in (0, 1)
    ]


def test_the_active_learning_summary_states_figure_4s_targets_as_differences():
    records = _figure4_records()
    text = render_summary({("active-learning", "active_learning_large"): records})
    # means over the curve: SGLD 75, APD 70 and 75 -> 72.5, MC-Drop 70, SGD 65, random 65
    assert "LeNet, mean test accuracy (%) over the curve: SGLD 75.0; APD 72.5;" in text
    assert (
        "(SGLD's entropy minus random +10.0, MC-Drop minus random +5.0, APD minus SGLD -2.5, "
        "SGLD minus SGD +10.0)"
    ) in text


def test_a_run_kept_under_a_variant_name_gets_its_own_labelled_summary_row():
    records = _figure4_records()
    groups = {
        ("active-learning", "active_learning_large"): records,
        ("active-learning", "active_learning_large_unbalanced"): records[:1],
    }
    rows = [line for line in render_summary(groups).splitlines() if "Figure 4" in line]
    assert [row.split(" | ")[0] for row in rows] == [
        "| active-learning",
        "| active-learning (unbalanced)",
    ]
    assert rows[0].split(" | ")[3] == "0, 1" and rows[1].split(" | ")[3] == "0"


def test_a_curve_only_some_seeds_have_is_left_out_of_the_seed_tables():
    records = _figure4_records()
    records[0]["results"]["APD, SGLD accuracy"] = {"accuracy": [0.6, 0.9], "n_labels": [20, 30]}
    text = render_active_learning_seeds(records)
    assert "APD, SGLD accuracy" not in text and "| SGLD |" in text
    summary = render_summary({("active-learning", "active_learning_large"): records})
    assert "APD, SGLD accuracy" not in summary
    records[1]["results"]["APD, SGLD accuracy"] = {"accuracy": [0.6, 0.8], "n_labels": [20, 30]}
    text = render_active_learning_seeds(records)
    # 75 and 70 against SGLD's 75 and 75: 0 and -5, mean -2.5
    assert "| APD's acquisitions (SGLD scored) minus SGLD | +0.0 | -5.0 | -2.5 |" in text


def test_the_figure_4_seed_table_checks_each_target_on_the_seed_mean():
    text = render_active_learning_seeds(_figure4_records())
    lines = text.splitlines()
    assert "| difference | seed 0 | seed 1 | mean | target | |" in lines
    assert "| SGLD's entropy minus random | +10.0 | +10.0 | +10.0 | at least +2 | holds |" in lines
    assert "| MC-Drop minus random | +5.0 | +5.0 | +5.0 | above 0 | holds |" in lines
    # APD: 70 and 75 against SGLD's 75: -5 and 0, mean -2.5, 1.5 short of -1
    assert (
        "| APD minus SGLD | -5.0 | +0.0 | -2.5 | at least -1 (within 1 point) "
        "| **missed by 1.5** |"
    ) in lines
    assert "| SGLD minus SGD | +10.0 | +10.0 | +10.0 | above 0 | holds |" in lines


def test_report_plots_draws_figure_4s_seed_bands(tmp_path, capsys):
    def record(seed):
        curve = {"n_labels": [20, 30, 40], "accuracy": [0.5, 0.6 + seed / 100, 0.7]}
        return {
            "experiment": "active-learning", "budget": "large", "seed": seed, "device": "cpu",
            "machine": "M", "date": "2026-12-04", "wall_time_s": 60.0,
            "settings": {"al_network": "LeNet"}, "results": {"SGLD": curve, "SGLD, random": curve},
        }  # fmt: skip

    for seed in (0, 1):
        suffix = f"_seed{seed}" if seed else ""
        (tmp_path / f"active_learning_large{suffix}.json").write_text(json.dumps(record(seed)))
    (tmp_path / "active_learning_quick.json").write_text(json.dumps(record(0)))  # one seed
    doc = tmp_path / "r.md"
    doc.write_text("no blocks\n")
    assert main(["report", str(doc), "--results", str(tmp_path), "--plots"]) == 0
    assert "active_learning_large_seeds.png" in capsys.readouterr().out
    png = tmp_path / "active_learning_large_seeds.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "active_learning_quick_seeds.png").exists()
