"""The admission chain of one request as a diagram: every stage and plugin, coloured by what it did."""

from __future__ import annotations

__all__ = ["chain_boxes", "plot_admission_chain", "plot_last_request", "phases_of"]

_COLORS = {"ok": ("#d3f9d8", "#2b8a3e"), "patched": ("#d0ebff", "#1c7ed6"), "rejected": ("#ffc9c9", "#c92a2a"),
           "skipped": ("#f8f9fa", "#adb5bd"), "not reached": ("#ffffff", "#dee2e6")}


def phases_of(api) -> dict[str, list[str]]:
    """The plugins of each admission phase of a lab's apiserver, in the order they run.

    In-process hooks of the lab's components that are not kube-apiserver plugins appear only when they acted.
    """
    from k8slab.admission.chain import UPSTREAM_ORDER

    def keep(names):
        return [n for n in names if n in UPSTREAM_ORDER or api.admission.get(n) is not None]

    return {"mutating admission": keep(api.admission.phase_names("mutating", tuple(api.mutating_admission))),
            "validating admission": keep(api.admission.phase_names("validating", tuple(api.validating_admission)))}


def chain_boxes(trace, plugins) -> list[dict]:
    """One box per stage or admission plugin, in order: ``{"stage", "name", "state", "note"}``.

    ``plugins`` are the admission plugins in order: one list for both phases, or a dict phase -> list
    (`phases_of`). A plugin
    that left no step did not handle the request (``skipped``); after a refusal everything is
    ``not reached``. Webhook steps keep the webhook's name.

    Examples
    --------
    >>> from k8slab.apiserver.server import Step
    >>> trace = [Step("authentication", "ok", "alice"), Step("authorization", "allowed", "RBAC"),
    ...          Step("mutating admission", "ok", "LimitRanger", plugin="LimitRanger"),
    ...          Step("validation", "ok"),
    ...          Step("validating admission", "rejected", "Error", plugin="PodSecurity")]
    >>> [(b["name"], b["state"]) for b in chain_boxes(trace, ["LimitRanger", "PodSecurity"])]
    [('authentication', 'ok'), ('authorization', 'ok'), ('LimitRanger', 'ok'), ('PodSecurity', 'skipped'), ('validation', 'ok'), ('LimitRanger', 'skipped'), ('PodSecurity', 'rejected'), ('storage', 'not reached')]
    """
    steps = list(trace)
    boxes: list[dict] = []
    failed = False

    def add(stage, name, found):
        nonlocal failed
        if failed:
            boxes.append({"stage": stage, "name": name, "state": "not reached", "note": ""})
            return
        if not found:
            boxes.append({"stage": stage, "name": name, "state": "skipped" if stage.endswith("admission")
                          else "not reached", "note": ""})
            return
        bad = [s for s in found if s.outcome not in ("ok", "allowed", "stored", "skipped")]
        state = "rejected" if bad else ("patched" if any(getattr(s, "patch", None) for s in found) else "ok")
        note = (getattr(bad[0], "message", "") or bad[0].detail) if bad else ""
        boxes.append({"stage": stage, "name": name, "state": state, "note": note})
        failed = failed or bool(bad)

    for stage in ("authentication", "authorization"):
        add(stage, stage, [s for s in steps if s.stage == stage])
    for phase in ("mutating admission", "validation", "validating admission"):
        if phase == "validation":
            add(phase, "validation", [s for s in steps if s.stage == phase])
            continue
        in_phase = [s for s in steps if s.stage == phase]
        listed = list(plugins.get(phase, ())) if isinstance(plugins, dict) else list(plugins)
        names = listed + [s.plugin or s.detail for s in in_phase
                          if (s.plugin or s.detail) not in listed and "Webhook" not in (s.plugin or "")]
        for name in names:
            found = [s for s in in_phase if (s.plugin or s.detail) == name]
            add(phase, name, found)
    storage = [s for s in steps if s.stage == "storage"]
    add("storage", "storage", storage)
    if storage and storage[-1].outcome == "skipped":
        boxes[-1]["state"], boxes[-1]["note"] = "skipped", "dry run"
    return boxes


def plot_admission_chain(trace, plugins, ax=None, title: str = ""):
    """Draw the request's way: authentication, authorization, each mutating plugin, validation, each validating
    plugin, storage; refusals in red with their message underneath."""
    import re
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    boxes = chain_boxes(trace, plugins)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(10, 1.05 * len(boxes)), 3.4))
    w, gap = 0.9, 0.15
    phase_x: dict[str, list[float]] = {}
    for i, b in enumerate(boxes):
        x = i * (w + gap)
        face, edge = _COLORS[b["state"]]
        ax.add_patch(FancyBboxPatch((x, 0), w, 1.0, boxstyle="round,pad=0.03", fc=face, ec=edge, lw=1.4))
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", b["name"])
        label = "\n".join(textwrap.wrap(words, 12, break_long_words=False)[:3])
        longest = max(len(line) for line in label.splitlines())
        ax.text(x + w / 2, 0.62, label, ha="center", va="center", fontsize=6.5 if longest <= 12 else 5.6,
                color="#212529")
        ax.text(x + w / 2, 0.15, b["state"], ha="center", va="center", fontsize=6.5, color=edge)
        phase_x.setdefault(b["stage"], []).append(x)
    for stage, xs in phase_x.items():
        if stage.endswith("admission"):
            ax.annotate("", xy=(min(xs) - 0.02, 1.22), xytext=(max(xs) + w + 0.02, 1.22),
                        arrowprops={"arrowstyle": "-", "color": "#868e96"})
            ax.text((min(xs) + max(xs) + w) / 2, 1.32, stage, ha="center", fontsize=8, color="#495057")
    rejected = next((b for b in boxes if b["state"] == "rejected"), None)
    if rejected is not None and rejected["note"]:
        ax.text(0, -0.3, "\n".join(textwrap.wrap(rejected["note"], 170)[:5]), fontsize=7, color="#c92a2a",
                va="top")
    ax.set_xlim(-0.1, len(boxes) * (w + gap))
    ax.set_ylim(-1.2 if rejected is not None else -0.1, 1.55)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return ax


def plot_last_request(lab, ax=None, title: str = ""):
    """`plot_admission_chain` of the lab's last write (``lab.api.last_trace``)."""
    return plot_admission_chain(lab.api.last_trace, phases_of(lab.api), ax, title)
