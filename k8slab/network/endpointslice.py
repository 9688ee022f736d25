"""The EndpointSlice and Endpoints controllers: which pods back a Service, and whether each is ready, serving, terminating."""

# upstream: staging/src/k8s.io/endpointslice/reconciler.go, utils.go, util/controller_utils.go
# upstream: pkg/controller/endpointslice/endpointslice_controller.go, pkg/controller/endpoint/endpoints_controller.go

from __future__ import annotations

from k8slab.api.labels import selector_from
from k8slab.controllers.base import Controller

__all__ = [
    "ENDPOINTSLICE_CONTROLLER",
    "MAX_ENDPOINTS_PER_SLICE",
    "MAX_ENDPOINTS_PER_ENDPOINTS",
    "SERVICE_NAME_LABEL",
    "MANAGED_BY_LABEL",
    "EndpointSliceController",
    "EndpointsController",
    "desired_endpoints",
    "endpoint_ports",
    "find_port",
    "is_pod_ready",
    "should_pod_be_in_endpoints",
    "plan_slices",
    "endpoints_subsets",
]

#: --max-endpoints-per-slice default (upstream: pkg/controller/endpointslice/config/v1alpha1/defaults.go)
MAX_ENDPOINTS_PER_SLICE = 100
#: the Endpoints controller truncates at 1000 addresses (upstream: endpoints_controller.go maxCapacity)
MAX_ENDPOINTS_PER_ENDPOINTS = 1000
#: upstream: k8s.io/api/discovery/v1 well_known_labels.go
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
ENDPOINTSLICE_CONTROLLER = "endpointslice-controller.k8s.io"


