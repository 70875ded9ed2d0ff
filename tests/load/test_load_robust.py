"""No submission shape makes the loader raise: odd code is a status or a note, never a harness traceback."""

from __future__ import annotations

import pytest

from harness.results import SubmissionStatus

from .conftest import FIXTURES

ODD_SOURCES = [
    "",
    "# only a comment\n",
    "minimize = None\ngradient = 3\n",
    "minimize = lambda func, x0: x0\ngradient = lambda f, x: [0] * len(x)\n",
    "def minimize(func, x0, /, *, bounds):\n    return x0\n",
    "def minimize(**kwargs):\n    return kwargs['x0']\n",
    "def minimize():\n    return [0, 0]\n",
    "async def minimize(func, x0):\n    return x0\n",
    "@decorate\ndef minimize(func, x0):\n    return x0\n",
    "class minimize:\n    pass\n",
    "class A(B):\n    def minimize(self, f, x0):\n        return x0\n",
    "class A:\n    @staticmethod\n    def minimize(f, x0):\n        return x0\n",
    "try:\n    import numpy\nexcept ImportError:\n    def minimize(func, x0):\n        return x0\n",
    "x = " + "(" * 150 + "1" + ")" * 150 + "\ndef minimize(func, x0):\n    return x0\n",
    "def minimize(func, x0):\n    return " + " + ".join(["x0"] * 3000) + "\n",
    "\ufeffdef minimize(func, x0):\n    return x0\n",
    "# -*- coding: latin-1 -*-\ns = '\xe9'\ndef minimize(func, x0):\n    return x0\n",
    "def minimize(func, x0):\n\treturn x0\n        pass\n",
    "import importlib\nimportlib.import_module()\n__import__()\nexec()\neval(1)\n",
    "def gradient(func, x):\n    return\ndef optimize_gradient(func, x0):\n    return x0\n",
    "def minimize(func, x0):\n    open('objective.pkl')\nopen(f'{x}.pkl')\nopen('')\n",
]


@pytest.mark.parametrize("index", range(len(ODD_SOURCES)))
def test_odd_source_gives_a_status_not_an_exception(load, write, index):
    source = ODD_SOURCES[index]
    sub = load(write("sol.py", source.encode("latin-1") if "latin-1" in source else source.encode("utf-8")))
    assert isinstance(sub.status, SubmissionStatus)
    if sub.status is not SubmissionStatus.GRADED:
        assert sub.message


def test_every_fixture_loads_to_a_status(load):
    for path in sorted(FIXTURES.iterdir()):
        sub = load(path)
        assert isinstance(sub.status, SubmissionStatus), path
        assert sub.id and sub.sha256 and sub.source == str(path)


def test_same_input_gives_the_same_submission_but_its_staging_folder(load):
    import dataclasses

    for name in ("classic_article.py", "notebook_magics.ipynb", "two_candidates", "good.zip"):
        a, b = load(name), load(name)
        assert dataclasses.replace(a, code_dir="") == dataclasses.replace(b, code_dir="")


def test_syntax_warnings_of_candidate_code_are_not_printed(load, write, recwarn, capfd):
    sub = load(write("sol.py", "x = 1if 2else 3\ns = '\\d'\ndef minimize(func, x0):\n    return x0\n"))
    assert sub.status is SubmissionStatus.GRADED
    assert not [w for w in recwarn.list if issubclass(w.category, (SyntaxWarning, DeprecationWarning))]
    assert "SyntaxWarning" not in capfd.readouterr().err
