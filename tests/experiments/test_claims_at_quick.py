"""Tests tied to claims: every experiment at its quick size reproduces each claim it declares `at_quick`.

One parametrised test, one case per experiment, on the session's quick run of it (`quick_run`: run once per
session, shared with the other experiment tests and, through a file lock, across xdist workers). A claim declared at quick size that does not reproduce there
fails the test unless it is listed in EXPECTED_FAILURES with its reason (one line each); a listed claim that
reproduces fails too, so that the list never outlives its reason. Claims not expected at quick size must say
"not checked at this size", and no claim may be a declaration error.
"""

import pytest

from saddle.claims import DECLARATION_ERROR, NOT_CHECKED, REPRODUCED
from saddle.experiments import experiment, summaries

# (experiment, claim) -> why it does not reproduce at quick size; each of these is measured as not reproduced at
# full size too (the module docstring gives the numbers): our measurement contradicts the notes there.
EXPECTED_FAILURES: dict[tuple[str, str], str] = {}

NAMES = sorted(summaries())


@pytest.mark.parametrize("name", NAMES)  # one case per experiment: xdist spreads them over its workers
def test_every_claim_declared_at_quick_size_is_reproduced_there(name, quick_run):
    claims = {c.name: c for c in experiment(name).claims}
    verdicts = {v["name"]: v for v in quick_run(name).verdicts}
    assert list(verdicts) == list(claims), f"{name}: one verdict per declared claim"
    problems = []
    for claim_name, v in verdicts.items():
        status, listed = v["status"], EXPECTED_FAILURES.get((name, claim_name))
        seen = f"{claim_name}: {status} (expected {v['expected']}, measured {v['measured']!r}; {v['detail']})"
        if status == DECLARATION_ERROR:
            problems.append(f"declaration error: {seen}")
        elif not claims[claim_name].at_quick:
            if status != NOT_CHECKED:
                problems.append(f"not declared at quick size, yet checked: {seen}")
        elif listed is None and status != REPRODUCED:
            problems.append(f"declared at quick size, not reproduced: {seen}")
        elif listed is not None and status == REPRODUCED:
            problems.append(f"listed as an expected failure ({listed}) but reproduced: remove it from the list")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_the_expected_failures_name_claims_declared_at_quick_size_with_a_reason():
    for (name, claim_name), reason in EXPECTED_FAILURES.items():
        claims = {c.name: c for c in experiment(name).claims}
        assert claim_name in claims and claims[claim_name].at_quick, (name, claim_name)
        assert reason.strip() and "\n" not in reason, (name, claim_name)