def is_pod_ready(pod: dict) -> bool:
    """The pod's Ready condition is True (upstream: pkg/api/v1/pod/util.go IsPodReady)."""
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _pod_ip_list(pod: dict) -> list[str]:
    status = pod.get("status") or {}
    ips = [p["ip"] for p in status.get("podIPs") or () if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def should_pod_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """Terminal pods and pods without an IP are left out; terminating ones unless asked for.

    upstream: staging/src/k8s.io/endpointslice/util/controller_utils.go ShouldPodBeInEndpoints

    Examples
    --------
    >>> pod = {"status": {"phase": "Running", "podIP": "10.244.0.5"}, "metadata": {}}
    >>> should_pod_be_in_endpoints(pod, False)
    True
    >>> should_pod_be_in_endpoints({"status": {"phase": "Pending"}, "metadata": {}}, True)
    False
    """
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not _pod_ip_list(pod):
        return False
    if not include_terminating and (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return True


def find_port(pod: dict, service_port: dict) -> int | None:
    """The container port a Service port's targetPort names (a number, or a named container port).

    upstream: pkg/api/v1/pod/util.go FindPort (containers, then restartable init containers)

    Examples
    --------
    >>> pod = {"spec": {"containers": [{"ports": [{"name": "http", "containerPort": 8080}]}]}}
    >>> find_port(pod, {"port": 80, "targetPort": "http", "protocol": "TCP"})
    8080
    >>> find_port(pod, {"port": 80, "targetPort": "metrics", "protocol": "TCP"}) is None
    True
    """
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    proto = service_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ()) + [
        c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
    for c in containers:
        for p in c.get("ports") or ():
            if p.get("name") == target and p.get("protocol", "TCP") == proto:
                return p.get("containerPort")
    return None


def endpoint_ports(service: dict, pod: dict) -> list[dict]:
    """EndpointSlice ports of one pod: every Service port whose targetPort the pod has (upstream: getEndpointPorts)."""
    ports = []
    for sp in (service.get("spec") or {}).get("ports") or ():
        num = find_port(pod, sp)
        if num is None:
            continue
        p = {"name": sp.get("name", ""), "port": num, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol"):
            p["appProtocol"] = sp["appProtocol"]
        ports.append(p)
    return ports


def _should_set_hostname(pod: dict, service: dict) -> bool:
    # upstream: endpointslice/util ShouldSetHostname
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == service["metadata"]["name"] \
        and pod["metadata"].get("namespace") == service["metadata"].get("namespace")


def _pod_to_endpoint(pod: dict, service: dict, zones: dict[str, str]) -> dict:
    # upstream: staging/src/k8s.io/endpointslice/utils.go podToEndpoint
    serving = is_pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    # "ready" is never true for a terminating pod, unless publishNotReadyAddresses is set
    ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    ep = {"addresses": _pod_ip_list(pod)[:1],
          "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
    if _should_set_hostname(pod, service):
        ep["hostname"] = pod["spec"]["hostname"]
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        ep["nodeName"] = node
        if zones.get(node):
            ep["zone"] = zones[node]
    ep["targetRef"] = {"kind": "Pod", "namespace": pod["metadata"].get("namespace"),
                       "name": pod["metadata"]["name"], "uid": pod["metadata"].get("uid")}
    return ep


def desired_endpoints(service: dict, pods: list[dict], zones: dict[str, str] | None = None
                      ) -> list[tuple[tuple, dict]]:
    """(port mapping, endpoint) for every pod the Service selects that belongs in a slice, sorted by pod name."""
    sel = (service.get("spec") or {}).get("selector")
    if not sel:
        return []
    selector = selector_from({"matchLabels": sel})
    out = []
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if pod["metadata"].get("namespace") != service["metadata"].get("namespace"):
            continue
        if not selector.matches(pod["metadata"].get("labels") or {}):
            continue
        if not should_pod_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = endpoint_ports(service, pod)
        key = tuple((p["name"], p["port"], p["protocol"], p.get("appProtocol")) for p in ports)
        out.append((key, _pod_to_endpoint(pod, service, zones or {})))
    return out


def plan_slices(existing: list[dict], desired: list[tuple[tuple, dict]], max_per_slice: int = MAX_ENDPOINTS_PER_SLICE
                ) -> tuple[list[dict], list[dict], list[dict]]:
    """Reconcile a Service's slices: (to create, to update, to delete), keeping endpoints where they are.

    The steps of upstream's reconcileByPortMapping (staging/src/k8s.io/endpointslice/reconciler.go): endpoints
    stay in their slice and are updated there; gone ones are removed and an emptied slice deleted; new ones fill
    the slices already being updated, then one unchanged slice with room for all of them, then new slices of at
    most ``max_per_slice``. A Service with no endpoints keeps a single placeholder slice with no ports.
    New slices are returned without names (the caller creates them with ``generateName``).
    """
    by_ports: dict[tuple, list[dict]] = {}
    for key, ep in desired:
        by_ports.setdefault(key, []).append(ep)
    to_create, to_update, to_delete = [], [], []
    existing_by_ports: dict[tuple, list[dict]] = {}
    for s in existing:
        key = tuple((p.get("name", ""), p.get("port"), p.get("protocol", "TCP"), p.get("appProtocol"))
                    for p in s.get("ports") or ())
        existing_by_ports.setdefault(key, []).append(s)
    if not by_ports:
        # upstream: placeholder slice for a Service without endpoints
        placeholders = [s for s in existing if not s.get("endpoints") and not s.get("ports")]
        keep = placeholders[:1]
        to_delete = [s for s in existing if s not in keep]
        if not keep:
            to_create.append({"endpoints": [], "ports": []})
        return _reuse_deleted(to_create, to_update, to_delete)
    for key in sorted(set(existing_by_ports) - set(by_ports), key=str):
        to_delete += existing_by_ports[key]
    for key in sorted(by_ports, key=str):
        wanted = {ep["addresses"][0]: ep for ep in by_ports[key]}
        placed: set[str] = set()
        updating, unchanged = [], []
        for s in existing_by_ports.get(key, []):
            new_eps = []
            for ep in s.get("endpoints") or ():
                addr = (ep.get("addresses") or [""])[0]
                if addr in wanted and addr not in placed:
                    new_eps.append(wanted[addr])
                    placed.add(addr)
            if not new_eps:
                to_delete.append(s)
            elif new_eps != s.get("endpoints"):
                updating.append({**s, "endpoints": new_eps})
            else:
                unchanged.append(s)
        remaining = [ep for a, ep in wanted.items() if a not in placed]
        for s in updating:
            room = max_per_slice - len(s["endpoints"])
            s["endpoints"] += remaining[:room]
            remaining = remaining[room:]
        if remaining:
            fit = next((s for s in unchanged if max_per_slice - len(s["endpoints"]) >= len(remaining)), None)
            if fit is not None:
                updating.append({**fit, "endpoints": fit["endpoints"] + remaining})
                remaining = []
        ports = [{k: v for k, v in zip(("name", "port", "protocol", "appProtocol"), p) if v is not None}
                 for p in key]
        for i in range(0, len(remaining), max_per_slice):
            to_create.append({"endpoints": remaining[i:i + max_per_slice], "ports": ports})
        to_update += updating
    return _reuse_deleted(to_create, to_update, to_delete)


def _reuse_deleted(to_create, to_update, to_delete):
    # upstream: reconciler.go finalize: "If there are slices to create and delete, change the creates to updates
    # of the slices that would otherwise be deleted."
    while to_create and to_delete:
        new = to_create.pop()
        old = to_delete.pop(0)
        to_update.append({**old, "endpoints": new["endpoints"], "ports": new["ports"]})
    return to_create, to_update, to_delete


def endpoints_subsets(service: dict, pods: list[dict]) -> tuple[list[dict], bool]:
    """The legacy Endpoints subsets (addresses / notReadyAddresses per port set), and whether they were truncated.

    upstream: pkg/controller/endpoint/endpoints_controller.go syncService, addEndpointSubset;
    pkg/api/v1/endpoints/util.go RepackSubsets (addresses sorted by their IP strings, byte by byte).
    """
    spec = service.get("spec") or {}
    sel = spec.get("selector")
    if not sel:
        return [], False
    selector = selector_from({"matchLabels": sel})
    tolerate = bool(spec.get("publishNotReadyAddresses"))
    groups: dict[tuple, dict] = {}
    total = 0
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if not selector.matches(pod["metadata"].get("labels") or {}):
            continue
        if not should_pod_be_in_endpoints(pod, include_terminating=tolerate):
            continue
        ip = _pod_ip_list(pod)[0]
        addr = {"ip": ip}
        if _should_set_hostname(pod, service):
            addr["hostname"] = pod["spec"]["hostname"]
        if pod["spec"].get("nodeName"):
            addr["nodeName"] = pod["spec"]["nodeName"]
        addr["targetRef"] = {"kind": "Pod", "namespace": pod["metadata"]["namespace"],
                             "name": pod["metadata"]["name"], "uid": pod["metadata"].get("uid")}
        ports = []
        for sp in spec.get("ports") or ():
            num = find_port(pod, sp)
            if num is not None:
                p = {"name": sp.get("name", ""), "port": num, "protocol": sp.get("protocol", "TCP")}
                if not p["name"]:
                    del p["name"]
                ports.append(p)
        if spec.get("ports") and not ports:
            continue
        key = tuple(sorted((p.get("name", ""), p["port"], p["protocol"]) for p in ports))
        g = groups.setdefault(key, {"addresses": [], "notReadyAddresses": [], "ports": ports})
        g["addresses" if tolerate or is_pod_ready(pod) else "notReadyAddresses"].append(addr)
        total += 1
    out = []
    truncated = total > MAX_ENDPOINTS_PER_ENDPOINTS
    budget = MAX_ENDPOINTS_PER_ENDPOINTS
    for key in sorted(groups, key=str):
        g = groups[key]
        sub = {}
        for field in ("addresses", "notReadyAddresses"):
            # upstream: pkg/api/v1/endpoints/util.go LessEndpointAddress: bytes.Compare of the IP strings, then uid
            addrs = sorted(g[field], key=lambda a: (a["ip"].encode(), a["targetRef"]["uid"] or ""))[:budget]
            budget -= len(addrs)
            if addrs:
                sub[field] = addrs
        if sub:
            if g["ports"]:
                sub["ports"] = g["ports"]
            out.append(sub)
    return out, truncated


class _ServiceBackedController(Controller):
    """Keys are Services; pod events enqueue the Services whose selector matches (or matched) the pod."""

    watches = ("services", "pods")

    def attach(self, lab) -> None:
        self._selectors: dict[str, dict[str, object]] = {}  # namespace -> service name -> Selector
        self._members: dict[str, set[str]] = {}  # pod key -> service keys it was in
        super().attach(lab)
        self._svc_res = lab.api.resource("services")
        self._pod_res = lab.api.resource("pods")
        self.resync()

    def resync(self) -> None:
        self._selectors.clear()
        for svc in self.lab.api.list(self.lab.api.resource("services")):
            self._track_service("ADDED", svc)

    def _track_service(self, event_type: str, svc: dict) -> None:
        meta = svc["metadata"]
        by_ns = self._selectors.setdefault(meta.get("namespace", ""), {})
        sel = (svc.get("spec") or {}).get("selector")
        if event_type == "DELETED" or not sel:
            by_ns.pop(meta["name"], None)
        else:
            by_ns[meta["name"]] = selector_from({"matchLabels": sel})

    def keys_for(self, event_type: str, obj: dict):
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace", "")
        if obj.get("kind") == "Service":
            self._track_service(event_type, obj)
            yield f"{ns}/{meta.get('name')}"
            return
        pod_key = f"{ns}/{meta.get('name')}"
        selectors = self._selectors.get(ns)
        if selectors:
            labels = meta.get("labels") or {}
            now = {f"{ns}/{name}" for name, sel in selectors.items() if sel.matches(labels)}
        else:
            now = set()
        # pods no Service selects are not remembered (an empty set per pod weighed 13 MB for 30,000 pods)
        before = self._members.pop(pod_key, None) if event_type == "DELETED" or not now else self._members.get(pod_key)
        if now and event_type != "DELETED":
            self._members[pod_key] = now
        if before:
            now = now | before
        if now:
            yield from sorted(now)

    def _service_and_pods(self, key: str):
        ns, name = key.split("/", 1)
        svc = self.api.etcd.read(self._svc_res.key(ns, name))
        pods = self.api.list(self._pod_res, ns) if svc is not None and (svc.get("spec") or {}).get("selector") else []
        return ns, name, svc, pods

    def _zones(self) -> dict[str, str]:
        return {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone", "")
                for n in self.api.list(self.api.resource("nodes"))}


def _owner_ref(svc: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "name": svc["metadata"]["name"], "uid": svc["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}


class EndpointSliceController(_ServiceBackedController):
    """kube-controller-manager's endpointslice controller: EndpointSlices ``<service>-<5 chars>`` per Service."""

    name = "endpointslice-controller"

    def reconcile(self, key: str) -> None:
        ns, name, svc, pods = self._service_and_pods(key)
        res = self.api.resource("endpointslices")
        existing = [s for s in self.api.list(res, ns)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
                    and (s["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == ENDPOINTSLICE_CONTROLLER]
        if svc is None or not (svc.get("spec") or {}).get("selector"):
            for s in existing:  # upstream: slices of a deleted or selector-less Service are removed
                self.api.delete(res, ns, s["metadata"]["name"])
            return
        desired = desired_endpoints(svc, pods, self._zones())
        to_create, to_update, to_delete = plan_slices(existing, desired)
        labels = {**(svc["metadata"].get("labels") or {}), SERVICE_NAME_LABEL: name,
                  MANAGED_BY_LABEL: ENDPOINTSLICE_CONTROLLER}
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        for s in to_delete:
            self.api.delete(res, ns, s["metadata"]["name"])
        for s in to_update:
            s["metadata"]["labels"] = labels
            if not s.get("ports"):
                s.pop("ports", None)
            self.api.write_status(res, s)
        for s in to_create:
            obj = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                   "metadata": {"generateName": f"{name}-", "namespace": ns, "labels": labels,
                                "ownerReferences": [_owner_ref(svc)]},
                   "addressType": "IPv4", "endpoints": s["endpoints"]}
            if s["ports"]:
                obj["ports"] = s["ports"]
            self.api.create(obj)


class EndpointsController(_ServiceBackedController):
    """The legacy Endpoints controller (core/v1 Endpoints, deprecated since 1.33 but still kept up to date)."""

    name = "endpoints-controller"

    def reconcile(self, key: str) -> None:
        ns, name, svc, pods = self._service_and_pods(key)
        res = self.api.resource("endpoints")
        live = self.api.etcd.read(res.key(ns, name))
        if svc is None or not (svc.get("spec") or {}).get("selector"):
            if svc is None and live is not None:
                self.api.delete(res, ns, name)
            return
        subsets, truncated = endpoints_subsets(svc, pods)
        labels = dict(svc["metadata"].get("labels") or {})
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        annotations = {"endpoints.kubernetes.io/over-capacity": "truncated"} if truncated else {}
        if live is None:
            obj = {"apiVersion": "v1", "kind": "Endpoints",
                   "metadata": {"name": name, "namespace": ns, "labels": labels}, "subsets": subsets}
            if annotations:
                obj["metadata"]["annotations"] = annotations
            self.api.create(obj)
        elif live.get("subsets", []) != subsets or (live["metadata"].get("labels") or {}) != labels:
            live["subsets"] = subsets
            live["metadata"]["labels"] = labels
            if annotations:
                live["metadata"]["annotations"] = annotations
            else:
                live["metadata"].pop("annotations", None)
            self.api.write_status(res, live)
