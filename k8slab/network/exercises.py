"""Self-checks for the networking chapters (13, 14, 15): ``check(exercise, answer)`` says right or not yet."""

from __future__ import annotations

__all__ = ["EXERCISES", "check"]


def _check_cls():
    from k8slab.course import Check

    return Check


def _norm(text) -> str:
    return " ".join(str(text).split()).strip().lower()


def _probability(answer):
    Check = _check_cls()
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Check(False, "Not yet: give a number, e.g. 0.25.")
    if abs(value - 0.25) < 1e-6:
        return Check(True, "Right: the first of 4 rules matches with 1/4; the next with 1/3 of what is left, ...")
    return Check(False, "Not yet: with n endpoints, the first rule's --probability is 1/n.")


def _dns_queries(answer):
    Check = _check_cls()
    if answer == 4 or _norm(answer) == "4":
        return Check(True, "Right: 2 dots < ndots:5, so the 3 search domains are tried first, then the name.")
    return Check(False, "Not yet: count the dots, compare with ndots:5, and try lab.network.resolve(...).")


def _ingress_backend(answer):
    Check = _check_cls()
    if _norm(answer) in ("api", "shop/api"):
        return Check(True, "Right: /api/v1 matches the Prefix /api, the longest matching path.")
    return Check(False, 'Not yet: try lab.network.route("shop.example.com", "/api/v1").')


def _source_ip(answer):
    Check = _check_cls()
    if _norm(answer) == "local":
        return Check(True, "Right: Local sends traffic only to pods on the node it arrived at, without SNAT.")
    return Check(False, "Not yet: which externalTrafficPolicy skips the SNAT to the node's address?")


def _default_deny_pairs(answer):
    Check = _check_cls()
    if answer == 6 or _norm(answer) == "6":
        return Check(True, "Right: 9 pairs inside x; the 3 loopbacks stay allowed, the other 6 are denied.")
    return Check(False, "Not yet: count the X cells in rows of x and columns of x only (loopback stays allowed).")


def _and_or(answer):
    Check = _check_cls()
    if _norm(answer) in ("and", "both"):
        return Check(True, "Right: one peer with both selectors means pods matching both (AND); two peers mean OR.")
    return Check(False, "Not yet: compare one '- namespaceSelector: ... podSelector: ...' with two '- ' entries.")


def _engine_none(answer):
    Check = _check_cls()
    if answer is True or _norm(answer) in ("true", "yes", "allowed"):
        return Check(True, "Right: without an engine the policy is stored but nothing enforces it.")
    return Check(False, "Not yet: what does a cluster created without --network-policy do with a policy?")


def _azure_cni_ips(answer):
    Check = _check_cls()
    if answer == 3131 or _norm(answer).replace(",", "") == "3131":
        return Check(True, "Right: (100 + 1) x (30 + 1) = 3,131.")
    return Check(False, "Not yet: (nodes + surge) x (max pods + 1), with surge 1.")


def _smallest_prefix(answer):
    Check = _check_cls()
    if _norm(answer).lstrip("/") == "20":
        return Check(True, "Right: a /20 has 4,096 - 5 = 4,091 usable addresses; a /21 only 2,043.")
    return Check(False, 'Not yet: kl.plan_ips("azure-cni", nodes=100).smallest_prefix.')


def _kubenet_limit(answer):
    Check = _check_cls()
    if answer == 400 or _norm(answer) == "400":
        return Check(True, "Right: one route per node, and an Azure route table holds 400.")
    return Check(False, "Not yet: kubenet needs a route per node in the subnet's route table.")


#: exercise id -> (question, checker)
EXERCISES = {
    "13-first-rule": ("A Service has 4 ready endpoints. What --probability does kube-proxy's first rule carry?",
                      _probability),
    "13-dns-queries": ("How many DNS queries does a pod send to resolve www.example.com (ndots:5)?", _dns_queries),
    "13-ingress-backend": ("Which Service serves http://shop.example.com/api/v1?", _ingress_backend),
    "13-source-ip": ("Which externalTrafficPolicy keeps the client's source address?", _source_ip),
    "14-default-deny": ("With default-deny-ingress in x, how many denied pairs are inside x alone?",
                        _default_deny_pairs),
    "14-and-or": ("In one peer, are namespaceSelector and podSelector combined with AND or OR?", _and_or),
    "14-engine-none": ("Without a policy engine, is y/a -> x/a allowed after a default deny in x? (True/False)",
                       _engine_none),
    "15-azure-cni-ips": ("Azure CNI, 100 nodes, 30 max pods, surge 1: how many node-subnet addresses?",
                         _azure_cni_ips),
    "15-smallest-prefix": ("What is the smallest subnet for that cluster?", _smallest_prefix),
    "15-kubenet-limit": ("How many nodes can a kubenet cluster have at most?", _kubenet_limit),
}


def check(exercise: str, answer):
    """Check an answer to one of the networking chapters' exercises.

    Examples
    --------
    >>> check("15-kubenet-limit", 400)
    ✔ Right: one route per node, and an Azure route table holds 400.
    >>> check("13-first-rule", None)
    ✘ No answer yet: replace None with your answer.
    """
    Check = _check_cls()
    if exercise not in EXERCISES:
        from k8slab.errors import NotFound

        raise NotFound(f'exercise "{exercise}" not found (known: {", ".join(EXERCISES)})')
    if answer is None or answer == "" or answer == "...":
        return Check(False, "No answer yet: replace None with your answer.")
    return EXERCISES[exercise][1](answer)
