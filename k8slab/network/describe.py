"""``kubectl describe`` for Services, NetworkPolicies and Ingresses, in kubectl's layout."""

# upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeService, formatEndpointSlices,
#           describeNetworkPolicySpec, printNetworkPolicySpecIngressFrom/EgressTo, describeIngressV1)

from __future__ import annotations

from datetime import timedelta

__all__ = ["describe_service", "describe_network_policy", "describe_ingress", "format_endpoint_slices", "register"]


def _slices(lab, svc: dict) -> list[dict]:
    ns, name = svc["metadata"].get("namespace", "default"), svc["metadata"]["name"]
    return [s for s in lab.api.list(lab.api.resource("endpointslices"), ns)
            if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name]


def format_endpoint_slices(slices: list[dict], port_name: str | None) -> str:
    """``10.244.0.5:80,10.244.1.3:80 + 2 more...`` (at most three shown), or ``<none>``.

    Examples
    --------
    >>> s = {"ports": [{"name": "http", "port": 8080}], "endpoints": [{"addresses": [f"10.0.0.{i}"]} for i in range(5)]}
    >>> format_endpoint_slices([s], "http")
    '10.0.0.0:8080,10.0.0.1:8080,10.0.0.2:8080 + 2 more...'
    """
    if not slices:
        return "<none>"
    shown, count, limit = [], 0, 3
    for s in slices:
        ports = s.get("ports") or []
        if not ports:
            for ep in s.get("endpoints") or ():
                if len(shown) < limit:
                    shown.append(ep["addresses"][0])
                count += 1
            continue
        for p in ports:
            if port_name is None or p.get("name", "") == port_name:
                for ep in s.get("endpoints") or ():
                    if len(shown) < limit:
                        shown.append(f"{ep['addresses'][0]}:{p.get('port')}")
                    count += 1
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if count > limit else text


def describe_service(lab, svc: dict, now: float) -> list[str]:
    from k8slab.kubectl.describe import _events, _meta

    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    lines: list[str] = []
    _meta(lines, svc)
    sel = spec.get("selector") or {}
    lines.append(f"Selector:\t{','.join(f'{k}={v}' for k, v in sorted(sel.items())) or '<none>'}")
    lines.append(f"Type:\t{spec.get('type', 'ClusterIP')}")
    if spec.get("ipFamilyPolicy"):
        lines.append(f"IP Family Policy:\t{spec['ipFamilyPolicy']}")
    lines.append(f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}")
    lines.append(f"IP:\t{spec.get('clusterIP', '')}")
    lines.append(f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}")
    if spec.get("externalIPs"):
        lines.append(f"External IPs:\t{','.join(spec['externalIPs'])}")
    if spec.get("externalName"):
        lines.append(f"External Name:\t{spec['externalName']}")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        parts = [(i.get("ip") or i.get("hostname", "")) + (f" ({i['ipMode']})" if i.get("ipMode") else "")
                 for i in ingress]
        lines.append(f"LoadBalancer Ingress:\t{', '.join(parts)}")
    slices = _slices(lab, svc)
    for p in spec.get("ports") or ():
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "TCP")
        lines.append(f"Port:\t{name}\t{p['port']}/{proto}")
        lines.append(f"TargetPort:\t{p.get('targetPort', p['port'])}/{proto}")
        if p.get("appProtocol"):
            lines.append(f"AppProtocol:\t{p['appProtocol']}")
        if p.get("nodePort"):
            lines.append(f"NodePort:\t{name}\t{p['nodePort']}/{proto}")
        lines.append(f"Endpoints:\t{format_endpoint_slices(slices, p.get('name', ''))}")
    lines.append(f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}")
    if spec.get("externalTrafficPolicy"):
        lines.append(f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    if spec.get("internalTrafficPolicy"):
        lines.append(f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}")
    if spec.get("healthCheckNodePort"):
        lines.append(f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}")
    if spec.get("loadBalancerSourceRanges"):
        lines.append(f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}")
    return lines + _events(lab, svc, now)


def _format_selector(sel: dict | None) -> str:
    # upstream: metav1.FormatLabelSelector
    if sel is None:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or ():
        op = e["operator"]
        vals = ",".join(sorted(e.get("values") or ()))
        parts.append({"In": f"{e['key']} in ({vals})", "NotIn": f"{e['key']} notin ({vals})",
                      "Exists": e["key"], "DoesNotExist": f"!{e['key']}"}.get(op, f"{e['key']} {op} ({vals})"))
    return ",".join(parts) or "<none>"


def _rules(lines: list[str], rules, peer_key: str, direction: str) -> None:
    indent = "    "
    if not rules:
        lines.append(f"{indent}<none> (Selected pods are isolated for {direction} connectivity)")
        return
    target = "From" if peer_key == "from" else "To"
    for i, r in enumerate(rules):
        if not r.get("ports"):
            lines.append(f"{indent}To Port: <any> (traffic allowed to all ports)")
        for p in r.get("ports") or ():
            port = p.get("port", "<any>")
            if p.get("endPort"):
                port = f"{port}-{p['endPort']}"
            lines.append(f"{indent}To Port: {port}/{p.get('protocol', 'TCP')}")
        if not r.get(peer_key):
            what = "source" if peer_key == "from" else "destination"
            lines.append(f"{indent}{target}: <any> (traffic not restricted by {what})")
        for peer in r.get(peer_key) or ():
            lines.append(f"{indent}{target}:")
            if "podSelector" in peer and "namespaceSelector" in peer:
                lines.append(f"  {indent}NamespaceSelector: {_format_selector(peer['namespaceSelector'])}")
                lines.append(f"  {indent}PodSelector: {_format_selector(peer['podSelector'])}")
            elif "podSelector" in peer:
                lines.append(f"  {indent}PodSelector: {_format_selector(peer['podSelector'])}")
            elif "namespaceSelector" in peer:
                lines.append(f"  {indent}NamespaceSelector: {_format_selector(peer['namespaceSelector'])}")
            elif "ipBlock" in peer:
                lines.append(f"  {indent}IPBlock:")
                lines.append(f"    {indent}CIDR: {peer['ipBlock']['cidr']}")
                lines.append(f"    {indent}Except: {', '.join(peer['ipBlock'].get('except') or [])}")
        if i != len(rules) - 1:
            lines.append(f"{indent}----------")


def describe_network_policy(lab, np: dict, now: float) -> list[str]:
    from k8slab.apiserver.server import EPOCH, LAST_APPLIED
    from k8slab.kubectl.describe import _map
    from k8slab.kubectl.format import parse_time

    meta, spec = np["metadata"], np.get("spec") or {}
    created = parse_time(meta.get("creationTimestamp"))
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
             f"Created on:\t{(EPOCH + timedelta(seconds=created or 0)).strftime('%Y-%m-%d %H:%M:%S +0000 UTC')}"]
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED})
    lines.append("Spec:")
    ps = spec.get("podSelector") or {}
    if not ps.get("matchLabels") and not ps.get("matchExpressions"):
        lines.append("  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)")
    else:
        lines.append(f"  PodSelector:     {_format_selector(ps)}")
    types = spec.get("policyTypes") or ["Ingress"]
    if "Ingress" in types:
        lines.append("  Allowing ingress traffic:")
        _rules(lines, spec.get("ingress"), "from", "ingress")
    else:
        lines.append("  Not affecting ingress traffic")
    if "Egress" in types:
        lines.append("  Allowing egress traffic:")
        _rules(lines, spec.get("egress"), "to", "egress")
    else:
        lines.append("  Not affecting egress traffic")
    lines.append(f"  Policy Types: {', '.join(types)}")
    return lines


