"""ipywidgets UIs for the chapters, one module per chapter; each wraps a pure function whose result is ``w.result``.

ipywidgets is imported only when a widget is built, so ``import k8slab.widgets`` stays light. Chapters import
from here: ``from k8slab.widgets import job_widget``.
"""

from __future__ import annotations

from k8slab._lazy import lazy_getattr

#: every public name of the chapter modules, imported from its module on first use (lazily: importing
#: k8slab.widgets stays light)
_LAZY = {
    **dict.fromkeys(["AdmissionTry", "try_admission", "admission_widget"], ".admission"),
    **dict.fromkeys(["environment_widget"], ".config"),
    **dict.fromkeys(["probe_tuning_widget", "timeline_png", "job_widget"], ".lifecycle"),
    **dict.fromkeys(["ingress_route_widget", "connectivity_widget", "ip_planner", "ip_planner_widget", "route_text",
                     "budget_html"], ".network"),
    **dict.fromkeys(["blast_radius_widget"], ".pipeline"),
    **dict.fromkeys(["AccessAnswer", "access_check", "can_i_widget"], ".rbac"),
    **dict.fromkeys(["readiness_widget"], ".readiness"),
    **dict.fromkeys(["RequestFlow", "request_flow", "request_flow_widget"], ".request_flow"),
    **dict.fromkeys(["rolling_update_widget", "pods_html", "counts_png", "statefulset_scale_widget"], ".rollout"),
    **dict.fromkeys(["what_if", "node_taints", "node_label_choices", "report_html", "scheduler_widget"], ".scheduler"),
    **dict.fromkeys(["stored_with", "provider_widget"], ".secrets"),
    **dict.fromkeys(["ClaimPreview", "claim_preview", "claim_widget"], ".storage"),
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(globals(), _LAZY)


def __dir__():
    return __all__
