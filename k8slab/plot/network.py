"""Network drawings: a Service's layers and kube-proxy's odds, request spreads, connectivity, IP budgets."""

from __future__ import annotations

__all__ = ["service_path", "draw_service_path", "plot_distribution", "draw_matrix", "connectivity_graph",
           "draw_connectivity_graph", "plot_ip_budget", "plot_ip_scaling"]

_OK, _NO, _GREY = "#2b8a3e", "#c92a2a", "#868e96"


def _ax(ax, size):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def service_path(lab, service) -> dict:
    """The layers a connection to ``service`` passes, as data for :func:`draw_service_path`.

    Returns a dict with ``service`` (namespace/name), ``type``, ``frontends`` (load balancer IP:port, for a
    LoadBalancer), ``node_ports`` (node name -> ``ip:nodePort``), ``cluster_ip`` (``ip:port``), ``chain``
    (the KUBE-SVC chain) and ``endpoints``: (pod, ``ip:port``, rule probability, share of connections).

    Examples
    --------
    >>> import k8slab as kl
    >>> p = service_path(kl.Cluster(), "default/kubernetes")
    >>> p["type"], p["cluster_ip"], p["endpoints"]
    ('ClusterIP', '10.96.0.1:443', [])
    """
    from k8slab.network.kube_proxy import categorize_endpoints, probability, service_chain

    svc = lab.network.proxy._service(service)
    spec = svc.get("spec") or {}
    port = (spec.get("ports") or [{}])[0]
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    spn = f"{ns}/{name}" + (f":{port['name']}" if port.get("name") else "")
    stype = spec.get("type", "ClusterIP")
    out = {"service": f"{ns}/{name}", "type": stype, "frontends": [], "node_ports": {}, "local": False,
           "cluster_ip": f"{spec.get('clusterIP')}:{port.get('port')}", "chain": "", "endpoints": []}
    if stype == "ExternalName":
        out["cluster_ip"] = f"CNAME {spec.get('externalName')}"
        return out
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    out["frontends"] = [f"{i.get('ip') or i.get('hostname')}:{port.get('port')}" for i in ingress]
    local = spec.get("externalTrafficPolicy") == "Local"
    out["local"] = local
    all_eps = lab.network.proxy.endpoints(svc, port.get("name") or port.get("port"))
    if port.get("nodePort"):
        for n in lab.api.list(lab.api.resource("nodes")):
            node = n["metadata"]["name"]
            ip = lab.network.proxy._node_ip(node)
            text = f"{ip}:{port['nodePort']}"
            if local and out["frontends"]:  # the load balancer's probe asks kube-proxy for local endpoints
                mine = sum(1 for e in all_eps if e.node == node and e.ready)
                text += f"\nprobe: {'up, ' + str(mine) + ' local' if mine else 'down, no local pod'}"
            out["node_ports"][node] = text
    out["chain"] = service_chain(spn, port.get("protocol", "TCP"))
    usable, _ = categorize_endpoints(all_eps, None, False)
    n = len(usable)
    out["endpoints"] = [(e.pod, str(e), probability(n - i) if i < n - 1 else "1 (last rule)", 1 / n)
                        for i, e in enumerate(usable)]
    return out


