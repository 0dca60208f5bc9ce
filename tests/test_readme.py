"""The README's quickstart runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python block"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out.strip().split("\n")
    assert float(out[0]) > 0.85  # accuracy on the held-out digits
    assert out[-1] == "(200, 297, 10)"


def test_regression_quickstart_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    capsys.readouterr()
    exec(compile(blocks[1], "README.md", "exec"), namespace)
    r2 = float(capsys.readouterr().out.split()[0])
    assert 0.3 < r2 < 0.7  # diabetes: linear models reach about 0.5
    assert namespace["std"].shape == (92,) and (namespace["std"] > 10).all()
