"""StatefulSet experiments: each replica's identity (ordinal, DNS name, claim, role) and scaling in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Replica", "IdentityTable", "stateful_identity", "ScaleRun", "scale_statefulset"]

_DATA = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Replica:
    """What one StatefulSet pod is: its ordinal, stable DNS name, address now, node, claims and role."""

    ordinal: int
    pod: str
    dns: str
    ip: str
    node: str
    claims: tuple[str, ...]
    role: str


class IdentityTable(list):
    """The replicas of a StatefulSet, by ordinal; prints as a table."""

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        rows = ["ORDINAL\tPOD\tDNS NAME\tIP\tNODE\tCLAIMS\tROLE"]
        for r in self:
            rows.append(f"{r.ordinal}\t{r.pod}\t{r.dns}\t{r.ip or '<none>'}\t{r.node or '<none>'}\t"
                        f"{','.join(r.claims) or '<none>'}\t{r.role}")
        return tabwriter(rows, padding=3).rstrip("\n")


def stateful_identity(lab, name: str, namespace: str = "default") -> IdentityTable:
    """Each pod of StatefulSet ``name``: ``<name>-<ordinal>``, its DNS name under the governing Service, the address
    that name resolves to now, its node, its claims (``<template>-<name>-<ordinal>``) and its role.

    The role follows the app convention of the Kubernetes docs' replicated MySQL example ("Run a Replicated Stateful
    Application"): the pod with ordinal 0 is the primary, every other pod replicates from ``<name>-0.<service>``.
    The lab's apps do not replicate anything; the role says what such an app would do.
    """
    api = lab.api
    sts = api.get(api.resource("statefulsets"), namespace, name)
    service = sts["spec"].get("serviceName", "")
    templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or ()]
    domain = lab.network.dns_domain
    out = IdentityTable()
    pods = [p for p in api.list(api.resource("pods"), namespace)
            if any(o.get("kind") == "StatefulSet" and o.get("name") == name
                   for o in p["metadata"].get("ownerReferences") or ())]
    for pod in sorted(pods, key=lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1])):
        pname = pod["metadata"]["name"]
        ordinal = int(pname.rsplit("-", 1)[1])
        dns = f"{pname}.{service}.{namespace}.svc.{domain}"
        answer = lab.network.resolve(dns, namespace)
        claims = tuple(f"{t}-{pname}" for t in templates)
        role = "primary" if ordinal == 0 else f"replica of {name}-0.{service}"
        out.append(Replica(ordinal, pname, dns, ",".join(answer.addresses),
                           (pod.get("spec") or {}).get("nodeName", ""), claims, role))
    return out


@dataclass
class ScaleRun:
    """A StatefulSet scaled from one size to another: what ``kubectl get pods -w`` showed, and the claims left."""

    policy: str
    before: int
    after: int
    watch: object
    claims: list[str]
    took: float

    def __repr__(self) -> str:
        return (f"<ScaleRun {self.policy}: {self.before} -> {self.after} replicas in {self.took:.0f} s, "
                f"claims {', '.join(self.claims)}>")


def scale_statefulset(before: int = 3, after: int = 5, policy: str = "OrderedReady", seed: int = 0) -> ScaleRun:
    """Create the chapter's ``db`` StatefulSet with ``before`` replicas, then scale it to ``after``; record the pods.

    Examples
    --------
    >>> run = scale_statefulset(2, 4)
    >>> [r.name for r in run.watch.rows if r.status == "Pending"]
    ['db-2', 'db-3']
    >>> run.claims
    ['data-db-0', 'data-db-1', 'data-db-2', 'data-db-3']
    >>> scale_statefulset(4, 1).claims  # claims stay when the StatefulSet scales down
    ['data-db-0', 'data-db-1', 'data-db-2', 'data-db-3']
    """
    import yaml

    import k8slab as kl
    from k8slab.experiments.lifecycle import PodWatch

    if policy not in ("OrderedReady", "Parallel"):
        raise ValueError(f'podManagementPolicy must be "OrderedReady" or "Parallel", got {policy!r}')
    lab = kl.Cluster.from_preset("aks-3node", seed=seed)
    lab.apply(_DATA / "storageclasses" / "aks.yaml")
    svc, sts = [d for d in yaml.safe_load_all((_DATA / "manifests" / "07-stateful-apps" / "db.yaml").read_text())
                if d]
    sts["spec"]["replicas"] = before
    sts["spec"]["podManagementPolicy"] = policy
    lab.apply([svc, sts])
    _settle(lab, before)
    watch = PodWatch(lab)
    start = lab.now
    lab.kubectl(f"scale statefulset db --replicas={after}")
    took = _settle(lab, after) - start
    lab.run(2)  # a moment after, so that the last change shows in a timeline
    claims = sorted(c["metadata"]["name"] for c in lab.api.list(lab.api.resource("persistentvolumeclaims"), "default"))
    return ScaleRun(policy, before, after, watch, claims, took)


def _settle(lab, replicas: int, limit: float = 600) -> float:
    """Run until the StatefulSet has exactly ``replicas`` ready pods and no others; returns the time."""
    end = lab.now + limit
    while lab.now < end:
        lab.run(1)
        pods = lab.api.list(lab.api.resource("pods"), "default")
        ready = [p for p in pods if any(c.get("type") == "Ready" and c.get("status") == "True"
                                        for c in (p.get("status") or {}).get("conditions") or ())
                 and not p["metadata"].get("deletionTimestamp")]
        if len(pods) == replicas and len(ready) == replicas:
            return lab.now
    raise RuntimeError(f"the StatefulSet did not settle at {replicas} replicas in {limit:g} s")
