"""Streamed cohorts: the dataset holds the in-memory rows, the merged summaries equal the whole table's."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from dormancy.patients import CohortSpec, simulate_cohort, survival_outcomes
from dormancy.patients.cohort_summary import CohortSummary, SummaryAccumulator, hazard_intervals
from dormancy.patients.dataset import (
    DATASET_FORMAT,
    DICTIONARY_COLUMNS,
    PARTS_FOLDER,
    iter_cohort_chunks,
    read_cohort,
    stream_cohort,
)
from dormancy.patients.event_table import EventTable
from dormancy.patients.outcomes import cumulative_incidence, kaplan_meier_at
from dormancy.patients.summaries import annual_hazard

SPEC = CohortSpec(1200, followup_years=20.0)
SEED = 17
HORIZONS = (2.5, 5.0, 10.0, 15.0, 20.0)


@pytest.fixture(scope="module")
def table():
    return simulate_cohort(SPEC, seed=SEED).table


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    return stream_cohort(SPEC, tmp_path_factory.mktemp("stream") / "cohort", seed=SEED, chunk_size=250)


def test_event_table_estimates_equal_lifelines_and_merge_exactly():
    rng = np.random.default_rng(4)
    durations = np.minimum(rng.exponential(12.0, 3000), 20.0)
    causes = np.where(durations >= 20.0, 0, rng.integers(0, 3, durations.size))
    durations[:40] = 7.0  # tied censorings and events at one time
    causes[:40] = np.arange(40) % 2
    whole = EventTable.from_arrays(durations, causes, n_causes=2)
    merged = EventTable.merge([EventTable.from_arrays(durations[i::7], causes[i::7], n_causes=2) for i in range(7)])
    for table in (whole, merged):
        np.testing.assert_allclose(table.survival_at(HORIZONS), kaplan_meier_at(durations, causes > 0, HORIZONS),
                                   rtol=0, atol=1e-12)  # fmt: skip
        np.testing.assert_allclose(
            table.survival_at(HORIZONS, cause=1), kaplan_meier_at(durations, causes == 1, HORIZONS), rtol=0, atol=1e-12
        )
    untied = causes[40:], durations[40:]
    reference = cumulative_incidence(untied[1], untied[0], HORIZONS)  # lifelines jitters tied event times
    split = [EventTable.from_arrays(untied[1][i::5], untied[0][i::5], n_causes=2) for i in range(5)]
    np.testing.assert_allclose(EventTable.merge(split).incidence_at(HORIZONS), reference, rtol=0, atol=1e-12)
    assert np.isnan(EventTable.empty(2).survival_at([1.0])).all()


def test_event_tables_count_tied_patients_once():
    durations = np.r_[np.full(500, 20.0), np.linspace(1.0, 19.0, 50), np.full(10, 7.0)]
    causes = np.r_[np.zeros(500, int), np.arange(50) % 3, np.ones(10, int)]
    table = EventTable.from_arrays(durations, causes, n_causes=2)
    assert table.n_patients == 560 and table.times.size == 52  # 500 censored at 20 y and 10 deaths at 7 y: 1 each
    merged = EventTable.merge([EventTable.from_arrays(durations[i::3], causes[i::3], n_causes=2) for i in range(3)])
    assert merged.times.size == 52  # ties of the parts merged into one entry
    for got, expected in zip(merged.grouped(), table.grouped(), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_summaries_merged_as_chunks_finish_equal_the_merge_in_chunk_order(table):
    cuts = [0, 90, 100, 350, 351, 600, 800, 1000, 1111, 1200]
    intervals = hazard_intervals(20.0)
    parts = [CohortSummary.from_table(table.iloc[a:b], intervals=intervals) for a, b in itertools.pairwise(cuts)]
    expected = CohortSummary.merge(parts)
    for order in ([8, 7, 6, 5, 4, 3, 2, 1, 0], [3, 0, 8, 1, 5, 2, 7, 4, 6], list(range(9))):
        accumulator = SummaryAccumulator(len(parts))
        for index in order:
            accumulator.add(index, parts[index])
        got = accumulator.result()
        np.testing.assert_array_equal(got.er_person_years, expected.er_person_years)  # bit-identical sums
        for name in ("er_patients", "er_recurred", "er_bone_first", "er_events"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
        assert (got.dtc_positive, got.failed) == (expected.dtc_positive, expected.failed)
        assert got.sites.keys() == expected.sites.keys()
        assert all((got.sites[k] == expected.sites[k]).all() for k in got.sites)
        pd.testing.assert_frame_equal(got.survival_outcomes(HORIZONS), expected.survival_outcomes(HORIZONS), rtol=0,
                                      atol=0)  # fmt: skip
        pd.testing.assert_frame_equal(got.cumulative_recurrence(HORIZONS), expected.cumulative_recurrence(HORIZONS),
                                      rtol=0, atol=0)  # fmt: skip
    accumulator = SummaryAccumulator(2)
    accumulator.add(1, parts[1])
    with pytest.raises(ValueError, match="already added"):
        accumulator.add(1, parts[1])
    with pytest.raises(ValueError, match="not added"):
        accumulator.result()


def test_streamed_rows_equal_the_in_memory_table(streamed, table):
    assert streamed.n_chunks == 5
    back = read_cohort(streamed.path, categorical=False)
    pd.testing.assert_frame_equal(back, table)
    chunks = list(iter_cohort_chunks(streamed.path, categorical=False))
    assert [len(c) for c in chunks] == [250, 250, 250, 250, 200]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), table)


def test_text_columns_are_dictionary_encoded_and_the_folder_is_described(streamed):
    import pyarrow.parquet as pq

    schema = pq.read_schema(streamed.path / PARTS_FOLDER / "part-000000.parquet")
    for column in DICTIONARY_COLUMNS:
        assert str(schema.field(column).type).startswith("dictionary"), column
    assert isinstance(read_cohort(streamed.path)["subtype"].dtype, pd.CategoricalDtype)
    dataset = json.loads((streamed.path / "dataset.json").read_text())
    assert dataset["format_name"] == DATASET_FORMAT and dataset["format_version"] == 1 and dataset["rows"] == 1200
    manifest = json.loads((streamed.path / "manifest.json").read_text())
    assert manifest["settings"]["storage"]["format"] == DATASET_FORMAT and manifest["seed"] == SEED
    assert not any(p.name.startswith(".") for p in streamed.path.parent.iterdir())  # no partial folder left


def test_merged_summary_equals_the_whole_tables_statistics(streamed, table):
    summary = streamed.summary
    whole = CohortSummary.from_table(table, intervals=hazard_intervals(20.0))
    expected = survival_outcomes(table, horizons=HORIZONS)
    pd.testing.assert_frame_equal(summary.survival_outcomes(HORIZONS), expected, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(whole.survival_outcomes(HORIZONS), expected, rtol=0, atol=1e-12)
    hazards = summary.hazards().set_index("group")
    reference = annual_hazard(table, hazard_intervals(20.0), by="er_positive")
    for er, label in ((True, "ER+"), (False, "ER−")):
        rows = reference[reference["group"] == er]
        for row in rows.itertuples():
            assert hazards.loc[label, f"events_{row.start:g}-{row.end:g}"] == row.events
            person_years = hazards.loc[label, f"person_years_{row.start:g}-{row.end:g}"]
            assert person_years == pytest.approx(row.person_years, rel=1e-12)
    assert hazards.loc["all", "recurred"] == table["recurred"].sum()
    bone = (table["recurred"] & (table["recurrence_site"] == "bone")).sum()
    assert hazards.loc["all", "bone_first"] == bone
    for er, label in ((True, "ER+"), (False, "ER−")):
        rows = table[table["er_positive"] == er]
        exits = np.where(rows["recurred"], rows["recurrence_years"], rows["followup_years"])
        km = 1.0 - kaplan_meier_at(exits, rows["recurred"], HORIZONS)
        np.testing.assert_allclose(summary.cumulative_recurrence(HORIZONS)[label], km, rtol=0, atol=1e-12)
    sites = summary.site_table().set_index("subtype")
    for subtype, rows in table[table["recurred"]].groupby("subtype"):
        assert sites.loc[subtype, "recurred"] == len(rows)
        assert sites.loc[subtype, "bone"] == pytest.approx((rows["recurrence_site"] == "bone").mean(), rel=1e-12)
    assert summary.dtc_positive == table["dtc_positive"].sum() and summary.failed == 0


def test_other_chunk_sizes_and_two_workers_write_the_same_rows(tmp_path, table, two_workers):
    one = stream_cohort(SPEC, tmp_path / "one", seed=SEED, chunk_size=1200)
    two = stream_cohort(SPEC, tmp_path / "two", seed=SEED, chunk_size=100, scheduler=two_workers)
    assert (one.n_chunks, two.n_chunks) == (1, 12)
    for result in (one, two):
        pd.testing.assert_frame_equal(read_cohort(result.path, categorical=False), table)
    outcomes = one.summary.survival_outcomes(HORIZONS)
    pd.testing.assert_frame_equal(two.summary.survival_outcomes(HORIZONS), outcomes, rtol=0, atol=1e-12)
    assert (two.summary.er_events == one.summary.er_events).all()


def test_pipelined_chunks_are_written_and_reported_in_order(tmp_path, table):
    # 12 chunks through the in-process pipeline (kernel of chunk i while another thread builds chunk i - 1's rows
    # and prepares chunk i + 1): the rows of the serial stages, reported once each, in patient order
    reported = []
    result = stream_cohort(SPEC, tmp_path / "c", seed=SEED, chunk_size=100, progress=lambda d, n: reported.append(d))
    assert reported == list(range(100, 1201, 100))
    chunks = list(iter_cohort_chunks(result.path, categorical=False))
    assert [c["patient"].iloc[0] for c in chunks] == list(range(0, 1200, 100))
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), table)


def test_the_kernel_called_from_two_threads_at_once_gives_each_its_rows(table):
    # the kernel releases the GIL; two threads' calls run one at a time (kernel_io's lock) and neither moves a draw
    from concurrent.futures import ThreadPoolExecutor

    spec = CohortSpec(600, followup_years=20.0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(
            pool.map(
                lambda ids: simulate_cohort(spec, seed=SEED, patient_ids=ids, chunk_size=150).table,
                [np.arange(600), np.arange(600, 1200)],
            )
        )
    pd.testing.assert_frame_equal(pd.concat(halves, ignore_index=True), table)


def test_given_ids_stream_as_in_memory_here_and_on_workers(tmp_path, two_workers):
    spec = CohortSpec(200, followup_years=6.0)
    ids = np.arange(5000, 5400, 2)  # not the default ids: each task gets its chunk's ids (14 tasks > the window)
    expected = simulate_cohort(spec, seed=SEED, patient_ids=ids).table
    here = stream_cohort(spec, tmp_path / "here", seed=SEED, patient_ids=ids, chunk_size=64)
    there = stream_cohort(spec, tmp_path / "there", seed=SEED, patient_ids=ids, chunk_size=15, scheduler=two_workers)
    for result in (here, there):
        pd.testing.assert_frame_equal(read_cohort(result.path, categorical=False), expected)
    np.testing.assert_array_equal(here.summary.er_events, there.summary.er_events)


def test_an_interrupted_run_resumes_from_the_chunks_on_disk(tmp_path, table):
    class Stop(Exception):
        pass

    def stop_after_two(done, total):
        if done >= 500:
            raise Stop

    path = tmp_path / "cohort"
    with pytest.raises(Stop):
        stream_cohort(SPEC, path, seed=SEED, chunk_size=250, progress=stop_after_two)
    assert not path.exists()  # nothing published
    partial = tmp_path / ".cohort.partial"
    assert sorted(p.name for p in (partial / PARTS_FOLDER).iterdir()) == ["part-000000.parquet", "part-000001.parquet"]
    resumed = stream_cohort(SPEC, path, seed=SEED, chunk_size=250)
    assert resumed.resumed_chunks == 2 and not partial.exists()
    pd.testing.assert_frame_equal(read_cohort(path, categorical=False), table)
    pd.testing.assert_frame_equal(
        resumed.summary.survival_outcomes(HORIZONS), survival_outcomes(table, horizons=HORIZONS), rtol=0, atol=1e-12
    )
    with pytest.raises(FileExistsError):
        stream_cohort(SPEC, path, seed=SEED, chunk_size=250)


def test_a_partial_folder_of_other_inputs_is_started_afresh(tmp_path):
    small = CohortSpec(60, followup_years=3.0)

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stream_cohort(small, tmp_path / "c", seed=1, chunk_size=30, progress=stop)
    result = stream_cohort(small, tmp_path / "c", seed=2, chunk_size=30)
    assert result.resumed_chunks == 0
    pd.testing.assert_frame_equal(
        read_cohort(result.path, categorical=False), simulate_cohort(small, seed=2).table, check_dtype=True
    )


def test_cohort_command_streams_above_the_threshold(tmp_path):
    from typer.testing import CliRunner

    from dormancy.cli import app

    out = tmp_path / "cohort"
    arguments = ["cohort", "--patients", "300", "--years", "6", "--seed", "3", "--out", str(out)]
    streamed = CliRunner().invoke(app, [*arguments, "--stream-above", "100", "--chunk-size", "128"])
    assert streamed.exit_code == 0, streamed.output
    assert (out / "dataset.json").is_file() and not (out / "patients.parquet").exists()
    expected = simulate_cohort(CohortSpec(300, followup_years=6.0), seed=3).table
    pd.testing.assert_frame_equal(read_cohort(out, categorical=False), expected)
    in_memory = CliRunner().invoke(app, [*arguments[:-1], str(tmp_path / "memory")])
    assert in_memory.exit_code == 0, in_memory.output
    assert (tmp_path / "memory" / "patients.parquet").is_file()
    strip = [line for line in streamed.output.splitlines() if "result:" not in line]
    assert strip == [line for line in in_memory.output.splitlines() if "result:" not in line]


def test_a_streamed_folder_loads_as_a_cohort(streamed, table):
    from dormancy.folders import load

    folder = load(streamed.path)
    assert folder.kind == "cohort"
    patients = folder.tables["patients"]
    assert len(patients) == len(table) and (patients["patient"].to_numpy() == table["patient"].to_numpy()).all()
    assert (patients["death_cause"].astype(str).to_numpy() == table["death_cause"].to_numpy()).all()
