"""Builders for scheduler tests: nodes and pods as plain dicts, in upstream st.MakeNode/st.MakePod style."""

from k8slab.scheduler.nodeinfo import Cache, NodeInfo
from k8slab.scheduler.podinfo import PodInfo


def node(name, cpu="4", mem="8Gi", pods="110", labels=None, taints=None, unschedulable=False, images=None, **extra):
    alloc = {"cpu": cpu, "memory": mem, "pods": pods, **extra}
    alloc = {k: v for k, v in alloc.items() if v is not None}
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"capacity": alloc, "allocatable": alloc, "images": images or []}}


def pod(name="p", *reqs, init=(), node_name="", ns="default", labels=None, priority=0, tolerations=None,
        node_selector=None, affinity=None, ports=(), spread=None, image="nginx", start=None, policy=None):
    """Each ``reqs`` item is one container's requests dict (upstream st.MakePod().Req(...))."""
    containers = [{"name": f"c{i}", "image": image, "resources": {"requests": dict(r)}} for i, r in enumerate(reqs)]
    if ports:
        containers = containers or [{"name": "c0", "image": image}]
        containers[0]["ports"] = [dict(p) for p in ports]
    spec = {"containers": containers, "priority": priority, "tolerations": tolerations or []}
    if init:
        spec["initContainers"] = [{"name": f"i{i}", "image": image, "resources": {"requests": dict(r)}}
                                  for i, r in enumerate(init)]
    if node_name:
        spec["nodeName"] = node_name
    if node_selector:
        spec["nodeSelector"] = node_selector
    if affinity:
        spec["affinity"] = affinity
    if spread:
        spec["topologySpreadConstraints"] = spread
    if policy:
        spec["preemptionPolicy"] = policy
    md = {"name": name, "namespace": ns, "labels": labels or {}}
    out = {"metadata": md, "spec": spec, "status": {}}
    if start:
        out["status"]["startTime"] = start
    return out


def node_info(n, *pods):
    ni = NodeInfo(n)
    for p in pods:
        ni.add_pod(PodInfo(p))
    return ni


def cache(nodes, pods=()):
    c = Cache()
    for n in nodes:
        c.add_node(n)
    for p in pods:
        c.add_pod(PodInfo(p), p["spec"]["nodeName"])
    c.refresh()
    return c
