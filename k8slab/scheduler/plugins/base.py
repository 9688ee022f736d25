"""Plugin base class and the score normalization helpers shared by plugins."""

from __future__ import annotations

import numpy as np

from ..status import MAX_NODE_SCORE

__all__ = ["Plugin", "default_normalize_score", "default_normalize_score_vec", "go_div"]


class Plugin:
    """Base of scheduler plugins: a ``name`` and one method per extension point it implements.

    Extension points (all optional): ``pre_filter(state, pod, snap)``, ``filter(state, pod, node_info)``
    (plain, one node), ``filter_vec(state, pod, snap)`` (fast path: a boolean *fail* mask over all nodes),
    ``pre_score(state, pod, snap, idx)``, ``score(state, pod, node_info)`` and ``score_vec(state, pod, snap, idx)``,
    ``normalize(state, scores)`` (list of ints) and ``normalize_vec(state, scores)`` (numpy).
    ``pre_filter``/``pre_score`` return None or a Status (Skip turns the plugin off for this pod).
    """

    name = ""
    #: Extension points a profile can enable for this plugin.
    points: tuple[str, ...] = ()

    def __init__(self, args: dict | None = None):
        self.args = dict(args or {})

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def default_normalize_score(max_priority: int, reverse: bool, scores: list[int]) -> list[int]:
    """Scale scores to 0..max_priority, optionally reversed.

    upstream: pkg/scheduler/framework/plugins/helper/normalize_score.go DefaultNormalizeScore

    Examples
    --------
    >>> default_normalize_score(100, False, [1, 2, 4])
    [25, 50, 100]
    >>> default_normalize_score(100, True, [0, 0])
    [100, 100]
    """
    max_count = max([0, *scores])
    if max_count == 0:
        return [max_priority] * len(scores) if reverse else list(scores)
    out = []
    for s in scores:
        s = max_priority * s // max_count if s >= 0 else -((max_priority * -s) // max_count)
        out.append(max_priority - s if reverse else s)
    return out


def go_div(a, b):
    """Integer division truncating toward zero, as Go's ``/`` on int64 (numpy arrays or ints).

    Examples
    --------
    >>> go_div(-7, 2), go_div(7, 2)
    (-3, 3)
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        q = np.abs(a) // np.abs(b)
        return np.where((np.sign(a) * np.sign(b)) < 0, -q, q)
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) and q else q


def default_normalize_score_vec(max_priority: int, reverse: bool, scores: np.ndarray) -> np.ndarray:
    """Numpy form of :func:`default_normalize_score`.

    Examples
    --------
    >>> default_normalize_score_vec(100, True, np.array([0, 1, 2])).tolist()
    [100, 50, 0]
    """
    max_count = max(int(scores.max()) if len(scores) else 0, 0)
    if max_count == 0:
        return np.full(len(scores), max_priority, dtype=np.int64) if reverse else scores.copy()
    s = go_div(max_priority * scores, max_count)
    return max_priority - s if reverse else s


MAX = MAX_NODE_SCORE
