"""The package's module lists (the README's tree, the package docstrings) name every module there is."""
import importlib
import re
from pathlib import Path

import autograder

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograder"


def _modules(folder):
    return {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")}


def test_the_readme_tree_names_every_module_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("## How the code is laid out"):]
    tree = tree[tree.index("```\n") + 4:]
    tree = tree[:tree.index("```")]
    named = re.findall(r"^\s+(\w+)\.py\s", tree, re.M)
    every = [p.stem for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__")]
    assert sorted(named) == sorted(every)


def test_each_package_docstring_names_its_modules_and_subpackages():
    for package in ("autograder", "autograder.grading", "autograder.grading.plugins", "autograder.grading.isolation"):
        module = importlib.import_module(package)
        folder = Path(module.__file__).parent
        listed = set(re.findall(r"^- ``(\w+)/?``", module.__doc__, re.M))
        subpackages = {p.parent.name for p in folder.glob("*/__init__.py")}
        if package == "autograder":  # the library's docstring leaves the grading side to a sentence
            subpackages.discard("grading")
        assert listed == _modules(folder) | subpackages, package


def test_all_lists_the_library_modules_a_notebook_may_import():
    assert set(autograder.__all__) == _modules(PACKAGE) - {"_steps"}
