"""``kubectl describe`` for Deployments and ReplicaSets (upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go)."""

from __future__ import annotations

from k8slab.kubectl.describe import _container_lines, _events, _map, _meta_lines, _toleration, _volume

__all__ = ["describe_deployment", "describe_replicaset", "pod_template_lines"]


def _selector(sel: dict | None) -> str:
    from k8slab.api.labels import selector_from

    try:
        return str(selector_from(sel)) or "<none>"
    except ValueError:
        return "<invalid>"


def pod_template_lines(template: dict) -> list[str]:
    """``Pod Template:`` as DescribePodTemplate prints it (containers indented by three spaces)."""
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    lines = ["Pod Template:"]
    _map(lines, "Labels", meta.get("labels"), "  ")
    if meta.get("annotations"):
        _map(lines, "Annotations", meta.get("annotations"), "  ")
    if spec.get("serviceAccountName") and spec["serviceAccountName"] != "default":
        lines.append(f"  Service Account:\t{spec['serviceAccountName']}")
    for key, title in (("initContainers", "Init Containers"), ("containers", "Containers")):
        if key == "initContainers" and not spec.get(key):
            continue
        lines.append(f"  {title}:")
        for c in spec.get(key) or ():
            _container_lines(lines, c, None, 0.0, {}, template=True)
    vols = spec.get("volumes") or []
    lines.append("  Volumes:\t<none>" if not vols else "  Volumes:")
    for v in vols:
        lines.append(f"   {v['name']}:")
        lines.extend("  " + line for line in _volume(v))
    _map(lines, "Node-Selectors", spec.get("nodeSelector"), "  ")
    tol = [_toleration(t) for t in spec.get("tolerations") or ()]
    lines.append("  Tolerations:\t<none>" if not tol else f"  Tolerations:\t{tol[0]}")
    lines.extend(f"\t{t}" for t in tol[1:])
    return lines


def _conditions(lines: list[str], status: dict) -> None:
    conds = status.get("conditions") or []
    if conds:
        lines.append("Conditions:")
        lines.append("  Type\tStatus\tReason")
        lines.append("  ----\t------\t------")
        lines.extend(f"  {c['type']}\t{c['status']}\t{c.get('reason', '')}" for c in conds)


def describe_deployment(lab, d: dict, now: float) -> list[str]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    lines = _meta_lines(d, creation=True)
    lines.append(f"Selector:\t{_selector(spec.get('selector'))}")
    total, updated = status.get("replicas", 0), status.get("updatedReplicas", 0)
    lines.append(f"Replicas:\t{spec.get('replicas', 1)} desired | {updated} updated | {total} total | "
                 f"{status.get('availableReplicas', 0)} available | {status.get('unavailableReplicas', 0)} unavailable")
    strategy = spec.get("strategy") or {}
    lines.append(f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}")
    lines.append(f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}")
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        lines.append(f"RollingUpdateStrategy:\t{ru.get('maxUnavailable')} max unavailable, "
                     f"{ru.get('maxSurge')} max surge")
    lines += pod_template_lines(spec.get("template") or {})
    _conditions(lines, status)
    uid = d["metadata"].get("uid")
    owned = [rs for rs in lab.api.list(lab.api.resource("replicasets"), d["metadata"].get("namespace"))
             if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or ())]
    from k8slab.controllers.deployment_util import find_new_replica_set, find_old_replica_sets

    new_rs = find_new_replica_set(d, owned)
    old, _ = find_old_replica_sets(d, owned)

    def show(rs):
        return f"{rs['metadata']['name']} ({rs.get('status', {}).get('replicas', 0)}/{rs['spec'].get('replicas', 0)} " \
               "replicas created)"

    lines.append(f"OldReplicaSets:\t{', '.join(show(rs) for rs in old) or '<none>'}")
    lines.append(f"NewReplicaSet:\t{show(new_rs) if new_rs else '<none>'}")
    return lines + _events(lab, d, now)


def describe_replicaset(lab, rs: dict, now: float) -> list[str]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    meta = rs["metadata"]
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
             f"Selector:\t{_selector(spec.get('selector'))}"]
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", meta.get("annotations"))
    owner = next((o for o in meta.get("ownerReferences") or () if o.get("controller")), None)
    if owner:
        lines.append(f"Controlled By:\t{owner['kind']}/{owner['name']}")
    lines.append(f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    uid = meta.get("uid")
    for pod in lab.api.list(lab.api.resource("pods"), meta.get("namespace")):
        if any(o.get("uid") == uid for o in pod["metadata"].get("ownerReferences") or ()):
            phase = (pod.get("status") or {}).get("phase", "Pending")
            counts[phase] = counts.get(phase, 0) + 1
    lines.append(f"Pods Status:\t{counts['Running']} Running / {counts['Pending']} Waiting / "
                 f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed")
    lines += pod_template_lines(spec.get("template") or {})
    _conditions(lines, status)
    return lines + _events(lab, rs, now)
