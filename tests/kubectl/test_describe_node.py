"""kubectl describe node: kubectl's describeNode layout, checked against a real kubectl 1.35 output, and its helpers."""

import pytest

import k8slab as kl
from k8slab.api.quantity import parse_quantity
from k8slab.kubectl.describe_node import QuantitySum, node_roles, pod_requests_and_limits, taint_string

# A kind v1.35.0 control-plane node and the nine pods on it, as `kubectl describe node` showed them on a real
# cluster (kubectl v1.35.2); the expected text below is that output from "Addresses:" on, unchanged.
NODE = """
apiVersion: v1
kind: Node
metadata:
  name: tws-cluster-control-plane
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: tws-cluster-control-plane
    kubernetes.io/os: linux
    node-role.kubernetes.io/control-plane: ""
    node.kubernetes.io/exclude-from-external-load-balancers: ""
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    volumes.kubernetes.io/controller-managed-attach-detach: "true"
spec:
  podCIDR: 10.244.0.0/24
  podCIDRs: [10.244.0.0/24]
  providerID: kind://docker/tws-cluster/tws-cluster-control-plane
  taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
status:
  addresses: [{type: InternalIP, address: 172.18.0.3}, {type: Hostname, address: tws-cluster-control-plane}]
  capacity: {cpu: "8", ephemeral-storage: 1055762868Ki, hugepages-1Gi: "0", hugepages-2Mi: "0",
             memory: 16216284Ki, pods: "110"}
  allocatable: {cpu: "8", ephemeral-storage: 1055762868Ki, hugepages-1Gi: "0", hugepages-2Mi: "0",
                memory: 16216284Ki, pods: "110"}
  nodeInfo:
    machineID: 266f3f9243dd4bcceea107ba69968
    systemUUID: 266f3f9243dd4bcceea107ba69968
    bootID: 7abd8ad2-f1f3-439b-98a8-014c76dd84cf
    kernelVersion: 6.6.87.2-microsoft-standard-WSL2
    osImage: Debian GNU/Linux 12 (bookworm)
    operatingSystem: linux
    architecture: amd64
    containerRuntimeVersion: containerd://2.2.0
    kubeletVersion: v1.35.0
    kubeProxyVersion: ""
---
apiVersion: v1
kind: Namespace
metadata: {name: local-path-storage}
"""

# (namespace, name, requests, limits)
PODS = [
    ("kube-system", "coredns-7d764666f9-2nw2x", {"cpu": "100m", "memory": "70Mi"}, {"memory": "170Mi"}),
    ("kube-system", "coredns-7d764666f9-dgpgp", {"cpu": "100m", "memory": "70Mi"}, {"memory": "170Mi"}),
    ("kube-system", "etcd-tws-cluster-control-plane", {"cpu": "100m", "memory": "100Mi"}, {}),
    ("kube-system", "kindnet-m69sn", {"cpu": "100m", "memory": "50Mi"}, {"cpu": "100m", "memory": "50Mi"}),
    ("kube-system", "kube-apiserver-tws-cluster-control-plane", {"cpu": "250m"}, {}),
    ("kube-system", "kube-controller-manager-tws-cluster-control-plane", {"cpu": "200m"}, {}),
    ("kube-system", "kube-proxy-vt5hl", {}, {}),
    ("kube-system", "kube-scheduler-tws-cluster-control-plane", {"cpu": "100m"}, {}),
    ("local-path-storage", "local-path-provisioner-67b8995b4b-k6wjn", {}, {}),
]

