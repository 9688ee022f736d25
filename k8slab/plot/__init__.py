"""Drawings of a lab (matplotlib and networkx, imported only when a function draws): take ax=None, return ax.

Chapters import what they draw from here: ``from k8slab.plot import draw_job_gantt``.
"""

from __future__ import annotations

from k8slab._lazy import lazy_getattr

#: every public name of the chapter modules, imported from its module on first use (lazily: importing
#: k8slab.plot stays light)
_LAZY = {
    **dict.fromkeys(["chain_boxes", "plot_admission_chain", "plot_last_request", "phases_of"], ".admission"),
    **dict.fromkeys(["architecture_graph", "draw_architecture"], ".architecture"),
    **dict.fromkeys(["draw_job_gantt", "draw_cronjob_timeline", "draw_workflow", "draw_workflow_gantt"], ".batch"),
    **dict.fromkeys(["draw_propagation"], ".config"),
    **dict.fromkeys(["draw_pod_state_machine", "draw_pod_timeline", "status_color"], ".lifecycle"),
    **dict.fromkeys(["service_path", "draw_service_path", "plot_distribution", "draw_matrix", "connectivity_graph",
                     "draw_connectivity_graph", "plot_ip_budget", "plot_ip_scaling"], ".network"),
    **dict.fromkeys(["pipeline_stages", "draw_pipeline"], ".pipeline"),
    **dict.fromkeys(["plot_who_can", "plot_blast_radius", "plot_access_matrix"], ".rbac"),
    **dict.fromkeys(["plot_readiness"], ".readiness"),
    **dict.fromkeys(["draw_availability", "draw_rollout_counts", "draw_pods_at"], ".rollout"),
    **dict.fromkeys(["HeatmapData", "report_heatmap_data", "draw_report", "draw_utilization", "draw_sampling",
                     "draw_scheduling_cycle"], ".scheduler"),
    **dict.fromkeys(["draw_stored_bytes", "draw_envelope", "draw_who_can", "who_can_read_secrets"], ".secrets"),
    **dict.fromkeys(["draw_binding_state_machine", "draw_volumes_by_zone"], ".storage"),
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(globals(), _LAZY)


def __dir__():
    return __all__
