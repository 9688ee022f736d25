"""Self-checks of the access chapters: 10 RBAC, 11 admission, 12 build pipeline, 22 identity on AKS, 24 readiness."""

from __future__ import annotations

from k8slab.course import Check

__all__ = ["EXERCISES", "check"]


def _norm(text) -> str:
    return " ".join(str(text).split()).strip().lower()


def _is(expected: set, right: str, hint: str):
    def checker(answer) -> Check:
        return Check(True, right) if _norm(answer) in expected else Check(False, hint)
    return checker


def _can_i_list(answer) -> Check:
    words = _norm(answer).split()
    if words[:1] == ["kubectl"]:
        words = words[1:]
    ns_ok = any(words[i:i + 2] in (["-n", "dev"], ["--namespace", "dev"]) for i in range(len(words))) or \
        "--namespace=dev" in words or "-ndev" in words
    if words[:3] == ["auth", "can-i", "--list"] and ns_ok:
        return Check(True, "Right: a SelfSubjectRulesReview lists what you may do in one namespace.")
    return Check(False, "Not yet: it is `kubectl auth can-i` with the flag that lists, in namespace dev.")


def _count(n: int, right: str, hint: str):
    def checker(answer) -> Check:
        return Check(True, right) if str(answer).strip() == str(n) else Check(False, hint)
    return checker


#: exercise id -> (question, checker)
EXERCISES = {
    "10-dana-prod": ("May dana (group developers) list pods in prod? (yes or no)",
                     _is({"no", "false"}, "Right: RBAC denies what no binding allows; dana has nothing in prod.",
                         "Not yet: ask RBAC with lab.kubectl('auth can-i list pods -n prod', as_user='dana', "
                         "groups=['developers'])")),
    "10-bind-verb": ("Which verb lets someone create a RoleBinding to a role whose permissions they do not hold?",
                     _is({"bind"}, "Right: bind on the role (escalate is the verb for writing Roles).",
                         "Not yet: read the escalation message, then the RBAC docs on privilege escalation prevention.")),
    "10-can-i-list": ("Which kubectl command lists everything you may do in namespace dev?", _can_i_list),
    "11-missing-namespace": ("Which admission plugin refuses an object in a namespace that does not exist?",
                             _is({"namespacelifecycle"}, "Right: NamespaceLifecycle, the first plugin of the chain.",
                                 "Not yet: send a Pod to namespace 'nowhere' and read lab.api.last_trace.")),
    "11-podsecurity-phase": ("Is PodSecurity a mutating or a validating admission plugin?",
                             _is({"validating"}, "Right: it only refuses or warns; it never changes the pod.",
                                 "Not yet: look at which phase PodSecurity appears in, in plot_last_request.")),
    "11-sidecar": ("What is the name of the container the injector adds?",
                   _is({"istio-proxy"}, "Right: istio-proxy (and the istio-init init container).",
                       "Not yet: print the containers of a pod created in the labelled namespace.")),
    "12-environments": ("In how many namespaces can a stolen pipeline token ship code?",
                        _count(3, "Right: dev, staging and prod, and nothing else: no Secrets, no RBAC, no nodes.",
                               "Not yet: look at blast_radius(...).namespaces_writable().")),
    "12-promote-what": ("What does promotion copy from staging to prod: the tag or the digest?",
                        _is({"digest", "the digest"}, "Right: the digest, so prod runs the bytes that were tested.",
                            "Not yet: compare pipe.deployed_image('staging') and pipe.deployed_image('prod').")),
    "22-group-name": ("In an AKS RoleBinding, what identifies a Microsoft Entra group: its display name or its object "
                      "ID?", _is({"object id", "objectid", "object-id", "the object id"},
                                 "Right: the token carries group object IDs, and RBAC compares strings.",
                                 "Not yet: look at the groups lab.kubectl('auth whoami') shows for an Entra user.")),
    "22-sa-username": ("What user name does the ServiceAccount builder of namespace ci have?",
                       _is({"system:serviceaccount:ci:builder"}, "Right: system:serviceaccount:<namespace>:<name>.",
                           "Not yet: it starts with system:serviceaccount:")),
    "24-drain": ("Which object keeps a node drain from evicting every replica of a Deployment at once?",
                 _is({"poddisruptionbudget", "pdb", "a poddisruptionbudget"},
                     "Right: a PodDisruptionBudget; the eviction API refuses what would break it.",
                     "Not yet: look at the deployment-has-poddisruptionbudget finding and its fix.")),
}


def check(exercise: str, answer) -> Check:
    """Check an answer to an exercise of chapters 10, 11, 12, 22 and 24.

    Examples
    --------
    >>> check("10-bind-verb", "bind")
    ✔ Right: bind on the role (escalate is the verb for writing Roles).
    >>> check("12-environments", None)
    ✘ No answer yet: replace None with your answer.
    """
    if exercise not in EXERCISES:
        from k8slab.errors import NotFound

        raise NotFound(f'exercise "{exercise}" not found (known: {", ".join(EXERCISES)})')
    if answer is None or answer == "" or answer == "...":
        return Check(False, "No answer yet: replace None with your answer.")
    return EXERCISES[exercise][1](answer)
