"""Foundation figures: import time, apply throughput for 10,000 Pod manifests, memory per stored Pod.

Budgets (issue 2): import < 0.3 s without matplotlib/ipywidgets; >= 5,000 objects/s; < 5 KB per stored Pod.
"""

import gc
import statistics
import subprocess
import sys
import time
import tracemalloc

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web-{i}
  labels: {{app: web, tier: front}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{{containerPort: 80}}]
    resources:
      requests: {{cpu: 100m, memory: 128Mi}}
      limits: {{cpu: 500m, memory: 256Mi}}
"""


def bench_import() -> None:
    times = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); import k8slab; "
                              "print(time.perf_counter()-t); import sys; "
                              "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules"],
                             capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    print(f"import k8slab: median {statistics.median(times) * 1000:.1f} ms (budget 300 ms), "
          "no matplotlib/ipywidgets")


def bench_apply(n: int = 10_000) -> None:
    import k8slab as kl

    text = "---\n".join(POD.format(i=i) for i in range(n))
    lab = kl.Cluster(seed=0, components=[])  # the API server and store alone
    t0 = time.perf_counter()
    lab.apply(text)
    dt = time.perf_counter() - t0
    print(f"apply {n:,} Pod manifests (one YAML stream, API server only): {dt:.2f} s = {n / dt:,.0f} objects/s "
          "(budget 5,000/s)")
    import yaml

    t0 = time.perf_counter()
    docs = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    parse = time.perf_counter() - t0
    print(f"  YAML parsing alone (PyYAML with libyaml): {parse:.2f} s = {n / parse:,.0f} docs/s")
    from k8slab.manifests import parse_yaml

    gc.disable()  # as in lab.apply
    t0 = time.perf_counter()
    parse_yaml(text)
    parse = time.perf_counter() - t0
    gc.enable()
    print(f"  of which k8slab's YAML loading (parse_yaml: libyaml, memoized tags, one-pass construction): "
          f"{parse:.2f} s = {n / parse:,.0f} docs/s")
    lab = kl.Cluster(seed=0, components=[])
    t0 = time.perf_counter()
    lab.apply(docs)
    dt = time.perf_counter() - t0
    print(f"apply {n:,} Pod dicts (already parsed, API server only): {dt:.2f} s = {n / dt:,.0f} objects/s")
    lab = kl.Cluster(seed=0)  # with the default components watching (scheduler informer)
    t0 = time.perf_counter()
    lab.apply(text)
    dt = time.perf_counter() - t0
    print(f"apply {n:,} Pod manifests (with the lab's components watching): {dt:.2f} s = {n / dt:,.0f} objects/s")


def bench_memory(n: int = 10_000) -> None:
    import k8slab as kl

    docs = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i}", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                                      "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}
            for i in range(n)]
    lab = kl.Cluster(seed=0, components=[])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    lab.apply(docs)
    del docs
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (after - before) / n
    print(f"memory per stored Pod (store and indexes, defaulted, last-applied annotation): {per:,.0f} bytes "
          f"(budget 5,000) -> 150,000 pods = {per * 150_000 / 2**20:,.0f} MiB")


if __name__ == "__main__":
    bench_import()
    bench_apply()
    bench_memory()
