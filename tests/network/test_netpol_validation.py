"""NetworkPolicy validation texts from upstream's ValidateNetworkPolicySpec (pkg/apis/networking/validation)."""

import pytest

import k8slab as kl
from k8slab.network.validation import validate_network_policy


def np_spec(**spec):
    return {"spec": {"podSelector": {}, **spec}}


BAD = [
    (np_spec(ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]),
     ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. '
      '10.9.8.0/24 or 2001:db8::/64)'], "an invalid CIDR"),
    (np_spec(ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/24", "except": ["10.0.0.0/24"]}}]}]),
     ['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/24": must be a strict subset of `cidr`'],
     "an except equal to the cidr"),
    (np_spec(ingress=[{"from": [{}]}]), ["spec.ingress[0].from[0]: Required value: must specify a peer"],
     "an empty peer"),
    (np_spec(egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]),
     ["spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer"], "ipBlock with a selector"),
    (np_spec(ingress=[{"ports": [{"port": 90, "endPort": 80}]}]),
     ["spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`"],
     "an endPort below port"),
    (np_spec(ingress=[{"ports": [{"port": "http", "endPort": 80}]}]),
     ["spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is non-numeric"],
     "an endPort with a named port"),
    (np_spec(ingress=[{"ports": [{"endPort": 80}]}]),
     ["spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is not specified"],
     "an endPort without port"),
    (np_spec(policyTypes=["Ingress", "Sideways"]),
     ['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Egress", "Ingress"'],
     "an unknown policy type"),
]


@pytest.mark.parametrize("obj, errors", [b[:2] for b in BAD], ids=[f"rejects {b[2]}" for b in BAD])
def test_validate_network_policy(obj, errors):
    assert validate_network_policy(obj) == errors


def test_apply_reports_the_error_and_stores_nothing():
    lab = kl.Cluster()
    with pytest.raises(kl.Invalid) as err:
        lab.apply({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "bad"},
                   "spec": {"podSelector": {}, "ingress": [{"from": [{}]}]}})
    assert str(err.value) == 'The NetworkPolicy "bad" is invalid: spec.ingress[0].from[0]: Required value: must ' \
                             "specify a peer"
    assert lab.list("networkpolicy") == []
