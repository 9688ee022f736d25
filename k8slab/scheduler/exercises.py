"""Self-checks for the scheduler chapter's exercises (same verdicts as ``k8slab.course.check``)."""

from __future__ import annotations

__all__ = ["EXERCISES", "check"]


def _words(answer) -> list[str]:
    if isinstance(answer, (list, tuple, set)):
        return sorted(str(a).strip().lower() for a in answer)
    return sorted(w.strip().lower() for w in str(answer).replace(",", " ").split() if w.strip())


def _rejecting_plugins(answer):
    from k8slab.course import Check

    if _words(answer) == ["nodeaffinity", "tainttoleration"]:
        return Check(True, "Right: NodeAffinity (nodeSelector) rejected two nodes, TaintToleration the batch node.")
    if "nodeaffinity" in _words(answer) or "tainttoleration" in _words(answer):
        return Check(False, "Almost: two plugins, one per kind of node. Look at the plugin column of the report.")
    return Check(False, 'Not yet: run lab.scheduler.explain("report") and read each node\'s first failing plugin.')


def _max_cpu(answer):
    from k8slab.api.quantity import cpu_millis
    from k8slab.course import Check

    try:
        millis = cpu_millis(str(answer).strip())
    except (ValueError, TypeError):
        return Check(False, 'Not yet: answer with a CPU quantity, such as "500m".')
    if millis == 1400:
        return Check(True, "Right: 1900m allocatable - 500m for web-2 = 1400m (describe node shows both).")
    if millis == 1900:
        return Check(False, "Almost: 1900m is the node's allocatable CPU; web-2 already requests part of it.")
    return Check(False, "Not yet: allocatable CPU of the batch node minus what its pods request (describe node).")


def _bin_pack_nodes(answer):
    from k8slab.course import Check

    if str(answer).strip() == "3":
        return Check(True, "Right: MostAllocated packed 12 pods onto 3 of the 6 nodes; LeastAllocated used all 6.")
    return Check(False, "Not yet: count the nodes with pods in the MostAllocated run (runs[1].nodes_used).")


def _nodes_to_find(answer):
    from k8slab.course import Check

    if str(answer).strip() == "680":
        return Check(True, "Right: 50 - 2000/125 = 34 %, and 34 % of 2,000 nodes is 680.")
    if str(answer).strip() in ("2000", "200"):
        return Check(False, "Not yet: the adaptive percentage is 50 - nodes/125 (never below 5 %).")
    return Check(False, "Not yet: try k8slab.scheduler.num_feasible_nodes_to_find(None, 2000).")


#: exercise id -> (question, checker)
EXERCISES = {
    "04-rejecting-plugins": ("Which two filter plugins kept report off every node at first?", _rejecting_plugins),
    "04-max-cpu": ("How much CPU could report request and still fit next to web-2 on the batch node?", _max_cpu),
    "04-bin-pack-nodes": ("How many of the 6 nodes did MostAllocated use for the workload?", _bin_pack_nodes),
    "04-nodes-to-find": ("With the default percentageOfNodesToScore, how many feasible nodes does the scheduler look "
                         "for in a 2,000-node cluster?", _nodes_to_find),
}


def check(exercise: str, answer):
    """Check an answer to one of the scheduler chapter's exercises.

    Examples
    --------
    >>> check("04-nodes-to-find", 680)
    ✔ Right: 50 - 2000/125 = 34 %, and 34 % of 2,000 nodes is 680.
    >>> check("04-max-cpu", None)
    ✘ No answer yet: replace None with your answer.
    """
    from k8slab.course import Check
    from k8slab.errors import NotFound

    if exercise not in EXERCISES:
        raise NotFound(f'exercise "{exercise}" not found (known: {", ".join(EXERCISES)})')
    if answer is None or answer == "" or answer == "...":
        return Check(False, "No answer yet: replace None with your answer.")
    return EXERCISES[exercise][1](answer)
