"""``kubectl describe``: the human view of one object and its Events (upstream: staging/src/k8s.io/kubectl/pkg/describe)."""

from __future__ import annotations

import base64

from k8slab.kubectl import KubectlResult, command
from k8slab.kubectl.describe_node import describe_node
from k8slab.kubectl.format import age, parse_time, tabwriter
from k8slab.kubectl.get import namespace_of, resolve_targets, select

__all__ = ["describe", "describe_object", "DESCRIBERS"]


def _rfc1123z(ts: str | None) -> str:
    from datetime import timedelta

    from k8slab.apiserver.server import EPOCH

    t = parse_time(ts)
    return "<unknown>" if t is None else (EPOCH + timedelta(seconds=t)).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _map(lines: list[str], title: str, m: dict | None, indent: str = "") -> None:
    """``Labels:  app=web`` then the other pairs on their own lines, or ``<none>``; annotations as ``key: value``.

    upstream: describe.go printLabelsMultiline / printAnnotationsMultiline
    """
    items = sorted((m or {}).items())
    if not items:
        lines.append(f"{indent}{title}:\t<none>")
        return
    sep = ": " if title == "Annotations" else "="
    for i, (k, v) in enumerate(items):
        lines.append(f"{indent}{title + ':' if i == 0 else ''}\t{k}{sep}{v}")


def _events(lab, obj: dict, now: float) -> list[str]:
    # upstream: describe.go DescribeEvents sorts by the last time seen (kubectl/pkg/util/event SortableEvents);
    # Go's sort keeps the API's order among equal times for short lists (insertion sort)
    evs = sorted(lab.events.for_object(obj), key=lambda e: e.get("lastTimestamp") or e.get("firstTimestamp") or "")
    if not evs:
        return ["Events:\t<none>"]
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in evs:
        first, last, count = e.get("firstTimestamp"), e.get("lastTimestamp"), e.get("count", 1)
        when = age(last, now) if count <= 1 else f"{age(last, now)} (x{count} over {age(first, now)})"
        src = e.get("source") or {}
        frm = src.get("component", "") + (f", {src['host']}" if src.get("host") else "")
        lines.append(f"  {e.get('type', '')}\t{e.get('reason', '')}\t{when}\t{frm}\t{e.get('message', '').strip()}")
    return lines


def _meta_lines(obj: dict, creation: bool = False) -> list[str]:
    """Name, Namespace, (CreationTimestamp,) Labels, Annotations: the head of most describers."""
    lines: list[str] = []
    meta = obj["metadata"]
    lines.append(f"Name:\t{meta['name']}")
    if meta.get("namespace"):
        lines.append(f"Namespace:\t{meta['namespace']}")
    if creation:
        lines.append(f"CreationTimestamp:\t{_rfc1123z(meta.get('creationTimestamp'))}")
    _map(lines, "Labels", meta.get("labels"))
    from k8slab.apiserver.server import LAST_APPLIED

    _map(lines, "Annotations", {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED})
    return lines


def _meta(lines: list[str], obj: dict, namespaced: bool = True) -> None:
    """Append the common head (Name, Namespace, Labels, Annotations) to ``lines``."""
    head = _meta_lines(obj)
    if namespaced and not obj["metadata"].get("namespace"):
        head.insert(1, "Namespace:\t")
    lines.extend(head)


