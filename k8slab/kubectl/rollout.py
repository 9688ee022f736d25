"""kubectl rollout status|history|undo|restart|pause|resume, set image, scale (upstream: kubectl pkg/cmd/rollout, set, scale)."""

from __future__ import annotations

import copy

from k8slab.errors import K8sLabError, NotFound
from k8slab.kubectl import KubectlResult, command, error_text
from k8slab.kubectl.get import namespace_of, resolve_targets

__all__ = ["rollout", "set_", "scale", "ROLLOUT_STATUS_CAP", "status_message", "history_text", "template_text",
           "deployment_revision", "controller_revisions"]

#: kubectl waits for ever without --timeout; the lab stops after this much simulated time and says so
ROLLOUT_STATUS_CAP = 3600.0
_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
_SKIP = {"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
         "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
         "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"}


def _type_name(res) -> str:
    return res.singular if not res.group else f"{res.singular}.{res.group}"


def _targets(lab, words: list[str]):
    """(resource, namespace, name) for each named object; ``deployment/web`` or ``deployment web``."""
    out = []
    for res, names in resolve_targets(words):
        if not names:
            raise K8sLabError("resource(s) were provided, but no name was specified")
        out += [(res, n) for n in names]
    return out


def _fail(messages: list[str], out: str = "") -> KubectlResult:
    return KubectlResult(1, out, "".join(m + "\n" for m in messages))


@command("rollout")
def rollout(lab, args, stdin=None) -> KubectlResult:
    words = args.words[1:]
    if not words:
        return KubectlResult(1, "", "error: Required resource not specified.\nSee 'kubectl rollout -h' for help "
                                    "and examples\n")
    verb, rest = words[0], words[1:]
    handler = {"status": _status, "history": _history, "undo": _undo, "restart": _restart,
               "pause": _pause, "resume": _resume}.get(verb)
    if handler is None:
        return KubectlResult(1, "", f'error: unknown command "{verb}" for "kubectl rollout"\n')
    if not rest:
        return KubectlResult(1, "", "error: required resource not specified\n")
    ns = namespace_of(lab, args)
    out, errs = [], []
    for res, name in _targets(lab, rest):
        try:
            obj = lab.api.get(res, ns, name)
        except NotFound as e:
            errs.append(error_text(e))
            continue
        if obj["kind"] not in _KINDS:
            errs.append(_unsupported(verb, res, name, obj["kind"]))
            continue
        try:
            text = handler(lab, args, res, ns, obj)
        except _RolloutError as e:
            out.append(e.partial)
            errs.append(f"error: {e}")
            continue
        out.append(text)
    return KubectlResult(1 if errs else 0, "".join(out), "".join(e + "\n" for e in errs))


class _RolloutError(Exception):
    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.partial = partial


def _unsupported(verb: str, res, name: str, kind: str) -> str:
    if verb == "status":
        return f"error: no status viewer has been implemented for {kind}"
    if verb in ("history", "undo"):
        group_kind = f"{kind}.{res.group}" if res.group else kind
        what = "history viewer" if verb == "history" else "rollbacker"
        return f'error: no {what} has been implemented for "{group_kind}"'
    what = {"pause": "pausing", "resume": "resuming", "restart": "restarting"}[verb]
    group = f".{res.group}" if res.group else ""
    return f'error: {res.name}{group} "{name}" {what} is not supported'


