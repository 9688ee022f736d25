"""The packaging promises: environment.yml mirrors pyproject.toml, the public API is what it says, import is light."""

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import k8slab

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    for sep in ("[", ">", "<", "=", "!", "~", " ", ";"):
        req = req.split(sep)[0]
    return req.strip().lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {r for r in project["dependencies"] + project["optional-dependencies"]["notebooks"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {r for r in pip if not r.startswith("-")}
    assert {_name(r): r for r in listed} == {_name(r): r for r in wanted}


def test_the_public_api_lists_only_names_that_exist():
    for name in k8slab.__all__:
        assert getattr(k8slab, name) is not None, name


def test_the_design_api_is_public():
    for name in ("Cluster", "parse_quantity", "parse_selector", "selector_from", "plan_ips", "NotFound",
                 "AlreadyExists", "Conflict", "Invalid", "Forbidden", "Unsupported", "KUBERNETES_VERSION"):
        assert name in k8slab.__all__


def test_import_does_not_pull_plotting_or_widgets():
    code = "import sys, k8slab; print(sorted(m for m in ('matplotlib', 'ipywidgets', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_makefile_test_target_runs_every_kind_of_test():
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "--nbval" in test_recipe and "tests" in test_recipe and "notebooks" in test_recipe
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_readme_shows_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_blocks = readme.split("```")[1]
    assert "make lab" in first_blocks and "make test" in first_blocks
