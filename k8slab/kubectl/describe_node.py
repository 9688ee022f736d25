"""``kubectl describe node``: kubectl's describeNode layout, with Non-terminated Pods and Allocated resources."""

# upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeNode, describeNodeResource,
# getPodsTotalRequestsAndLimits, printAnnotationsMultiline, printNodeTaintsMultiline, findNodeRoles, DescribeEvents)
# and staging/src/k8s.io/kubectl/pkg/util/resource/resource.go (PodRequestsAndLimits)

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from k8slab.api.quantity import DECIMAL_SI, Quantity, parse_quantity
from k8slab.kubectl.format import age, parse_time

__all__ = ["describe_node", "node_roles", "taint_string", "pod_requests_and_limits", "QuantitySum"]

# upstream: staging/src/k8s.io/api/core/v1/well_known_labels.go (kubectl's LabelNodeRolePrefix, NodeLabelRole)
LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_LABEL_ROLE = "kubernetes.io/role"
# upstream: describe.go skipAnnotations, maxAnnotationLen
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140
_STANDARD = ("cpu", "memory", "ephemeral-storage")


def node_roles(labels: dict | None) -> list[str]:
    """A node's roles from its ``node-role.kubernetes.io/<role>`` and ``kubernetes.io/role`` labels, sorted.

    upstream: describe.go findNodeRoles

    Examples
    --------
    >>> node_roles({"node-role.kubernetes.io/agent": "", "kubernetes.io/role": "agent", "node-role.kubernetes.io/": ""})
    ['agent']
    >>> node_roles({})
    []
    """
    roles = set()
    for k, v in (labels or {}).items():
        if k.startswith(LABEL_NODE_ROLE_PREFIX):
            role = k[len(LABEL_NODE_ROLE_PREFIX):]
            if role:
                roles.add(role)
        elif k == NODE_LABEL_ROLE and v != "":
            roles.add(v)
    return sorted(roles)


def taint_string(taint: dict) -> str:
    """``key=value:Effect`` as upstream ``Taint.ToString`` writes it.

    upstream: staging/src/k8s.io/api/core/v1/taint.go ToString

    Examples
    --------
    >>> [taint_string(t) for t in ({"key": "a", "value": "b", "effect": "NoSchedule"}, {"key": "a", "effect": "NoExecute"},
    ...                            {"key": "a", "value": "b"}, {"key": "a"})]
    ['a=b:NoSchedule', 'a:NoExecute', 'a=b:', 'a']
    """
    key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
    if not effect:
        return key if not value else f"{key}={value}:"
    return f"{key}:{effect}" if not value else f"{key}={value}:{effect}"


class QuantitySum:
    """A resource.Quantity being added to, as Go's ``Quantity.Add`` does: exact, keeping the first non-zero format.

    Examples
    --------
    >>> s = QuantitySum(parse_quantity("100m"))
    >>> s.add(parse_quantity("0.25")); str(s)
    '350m'
    >>> s = QuantitySum(parse_quantity("128Mi")); s.add(parse_quantity("64Mi")); str(s)
    '192Mi'
    >>> str(QuantitySum())
    '0'
    """

    __slots__ = ("value", "format")

    def __init__(self, q: Quantity | None = None):
        self.value = q.value if q is not None else Decimal(0)
        self.format = q.format if q is not None else DECIMAL_SI

    def add(self, q) -> None:
        # upstream: apimachinery/pkg/api/resource/quantity.go Add: a zero receiver takes the other's format
        if not self.value:
            self.format = q.format
        self.value += q.value

    def set(self, q) -> None:
        self.value, self.format = q.value, q.format

    def __str__(self) -> str:
        # String() of a copied quantity keeps its parsed text only when that text was canonical: the same string
        return str(Quantity.from_decimal(self.value, self.format))

    def milli(self) -> int:
        return Quantity.from_decimal(self.value, self.format).milli_value()

    def int_value(self) -> int:
        return Quantity.from_decimal(self.value, self.format).int_value()


def _add_list(into: dict, new: dict) -> None:
    for name, q in new.items():
        if name not in into:
            into[name] = QuantitySum()
            into[name].set(q)
        else:
            into[name].add(q)


