"""Benchmark: NetworkPolicy verdicts and the connectivity matrix, kube-proxy picks, Ingress routing, plan_ips.

Budgets (issue 7): can_connect under 1 ms with 50 policies; the matrix of 500 pods and 50 policies under 1 s;
plan_ips under 1 ms.
"""

import time
import timeit

import k8slab as kl
from k8slab.network.ip_planning import plan_ips

APPS = ("web", "api", "db", "cache", "worker")


def build(pods: int = 500, policies: int = 50, namespaces: int = 10):
    # only the network's components: pods are given addresses and readiness here, without kubelets
    lab = kl.Cluster(seed=0, components=[f"k8slab.network.{c}" for c in (
        "endpointslice:EndpointSliceController", "endpointslice:EndpointsController", "node_ipam:NodeIPAMController",
        "load_balancer:ServiceController", "ingress_controller:IngressStatusController")])
    for i in range(5):
        lab.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i}"},
                        "status": {"allocatable": {"pods": "250"}, "capacity": {"pods": "250"},
                                   "addresses": [{"type": "InternalIP", "address": f"10.224.0.{4 + i}"}]}})
    lab.run(0.1)
    res = lab.api.resource("pods")
    for n in range(namespaces):
        lab.api.create({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": f"ns{n}", "labels": {"team": f"t{n % 3}"}}})
    for i in range(pods):
        ns, app = f"ns{i % namespaces}", APPS[i % len(APPS)]
        obj = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": f"{app}-{i}", "namespace": ns, "labels": {"app": app, "tier": f"t{i % 4}"}},
               "spec": {"containers": [{"name": "c", "image": "nginx",
                                        "ports": [{"name": "http", "containerPort": 8080}]}]}}
        lab.api.create(obj)
        pod = lab.api.get(res, ns, obj["metadata"]["name"])
        node = f"node-{i % 5}"
        ip = lab.network.allocate_pod_ip(pod, node)
        pod["spec"]["nodeName"] = node
        pod["status"] = {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}
        lab.api.write_status(res, pod)
    for p in range(policies):
        ns, app = f"ns{p % namespaces}", APPS[p % len(APPS)]
        kind = p % 5
        if kind == 0:
            spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
        elif kind == 1:
            spec = {"podSelector": {"matchLabels": {"app": app}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": APPS[(p + 1) % 5]}}}],
                                 "ports": [{"port": 8080}]}]}
        elif kind == 2:
            spec = {"podSelector": {"matchLabels": {"app": app}},
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": f"t{p % 3}"}},
                                           "podSelector": {"matchExpressions": [
                                               {"key": "tier", "operator": "In", "values": ["t0", "t1"]}]}}],
                                 "ports": [{"port": "http"}]}]}
        elif kind == 3:
            spec = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"ipBlock": {"cidr": "10.244.0.0/16", "except": ["10.244.1.0/24"]}}]}]}
        else:
            spec = {"podSelector": {"matchLabels": {"tier": f"t{p % 4}"}},
                    "ingress": [{"ports": [{"port": 8000, "endPort": 8100}]}]}
        lab.apply({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": f"np-{p}", "namespace": ns}, "spec": spec})
    return lab


def per_call_us(fn) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    t0 = time.perf_counter()
    lab = build()
    print(f"lab with 500 pods, 50 policies built in {time.perf_counter() - t0:.2f} s")
    lab.network.can_connect("ns0/web-0", "ns1/api-1", 8080)  # compile policies once
    us = per_call_us(lambda: lab.network.can_connect("ns0/web-0", "ns1/api-1", 8080))
    print(f"can_connect, 50 policies:          {us:9.1f} us   budget 1000 us  {'ok' if us < 1000 else 'OVER'}")
    lab.network.matrix(port=8080)
    best = min(timeit.repeat(lambda: lab.network.matrix(port=8080), number=1, repeat=5))
    print(f"matrix 500 x 500 pods, 50 policies: {best * 1e3:8.1f} ms   budget 1000 ms  {'ok' if best < 1 else 'OVER'}")
    us = per_call_us(lambda: plan_ips("azure-cni", nodes=50, subnet="10.240.0.0/21"))
    print(f"plan_ips:                           {us:8.1f} us   budget 1000 us  {'ok' if us < 1000 else 'OVER'}")
    from k8slab.widgets.network import budget_html, ip_planner

    def planner_update():  # what one slider move of the IP planner widget computes
        plans = [ip_planner(p, 50, 30, 22) for p in ("kubenet", "azure-cni", "azure-cni-overlay",
                                                     "azure-cni-pod-subnet")]
        return budget_html(plans)

    us = per_call_us(planner_update)
    print(f"IP planner widget update:           {us:8.1f} us   budget 100 ms   {'ok' if us < 100_000 else 'OVER'}")
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "ns0"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    lab.run(1)
    us = per_call_us(lambda: lab.network.proxy.forward("ns0/web", "10.0.0.1"))
    print(f"kube-proxy pick (10 endpoints):     {us:8.1f} us")
    us = per_call_us(lambda: lab.network.route("shop.example.com", "/api"))
    print(f"ingress route (no ingresses):       {us:8.1f} us")


if __name__ == "__main__":
    main()
