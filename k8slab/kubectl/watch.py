"""``kubectl get -w``: the current table, then one row per change while the simulated clock runs.

upstream: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go ``watch``. A real kubectl watches until interrupted; the lab
has no live terminal, so ``--request-timeout`` says how long to watch, and the clock runs that long (upstream: the
request timeout ends the watch and kubectl exits 0).
"""

from __future__ import annotations

from k8slab.errors import K8sLabError
from k8slab.kubectl import KubectlResult

__all__ = ["watch", "request_timeout"]

#: client-go tools/clientcmd ParseTimeout's error
_BAD_TIMEOUT = ("invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
                "corresponding time unit (e.g. 1s | 2m | 3h)")


def request_timeout(text: str | None) -> float:
    """``--request-timeout``: an integer of seconds or a Go duration (client-go clientcmd ParseTimeout).

    Examples
    --------
    >>> request_timeout("90"), request_timeout("2m"), request_timeout("1m30s"), request_timeout(None)
    (90.0, 120.0, 90.0, 0.0)
    """
    if not text:
        return 0.0
    if text.isdigit():
        return float(text)
    import re

    total, pos = 0.0, 0
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    for m in re.finditer(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", text):
        if m.start() != pos:
            raise K8sLabError(_BAD_TIMEOUT)
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise K8sLabError(_BAD_TIMEOUT)
    return total


def watch(lab, args) -> KubectlResult:
    """``kubectl get TYPE [NAME...] -w|--watch-only --request-timeout=DURATION``."""
    from k8slab.controllers.informer import informer
    from k8slab.kubectl.format import tabulate
    from k8slab.kubectl.get import namespace_of, resolve_targets, select, selected, table_rows

    try:
        seconds = request_timeout(args.get("request-timeout"))
    except K8sLabError as e:
        return KubectlResult(1, "", f"error: {e.message}\n")
    if seconds <= 0:
        from k8slab.kubectl.commands import not_simulated

        return not_simulated("get --watch without --request-timeout",
                             "the lab has no live terminal to interrupt; add --request-timeout=60s (say) to watch "
                             "that long on the simulated clock")
    targets = resolve_targets(args.words[1:])
    if len({res.name for res, _ in targets}) > 1:
        return KubectlResult(1, "", "error: watch is only supported on individual resources and resource "
                                    "collections - more than 1 resource was found\n")
    output = args.get("output") or ""
    if output not in ("", "wide"):
        from k8slab.kubectl.commands import not_simulated

        return not_simulated(f"get --watch -o {output}", "the lab prints watched changes as table rows")
    res, names = targets[0]
    ns = None if args.has("all-namespaces") else namespace_of(lab, args)
    errors: list[str] = []
    objs = select(lab, args, res, names, ns, errors)
    if errors:
        return KubectlResult(1, "", "".join(e + "\n" for e in errors))
    show_ns = ns is None and res.namespaced
    events = args.has("output-watch-events")
    out: list[str] = []
    headed = args.has("no-headers")  # the header goes out once, with the first rows

    def flush(objs: list[dict], event: str) -> None:
        # one tab-writer flush: these rows are aligned with each other only, as kubectl's are
        nonlocal headed
        rows = table_rows(res, objs, args, lab.now, False, show_ns)
        header, rows = (None, rows) if args.has("no-headers") else (rows[0], rows[1:])
        if events:
            rows = [[event] + r for r in rows]
        if not headed:
            rows = [(["EVENT"] if events else []) + header] + rows
            headed = True
        out.append(tabulate(rows) + "\n")

    if objs and not args.has("watch-only"):
        flush(objs, "ADDED")

    def on_change(event: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        if (names and meta.get("name") not in names) or not selected(args, res, [obj]) or (
                ns is not None and res.namespaced and (meta.get("namespace") or "default") != ns):
            return
        flush([obj], event)

    inf = informer(lab, res.name)
    inf.listeners.append(on_change)
    try:
        lab.run(seconds)
    finally:
        inf.listeners.remove(on_change)
    return KubectlResult(0, "".join(out), "")
