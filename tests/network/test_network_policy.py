"""NetworkPolicy verdicts against upstream's e2e truth tables (test/e2e/network/netpol/network_policy.go).

The e2e model: namespaces x, y, z (label ns=<name>), pods a, b, c in each (label pod=<name>), containers serving
ports 80 and 81 over TCP and UDP with named ports serve-80-tcp, serve-81-tcp, serve-80-udp, serve-81-udp.
Each case names the upstream ginkgo test it reproduces; loopback (a pod to itself) is always allowed.
"""

import ipaddress

import pytest

import k8slab as kl
from netlab import add_nodes, net_lab, run_pod

NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")
ALL = [f"{n}/{p}" for n in NAMESPACES for p in PODS]
PORTS = [{"name": f"serve-{port}-{proto.lower()}", "containerPort": port, "protocol": proto}
         for port in (80, 81) for proto in ("TCP", "UDP")]


def model(policy_engine="kindnet"):
    lab = net_lab(seed=0, network={"policy": policy_engine})
    add_nodes(lab, 1)
    for ns in NAMESPACES:
        lab.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"ns": ns}}})
        for p in PODS:
            run_pod(lab, ns, p, {"pod": p}, ports=PORTS)
    return lab


def policy(name, ns, pod_selector, ingress=None, egress=None, types=None):
    spec = {"podSelector": pod_selector}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    if types is not None:
        spec["policyTypes"] = types
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def truth(default, *rules):
    """Reachability like the e2e's: a default, then (from-predicate, to-predicate, value) overrides; loopback ok."""
    table = {}
    for src in ALL:
        for dst in ALL:
            v = default
            for f, t, val in rules:
                if f(src) and t(dst):
                    v = val
            table[(src, dst)] = v or src == dst
    return table


ANY = lambda name: True  # noqa: E731
ns = lambda n: (lambda name: name.startswith(n + "/"))  # noqa: E731
pod = lambda p: (lambda name: name in ([p] if isinstance(p, str) else p))  # noqa: E731

SEL_A = {"matchLabels": {"pod": "a"}}

