"""NetworkPolicy as the API defines it: who may open a connection to whom, and which policies decided."""

# upstream: staging/src/k8s.io/api/networking/v1/types.go (the semantics, in the field comments)
# upstream: test/e2e/network/netpol (the truth tables the tests reproduce)

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from k8slab.api.labels import Selector, selector_from

__all__ = ["Verdict", "CompiledPolicy", "compile_policy", "PolicyEngine", "POLICY_ENGINES"]

#: network policy engines: AKS's --network-policy values, plus kindnet (kind's default CNI, which enforces)
POLICY_ENGINES = {
    "kindnet": "kindnet (kube-network-policies)",
    "azure": "Azure Network Policy Manager",
    "calico": "Calico",
    "cilium": "Cilium",
    "none": "none",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a connection is allowed, and the policies (``namespace/name``) that decided it."""

    allowed: bool
    policies: tuple[str, ...]
    reason: str
    enforced: bool = True

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        who = f" by {', '.join(self.policies)}" if self.policies else ""
        return f"<Verdict {'allowed' if self.allowed else 'denied'}{who}: {self.reason}>"


@dataclass(frozen=True)
class _Peer:
    pods: Selector | None  # None: not a pod peer (ipBlock) ...
    namespaces: Selector | None  # None with pods set: the policy's own namespace
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    excepts: tuple = ()


@dataclass(frozen=True)
class _Port:
    protocol: str
    port: int | str | None  # None: every port of the protocol
    end_port: int | None = None


@dataclass(frozen=True)
class _Rule:
    peers: tuple[_Peer, ...] | None  # None: every source/destination
    ports: tuple[_Port, ...] | None  # None: every port


@dataclass(frozen=True)
class CompiledPolicy:
    """A NetworkPolicy parsed once: selectors, rules, the directions it isolates."""

    key: str
    namespace: str
    pod_selector: Selector
    isolates_ingress: bool
    isolates_egress: bool
    ingress: tuple[_Rule, ...] = field(default=())
    egress: tuple[_Rule, ...] = field(default=())


def _compile_rules(rules, peer_field: str) -> tuple[_Rule, ...]:
    out = []
    for r in rules or ():
        peers = None
        if r.get(peer_field):  # empty or missing: matches all sources/destinations
            ps = []
            for p in r[peer_field]:
                if p.get("ipBlock"):
                    b = p["ipBlock"]
                    ps.append(_Peer(None, None, ipaddress.ip_network(b["cidr"], strict=False),
                                    tuple(ipaddress.ip_network(e, strict=False) for e in b.get("except") or ())))
                else:
                    pods = selector_from(p["podSelector"]) if "podSelector" in p else Selector.everything()
                    nss = selector_from(p["namespaceSelector"]) if "namespaceSelector" in p else None
                    ps.append(_Peer(pods, nss))
            peers = tuple(ps)
        ports = None
        if r.get("ports"):
            ports = tuple(_Port(p.get("protocol", "TCP"), p.get("port"), p.get("endPort")) for p in r["ports"])
        out.append(_Rule(peers, ports))
    return tuple(out)


def compile_policy(policy: dict) -> CompiledPolicy:
    """Parse a NetworkPolicy (a dict as stored) into a :class:`CompiledPolicy`.

    Examples
    --------
    >>> p = compile_policy({"metadata": {"name": "deny", "namespace": "x"},
    ...                     "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    >>> p.key, p.isolates_ingress, p.isolates_egress, p.ingress
    ('x/deny', True, False, ())
    """
    meta, spec = policy["metadata"], policy.get("spec") or {}
    ns = meta.get("namespace", "default")
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
    return CompiledPolicy(
        key=f"{ns}/{meta['name']}", namespace=ns, pod_selector=selector_from(spec.get("podSelector") or {}),
        isolates_ingress="Ingress" in types, isolates_egress="Egress" in types,
        ingress=_compile_rules(spec.get("ingress"), "from"), egress=_compile_rules(spec.get("egress"), "to"))


@dataclass
class _End:
    """One side of a connection: a pod (namespace, labels, namespace labels, pod) or an address outside."""

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    name: str
    namespace: str | None = None
    labels: dict | None = None
    ns_labels: dict | None = None
    pod: dict | None = None


def _peer_matches(peer: _Peer, policy_ns: str, end: _End) -> bool:
    if peer.cidr is not None:
        # ipBlock also matches pod IPs, as the upstream e2e tests expect ("should enforce except clause ...")
        return end.ip is not None and end.ip in peer.cidr and not any(end.ip in e for e in peer.excepts)
    if end.pod is None:
        return False
    if peer.namespaces is None:
        if end.namespace != policy_ns:
            return False
    elif not peer.namespaces.matches(end.ns_labels or {}):
        return False
    return peer.pods.matches(end.labels or {})


def named_port(pod: dict | None, name: str, protocol: str) -> int | None:
    """The number of a container port called ``name`` (what a named port in a policy means for that pod)."""
    for c in ((pod or {}).get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") == name and p.get("protocol", "TCP") == protocol:
                return p.get("containerPort")
    return None


def _port_matches(ports, port: int, protocol: str, dst: _End) -> bool:
    if ports is None:
        return True
    for p in ports:
        if p.protocol != protocol:
            continue
        if p.port is None:
            return True
        if isinstance(p.port, str) and not p.port.isdigit():
            if named_port(dst.pod, p.port, protocol) == port:
                return True
            continue
        low = int(p.port)
        if low <= port <= (p.end_port or low):
            return True
    return False


class PolicyEngine:
    """Evaluates NetworkPolicies: pure functions over compiled policies, plus the cluster's enforcement switch."""

    def __init__(self, policies: list[dict] | None = None, engine: str = "kindnet"):
        if engine not in POLICY_ENGINES:
            raise ValueError(f"unknown network policy engine {engine!r}: expected one of {', '.join(POLICY_ENGINES)}")
        self.engine = engine
        self.policies = [compile_policy(p) for p in policies or ()]

    @property
    def enforced(self) -> bool:
        return self.engine != "none"

    def _selecting(self, end: _End, ingress: bool) -> list[CompiledPolicy]:
        if end.pod is None:
            return []
        return [p for p in self.policies
                if p.namespace == end.namespace and (p.isolates_ingress if ingress else p.isolates_egress)
                and p.pod_selector.matches(end.labels or {})]

    def _direction(self, src: _End, dst: _End, port: int, protocol: str, ingress: bool):
        """(isolated?, allowing policies, isolating policies) for one direction."""
        target, peer = (dst, src) if ingress else (src, dst)
        selecting = self._selecting(target, ingress)
        allowing = [p.key for p in selecting
                    if any((r.peers is None or any(_peer_matches(x, p.namespace, peer) for x in r.peers))
                           and _port_matches(r.ports, port, protocol, dst)
                           for r in (p.ingress if ingress else p.egress))]
        return bool(selecting), allowing, [p.key for p in selecting]

    def decide(self, src: _End, dst: _End, port: int, protocol: str = "TCP") -> Verdict:
        """The verdict for a connection ``src -> dst:port/protocol``: egress of src and ingress of dst must allow."""
        where = f"{dst.name}:{port}/{protocol}"
        if src.pod is not None and src.name == dst.name:
            # a pod's connection to itself never leaves its network namespace (the e2e tests' AllowLoopback)
            return Verdict(True, (), "loopback: a pod's traffic to itself stays inside the pod", self.enforced)
        e_iso, e_allow, e_sel = self._direction(src, dst, port, protocol, ingress=False)
        i_iso, i_allow, i_sel = self._direction(src, dst, port, protocol, ingress=True)
        if not self.enforced:
            would = (not e_iso or bool(e_allow)) and (not i_iso or bool(i_allow))
            note = "" if would else " (an enforcing engine would deny it)"
            return Verdict(True, (), f"network policy engine: none, policies are not enforced{note}", False)
        if e_iso and not e_allow:
            return Verdict(False, tuple(e_sel), f"egress from {src.name} is isolated and no rule allows {where}")
        if i_iso and not i_allow:
            return Verdict(False, tuple(i_sel), f"ingress to {dst.name} is isolated and no rule allows {src.name}")
        if not e_iso and not i_iso:
            return Verdict(True, (), "no NetworkPolicy selects either pod: allowed by default")
        parts = []
        if e_iso:
            parts.append(f"egress allowed by {', '.join(e_allow)}")
        if i_iso:
            parts.append(f"ingress allowed by {', '.join(i_allow)}")
        return Verdict(True, tuple(dict.fromkeys(e_allow + i_allow)), "; ".join(parts))

    # -- the connectivity matrix, vectorised ------------------------------------------------------------
    def matrix(self, ends: list[_End], port: int, protocol: str = "TCP"):
        """A boolean matrix ``m[i, j]``: may ends[i] connect to ends[j] on port/protocol (numpy array)."""
        import numpy as np

        n = len(ends)
        if not self.enforced or not self.policies:
            return np.ones((n, n), dtype=bool)
        groups: dict[tuple, list[int]] = {}  # pods with the same namespace and labels behave the same
        for i, e in enumerate(ends):
            groups.setdefault((e.namespace, tuple(sorted((e.labels or {}).items())),
                               tuple(sorted((e.ns_labels or {}).items()))), []).append(i)
        reps = [(idx, ends[idx[0]]) for idx in groups.values()]

        def vector(pred) -> np.ndarray:
            v = np.zeros(n, dtype=bool)
            for idx, rep in reps:
                if pred(rep):
                    v[idx] = True
            return v

        def peers_vector(rule: _Rule, policy_ns: str) -> np.ndarray:
            if rule.peers is None:
                return np.ones(n, dtype=bool)
            v = np.zeros(n, dtype=bool)
            for peer in rule.peers:
                if peer.cidr is not None:  # per address, not per label group
                    v |= np.array([_peer_matches(peer, policy_ns, e) for e in ends], dtype=bool)
                else:
                    v |= vector(lambda e, peer=peer: _peer_matches(peer, policy_ns, e))
            return v

        def ports_vector(rule: _Rule) -> np.ndarray:
            if rule.ports is None or not any(isinstance(p.port, str) and not p.port.isdigit() for p in rule.ports):
                return np.full(n, _port_matches(rule.ports, port, protocol, _End(None, "")), dtype=bool)
            return np.array([_port_matches(rule.ports, port, protocol, e) for e in ends], dtype=bool)

        in_iso = np.zeros(n, dtype=bool)
        eg_iso = np.zeros(n, dtype=bool)
        in_allow = np.zeros((n, n), dtype=bool)
        eg_allow = np.zeros((n, n), dtype=bool)
        for p in self.policies:
            sel = vector(lambda e, p=p: e.pod is not None and e.namespace == p.namespace
                         and p.pod_selector.matches(e.labels or {}))
            if not sel.any():
                continue
            if p.isolates_ingress:
                in_iso |= sel
                for r in p.ingress:  # allow[src, dst] for dst selected, src a peer, port open on dst
                    in_allow |= np.outer(peers_vector(r, p.namespace), sel & ports_vector(r))
            if p.isolates_egress:
                eg_iso |= sel
                for r in p.egress:
                    eg_allow |= np.outer(sel, peers_vector(r, p.namespace) & ports_vector(r))
        ingress_ok = ~in_iso[None, :] | in_allow
        egress_ok = ~eg_iso[:, None] | eg_allow
        out = ingress_ok & egress_ok
        np.fill_diagonal(out, True)  # loopback
        return out
