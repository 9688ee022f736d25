"""A production-readiness linter over the lab's workloads, in the spirit of kube-score and Polaris."""

# Check IDs are kube-score's (github.com/zegl/kube-score, README_CHECKS.md) where kube-score has the check, and
# kube-linter's for env-var-secret; the messages and fixes are the lab's. The score is the lab's: Polaris-style,
# the weighted share of passed checks (critical 3, warning 1).

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Finding", "WorkloadReport", "ReadinessReport", "lint", "CHECKS", "WEIGHTS", "checklist", "Checklist",
           "ChecklistItem"]

WEIGHTS = {"critical": 3, "warning": 1}
_WORKLOADS = {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet",
              "cronjobs": "CronJob", "jobs": "Job", "pods": "Pod"}
_SECRETISH = re.compile(r"(?i)(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential)")

#: check ID -> (severity, what it asks for)
CHECKS = {
    "pod-probes": ("critical", "every container has a readinessProbe (and a livenessProbe)"),
    "container-resources": ("critical", "every container sets CPU and memory requests and a memory limit"),
    "container-image-tag": ("critical", "images have an explicit tag that is not latest (or a digest)"),
    "deployment-replicas": ("warning", "more than one replica"),
    "deployment-has-poddisruptionbudget": ("warning", "a PodDisruptionBudget covers the pods"),
    "deployment-has-host-podantiaffinity": ("warning", "replicas are spread over nodes (anti-affinity or spread)"),
    "container-security-context-user-group-id": ("critical", "containers run as a non-root user"),
    "container-security-context-privileged": ("critical", "no privileged containers"),
    "container-security-context-readonlyrootfilesystem": ("warning", "a read-only root filesystem"),
    "pod-networkpolicy": ("warning", "a NetworkPolicy selects the pods"),
    "env-var-secret": ("critical", "no secret values written into environment variables"),
    "secret-in-env-var": ("warning", "Secrets mounted as files rather than passed in environment variables"),
}


@dataclass(frozen=True)
class Finding:
    """One failed check of one workload, with the fix."""

    check: str
    severity: str
    message: str
    fix: str


