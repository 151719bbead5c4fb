"""The documentation runs: every ```python block of docs/**/*.md and every `>>>` example of the library.

Blocks of one page run in order in one namespace (a guide builds on its earlier blocks), in a
temporary working directory, with matplotlib's Agg backend and one torch thread. Docstring
examples run through `doctest.testmod` on each module of `src/saddle` whose source contains `>>>`
(found by reading the files, so importing the experiments is not needed to find them).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import linecache
import re
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a Markdown page, in order."""
    return [m.group(1) for m in FENCE.finditer(text)]


PAGES = [page for page in sorted(DOCS.rglob("*.md")) if python_blocks(page.read_text(encoding="utf-8"))]


def doctest_modules() -> list[str]:
    """Dotted names of the saddle modules whose source has a `>>>` example."""
    names = []
    for path in sorted((SRC / "saddle").rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(SRC).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.fixture
def docs_environment(tmp_path, monkeypatch):
    """Agg backend, one torch thread, a scratch working directory; restored afterwards."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg", force=True)
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path
    torch.set_num_threads(threads)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_fence_parser_finds_only_python_blocks():
    page = "text\n```python\na = 1\n```\n\n```bash\nsaddle list\n```\n```python\nb = a + 1\n```\n"
    assert python_blocks(page) == ["a = 1\n", "b = a + 1\n"]


def test_every_guide_has_a_runnable_example():
    for page in sorted((DOCS / "guides").glob("*.md")):
        assert python_blocks(page.read_text(encoding="utf-8")), f"{page.name} has no ```python example"


def test_every_public_package_has_an_api_page():
    documented = set(documented_modules())
    private = {"cli", "report", "experiments", "__main__"}  # the CLI, the HTML report and the experiments' modules
    packages = {
        p.stem if p.is_file() else p.name
        for p in (SRC / "saddle").iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.stem != "__init__"
    }
    missing = {f"saddle.{name}" for name in packages - private} - documented
    assert not missing, f"public modules without an API page: {sorted(missing)}"


def documented_modules() -> list[str]:
    """The modules the API reference renders (`::: saddle.x` lines of docs/api/*.md)."""
    names: set[str] = set()
    for page in (DOCS / "api").glob("*.md"):
        names |= set(re.findall(r"^::: (saddle[\w.]*)", page.read_text(encoding="utf-8"), re.MULTILINE))
    return sorted(names)


@pytest.mark.parametrize("module_name", documented_modules())
def test_every_public_function_and_class_has_a_docstring(module_name: str):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    undocumented = []
    for name in names:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not obj.__module__.startswith("saddle"):
            continue  # re-exported third-party names and typing aliases document themselves elsewhere
        if not (obj.__doc__ or "").strip():  # its own docstring, not one inherited from a base class
            undocumented.append(name)
    assert not undocumented, f"{module_name}: public names without a docstring: {undocumented}"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page: Path, docs_environment):
    namespace: dict = {"__name__": f"docs.{page.stem}"}
    for i, block in enumerate(python_blocks(page.read_text(encoding="utf-8"))):
        name = f"{page.relative_to(ROOT)} [python block {i + 1}]"
        linecache.cache[name] = (len(block), None, block.splitlines(True), name)  # tracebacks show the doc's lines
        code = compile(block, name, "exec")
        exec(code, namespace)


@pytest.mark.parametrize("module_name", doctest_modules())
def test_docstring_examples_run(module_name: str, docs_environment):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"{module_name}: no example collected"
    assert result.failed == 0, f"{module_name}: {result.failed} of {result.attempted} examples failed"
