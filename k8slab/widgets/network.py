"""Network widgets: which backend serves a URL (Ingress), who may connect (NetworkPolicy), the AKS IP planner."""

from __future__ import annotations

import html

__all__ = ["ingress_route_widget", "connectivity_widget", "ip_planner", "ip_planner_widget", "route_text",
           "budget_html"]


def route_text(lab, host: str, path: str) -> str:
    """One line saying where ``http://host/path`` goes, for the widget and for printing.

    Examples
    --------
    >>> import k8slab as kl
    >>> route_text(kl.Cluster(), "shop.example.com", "/")
    'http://shop.example.com/ -> no rule matches and no default backend: the controller answers 404'
    """
    r = lab.network.route(host, path or "/")
    url = f"http://{host}{path or '/'}"
    if r is None:
        return f"{url} -> no rule matches and no default backend: the controller answers 404"
    how = f"{r.path_type} {r.path} on host {r.host or '*'}" if r.path is not None else "the default backend"
    tls = f"; TLS with {r.certificate}" if r.certificate else ""
    return f"{url} -> {r.namespace}/{r.service}:{r.port} ({how}, Ingress {r.ingress}{tls})"


def ingress_route_widget(lab, host: str = "", path: str = "/"):
    """Type a host and a path, see which Service and port the ingress controller sends the request to.

    Returns an ``ipywidgets.VBox`` with ``w.result`` (the :class:`~k8slab.network.ingress.Route` or None) and
    ``w.ask(host, path)`` to drive it from code.
    """
    import ipywidgets as W

    host_box = W.Text(value=host, description="host", placeholder="shop.example.com")
    path_box = W.Text(value=path, description="path", placeholder="/api/orders")
    out = W.HTML()
    box = W.VBox([W.HBox([host_box, path_box]), out])
    box.result = None

    def ask(h: str | None = None, p: str | None = None):
        if h is not None:
            host_box.value = h
        if p is not None:
            path_box.value = p
        box.result = lab.network.route(host_box.value, path_box.value or "/")
        color = "#2b8a3e" if box.result else "#c92a2a"
        out.value = f'<code style="color:{color}">{html.escape(route_text(lab, host_box.value, path_box.value))}</code>'
        return box.result

    host_box.observe(lambda _c: ask(), names="value")
    path_box.observe(lambda _c: ask(), names="value")
    box.ask = ask
    ask()
    return box


def connectivity_widget(lab, port: int = 80):
    """Pick a source pod, a destination pod and a port: the NetworkPolicy verdict and the policies behind it.

    ``w.result`` is the :class:`~k8slab.network.network_policy.Verdict`; ``w.ask(src, dst, port)`` drives it.
    """
    import ipywidgets as W

    pods = [f"{p['metadata']['namespace']}/{p['metadata']['name']}"
            for p in sorted(lab.api.list(lab.api.resource("pods")),
                            key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))]
    src = W.Dropdown(options=pods, description="from")
    dst = W.Dropdown(options=pods, description="to", value=pods[-1] if pods else None)
    port_box = W.BoundedIntText(value=port, min=1, max=65535, description="port")
    out = W.HTML()
    box = W.VBox([W.HBox([src, dst, port_box]), out])
    box.result = None

    def ask(s: str | None = None, d: str | None = None, p: int | None = None):
        if s is not None:
            src.value = s
        if d is not None:
            dst.value = d
        if p is not None:
            port_box.value = p
        if not src.value or not dst.value:
            return None
        v = box.result = lab.network.can_connect(src.value, dst.value, port_box.value)
        color = "#2b8a3e" if v.allowed else "#c92a2a"
        who = f" &mdash; decided by {html.escape(', '.join(v.policies))}" if v.policies else ""
        out.value = (f'<b style="color:{color}">{"allowed" if v.allowed else "denied"}</b>{who}<br>'
                     f"<code>{html.escape(v.reason)}</code>")
        return v

    for w in (src, dst, port_box):
        w.observe(lambda _c: ask(), names="value")
    box.ask = ask
    ask()
    return box