def draw_service_path(lab, service, ax=None, title: str | None = None):
    """Draw the layers of a Service, left to right: load balancer, node ports, cluster IP, endpoints.

    Each endpoint's arrow carries its iptables rule probability and its share of new connections.
    """
    from matplotlib.patches import FancyBboxPatch

    p = service_path(lab, service)
    eps = p["endpoints"]
    rows = max(len(eps), len(p["node_ports"]), 1)
    ax = _ax(ax, (12, 1.3 + 0.8 * rows))
    ax.set_xlim(0, 12)
    ax.set_ylim(-0.5, rows + 0.3)
    ax.axis("off")

    def box(x, y, text, color, w=2.5):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - 0.3), w, 0.6, boxstyle="round,pad=0.03", fc=color, ec="#343a40",
                                    alpha=0.9))
        ax.text(x, y, text, ha="center", va="center", fontsize=7)

    def arrow(x0, y0, x1, y1, label="", color="#495057"):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color=color, lw=1.2))
        if label:  # next to the arrow's head, where the fanned-out arrows are apart
            ax.text(x1 - 0.05, y1 + 0.1, label, ha="right", va="bottom", fontsize=7, color=color)

    mid = (rows - 1) / 2
    columns = []
    if p["frontends"]:
        columns.append(("load balancer", [(f"Azure LB\n{f}", "#d0ebff") for f in p["frontends"]]))
    if p["node_ports"]:
        columns.append(("NodePort", [(f"{n}\n{a}", "#e9ecef") for n, a in p["node_ports"].items()]))
    columns.append(("ClusterIP", [(f"{p['service']}\n{p['cluster_ip']}", "#fff3bf")]))
    xs = [1.3 + i * (6.0 / max(len(columns) - 1, 1)) for i in range(len(columns))] if len(columns) > 1 else [4.5]
    prev = []
    for (label, items), x in zip(columns, xs):
        ys = [mid + (len(items) - 1) / 2 - i for i in range(len(items))]
        for (text, color), y in zip(items, ys):
            box(x, y, text, color)
            for px, py in prev:
                arrow(px + 1.25, py, x - 1.25, y)
        ax.text(x, rows - 0.05, label, ha="center", fontsize=9, weight="bold")
        prev = [(x, y) for y in ys]
    ex = 10.6
    ax.text(ex, rows - 0.05, "endpoints (pods)", ha="center", fontsize=9, weight="bold")
    cx, cy = prev[0]
    if not eps:
        box(ex, mid, "no endpoints:\nREJECT", "#ffe3e3")
        arrow(cx + 1.25, cy, ex - 1.25, mid, color=_NO)
    for i, (pod, addr, prob, share) in enumerate(eps):
        y = mid + (len(eps) - 1) / 2 - i
        box(ex, y, f"{pod.split('/')[-1]}\n{addr}, rule p={prob}: {share:.0%}", "#d3f9d8", w=2.7)
        arrow(cx + 1.25, cy, ex - 1.35, y, color=_OK)
    note = ", externalTrafficPolicy Local: a node forwards only to its own pods" if p["local"] else ""
    ax.set_title(title or f"{p['type']} Service {p['service']}: {p['chain']}{note}", fontsize=10)
    return ax


def plot_distribution(counts: dict[str, int], ax=None, title: str | None = None):
    """Bars of connections per endpoint (from ``lab.network.proxy.distribution``), with the even share dashed."""
    ax = _ax(ax, (7, 3))
    names = [k.split("/")[-1] or "refused" for k in counts]
    values = list(counts.values())
    ax.bar(names, values, color=[_OK if k else _NO for k in counts])
    total = sum(values)
    served = [v for k, v in counts.items() if k]
    if served:
        ax.axhline(total / len(served), ls="--", color=_GREY, lw=1, label=f"even share ({total / len(served):.0f})")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_ylabel("connections")
    ax.set_title(title or f"{total:,} new connections through kube-proxy (iptables, random)", fontsize=10)
    return ax


def draw_matrix(matrix, ax=None, title: str | None = None):
    """A connectivity matrix (``lab.network.matrix(...)``) as a heatmap: rows connect to columns."""
    from matplotlib.colors import ListedColormap

    n = len(matrix.names)
    ax = _ax(ax, (1.2 + 0.42 * n, 1.0 + 0.42 * n))
    ax.imshow(matrix.allowed.astype(int), cmap=ListedColormap([_NO, _OK]), vmin=0, vmax=1)
    ax.set_xticks(range(n), matrix.names, rotation=90, fontsize=7)
    ax.set_yticks(range(n), matrix.names, fontsize=7)
    ax.set_xlabel("to (destination)")
    ax.set_ylabel("from (source)")
    ax.set_xticks([x - 0.5 for x in range(1, n)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n)], minor=True)
    ax.grid(which="minor", color="white", lw=0.8)
    ax.tick_params(which="minor", length=0)
    note = "" if matrix.enforced else " (not enforced)"
    ax.set_title(title or f"port {matrix.port}/{matrix.protocol}: {n * n - matrix.denied} of {n * n} allowed{note}",
                 fontsize=10)
    return ax


def connectivity_graph(matrix):
    """A networkx DiGraph: pods as nodes (with their namespace), an edge for each allowed connection.

    Examples
    --------
    >>> import numpy as np
    >>> from k8slab.network.network import ConnectivityMatrix
    >>> m = ConnectivityMatrix(["x/a", "x/b"], np.array([[True, False], [True, True]]), 80, "TCP")
    >>> sorted(connectivity_graph(m).edges())
    [('x/b', 'x/a')]
    """
    import networkx as nx

    g = nx.DiGraph()
    for name in matrix.names:
        g.add_node(name, namespace=name.split("/")[0])
    for i, src in enumerate(matrix.names):
        for j, dst in enumerate(matrix.names):
            if i != j and matrix.allowed[i, j]:
                g.add_edge(src, dst)
    return g