def _container_lines(lines, c: dict, status: dict | None, now: float, pod: dict, template: bool = False) -> None:
    """One container as describe prints it; ``template`` for a pod template (no runtime state, as kubectl does)."""
    lines.append(f"   {c['name']}:" if template else f"  {c['name']}:")
    if status and status.get("containerID"):
        lines.append(f"    Container ID:\t{status['containerID']}")
    lines.append(f"    Image:\t{c.get('image', '')}")
    if not template:
        lines.append(f"    Image ID:\t{(status or {}).get('imageID', '')}")
    ports = c.get("ports") or []
    if len(ports) <= 1:
        p = ports[0] if ports else None
        lines.append(f"    Port:\t{p['containerPort']}/{p.get('protocol', 'TCP')}" if p else "    Port:\t<none>")
        lines.append(f"    Host Port:\t{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" if p else "    Host Port:\t<none>")
    else:
        lines.append("    Ports:\t" + ", ".join(f"{p['containerPort']}/{p.get('protocol', 'TCP')}" for p in ports))
        lines.append("    Host Ports:\t" + ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports))
    for key, title in (("command", "Command"), ("args", "Args")):
        if c.get(key):
            lines.append(f"    {title}:")
            lines.extend(f"      {a}" for a in c[key])
    if status:
        _state(lines, "State", status.get("state") or {}, now)
        if status.get("lastState"):
            _state(lines, "Last State", status["lastState"], now)
        lines.append(f"    Ready:\t{'True' if status.get('ready') else 'False'}")
        lines.append(f"    Restart Count:\t{status.get('restartCount', 0)}")
    elif not template:
        lines.append("    State:\tWaiting")
        lines.append("      Reason:\tPodInitializing" if (pod.get("spec") or {}).get("nodeName") else "")
        if not (pod.get("spec") or {}).get("nodeName"):
            lines.pop()
        lines.append("    Ready:\tFalse")
        lines.append("    Restart Count:\t0")
    res = c.get("resources") or {}
    for part, title in (("limits", "Limits"), ("requests", "Requests")):
        if res.get(part):
            lines.append(f"    {title}:")
            lines.extend(f"      {k}:\t{v}" for k, v in sorted(res[part].items()))
    for probe, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
        if c.get(probe):
            lines.append(f"    {title}:\t{_probe(c[probe])}")
    env = c.get("env") or []
    if not env and not c.get("envFrom"):
        lines.append("    Environment:\t<none>")
    else:
        lines.append("    Environment:")
        for e in env:
            if "value" in e:
                lines.append(f"      {e['name']}:\t{e['value']}")
            else:
                vf = e.get("valueFrom") or {}
                if "configMapKeyRef" in vf:
                    r = vf["configMapKeyRef"]
                    lines.append(f"      {e['name']}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>"
                                 f"\tOptional: {'true' if r.get('optional') else 'false'}")
                elif "secretKeyRef" in vf:
                    r = vf["secretKeyRef"]
                    lines.append(f"      {e['name']}:\t<set to the key '{r.get('key')}' in secret '{r.get('name')}'>"
                                 f"\tOptional: {'true' if r.get('optional') else 'false'}")
                elif "fieldRef" in vf:
                    lines.append(f"      {e['name']}:\t ({vf['fieldRef'].get('apiVersion', 'v1')}:"
                                 f"{vf['fieldRef'].get('fieldPath')})")
                else:
                    lines.append(f"      {e['name']}:\t<set from a reference>")
    mounts = c.get("volumeMounts") or []
    if not mounts:
        lines.append("    Mounts:\t<none>")
    else:
        lines.append("    Mounts:")
        for m in mounts:
            mode = "ro" if m.get("readOnly") else "rw"
            sub = f",path=\"{m['subPath']}\"" if m.get("subPath") else ""
            lines.append(f"      {m['mountPath']} from {m['name']} ({mode}{sub})")


def _probe(p: dict) -> str:
    # upstream: describe.go DescribeProbe
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
             f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} "
             f"#failure={p.get('failureThreshold', 3)}")
    if "exec" in p:
        return f"exec {p['exec'].get('command')} {attrs}".replace("'", "")
    if "httpGet" in p:
        h = p["httpGet"]
        url = f"{h.get('scheme', 'HTTP').lower()}://{h.get('host', '')}:{h.get('port')}{h.get('path', '/')}"
        return f"http-get {url} {attrs}"
    if "tcpSocket" in p:
        return f"tcp-socket {p['tcpSocket'].get('host', '')}:{p['tcpSocket'].get('port')} {attrs}"
    if "grpc" in p:
        return f"grpc <pod>:{p['grpc'].get('port')} {p['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _state(lines, title: str, state: dict, now: float) -> None:
    if "running" in state:
        lines.append(f"    {title}:\tRunning")
        lines.append(f"      Started:\t{_rfc1123z(state['running'].get('startedAt'))}")
    elif "waiting" in state:
        lines.append(f"    {title}:\tWaiting")
        if state["waiting"].get("reason"):
            lines.append(f"      Reason:\t{state['waiting']['reason']}")
    elif "terminated" in state:
        t = state["terminated"]
        lines.append(f"    {title}:\tTerminated")
        if t.get("reason"):
            lines.append(f"      Reason:\t{t['reason']}")
        if t.get("message"):
            lines.append(f"      Message:\t{t['message']}")
        lines.append(f"      Exit Code:\t{t.get('exitCode', 0)}")
        if t.get("signal"):
            lines.append(f"      Signal:\t{t['signal']}")
        lines.append(f"      Started:\t{_rfc1123z(t.get('startedAt'))}")
        lines.append(f"      Finished:\t{_rfc1123z(t.get('finishedAt'))}")
    else:
        lines.append(f"    {title}:\tWaiting")