def ip_planner(plugin: str, nodes: int, max_pods: int | None, prefix: int, base: str = "10.240.0.0",
               surge: int = 1, scale_out: int = 0):
    """:func:`k8slab.plan_ips` for a subnet given by its prefix length (what the sliders set).

    Examples
    --------
    >>> ip_planner("azure-cni", 50, 30, 21).fits
    True
    >>> ip_planner("azure-cni", 50, 30, 22).fits
    False
    """
    import ipaddress

    from k8slab.network.ip_planning import plan_ips

    subnet = str(ipaddress.ip_network(f"{base}/{prefix}", strict=False))
    return plan_ips(plugin, nodes=nodes, max_pods=max_pods, subnet=subnet, surge=surge, scale_out=scale_out)


def budget_html(plans) -> str:
    """Addresses needed vs usable per plan as HTML bars on a log scale (fast enough for every slider move).

    Examples
    --------
    >>> from k8slab.network.ip_planning import plan_ips
    >>> "1,581 needed" in budget_html([plan_ips("azure-cni", nodes=50, subnet="10.240.0.0/22")])
    True
    """
    import math

    top = max([p.ips_required for p in plans] + [p.usable_ips or 0 for p in plans] + [10])

    def width(n: int) -> float:
        return 100 * math.log10(max(n, 1)) / math.log10(top)

    rows = []
    for p in plans:
        color = "#2b8a3e" if p.fits or p.fits is None else "#c92a2a"
        usable = (f'<div style="background:#74c0fc;height:9px;width:{width(p.usable_ips):.1f}%"></div>'
                  if p.usable_ips else "")
        rows.append(f'<tr><td style="padding-right:8px">{html.escape(p.plugin)} ({p.max_pods} max pods)</td>'
                    f'<td style="width:420px"><div style="background:{color};height:9px;'
                    f'width:{width(p.ips_required):.1f}%"></div>{usable}</td>'
                    f'<td style="padding-left:8px">{p.ips_required:,} needed'
                    + (f" / {p.usable_ips:,} usable" if p.usable_ips else "") + "</td></tr>")
    return ("<table>" + "".join(rows) + "</table><small>log scale; green or red: needed, blue: usable in the "
            "subnet</small>")


def ip_planner_widget(plugin: str = "azure-cni", nodes: int = 50, max_pods: int = 30, prefix: int = 22):
    """Sliders for plugin, nodes, max pods and subnet size; the plan, its reasoning and a bar chart.

    ``w.result`` is the :class:`~k8slab.IPPlan`; ``w.set(plugin=..., nodes=..., max_pods=..., prefix=...)``
    drives it. The bars (HTML, log scale) compare the four plugins at the same settings.
    """
    import ipywidgets as W

    from k8slab.network.ip_planning import PLUGINS

    plugin_box = W.Dropdown(options=PLUGINS, value=plugin, description="plugin")
    nodes_box = W.IntSlider(value=nodes, min=1, max=1000, description="nodes", continuous_update=False)
    pods_box = W.IntSlider(value=max_pods, min=10, max=250, description="max pods", continuous_update=False)
    prefix_box = W.IntSlider(value=prefix, min=16, max=29, description="subnet /", continuous_update=False)
    text = W.HTML()
    chart = W.HTML()
    box = W.VBox([W.HBox([plugin_box, nodes_box]), W.HBox([pods_box, prefix_box]), text, chart])
    box.result = None

    def update(*_):
        try:
            plan = box.result = ip_planner(plugin_box.value, nodes_box.value, pods_box.value, prefix_box.value)
        except ValueError as e:
            box.result = None
            text.value = f'<pre style="color:#c92a2a">{html.escape(str(e))}</pre>'
            return None
        verdict = "fits" if plan.fits else "does not fit"
        color = "#2b8a3e" if plan.fits else "#c92a2a"
        text.value = (f'<b style="color:{color}">{plan.ips_required:,} addresses needed, {plan.usable_ips:,} usable '
                      f"in {plan.subnet}: {verdict}</b><pre>{html.escape(plan.explanation)}</pre>")
        plans = []
        for p in PLUGINS:
            try:
                plans.append(ip_planner(p, nodes_box.value, pods_box.value, prefix_box.value))
            except ValueError:
                pass
        chart.value = budget_html(plans)
        return plan

    def set_(plugin=None, nodes=None, max_pods=None, prefix=None):
        for w, v in ((plugin_box, plugin), (nodes_box, nodes), (pods_box, max_pods), (prefix_box, prefix)):
            if v is not None:
                w.value = v
        return update()

    for w in (plugin_box, nodes_box, pods_box, prefix_box):
        w.observe(update, names="value")
    box.set = set_
    update()
    return box
