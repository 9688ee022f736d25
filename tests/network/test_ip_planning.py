"""Tests for k8slab.network.ip_planning: the AKS docs' worked examples, limits and errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8slab.network.ip_planning import (
    DEFAULT_MAX_PODS,
    NODE_LIMITS,
    PLUGINS,
    IPPlan,
    plan_ips,
    subnet_usable_ips,
)

PLANNING = "https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning"
KUBENET = "https://learn.microsoft.com/azure/aks/configure-kubenet"
OVERLAY = "https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay"


# The docs' worked examples, each (kwargs, expected attributes).
DOC_EXAMPLES = [
    pytest.param(
        # https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning
        # "Example for a 50-node cluster: (51) + (51 * 30 (default)) = 1,581 (/21 or larger)"
        dict(plugin="azure-cni", nodes=50),
        dict(node_count=51, max_pods=30, ips_required=1581, smallest_prefix="/21"),
        id="a 50-node Azure CNI cluster needs 1,581 IPs, a /21",
    ),
    pytest.param(
        # https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning
        # "50-node cluster, preparing to scale up an extra 10 nodes with the default max surge of 1 node:
        #  (61) + (61 * 30 (default)) = 1,891 (/21 or larger)"
        dict(plugin="azure-cni", nodes=50, scale_out=10),
        dict(node_count=61, ips_required=1891, smallest_prefix="/21"),
        id="scaling that cluster out by 10 nodes needs 1,891 IPs, still a /21",
    ),
    pytest.param(
        # https://learn.microsoft.com/azure/aks/configure-kubenet
        # "kubenet - a simple /24 IP address range can support up to 251 nodes ... up to 27,610 pods
        #  (with a default maximum of 110 pods per node)"; "These maximums don't take into account
        #  upgrade or scale operations" => surge=0.
        dict(plugin="kubenet", nodes=1, surge=0, subnet="192.168.1.0/24"),
        dict(usable_ips=251, max_nodes=251, max_pods_total=27610),
        id="a kubenet /24 holds 251 nodes and 27,610 pods without surge",
    ),
    pytest.param(
        # https://learn.microsoft.com/azure/aks/configure-kubenet
        # "Azure CNI - that same basic /24 subnet range could only support a maximum of 8 nodes ...
        #  up to 240 pods (with a default maximum of 30 pods per node)"
        dict(plugin="azure-cni", nodes=1, surge=0, subnet="192.168.1.0/24"),
        dict(usable_ips=251, max_nodes=8, max_pods_total=240),
        id="an Azure CNI /24 holds only 8 nodes and 240 pods without surge",
    ),
    pytest.param(
        # https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay
        # "A /24 subnet can fit up to 251 nodes"
        dict(plugin="azure-cni-overlay", nodes=1, surge=0, subnet="10.224.0.0/24"),
        dict(usable_ips=251, max_nodes=251),
        id="an Overlay /24 node subnet fits 251 nodes",
    ),
]


@pytest.mark.parametrize("kwargs, expected", DOC_EXAMPLES)
def test_docs_worked_examples(kwargs, expected):
    plan = plan_ips(**kwargs)
    assert {k: getattr(plan, k) for k in expected} == expected


@pytest.mark.parametrize(
    "plugin, default",
    [
        # https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning, "Maximum pods per node"
        pytest.param("azure-cni-overlay", 250, id="Overlay defaults to 250 max pods"),
        pytest.param("azure-cni-pod-subnet", 110, id="Pod Subnet defaults to 110 max pods"),
        pytest.param("azure-cni", 30, id="legacy Azure CNI defaults to 30 max pods"),
        pytest.param("kubenet", 110, id="kubenet defaults to 110 max pods"),
    ],
)
def test_default_max_pods_per_plugin(plugin, default):
    assert DEFAULT_MAX_PODS[plugin] == default
    assert plan_ips(plugin, nodes=3).max_pods == default


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param(
            dict(plugin="kubenet", nodes=50),
            dict(ips_required=51, smallest_prefix="/26", pod_ips_required=51 * 256, pod_prefix="/18"),
            id="kubenet takes one subnet IP per node and a /24 per node from the pod CIDR",
        ),
        pytest.param(
            dict(plugin="azure-cni-overlay", nodes=255, surge=1),
            dict(ips_required=256, smallest_prefix="/23", pod_prefix="/16"),
            id="256 Overlay nodes need a /16 pod CIDR and a /23 node subnet",
        ),
        pytest.param(
            dict(plugin="azure-cni-pod-subnet", nodes=50, max_pods=30),
            dict(ips_required=51, pod_ips_required=51 * 30, pod_prefix="/21"),
            id="Pod Subnet puts node IPs in the node subnet and pod IPs in the pod subnet",
        ),
        pytest.param(
            dict(plugin="azure-cni", nodes=50),
            dict(pod_ips_required=0, pod_prefix=None),
            id="legacy Azure CNI has no pod range outside the node subnet",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=1, surge=0),
            dict(ips_required=1, smallest_prefix="/29", pod_prefix="/24"),
            id="the smallest subnet is never below a /29",
        ),
    ],
)
def test_per_plugin_budget(kwargs, expected):
    plan = plan_ips(**kwargs)
    assert {k: getattr(plan, k) for k in expected} == expected


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param(
            # https://learn.microsoft.com/azure/aks/configure-kubenet:
            # "Azure supports a maximum of 400 routes in a UDR, so you can't have an AKS cluster larger than 400 nodes"
            dict(plugin="kubenet", nodes=10, subnet="10.0.0.0/16"),
            dict(max_nodes=400, max_pods_total=44000, within_node_limit=True),
            id="kubenet stops at 400 nodes however large the subnet",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=401),
            dict(within_node_limit=False),
            id="401 kubenet nodes exceed the route table limit",
        ),
        pytest.param(
            # https://learn.microsoft.com/azure/aks/quotas-skus-regions: 5,000 nodes per cluster
            dict(plugin="azure-cni-overlay", nodes=10, subnet="10.0.0.0/16"),
            dict(max_nodes=5000),
            id="Overlay stops at 5,000 nodes per cluster",
        ),
        pytest.param(
            dict(plugin="azure-cni", nodes=50, subnet="10.240.0.0/21"),
            dict(usable_ips=2043, fits=True, max_nodes=64),
            id="a /21 holds the 50-node Azure CNI cluster and at most 64 nodes with one surge",
        ),
        pytest.param(
            dict(plugin="azure-cni", nodes=50, subnet="10.240.0.0/22"),
            dict(usable_ips=1019, fits=False, max_nodes=31),
            id="a /22 is too small for the 50-node Azure CNI cluster",
        ),
        pytest.param(
            dict(plugin="azure-cni", nodes=1, max_pods=250, surge=1, subnet="10.0.0.0/29"),
            dict(usable_ips=3, fits=False, max_nodes=0, max_pods_total=0),
            id="a /29 cannot hold even one Azure CNI node",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=50),
            dict(usable_ips=None, fits=None, max_nodes=None, max_pods_total=None),
            id="without a subnet the subnet figures are None",
        ),
    ],
)
def test_subnet_fit_and_limits(kwargs, expected):
    plan = plan_ips(**kwargs)
    assert {k: getattr(plan, k) for k in expected} == expected


def test_explanation_shows_the_numbers():
    plan = plan_ips("azure-cni", nodes=50, subnet="10.240.0.0/21")
    assert plan.explanation == (
        "Azure CNI: nodes and every pod IP come from the node subnet, reserved up front.\n"
        "Nodes to plan for: 50 + 1 surge + 0 scale-out = 51\n"
        "Max pods per node: 30 (the azure-cni default)\n"
        "IPs required: 51 + 51 x 30 = 51 x (30 + 1) = 1,581\n"
        "Smallest subnet: /21 (2,048 addresses - 5 reserved by Azure = 2,043 usable)\n"
        "Subnet 10.240.0.0/21: 2,043 usable -> fits (462 spare)\n"
        "Most nodes in this subnet: 64 ((64 + 1 surge) x 31 = 2,015 <= 2,043), up to 1,920 pods"
    )


def test_kubenet_explanation_names_the_route_limit():
    plan = plan_ips("kubenet", nodes=401, subnet="10.0.0.0/16")
    assert "Too many nodes: 401 > 400 (Azure route tables hold at most 400 routes, one per node)" in plan.explanation
    assert plan.explanation.endswith(
        "Most nodes in this subnet: 400 (Azure route tables hold at most 400 routes, one per node), up to 44,000 pods"
    )


def test_plan_is_frozen_and_renders():
    plan = plan_ips("azure-cni", nodes=50, subnet="10.240.0.0/21")
    assert isinstance(plan, IPPlan)
    with pytest.raises(AttributeError):
        plan.nodes = 3  # type: ignore[misc]
    assert repr(plan) == "<IPPlan azure-cni 51 nodes x 30 max pods: 1,581 IPs, /21 in 10.240.0.0/21: fits>"
    page = plan._repr_html_()
    assert page.startswith("<table>") and "<td>1,581</td>" in page and "-&gt; fits" in page


@pytest.mark.parametrize(
    "cidr, usable",
    [
        pytest.param("10.240.0.0/24", 251, id="a /24 has 251 usable addresses"),
        pytest.param("10.240.0.0/21", 2043, id="a /21 has 2,043 usable addresses"),
        pytest.param("10.240.0.0/29", 3, id="a /29 has 3 usable addresses"),
        pytest.param("10.0.0.0/8", 2**24 - 5, id="a /8 has 16,777,211 usable addresses"),
    ],
)
def test_subnet_usable_ips(cidr, usable):
    assert subnet_usable_ips(cidr) == usable


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param(
            dict(plugin="calico", nodes=3),
            "unknown plugin 'calico': expected one of kubenet, azure-cni, azure-cni-overlay, azure-cni-pod-subnet",
            id="an unknown plugin is refused",
        ),
        pytest.param(dict(plugin="kubenet", nodes=0), "nodes must be at least 1, got 0", id="zero nodes are refused"),
        pytest.param(
            dict(plugin="kubenet", nodes=2.5), "nodes must be an integer, got 2.5", id="fractional nodes are refused"
        ),
        pytest.param(
            dict(plugin="azure-cni", nodes=3, max_pods=9),
            "max_pods must be between 10 and 250, got 9",
            id="max pods below 10 is refused",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=3, max_pods=251),
            "max_pods must be between 10 and 250, got 251",
            id="max pods above 250 is refused",
        ),
        pytest.param(
            # https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning: "minimum ... 10 if and
            # only if ... each node pool has space for a minimum of 30 pods"
            dict(plugin="azure-cni", nodes=2, max_pods=10),
            "max_pods 10 with 2 node(s) leaves room for 20 pods: AKS needs space for at least 30 pods per node pool",
            id="10 max pods on 2 nodes leaves less than 30 pods per pool",
        ),
        pytest.param(dict(plugin="kubenet", nodes=3, surge=-1), "surge must be at least 0, got -1", id="negative surge"),
        pytest.param(
            dict(plugin="kubenet", nodes=3, scale_out=-2),
            "scale_out must be at least 0, got -2",
            id="negative scale-out is refused",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=3, subnet="10.0.0.300/24"),
            "invalid subnet '10.0.0.300/24': '10.0.0.300/24' does not appear to be an IPv4 or IPv6 network",
            id="a malformed CIDR is refused",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=3, subnet="10.0.0.1/24"),
            "invalid subnet '10.0.0.1/24': 10.0.0.1/24 has host bits set",
            id="a CIDR with host bits set is refused",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=3, subnet="10.0.0.0/30"),
            "invalid subnet '10.0.0.0/30': the smallest Azure subnet is /29",
            id="a subnet smaller than a /29 is refused",
        ),
        pytest.param(
            dict(plugin="kubenet", nodes=3, subnet="fd00::/64"),
            "invalid subnet 'fd00::/64': only IPv4 subnets are planned",
            id="an IPv6 subnet is refused",
        ),
    ],
)
def test_bad_input_raises_value_error(kwargs, message):
    with pytest.raises(ValueError) as info:
        plan_ips(**kwargs)
    assert str(info.value) == message


def _usable(prefix: int) -> int:
    return 2 ** (32 - prefix) - 5


@given(
    plugin=st.sampled_from(PLUGINS),
    nodes=st.integers(3, 6000),  # 3 x 10 max pods is the smallest pool AKS accepts
    max_pods=st.integers(10, 250),
    surge=st.integers(0, 20),
    scale_out=st.integers(0, 100),
)
def test_smallest_prefix_is_the_smallest_that_holds_the_ips(plugin, nodes, max_pods, surge, scale_out):
    plan = plan_ips(plugin, nodes=nodes, max_pods=max_pods, surge=surge, scale_out=scale_out)
    prefix = int(plan.smallest_prefix[1:])
    assert _usable(prefix) >= plan.ips_required
    assert prefix == 29 or _usable(prefix + 1) < plan.ips_required
    assert plan.within_node_limit == (nodes + scale_out <= NODE_LIMITS[plugin])


@given(
    plugin=st.sampled_from(PLUGINS),
    max_pods=st.integers(30, 250),
    surge=st.integers(0, 5),
    prefix=st.integers(12, 29),
)
def test_max_nodes_is_the_most_that_fit(plugin, max_pods, surge, prefix):
    subnet = f"10.0.0.0/{prefix}"
    plan = plan_ips(plugin, nodes=1, max_pods=max_pods, surge=surge, subnet=subnet)
    assert 0 <= plan.max_nodes <= NODE_LIMITS[plugin]
    if plan.max_nodes >= 1:
        assert plan_ips(plugin, nodes=plan.max_nodes, max_pods=max_pods, surge=surge, subnet=subnet).fits
    if plan.max_nodes < NODE_LIMITS[plugin]:
        assert not plan_ips(plugin, nodes=plan.max_nodes + 1, max_pods=max_pods, surge=surge, subnet=subnet).fits


@given(st.text(max_size=30))
def test_any_subnet_text_gives_a_plan_or_a_value_error(text):
    try:
        plan = plan_ips("kubenet", nodes=3, subnet=text)
    except ValueError as exc:
        assert str(exc).startswith(f"invalid subnet {text!r}: ")
    else:
        assert plan.usable_ips == subnet_usable_ips(text)
