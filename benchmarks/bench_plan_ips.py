"""Benchmark: microseconds per kl.plan_ips call (budget: under 1 ms per call)."""

import timeit

from k8slab.network.ip_planning import plan_ips

CASES = [
    ("azure-cni, 50 nodes, no subnet", dict(plugin="azure-cni", nodes=50)),
    ("azure-cni, 50 nodes, /21", dict(plugin="azure-cni", nodes=50, subnet="10.240.0.0/21")),
    ("kubenet, 400 nodes, /16", dict(plugin="kubenet", nodes=400, subnet="10.0.0.0/16")),
    ("overlay, 5000 nodes, /12", dict(plugin="azure-cni-overlay", nodes=5000, subnet="10.0.0.0/12")),
    ("pod-subnet, 100 nodes, /24", dict(plugin="azure-cni-pod-subnet", nodes=100, subnet="10.1.0.0/24")),
]
BUDGET_US = 1000.0


def main() -> None:
    print(f"{'case':<34} {'us/call':>9}  budget {BUDGET_US:.0f} us")
    for name, kwargs in CASES:
        timer = timeit.Timer(lambda: plan_ips(**kwargs))
        number, _ = timer.autorange()
        best = min(timer.repeat(repeat=5, number=number)) / number * 1e6
        verdict = "ok" if best < BUDGET_US else "OVER BUDGET"
        print(f"{name:<34} {best:9.1f}  {verdict}")


if __name__ == "__main__":
    main()