# -- status ------------------------------------------------------------------------------------------------------
def _status(lab, args, res, ns, obj) -> str:
    """Print a status line for the object now and after every change, running the clock until the rollout is done."""
    revision = int(args.get("revision") or 0)
    watch = args.flags.get("watch", True) is not False
    timeout = _seconds(args.get("timeout")) or ROLLOUT_STATUS_CAP
    lines: list[str] = []
    done = False

    def show(o: dict) -> bool:
        nonlocal done
        msg, finished = status_message(o, revision)
        lines.append(msg)
        done = finished
        return finished

    try:
        if show(obj) or not watch:
            return "".join(lines)
    except ValueError as e:
        raise _RolloutError(str(e), "".join(lines)) from None
    from k8slab.controllers.informer import informer

    inf = informer(lab, res.name)
    failure: list[str] = []

    def on_change(event: str, o: dict) -> None:
        if done or failure or o["metadata"].get("name") != obj["metadata"]["name"] \
                or o["metadata"].get("namespace") != ns or event == "DELETED":
            return
        try:
            show(o)
        except ValueError as e:
            failure.append(str(e))

    inf.listeners.append(on_change)
    try:
        deadline = lab.env.now + timeout
        while not done and not failure and lab.env.peek() <= deadline:
            lab.env.step()
        if not done and not failure and lab.env.now < deadline:
            lab.env.run(until=deadline)
    finally:
        inf.listeners.remove(on_change)
    if failure:
        raise _RolloutError(failure[0], "".join(lines))
    if not done:
        raise _RolloutError("timed out waiting for the condition", "".join(lines))
    return "".join(lines)


def _seconds(text) -> float:
    """A Go duration such as ``90s``, ``5m``, ``1h30m`` (``0`` means no timeout)."""
    if not text:
        return 0.0
    import re

    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        if m.start() != pos:
            raise K8sLabError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
        total += float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        pos = m.end()
    if pos != len(text):
        if text.isdigit():
            return float(text)
        raise K8sLabError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    return total


# -- history and undo ------------------------------------------------------------------------------------------------
def _history(lab, args, res, ns, obj) -> str:
    revision = int(args.get("revision") or 0)
    try:
        text = history_text(lab, obj, revision)
    except ValueError as e:
        raise _RolloutError(str(e)) from None
    head = f"with revision #{revision}" if revision > 0 else ""
    return f"{_type_name(res)}/{obj['metadata']['name']} {head}\n{text}\n"


