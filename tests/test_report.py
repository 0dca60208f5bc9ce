"""The reproduction report is rendered from its results files and cannot drift from them."""

import json
import shutil
from pathlib import Path

from sklearn_apd._cli import main
from sklearn_apd.experiments._report import (
    RENDERERS,
    render_adversarial_seeds,
    render_anomaly_seeds,
    report_blocks,
    sync_blocks,
)

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs" / "reproduction.md"
RESULTS = ROOT / "docs" / "reproduction"


def test_the_committed_report_matches_its_results_files(capsys):
    """Every marked table of docs/reproduction.md is what its JSON renders today."""
    assert main(["report", "--check", str(DOCS), "--results", str(RESULTS)]) == 0, (
        capsys.readouterr().out + "\nRun `sklearn-apd report` to rewrite the tables."
    )
    text = DOCS.read_text()
    for block_id in ("toy2d_quick", "anomaly_large", "adversarial_large_seeds"):
        assert f"<!-- report:{block_id} -->" in text


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


def test_the_anomaly_seed_table_gives_sglds_lead_over_apd_per_seed():
    def record(seed, sgld, apd):
        rows = {
            name: [{"ood_set": "notMNIST", "kind": "bald", "AUROC": value}]
            for name, value in (("SGLD", sgld), ("APD", apd))
        }
        return {"seed": seed, "results": {"ood": rows}}

    text = render_anomaly_seeds([record(0, 0.99, 0.98), record(1, 0.97, 0.976)])
    assert "| bald | notMNIST | 98.0 (97.0-99.0) | 97.8 (97.6-98.0) |" in text
    assert "| bald | notMNIST | 1.0 / -0.6 | 0.2 |" in text
