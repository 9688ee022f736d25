"""kubectl logs, cordon, uncordon and drain: what the kubelet's containers printed, and taking nodes out of service."""

from __future__ import annotations

from k8slab.apiserver.server import format_time
from k8slab.errors import BadRequest, K8sLabError, NotFound
from k8slab.kubectl import KubectlResult, command, error_text
from k8slab.kubectl.get import namespace_of

__all__ = ["logs", "cordon", "uncordon", "drain", "container_log", "evict", "TooManyRequests"]

_WORKLOADS = {"deployment": "deployments", "deploy": "deployments", "deployments": "deployments",
              "replicaset": "replicasets", "rs": "replicasets", "replicasets": "replicasets",
              "statefulset": "statefulsets", "sts": "statefulsets", "statefulsets": "statefulsets",
              "daemonset": "daemonsets", "ds": "daemonsets", "daemonsets": "daemonsets",
              "job": "jobs", "jobs": "jobs"}


class TooManyRequests(K8sLabError):
    """429: the eviction would violate a PodDisruptionBudget (metav1.StatusReasonTooManyRequests)."""

    reason = "TooManyRequests"
    code = 429


# -- logs ------------------------------------------------------------------------------------------
def _all_container_names(spec: dict) -> str:
    # upstream: staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go AllContainerNames
    names = [c["name"] for c in spec.get("containers") or ()]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or ()]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or ()]
    return ", ".join(names)


def container_log(lab, pod: dict, container: str, previous: bool = False) -> list[str]:
    """The lines a container printed, or raise the kubelet's BadRequest (waiting, no previous container...).

    upstream: pkg/kubelet/kubelet_pods.go validateContainerLogStatus; pkg/registry/core/pod/strategy.go LogLocation
    """
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    name = meta["name"]
    if not spec.get("nodeName"):
        raise BadRequest(f"pod {name} does not have a host assigned")
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == container), None)
    if cs is None:
        raise BadRequest(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
    state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise BadRequest(f'previous terminated container "{container}" in pod "{name}" not found')
        cid = last["containerID"]
    elif "running" in state:
        cid = cs.get("containerID")
    elif "terminated" in state:
        cid = state["terminated"].get("containerID") or (last or {}).get("containerID")
        if not cid:
            raise BadRequest(f'container "{container}" in pod "{name}" is terminated')
    elif last and last.get("containerID"):
        cid = last["containerID"]
    else:
        reason = (state.get("waiting") or {}).get("reason", "")
        what = {"ErrImagePull": "image can't be pulled",
                "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
        raise BadRequest(f'container "{container}" in pod "{name}" is waiting to start: {what}')
    kubelets = lab.components.get("kubelet")
    k = kubelets.nodes.get(spec["nodeName"]) if kubelets is not None else None
    pw = k.workers.get(meta.get("uid")) if k is not None else None
    inst = None
    if pw is not None:
        inst = next((i for i in pw.instances.get(container) or () if i.container_id == cid), None)
    if inst is None:
        return []
    return [line for _t, line in inst.log_lines(lab.now)]


def _pick_pod(lab, args, target: str):
    """A pod name, ``pod/x``, or a workload (``deploy/web``): the pod to read and a note for stderr."""
    from k8slab.api.labels import selector_from

    ns = namespace_of(lab, args)
    kind, slash, name = target.partition("/")
    if not slash:
        return lab.api.get(lab.api.resource("pods"), ns, target), ""
    if kind in ("pod", "pods", "po"):
        return lab.api.get(lab.api.resource("pods"), ns, name), ""
    if kind not in _WORKLOADS:
        raise BadRequest(f'cannot get the logs from {kind}: selector for {kind} not implemented')
    res = lab.api.resource(_WORKLOADS[kind])
    obj = lab.api.get(res, ns, name)
    sel = selector_from((obj.get("spec") or {}).get("selector") or {})
    pods = [p for p in lab.api.list(lab.api.resource("pods"), ns)
            if sel.matches(p["metadata"].get("labels") or {})]
    if not pods:
        raise NotFound(f"no pods found for {kind}/{name}")  # not upstream's wording (kubectl times out waiting)
    pods.sort(key=_by_logging)
    note = f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n" if len(pods) > 1 else ""
    return pods[0], note


def _by_logging(pod: dict):
    # upstream: pkg/controller/controller_utils.go ByLogging (assigned, Running, ready, ready longest, restarts, age)
    status = pod.get("status") or {}
    rank = {"Running": 0, "Unknown": 1, "Pending": 2}.get(status.get("phase"), 3)
    ready = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), {})
    is_ready = ready.get("status") == "True"
    restarts = max((s.get("restartCount", 0) for s in status.get("containerStatuses") or ()), default=0)
    return (not (pod.get("spec") or {}).get("nodeName"), rank, not is_ready,
            ready.get("lastTransitionTime") or "~" if is_ready else "", -restarts,
            pod["metadata"].get("creationTimestamp") or "~", pod["metadata"]["name"])


