"""The layers are written down in pyproject.toml's import-linter contract: every app of the
portal has its place there, and the contract holds (CI and `make lint` run lint-imports too)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _project_apps() -> set[str]:
    return {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}


def _layered_packages() -> set[str]:
    layers = next(c for c in CONTRACTS["contracts"] if c["type"] == "layers")["layers"]
    return {name.strip().split(".")[0] for layer in layers for name in layer.replace(":", "|").split("|")}


def test_every_app_of_the_portal_has_a_layer():
    assert _project_apps() - set(CONTRACTS["root_packages"]) == set(), "add the app to root_packages"
    assert _project_apps() - _layered_packages() == set(), "add the app to a layer of the contract"


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: accounts (the ground) importing the coordinator's workspace
    (the top) is reported, even inside a function."""
    probe = ROOT / "accounts" / "_layer_probe.py"
    probe.write_text("def f():\n    from coordinator import views  # noqa: F401\n")
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.unlink()
    assert result.returncode != 0
    assert "accounts._layer_probe -> coordinator" in result.stdout