def _max_list(into: dict, new: dict) -> None:
    for name, q in new.items():
        cur = into.get(name)
        if cur is None:
            into[name] = QuantitySum()
            into[name].set(q)
        elif q.value > cur.value:
            cur.set(q)


def _parsed(resources: dict | None) -> dict:
    return {k: parse_quantity(str(v)) for k, v in (resources or {}).items()}


def _copy(d: dict) -> dict:
    out = {}
    _add_list(out, d)
    return out


def pod_requests_and_limits(pod: dict) -> tuple[dict, dict]:
    """Requests and limits of a pod as kubectl sums them (sidecars, init containers as max, overhead).

    upstream: staging/src/k8s.io/kubectl/pkg/util/resource/resource.go PodRequestsAndLimits (in-place resize
    status is not simulated: container requests are read from the spec)

    Examples
    --------
    >>> pod = {"spec": {"initContainers": [{"resources": {"requests": {"cpu": "2"}}}],
    ...                 "containers": [{"resources": {"requests": {"cpu": "500m"}, "limits": {"memory": "1Gi"}}},
    ...                                {"resources": {"requests": {"cpu": "250m"}}}]}}
    >>> reqs, limits = pod_requests_and_limits(pod)
    >>> {k: str(v) for k, v in reqs.items()}, {k: str(v) for k, v in limits.items()}
    ({'cpu': '2'}, {'memory': '1Gi'})
    """
    spec = pod.get("spec") or {}
    out = []
    for part in ("requests", "limits"):
        total: dict = {}
        for c in spec.get("containers") or ():
            _add_list(total, _parsed((c.get("resources") or {}).get(part)))
        restartable: dict = {}
        init: dict = {}
        for c in spec.get("initContainers") or ():
            mine = _parsed((c.get("resources") or {}).get(part))
            if c.get("restartPolicy") == "Always":
                _add_list(total, mine)
                _add_list(restartable, mine)
                mine = _copy(restartable)
            else:
                tmp: dict = {}
                _add_list(tmp, mine)
                _add_list(tmp, restartable)
                mine = tmp
            _max_list(init, mine)
        _max_list(total, init)
        overhead = _parsed(spec.get("overhead"))
        if part == "requests":
            _add_list(total, overhead)
        else:  # overhead only adds to non-zero limits
            for name, q in overhead.items():
                if name in total and total[name].value:
                    total[name].add(q)
        out.append(total)
    return out[0], out[1]


def _rfc1123z(ts: str | None) -> str:
    from k8slab.apiserver.server import EPOCH

    t = parse_time(ts)
    # Go's zero time prints as "Mon, 01 Jan 0001 00:00:00 +0000"
    return "Mon, 01 Jan 0001 00:00:00 +0000" if t is None else \
        (EPOCH + timedelta(seconds=t)).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _labels(lines: list[str], title: str, labels: dict | None) -> None:
    # upstream: describe.go printLabelsMultilineWithIndent
    keys = sorted(labels or {})
    if not keys:
        lines.append(f"{title}:\t<none>")
    for i, k in enumerate(keys):
        lines.append(f"{title + ':' if i == 0 else ''}\t{k}={labels[k]}")


def _annotations(lines: list[str], title: str, annotations: dict | None) -> None:
    # upstream: describe.go printAnnotationsMultiline (long or multi-line values on their own lines, shortened)
    keys = sorted(k for k in (annotations or {}) if k != _LAST_APPLIED)
    if not keys:
        lines.append(f"{title}:\t<none>")
        return
    for i, key in enumerate(keys):
        head = f"{title}:" if i == 0 else ""
        value = annotations[key].removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            lines.append(f"{head}\t{key}:")
            for s in value.split("\n"):
                short = s if len(s) <= MAX_ANNOTATION_LEN - 2 else s[:MAX_ANNOTATION_LEN - 2] + "..."
                lines.append(f"\t  {short}")
        else:
            lines.append(f"{head}\t{key}: {value}")


