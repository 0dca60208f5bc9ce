"""The package's layering (docs/architecture.md), checked on the source's imports.

Each module belongs to a layer; a module may import only from its own layer or
the layers below, and across layers only public names of public modules (the
leaf helpers of ``_utils`` excepted, which every layer shares).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_apd"

#: Layer of each top-level part of the package, bottom first.
LAYERS = {
    "_utils": 0,
    "exceptions": 1,
    "nets": 1,
    "uncertainty": 1,
    "datasets": 1,
    "sampling": 2,
    "prediction": 3,
    "posteriors": 4,
    "evaluation": 5,
    "experiments": 6,
    # The public faces: the package root, the CLI and the alias modules.
    "__init__": 7,
    "__main__": 7,
    "_cli": 7,
    "metrics": 7,
    "acquisition": 7,
    "adversarial": 7,
    "parallel": 7,
    "diagnostics": 7,
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _imports(path, parts):
    """(imported module parts, imported names) of every in-package import of a file."""
    tree = ast.parse(path.read_text())
    package = parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = (*base, *(node.module.split(".") if node.module else ()))
            names = [a.name for a in node.names]
            if not node.module:  # from . import x: x is a module or a name of the package
                for name in names:
                    yield (*target, name), []
            else:
                yield target, names
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn_apd"):
            yield tuple(node.module.split(".")[1:]), [a.name for a in node.names]


def _layer(parts):
    return LAYERS[parts[0]] if parts else 7


def test_every_module_has_a_layer():
    tops = {parts[0] for _, parts in _modules()}
    assert tops <= set(LAYERS), tops - set(LAYERS)


@pytest.mark.parametrize("path,parts", list(_modules()), ids=lambda v: str(v))
def test_imports_point_down_and_use_public_names(path, parts):
    own = _layer(parts)
    for target, names in _imports(path, parts):
        if not target or target[0] == parts[0]:
            continue  # the root package, or the module's own layer folder
        layer = _layer(target)
        assert layer <= own, f"{'/'.join(parts)} (layer {own}) imports {target} (layer {layer})"
        if target[0] == "_utils" or layer == own:
            continue  # the shared leaf helpers; the top layer's own modules
        private_modules = [p for p in target if p.startswith("_") and p != "__init__"]
        assert not private_modules, f"{'/'.join(parts)} reaches into {'.'.join(target)}"
        private_names = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private_names, f"{'/'.join(parts)} imports {private_names} from {target}"
