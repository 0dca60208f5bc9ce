"""The user guide's snippets run as written, top to bottom, in one namespace."""

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)


def test_the_guide_has_its_snippets():
    blocks = _blocks()
    assert len(blocks) >= 7
    assert "load_embedded_digits" in blocks[0]  # the data every later snippet uses


# 345 s on 2 cores shared with two other jobs (2026-12-03): SGLD, APD,
# GridSearchCV, active learning, PGD.
@pytest.mark.slow
def test_user_guide_snippets_run_as_written():
    namespace = {}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"user_guide.md, snippet {i}", "exec"), namespace)
    assert namespace["sgld"].score(namespace["X_test"], namespace["y_test"]) > 0.85
    assert len(namespace["learner"].y_labeled_) == 30
    assert namespace["adv"].X_successful.shape[1] == 64