@command("logs")
def logs(lab, args, stdin=None) -> KubectlResult:
    """``kubectl logs POD [-c CONTAINER] [--previous] [--tail N]`` (``-f`` is not simulated)."""
    words = args.words[1:]
    if not words:
        return KubectlResult(1, "", "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                                    "POD or TYPE/NAME is a required argument for the logs command\n"
                                    "See 'kubectl logs -h' for help and examples\n")
    pod, note = _pick_pod(lab, args, words[0])
    spec = pod.get("spec") or {}
    container = args.get("container") or (words[1] if len(words) > 1 else None)
    warn = note
    if container is None:
        default = ((pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
                   or (spec.get("containers") or [{}])[0].get("name"))
        container = default
        if len(spec.get("containers") or ()) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers"):
            warn += f'Defaulted container "{container}" out of: {_all_container_names(spec)}\n'
    known = [c["name"] for key in ("containers", "initContainers", "ephemeralContainers")
             for c in spec.get(key) or ()]
    if container not in known:
        raise BadRequest(f"container {container} is not valid for pod {pod['metadata']['name']}")
    try:
        lines = container_log(lab, pod, container, bool(args.has("previous")))
    except K8sLabError as e:
        return KubectlResult(1, "", warn + error_text(e) + "\n")
    tail = args.get("tail")
    if tail not in (None, "", "-1"):
        try:
            n = int(tail)
        except ValueError:
            return KubectlResult(1, "", f'error: invalid argument "{tail}" for "--tail" flag: strconv.ParseInt: '
                                        f'parsing "{tail}": invalid syntax\n')
        lines = lines[-n:] if n > 0 else []
    return KubectlResult(0, "".join(line + "\n" for line in lines), warn)


# -- cordon, uncordon --------------------------------------------------------------------------------
def _set_unschedulable(lab, name: str, value: bool) -> bool:
    """Set spec.unschedulable; True when it changed."""
    res = lab.api.resource("nodes")
    node = lab.api.get(res, None, name)
    if bool((node.get("spec") or {}).get("unschedulable")) == value:
        return False
    spec = node.setdefault("spec", {})
    if value:
        spec["unschedulable"] = True
    else:
        spec.pop("unschedulable", None)
    lab.api.update(node)
    return True


def _cordon(lab, args, value: bool) -> KubectlResult:
    # upstream: staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go RunCordonOrUncordon
    names = args.words[1:]
    if not names:
        verb = "cordon" if value else "uncordon"
        return KubectlResult(1, "", f"error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and "
                                    "examples\n")
    out, err = [], []
    for name in names:
        try:
            changed = _set_unschedulable(lab, name, value)
        except K8sLabError as e:
            err.append(error_text(e))
            continue
        word = "cordoned" if value else "uncordoned"
        out.append(f"node/{name} {word}" if changed else f"node/{name} already {word}")
    return KubectlResult(1 if err else 0, "".join(x + "\n" for x in out), "".join(x + "\n" for x in err))


@command("cordon")
def cordon(lab, args, stdin=None) -> KubectlResult:
    return _cordon(lab, args, True)


@command("uncordon")
def uncordon(lab, args, stdin=None) -> KubectlResult:
    return _cordon(lab, args, False)


# -- drain ---------------------------------------------------------------------------------------------
def _controller(pod: dict) -> dict | None:
    return next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _classify(lab, pod: dict, args) -> tuple[str, str]:
    """("delete" | "skip" | "error", message) for one pod.

    upstream: staging/src/k8s.io/kubectl/pkg/drain/filters.go
    """
    meta, spec = pod["metadata"], pod.get("spec") or {}
    if meta.get("deletionTimestamp"):
        return "skip", ""
    if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
        return "skip", ""
    ctrl = _controller(pod)
    if ctrl is not None and ctrl.get("kind") == "DaemonSet":
        if args.has("ignore-daemonsets"):
            return "skip", "ignoring DaemonSet-managed Pods"
        return "error", "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return "delete", ""
    warnings = []
    if ctrl is None:
        if not args.has("force"):
            return "error", "cannot delete Pods that declare no controller (use --force to override)"
        warnings.append("deleting Pods that declare no controller")
    if any("emptyDir" in v for v in spec.get("volumes") or ()):
        if not args.has("delete-emptydir-data"):
            return "error", "cannot delete Pods with local storage (use --delete-emptydir-data to override)"
        warnings.append("deleting Pods with local storage")
    return "delete", "; ".join(warnings)


def _disruption_blocked(lab, pod: dict) -> bool:
    """Would evicting ``pod`` violate a PodDisruptionBudget? (the disruption controller's disruptionsAllowed,
    computed here from the pods' Ready conditions; upstream: pkg/controller/disruption/disruption.go)"""
    from k8slab.api.labels import selector_from
    from k8slab.network.endpointslice import is_pod_ready

    ns = pod["metadata"].get("namespace")
    for pdb in lab.api.list(lab.api.resource("poddisruptionbudgets"), ns):
        spec = pdb.get("spec") or {}
        sel = selector_from(spec.get("selector") or {})
        labels = pod["metadata"].get("labels") or {}
        if not spec.get("selector") or not sel.matches(labels):
            continue
        matching = [p for p in lab.api.list(lab.api.resource("pods"), ns)
                    if sel.matches(p["metadata"].get("labels") or {}) and not p["metadata"].get("deletionTimestamp")]
        healthy = sum(1 for p in matching if is_pod_ready(p))
        expected = len(matching)
        if "minAvailable" in spec:
            desired = _scaled(spec["minAvailable"], expected, round_up=True)
        elif "maxUnavailable" in spec:
            desired = expected - _scaled(spec["maxUnavailable"], expected, round_up=True)
        else:
            continue
        if healthy - desired <= 0:
            return True
    return False


def _scaled(value, total: int, round_up: bool) -> int:
    import math

    if isinstance(value, str) and value.endswith("%"):
        x = int(value[:-1]) * total / 100
        return math.ceil(x) if round_up else math.floor(x)
    return int(value)


def evict(lab, pod: dict, grace_period: int | None = None) -> None:
    """POST pods/eviction: mark the pod DisruptionTarget and delete it gracefully, unless a PDB forbids it.

    upstream: pkg/registry/core/pod/storage/eviction.go (429 "Cannot evict pod as it would violate the pod's
    disruption budget.", condition reason EvictionByEvictionAPI)
    """
    if _disruption_blocked(lab, pod):
        raise TooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.")
    res = lab.api.resource("pods")
    current = lab.api.get(res, pod["metadata"].get("namespace"), pod["metadata"]["name"])
    conds = [c for c in (current.get("status") or {}).get("conditions") or () if c.get("type") != "DisruptionTarget"]
    conds.append({"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
                  "message": "Eviction API: evicting", "lastTransitionTime": format_time(lab.now),
                  "lastProbeTime": None})
    current.setdefault("status", {})["conditions"] = conds
    lab.api.write_status(res, current)
    lab.api.delete(res, current["metadata"].get("namespace"), current["metadata"]["name"], grace_period=grace_period)


@command("drain")
def drain(lab, args, stdin=None) -> KubectlResult:
    """``kubectl drain NODE``: cordon, evict the node's pods, and wait until they are gone.

    Waiting runs the lab's clock (the real command blocks the same way), one second per poll, up to
    ``--timeout`` (default: the longest grace period plus a minute; upstream waits without limit).
    """
    from k8slab.kubelet.backoff import go_duration

    names = args.words[1:]
    if not names:
        return KubectlResult(1, "", "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n")
    grace = args.get("grace-period")
    grace = int(grace) if grace not in (None, "", "-1") else None
    out: list[str] = []
    err: list[str] = []
    fatal: list[str] = []
    pending_nodes: list[str] = []
    for name in names:
        try:
            changed = _set_unschedulable(lab, name, True)
        except K8sLabError as e:
            return KubectlResult(1, "", error_text(e) + "\n")
        out.append(f"node/{name} cordoned" if changed else f"node/{name} already cordoned")
        pods = sorted((p for p in lab.api.list(lab.api.resource("pods"))
                       if (p.get("spec") or {}).get("nodeName") == name),
                      key=lambda p: (p["metadata"].get("namespace"), p["metadata"]["name"]))
        to_delete, warnings, errors = [], {}, {}
        for p in pods:
            verdict, msg = _classify(lab, p, args)
            ref = f"{p['metadata'].get('namespace')}/{p['metadata']['name']}"
            if verdict == "error":
                errors.setdefault(msg, []).append(ref)
            else:
                if msg:
                    for m in msg.split("; "):
                        warnings.setdefault(m, []).append(ref)
                if verdict == "delete":
                    to_delete.append(p)
        if errors:
            # upstream: filters.go errors(): "cannot delete %s: %s" around messages that begin "cannot delete"
            msgs = sorted(f"cannot delete {m}: {', '.join(refs)}" for m, refs in errors.items())
            text = msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"
            err.append(f'error: unable to drain node "{name}" due to error: {text}, continuing command...')
            fatal.append(text)
            pending_nodes.append(name)
            continue
        if warnings:
            err.append("Warning: " + "; ".join(f"{m}: {', '.join(refs)}" for m, refs in sorted(warnings.items())))
        done = _evict_and_wait(lab, args, to_delete, grace, out, err)
        if done is None:
            out.append(f"node/{name} drained")
        else:
            err.append(f"There are pending pods in node \"{name}\" when an error occurred: drain did not complete "
                       f"within {go_duration(done)}")
            fatal.append(f"drain did not complete within {go_duration(done)}")
            pending_nodes.append(name)
    if pending_nodes:
        err.append("There are pending nodes to be drained:")
        err.extend(f" {n}" for n in pending_nodes)
        err.append(fatal[0] if len(fatal) == 1 else "[" + ", ".join(fatal) + "]")
    return KubectlResult(1 if pending_nodes else 0, "".join(x + "\n" for x in out), "".join(x + "\n" for x in err))


def _evict_and_wait(lab, args, pods: list[dict], grace: int | None, out: list, err: list) -> float | None:
    """Evict each pod (retrying every 5 s while a PDB says no), then wait for them to be gone.

    Returns None when done, else the timeout that passed.
    """
    res = lab.api.resource("pods")
    limit = args.get("timeout")
    if limit:
        from k8slab.registry import parse_seconds

        limit = parse_seconds(limit)
    else:
        longest = max(((p.get("spec") or {}).get("terminationGracePeriodSeconds", 30) for p in pods), default=0)
        limit = (grace if grace is not None else longest) + 60.0
    start = lab.now
    waiting: dict[str, dict] = {}
    todo = list(pods)
    for p in todo:
        out.append(f"evicting pod {p['metadata'].get('namespace')}/{p['metadata']['name']}")
    while todo or waiting:
        retry = []
        for p in todo:
            ns, name = p["metadata"].get("namespace"), p["metadata"]["name"]
            try:
                evict(lab, p, grace)
                waiting[f"{ns}/{name}"] = p
            except NotFound:
                continue
            except K8sLabError as e:
                err.append(f'error when evicting pods/"{name}" -n "{ns}" (will retry after 5s): {e.message}')
                retry.append(p)
        todo = retry
        for key, p in list(waiting.items()):
            ns, name = key.split("/", 1)
            current = lab.api.etcd.read(res.key(ns, name))
            if current is None or current["metadata"].get("uid") != p["metadata"].get("uid"):
                out.append(f"pod/{name} evicted")
                del waiting[key]
        if not todo and not waiting:
            return None
        if lab.now - start >= limit:
            return limit
        lab.run(5.0 if todo else 1.0)
    return None
