"""The columns of `kubectl get` per kind, as kube-apiserver's table printers fill them.

upstream: pkg/printers/internalversion/printers.go
"""

from __future__ import annotations

from k8slab.kubectl.format import age, parse_time

__all__ = ["COLUMNS", "columns_for", "pod_status", "node_status", "service_ports", "label_string"]


def _n(v) -> str:
    return "<none>" if v in (None, "", [], {}) else str(v)


def label_string(labels: dict | None) -> str:
    """``app=web,tier=front`` (sorted by key), or ``<none>``."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def _selector_string(sel: dict | None) -> str:
    if not sel:
        return "<none>"
    from k8slab.api.labels import selector_from

    try:
        return str(selector_from(sel)) or "<none>"
    except ValueError:
        return "<error>"


def pod_status(pod: dict, now: float) -> tuple[str, str, str]:
    """(READY, STATUS, RESTARTS) of a pod: printPod's logic, init containers and sidecars included."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    inits = {c["name"]: c for c in spec.get("initContainers") or ()}
    total = len(spec.get("containers") or ()) + sum(1 for c in inits.values() if c.get("restartPolicy") == "Always")
    ready = restarts = sidecar_restarts = 0
    last_restart = sidecar_last = None
    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += cs.get("restartCount", 0)
        term_last = (cs.get("lastState") or {}).get("terminated")
        if term_last:
            last_restart = max(filter(None, [last_restart, term_last.get("finishedAt")]), default=None)
        sidecar = (inits.get(cs.get("name")) or {}).get("restartPolicy") == "Always"
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            if term_last:
                sidecar_last = max(filter(None, [sidecar_last, term_last.get("finishedAt")]), default=None)
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if term:
            if not term.get("reason"):
                reason = (f"Init:Signal:{term['signal']}" if term.get("signal")
                          else f"Init:ExitCode:{term.get('exitCode')}")
            else:
                reason = "Init:" + term["reason"]
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or ())}"
        initializing = True
        break
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True"
                      for c in status.get("conditions") or ())
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, sidecar_last
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            term_last = (cs.get("lastState") or {}).get("terminated")
            if term_last:
                last_restart = max(filter(None, [last_restart, term_last.get("finishedAt")]), default=None)
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"
            elif cs.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            has_ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or ())
            reason = "Running" if has_ready else "NotReady"
    deleting = (pod.get("metadata") or {}).get("deletionTimestamp")
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    restarts_str = str(restarts)
    if restarts and last_restart:
        restarts_str = f"{restarts} ({age(last_restart, now)} ago)"
    return f"{ready}/{total}", reason, restarts_str


def node_status(node: dict) -> str:
    """``Ready``, ``NotReady``, ``Unknown``, plus ``,SchedulingDisabled`` when cordoned (printNode)."""
    conds = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or ()}
    parts = []
    ready = conds.get("Ready")
    parts.append("Ready" if ready == "True" else "NotReady" if ready == "False" else "Unknown")
    if (node.get("spec") or {}).get("unschedulable"):
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def _node_roles(node: dict) -> str:
    roles = set()
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            roles.add(k.split("/", 1)[1])
        elif k == "kubernetes.io/role":
            roles.add(v)
    return ",".join(sorted(r for r in roles if r)) or "<none>"


def service_ports(svc: dict) -> str:
    """``80/TCP``, ``80:30080/TCP``, ``<none>``."""
    parts = []
    for p in (svc.get("spec") or {}).get("ports") or ():
        s = str(p.get("port"))
        if p.get("nodePort"):
            s += f":{p['nodePort']}"
        parts.append(f"{s}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _external_ip(svc: dict) -> str:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    external = list(spec.get("externalIPs") or ())
    if stype == "ExternalName":
        return spec.get("externalName", "<none>")
    if stype == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        ips = [i.get("ip") or i.get("hostname") for i in ingress] + external
        return ",".join(ips) if ips else "<pending>"
    return ",".join(external) if external else "<none>"


def _containers(spec: dict) -> tuple[str, str]:
    cs = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _tpl(obj: dict) -> dict:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def _access_modes(modes) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes or ()) or ""


