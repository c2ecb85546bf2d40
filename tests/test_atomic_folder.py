"""atomic_folder: a result folder appears whole or not at all, and never replaces a folder that is not ours."""

import os

import pytest

from dormancy.atomic import atomic_folder


def _siblings(parent):
    return sorted(p.name for p in parent.iterdir())


def test_the_folder_appears_only_when_the_block_ends(tmp_path):
    destination = tmp_path / "out"
    with atomic_folder(destination) as temporary:
        (temporary / "manifest.json").write_text("{}")
        assert not destination.exists()
    assert (destination / "manifest.json").read_text() == "{}"
    assert _siblings(tmp_path) == ["out"]


def test_a_failure_leaves_nothing_behind(tmp_path):
    destination = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_folder(destination) as temporary:
        (temporary / "half.csv").write_text("a,b\n")
        raise RuntimeError("writer failed")
    assert _siblings(tmp_path) == []


def test_an_existing_folder_is_kept_without_overwrite(tmp_path):
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "manifest.json").write_text("old")
    with pytest.raises(FileExistsError, match="overwrite"), atomic_folder(destination):
        pass
    assert (destination / "manifest.json").read_text() == "old"


def test_overwrite_replaces_our_folder_and_a_failure_keeps_the_old_one(tmp_path):
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "manifest.json").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(destination, overwrite=True) as temporary:
        (temporary / "manifest.json").write_text("new")
        raise RuntimeError("writer failed")
    assert (destination / "manifest.json").read_text() == "old"
    with atomic_folder(destination, overwrite=True) as temporary:
        (temporary / "manifest.json").write_text("new")
    assert (destination / "manifest.json").read_text() == "new"
    assert _siblings(tmp_path) == ["out"]


def test_overwrite_refuses_a_folder_that_is_not_ours(tmp_path):
    home_like = tmp_path / "home"
    home_like.mkdir()
    (home_like / "thesis.tex").write_text("years of work")
    with (
        pytest.raises(FileExistsError, match="not a dormancy result folder"),
        atomic_folder(home_like, overwrite=True),
    ):
        pass
    assert (home_like / "thesis.tex").read_text() == "years of work"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(FileExistsError), atomic_folder(a_file, overwrite=True):
        pass
    assert a_file.read_text() == "x"


def test_overwrite_accepts_an_empty_folder_and_a_missing_parent_is_named(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_folder(empty, overwrite=True) as temporary:
        (temporary / "manifest.json").write_text("{}")
    assert os.listdir(empty) == ["manifest.json"]
    with (
        pytest.raises(FileNotFoundError, match="a cohort"),
        atomic_folder(tmp_path / "missing" / "out", what="a cohort"),
    ):
        pass