@dataclass
class WorkloadReport:
    """The checks of one workload: which failed, and its score out of 100."""

    kind: str
    namespace: str
    name: str
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def score(self) -> int:
        failed = {f.check for f in self.findings}
        total = sum(WEIGHTS[CHECKS[c][0]] for c in self.checked)
        passed = sum(WEIGHTS[CHECKS[c][0]] for c in self.checked if c not in failed)
        return round(100 * passed / total) if total else 100

    @property
    def workload(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


class ReadinessReport(list):
    """Every workload's report; prints as kube-score's terse table, renders as HTML with the fixes."""

    def findings(self) -> list[tuple[WorkloadReport, Finding]]:
        return [(w, f) for w in self for f in w.findings]

    def __repr__(self) -> str:
        if not self:
            return "no workloads"
        lines = []
        for w in self:
            lines.append(f"{w.namespace}/{w.workload}: score {w.score}")
            for f in w.findings:
                lines.append(f"    [{f.severity.upper():<8}] {f.check}: {f.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for w in self:
            for f in w.findings or [None]:
                cells = [w.namespace, w.workload, str(w.score)]
                cells += ([f.severity, f.check, f.message, f.fix] if f else ["", "", "no findings", ""])
                color = {"critical": "#c92a2a", "warning": "#e67700"}.get(f.severity if f else "", "#2b8a3e")
                rows.append("<tr>" + "".join(f'<td style="color:{color if i == 3 else "inherit"}">{html.escape(c)}</td>'
                                             for i, c in enumerate(cells)) + "</tr>")
        head = "".join(f"<th>{h}</th>" for h in ("namespace", "workload", "score", "severity", "check", "finding",
                                                  "fix"))
        return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _template(obj: dict) -> tuple[dict, dict]:
    from k8slab.admission.pod_security import pod_template

    return pod_template(obj)


def _selects(selector: dict | None, labels: dict) -> bool:
    from k8slab.api.labels import selector_from

    return selector is not None and selector_from(selector).matches(labels)


def _check_workload(kind: str, obj: dict, pdbs: list, policies: list, services: list) -> WorkloadReport:
    meta = obj["metadata"]
    report = WorkloadReport(kind, meta.get("namespace", ""), meta["name"])
    pod_meta, spec = _template(obj)
    labels = pod_meta.get("labels") or {}
    containers = spec.get("containers") or []
    found = report.findings

    def check(cid: str, failed_messages: list[str], fix: str):
        report.checked.append(cid)
        for msg in failed_messages:
            found.append(Finding(cid, CHECKS[cid][0], msg, fix))

    served = any(_selects({"matchLabels": (s.get("spec") or {}).get("selector")}, labels)
                 for s in services if (s.get("spec") or {}).get("selector"))
    if kind not in ("Job", "CronJob"):
        msgs = [f'container "{c["name"]}" has no readinessProbe' + (" although a Service sends it traffic"
                                                                    if served else "")
                for c in containers if not c.get("readinessProbe")]
        msgs += [f'container "{c["name"]}" has no livenessProbe' for c in containers if not c.get("livenessProbe")]
        check("pod-probes", msgs, "add a readinessProbe (when to send traffic) and a livenessProbe (when to restart)")
    res_msgs = []
    for c in containers:
        r = c.get("resources") or {}
        missing = [f"{what}.{res}" for what, res in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))
                   if res not in (r.get(what) or {})]
        if missing:
            res_msgs.append(f'container "{c["name"]}" sets no {", ".join(missing)}')
    check("container-resources", res_msgs, "set resources.requests.cpu/memory (scheduling) and "
                                           "resources.limits.memory (a runaway process is OOM-killed alone)")
    tag_msgs = []
    for c in containers:
        image = c.get("image", "")
        last = image.split("@", 1)[0].rsplit("/", 1)[-1]
        if "@" not in image and (":" not in last or last.endswith(":latest")):
            tag_msgs.append(f'container "{c["name"]}" uses image "{image}" (latest: which version runs is unknown)')
    check("container-image-tag", tag_msgs, "pin a version tag, or better the digest (image@sha256:...)")
    if kind in ("Deployment", "StatefulSet"):
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        check("deployment-replicas", [f"{replicas} replica: one node or pod failure is an outage"]
              if replicas < 2 else [], "run at least 2 replicas (3 across zones for production)")
        covered = any(p["metadata"].get("namespace") == report.namespace
                      and _selects((p.get("spec") or {}).get("selector"), labels) for p in pdbs)
        check("deployment-has-poddisruptionbudget", [] if covered else ["no PodDisruptionBudget selects its pods: a "
                                                                         "node drain may evict them all at once"],
              "add a PodDisruptionBudget (minAvailable or maxUnavailable) selecting these pods")
        aff = spec.get("affinity") or {}
        spread = bool(spec.get("topologySpreadConstraints")) or bool((aff.get("podAntiAffinity") or {}))
        check("deployment-has-host-podantiaffinity", [] if spread or replicas < 2 else
              ["replicas may all land on one node"],
              "add topologySpreadConstraints (topologyKey kubernetes.io/hostname or a zone) or podAntiAffinity")
    pod_sc = spec.get("securityContext") or {}
    root, priv, rw, env_vals, env_refs = [], [], [], [], []
    for c in containers:
        sc = c.get("securityContext") or {}
        non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        if not non_root and not (uid is not None and uid > 0):
            root.append(f'container "{c["name"]}" may run as root (no runAsNonRoot, no runAsUser > 0)')
        if sc.get("privileged"):
            priv.append(f'container "{c["name"]}" is privileged: root on the node')
        if not sc.get("readOnlyRootFilesystem"):
            rw.append(f'container "{c["name"]}" has a writable root filesystem')
        for env in c.get("env") or ():
            if "value" in env and _SECRETISH.search(env.get("name", "")) and env["value"]:
                env_vals.append(f'container "{c["name"]}" has the secret-looking variable {env["name"]} written '
                                "in the manifest")
            if ((env.get("valueFrom") or {}).get("secretKeyRef")):
                env_refs.append(f'container "{c["name"]}" gets Secret {env["valueFrom"]["secretKeyRef"].get("name")} '
                                f'in variable {env["name"]}')
        for env_from in c.get("envFrom") or ():
            if env_from.get("secretRef"):
                env_refs.append(f'container "{c["name"]}" gets all of Secret {env_from["secretRef"].get("name")} '
                                "as variables")
    check("container-security-context-user-group-id", root,
          "set securityContext.runAsNonRoot: true and a runAsUser above 10000")
    check("container-security-context-privileged", priv, "remove privileged: true; add only the capability needed")
    check("container-security-context-readonlyrootfilesystem", rw,
          "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes")
    ns_policies = [p for p in policies if p["metadata"].get("namespace") == report.namespace]
    covered = any(_selects((p.get("spec") or {}).get("podSelector") or {}, labels) for p in ns_policies)
    check("pod-networkpolicy", [] if covered else ["no NetworkPolicy selects its pods: any pod may reach them"],
          "add a NetworkPolicy (a namespace default deny, then the allowed flows)")
    check("env-var-secret", env_vals, "move the value into a Secret and mount it")
    check("secret-in-env-var", env_refs,
          "mount the Secret as a volume: variables leak into logs, crash dumps and child processes, and never update")
    return report


