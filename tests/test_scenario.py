"""Scenarios: YAML round trip and one clear message per problem for bad files."""

import pytest

from dormancy.errors import InputError
from dormancy.scenario import (
    builtin_scenario,
    builtin_scenario_names,
    dump_scenario,
    load_scenario,
    save_scenario,
    scenario_from_dict,
)

GOOD = """\
format: dormancy.scenario
version: 1
name: test-run
seed: 3
model:
  kind: komarova
  parameter_set: ayati2010
  parameters: {osteoclast_removal: 0.25}
save: {t_end_days: 50, dt_days: 5}
ensemble: {replicates: 2, sample: [formation_rate]}
"""


def write(tmp_path, text, name="scenario.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", builtin_scenario_names())
def test_builtin_scenarios_round_trip(tmp_path, name):
    scenario = builtin_scenario(name)
    path = save_scenario(scenario, tmp_path / "copy.yaml")
    again = load_scenario(path)
    assert again == scenario
    assert dump_scenario(again) == dump_scenario(scenario)
    assert [p.name for p in tmp_path.iterdir()] == ["copy.yaml"]  # no temporary file left


def test_scenario_is_frozen(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD))
    with pytest.raises(Exception, match="frozen"):
        scenario.seed = 4
    assert scenario.model.parameters == {"osteoclast_removal": 0.25}
    assert scenario.model.resolve_parameters()["osteoclast_removal"].value == 0.25


def problems_of(path):
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(path) in caught.value.render()
    return {p.field: p for p in caught.value.problems}


def test_wrong_type_names_the_field_and_what_was_found(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("seed: 3", "seed: three")))
    assert set(problems) == {"seed"}
    assert "integer" in problems["seed"].expected
    assert "three" in problems["seed"].found


def test_unknown_key_is_reported(tmp_path):
    problems = problems_of(write(tmp_path, GOOD + "solver: {method: DOP853, rtoll: 1.0e-6}\n"))
    assert set(problems) == {"solver.rtoll"}


def test_value_out_of_prior_range_is_reported_with_the_range(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("osteoclast_removal: 0.25", "osteoclast_removal: 7")))
    problem = problems["model.parameters.osteoclast_removal"]
    assert "[0.05, 0.5]" in problem.expected and "1 / day" in problem.expected
    assert problem.found == "7.0"


def test_value_out_of_schema_range_is_reported(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("t_end_days: 50", "t_end_days: -5")))
    assert "greater than or equal to 0.001" in problems["save.t_end_days"].expected


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("seed: 3", "seed: -1").replace("replicates: 2", "replicates: 0")
    text = text.replace("[formation_rate]", "[formation_rate, nonsense]").replace("kind: komarova", "kind: komarova")
    problems = problems_of(write(tmp_path, text + "colour: blue\n"))
    assert set(problems) >= {"seed", "ensemble.replicates", "colour"}


def test_unknown_sampled_parameter_and_parameter_set(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("[formation_rate]", "[nonsense]")))
    assert set(problems) == {"ensemble.sample.nonsense"}
    problems = problems_of(write(tmp_path, GOOD.replace("parameter_set: ayati2010", "parameter_set: lemaire")))
    assert "komarova2003" in problems["model.parameter_set"].expected


def test_unknown_model_kind(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("kind: komarova", "kind: pivonka")))
    assert any(field.startswith("model") for field in problems)


def test_missing_required_field(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("name: test-run\n", "")))
    assert problems["name"].found == "nothing"


def test_missing_file(tmp_path):
    problems = problems_of(tmp_path / "absent.yaml")
    assert problems["(file)"].found == "no such file"


@pytest.mark.parametrize("text", ["model: [unclosed\n", "name: a\n  bad: indentation\n", "\t- tab"])
def test_broken_yaml_names_the_line(tmp_path, text):
    problems = problems_of(write(tmp_path, text))
    assert problems["(file)"].expected == "valid YAML"
    assert "line" in problems["(file)"].found


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "42\n"])
def test_not_a_mapping(tmp_path, text):
    problems = problems_of(write(tmp_path, text))
    assert "mapping" in next(iter(problems.values())).expected


def test_wrong_format_and_version(tmp_path):
    problems = problems_of(write(tmp_path, GOOD.replace("version: 1", "version: 2")))
    assert set(problems) == {"version"}
    with pytest.raises(InputError):
        scenario_from_dict({"format": "other", "name": "x", "seed": 1})
