"""kubectl's command line: words, flags anywhere, ``--flag=value``, repeated flags."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

__all__ = ["Args", "parse_args", "FLAGS_WITH_VALUE", "BOOL_FLAGS", "UsageError"]


class UsageError(Exception):
    """A command line kubectl would refuse: ``error: unknown flag: --foo``."""


# long name -> canonical name; short aliases map too
FLAGS_WITH_VALUE = {
    "-n": "namespace", "--namespace": "namespace", "-o": "output", "--output": "output",
    "-l": "selector", "--selector": "selector", "-f": "filename", "--filename": "filename",
    "--as": "as", "--as-group": "as-group", "--field-selector": "field-selector",
    "--grace-period": "grace-period", "--sort-by": "sort-by", "--type": "type",
    "--from-literal": "from-literal", "--from-file": "from-file", "--image": "image", "--replicas": "replicas",
    "--to-revision": "to-revision", "-c": "container", "--container": "container", "--tail": "tail",
    "--subresource": "subresource", "-L": "label-columns", "--label-columns": "label-columns",
    "--timeout": "timeout", "--revision": "revision", "--port": "port", "--target-port": "target-port",
    "--protocol": "protocol", "--name": "name", "--cluster-ip": "cluster-ip", "--schedule": "schedule",
    "--restart": "restart", "--role": "role", "--clusterrole": "clusterrole", "--user": "user",
    "--group": "group", "--serviceaccount": "serviceaccount", "--verb": "verb", "--resource": "resource",
    "--resource-name": "resource-name", "--api-group": "api-group", "--api-version": "api-version",
    "--context": "context", "--docker-server": "docker-server", "--docker-username": "docker-username",
    "--docker-password": "docker-password", "--docker-email": "docker-email", "--cert": "cert", "--key": "key",
    "--min": "min", "--max": "max", "--cpu-percent": "cpu-percent", "--for": "for", "--env": "env",
    "--labels": "labels", "--since": "since", "--dry-run": "dry-run", "--cascade": "cascade",
    "--from-env-file": "from-env-file", "--request-timeout": "request-timeout",
}
BOOL_FLAGS = {
    "-A": "all-namespaces", "--all-namespaces": "all-namespaces", "--show-labels": "show-labels",
    "-R": "recursive", "--recursive": "recursive", "-w": "watch", "--watch": "watch", "--all": "all",
    "--watch-only": "watch-only", "--output-watch-events": "output-watch-events",
    "--overwrite": "overwrite", "--now": "now", "--force": "force", "-p": "previous", "--previous": "previous",
    "--list": "list", "--no-headers": "no-headers", "--ignore-daemonsets": "ignore-daemonsets",
    "--delete-emptydir-data": "delete-emptydir-data", "--wait": "wait", "--show-kind": "show-kind",
    "--recursive-fields": "recursive-fields", "--client": "client", "--validate": "validate",
    "--record": "record", "-it": "interactive", "-i": "stdin", "-t": "tty", "--rm": "rm",
    "--expose": "expose", "--ignore-not-found": "ignore-not-found", "-q": "quiet", "--quiet": "quiet",
}
REPEATABLE = {"as-group", "from-literal", "from-file", "from-env-file", "filename", "env", "label-columns"}
# --dry-run alone means client (deprecated form)
OPTIONAL_VALUE = {"dry-run": "client"}


@dataclass
class Args:
    """A parsed kubectl command line."""

    words: list[str] = field(default_factory=list)
    flags: dict = field(default_factory=dict)
    after_dashes: list[str] = field(default_factory=list)

    def get(self, name: str, default=None):
        return self.flags.get(name, default)

    def has(self, name: str) -> bool:
        return bool(self.flags.get(name))


def parse_args(command: str | list[str]) -> Args:
    """Split a kubectl command line into words and flags.

    Examples
    --------
    >>> a = parse_args("kubectl get pods -n dev -o=wide --show-labels -l 'app in (web)'")
    >>> a.words, a.flags["namespace"], a.flags["output"], a.flags["selector"], a.has("show-labels")
    (['get', 'pods'], 'dev', 'wide', 'app in (web)', True)
    """
    tokens = shlex.split(command) if isinstance(command, str) else list(command)
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    args = Args()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "--":
            args.after_dashes = tokens[i + 1:]
            break
        if tok.startswith("-") and tok != "-" and not _is_negative_number(tok):
            name, eq, value = tok.partition("=")
            if name in FLAGS_WITH_VALUE:
                canon = FLAGS_WITH_VALUE[name]
                if not eq:
                    if canon in OPTIONAL_VALUE and (i + 1 >= len(tokens) or tokens[i + 1].startswith("-")):
                        value = OPTIONAL_VALUE[canon]
                    elif i + 1 < len(tokens):
                        i += 1
                        value = tokens[i]
                    else:
                        raise UsageError(f"flag needs an argument: {name}")
                _set(args, canon, value)
            elif name in BOOL_FLAGS:
                canon = BOOL_FLAGS[name]
                args.flags[canon] = (value.lower() != "false") if eq else True
            elif len(name) > 2 and name[0] == "-" and name[1] != "-" and name[:2] in FLAGS_WITH_VALUE:
                _set(args, FLAGS_WITH_VALUE[name[:2]], tok[2:])  # -ndev, -owide
            else:
                flag = name.lstrip("-")
                raise UsageError(f"unknown flag: {name}" if name.startswith("--") else
                                 f"unknown shorthand flag: '{flag[:1]}' in {name}")
        else:
            args.words.append(tok)
        i += 1
    return args


def _set(args: Args, canon: str, value: str) -> None:
    if canon in REPEATABLE:
        args.flags.setdefault(canon, []).append(value)
    else:
        args.flags[canon] = value


def _is_negative_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False