def lint(lab, namespace: str | None = None, include_system: bool = False) -> ReadinessReport:
    """Check every workload (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, and Pods nobody owns).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> _ = lab.apply('''
    ... apiVersion: apps/v1
    ... kind: Deployment
    ... metadata: {name: web}
    ... spec:
    ...   selector: {matchLabels: {app: web}}
    ...   template:
    ...     metadata: {labels: {app: web}}
    ...     spec: {containers: [{name: web, image: "nginx:latest"}]}
    ... ''')
    >>> report = lint(lab)
    >>> report[0].score, sorted({f.check for f in report[0].findings})[:3]
    (33, ['container-image-tag', 'container-resources', 'container-security-context-readonlyrootfilesystem'])
    """
    api = lab.api
    scan = lambda res: list(api.etcd.scan(f"/registry/{res}/" + (f"{namespace}/" if namespace else "")))  # noqa: E731
    pdbs, policies = scan("poddisruptionbudgets"), scan("networkpolicies")
    services = scan("services/specs")
    system = ("kube-system", "kube-public", "kube-node-lease", "gatekeeper-system", "istio-system")
    out = ReadinessReport()
    for res, kind in _WORKLOADS.items():
        for obj in scan(res):
            meta = obj["metadata"]
            if not include_system and meta.get("namespace") in system:
                continue
            if kind in ("Pod", "Job", "ReplicaSet") and meta.get("ownerReferences"):
                continue  # checked through their owner
            out.append(_check_workload(kind, obj, pdbs, policies, services))
    out.sort(key=lambda w: (w.namespace, w.kind, w.name))
    return out


@dataclass(frozen=True)
class ChecklistItem:
    area: str
    item: str
    chapter: str
    status: str  # "yes", "no", or "manual" (the lab cannot tell)
    evidence: str = ""


class Checklist(list):
    """The go-live checklist: CI/CD, security, reliability, monitoring, failover; each item tied to a chapter."""

    def __repr__(self) -> str:
        mark = {"yes": "[x]", "no": "[ ]", "manual": "[?]"}
        return "\n".join(f"{mark[i.status]} {i.area:<12} {i.item} ({i.chapter})" + (f": {i.evidence}" if i.evidence
                                                                                    else "") for i in self)

    def _repr_html_(self) -> str:
        icon = {"yes": "&#9989;", "no": "&#10060;", "manual": "&#10067;"}
        rows = "".join(f"<tr><td>{icon[i.status]}</td><td>{html.escape(i.area)}</td><td>{html.escape(i.item)}</td>"
                       f"<td>{html.escape(i.chapter)}</td><td>{html.escape(i.evidence)}</td></tr>" for i in self)
        return ("<table><tr><th></th><th>area</th><th>item</th><th>chapter</th><th>evidence</th></tr>"
                f"{rows}</table>")