def draw_connectivity_graph(matrix, ax=None, title: str | None = None):
    """Draw who may connect to whom: pods grouped by namespace on a circle, allowed connections as arrows."""
    import networkx as nx

    g = connectivity_graph(matrix)
    ax = _ax(ax, (6, 6))
    namespaces = sorted({d["namespace"] for _, d in g.nodes(data=True)})
    palette = ["#a5d8ff", "#ffd8a8", "#b2f2bb", "#eebefa", "#ffec99", "#c5f6fa"]
    colors = [palette[namespaces.index(d["namespace"]) % len(palette)] for _, d in g.nodes(data=True)]
    pos = nx.circular_layout(list(g.nodes()))
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors, node_size=900, edgecolors="#343a40")
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color=_OK, arrows=True, arrowsize=10, node_size=900,
                           connectionstyle="arc3,rad=0.08", width=0.8)
    ax.axis("off")
    ax.set_title(title or f"allowed connections on port {matrix.port}/{matrix.protocol}: {g.number_of_edges()}",
                 fontsize=10)
    return ax


def plot_ip_budget(plans, ax=None, title: str | None = None):
    """Bars of addresses needed in the node subnet against the subnet's usable addresses, one pair per plan."""
    plans = list(plans) if isinstance(plans, (list, tuple)) else [plans]
    ax = _ax(ax, (7.5, 3.4))
    xs = range(len(plans))
    need = [p.ips_required for p in plans]
    have = [p.usable_ips or 0 for p in plans]
    ax.bar([x - 0.2 for x in xs], need, width=0.4, label="needed",
           color=[_OK if p.fits or p.fits is None else _NO for p in plans])
    if any(have):
        ax.bar([x + 0.2 for x in xs], have, width=0.4, label="usable in the subnet", color="#74c0fc")
    for x, n, h in zip(xs, need, have):
        ax.text(x - 0.2, n, f"{n:,}", ha="center", va="bottom", fontsize=8)
        if h:
            ax.text(x + 0.2, h, f"{h:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), [f"{p.plugin}\n{p.max_pods} max pods" for p in plans], fontsize=8)
    ax.set_ylabel("node-subnet addresses")
    ax.set_yscale("log")
    ax.set_ylim(1, max(need + have) * 40)
    ax.legend(fontsize=8, loc="upper right")
    where = f"in {plans[0].subnet}" if plans[0].subnet else "(no subnet given)"
    ax.set_title(title or f"{plans[0].nodes} nodes (+{plans[0].surge} surge) {where}", fontsize=10)
    return ax


def plot_ip_scaling(subnet: str, max_nodes: int = 500, ax=None, surge: int = 1, title: str | None = None):
    """Node-subnet addresses needed as the cluster grows, against a subnet, with kubenet's 400-node wall.

    Azure CNI (pod IPs in the node subnet) for 30 and 110 max pods; kubenet, Overlay and Pod Subnet take one
    address per node (kubenet stops at 400 nodes).
    """
    from k8slab.network.ip_planning import NODE_LIMITS, plan_ips, subnet_usable_ips

    ax = _ax(ax, (7.5, 3.6))
    nodes = list(range(1, max_nodes + 1))
    for pods, color in ((30, "#e8590c"), (110, "#c2255c")):
        ys = [plan_ips("azure-cni", nodes=n, max_pods=pods, surge=surge).ips_required for n in nodes]
        ax.plot(nodes, ys, color=color, lw=1.6, label=f"azure-cni, {pods} max pods: (n+{surge}) x ({pods}+1)")
    ones = [plan_ips("azure-cni-overlay", nodes=n, surge=surge).ips_required for n in nodes]
    ax.plot(nodes, ones, color="#2f9e44", lw=3, alpha=0.5, label="Overlay, Pod Subnet: 1 per node")
    wall = min(NODE_LIMITS["kubenet"], max_nodes)
    ax.plot(nodes[:wall], ones[:wall], color="#1971c2", lw=1.2, ls="--", label="kubenet: 1 per node, at most 400")
    usable = subnet_usable_ips(subnet)
    ax.axhline(usable, color=_NO, ls=":", lw=1.2, label=f"{subnet}: {usable:,} usable")
    if max_nodes > NODE_LIMITS["kubenet"]:
        ax.axvline(NODE_LIMITS["kubenet"], color="#1971c2", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("nodes")
    ax.set_ylabel("node-subnet addresses needed")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or f"addresses the node subnet must hold (surge {surge})", fontsize=10)
    return ax
