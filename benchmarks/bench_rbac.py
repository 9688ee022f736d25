"""Benchmark: RBAC checks with 1,000 roles and 5,000 bindings (budget < 1 ms) and a 50 x 40 who-can matrix (< 0.5 s)."""

import random
import timeit

from k8slab.apiserver.auth_can_i import format_can_i_list
from k8slab.apiserver.authn import ALL_AUTHENTICATED, UserInfo
from k8slab.apiserver.bootstrap_policy import default_policy
from k8slab.apiserver.rbac import Attributes, RBACAuthorizer

CHECK_BUDGET_US = 1000.0
MATRIX_BUDGET_S = 0.5
RBAC = "rbac.authorization.k8s.io"
RESOURCES = [("", "pods"), ("", "services"), ("", "configmaps"), ("", "secrets"), ("apps", "deployments"),
             ("apps", "statefulsets"), ("batch", "jobs"), ("networking.k8s.io", "ingresses"), ("", "pods/log"),
             ("apps", "deployments/scale")]
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]


def build(seed: int = 0, roles: int = 1000, bindings: int = 5000, namespaces: int = 100, users: int = 500,
          groups: int = 50):
    """A lab-sized policy: default roles plus ``roles`` Roles/ClusterRoles and ``bindings`` bindings."""
    rng = random.Random(seed)
    objects = default_policy()
    cluster_roles = roles // 5
    for i in range(roles):
        rules = []
        for _ in range(rng.randint(2, 6)):
            picked = rng.sample(RESOURCES, rng.randint(1, 3))
            rules.append({"apiGroups": sorted({g for g, _ in picked}), "resources": sorted({r for _, r in picked}),
                          "verbs": sorted(rng.sample(VERBS, rng.randint(1, 4)))})
        if i < cluster_roles:
            objects.append({"kind": "ClusterRole", "metadata": {"name": f"cr-{i}"}, "rules": rules})
        else:
            objects.append({"kind": "Role", "metadata": {"name": f"role-{i}", "namespace": f"ns-{i % namespaces}"},
                            "rules": rules})

    def subjects():
        out = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.9:
                out.append({"apiGroup": RBAC, "kind": "User", "name": f"user-{rng.randrange(users)}"})
            else:
                out.append({"apiGroup": RBAC, "kind": "Group", "name": f"group-{rng.randrange(groups)}"})
        return out

    for j in range(bindings):
        if j < bindings // 5:
            objects.append({"kind": "ClusterRoleBinding", "metadata": {"name": f"crb-{j}"},
                            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": f"cr-{rng.randrange(cluster_roles)}"},
                            "subjects": subjects()})
        else:
            i = rng.randrange(cluster_roles, roles)
            ns = f"ns-{i % namespaces}"
            ref = ({"kind": "Role", "name": f"role-{i}"} if rng.random() < 0.8
                   else {"kind": "ClusterRole", "name": f"cr-{rng.randrange(cluster_roles)}"})
            objects.append({"kind": "RoleBinding", "metadata": {"name": f"rb-{j}", "namespace": ns},
                            "roleRef": {"apiGroup": RBAC, **ref}, "subjects": subjects()})
    return RBACAuthorizer(objects), rng


