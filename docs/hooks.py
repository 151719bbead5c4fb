"""MkDocs hook: keep `--strict` meaningful on prose docstrings.

saddle's docstrings are prose, where `metrics["a"]["b"]` or `x[0][1]` is indexing; Markdown reads
`[..][..]` as a reference link and mkdocs-autorefs warns that the target '"b"' does not exist. A real
cross-reference target is a dotted identifier (`saddle.optim.ExtraGradient`), so only warnings about
targets that cannot be identifiers (quoted strings, numbers, expressions) are dropped; every other
warning still fails the strict build.
"""

from __future__ import annotations

import logging
import re

_UNRESOLVED = re.compile(r"Could not find cross-reference target '(?P<target>.*)'")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class _IndexingIsNotALink(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = _UNRESOLVED.search(record.getMessage())
        return match is None or bool(_IDENTIFIER.match(match["target"]))


def on_startup(command: str, dirty: bool) -> None:
    for module in ("plugin", "references", "backlinks"):
        logging.getLogger(f"mkdocs.plugins.mkdocs_autorefs._internal.{module}").addFilter(_IndexingIsNotALink())