EXPECTED_FROM_ADDRESSES = """\
Addresses:
  InternalIP:  172.18.0.3
  Hostname:    tws-cluster-control-plane
Capacity:
  cpu:                8
  ephemeral-storage:  1055762868Ki
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             16216284Ki
  pods:               110
Allocatable:
  cpu:                8
  ephemeral-storage:  1055762868Ki
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             16216284Ki
  pods:               110
System Info:
  Machine ID:                 266f3f9243dd4bcceea107ba69968
  System UUID:                266f3f9243dd4bcceea107ba69968
  Boot ID:                    7abd8ad2-f1f3-439b-98a8-014c76dd84cf
  Kernel Version:             6.6.87.2-microsoft-standard-WSL2
  OS Image:                   Debian GNU/Linux 12 (bookworm)
  Operating System:           linux
  Architecture:               amd64
  Container Runtime Version:  containerd://2.2.0
  Kubelet Version:            v1.35.0
  Kube-Proxy Version:         
PodCIDR:                      10.244.0.0/24
PodCIDRs:                     10.244.0.0/24
ProviderID:                   kind://docker/tws-cluster/tws-cluster-control-plane
Non-terminated Pods:          (9 in total)
  Namespace                   Name                                                 CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----                                                 ------------  ----------  ---------------  -------------  ---
  kube-system                 coredns-7d764666f9-2nw2x                             100m (1%)     0 (0%)      70Mi (0%)        170Mi (1%)     20h
  kube-system                 coredns-7d764666f9-dgpgp                             100m (1%)     0 (0%)      70Mi (0%)        170Mi (1%)     20h
  kube-system                 etcd-tws-cluster-control-plane                       100m (1%)     0 (0%)      100Mi (0%)       0 (0%)         20h
  kube-system                 kindnet-m69sn                                        100m (1%)     100m (1%)   50Mi (0%)        50Mi (0%)      20h
  kube-system                 kube-apiserver-tws-cluster-control-plane             250m (3%)     0 (0%)      0 (0%)           0 (0%)         20h
  kube-system                 kube-controller-manager-tws-cluster-control-plane    200m (2%)     0 (0%)      0 (0%)           0 (0%)         20h
  kube-system                 kube-proxy-vt5hl                                     0 (0%)        0 (0%)      0 (0%)           0 (0%)         20h
  kube-system                 kube-scheduler-tws-cluster-control-plane             100m (1%)     0 (0%)      0 (0%)           0 (0%)         20h
  local-path-storage          local-path-provisioner-67b8995b4b-k6wjn              0 (0%)        0 (0%)      0 (0%)           0 (0%)         20h
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource           Requests    Limits
  --------           --------    ------
  cpu                950m (11%)  100m (1%)
  memory             290Mi (1%)  390Mi (2%)
  ephemeral-storage  0 (0%)      0 (0%)
  hugepages-1Gi      0 (0%)      0 (0%)
  hugepages-2Mi      0 (0%)      0 (0%)
Events:              <none>
"""

# The head of the same output; only CreationTimestamp differs (that cluster's clock and time zone).
EXPECTED_HEAD = """\
Name:               tws-cluster-control-plane
Roles:              control-plane
Labels:             beta.kubernetes.io/arch=amd64
                    beta.kubernetes.io/os=linux
                    kubernetes.io/arch=amd64
                    kubernetes.io/hostname=tws-cluster-control-plane
                    kubernetes.io/os=linux
                    node-role.kubernetes.io/control-plane=
                    node.kubernetes.io/exclude-from-external-load-balancers=
Annotations:        node.alpha.kubernetes.io/ttl: 0
                    volumes.kubernetes.io/controller-managed-attach-detach: true
CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000
Taints:             node-role.kubernetes.io/control-plane:NoSchedule
Unschedulable:      false
"""