def _taints(lines: list[str], taints: list | None) -> None:
    # upstream: describe.go printTaintsMultilineWithIndent, sorted by "effect,key"
    ts = sorted(taints or [], key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    if not ts:
        lines.append("Taints:\t<none>")
    for i, t in enumerate(ts):
        lines.append(f"{'Taints:' if i == 0 else ''}\t{taint_string(t)}")


def _lease(lab, name: str) -> list[str]:
    try:
        res = lab.api.resource("leases", "coordination.k8s.io/v1")
        lease = lab.api.get(res, "kube-node-lease", name)
    except Exception:
        # the lab has no kubelet heartbeats unless a kubelet runs: as on a cluster whose kubelet never started
        return [f'Lease:\tFailed to get lease: leases.coordination.k8s.io "{name}" not found']
    spec = lease.get("spec") or {}
    return ["Lease:", f"  HolderIdentity:\t{spec.get('holderIdentity') or '<unset>'}",
            f"  AcquireTime:\t{_rfc1123z(spec['acquireTime']) if spec.get('acquireTime') else '<unset>'}",
            f"  RenewTime:\t{_rfc1123z(spec['renewTime']) if spec.get('renewTime') else '<unset>'}"]


def _pct(part: int, whole: int) -> int:
    # Go: int64(float64(part) / float64(whole) * 100), guarded against a zero allocatable as upstream's totals are
    return int(part / whole * 100) if whole else 0


def _resource_lines(lines: list[str], pods: list[dict], node: dict, now: float) -> None:
    # upstream: describe.go describeNodeResource
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    alloc = {k: parse_quantity(str(v)) for k, v in allocatable.items()}
    zero = parse_quantity("0")
    a_cpu, a_mem = alloc.get("cpu", zero).milli_value(), alloc.get("memory", zero).int_value()
    a_eph = alloc.get("ephemeral-storage", zero).int_value()
    lines.append(f"Non-terminated Pods:\t({len(pods)} in total)")
    lines.append("  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
    lines.append("  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---")
    totals_req: dict = {}
    totals_lim: dict = {}
    for pod in pods:
        req, lim = pod_requests_and_limits(pod)
        cells = []
        for d, name, scale in ((req, "cpu", "m"), (lim, "cpu", "m"), (req, "memory", ""), (lim, "memory", "")):
            q = d.get(name) or QuantitySum()
            amount, whole = (q.milli(), a_cpu) if scale else (q.int_value(), a_mem)
            cells.append(f"{q} ({_pct(amount, whole)}%)")
        meta = pod["metadata"]
        lines.append(f"  {meta.get('namespace', '')}\t{meta['name']}\t\t" + "\t".join(cells) +
                     f"\t{age(meta.get('creationTimestamp'), now)}")
        for src, dst in ((req, totals_req), (lim, totals_lim)):  # upstream getPodsTotalRequestsAndLimits
            for k, v in src.items():
                if k not in dst:
                    dst[k] = QuantitySum()
                    dst[k].set(v)
                else:
                    dst[k].add(v)
    lines.append("Allocated resources:")
    lines.append("  (Total limits may be over 100 percent, i.e., overcommitted.)")
    lines.append("  Resource\tRequests\tLimits")
    lines.append("  --------\t--------\t------")
    for name, whole, milli in (("cpu", a_cpu, True), ("memory", a_mem, False), ("ephemeral-storage", a_eph, False)):
        r, lm = totals_req.get(name) or QuantitySum(), totals_lim.get(name) or QuantitySum()
        rv, lv = (r.milli(), lm.milli()) if milli else (r.int_value(), lm.int_value())
        lines.append(f"  {name}\t{r} ({_pct(rv, whole)}%)\t{lm} ({_pct(lv, whole)}%)")
    huge = sorted(k for k in alloc if k.startswith("hugepages-"))
    ext = sorted(k for k in alloc if not k.startswith("hugepages-") and k not in _STANDARD and k != "pods")
    for name in huge:
        r, lm = totals_req.get(name) or QuantitySum(), totals_lim.get(name) or QuantitySum()
        whole = alloc[name].int_value()
        lines.append(f"  {name}\t{r} ({_pct(r.int_value(), whole)}%)\t{lm} ({_pct(lm.int_value(), whole)}%)")
    for name in ext:
        lines.append(f"  {name}\t{totals_req.get(name) or QuantitySum()}\t{totals_lim.get(name) or QuantitySum()}")


def _node_events(lab, node: dict, now: float) -> list[str]:
    # upstream: NodeDescriber.Describe searches events by the node's uid and by its name (kubelets use the name),
    # DescribeEvents sorts them by lastTimestamp
    meta = node["metadata"]
    uids = {meta.get("uid"), meta["name"]}
    evs = [e for e in lab.api.list(lab.api.resource("events"))
           if (e.get("involvedObject") or {}).get("kind") == "Node"
           and e["involvedObject"].get("name") == meta["name"] and e["involvedObject"].get("uid") in uids]
    if not evs:
        return ["Events:\t<none>"]
    evs.sort(key=lambda e: (parse_time(e.get("lastTimestamp")) or 0.0))
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in evs:
        first = age(e.get("firstTimestamp"), now)
        count = e.get("count") or 1
        when = f"{age(e.get('lastTimestamp'), now)} (x{count} over {first})" if count > 1 else first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent", "")
        lines.append(f"  {e.get('type', '')}\t{e.get('reason', '')}\t{when}\t{source}\t{(e.get('message') or '').strip()}")
    return lines


def describe_node(lab, node: dict, now: float) -> list[str]:
    """The lines of ``kubectl describe node`` (tab-separated cells, aligned by the caller's tabwriter).

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> lab = Cluster.from_preset("kind-1node")
    >>> out = lab.kubectl("describe node kind-control-plane").stdout
    >>> print(out[out.index("Allocated"):out.index("Events")].rstrip())
    Allocated resources:
      (Total limits may be over 100 percent, i.e., overcommitted.)
      Resource           Requests  Limits
      --------           --------  ------
      cpu                0 (0%)    0 (0%)
      memory             0 (0%)    0 (0%)
      ephemeral-storage  0 (0%)    0 (0%)
      hugepages-1Gi      0 (0%)    0 (0%)
      hugepages-2Mi      0 (0%)    0 (0%)
    """
    meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    lines = [f"Name:\t{meta['name']}", f"Roles:\t{','.join(node_roles(meta.get('labels'))) or '<none>'}"]
    _labels(lines, "Labels", meta.get("labels"))
    _annotations(lines, "Annotations", meta.get("annotations"))
    lines.append(f"CreationTimestamp:\t{_rfc1123z(meta.get('creationTimestamp'))}")
    _taints(lines, spec.get("taints"))
    lines.append(f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}")
    lines += _lease(lab, meta["name"])
    conds = status.get("conditions") or []
    if conds:
        lines.append("Conditions:")
        lines.append("  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
        lines.append("  ----\t------\t-----------------\t------------------\t------\t-------")
        for c in conds:
            lines.append(f"  {c.get('type', '')} \t{c.get('status', '')} \t{_rfc1123z(c.get('lastHeartbeatTime'))} \t"
                         f"{_rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}")
    lines.append("Addresses:")
    lines += [f"  {a.get('type', '')}:\t{a.get('address', '')}" for a in status.get("addresses") or ()]
    for title, rl in (("Capacity", status.get("capacity")), ("Allocatable", status.get("allocatable"))):
        if rl:
            lines.append(f"{title}:")
            lines += [f"  {k}:\t{parse_quantity(str(rl[k]))}" for k in sorted(rl)]
    info = status.get("nodeInfo") or {}
    lines.append("System Info:")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"), ("Kubelet Version", "kubeletVersion"),
                       ("Kube-Proxy Version", "kubeProxyVersion")):
        lines.append(f"  {title}:\t{info.get(key, '')}")
    if spec.get("podCIDR"):
        lines.append(f"PodCIDR:\t{spec['podCIDR']}")
    if spec.get("podCIDRs"):
        lines.append(f"PodCIDRs:\t{','.join(spec['podCIDRs'])}")
    if spec.get("providerID"):
        lines.append(f"ProviderID:\t{spec['providerID']}")
    pods = [p for p in lab.api.list(lab.api.resource("pods"))
            if (p.get("spec") or {}).get("nodeName") == meta["name"]
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    _resource_lines(lines, pods, node, now)
    return lines + _node_events(lab, node, now)