def per_call_us(fn) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    authz, rng = build()
    print(f"policy: {authz!r}")
    user = UserInfo("user-7", ("group-3", "group-11", ALL_AUTHENTICATED))
    people = [UserInfo(f"user-{rng.randrange(500)}", (f"group-{rng.randrange(50)}", ALL_AUTHENTICATED))
              for _ in range(200)]
    attrs = [Attributes(p, rng.choice(VERBS), f"ns-{rng.randrange(100)}", g, r.split("/")[0], r.partition("/")[2])
             for p, (g, r) in zip(people, (rng.choice(RESOURCES) for _ in range(200)))]
    allowed = sum(authz.authorize(a).allowed for a in attrs)
    visited = sum(1 for _ in authz.visit_rules_for(user, "ns-7"))
    worst = Attributes(user, "escalate", "ns-7", "", "pods")  # no rule grants it: every rule is visited
    heavy = UserInfo("user-7", tuple(f"group-{i}" for i in range(50)) + (ALL_AUTHENTICATED,))
    heavy_rules = sum(1 for _ in authz.visit_rules_for(heavy, "ns-7"))
    denied = Attributes(UserInfo("nobody", (ALL_AUTHENTICATED,)), "delete", "ns-1", "", "nodes")
    checks = [
        (f"200 random checks ({allowed} allowed)", lambda: [authz.authorize(a) for a in attrs], len(attrs), True),
        (f"denied after all {visited} rules of user-7", lambda: authz.authorize(worst), 1, True),
        (f"denied after all {heavy_rules} rules (in 50 groups)",
         lambda: authz.authorize(Attributes(heavy, "escalate", "ns-7", "", "pods")), 1, True),
        (f"  the same, cold (bindings walked again)",
         lambda: (authz._visits.clear(), authz.authorize(Attributes(heavy, "escalate", "ns-7", "", "pods"))), 1,
         True),
        ("denied, default groups only", lambda: authz.authorize(denied), 1, True),
        ("system:masters", lambda: authz.authorize(Attributes(UserInfo("root", ("system:masters",)), "get",
                                                              "", "", "nodes")), 1, True),
        (f"can-i --list for user-7 ({visited} rules)", lambda: format_can_i_list(authz.rules_for(user, "ns-7")), 1,
         False),
    ]
    print(f"{'check':<40} {'us/check':>9}  budget {CHECK_BUDGET_US:.0f} us per check")
    for name, fn, n, budgeted in checks:
        us = per_call_us(fn) / n
        verdict = ("ok" if us < CHECK_BUDGET_US else "OVER BUDGET") if budgeted else "(a listing, not a check)"
        print(f"{name:<40} {us:9.1f}  {verdict}")

    subjects = [UserInfo(f"user-{i}", (f"group-{i % 50}", ALL_AUTHENTICATED)) for i in range(50)]
    columns = [f"{v} {r}{'.' + g if g else ''}" if "/" not in r else f"{v} {r.split('/')[0]}{'.' + g if g else ''}/{r.split('/')[1]}"
               for g, r in RESOURCES[:8] for v in VERBS[:5]]
    assert len(columns) == 40
    seconds = per_call_us(lambda: authz.who_can_matrix(subjects, columns, namespace="ns-7")) / 1e6
    print(f"{'who-can matrix 50 x 40':<40} {seconds * 1e3:7.1f} ms  budget {MATRIX_BUDGET_S * 1e3:.0f} ms  "
          f"{'ok' if seconds < MATRIX_BUDGET_S else 'OVER BUDGET'}")


if __name__ == "__main__":
    main()


def lab_figures() -> None:
    """The wired-in costs: creating a lab (default policy in the store), and requests through authz and admission."""
    import time

    import k8slab as kl

    kl.Cluster(seed=0)  # imports and the default policy compiled once per process
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        kl.Cluster(seed=0)
    create_ms = (time.perf_counter() - start) / runs * 1e3
    bare = kl.Cluster(seed=0, components=[])
    start = time.perf_counter()
    for _ in range(runs):
        kl.Cluster(seed=0, components=[])
    bare_ms = (time.perf_counter() - start) / runs * 1e3
    print(f"{'Cluster(seed=0), after the first':<40} {create_ms:7.1f} ms  budget 50 ms  "
          f"{'ok' if create_ms < 50 else 'OVER BUDGET'}   (components=[]: {bare_ms:.1f} ms)")
    lab = bare
    lab.kubectl("create namespace dev")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "dev"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}
    n = 200
    start = time.perf_counter()
    for i in range(n):
        lab.api.create(pod | {"metadata": {"name": f"web-{i}", "namespace": "dev"}})
    per_pod = (time.perf_counter() - start) / n * 1e3
    print(f"{'pod create through the admission chain':<40} {per_pod:7.2f} ms per pod")
    user = kl.Cluster  # noqa: F841  (keeps flake quiet about the import style)
    from k8slab.apiserver.authn import UserInfo

    alice = UserInfo("alice", ("system:authenticated",))
    res = lab.api.resource("pods")
    start = time.perf_counter()
    for _ in range(n):
        try:
            lab.api.get(res, "dev", "web-0", user=alice)
        except kl.Forbidden:
            pass
    print(f"{'a denied get (authorizer + message)':<40} {(time.perf_counter() - start) / n * 1e6:7.1f} us")


if __name__ == "__main__":
    lab_figures()