def _undo(lab, args, res, ns, obj) -> str:
    to_revision = int(args.get("to-revision") or 0)
    name = obj["metadata"]["name"]
    prefix = f"{_type_name(res)}/{name}"
    if obj["kind"] == "Deployment":
        # upstream: kubectl polymorphichelpers/rollback.go DeploymentRollbacker
        if obj["spec"].get("paused"):
            raise _RolloutError("you cannot rollback a paused deployment; resume it first with "
                                "'kubectl rollout resume' and try again")
        try:
            rs = deployment_revision(lab, obj, to_revision)
        except ValueError as e:
            raise _RolloutError(str(e)) from None
        from k8slab.controllers.deployment_util import HASH_LABEL, equal_ignore_hash

        if equal_ignore_hash(rs["spec"]["template"], obj["spec"]["template"]):
            return f"{prefix} skipped rollback (current template already matches revision {to_revision})\n"
        template = copy.deepcopy(rs["spec"]["template"])
        (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
        annotations = {k: v for k, v in (obj["metadata"].get("annotations") or {}).items() if k in _SKIP}
        annotations.update({k: v for k, v in (rs["metadata"].get("annotations") or {}).items() if k not in _SKIP})
        live = copy.deepcopy(obj)
        live["spec"]["template"] = template
        live["metadata"]["annotations"] = annotations
        lab.api.update(live)
        return f"{prefix} rolled back\n"
    from k8slab.controllers.history import apply_revision, equal_revision, get_patch

    revisions = controller_revisions(lab, obj)
    target = _pick_revision(revisions, to_revision, obj)
    current = {"metadata": {}, "data": get_patch(obj)}
    if equal_revision(current, {"metadata": {}, "data": target["data"]}):
        return f"{prefix} skipped rollback (current template already matches revision {to_revision})\n"
    lab.api.update(apply_revision(obj, target))
    return f"{prefix} rolled back\n"


def _pick_revision(revisions: list[dict], to_revision: int, obj: dict) -> dict:
    # upstream: polymorphichelpers/rollback.go findHistory
    if to_revision == 0 and len(revisions) <= 1:
        raise _RolloutError("no last revision to roll back to")
    if to_revision > 0:
        for r in revisions:
            if r.get("revision") == to_revision:
                return r
        raise _RolloutError(f"unable to find specified revision {to_revision} in history")
    return sorted(revisions, key=lambda r: r.get("revision", 0))[-2]


# -- restart, pause, resume ------------------------------------------------------------------------------------------
def _restart(lab, args, res, ns, obj) -> str:
    # upstream: polymorphichelpers/objectrestarter.go
    if obj["kind"] == "Deployment" and obj["spec"].get("paused"):
        raise _RolloutError("can't restart paused deployment (run rollout resume first)")
    live = copy.deepcopy(obj)
    meta = live["spec"]["template"].setdefault("metadata", {})
    meta.setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = lab.api.now_rfc3339()
    lab.api.update(live)
    return f"{_type_name(res)}/{obj['metadata']['name']} restarted\n"


def _set_paused(lab, res, obj, paused: bool) -> str:
    # upstream: polymorphichelpers/objectpauser.go, objectresumer.go; rollout_pause.go, rollout_resume.go
    name = obj["metadata"]["name"]
    if obj["kind"] != "Deployment":
        what = "pausing" if paused else "resuming"
        raise _RolloutError(f'{res.name}.{res.group} "{name}" {what} is not supported')
    if bool(obj["spec"].get("paused")) == paused:
        raise _RolloutError(f'{res.name}.{res.group} "{name}" is {"already paused" if paused else "not paused"}')
    live = copy.deepcopy(obj)
    if paused:
        live["spec"]["paused"] = True
    else:
        live["spec"].pop("paused", None)
    lab.api.update(live)
    return f"{_type_name(res)}/{name} {'paused' if paused else 'resumed'}\n"


def _pause(lab, args, res, ns, obj) -> str:
    return _set_paused(lab, res, obj, True)


def _resume(lab, args, res, ns, obj) -> str:
    return _set_paused(lab, res, obj, False)


# -- set image ---------------------------------------------------------------------------------------------------------
def _pod_spec(obj: dict) -> dict | None:
    kind = obj["kind"]
    if kind == "Pod":
        return obj["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"):
        return obj["spec"]["template"]["spec"]
    return None


@command("set")
def set_(lab, args, stdin=None) -> KubectlResult:
    words = args.words[1:]
    if not words or words[0] != "image":
        sub = words[0] if words else ""
        if not sub:
            return KubectlResult(1, "", "error: Required resource not specified.\n")
        from k8slab.kubectl.commands import not_simulated

        return not_simulated(f"set {sub}", "the lab simulates kubectl set image")
    rest = words[1:]
    pairs = [w for w in rest if "=" in w]
    objs_words = [w for w in rest if "=" not in w]
    if not pairs:
        return KubectlResult(1, "", "error: at least one image update is required\n")
    images = dict(p.split("=", 1) for p in pairs)
    if "*" in images and len(images) > 1:
        return _fail(["error: all containers are already specified by *, but saw more than one "
                      "container_name=container_image pairs"])
    ns = namespace_of(lab, args)
    out, errs = [], []
    for res, name in _targets(lab, objs_words):
        try:
            obj = copy.deepcopy(lab.api.get(res, ns, name))
        except NotFound as e:
            errs.append(error_text(e))
            continue
        spec = _pod_spec(obj)
        if spec is None:
            errs.append(f"error: {_type_name(res)}/{name} the object is not a pod or does not have a pod template: "
                        f"*{obj['kind'].lower()}")
            continue
        changed = False
        for cname, image in images.items():
            found = False
            for key in ("initContainers", "containers"):
                for c in spec.get(key) or ():
                    if cname in ("*", c["name"]):
                        found = True
                        if c.get("image") != image:
                            c["image"] = image
                            changed = True
            if not found:
                errs.append(f'error: unable to find container named "{cname}"')
        if not changed:
            continue
        try:
            lab.api.update(obj)
        except K8sLabError as e:
            errs.append(f"failed to patch image update to pod template: {e.message}")
            continue
        out.append(f"{_type_name(res)}/{name} image updated")
    return KubectlResult(1 if errs else 0, "".join(o + "\n" for o in out), "".join(e + "\n" for e in errs))


# -- scale -------------------------------------------------------------------------------------------------------------
@command("scale")
def scale(lab, args, stdin=None) -> KubectlResult:
    replicas = args.get("replicas")
    if replicas is None:
        return KubectlResult(1, "", 'error: required flag(s) "replicas" not set\n')
    try:
        count = int(replicas)
    except ValueError:
        return KubectlResult(1, "", f'error: invalid argument "{replicas}" for "--replicas" flag: strconv.ParseInt: '
                                    f'parsing "{replicas}": invalid syntax\n')
    if count < 0:
        return KubectlResult(1, "", "error: The --replicas=COUNT flag is required, and COUNT must be greater than or "
                                    "equal to 0\n")
    ns = namespace_of(lab, args)
    out, errs = [], []
    for res, name in _targets(lab, args.words[1:]):
        try:
            obj = copy.deepcopy(lab.api.get(res, ns, name))
        except NotFound as e:
            errs.append(error_text(e))
            continue
        if obj["kind"] not in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
            errs.append("Error from server (NotFound): the server could not find the requested resource")
            continue
        obj["spec"]["replicas"] = count
        try:
            lab.api.update(obj)
        except K8sLabError as e:
            errs.append(error_text(e))
            continue
        out.append(f"{_type_name(res)}/{name} scaled")
    return KubectlResult(1 if errs else 0, "".join(o + "\n" for o in out), "".join(e + "\n" for e in errs))


# -- what rollout status and history print ------------------------------------------------------------------------
def status_message(obj: dict, revision: int = 0) -> tuple[str, bool]:
    """One line of ``kubectl rollout status`` and whether the rollout is done; ValueError for a failed rollout.

    upstream: kubectl pkg/polymorphichelpers/rollout_status.go

    Examples
    --------
    >>> d = {"kind": "Deployment", "metadata": {"name": "web", "generation": 2},
    ...      "spec": {"replicas": 3}, "status": {"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3,
    ...                                         "availableReplicas": 3}}
    >>> status_message(d)
    ('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\\n', False)
    """
    kind, name = obj["kind"], obj["metadata"]["name"]
    spec, st, gen = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"].get("generation", 0)
    if kind == "Deployment":
        if revision > 0:
            from k8slab.controllers.deployment_util import revision as revision_of

            current = revision_of(obj)
            if revision != current:
                raise ValueError(f"desired revision ({revision}) is different from the running revision ({current})")
        if gen <= st.get("observedGeneration", 0):
            cond = next((c for c in st.get("conditions") or () if c.get("type") == "Progressing"), None)
            if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
                raise ValueError(f'deployment "{name}" exceeded its progress deadline')
            want, updated = spec.get("replicas", 1), st.get("updatedReplicas", 0)
            if updated < want:
                return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new replicas '
                        "have been updated...\n", False)
            if st.get("replicas", 0) > updated:
                return (f'Waiting for deployment "{name}" rollout to finish: {st.get("replicas", 0) - updated} old '
                        "replicas are pending termination...\n", False)
            if st.get("availableReplicas", 0) < updated:
                return (f'Waiting for deployment "{name}" rollout to finish: {st.get("availableReplicas", 0)} of '
                        f"{updated} updated replicas are available...\n", False)
            return f'deployment "{name}" successfully rolled out\n', True
        return "Waiting for deployment spec update to be observed...\n", False
    strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        raise ValueError("rollout status is only available for RollingUpdate strategy type")
    if kind == "DaemonSet":
        if gen <= st.get("observedGeneration", 0):
            desired = st.get("desiredNumberScheduled", 0)
            if st.get("updatedNumberScheduled", 0) < desired:
                return (f'Waiting for daemon set "{name}" rollout to finish: {st.get("updatedNumberScheduled", 0)} '
                        f"out of {desired} new pods have been updated...\n", False)
            if st.get("numberAvailable", 0) < desired:
                return (f'Waiting for daemon set "{name}" rollout to finish: {st.get("numberAvailable", 0)} of '
                        f"{desired} updated pods are available...\n", False)
            return f'daemon set "{name}" successfully rolled out\n', True
        return "Waiting for daemon set spec update to be observed...\n", False
    # StatefulSet
    if not st.get("observedGeneration") or gen > st.get("observedGeneration", 0):
        return "Waiting for statefulset spec update to be observed...\n", False
    want = spec.get("replicas", 1)
    if st.get("readyReplicas", 0) < want:
        return f"Waiting for {want - st.get('readyReplicas', 0)} pods to be ready...\n", False
    ru = (spec.get("updateStrategy") or {}).get("rollingUpdate")
    if ru is not None:
        if ru.get("partition") is not None and st.get("updatedReplicas", 0) < want - ru["partition"]:
            return (f"Waiting for partitioned roll out to finish: {st.get('updatedReplicas', 0)} out of "
                    f"{want - ru['partition']} new pods have been updated...\n", False)
        return f"partitioned roll out complete: {st.get('updatedReplicas', 0)} new pods have been updated...\n", True
    if st.get("updateRevision") != st.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete {st.get('updatedReplicas', 0)} pods at revision "
                f"{st.get('updateRevision')}...\n", False)
    return (f"statefulset rolling update complete {st.get('currentReplicas', 0)} pods at revision "
            f"{st.get('currentRevision')}...\n", True)