def _created_at(obj: dict, now: float) -> str:
    return (obj.get("metadata") or {}).get("creationTimestamp") or "<unknown>"


def _job_status(job: dict) -> str:
    # upstream: pkg/printers/internalversion/printers.go printJob: conditions in this order of precedence
    true = {c.get("type") for c in (job.get("status") or {}).get("conditions") or () if c.get("status") == "True"}
    if "Complete" in true:
        return "Complete"
    if "Failed" in true:
        return "Failed"
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for cond in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if cond in true:
            return cond
    return "Running"


def _job_duration(job: dict, now: float) -> str:
    from k8slab.kubectl.format import human_duration

    st = job.get("status") or {}
    start = parse_time(st.get("startTime"))
    if start is None:
        return ""
    end = parse_time(st.get("completionTime"))
    return human_duration((end if end is not None else now) - start)


def _pod_wide(p, now):
    gates = (p.get("spec") or {}).get("readinessGates") or []
    st = p.get("status") or {}
    if gates:
        conds = {c.get("type"): c.get("status") for c in st.get("conditions") or ()}
        gate_str = f"{sum(1 for g in gates if conds.get(g.get('conditionType')) == 'True')}/{len(gates)}"
    else:
        gate_str = "<none>"
    return [_n(st.get("podIP")), _n((p.get("spec") or {}).get("nodeName")), _n(st.get("nominatedNodeName")), gate_str]


def _rb_subjects(b: dict, kind: str) -> str:
    subs = b.get("subjects") or []
    if kind == "ServiceAccount":
        return ",".join(f"{s.get('namespace', '')}/{s['name']}" for s in subs if s.get("kind") == kind)
    return ",".join(s["name"] for s in subs if s.get("kind") == kind)


def _hpa_targets(h: dict) -> str:
    parts = []
    current = {m.get("resource", {}).get("name"): m for m in (h.get("status") or {}).get("currentMetrics") or ()}
    for m in (h.get("spec") or {}).get("metrics") or ():
        if m.get("type") == "Resource":
            name = m["resource"]["name"]
            target = m["resource"].get("target") or {}
            cur = ((current.get(name) or {}).get("resource") or {}).get("current") or {}
            if target.get("averageUtilization") is not None:
                now_v = f"{cur['averageUtilization']}%" if "averageUtilization" in cur else "<unknown>"
                parts.append(f"{name}: {now_v}/{target['averageUtilization']}%")
            else:
                parts.append(f"{name}: {cur.get('averageValue', '<unknown>')}/{target.get('averageValue')}")
    return ", ".join(parts) or "<none>"


def _lb(obj):
    return ",".join(i.get("ip") or i.get("hostname") for i in
                    ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ())