CASES = [
    pytest.param(  # should support a 'default-deny-ingress' policy
        [policy("deny-ingress", "x", {}, ingress=[])], 80, "TCP",
        truth(True, (ANY, ns("x"), False)), id="default-deny-ingress in x cuts every connection into x"),
    pytest.param(  # should support a 'default-deny-all' policy
        [policy("deny-all", "x", {}, ingress=[], egress=[], types=["Ingress", "Egress"])], 80, "TCP",
        truth(True, (ANY, ns("x"), False), (ns("x"), ANY, False)),
        id="default-deny-all in x cuts every connection into and out of x"),
    pytest.param(  # should enforce policy to allow traffic from pods within server namespace based on PodSelector
        [policy("x-a-allows-x-b", "x", SEL_A, ingress=[{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}])],
        80, "TCP", truth(True, (ANY, pod("x/a"), False), (pod("x/b"), pod("x/a"), True)),
        id="a podSelector peer admits only those pods of the policy's own namespace"),
    pytest.param(  # should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector
        [policy("allow-client-a-via-ns-selector", "x", SEL_A,
                ingress=[{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False), (ns("y"), pod("x/a"), True)),
        id="a namespaceSelector peer admits every pod of the matching namespaces"),
    pytest.param(  # should enforce policy based on PodSelector with MatchExpressions
        [policy("x-a-allows-x-b", "x", SEL_A, ingress=[{"from": [{"podSelector": {"matchExpressions": [
            {"key": "pod", "operator": "In", "values": ["b"]}]}}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False), (pod("x/b"), pod("x/a"), True)),
        id="matchExpressions In select like matchLabels"),
    pytest.param(  # should enforce policy based on NamespaceSelector with MatchExpressions
        [policy("allow-ns-y-z", "x", SEL_A, ingress=[{"from": [{"namespaceSelector": {"matchExpressions": [
            {"key": "ns", "operator": "NotIn", "values": ["x"]}]}}]}])], 80, "TCP",
        truth(True, (ns("x"), pod("x/a"), False)), id="a NotIn namespace expression admits the other namespaces"),
    pytest.param(  # should enforce policy based on PodSelector or NamespaceSelector
        [policy("allow-ns-y-z-pod-b", "x", SEL_A, ingress=[{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["x"]}]}},
            {"podSelector": {"matchLabels": {"pod": "b"}}}]}])], 80, "TCP",
        truth(True, (pod(["x/a", "x/c"]), pod("x/a"), False)), id="two peers in one rule are ORed"),
    pytest.param(  # should enforce policy based on PodSelector and NamespaceSelector
        [policy("allow-ns-y-z-pod-b-c", "x", SEL_A, ingress=[{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["x"]}]},
             "podSelector": {"matchLabels": {"pod": "b"}}}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False), (pod(["y/b", "z/b"]), pod("x/a"), True)),
        id="podSelector and namespaceSelector in one peer are ANDed"),
    pytest.param(  # should enforce policy based on Multiple PodSelectors and NamespaceSelectors
        [policy("allow-ns-y-z-pod-b-c", "x", SEL_A, ingress=[{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["x"]}]},
             "podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b", "c"]}]}}]}])],
        80, "TCP", truth(True, (ANY, pod("x/a"), False), (pod(["y/b", "y/c", "z/b", "z/c"]), pod("x/a"), True)),
        id="expressions on both selectors of one peer"),
    pytest.param(  # should enforce policy to allow traffic only from a pod in a different namespace based on ...
        [policy("allow-ns-y-pod-a", "x", SEL_A, ingress=[{"from": [
            {"namespaceSelector": {"matchLabels": {"ns": "y"}}, "podSelector": {"matchLabels": {"pod": "a"}}}]}])],
        80, "TCP", truth(True, (ANY, pod("x/a"), False), (pod("y/a"), pod("x/a"), True)),
        id="only y/a reaches x/a"),
    pytest.param(  # should enforce policy based on Ports (port 81 allowed from y; tested on 80)
        [policy("allow-ingress-on-port-81-ns-x", "x", SEL_A, ingress=[{
            "from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}], "ports": [{"port": 81}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False)), id="a rule for port 81 opens nothing on port 80"),
    pytest.param(  # should enforce policy based on Ports (tested on 81)
        [policy("allow-ingress-on-port-81-ns-x", "x", SEL_A, ingress=[{
            "from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}], "ports": [{"port": 81}]}])], 81, "TCP",
        truth(True, (ANY, pod("x/a"), False), (ns("y"), pod("x/a"), True)), id="and opens port 81 to y"),
    pytest.param(  # should allow ingress access on one named port
        [policy("allow-all-81", "x", SEL_A, ingress=[{"ports": [{"port": "serve-81-tcp"}]}])], 81, "TCP",
        truth(True), id="a named port opens the container port of that name"),
    pytest.param(  # should allow ingress access on one named port (port 80 blocked)
        [policy("allow-all-81", "x", SEL_A, ingress=[{"ports": [{"port": "serve-81-tcp"}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False)), id="and only that one"),
    pytest.param(  # should enforce ingress policy allowing any port traffic to a server on a specific protocol
        [policy("allow-tcp", "x", SEL_A, ingress=[{"ports": [{"protocol": "TCP"}]}])], 80, "UDP",
        truth(True, (ANY, pod("x/a"), False)), id="a protocol-only port opens every TCP port but no UDP one"),
    pytest.param(  # should support allow-all policy
        [policy("allow-all", "x", {}, ingress=[{}])], 80, "TCP", truth(True), id="an empty rule allows everything"),
    pytest.param(  # should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label
        [policy("allow-client-a-via-ns-selector-for-immutable-ns-label", "x", SEL_A, ingress=[{"from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}]}])], 80, "TCP",
        truth(True, (ANY, pod("x/a"), False), (ns("y"), pod("x/a"), True)),
        id="the kubernetes.io/metadata.name label selects a namespace by name"),
    pytest.param(  # should support denying of egress traffic on the client side (even if the server allows it)
        [policy("deny-egress-x-a", "x", SEL_A, egress=[], types=["Egress"]),
         policy("allow-all-to-y-a", "y", SEL_A, ingress=[{}])], 80, "TCP",
        truth(True, (pod("x/a"), ANY, False)), id="egress denied on the client side wins over the server's allow"),
    pytest.param(  # should enforce multiple egress policies with egress allow-all policy taking precedence
        [policy("allow-egress-port-80", "x", SEL_A, egress=[{"ports": [{"port": 80}]}], types=["Egress"]),
         policy("allow-egress-all", "x", SEL_A, egress=[{}], types=["Egress"])], 81, "TCP",
        truth(True), id="policies add up: an allow-all egress policy opens port 81 too"),
    pytest.param(  # should support policies with endPort field (ports 80-81 allowed from y on x/a)
        [policy("allow-80-81", "x", SEL_A, ingress=[{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}],
                                                     "ports": [{"port": 80, "endPort": 81}]}])], 81, "TCP",
        truth(True, (ANY, pod("x/a"), False), (ns("y"), pod("x/a"), True)), id="endPort opens a range of ports"),
]


@pytest.mark.parametrize("policies, port, protocol, expected", CASES)
def test_e2e_truth_tables(policies, port, protocol, expected):
    lab = model()
    lab.apply(policies)
    m = lab.network.matrix(port=port, protocol=protocol)
    assert m.names == ALL
    got = {(s, d): bool(m.allowed[i, j]) for i, s in enumerate(ALL) for j, d in enumerate(ALL)}
    assert got == expected
    # the single-pair answer agrees with the matrix everywhere
    for (s, d), v in expected.items():
        assert lab.network.can_connect(s, d, port, protocol).allowed == v, (s, d)


def test_except_clause_while_egress_access_to_server_in_cidr_block():
    # should enforce except clause while egress access to server in CIDR block
    lab = model()
    ip_yb = lab.get("pod", "b", "y").status.pod_ip
    cidr = str(ipaddress.ip_network(f"{ip_yb}/24", strict=False))
    lab.apply(policy("deny-client-a-via-except-cidr-egress-rule", "x", SEL_A, types=["Egress"],
                     egress=[{"to": [{"ipBlock": {"cidr": cidr, "except": [f"{ip_yb}/32"]}}]}]))
    assert not lab.network.can_connect("x/a", "y/b", 80)
    assert lab.network.can_connect("x/a", "y/a", 80)
    assert lab.network.can_connect("x/a", "203.0.113.9", 443).allowed is False  # outside the cidr


def test_stop_enforcing_policies_after_they_are_deleted():
    lab = model()
    lab.apply(policy("deny-all", "x", {}, ingress=[], egress=[], types=["Ingress", "Egress"]))
    assert not lab.network.can_connect("y/a", "x/a", 80)
    lab.delete("networkpolicy", "deny-all", "x")
    assert lab.network.can_connect("y/a", "x/a", 80)


def test_verdict_names_the_policies_that_decided():
    lab = model()
    lab.apply([policy("deny-ingress", "x", {}, ingress=[]),
               policy("allow-b", "x", SEL_A, ingress=[{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}])])
    v = lab.network.can_connect("x/b", "x/a", 80)
    assert (v.allowed, v.policies, v.reason) == (True, ("x/allow-b",), "ingress allowed by x/allow-b")
    v = lab.network.can_connect("x/c", "x/a", 80)
    assert (v.allowed, v.policies) == (False, ("x/allow-b", "x/deny-ingress"))  # in name order
    assert v.reason == "ingress to x/a is isolated and no rule allows x/c"
    v = lab.network.can_connect("y/a", "y/b", 80)
    assert (v.allowed, v.policies, v.reason) == (True, (), "no NetworkPolicy selects either pod: allowed by default")


def test_a_policy_selecting_nothing_changes_nothing():
    lab = model()
    lab.apply(policy("selects-nobody", "x", {"matchLabels": {"pod": "nobody"}}, ingress=[]))
    assert lab.network.matrix(port=80).denied == 0


@pytest.mark.parametrize("engine", ["none"], ids=["a cluster without a policy engine stores policies but enforces none"])
def test_engine_none_accepts_but_does_not_enforce(engine):
    lab = model(engine)
    lab.apply(policy("deny-ingress", "x", {}, ingress=[]))
    assert lab.kubectl("get networkpolicy -n x").stdout.splitlines()[1].startswith("deny-ingress")
    v = lab.network.can_connect("y/a", "x/a", 80)
    assert (v.allowed, v.enforced) == (True, False)
    assert v.reason == "network policy engine: none, policies are not enforced (an enforcing engine would deny it)"
    assert lab.network.matrix(port=80).denied == 0


@pytest.mark.parametrize("engine", ["azure", "calico", "cilium", "kindnet"])
def test_enforcing_engines(engine):
    lab = model(engine)
    lab.apply(policy("deny-ingress", "x", {}, ingress=[]))
    assert not lab.network.can_connect("y/a", "x/a", 80)


def test_named_port_in_can_connect_resolves_on_the_destination():
    lab = model()
    lab.apply(policy("allow-81", "x", SEL_A, ingress=[{"ports": [{"port": 81}]}]))
    assert lab.network.can_connect("y/a", "x/a", "serve-81-tcp")
    assert not lab.network.can_connect("y/a", "x/a", "serve-80-tcp")
    with pytest.raises(ValueError, match="x/a has no container port named 'http'"):
        lab.network.can_connect("y/a", "x/a", "http")


def test_truth_table_text_is_the_e2e_format():
    lab = model()
    lab.apply(policy("deny-ingress", "x", {}, ingress=[]))
    text = lab.network.matrix(namespace="x", port=80).to_text()
    assert text == "-\tx/a\tx/b\tx/c\nx/a\t.\tX\tX\nx/b\tX\t.\tX\nx/c\tX\tX\t."