def _owned(lab, resource: str, owner: dict) -> list[dict]:
    from k8slab.controllers.informer import informer

    return informer(lab, resource).owned_by(owner["metadata"]["uid"])


def controller_revisions(lab, obj: dict) -> list[dict]:
    """The ControllerRevisions a StatefulSet or DaemonSet owns."""
    return _owned(lab, "controllerrevisions", obj)


def deployment_revision(lab, d: dict, to_revision: int) -> dict:
    """The ReplicaSet of a revision, or of the previous one for 0 (upstream: polymorphichelpers/rollback.go)."""
    from k8slab.controllers.deployment_util import revision

    latest, latest_rev, previous, previous_rev = None, -1, None, -1
    for rs in _owned(lab, "replicasets", d):
        try:
            v = revision(rs)
        except ValueError:
            continue
        if to_revision == 0:
            if latest_rev < v:
                previous, previous_rev, latest, latest_rev = latest, latest_rev, rs, v
            elif previous_rev < v:
                previous, previous_rev = rs, v
        elif v == to_revision:
            return rs
    if to_revision > 0:
        raise ValueError(f"unable to find specified revision {to_revision} in history")
    if previous is None:
        raise ValueError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
    return previous


def history_text(lab, obj: dict, revision: int = 0) -> str:
    """The table (or one revision's pod template) of ``kubectl rollout history`` (polymorphichelpers/history.go)."""
    from k8slab.kubectl.format import tabwriter

    history: dict[int, dict] = {}
    if obj["kind"] == "Deployment":
        from k8slab.controllers.deployment_util import revision as revision_of

        for rs in _owned(lab, "replicasets", obj):
            try:
                v = revision_of(rs)
            except ValueError:
                continue
            template = copy.deepcopy(rs["spec"]["template"])
            cause = (rs["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause")
            if cause:
                template.setdefault("metadata", {}).setdefault("annotations", {})["kubernetes.io/change-cause"] = cause
            history[v] = template
    else:
        from k8slab.controllers.history import apply_revision

        for r in controller_revisions(lab, obj):
            template = apply_revision(obj, r)["spec"]["template"]
            cause = (r["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause")
            if cause:
                template.setdefault("metadata", {}).setdefault("annotations", {})["kubernetes.io/change-cause"] = cause
            history[r.get("revision", 0)] = template
    if not history:
        return "No rollout history found."
    if revision > 0:
        if revision not in history:
            raise ValueError("unable to find the specified revision")
        return template_text(history[revision])
    rows = ["REVISION\tCHANGE-CAUSE"]
    for r in sorted(history):
        cause = ((history[r].get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/change-cause")
        rows.append(f"{r}\t{cause or '<none>'}")
    return tabwriter(rows, padding=2) + "\n"


def template_text(template: dict) -> str:
    """``describe.DescribePodTemplate`` as printTemplate writes it: a PrefixWriter without tabwriter (raw tabs)."""
    from k8slab.kubectl.describe import _probe, _volume

    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    out = ["Pod Template:\n"]

    def multiline(title: str, m: dict | None, sep: str = "=") -> None:
        if not m:
            out.append(f"{title}:\t<none>\n")
            return
        for i, k in enumerate(sorted(m)):
            out.append(f"{title}:\t" if i == 0 else "\t")
            out.append(f"{k}{sep}{m[k]}\n")

    multiline("  Labels", meta.get("labels"))
    if meta.get("annotations"):
        multiline("  Annotations", meta["annotations"], ": ")
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}\n")
    for key, label in (("initContainers", "Init Containers"), ("containers", "Containers")):
        cs = spec.get(key) or []
        if key == "initContainers" and not cs:
            continue
        out.append(f"  {label}:\n" if cs else f"  {label}: <none>\n")
        for c in cs:
            out.extend(_container_text(c, _probe))
    vols = spec.get("volumes") or []
    if not vols:
        out.append("  Volumes:\t<none>\n")
    else:
        out.append("  Volumes:\n")
        for v in vols:
            out.append(f"   {v['name']}:\n")
            out.extend(line + "\n" for line in _volume(v))
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}\n")
    multiline("  Node-Selectors", spec.get("nodeSelector"))
    tols = spec.get("tolerations") or []
    if not tols:
        out.append("  Tolerations:\t<none>\n")
    else:
        from k8slab.kubectl.describe import _toleration

        for i, t in enumerate(tols):
            out.append(("  Tolerations:\t" if i == 0 else "\t") + _toleration(t) + "\n")
    return "".join(out)


def _container_text(c: dict, probe) -> list[str]:
    """describeContainerBasicInfo, Command, Resources, Probes, Env and Mounts of a template's container."""
    out = [f"   {c['name']}:\n", f"    Image:\t{c.get('image', '')}\n"]
    ports = c.get("ports") or []
    port = ", ".join(f"{p['containerPort']}/{p.get('protocol', 'TCP')}" for p in ports)
    host = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    out.append(f"    Ports:\t{port}\n" if "," in port else f"    Port:\t{port or '<none>'}\n")
    out.append(f"    Host Ports:\t{host}\n" if "," in host else f"    Host Port:\t{host or '<none>'}\n")
    if c.get("restartPolicy"):
        out.append(f"    Restart Policy:\t{c['restartPolicy']}\n")
    for key, title in (("command", "Command"), ("args", "Args")):
        if c.get(key):
            out.append(f"    {title}:\n")
            out.extend(f"      {a}\n" for a in c[key])
    res = c.get("resources") or {}
    for part, title in (("limits", "Limits"), ("requests", "Requests")):
        if res.get(part):
            out.append(f"    {title}:\n")
            out.extend(f"      {k}:\t{v}\n" for k, v in sorted(res[part].items()))
    for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
        if c.get(key):
            out.append(f"    {title}:\t{probe(c[key])}\n")
    env = c.get("env") or []
    out.append("    Environment:\t<none>\n" if not env else "    Environment:\n")
    for e in env:
        out.append(f"      {e['name']}:\t{e.get('value', '')}\n")
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
    out.append("    Mounts:\t<none>\n" if not mounts else "    Mounts:\n")
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"] + ([f'path="{m["subPath"]}"'] if m.get("subPath") else [])
        out.append(f"      {m['mountPath']} from {m['name']} ({','.join(flags)})\n")
    return out