# kind -> (headers, row function, wide headers, wide row function)
COLUMNS = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            lambda p, now: [*pod_status(p, now), age(p["metadata"].get("creationTimestamp"), now)],
            ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], _pod_wide),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
             lambda n, now: [node_status(n), _node_roles(n), age(n["metadata"].get("creationTimestamp"), now),
                             ((n.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")],
             ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
             lambda n, now: [
                 next((a["address"] for a in (n.get("status") or {}).get("addresses") or ()
                       if a.get("type") == "InternalIP"), "<none>"),
                 next((a["address"] for a in (n.get("status") or {}).get("addresses") or ()
                       if a.get("type") == "ExternalIP"), "<none>"),
                 _n(((n.get("status") or {}).get("nodeInfo") or {}).get("osImage")),
                 _n(((n.get("status") or {}).get("nodeInfo") or {}).get("kernelVersion")),
                 _n(((n.get("status") or {}).get("nodeInfo") or {}).get("containerRuntimeVersion"))]),
    "Namespace": (["NAME", "STATUS", "AGE"],
                  lambda o, now: [(o.get("status") or {}).get("phase", ""), age(o["metadata"].get("creationTimestamp"), now)],
                  [], None),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
                lambda s, now: [s["spec"].get("type", "ClusterIP"), _n(s["spec"].get("clusterIP")), _external_ip(s),
                                service_ports(s), age(s["metadata"].get("creationTimestamp"), now)],
                ["SELECTOR"], lambda s, now: [label_string(s["spec"].get("selector"))]),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
                   lambda d, now: [f"{(d.get('status') or {}).get('readyReplicas', 0)}/{d['spec'].get('replicas', 1)}",
                                   str((d.get("status") or {}).get("updatedReplicas", 0)),
                                   str((d.get("status") or {}).get("availableReplicas", 0)),
                                   age(d["metadata"].get("creationTimestamp"), now)],
                   ["CONTAINERS", "IMAGES", "SELECTOR"],
                   lambda d, now: [*_containers(_tpl(d)), _selector_string(d["spec"].get("selector"))]),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
                   lambda r, now: [str(r["spec"].get("replicas", 1)), str((r.get("status") or {}).get("replicas", 0)),
                                   str((r.get("status") or {}).get("readyReplicas", 0)),
                                   age(r["metadata"].get("creationTimestamp"), now)],
                   ["CONTAINERS", "IMAGES", "SELECTOR"],
                   lambda r, now: [*_containers(_tpl(r)), _selector_string(r["spec"].get("selector"))]),
    "StatefulSet": (["NAME", "READY", "AGE"],
                    lambda s, now: [f"{(s.get('status') or {}).get('readyReplicas', 0)}/{s['spec'].get('replicas', 1)}",
                                    age(s["metadata"].get("creationTimestamp"), now)],
                    ["CONTAINERS", "IMAGES"], lambda s, now: list(_containers(_tpl(s)))),
    "DaemonSet": (["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
                  lambda d, now: [str((d.get("status") or {}).get(k, 0)) for k in (
                      "desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
                      "numberAvailable")] + [label_string(_tpl(d).get("nodeSelector")),
                                             age(d["metadata"].get("creationTimestamp"), now)],
                  ["CONTAINERS", "IMAGES", "SELECTOR"],
                  lambda d, now: [*_containers(_tpl(d)), _selector_string(d["spec"].get("selector"))]),
    "Job": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
            lambda j, now: [_job_status(j),
                            f"{(j.get('status') or {}).get('succeeded', 0)}/{j['spec'].get('completions')}"
                            if j["spec"].get("completions") is not None else
                            f"{(j.get('status') or {}).get('succeeded', 0)}/1 of {j['spec'].get('parallelism', 1)}",
                            _job_duration(j, now), age(j["metadata"].get("creationTimestamp"), now)],
            ["CONTAINERS", "IMAGES", "SELECTOR"],
            lambda j, now: [*_containers(_tpl(j)), _selector_string(j["spec"].get("selector"))]),
    "CronJob": (["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
                lambda c, now: [c["spec"].get("schedule", ""), _n(c["spec"].get("timeZone")),
                                "True" if c["spec"].get("suspend") else "False",
                                str(len((c.get("status") or {}).get("active") or ())),
                                age((c.get("status") or {}).get("lastScheduleTime"), now)
                                if (c.get("status") or {}).get("lastScheduleTime") else "<none>",
                                age(c["metadata"].get("creationTimestamp"), now)],
                ["CONTAINERS", "IMAGES", "SELECTOR"],
                lambda c, now: [*_containers(((c["spec"].get("jobTemplate") or {}).get("spec") or {})
                                             .get("template", {}).get("spec") or {}), "<none>"]),
    "ConfigMap": (["NAME", "DATA", "AGE"],
                  lambda c, now: [str(len(c.get("data") or {}) + len(c.get("binaryData") or {})),
                                  age(c["metadata"].get("creationTimestamp"), now)], [], None),
    "Secret": (["NAME", "TYPE", "DATA", "AGE"],
               lambda s, now: [s.get("type", "Opaque"), str(len(s.get("data") or {})),
                               age(s["metadata"].get("creationTimestamp"), now)], [], None),
    "ServiceAccount": (["NAME", "SECRETS", "AGE"],
                       lambda s, now: [str(len(s.get("secrets") or ())), age(s["metadata"].get("creationTimestamp"), now)],
                       [], None),
    "PersistentVolume": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                          "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"],
                         lambda v, now: [str((v["spec"].get("capacity") or {}).get("storage", "")),
                                         _access_modes(v["spec"].get("accessModes")),
                                         v["spec"].get("persistentVolumeReclaimPolicy", ""),
                                         (v.get("status") or {}).get("phase", ""),
                                         (f"{v['spec']['claimRef'].get('namespace')}/{v['spec']['claimRef'].get('name')}"
                                          if v["spec"].get("claimRef") else ""),
                                         v["spec"].get("storageClassName", ""),
                                         _n(v["spec"].get("volumeAttributesClassName")),
                                         (v.get("status") or {}).get("reason", ""),
                                         age(v["metadata"].get("creationTimestamp"), now)],
                         ["VOLUMEMODE"], lambda v, now: [v["spec"].get("volumeMode", "Filesystem")]),
    "PersistentVolumeClaim": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                               "VOLUMEATTRIBUTESCLASS", "AGE"],
                              lambda c, now: [(c.get("status") or {}).get("phase", ""), c["spec"].get("volumeName", ""),
                                              str(((c.get("status") or {}).get("capacity") or {}).get("storage", "")),
                                              _access_modes((c.get("status") or {}).get("accessModes")),
                                              _n(c["spec"].get("storageClassName")),
                                              _n(c["spec"].get("volumeAttributesClassName")),
                                              age(c["metadata"].get("creationTimestamp"), now)],
                              ["VOLUMEMODE"], lambda c, now: [c["spec"].get("volumeMode", "Filesystem")]),
    "StorageClass": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
                     lambda s, now: [s.get("provisioner", ""), s.get("reclaimPolicy", "Delete"),
                                     s.get("volumeBindingMode", "Immediate"),
                                     "true" if s.get("allowVolumeExpansion") else "false",
                                     age(s["metadata"].get("creationTimestamp"), now)], [], None),
    "Role": (["NAME", "CREATED AT"], lambda r, now: [_created_at(r, now)], [], None),
    "ClusterRole": (["NAME", "CREATED AT"], lambda r, now: [_created_at(r, now)], [], None),
    "LimitRange": (["NAME", "CREATED AT"], lambda r, now: [_created_at(r, now)], [], None),
    "RoleBinding": (["NAME", "ROLE", "AGE"],
                    lambda b, now: [f"{b['roleRef']['kind']}/{b['roleRef']['name']}",
                                    age(b["metadata"].get("creationTimestamp"), now)],
                    ["USERS", "GROUPS", "SERVICEACCOUNTS"],
                    lambda b, now: [_rb_subjects(b, "User"), _rb_subjects(b, "Group"),
                                    _rb_subjects(b, "ServiceAccount")]),
    "NetworkPolicy": (["NAME", "POD-SELECTOR", "AGE"],
                      lambda p, now: [_selector_string(p["spec"].get("podSelector")) if p["spec"].get("podSelector")
                                      else "<none>", age(p["metadata"].get("creationTimestamp"), now)], [], None),
    "Ingress": (["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
                lambda i, now: [_n(i["spec"].get("ingressClassName")),
                                ",".join(r.get("host", "*") for r in i["spec"].get("rules") or ()) or "*",
                                _lb(i), "80, 443" if i["spec"].get("tls") else "80",
                                age(i["metadata"].get("creationTimestamp"), now)], [], None),
    "IngressClass": (["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
                     lambda i, now: [i["spec"].get("controller", ""), _n(i["spec"].get("parameters")),
                                     age(i["metadata"].get("creationTimestamp"), now)], [], None),
    "PodDisruptionBudget": (["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
                            lambda p, now: [str(p["spec"].get("minAvailable", "N/A")),
                                            str(p["spec"].get("maxUnavailable", "N/A")),
                                            str((p.get("status") or {}).get("disruptionsAllowed", 0)),
                                            age(p["metadata"].get("creationTimestamp"), now)], [], None),
    "HorizontalPodAutoscaler": (["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
                                lambda h, now: [f"{h['spec']['scaleTargetRef']['kind']}/{h['spec']['scaleTargetRef']['name']}",
                                                _hpa_targets(h), str(h["spec"].get("minReplicas", 1)),
                                                str(h["spec"].get("maxReplicas")),
                                                str((h.get("status") or {}).get("currentReplicas", 0)),
                                                age(h["metadata"].get("creationTimestamp"), now)], [], None),
    "ResourceQuota": (["NAME", "AGE", "REQUEST", "LIMIT"],
                      lambda q, now: [age(q["metadata"].get("creationTimestamp"), now),
                                      ", ".join(f"{k}: {(q.get('status') or {}).get('used', {}).get(k, 0)}/{v}"
                                                for k, v in sorted((q["spec"].get("hard") or {}).items())
                                                if not k.startswith("limits.")),
                                      ", ".join(f"{k}: {(q.get('status') or {}).get('used', {}).get(k, 0)}/{v}"
                                                for k, v in sorted((q["spec"].get("hard") or {}).items())
                                                if k.startswith("limits."))], [], None),
    "PriorityClass": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
                      lambda p, now: [str(p.get("value", 0)), "true" if p.get("globalDefault") else "false",
                                      age(p["metadata"].get("creationTimestamp"), now),
                                      p.get("preemptionPolicy", "PreemptLowerPriority")], [], None),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
              lambda e, now: [age(e.get("lastTimestamp") or e["metadata"].get("creationTimestamp"), now),
                              e.get("type", ""), e.get("reason", ""),
                              f"{e['involvedObject'].get('kind', '').lower()}/{e['involvedObject'].get('name')}",
                              e.get("message", "")], [], None),
    "Endpoints": (["NAME", "ENDPOINTS", "AGE"],
                  lambda e, now: [",".join(f"{a['ip']}:{p['port']}" for s in e.get("subsets") or ()
                                           for a in s.get("addresses") or () for p in s.get("ports") or ()) or "<none>",
                                  age(e["metadata"].get("creationTimestamp"), now)], [], None),
    "EndpointSlice": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
                      lambda e, now: [e.get("addressType", ""),
                                      ",".join(str(p.get("port")) for p in e.get("ports") or ()) or "<unset>",
                                      ",".join(a for ep in e.get("endpoints") or () for a in ep.get("addresses") or ())
                                      or "<unset>", age(e["metadata"].get("creationTimestamp"), now)], [], None),
    "MutatingWebhookConfiguration": (["NAME", "WEBHOOKS", "AGE"],
                                     lambda w, now: [str(len(w.get("webhooks") or ())),
                                                     age(w["metadata"].get("creationTimestamp"), now)], [], None),
    "ControllerRevision": (["NAME", "CONTROLLER", "REVISION", "AGE"],
                           lambda r, now: [next((f"{o['kind'].lower()}.{o['apiVersion'].split('/')[0]}/{o['name']}"
                                                 for o in r["metadata"].get("ownerReferences") or ()), "<none>"),
                                           str(r.get("revision", 0)), age(r["metadata"].get("creationTimestamp"), now)],
                           [], None),
}
COLUMNS["ClusterRoleBinding"] = COLUMNS["RoleBinding"]
COLUMNS["ValidatingWebhookConfiguration"] = COLUMNS["MutatingWebhookConfiguration"]


def columns_for(kind: str):
    """(headers, row, wide headers, wide row) of a kind; NAME and AGE only for kinds without a printer."""
    return COLUMNS.get(kind) or (["NAME", "AGE"], lambda o, now: [age(o["metadata"].get("creationTimestamp"), now)],
                                 [], None)
