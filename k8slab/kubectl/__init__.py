"""kubectl for the lab: a command line in, kubectl's text out (rc, stdout, stderr)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from k8slab.errors import Invalid, K8sLabError
from k8slab.kubectl.args import UsageError, parse_args

__all__ = ["KubectlResult", "run", "error_text"]


@dataclass(frozen=True)
class KubectlResult:
    """What a terminal shows after a kubectl command: exit code, standard output and standard error."""

    rc: int
    stdout: str
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def __str__(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return (self.stdout + self.stderr).rstrip("\n")

    def _repr_html_(self) -> str:
        out = html.escape(self.stdout)
        if self.stderr:
            out += f'<span style="color:#c0392b">{html.escape(self.stderr)}</span>'
        return f'<pre style="background:#1e1e1e;color:#ddd;padding:6px 10px;border-radius:4px">{out}</pre>'


def error_text(err: K8sLabError, action: str = "", source: str = "") -> str:
    """How kubectl prints an error (cmdutil.StandardErrorMessage, with AddSourceToErr's ``error when ...``)."""
    if isinstance(err, Invalid) or not err.server_side:
        return err.message if isinstance(err, Invalid) else f"error: {err.message}"
    where = f'error when {action} "{source}": ' if action else ""
    return f"Error from server ({err.reason}): {where}{err.message}"


_COMMANDS = {}


def command(name: str):
    def register(fn):
        _COMMANDS[name] = fn
        return fn
    return register


def run(lab, command_line: str, stdin: str | None = None, as_user: str | None = None,
        groups: list[str] | None = None) -> KubectlResult:
    """Run one kubectl command line against ``lab``."""
    from k8slab.kubectl import (auth, commands, describe, get, nodes_and_logs, rollout,  # noqa: F401
                                taint)  # (they register their commands)

    try:
        args = parse_args(command_line)
    except UsageError as e:
        return KubectlResult(1, "", f"error: {e}\nSee 'kubectl --help' for usage.\n")
    except ValueError as e:  # unbalanced quotes
        return KubectlResult(1, "", f"error: {e}\n")
    if as_user:
        args.flags.setdefault("as", as_user)
    if groups:
        args.flags.setdefault("as-group", []).extend(groups)
    if not args.words:
        return KubectlResult(1, "", "error: no command given. Try 'kubectl --help'.\n")
    verb = args.words[0]
    fn = _COMMANDS.get(verb)
    if fn is None:
        return KubectlResult(1, "", f'error: unknown command "{verb}" for "kubectl"\n')
    from k8slab.kubectl.auth import Session

    session = Session(lab)  # every request of the command carries its identity (--as/--as-group)
    try:
        with session.acting_as(args):
            result = fn(lab, args, stdin)
    except K8sLabError as e:
        result = KubectlResult(1, "", error_text(e) + "\n")
    return session.with_warnings(result)
