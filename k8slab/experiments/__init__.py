"""Experiments the chapters run: measured outcomes of whole scenarios (rollouts under traffic, pod lifecycles)."""

from k8slab.experiments.lifecycle import (
    POD_STATES,
    PodWatch,
    ProbeOutcome,
    WatchRow,
    backoff_gaps,
    probe_outcome,
)
from k8slab.experiments.rollout import (
    DEFAULT_VARIANTS,
    PodCountRecorder,
    PodCounts,
    RolloutComparison,
    RolloutRun,
    RolloutTimeline,
    compare_rollouts,
    rollout_availability,
    rolling_update_timeline,
    web_manifests,
)

__all__ = ["POD_STATES", "PodWatch", "ProbeOutcome", "WatchRow", "backoff_gaps", "probe_outcome", "DEFAULT_VARIANTS", "PodCountRecorder", "PodCounts", "RolloutComparison", "RolloutRun", "RolloutTimeline",
           "compare_rollouts", "rollout_availability", "rolling_update_timeline", "web_manifests"]
