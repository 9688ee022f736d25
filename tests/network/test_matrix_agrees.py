"""The vectorised connectivity matrix gives the same answer as can_connect, pair by pair, on a mixed lab."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_network", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_network.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.parametrize("port", [8080, 8050, 443], ids=["on the named http port", "in an endPort range",
                                                         "on a port nothing opens"])
def test_matrix_matches_can_connect(port):
    lab = bench.build(pods=60, policies=25, namespaces=4)
    m = lab.network.matrix(port=port)
    for i, src in enumerate(m.names):
        for j, dst in enumerate(m.names):
            assert bool(m.allowed[i, j]) == lab.network.can_connect(src, dst, port).allowed, (src, dst)
    assert 0 < m.denied < len(m.names) ** 2
