"""Every command of the README's "Using it" list runs as written, in order, in a fresh folder (issue 20).

Sizes are made small by adding or replacing only size options (patients, replicates, days, samples, points,
cells...): ``SMALLER`` below lists each change, so a reader can see that the commands are otherwise verbatim.
Shell redirection (``> file``) is done here; a command's standard output then goes to that file.
"""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"

# option -> small value, applied where the option appears (replaced) or, for the commands listed, added
SMALLER = {
    "--days": {"switch": "2", "niche": "0.25"},
    "--patients": {"cohort": "200", "calibration-report": "300", "sensitivity": "100", "calibrate": "50"},
    "--replicates": {"trial": "1"},
    "--samples": {"sensitivity": "2"},
    "--points": {"switch": "5"},
    "--years": {"bone": "2"},
    "--population-size": {"calibrate": "5"},
    "--generations": {"calibrate": "1"},
    "--target": {"trial-sensitivity": "44"},
    "--n-base": {"trial-sensitivity": "2"},
    "--trajectories": {"trial-sensitivity": "2"},
    "--top": {"trial-sensitivity": "1"},
    "--noise-seeds": {"trial-sensitivity": "0"},
}


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    using = text[text.index("## Using it") :]
    block = re.search(r"```bash\n(.*?)```", using, flags=re.DOTALL).group(1)
    return [" ".join(shlex.split(line, comments=True)) for line in block.splitlines() if line.strip()]


# when a size option the README does not give is added (it is always replaced where given)
ADD_WHEN = {
    ("switch", "--points"): lambda words: "--scan" in words,
    ("switch", "--days"): lambda words: "--scan" not in words,
    ("trial", "--replicates"): lambda words: words[2] not in ("list", "template"),
    ("niche", "--days"): lambda words: "--show-default" not in words,
}


def smaller(words: list[str]) -> list[str]:
    name, words = words[1], list(words)
    for option, by_command in SMALLER.items():
        value = by_command.get(name)
        if value is None:
            continue
        if option in words:
            words[words.index(option) + 1] = value
        elif ADD_WHEN.get((name, option), lambda _: True)(words):
            words += [option, value]
    if name == "lab" and words[2] == "run":  # the protocol's small dish, for settings the README leaves out
        given = {item.split("=")[0].replace("-", "_") for item in words if "=" in item}
        given |= {"days"} if "--days" in words else set()
        words += [
            f"--set={key}={value}" for key, value in dormancy.lab.PROTOCOLS[words[3]].quick.items() if key not in given
        ]
    return words


def test_the_readme_lists_commands():
    commands = readme_commands()
    assert len(commands) > 25
    assert all(command.startswith("dormancy ") for command in commands)


@pytest.mark.slow
def test_every_readme_command_runs_as_written_in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for line in readme_commands():
        if line.startswith("dormancy app"):
            continue  # a server that runs until stopped: tests/test_app_browser.py drives it in Chromium
        words = line.split()
        redirect = None
        if ">" in words:
            redirect = words[words.index(">") + 1]
            words = words[: words.index(">")]
        arguments = smaller(words)[1:]
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, f"{line}\n(ran: dormancy {' '.join(arguments)})\n{result.output}"
        if redirect is not None:
            Path(redirect).write_text(result.stdout, encoding="utf-8")
    written_files = ("my.yaml", "results/my-run/manifest.json", "results/my-run/figure.png", "ayati2010.xml")
    for written in (*written_files, "bone.csv"):
        assert (tmp_path / written).is_file(), written
    for folder in ("niche-run", "run2", "report", "sens", "calib", "cohort", "big", "cc", "hx", "sph", "nsg"):
        assert (tmp_path / folder).is_dir(), folder
    assert (tmp_path / "hx" / "cells.h5ad").is_file()
    assert (tmp_path / "clever" / "report.html").is_file() and (tmp_path / "my-trial" / "report.html").is_file()
