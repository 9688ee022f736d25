"""The admission chapter's widget: send a manifest through the chain (server dry run) under a chosen policy."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = ["AdmissionTry", "try_admission", "admission_widget"]


@dataclass
class AdmissionTry:
    """What a server-side dry run of one manifest gave: kubectl's output and the request's steps."""

    ok: bool
    output: str
    steps: list = field(default_factory=list)

    def __repr__(self) -> str:
        lines = [self.output.rstrip()]
        for s in self.steps:
            if s.stage.endswith("admission"):
                note = " (patched)" if s.patch else ""
                lines.append(f"  {s.stage:<21} {s.outcome:<8} {s.plugin or s.detail}{note}")
        return "\n".join(lines)


def try_admission(lab, manifest: str, namespace: str | None = None) -> AdmissionTry:
    """``kubectl apply --dry-run=server [-n NS] -f -``: the whole chain runs, nothing is stored.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> t = try_admission(lab, "apiVersion: v1\\nkind: Pod\\nmetadata: {name: web}\\n"
    ...                        "spec: {containers: [{name: web, image: nginx:1.27}]}\\n")
    >>> t.ok, t.output
    (True, 'pod/web created (server dry run)\\n')
    """
    r = lab.kubectl("apply --dry-run=server" + (f" -n {namespace}" if namespace else "") + " -f -", stdin=manifest)
    return AdmissionTry(r.ok, r.stdout + r.stderr, list(lab.api.last_trace))


def admission_widget(lab, samples, namespace: str = "default"):
    """Pick a sample manifest and the namespace's Pod Security level, then send it (server dry run).

    ``samples`` is a dict of name -> YAML text, or a folder of manifests; they go to ``namespace`` (so they
    should not name one).

    Returns an ``ipywidgets.VBox`` with ``w.result`` (the last :class:`AdmissionTry`) and ``w.send(name, level)``.
    """
    import ipywidgets as W

    if not isinstance(samples, dict):
        from pathlib import Path

        samples = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(samples).glob("*.y*ml"))}
    pick = W.Dropdown(options=list(samples), description="manifest")
    level = W.ToggleButtons(options=["privileged", "baseline", "restricted"], description="enforce")
    send = W.Button(description="send (dry run)", button_style="primary")
    out = W.HTML()
    box = W.VBox([pick, level, send, out])
    box.result = None

    def do_send(name: str | None = None, lvl: str | None = None):
        if name is not None:
            pick.value = name
        if lvl is not None:
            level.value = lvl
        lab.kubectl(f"label namespace {namespace} pod-security.kubernetes.io/enforce={level.value} --overwrite")
        box.result = try_admission(lab, samples[pick.value], namespace)
        color = "#2b8a3e" if box.result.ok else "#c92a2a"
        rows = "".join(f"<li>{html.escape(s.stage)}: <b>{html.escape(s.outcome)}</b> "
                       f"{html.escape(s.plugin or s.detail[:80])}{' (patched)' if s.patch else ''}</li>"
                       for s in box.result.steps)
        out.value = (f'<pre style="color:{color};white-space:pre-wrap">{html.escape(box.result.output)}</pre>'
                     f"<ol>{rows}</ol>")
        return box.result

    send.on_click(lambda _b: do_send())
    box.send = do_send
    do_send()
    return box
