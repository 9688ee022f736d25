"""Validation of NetworkPolicy and Ingress objects, with the apiserver's field errors."""

# upstream: pkg/apis/networking/validation/validation.go (ValidateNetworkPolicySpec, ValidateIPBlock,
#           ValidateNetworkPolicyPort, ValidateNetworkPolicyPeer, ValidateIngressSpec, validateHTTPIngressPath)

from __future__ import annotations

import ipaddress

from k8slab.apiserver.field import forbidden, invalid, not_supported, required

__all__ = ["validate_network_policy", "validate_ingress", "VALIDATORS", "register"]

_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
_PORT_MSG = "must be between 1 and 65535, inclusive"
_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")


def _cidr(path: str, value: str) -> tuple[list[str], ipaddress.IPv4Network | ipaddress.IPv6Network | None]:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except (ValueError, TypeError):
        return [invalid(path, value, _CIDR_MSG)], None
    if str(net) != value and str(ipaddress.ip_interface(value)) != value:
        return [invalid(path, value, _CIDR_MSG)], None
    return [], net


def _ip_block(block: dict, path: str) -> list[str]:
    if not block.get("cidr"):
        return [required(f"{path}.cidr")]
    errs, net = _cidr(f"{path}.cidr", block["cidr"])
    if net is None:
        return errs
    for i, exc in enumerate(block.get("except") or ()):
        e_errs, e_net = _cidr(f"{path}.except[{i}]", exc)
        errs += e_errs
        if e_net is None:
            continue
        if e_net.version != net.version or e_net.network_address not in net or net.prefixlen >= e_net.prefixlen:
            errs.append(invalid(f"{path}.except[{i}]", exc, "must be a strict subset of `cidr`"))
    return errs


def _np_port(port: dict, path: str) -> list[str]:
    errs = []
    proto = port.get("protocol", "TCP")
    if proto not in ("TCP", "UDP", "SCTP"):
        errs.append(not_supported(f"{path}.protocol", proto, ["TCP", "UDP", "SCTP"]))
    p, end = port.get("port"), port.get("endPort")
    if p is not None:
        if isinstance(p, int):
            if not 1 <= p <= 65535:
                errs.append(invalid(f"{path}.port", p, _PORT_MSG))
            if end is not None:
                if end < p:
                    errs.append(invalid(f"{path}.endPort", p, "must be greater than or equal to `port`"))
                if not 1 <= end <= 65535:
                    errs.append(invalid(f"{path}.endPort", end, _PORT_MSG))
        elif end is not None:
            errs.append(invalid(f"{path}.endPort", end, "may not be specified when `port` is non-numeric"))
    elif end is not None:
        errs.append(invalid(f"{path}.endPort", end, "may not be specified when `port` is not specified"))
    return errs


def _peer(peer: dict, path: str) -> list[str]:
    n = sum(1 for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None)
    errs = _ip_block(peer["ipBlock"], f"{path}.ipBlock") if peer.get("ipBlock") is not None else []
    if n == 0:
        errs.append(required(path, "must specify a peer"))
    elif n > 1 and peer.get("ipBlock") is not None:
        errs.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return errs


def validate_network_policy(obj: dict) -> list[str]:
    """Field errors of a NetworkPolicy, as ``ValidateNetworkPolicySpec`` words them.

    Examples
    --------
    >>> validate_network_policy({"spec": {"podSelector": {}, "ingress": [{"from": [
    ...     {"ipBlock": {"cidr": "10.0.0.0/24", "except": ["192.168.0.0/24"]}}]}]}})
    ['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/24": must be a strict subset of `cidr`']
    """
    spec = obj.get("spec") or {}
    errs = []
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or ()):
            for j, port in enumerate(rule.get("ports") or ()):
                errs += _np_port(port, f"spec.{direction}[{i}].ports[{j}]")
            for j, peer in enumerate(rule.get(peers) or ()):
                errs += _peer(peer, f"spec.{direction}[{i}].{peers}[{j}]")
    types = spec.get("policyTypes") or []
    if len(types) > 2:
        errs.append(invalid("spec.policyTypes", types, "may not specify more than two policyTypes"))
    else:
        for i, t in enumerate(types):
            if t not in ("Ingress", "Egress"):
                errs.append(not_supported(f"spec.policyTypes[{i}]", t, ["Egress", "Ingress"]))
    return errs


def _backend(backend: dict, path: str) -> list[str]:
    svc, res = backend.get("service"), backend.get("resource")
    if svc and res:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if res:
        return []
    if not svc:
        return [invalid(path, "", "resource or service backend is required")]
    errs = [] if svc.get("name") else [required(f"{path}.service.name")]
    port = svc.get("port") or {}
    if port.get("name") and port.get("number"):
        errs.append(invalid(path, "", "cannot set both port name & port number"))
    elif port.get("number") is not None and not port.get("name"):
        if not 1 <= port["number"] <= 65535:
            errs.append(invalid(f"{path}.service.port.number", port["number"], _PORT_MSG))
    elif not port.get("name"):
        errs.append(required(path, "port name or number is required"))
    return errs


def validate_ingress(obj: dict) -> list[str]:
    """Field errors of an Ingress, as ``ValidateIngressSpec`` words them.

    Examples
    --------
    >>> validate_ingress({"spec": {"rules": [{"http": {"paths": [{"path": "api", "pathType": "Prefix",
    ...     "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}]}})
    ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']
    """
    spec = obj.get("spec") or {}
    errs = []
    rules = spec.get("rules") or []
    if not rules and not spec.get("defaultBackend"):
        errs.append(invalid("spec", None, "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend"):
        errs += _backend(spec["defaultBackend"], "spec.defaultBackend")
    for i, rule in enumerate(rules):
        host = rule.get("host", "")
        try:
            ipaddress.ip_address(host)
            errs.append(invalid(f"spec.rules[{i}].host", host, "must be a DNS name, not an IP address"))
        except ValueError:
            pass
        http = rule.get("http")
        if http is None:
            continue
        if not http.get("paths"):
            errs.append(required(f"spec.rules[{i}].http.paths"))
        for j, p in enumerate(http.get("paths") or ()):
            path = f"spec.rules[{i}].http.paths[{j}]"
            ptype, value = p.get("pathType"), p.get("path", "")
            if ptype is None:
                errs.append(required(f"{path}.pathType", "pathType must be specified"))
                continue
            if ptype in ("Exact", "Prefix"):
                if not value.startswith("/"):
                    errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
                for seq in _INVALID_PATH_SEQUENCES if value else ():
                    if seq in value:
                        errs.append(invalid(f"{path}.path", value, f"must not contain '{seq}'"))
                for suffix in _INVALID_PATH_SUFFIXES if value else ():
                    if value.endswith(suffix):
                        errs.append(invalid(f"{path}.path", value, f"cannot end with '{suffix}'"))
            elif ptype == "ImplementationSpecific":
                if value and not value.startswith("/"):
                    errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
            else:
                errs.append(not_supported(f"{path}.pathType", ptype, ["Exact", "ImplementationSpecific", "Prefix"]))
            errs += _backend(p.get("backend") or {}, f"{path}.backend")
    return errs


#: kind -> validator, for the apiserver's validation table
VALIDATORS = {"NetworkPolicy": validate_network_policy, "Ingress": validate_ingress}


def register() -> None:
    """Add these validators to the apiserver's validation table (kinds it already validates are left alone)."""
    from k8slab.apiserver import validation

    for kind, fn in VALIDATORS.items():
        validation._VALIDATORS.setdefault(kind, fn)
