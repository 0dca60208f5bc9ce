"""Every public name has a docstring in its source, where the API reference reads it.

mkdocstrings renders docstrings from the source without running it, so a
docstring assembled at import time (``__doc__ = a + b``) shows as empty on
the site even though ``help()`` finds it. The check is static, as the site's.
"""

import ast
import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "sklearn_apd",
    "sklearn_apd.nets",
    "sklearn_apd.sampling",
    "sklearn_apd.prediction",
    "sklearn_apd.uncertainty",
    "sklearn_apd.acquisition",
    "sklearn_apd.metrics",
    "sklearn_apd.adversarial",
    "sklearn_apd.datasets",
    "sklearn_apd.parallel",
    "sklearn_apd.diagnostics",
    "sklearn_apd.experiments",
    "sklearn_apd.posteriors",
]


def _public_objects():
    seen = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
                seen[id(obj)] = (f"{module_name}.{name}", obj)
    return sorted(seen.values(), key=lambda item: item[0])


def _definition(obj):
    """The ``ast`` node that defines ``obj`` in its source file."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(obj)))
    for node in ast.walk(tree):
        is_def = isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        if is_def and node.name == obj.__name__:
            return node
    raise AssertionError(f"no definition of {obj.__name__} in {inspect.getsourcefile(obj)}")


OBJECTS = _public_objects()


def test_the_public_names_are_found():
    names = {name.rsplit(".", 1)[1] for name, _ in OBJECTS}
    assert {"SGLDClassifier", "MCDropoutClassifier", "load_notmnist", "LeNet"} <= names
    assert len(OBJECTS) > 40


@pytest.mark.parametrize("qualname, obj", OBJECTS, ids=[q for q, _ in OBJECTS])
def test_public_name_has_a_source_docstring(qualname, obj):
    node = _definition(obj)
    doc = ast.get_docstring(node)
    assert doc and len(doc.split()) >= 5, f"{qualname} has no docstring in its source"
    if isinstance(node, ast.ClassDef) and issubclass(obj, object):
        # Public methods defined in the class body document themselves too.
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                assert ast.get_docstring(item), f"{qualname}.{item.name} has no docstring"


def test_docstrings_use_the_markup_the_site_renders():
    """No Sphinx roles, ``.. math::`` or reST tables: the site shows them as raw text."""
    import re
    from pathlib import Path

    package = Path(importlib.import_module("sklearn_apd").__file__).parent
    sphinx = re.compile(r":(class|func|mod|meth|attr|data|obj|math):`|\.\. math::|^\s*=====+  +=")
    offenders = [
        f"{path.relative_to(package)}:{i}"
        for path in sorted(package.rglob("*.py"))
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if sphinx.search(line)
    ]
    assert not offenders, offenders


def _sections(doc, start="Parameters"):
    """The text of ``doc`` from its ``start`` section up to Examples (or the end)."""
    text = inspect.cleandoc(doc)
    body = text[text.index(f"{start}\n") :]
    return body.split("Examples\n")[0]


def test_docstrings_written_out_twice_stay_identical():
    """Literal docstrings (the site cannot run ``a + b``) repeat shared text: keep it in step."""
    from sklearn_apd import DeterministicClassifier, MCDropoutClassifier
    from sklearn_apd.datasets import load_cifar10bw, load_notmnist, load_omniglot

    loaders = {_sections(f.__doc__) for f in (load_notmnist, load_omniglot, load_cifar10bw)}
    assert len(loaders) == 1
    # MC dropout documents dropout and n_samples first, then the SGD baselines' shared text.
    shared = _sections(DeterministicClassifier.__doc__).split("weights_ : ")[0]
    shared = shared.removeprefix("Parameters\n----------\n")
    assert shared.split("Attributes")[0] in MCDropoutClassifier.__doc__.replace("\n    ", "\n")
