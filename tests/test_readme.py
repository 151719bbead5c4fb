"""Every ```python block of README.md runs verbatim (each in a fresh namespace, in order)."""

import re
from pathlib import Path

import pytest
import torch

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)


def test_the_readme_has_python_snippets():
    assert len(BLOCKS) >= 3


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the snippets are small tensor operations; on a shared 2-core machine 1 thread is fastest
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_snippet_runs(index, one_thread):
    code = compile(BLOCKS[index], f"README.md python block {index}", "exec")
    exec(code, {"__name__": f"readme_{index}"})
