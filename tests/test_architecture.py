"""Layering: a lower layer never imports a higher one; presentation uses only the public API."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "dormancy"

LAYERS = {
    "_version": 0,
    "_optional": 0,
    "progress": 0,
    "errors": 0,
    "atomic": 0,
    "rng": 0,
    "distributed": 0,
    "provenance": 0,
    "results": 0,
    "inputs": 0,
    "jit": 0,
    "params": 1,
    "inference": 1,
    "ode": 2,
    "sbml": 2,
    "pkpd": 2,
    "bone": 3,
    "signalling": 3,
    "coupling": 3.5,
    "niche": 4,
    "patients": 4,
    "scenario": 5,
    "scenarios": 5,
    "trials": 5,
    "lab": 5,
    "simulate": 6,
    "folders": 6,
    "__init__": 7,
    "plotting": 7,
    "cli": 8,
    "dashboard": 8,
}


def top_module(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def dormancy_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "dormancy":
            parts = node.module.split(".")
            yield parts[1] if len(parts) > 1 else "__init__", node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "dormancy":
                    yield parts[1] if len(parts) > 1 else "__init__", node.lineno


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {top_module(p) for p in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = LAYERS[top_module(path)]
    for imported, line in dormancy_imports(path):
        assert LAYERS[imported] <= own, f"{path.name}:{line} imports dormancy.{imported} from a lower layer"


@pytest.mark.parametrize(
    "path", [*sorted((PACKAGE / "cli").rglob("*.py")), PACKAGE / "dashboard.py"], ids=lambda p: p.name
)
def test_the_command_line_uses_only_the_public_api(path):
    imports = {imported for imported, _ in dormancy_imports(path)}
    assert imports <= {"__init__", "cli"}, f"cli/{path.name} reaches past the public API: {imports}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_800_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 800
