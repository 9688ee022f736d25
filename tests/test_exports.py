"""What chapters import from a package resolves, and the package lists every public function of its modules."""

import importlib
import pkgutil

import pytest


@pytest.mark.parametrize("package", ["k8slab.plot", "k8slab.widgets", "k8slab.admission", "k8slab.secrets"])
def test_every_exported_name_resolves(package):
    pkg = importlib.import_module(package)
    missing = [name for name in pkg.__all__ if getattr(pkg, name, None) is None]
    assert missing == []


@pytest.mark.parametrize("package", ["k8slab.plot", "k8slab.widgets"])
def test_every_public_function_of_a_chapter_module_is_exported(package):
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        lower = [n for n in module.__all__ if not n.isupper()]
        assert set(lower) <= set(pkg.__all__), (info.name, sorted(set(lower) - set(pkg.__all__)))


def test_importing_the_chapter_packages_loads_no_plotting_or_widget_library():
    import subprocess
    import sys

    code = ("import sys, k8slab.plot, k8slab.widgets, k8slab.admission, k8slab.secrets; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'networkx') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "[]\n"


def test_an_unknown_name_is_an_attribute_error():
    import k8slab.plot

    with pytest.raises(AttributeError, match="has no attribute 'draw_nothing'"):
        k8slab.plot.draw_nothing  # noqa: B018
