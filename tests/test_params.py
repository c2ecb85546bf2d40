"""Parameter registry: every record has a unit, a resolvable source and a value inside its prior."""

import collections

import numpy as np
import pint
import pytest

from dormancy.errors import InputError
from dormancy.params import Prior, load_bibliography, load_registry

REGISTRY = load_registry()
RECORDS = list(REGISTRY)


def unit_registry():
    units = pint.UnitRegistry()
    units.define("cell = [cell_count]")
    return units


def test_registry_holds_both_komarova_sets():
    assert set(REGISTRY.sets_for("komarova")) >= {"komarova2003", "ayati2010"}
    assert len(RECORDS) >= 26


def test_no_two_records_share_a_name():
    counts = collections.Counter(record.name for record in RECORDS)
    assert [name for name, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_every_record_has_a_parseable_unit(record):
    assert record.unit.strip()
    unit_registry().parse_units(record.unit)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_every_source_resolves_in_the_bibliography(record):
    bibliography = load_bibliography()
    assert record.source, f"{record.name} has no source"
    for key in record.source:
        reference = bibliography.resolve(key)
        assert reference.title and reference.authors and reference.year


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_every_value_lies_in_its_prior(record):
    assert record.prior.contains(record.value), f"{record.value} outside {record.prior.describe()}"
    assert record.prior.low < record.prior.high, "a prior must have width"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_assumptions_are_documented(record):
    assert record.description
    if record.evidence == "assumption":
        assert "assumption" in record.source
        assert len(record.note) > 20


def test_units_are_consistent_with_the_power_laws():
    units = unit_registry()
    for set_name in REGISTRY.sets_for("komarova"):
        s = REGISTRY.sets[set_name]
        g11 = s["osteoclast_autocrine_exponent"].value
        g21 = s["osteoblast_to_osteoclast_exponent"].value
        # d(osteoclasts)/dt = α1 x1^g11 x2^g21 must have unit cell/day
        lhs = units.parse_units(s["osteoclast_production"].unit) * units.cell ** (g11 + g21)
        assert (1 * lhs).to("cell / day").magnitude == pytest.approx(1.0)


def test_bibliography_has_every_reference_of_the_review():
    bibliography = load_bibliography()
    numbers = sorted(r.review_number for r in bibliography.references.values() if r.review_number is not None)
    assert numbers == list(range(1, 206))
    assert bibliography.resolve("review:61").year == 2009
    assert bibliography.resolve("dai2024").key == "review:48"
    with pytest.raises(KeyError, match="nosuchkey"):
        bibliography.resolve("nosuchkey")


def test_overrides_are_checked_against_the_prior():
    s = REGISTRY.sets["komarova2003"]
    changed = s.with_values({"osteoclast_removal": 0.3})
    assert changed["osteoclast_removal"].value == 0.3
    assert "overridden" in changed["osteoclast_removal"].note
    assert s["osteoclast_removal"].value == 0.2  # frozen original untouched
    with pytest.raises(InputError) as caught:
        s.with_values({"osteoclast_removal": 5.0, "no_such_thing": 1.0}, field_prefix="model.parameters")
    fields = [p.field for p in caught.value.problems]
    assert fields == ["model.parameters.osteoclast_removal", "model.parameters.no_such_thing"]
    assert "[0.05, 0.5]" in caught.value.problems[0].expected


@pytest.mark.parametrize("distribution", ["uniform", "loguniform"])
def test_prior_samples_stay_in_range_with_the_right_median(distribution):
    prior = Prior(distribution, 0.1, 10.0)
    draws = prior.sample(np.random.default_rng(7), 20_000)
    assert draws.min() >= 0.1 and draws.max() <= 10.0
    expected_median = 5.05 if distribution == "uniform" else 1.0
    assert np.median(draws) == pytest.approx(expected_median, rel=0.05)


def test_bad_priors_are_rejected():
    with pytest.raises(ValueError, match="low > 0"):
        Prior("loguniform", 0.0, 1.0)
    with pytest.raises(ValueError, match="low <= high"):
        Prior("uniform", 2.0, 1.0)
