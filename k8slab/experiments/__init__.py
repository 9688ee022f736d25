"""Experiments the chapters run: measured outcomes of whole scenarios (rollouts under traffic, pod lifecycles)."""

from k8slab.experiments.batch import JobRecord, JobRun, JobWatch, PodSpan, job_pods, max_running, run_job
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
from k8slab.experiments.stateful import IdentityTable, Replica, ScaleRun, scale_statefulset, stateful_identity

__all__ = [
    "JobRecord", "JobRun", "JobWatch", "PodSpan", "job_pods", "max_running", "run_job",
    "IdentityTable", "Replica", "ScaleRun", "scale_statefulset", "stateful_identity",
    "POD_STATES", "PodWatch", "ProbeOutcome", "WatchRow", "backoff_gaps", "probe_outcome",
    "DEFAULT_VARIANTS", "PodCountRecorder", "PodCounts", "RolloutComparison", "RolloutRun", "RolloutTimeline",
    "compare_rollouts", "rollout_availability", "rolling_update_timeline", "web_manifests",
]
