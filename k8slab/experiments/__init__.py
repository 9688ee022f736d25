"""Experiments the chapters run: measured outcomes of whole scenarios (rollouts under traffic, pod lifecycles)."""

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

__all__ = ["DEFAULT_VARIANTS", "PodCountRecorder", "PodCounts", "RolloutComparison", "RolloutRun", "RolloutTimeline",
           "compare_rollouts", "rollout_availability", "rolling_update_timeline", "web_manifests"]
