"""A control-plane lab for the admission tests."""

import pytest

import k8slab as kl


@pytest.fixture
def lab():
    return kl.Cluster(seed=0, components=[])
