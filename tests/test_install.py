"""A lean start and a lean install: lazy imports, optional extras with a message naming the extra (issue 20)."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "scipy", "xarray", "numba", "matplotlib", "zarr", "dask", "lifelines", "anndata")
runner = CliRunner()


def modules_after(code: str) -> set[str]:
    """Top-level modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")}
    )
    return set(done.stdout.split())


def test_import_dormancy_loads_no_scientific_stack():
    assert not modules_after("import dormancy") & set(HEAVY)


def test_help_and_version_load_no_model_code():
    heavy = set(HEAVY)  # NumPy too: the command modules import it at first use
    help_ = (
        "import sys\nfrom dormancy.cli import main\nsys.argv = ['dormancy', '--help']\n"
        "try: main()\nexcept SystemExit: pass"
    )
    assert not modules_after(help_) & heavy


def test_lazy_names_resolve_to_the_same_objects():
    from dormancy.results import load_result
    from dormancy.simulate import simulate

    assert dormancy.load_result is load_result
    assert dormancy.simulate is simulate  # a function, although dormancy.simulate is also a module
    assert callable(dormancy.simulate)
    assert dormancy.bone.__name__ == "dormancy.bone"
    assert set(dormancy.__all__) <= set(dir(dormancy))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dormancy.nope  # noqa: B018


def test_jinja2_is_declared_and_heavy_optionals_are_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    assert "jinja2" in core
    for package in ("scanpy", "pyabc", "imageio-ffmpeg", "python-libsbml"):
        assert package not in core
    extras = project["optional-dependencies"]
    assert {"sbml", "calibration", "movie", "scanpy", "app", "all"} <= set(extras)
    assert any(text.startswith("dormancy[all]") for text in extras["test"])  # the test command installs them


@pytest.mark.parametrize(
    ("module", "extra", "arguments"),
    [
        ("libsbml", "sbml", ["sbml", "komarova2003"]),
        ("pyabc", "calibration", ["calibrate", "--out", "calib"]),
        ("imageio_ffmpeg", "movie", ["niche", "--days", "1", "--movie", "m.mp4", "--out", "run"]),
        ("scanpy", "scanpy", ["lab", "run", "hypoxia-intermittent", "--anndata", "--out", "hx"]),
        ("panel", "app", ["app", "--port", "5999"]),
    ],
)
def test_a_missing_extra_exits_2_naming_it_before_any_work(tmp_path, monkeypatch, module, extra, arguments):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail as if it were not installed
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert f'pip install "dormancy[{extra}]"' in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # failed before writing anything


def test_the_python_api_raises_an_import_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "libsbml", None)
    parameter_set = dormancy.load_registry().sets["komarova2003"]
    with pytest.raises(dormancy.MissingExtraError, match=r"dormancy\[sbml\]") as caught:
        dormancy.bone.komarova.to_sbml(parameter_set)
    assert isinstance(caught.value, ImportError)
    assert caught.value.extra == "sbml"


def test_figures_returned_by_a_notebook_cell_are_shown_as_png():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import dormancy\n"
        "import sys\n"
        "assert 'matplotlib' not in sys.modules\n"
        "from matplotlib.figure import Figure\n"
        "figure = Figure()\n"
        "figure.subplots().plot([1, 2])\n"
        "data, _ = shell.display_formatter.format(figure)\n"
        "assert data['image/png'][:4] == b'\\x89PNG', data.keys()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(ROOT / "src")})


def test_progress_bar_draws_in_a_terminal(capsys):
    progress = dormancy.progress_bar("patients", every_s=0.0)
    for done in (0, 50, 100):
        progress(done, 100)
    err = capsys.readouterr().err
    assert err.count("\r") == 3 and err.endswith("\n")
    assert "patients [" in err and "100/100 (100%" in err


def test_progress_bar_updates_one_line_in_a_notebook(monkeypatch):
    import IPython
    import IPython.display

    class Shell:  # stands in for the Jupyter kernel's shell
        pass

    Shell.__name__ = "ZMQInteractiveShell"
    shown = []

    class Handle:
        def update(self, data, raw):
            shown.append(("update", data["text/plain"]))

    def display(data, raw, display_id):
        shown.append(("display", data["text/plain"]))
        return Handle()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    monkeypatch.setattr(IPython.display, "display", display)
    progress = dormancy.progress_bar("cells", every_s=0.0)
    progress(1, 4)
    progress(4, 4)
    assert [kind for kind, _ in shown] == ["display", "update"]
    assert "4/4 (100%" in shown[-1][1]