def describe_pod(lab, pod: dict, now: float) -> list[str]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    lines: list[str] = []
    meta = pod["metadata"]
    lines.append(f"Name:\t{meta['name']}")
    lines.append(f"Namespace:\t{meta.get('namespace', '')}")
    lines.append(f"Priority:\t{spec.get('priority', 0)}")
    if spec.get("priorityClassName"):
        lines.append(f"Priority Class Name:\t{spec['priorityClassName']}")
    lines.append(f"Service Account:\t{spec.get('serviceAccountName', 'default')}")
    node = spec.get("nodeName")
    lines.append(f"Node:\t{node + '/' + status.get('hostIP', '') if node and status.get('hostIP') else node or '<none>'}")
    if status.get("startTime"):
        lines.append(f"Start Time:\t{_rfc1123z(status['startTime'])}")
    _map(lines, "Labels", meta.get("labels"))
    from k8slab.apiserver.server import LAST_APPLIED

    _map(lines, "Annotations", {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED})
    if meta.get("deletionTimestamp"):
        lines.append(f"Status:\tTerminating (lasts {age(meta['deletionTimestamp'], now)})")
        lines.append(f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 30)}s")
    else:
        lines.append(f"Status:\t{status.get('phase', 'Pending')}")
    if status.get("reason"):
        lines.append(f"Reason:\t{status['reason']}")
    if status.get("message"):
        lines.append(f"Message:\t{status['message']}")
    lines.append(f"IP:\t{status.get('podIP', '')}")
    ips = status.get("podIPs") or []
    lines.append("IPs:\t<none>" if not ips else "IPs:")
    lines.extend(f"  IP:\t{ip['ip']}" for ip in ips)
    ctrl = next((r for r in meta.get("ownerReferences") or () if r.get("controller")), None)
    if ctrl is not None:  # upstream: describe.go describePod printController
        lines.append(f"Controlled By:\t{ctrl.get('kind')}/{ctrl.get('name')}")
    if status.get("nominatedNodeName"):
        lines.append(f"NominatedNodeName:\t{status['nominatedNodeName']}")
    statuses = {s["name"]: s for s in status.get("containerStatuses") or ()}
    init_statuses = {s["name"]: s for s in status.get("initContainerStatuses") or ()}
    if spec.get("initContainers"):
        lines.append("Init Containers:")
        for c in spec["initContainers"]:
            _container_lines(lines, c, init_statuses.get(c["name"]), now, pod)
    lines.append("Containers:")
    for c in spec.get("containers") or ():
        _container_lines(lines, c, statuses.get(c["name"]), now, pod)
    conds = status.get("conditions") or []
    if conds:
        lines.append("Conditions:")
        lines.append("  Type\tStatus")
        lines.extend(f"  {c['type']}\t{c['status']}" for c in conds)
    vols = spec.get("volumes") or []
    lines.append("Volumes:\t<none>" if not vols else "Volumes:")
    for v in vols:
        lines.append(f"  {v['name']}:")
        lines.extend(_volume(v))
    lines.append(f"QoS Class:\t{status.get('qosClass', '')}")
    _map(lines, "Node-Selectors", spec.get("nodeSelector"))
    tol = [_toleration(t) for t in spec.get("tolerations") or ()]
    if not tol:
        lines.append("Tolerations:\t<none>")
    for i, t in enumerate(tol):
        lines.append(f"{'Tolerations:' if i == 0 else ''}\t{t}")
    return lines + _events(lab, pod, now)


def _toleration(t: dict) -> str:
    # upstream: describe.go printTolerationsMultilineWithIndent
    s = t.get("key", "")
    if t.get("value"):
        s += f"={t['value']}"
    if t.get("effect"):
        s += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        s += " op=Exists"
    if t.get("tolerationSeconds") is not None:
        s += f" for {t['tolerationSeconds']}s"
    return s


