"""Step through one write request: kube-apiserver's pipeline stage by stage, then the key and bytes it left in etcd."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RequestFlow", "request_flow", "request_flow_widget"]


@dataclass
class RequestFlow:
    """What one create request did: its HTTP request line, the pipeline trace, the etcd key and stored bytes."""

    request: str  # e.g. "POST /api/v1/namespaces/default/pods"
    steps: list = field(default_factory=list)  # k8slab.apiserver.server.Step, in order
    key: str | None = None
    stored: bytes | None = None
    error: str | None = None  # as kubectl prints it

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        lines = [self.request]
        lines += [f"  {i + 1}. {s.stage:<21} {s.outcome:<8} {s.detail}".rstrip() for i, s in enumerate(self.steps)]
        if self.error:
            lines.append(self.error)
        if self.key:
            lines.append(f"etcd: {self.key} ({len(self.stored or b'')} bytes)")
        return "\n".join(lines)


def _request_line(res, namespace: str | None) -> str:
    # upstream: the REST paths of k8s.io/apiserver (/api/v1 for the core group, /apis/<group>/<version> otherwise)
    base = f"/api/{res.version}" if not res.group else f"/apis/{res.group}/{res.version}"
    scope = f"/namespaces/{namespace}" if res.namespaced else ""
    return f"POST {base}{scope}/{res.name}"


def request_flow(lab, manifest) -> RequestFlow:
    """Send one manifest to the lab's API server as a create (``kubectl create -f``) and record what happened.

    The object really is created when every stage passes; a rejected request changes nothing.

    Examples
    --------
    >>> from k8slab.course import control_plane_lab
    >>> lab = control_plane_lab()
    >>> flow = request_flow(lab, "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: b}}")
    >>> flow.request, flow.key
    ('POST /api/v1/namespaces/default/configmaps', '/registry/configmaps/default/c')
    >>> [s.stage for s in flow.steps][-1]
    'storage'
    >>> request_flow(lab, "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}").error
    'Error from server (AlreadyExists): configmaps "c" already exists'
    >>> request_flow(lab, "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: shop}}").steps[-1]
    Step(stage='mutating admission', outcome='rejected', detail='Error from server (NotFound): namespaces "shop" not found')
    """
    from k8slab.errors import K8sLabError
    from k8slab.kubectl import error_text
    from k8slab.manifests import load_documents

    api = lab.api
    try:
        docs = load_documents(manifest)
        obj = docs[0][0]
        res = api.resource(obj["kind"], obj["apiVersion"])
    except K8sLabError as err:
        return RequestFlow("POST (not sent)", error=error_text(err))
    namespace = ((obj.get("metadata") or {}).get("namespace") or "default") if res.namespaced else None
    flow = RequestFlow(_request_line(res, namespace))
    trace: list = []
    api.last_trace = trace
    try:
        stored = api.create(obj, namespace=namespace)
    except K8sLabError as err:
        flow.error = error_text(err)
    else:
        flow.key = res.key(stored["metadata"].get("namespace"), stored["metadata"]["name"])
        flow.stored = lab.etcd.get(flow.key)
    flow.steps = list(api.last_trace)
    if flow.error and flow.steps and flow.steps[-1].outcome in _PASSED:
        # the stage after the last one passed refused the request without a step of its own: record it
        from k8slab.apiserver.server import Step
        from k8slab.plot.pipeline import STAGES

        last = STAGES.index(flow.steps[-1].stage) if flow.steps[-1].stage in STAGES else len(STAGES) - 1
        flow.steps.append(Step(STAGES[min(last + 1, len(STAGES) - 1)], "rejected", flow.error))
    return flow


_PASSED = {"ok", "allowed", "stored"}


_STATE_COLOR = {"ok": "#2b8a3e", "allowed": "#2b8a3e", "stored": "#2b8a3e"}


def _flow_html(flow: RequestFlow, upto: int) -> str:
    rows = []
    for i, s in enumerate(flow.steps[:upto + 1]):
        color = _STATE_COLOR.get(s.outcome, "#c92a2a")
        weight = "bold" if i == upto else "normal"
        rows.append(f'<li style="font-weight:{weight}"><span style="color:{color}">{html.escape(s.outcome)}</span>'
                    f" &mdash; {html.escape(s.stage)} <code>{html.escape(s.detail)}</code></li>")
    out = [f"<div><code>{html.escape(flow.request)}</code></div><ol>{''.join(rows)}</ol>"]
    finished = upto >= len(flow.steps) - 1
    if finished and flow.error:
        out.append(f'<pre style="color:#c92a2a;white-space:pre-wrap">{html.escape(flow.error)}</pre>'
                   "<div>Nothing was written to etcd.</div>")
    if finished and flow.key:
        pretty = json.dumps(json.loads(flow.stored), indent=2)
        out.append(f"<div>etcd key <code>{html.escape(flow.key)}</code>, {len(flow.stored)} bytes stored:</div>"
                   f'<pre style="max-height:18em;overflow:auto;font-size:85%">{html.escape(pretty)}</pre>')
    return "".join(out)


def request_flow_widget(manifests, lab=None):
    """A UI to pick a manifest, send it to the API server and step through the request, stage by stage.

    Parameters
    ----------
    manifests : path to a folder of manifests, or a dict of name -> YAML text
    lab : k8slab.Cluster, optional
        The lab requests go to; by default a fresh control-plane-only lab (the "new lab" button makes another).

    Returns
    -------
    ipywidgets.VBox
        With ``w.result`` (the :class:`RequestFlow` of the last request), ``w.lab``, ``w.send(name)``
        and ``w.show_step(i)`` for driving it from code.
    """
    import ipywidgets as W

    from k8slab.course import control_plane_lab

    if isinstance(manifests, dict):
        sources = dict(manifests)
    else:
        sources = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(manifests).glob("*.y*ml"))}
    pick = W.Dropdown(options=list(sources), description="manifest")
    send = W.Button(description="send to the API server", button_style="primary", layout=W.Layout(width="auto"))
    reset = W.Button(description="new lab", layout=W.Layout(width="auto"))
    step = W.IntSlider(min=0, max=0, description="step", continuous_update=True)
    nxt = W.Button(description="next step", layout=W.Layout(width="auto"))
    source = W.HTML()
    view = W.HTML()
    box = W.VBox([W.HBox([pick, send, reset]), W.HBox([step, nxt]),
                  W.HBox([source, view], layout=W.Layout(align_items="flex-start"))])
    box.lab = lab if lab is not None else control_plane_lab()
    box.result = None
    box.view = view

    def show_manifest(*_):
        source.value = (f'<pre style="font-size:85%;margin-right:1em">{html.escape(sources[pick.value])}</pre>')

    def show_step(i: int) -> None:
        step.value = max(0, min(i, step.max))
        view.value = _flow_html(box.result, step.value)

    def do_send(name: str | None = None) -> RequestFlow:
        if name is not None:
            pick.value = name
        box.result = request_flow(box.lab, sources[pick.value])
        step.max = max(len(box.result.steps) - 1, 0)
        show_step(0)
        return box.result

    def do_reset(*_):
        box.lab = control_plane_lab()
        do_send()

    pick.observe(show_manifest, names="value")
    step.observe(lambda ch: show_step(ch["new"]), names="value")
    send.on_click(lambda _b: do_send())
    reset.on_click(do_reset)
    nxt.on_click(lambda _b: show_step(step.value + 1))
    box.send, box.show_step = do_send, show_step
    show_manifest()
    do_send()
    return box
