"""Bad `--set` values for every experiment (the CLI's boundary: `Experiment.make_config`, which parses each value as
its field's type, refuses non-finite floats and runs the config's own `validate`): each ends in ValueError naming the
field, before anything runs."""

import dataclasses
import typing

import pytest

from saddle.experiments import registry


def _fields():
    """(experiment, field, type) for every int or float field but the seed."""
    out = []
    for name, exp in sorted(registry().items()):
        hints = typing.get_type_hints(exp.config)
        out += [
            (name, f.name, hints[f.name])
            for f in dataclasses.fields(exp.config)
            if f.name != "seed" and hints[f.name] in (int, float)
        ]
    return out


FIELDS = _fields()


def _bad_values(kind):
    if kind is float:
        return ["nan", "inf", "-inf", "abc", ""]
    return ["1.5", "abc", "nan", "1e400", ""]


def test_every_experiment_has_numeric_fields_to_try():
    assert len({name for name, _, _ in FIELDS}) == len(registry())


@pytest.mark.parametrize(("experiment", "field", "kind"), FIELDS, ids=[f"{e}.{f}" for e, f, _ in FIELDS])
def test_a_bad_set_value_is_refused_naming_the_field(experiment, field, kind):
    exp = registry()[experiment]
    for text in _bad_values(kind):
        with pytest.raises(ValueError, match=field) as err:
            exp.make_config(overrides={field: text})
        shown = text if text else "''"
        assert shown.lower() in str(err.value).lower() or repr(float(text)) in str(err.value), str(err.value)