def checklist(lab, namespaces=("dev", "staging", "prod")) -> Checklist:
    """What the lab can tell about going live, item by item, and what it cannot (``manual``).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> [i.status for i in checklist(lab, ["default"])][:3]
    ['no', 'no', 'no']
    """
    api = lab.api
    out = Checklist()
    report = lint(lab)

    def ns_labels(ns):
        obj = api.etcd.read(f"/registry/namespaces/{ns}") or {}
        return (obj.get("metadata") or {}).get("labels") or {}

    engine = getattr(lab, "policy_engine", None)
    pipeline = getattr(lab, "pipeline", None)
    digests = [w for w in report if w.namespace in namespaces]
    by_digest = all("container-image-tag" not in {f.check for f in w.findings} for w in digests) and bool(digests)
    out.append(ChecklistItem("CI/CD", "a pipeline identity deploys; people do not write to prod", "12",
                             "yes" if pipeline is not None else "no",
                             f"{pipeline.identity}" if pipeline is not None else "no BuildPipeline installed"))
    out.append(ChecklistItem("CI/CD", "images are pinned by digest or version", "12", "yes" if by_digest else "no"))
    signed = engine is not None and any(c.kind == "RatifyVerification" and c.enforcement_action == "deny"
                                        for c in engine.constraints.values())
    out.append(ChecklistItem("security", "only signed images from the trusted registry are admitted", "11, 12",
                             "yes" if signed else "no"))
    psa = [ns for ns in namespaces if ns_labels(ns).get("pod-security.kubernetes.io/enforce") in ("baseline",
                                                                                                  "restricted")]
    out.append(ChecklistItem("security", "Pod Security enforced on every app namespace", "11",
                             "yes" if len(psa) == len(namespaces) else "no", f"enforced in: {', '.join(psa) or 'none'}"))
    admins = [b["metadata"]["name"] for b in api.etcd.scan("/registry/clusterrolebindings/")
              if b.get("roleRef", {}).get("name") == "cluster-admin"
              and any(s.get("kind") in ("User", "ServiceAccount") for s in b.get("subjects") or ())]
    out.append(ChecklistItem("security", "no person or pipeline holds cluster-admin", "10",
                             "no" if admins else "yes", ", ".join(admins)))
    netpol = [ns for ns in namespaces if any(not (p.get("spec") or {}).get("podSelector")
                                             for p in api.etcd.scan(f"/registry/networkpolicies/{ns}/"))]
    out.append(ChecklistItem("security", "a default-deny NetworkPolicy in every app namespace", "14",
                             "yes" if len(netpol) == len(namespaces) else "no", f"in: {', '.join(netpol) or 'none'}"))
    quotas = [ns for ns in namespaces if api.etcd.count(f"/registry/resourcequotas/{ns}/")]
    out.append(ChecklistItem("reliability", "a ResourceQuota and LimitRange per namespace", "11",
                             "yes" if len(quotas) == len(namespaces) else "no", f"quotas in: {', '.join(quotas) or 'none'}"))
    scored = [w for w in report if w.namespace in namespaces]
    low = [f"{w.namespace}/{w.workload} ({w.score})" for w in scored if w.score < 90]
    out.append(ChecklistItem("reliability", "every workload scores 90 or more in the readiness report", "24",
                             "yes" if scored and not low else "no", ", ".join(low)))
    out.append(ChecklistItem("monitoring", "probes on every container (what alerts and rollouts rely on)", "03, 24",
                             "yes" if scored and all("pod-probes" not in {f.check for f in w.findings} for w in scored)
                             else "no"))
    out.append(ChecklistItem("monitoring", "metrics, logs and alerts collected off-cluster (Azure Monitor)", "-",
                             "manual", "not simulated"))
    out.append(ChecklistItem("failover", "replicas spread over zones, a PodDisruptionBudget each", "04, 24",
                             "yes" if scored and all({"deployment-has-poddisruptionbudget",
                                                      "deployment-has-host-podantiaffinity"}.isdisjoint(
                                                         {f.check for f in w.findings}) for w in scored) else "no"))
    out.append(ChecklistItem("failover", "a second region or cluster, backups of state (Velero), a tested restore",
                             "-", "manual", "not simulated"))
    return out
