"""Scheduling framework Status and its codes, as kube-scheduler's framework has them."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Code", "Status", "MAX_NODE_SCORE", "MIN_NODE_SCORE"]

# upstream: staging/src/k8s.io/kube-scheduler/framework/interface.go (MaxNodeScore, MinNodeScore)
MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0


class Code(IntEnum):
    """Status codes of the scheduling framework.

    upstream: staging/src/k8s.io/kube-scheduler/framework/interface.go (Code)

    Examples
    --------
    >>> Code.UnschedulableAndUnresolvable.value
    3
    """

    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


class Status:
    """Result of running a plugin: a code, reasons, and the plugin that produced it.

    Examples
    --------
    >>> s = Status(Code.Unschedulable, "Insufficient cpu", "Insufficient memory", plugin="NodeResourcesFit")
    >>> s.message
    'Insufficient cpu, Insufficient memory'
    >>> s
    <Status Unschedulable NodeResourcesFit: Insufficient cpu, Insufficient memory>
    >>> Status().is_success
    True
    """

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: Code = Code.Success, *reasons: str, plugin: str | None = None):
        self.code = code if type(code) is Code else Code(code)
        self.reasons = tuple(reasons)
        self.plugin = plugin

    @property
    def is_success(self) -> bool:
        """True for Success."""
        return self.code == Code.Success

    @property
    def is_rejected(self) -> bool:
        """True for Unschedulable, UnschedulableAndUnresolvable and Pending (upstream IsRejected)."""
        return self.code in (Code.Unschedulable, Code.UnschedulableAndUnresolvable, Code.Pending)

    @property
    def is_skip(self) -> bool:
        """True for Skip."""
        return self.code == Code.Skip

    @property
    def message(self) -> str:
        """Reasons joined by ", " (upstream Status.Message)."""
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> "Status":
        """Return this status, recording which plugin produced it."""
        self.plugin = plugin
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self.code == other.code and self.reasons == other.reasons

    def __hash__(self) -> int:
        return hash((self.code, self.reasons))

    def __repr__(self) -> str:
        who = f" {self.plugin}" if self.plugin else ""
        msg = f": {self.message}" if self.reasons else ""
        return f"<Status {self.code.name}{who}{msg}>"
