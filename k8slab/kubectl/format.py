"""kubectl's text formatting: tabwriter columns and human durations (AGE)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["human_duration", "tabulate", "tabwriter", "age", "parse_time"]


def human_duration(seconds: float) -> str:
    """kubectl's AGE: upstream apimachinery/pkg/util/duration/duration.go HumanDuration.

    Examples
    --------
    >>> [human_duration(s) for s in (5, 119, 192, 600, 3 * 3600 + 60, 9 * 3600, 2 * 86400 + 3600, 30 * 86400)]
    ['5s', '119s', '3m12s', '10m', '3h1m', '9h', '2d1h', '30d']
    """
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(ts: str | None) -> float | None:
    """Seconds since the lab's epoch for an RFC 3339 timestamp."""
    if not ts:
        return None
    from k8slab.apiserver.server import EPOCH

    return (datetime.fromisoformat(ts.replace("Z", "+00:00")) - EPOCH).total_seconds()


def age(ts: str | None, now: float) -> str:
    """``translateTimestampSince``: ``<unknown>`` without a timestamp."""
    t = parse_time(ts)
    return "<unknown>" if t is None else human_duration(now - t)


def tabwriter(lines: list[str], minwidth: int = 0, padding: int = 2) -> str:
    r"""Go's text/tabwriter: tab-terminated cells aligned in column blocks of consecutive lines.

    A column block is a run of consecutive lines that have a terminated cell in that column, inside the
    block of the column before; the text after a line's last tab is not aligned.

    Examples
    --------
    >>> print(tabwriter(["Name:\tweb", "Service Account:\tdefault", "Containers:", "  web:", "    Image:\tnginx"]))
    Name:             web
    Service Account:  default
    Containers:
      web:
        Image:  nginx
    """
    rows = [line.split("\t") for line in lines]
    widths: list[list[int]] = [[0] * len(r) for r in rows]

    def fmt(col: int, lo: int, hi: int) -> None:
        i = lo
        while i < hi:
            if len(rows[i]) - 1 > col:
                j, w = i, minwidth
                while j < hi and len(rows[j]) - 1 > col:
                    w = max(w, len(rows[j][col]) + padding)
                    j += 1
                for k in range(i, j):
                    widths[k][col] = w
                fmt(col + 1, i, j)
                i = j
            else:
                i += 1

    fmt(0, 0, len(rows))
    out = []
    for r, w in zip(rows, widths):
        out.append("".join(cell.ljust(w[i]) for i, cell in enumerate(r[:-1])) + r[-1])
    return "\n".join(out)


def tabulate(rows: list[list[str]]) -> str:
    """Rows as `kubectl get` prints them (printers.GetNewTabWriter: minwidth 6, padding 3).

    Examples
    --------
    >>> print(tabulate([["NAME", "READY"], ["web", "1/1"]]))
    NAME   READY
    web    1/1
    """
    return tabwriter(["\t".join(r) for r in rows], minwidth=6, padding=3)
