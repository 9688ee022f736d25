"""Scheduler profiles: upstream's default plugins and weights, configurable like KubeSchedulerConfiguration."""

from __future__ import annotations

from typing import Any

__all__ = ["Profile", "DEFAULT_PLUGINS", "num_feasible_nodes_to_find"]

# upstream: pkg/scheduler/apis/config/v1/default_plugins.go getDefaultPlugins (MultiPoint), in order
DEFAULT_PLUGINS: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)
_POINT = {"preFilter": "filter", "filter": "filter", "preScore": "score", "score": "score",
          "postFilter": "postFilter", "multiPoint": None}

# upstream: pkg/scheduler/schedule_one.go (minFeasibleNodesToFind, minFeasibleNodesPercentageToFind)
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """How many feasible nodes the scheduler looks for before it stops filtering (adaptive when unset or 0).

    upstream: pkg/scheduler/schedule_one.go numFeasibleNodesToFind

    Examples
    --------
    >>> num_feasible_nodes_to_find(None, 5000)     # 50 - 5000/125 = 10 %
    500
    >>> num_feasible_nodes_to_find(None, 50), num_feasible_nodes_to_find(None, 150), num_feasible_nodes_to_find(100, 5000)
    (50, 100, 5000)
    >>> num_feasible_nodes_to_find(None, 10000)    # floor of 5 %
    500
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    pct = percentage or 0
    if pct == 0:
        pct = 50 - num_all_nodes // 125
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    n = num_all_nodes * pct // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


class Profile:
    """A scheduling profile: which plugins run at which extension point, score weights and plugin args.

    Parameters
    ----------
    name : str
        The schedulerName pods use to pick this profile.
    plugins : list of str, optional
        Plugins enabled at every extension point they implement (default: upstream's MultiPoint list).
    weights : dict, optional
        Score weight overrides, e.g. ``{"NodeResourcesFit": 5}``.
    scoring_strategy : str
        NodeResourcesFit strategy: LeastAllocated, MostAllocated or RequestedToCapacityRatio.
    percentage_of_nodes_to_score : int, optional
        None or 0 means upstream's adaptive percentage.
    plugin_args : dict, optional
        Plugin name -> args, as in ``pluginConfig``.
    disabled : dict, optional
        Extension point ("filter", "score") -> plugin names disabled there only.

    Examples
    --------
    >>> p = Profile(scoring_strategy="MostAllocated")
    >>> p.weight("TaintToleration"), p.weight("NodeResourcesFit"), p.plugin_args["NodeResourcesFit"]["scoringStrategy"]["type"]
    (3, 1, 'MostAllocated')
    >>> p
    <Profile default-scheduler MostAllocated>
    """

    def __init__(self, name: str = "default-scheduler", plugins: list[str] | None = None,
                 weights: dict[str, int] | None = None, scoring_strategy: str = "LeastAllocated",
                 percentage_of_nodes_to_score: int | None = None, plugin_args: dict[str, dict] | None = None,
                 disabled: dict[str, list[str]] | None = None, resources: list[dict] | None = None,
                 shape: list[dict] | None = None):
        self.name = name
        defaults = dict(DEFAULT_PLUGINS)
        self.plugins = list(plugins) if plugins is not None else [n for n, _ in DEFAULT_PLUGINS]
        self.weights = {n: w for n, w in DEFAULT_PLUGINS if w is not None and n in self.plugins}
        for n in self.plugins:
            if n not in self.weights and n in defaults and defaults[n] is not None:
                self.weights[n] = defaults[n]
        self.weights.update(weights or {})
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.plugin_args = {k: dict(v) for k, v in (plugin_args or {}).items()}
        self.disabled = {k: set(v) for k, v in (disabled or {}).items()}
        fit = self.plugin_args.setdefault("NodeResourcesFit", {})
        strat = dict(fit.get("scoringStrategy") or {})
        strat.setdefault("type", scoring_strategy)
        if resources is not None:
            strat["resources"] = resources
        if shape is not None:
            strat["requestedToCapacityRatio"] = {"shape": shape}
        fit["scoringStrategy"] = strat
        self.scoring_strategy = strat["type"]

    def weight(self, plugin: str) -> int:
        """Score weight of a plugin (upstream: a score plugin without a weight gets 1)."""
        return int(self.weights.get(plugin, 1) or 1)

    def enabled(self, plugin: str, point: str) -> bool:
        """Whether a plugin runs at an extension point ("filter" or "score")."""
        return plugin in self.plugins and plugin not in self.disabled.get(point, ())

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> list["Profile"]:
        """Profiles from a KubeSchedulerConfiguration-shaped dict (or one of its ``profiles`` entries).

        Examples
        --------
        >>> cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
        ...        "percentageOfNodesToScore": 50,
        ...        "profiles": [{"schedulerName": "bin-packing",
        ...                      "plugins": {"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 5}],
        ...                                            "disabled": [{"name": "NodeResourcesBalancedAllocation"}]}},
        ...                      "pluginConfig": [{"name": "NodeResourcesFit", "args": {
        ...                          "scoringStrategy": {"type": "MostAllocated"}}}]}]}
        >>> [p] = Profile.from_config(cfg)
        >>> p.name, p.scoring_strategy, p.weight("NodeResourcesFit"), p.percentage_of_nodes_to_score
        ('bin-packing', 'MostAllocated', 5, 50)
        >>> p.enabled("NodeResourcesBalancedAllocation", "score"), p.enabled("NodeResourcesFit", "filter")
        (False, True)
        """
        entries = config.get("profiles")
        if entries is None:
            entries = [config]
        global_pct = config.get("percentageOfNodesToScore")
        out = []
        for e in entries or [{}]:
            plugins = [n for n, _ in DEFAULT_PLUGINS]
            weights: dict[str, int] = {}
            disabled: dict[str, set] = {}
            for point, spec in (e.get("plugins") or {}).items():
                target = _POINT.get(point, point)
                dis = [d.get("name") for d in (spec or {}).get("disabled") or ()]
                if target is None:  # multiPoint
                    if "*" in dis:
                        plugins = []
                    else:
                        plugins = [n for n in plugins if n not in dis]
                else:
                    if "*" in dis:
                        disabled.setdefault(target, set()).update(plugins)
                    else:
                        disabled.setdefault(target, set()).update(dis)
                for en in (spec or {}).get("enabled") or ():
                    n = en.get("name")
                    if n not in plugins:
                        plugins.append(n)
                    if target is not None:
                        disabled.get(target, set()).discard(n)
                    if en.get("weight") is not None and target in (None, "score"):
                        weights[n] = int(en["weight"])
            args = {pc.get("name"): dict(pc.get("args") or {}) for pc in e.get("pluginConfig") or ()}
            strat = ((args.get("NodeResourcesFit") or {}).get("scoringStrategy") or {}).get("type") or "LeastAllocated"
            pct = e.get("percentageOfNodesToScore", global_pct)
            out.append(cls(name=e.get("schedulerName") or "default-scheduler", plugins=plugins, weights=weights,
                           scoring_strategy=strat, percentage_of_nodes_to_score=pct, plugin_args=args,
                           disabled={k: sorted(v) for k, v in disabled.items()}))
        return out

    def __repr__(self) -> str:
        return f"<Profile {self.name} {self.scoring_strategy}>"
