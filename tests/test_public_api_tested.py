"""Every public name of saddle (the `__all__` of each module and package) is used by at least one test file.

A cheap, honest proxy for "every public function and class is exercised by a test": a name that no test file
mentions cannot be checked by one. It does not prove that the mention checks a result; review does that.
Type aliases (`Params = list[Tensor]`) and static Protocols (`class Kernel(Protocol)`) have no behaviour to
run: mypy checks their uses, and the tests exercise their implementations, so they are not required here.
"""

import ast
import importlib
import re
import typing
from pathlib import Path

import saddle

PACKAGE = Path(saddle.__file__).parent
TESTS = Path(__file__).parent

# Names tested only through another name (an alias re-exported under a second name): name -> the alias that the
# tests use. Empty today; add an entry only with the alias that the tests do mention.
TESTED_THROUGH_AN_ALIAS: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _public_names() -> dict[str, list[str]]:
    """module -> its `__all__`, read from the source (every `__all__` of saddle is a literal list)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                out[_module_name(path)] = list(ast.literal_eval(node.value))
    return out


def _has_behaviour(obj: object) -> bool:
    """False for a type alias and for a Protocol that cannot be checked at run time (no code of its own)."""
    if not isinstance(obj, type) and typing.get_origin(obj) is not None:
        return False
    if isinstance(obj, type) and getattr(obj, "_is_protocol", False):
        return bool(getattr(obj, "_is_runtime_protocol", False))
    return True


def _words_in_tests() -> set[str]:
    me = Path(__file__).resolve()
    text = "\n".join(p.read_text() for p in TESTS.rglob("*.py") if p.resolve() != me)
    return set(re.findall(r"\w+", text))


def test_every_name_in_all_exists():
    missing = [
        f"{module}.{name}"
        for module, names in _public_names().items()
        for name in names
        if not hasattr(importlib.import_module(module), name)
    ]
    assert not missing, f"names in __all__ that the module does not define: {missing}"


def test_every_public_name_appears_in_a_test():
    public = _public_names()
    assert len(public) > 50 and "saddle.optim" in public  # the scan found the package
    words = _words_in_tests()
    untested = sorted(
        {
            f"{module}.{name}"
            for module, names in public.items()
            for name in names
            if name not in words
            and TESTED_THROUGH_AN_ALIAS.get(name) not in words
            and _has_behaviour(getattr(importlib.import_module(module), name))
        }
    )
    assert not untested, f"public names that no test mentions ({len(untested)}): {untested}"


def test_the_exemption_rule_exempts_only_aliases_and_static_protocols():
    from saddle.attacks import Attack
    from saddle.optim import METHODS, ExtraGradient, Field, Params
    from saddle.sampling import Kernel

    assert not _has_behaviour(Params) and not _has_behaviour(Field) and not _has_behaviour(Kernel)
    assert _has_behaviour(Attack)  # runtime-checkable: `isinstance(x, Attack)` is behaviour a test can check
    assert _has_behaviour(ExtraGradient) and _has_behaviour(METHODS)
