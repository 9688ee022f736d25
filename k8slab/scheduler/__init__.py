"""kube-scheduler, faithfully: profiles, filter and score plugins, queue with back-off, preemption, explain()."""

from .framework import Framework
from .nodeinfo import Cache, NodeInfo
from .podinfo import PodInfo
from .profile import DEFAULT_PLUGINS, Profile, num_feasible_nodes_to_find
from .report import NodeVerdict, SchedulingReport, fit_error_message
from .scheduler import Scheduler
from .status import Code, Status

__all__ = [
    "Scheduler", "Profile", "SchedulingReport", "NodeVerdict", "Status", "Code", "Framework", "Cache",
    "NodeInfo", "PodInfo", "DEFAULT_PLUGINS", "num_feasible_nodes_to_find", "fit_error_message",
]
