"""atomic_folder: a result folder appears whole or not at all, and never replaces a folder that is not ours."""

import os

import pytest

from dormancy.atomic import atomic_folder, remove_stale, replace_problem, written_by_us

OURS = '{"format_name": "dormancy.result", "format_version": 1}'


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
    (destination / "manifest.json").write_text(OURS)
    with pytest.raises(RuntimeError), atomic_folder(destination, overwrite=True) as temporary:
        (temporary / "manifest.json").write_text("new")
        raise RuntimeError("writer failed")
    assert (destination / "manifest.json").read_text() == OURS
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


@pytest.mark.parametrize(
    "manifest",
    [
        "{}",
        "not json",
        '{"format_name": "someone.else", "format_version": 1}',
        '{"format_name": "dormancy.result"}',
        '{"format_name": "dormancy.result", "format_version": true}',
        '["dormancy.result", 1]',
    ],
)
def test_overwrite_refuses_a_folder_whose_manifest_is_not_ours(tmp_path, manifest):
    user = tmp_path / "p"
    user.mkdir()
    (user / "manifest.json").write_text(manifest)
    (user / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not a dormancy result folder"), atomic_folder(user, overwrite=True):
        pass
    assert (user / "keep.txt").read_text() == "x"
    assert _siblings(tmp_path) == ["p"]


def test_an_older_format_version_is_still_ours(tmp_path):
    assert written_by_us(tmp_path) is False
    (tmp_path / "manifest.json").write_text('{"format_name": "dormancy.result", "format_version": 1, "x": 2}')
    assert written_by_us(tmp_path)


def test_the_current_folder_and_its_parents_are_never_replaced(tmp_path, monkeypatch):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "a" / "manifest.json").write_text(OURS)
    monkeypatch.chdir(inner)
    assert replace_problem(".") == "the current folder or a folder that holds it"
    assert replace_problem(tmp_path / "a") == "the current folder or a folder that holds it"
    with pytest.raises(FileExistsError), atomic_folder(tmp_path / "a", overwrite=True):
        pass
    with pytest.raises(FileExistsError, match="current folder"), atomic_folder(".", overwrite=True):
        pass
    assert (tmp_path / "a" / "manifest.json").read_text() == OURS


def _dead_pid():
    """A process id that has just exited."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_folders_of_killed_saves_are_removed_and_live_ones_kept(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    stale = tmp_path / f".out.tmp-{dead}-{'a' * 32}"
    live = tmp_path / f".out.tmp-{alive}-{'b' * 32}"
    other = tmp_path / f".other.tmp-{dead}-{'c' * 32}"
    for folder in (stale, live, other):
        folder.mkdir()
    with atomic_folder(tmp_path / "out") as temporary:
        (temporary / "manifest.json").write_text(OURS)
    assert _siblings(tmp_path) == sorted(["out", live.name, other.name])


def test_a_folder_moved_aside_by_a_killed_save_is_put_back(tmp_path):
    aside = tmp_path / f".out.old-{_dead_pid()}-{'d' * 32}"
    aside.mkdir()
    (aside / "manifest.json").write_text(OURS)
    assert remove_stale(tmp_path / "out") == []
    assert (tmp_path / "out" / "manifest.json").read_text() == OURS
    assert _siblings(tmp_path) == ["out"]