def _pod(ns, name, requests, limits, node="tws-cluster-control-plane"):
    resources = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
           "spec": {"nodeName": node, "containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                                      "resources": resources}]}}
    return pod


@pytest.fixture(scope="module")
def kind_node():
    lab = kl.Cluster(seed=0, components=[])  # the API server alone: nodes and pods stay as written
    lab.apply(NODE)
    lab.apply([_pod(*p) for p in PODS])
    lab.run(20 * 3600)
    return lab


def test_describe_node_matches_real_kubectl_from_addresses_to_events(kind_node):
    # source: a kind v1.35.0 cluster's `kubectl describe node tws-cluster-control-plane` (kubectl v1.35.2)
    out = kind_node.kubectl("describe node tws-cluster-control-plane")
    assert out.rc == 0
    assert out.stdout[out.stdout.index("Addresses:"):] == EXPECTED_FROM_ADDRESSES


def test_describe_node_head_has_roles_labels_annotations_taints(kind_node):
    out = kind_node.kubectl("describe node tws-cluster-control-plane").stdout
    head = out[:out.index("Lease:")]
    assert head == EXPECTED_HEAD


def test_a_node_without_a_lease_says_so_as_kubectl_does(kind_node):
    # upstream describe.go describeNode: "Lease:\tFailed to get lease: %s" when the Get fails (NotFound here)
    out = kind_node.kubectl("describe node tws-cluster-control-plane").stdout
    assert ('Lease:              Failed to get lease: leases.coordination.k8s.io "tws-cluster-control-plane" '
            "not found\n") in out


def test_terminated_pods_are_not_counted():
    lab = kl.Cluster(seed=0, components=[])
    lab.apply(NODE)
    lab.apply([_pod("default", "done", {"cpu": "1"}, {}), _pod("default", "failed", {"cpu": "1"}, {}),
               _pod("default", "live", {"cpu": "500m", "memory": "1Gi"}, {"cpu": "1"})])
    pods = lab.api.resource("pods")
    for name, phase in (("done", "Succeeded"), ("failed", "Failed")):  # as a kubelet reports them
        pod = lab.api.get(pods, "default", name)
        pod["status"]["phase"] = phase
        lab.api.write_status(pods, pod)
    out = lab.kubectl("describe node tws-cluster-control-plane").stdout
    assert "Non-terminated Pods:          (1 in total)\n" in out
    assert "  cpu                500m (6%)  1 (12%)\n" in out
    assert "  memory             1Gi (6%)   0 (0%)\n" in out


def test_conditions_table_as_kubectl_prints_it():
    lab = kl.Cluster(seed=0, components=[])
    node = NODE.replace("  nodeInfo:", """  conditions:
  - {type: Ready, status: "True", lastHeartbeatTime: "2026-01-01T00:00:10Z", lastTransitionTime: "2026-01-01T00:00:00Z",
     reason: KubeletReady, message: kubelet is posting ready status}
  nodeInfo:""")
    lab.apply(node)
    out = lab.kubectl("describe node tws-cluster-control-plane").stdout
    # upstream: the rows are written "%v \\t%v \\t..." so each cell carries a trailing space before its padding
    assert ("Conditions:\n"
            "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         "
            "Message\n"
            "  ----    ------  -----------------                 ------------------                ------         "
            "-------\n"
            "  Ready   True    Thu, 01 Jan 2026 00:00:10 +0000   Thu, 01 Jan 2026 00:00:00 +0000   KubeletReady   "
            "kubelet is posting ready status\n") in out


def test_node_events_are_listed_with_their_source():
    lab = kl.Cluster(seed=0, components=[])
    lab.apply(NODE)
    node = lab.api.get(lab.api.resource("nodes"), None, "tws-cluster-control-plane")
    lab.events.record(node, "Normal", "NodeNotSchedulable", "Node tws-cluster-control-plane status is now: "
                      "NodeNotSchedulable", "kubelet", host="tws-cluster-control-plane")
    lab.run(65)
    out = lab.kubectl("describe node tws-cluster-control-plane").stdout
    assert out.endswith("Events:\n"
                        "  Type    Reason              Age   From     Message\n"
                        "  ----    ------              ----  ----     -------\n"
                        "  Normal  NodeNotSchedulable  65s   kubelet  Node tws-cluster-control-plane status is now: "
                        "NodeNotSchedulable\n")


def test_unknown_node_is_not_found():
    lab = kl.Cluster(seed=0, components=[])
    out = lab.kubectl("describe node nope")
    assert (out.rc, out.stderr) == (1, 'Error from server (NotFound): nodes "nope" not found\n')


@pytest.mark.parametrize("taint, want", [
    ({"key": "foo", "value": "bar", "effect": "NoSchedule"}, "foo=bar:NoSchedule"),
    ({"key": "foo", "effect": "NoSchedule"}, "foo:NoSchedule"),
    ({"key": "foo"}, "foo"),
    ({"key": "foo", "value": "bar"}, "foo=bar:"),
], ids=["key, value and effect", "key and effect", "key alone", "key and value keep the colon"])
def test_taint_string(taint, want):
    # upstream: staging/src/k8s.io/api/core/v1/taint_test.go TestTaintToString
    assert taint_string(taint) == want


@pytest.mark.parametrize("labels, want", [
    ({"node-role.kubernetes.io/control-plane": ""}, ["control-plane"]),
    ({"kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": ""}, ["agent"]),
    ({"node-role.kubernetes.io/": "", "kubernetes.io/role": ""}, []),
    ({"node-role.kubernetes.io/b": "", "node-role.kubernetes.io/a": "x"}, ["a", "b"]),
], ids=["a node-role label names the role", "both label styles give one role",
        "empty role names are ignored", "roles are sorted"])
def test_node_roles(labels, want):
    # upstream: describe.go findNodeRoles
    assert node_roles(labels) == want


@pytest.mark.parametrize("pod, requests, limits", [
    ({"spec": {"containers": [{"resources": {"requests": {"cpu": "100m"}}},
                              {"resources": {"requests": {"cpu": "200m"}}}]}}, {"cpu": "300m"}, {}),
    ({"spec": {"initContainers": [{"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}}],
               "containers": [{"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1"}}}]}},
     {"cpu": "1"}, {"cpu": "2"}),
    ({"spec": {"initContainers": [{"restartPolicy": "Always", "resources": {"requests": {"memory": "64Mi"}}}],
               "containers": [{"resources": {"requests": {"memory": "128Mi"}}}]}}, {"memory": "192Mi"}, {}),
    ({"spec": {"overhead": {"cpu": "250m"},
               "containers": [{"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}}]}},
     {"cpu": "1250m"}, {"cpu": "2250m"}),
    ({"spec": {"overhead": {"memory": "64Mi"}, "containers": [{"resources": {"requests": {"cpu": "1"}}}]}},
     {"cpu": "1", "memory": "64Mi"}, {}),
], ids=["containers add up", "an init container counts as the max, not the sum",
        "sidecars add to the regular containers", "overhead adds to requests and non-zero limits",
        "overhead does not create a limit"])
def test_pod_requests_and_limits(pod, requests, limits):
    # upstream: staging/src/k8s.io/kubectl/pkg/util/resource/resource.go PodRequestsAndLimits
    reqs, lims = pod_requests_and_limits(pod)
    assert {k: str(v) for k, v in reqs.items()} == requests
    assert {k: str(v) for k, v in lims.items()} == limits


@pytest.mark.parametrize("parts, want", [
    (["100m", "250m"], "350m"),
    (["128Mi", "64Mi"], "192Mi"),
    (["128Mi", "100M"], "234217728"),
    (["1", "500m"], "1500m"),
    (["0", "1Gi"], "1Gi"),
], ids=["millicores add", "binary units stay binary", "mixed units give the first one's format, exactly",
        "whole cores and millicores", "a zero takes the other's format"])
def test_quantities_add_as_go_does(parts, want):
    # upstream: apimachinery/pkg/api/resource/quantity.go Add keeps the receiver's format unless it is zero
    s = QuantitySum()
    s.set(parse_quantity(parts[0]))
    for p in parts[1:]:
        s.add(parse_quantity(p))
    assert str(s) == want