def _volume(v: dict) -> list[str]:
    # upstream: describe.go describeVolumes
    if "emptyDir" in v:
        ed = v["emptyDir"]
        return ["    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)",
                f"    Medium:\t{ed.get('medium', '')}", f"    SizeLimit:\t{ed.get('sizeLimit', '<unset>')}"]
    if "configMap" in v:
        return ["    Type:\tConfigMap (a volume populated by a ConfigMap)", f"    Name:\t{v['configMap'].get('name')}",
                f"    Optional:\t{'true' if v['configMap'].get('optional') else 'false'}"]
    if "secret" in v:
        return ["    Type:\tSecret (a volume populated by a Secret)", f"    SecretName:\t{v['secret'].get('secretName')}",
                f"    Optional:\t{'true' if v['secret'].get('optional') else 'false'}"]
    if "persistentVolumeClaim" in v:
        p = v["persistentVolumeClaim"]
        return ["    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                f"    ClaimName:\t{p.get('claimName')}", f"    ReadOnly:\t{'true' if p.get('readOnly') else 'false'}"]
    if "hostPath" in v:
        return ["    Type:\tHostPath (bare host directory volume)", f"    Path:\t{v['hostPath'].get('path')}",
                f"    HostPathType:\t{v['hostPath'].get('type', '')}"]
    if "projected" in v:
        # upstream: describe.go printProjectedVolumeSource
        lines = ["    Type:\tProjected (a volume that contains injected data from multiple sources)"]
        for src in v["projected"].get("sources") or ():
            if "serviceAccountToken" in src:
                lines.append(f"    TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3600)}")
            elif "configMap" in src:
                lines.append(f"    ConfigMapName:\t{src['configMap'].get('name')}")
                lines.append(f"    Optional:\t{'true' if src['configMap'].get('optional') else 'false'}")
            elif "secret" in src:
                lines.append(f"    SecretName:\t{src['secret'].get('name')}")
                lines.append(f"    Optional:\t{'true' if src['secret'].get('optional') else 'false'}")
            elif "downwardAPI" in src:
                lines.append("    DownwardAPI:\ttrue")
        return lines
    kind = next((k for k in v if k != "name"), "unknown")
    return [f"    Type:\t{kind[0].upper() + kind[1:]}"]


def describe_generic(lab, obj: dict, now: float, namespaced: bool) -> list[str]:
    lines: list[str] = []
    _meta(lines, obj, namespaced)
    kind = obj["kind"]
    if kind in ("ConfigMap",):
        lines.append("")
        lines.append("Data\n====")
        for k, v in sorted((obj.get("data") or {}).items()):
            lines.append(f"{k}:\n----\n{v}\n")
        lines.append("")
        lines.append("BinaryData\n====")
        lines.append("")
    elif kind == "Secret":
        # upstream: describe.go SecretDescriber: sizes only, never values
        lines.append("")
        lines.append(f"Type:\t{obj.get('type', 'Opaque')}")
        lines.append("")
        lines.append("Data\n====")
        for k, v in sorted((obj.get("data") or {}).items()):
            lines.append(f"{k}:\t{len(base64.b64decode(v or ''))} bytes")
    else:
        from k8slab.kubectl.output import to_yaml

        body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
        for line in to_yaml(body).splitlines():
            if not line.startswith(" ") and line.endswith(":") is False and ": " in line:
                key, _, val = line.partition(": ")
                lines.append(f"{key[0].upper() + key[1:]}:\t{val}")
            elif not line.startswith(" "):
                lines.append(line[0].upper() + line[1:])
            else:
                lines.append(line)
    return lines + _events(lab, obj, now)


DESCRIBERS = {"Pod": describe_pod, "Node": describe_node}


#: describers living in other modules, loaded on first use
_LAZY_DESCRIBERS = {
    "Deployment": "k8slab.kubectl.describe_workloads:describe_deployment",
    "ReplicaSet": "k8slab.kubectl.describe_workloads:describe_replicaset",
    "Service": "k8slab.network.describe:describe_service",
    "NetworkPolicy": "k8slab.network.describe:describe_network_policy",
    "Ingress": "k8slab.network.describe:describe_ingress",
}


def describe_object(lab, obj: dict, res) -> str:
    """The describe text of one stored object."""
    fn = DESCRIBERS.get(obj["kind"])
    if fn is None and obj["kind"] in _LAZY_DESCRIBERS:
        import importlib

        module, _, name = _LAZY_DESCRIBERS[obj["kind"]].partition(":")
        fn = DESCRIBERS[obj["kind"]] = getattr(importlib.import_module(module), name)
    lines = fn(lab, obj, lab.now) if fn else describe_generic(lab, obj, lab.now, res.namespaced)
    return tabwriter(lines, minwidth=0, padding=2) + "\n"


@command("describe")
def describe(lab, args, stdin=None) -> KubectlResult:
    targets = resolve_targets(args.words[1:])
    ns = None if args.has("all-namespaces") else namespace_of(lab, args)
    blocks, errors = [], []
    for res, names in targets:
        blocks.extend(describe_object(lab, o, res) for o in select(lab, args, res, names, ns, errors))
    if not blocks and not errors:
        return KubectlResult(0, "", f"No resources found in {ns} namespace.\n" if ns else "No resources found\n")
    return KubectlResult(1 if errors else 0, "\n\n".join(b.rstrip("\n") for b in blocks) + ("\n" if blocks else ""),
                         "".join(e + "\n" for e in errors))