def _backend(lab, ns: str, backend: dict) -> str:
    svc = backend.get("service")
    if not svc:
        res = backend.get("resource") or {}
        return f"APIGroup: {res.get('apiGroup', '')}, Kind: {res.get('kind', '')}, Name: {res.get('name', '')}"
    port = svc.get("port") or {}
    text = f"{svc['name']}:{port.get('number') or port.get('name')}"
    live = lab.api.etcd.read(lab.api.resource("services").key(ns, svc["name"]))
    if live is None:
        return f'{text} (<error: services "{svc["name"]}" not found>)'
    sp = next((p for p in (live.get("spec") or {}).get("ports") or ()
               if port.get("name") == p.get("name") or port.get("number") == p.get("port")), None)
    if sp is None:
        return f"{text} (<none>)"
    return f"{text} ({format_endpoint_slices(_slices(lab, live), sp.get('name', ''))})"


def describe_ingress(lab, ing: dict, now: float) -> list[str]:
    from k8slab.apiserver.server import LAST_APPLIED
    from k8slab.kubectl.describe import _events, _map

    meta, spec = ing["metadata"], ing.get("spec") or {}
    ns = meta.get("namespace", "default")
    lines = [f"Name:\t{meta['name']}"]
    _map(lines, "Labels", meta.get("labels"))
    lines.append(f"Namespace:\t{ns}")
    lb = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    lines.append(f"Address:\t{','.join(i.get('ip') or i.get('hostname', '') for i in lb)}")
    lines.append(f"Ingress Class:\t{spec.get('ingressClassName') or '<none>'}")
    default = _backend(lab, ns, spec["defaultBackend"]) if spec.get("defaultBackend") else "<default>"
    lines.append(f"Default backend:\t{default}")
    if spec.get("tls"):
        lines.append("TLS:")
        for t in spec["tls"]:
            hosts = ",".join(t.get("hosts") or [])
            lines.append(f"  {t['secretName']} terminates {hosts}" if t.get("secretName") else f"  SNI routes {hosts}")
    lines += ["Rules:", "  Host\tPath\tBackends", "  ----\t----\t--------"]
    count = 0
    for rule in spec.get("rules") or ():
        if not rule.get("http"):
            continue
        count += 1
        lines.append(f"  {rule.get('host') or '*'}\t")
        for p in rule["http"].get("paths") or ():
            lines.append(f"    \t{p.get('path', '')} \t{_backend(lab, ns, p.get('backend') or {})}")
    if count == 0:
        lines.append(f"  *\t*\t{default}")
    _map(lines, "Annotations", {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED})
    return lines + _events(lab, ing, now)


def register() -> None:
    """Add these describers to kubectl's table (kinds another describer already handles are left alone)."""
    from k8slab.kubectl.describe import DESCRIBERS

    DESCRIBERS.setdefault("Service", describe_service)
    DESCRIBERS.setdefault("NetworkPolicy", describe_network_policy)
    DESCRIBERS.setdefault("Ingress", describe_ingress)
