"""Cluster: the API server, its store and the components, wired to one simulated clock. The object people hold."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import simpy

from k8slab import KUBERNETES_VERSION
from k8slab.apiserver.server import APIServer, Request
from k8slab.errors import K8sLabError, NotFound
from k8slab.events import EventRecorder
from k8slab.manifests import load_documents
from k8slab.network.network import Network
from k8slab.network.service_ips import ServiceIPAllocator

__all__ = ["Cluster", "ApplyResult"]

_DATA = Path(__file__).resolve().parent.parent / "data"
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
SAVE_FORMAT = "k8slab/v1"


@dataclass(frozen=True)
class ApplyResult:
    """What ``kubectl apply`` prints for one object: ``pod/web created``."""

    kind: str
    name: str
    namespace: str | None
    action: str  # created | configured | unchanged
    resource: str = ""

    def __str__(self) -> str:
        return f"{self.resource.split('.')[0] if '.' not in self.resource else self.resource}/{self.name} {self.action}"

    def __repr__(self) -> str:
        return str(self)


class Cluster:
    """A simulated Kubernetes cluster: control plane only until Node manifests are applied.

    Parameters
    ----------
    seed : int
        Seeds the one random generator every component draws from: same seed, same lab.
    service_cidr : str
        Where ClusterIPs come from (kube-apiserver ``--service-cluster-ip-range``).

    Examples
    --------
    >>> lab = Cluster(seed=0)
    >>> lab.apply('''
    ... apiVersion: v1
    ... kind: ConfigMap
    ... metadata: {name: settings}
    ... data: {color: blue}
    ... ''')
    [configmap/settings created]
    >>> lab.get("configmap", "settings").data
    {'color': 'blue'}
    """

    def __init__(self, seed: int = 0, *, service_cidr: str = "10.96.0.0/12", name: str = "k8slab",
                 components: list[str] | None = None, network: dict | None = None, _saved: dict | None = None):
        self.name = name
        self.seed = seed
        #: what a saved lab needs to be rebuilt the same way
        self.options = {"service_cidr": service_cidr, "name": name, "network": network}
        self.env = simpy.Environment(initial_time=float(_saved["now"]) if _saved else 0.0)
        self.rng = random.Random(seed)
        self.api = APIServer(clock=lambda: self.env.now, seed=seed)
        self.etcd = self.api.etcd
        self.events = EventRecorder(self.api)
        self.service_ips = ServiceIPAllocator(service_cidr, random.Random(seed + 1))
        self.service_cidr = service_cidr
        self.api.mutating_admission += [self._priority_admission]
        from k8slab.admission.access import AccessControl

        self.access = AccessControl(self)  # authn, RBAC with the default policy, the admission chain, webhooks
        self.api.before_store.append(self._service_ip_admission)
        self.api.watch(self.api.resource("namespaces"), self._serviceaccounts_controller)
        self.api.watch(self.api.resource("services"), self._release_service_ips)
        self.network = Network(self, **(network or {}))
        if _saved is None:
            self._bootstrap()
        else:
            self._restore(_saved["etcd"], _saved.get("rng"))
            self.access.resync()
        self.components: dict[str, object] = {}
        from k8slab.components import DEFAULT_COMPONENTS

        self._component_specs = list(DEFAULT_COMPONENTS if components is None else components)
        for spec in self._component_specs:
            self.add_component(spec)
        if _saved is not None:
            for component in self.components.values():
                component.resync()

    def add_component(self, spec) -> object:
        """Attach a component (an instance, or "module:Class") to the lab; it is kept in ``lab.components``."""
        if isinstance(spec, str):
            import importlib

            module, _, cls = spec.partition(":")
            spec = getattr(importlib.import_module(module), cls)()
        spec.attach(self)
        self.components[getattr(spec, "name", type(spec).__name__)] = spec
        return spec

    # -- bootstrap and built-in controllers -----------------------------------------------------------
    def _bootstrap(self) -> None:
        for ns in SYSTEM_NAMESPACES:
            self.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        self.api.create({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        })

    def _serviceaccounts_controller(self, event: str, ns: dict) -> None:
        # upstream: pkg/controller/serviceaccount/serviceaccounts_controller.go: every namespace gets "default"
        if event == "ADDED":
            self.api.write_status(self.api.resource("serviceaccounts"), {
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": ns["metadata"]["name"], "uid": self.api.new_uid(),
                             "creationTimestamp": self.api.now_rfc3339()}})

    def _priority_admission(self, req: Request) -> None:
        # upstream: plugin/pkg/admission/priority/admission.go
        if req.resource.kind != "Pod" or req.verb != "create":
            return
        spec = req.obj["spec"]
        pc_name = spec.get("priorityClassName")
        if pc_name:
            pc = self.etcd.read(f"/registry/priorityclasses/{pc_name}")
            if pc is None:
                from k8slab.errors import Forbidden

                raise Forbidden(f'pods "{req.name}" is forbidden: no PriorityClass with name {pc_name} was found')
            spec["priority"] = pc.get("value", 0)
            spec["preemptionPolicy"] = pc.get("preemptionPolicy", "PreemptLowerPriority")
        else:  # (no PriorityClass stored, the usual case: nothing to read)
            default = next((pc for pc in self.api.list(self.api.resource("priorityclasses"))
                            if pc.get("globalDefault")), None) if self.etcd.count("/registry/priorityclasses/") else None
            spec.setdefault("priority", default.get("value", 0) if default else 0)
            if default:
                spec["priorityClassName"] = default["metadata"]["name"]

    def _service_ip_admission(self, req: Request) -> None:
        if req.resource.kind == "Service" and not req.dry_run:
            self.service_ips.assign(req.obj, req.old)

    def _release_service_ips(self, event: str, svc: dict) -> None:
        if event == "DELETED":
            self.service_ips.release(svc)

    # -- the clock -------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the lab started."""
        return self.env.now

    def run(self, seconds: float) -> "Cluster":
        """Advance the simulated clock by ``seconds``; components act on the way."""
        if seconds < 0:
            raise K8sLabError(f"cannot run the clock backwards ({seconds} s)")
        target = self.env.now + seconds
        with without_cyclic_gc():
            self.env.run(until=target)
            # SimPy's `until` stops before events due at `target`; a learner who runs 1 s expects what is due at 1 s
            while self.env.peek() <= target:
                self.env.step()
        return self

    # -- the public API --------------------------------------------------------------------------------
    def apply(self, src, namespace: str | None = None, recursive: bool = False) -> list[ApplyResult]:
        """Apply manifests (YAML text, a path, a dict, a model, or a list of them), like ``kubectl apply -f``.

        All documents are checked before any is stored: on an error nothing changes and the error says why.
        """
        with without_cyclic_gc():  # parsing too: a YAML stream of 10,000 Pods builds ~400,000 containers
            return self._apply(load_documents(src, recursive), namespace)

    def _apply(self, docs, namespace) -> list[ApplyResult]:
        decoded = self._precheck(docs, namespace)
        results = []
        last = len(docs) - 1
        try:
            for i, ((obj, _source), dec) in enumerate(zip(docs, decoded)):
                self.api.record_patches = i == last  # the trace learners read is the last request's
                stored, action = self.api.apply(obj, namespace=namespace, decoded=dec)
                results.append(self._result(stored, action, dec.resource))
        finally:
            self.api.record_patches = True
        return results

    def _precheck(self, docs, namespace) -> list:
        """Decode, default and validate every document first, so a bad one changes nothing."""
        from k8slab.apiserver.defaults import apply_defaults
        from k8slab.apiserver.field import aggregate
        from k8slab.apiserver.server import Prechecked
        from k8slab.apiserver.validation import validate
        from k8slab.errors import Invalid

        new_namespaces = set()
        out = []
        for obj, _source in docs:
            res, decoded, plain = self.api._decode(obj)
            out.append(Prechecked(res, decoded, plain))
            apply_defaults(decoded)
            errs = validate(decoded, res.namespaced)
            name = (decoded.get("metadata") or {}).get("name", "")
            if errs:
                raise Invalid(f'The {res.kind} "{name}" is invalid: {aggregate(errs)}', errs)
            if res.kind == "Namespace":
                new_namespaces.add(name)
            elif res.namespaced:
                ns = decoded["metadata"].get("namespace") or namespace or "default"
                if ns not in new_namespaces and self.etcd.get(f"/registry/namespaces/{ns}") is None:
                    raise NotFound(f'namespaces "{ns}" not found')
        return out

    def _result(self, obj: dict, action: str, res=None) -> ApplyResult:
        res = res or self.api.resource(obj["kind"], obj["apiVersion"])
        return ApplyResult(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"), action,
                           res.singular if not res.group else f"{res.singular}.{res.group}")

    def create(self, obj, namespace: str | None = None):
        """Create one object (like ``kubectl create -f``); raises AlreadyExists if it is there."""
        [(doc, _)] = load_documents(obj)
        return self._model(self.api.create(doc, namespace=namespace))

    def get(self, kind: str, name: str, namespace: str | None = None):
        """One object as a typed model; raises :class:`k8slab.NotFound`."""
        res = self.api.resource(kind)
        return self._model(self.api.get(res, namespace or "default", name))

    def list(self, kind: str, namespace: str | None = None, selector=None) -> list:
        """Objects of a kind (all namespaces when ``namespace`` is None), optionally filtered by a label selector."""
        from k8slab.api.labels import parse_selector, selector_from

        res = self.api.resource(kind)
        objs = self.api.list(res, namespace)
        if selector is not None:
            sel = parse_selector(selector) if isinstance(selector, str) else selector_from(selector) \
                if isinstance(selector, dict) else selector
            objs = [o for o in objs if sel.matches((o.get("metadata") or {}).get("labels") or {})]
        return [self._model(o) for o in objs]

    def delete(self, kind: str, name: str, namespace: str | None = None, grace_period: int | None = None):
        """Delete an object (dependents are collected in the background, as with kubectl's default)."""
        res = self.api.resource(kind)
        return self._model(self.api.delete(res, namespace or "default", name, grace_period=grace_period))

    @staticmethod
    def _model(obj: dict):
        from k8slab.api import model_for

        return model_for(obj["apiVersion"], obj["kind"]).from_dict(obj)

    def kubectl(self, command: str, stdin: str | None = None, as_user: str | None = None,
                groups: list[str] | None = None):
        """Run a kubectl command line against the lab; returns a :class:`KubectlResult` (rc, stdout, stderr)."""
        from k8slab.kubectl import run

        return run(self, command, stdin=stdin, as_user=as_user, groups=groups)

    # -- presets, save and load -----------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, seed: int = 0, components: list[str] | None = None) -> "Cluster":
        """A lab from ``data/clusters/<name>.yaml``: cluster settings plus ordinary Node manifests.

        ``components`` overrides which components run (``[]``: the API server alone, nothing reconciles).
        """
        path = _DATA / "clusters" / f"{name}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in (_DATA / "clusters").glob("*.yaml")))
            raise NotFound(f'preset "{name}" not found (known presets: {known})')
        import yaml

        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        settings = next((d for d in docs if d.get("kind") == "ClusterPreset"), {})
        lab = cls(seed=seed, components=components, **(settings.get("spec") or {}))
        lab.preset = name
        lab.apply([d for d in docs if d.get("kind") != "ClusterPreset"])
        return lab

    def save(self, path) -> Path:
        """Write the lab to ``path`` atomically (a temporary file renamed into place)."""
        path = Path(path)
        state = {"format": SAVE_FORMAT, "kubernetesVersion": KUBERNETES_VERSION, "seed": self.seed,
                 "options": self.options, "components": [c for c in self._component_specs if isinstance(c, str)], "now": self.env.now,
                 "etcd": self.etcd.dump(), "rng": _rng_state(self.api.rng)}
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path) -> "Cluster":
        """Load a lab written by :meth:`save`; a corrupt or foreign file gives a clear error."""
        path = Path(path)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(state, dict) or state.get("format") != SAVE_FORMAT:
                raise ValueError(f"not a k8slab save file (expected format {SAVE_FORMAT!r})")
            etcd_state = state["etcd"]
            if not isinstance(etcd_state.get("data"), dict) or not isinstance(etcd_state.get("revision"), int):
                raise ValueError("etcd data missing")
            for key, raw in etcd_state["data"].items():
                if not key.startswith("/registry/"):
                    raise ValueError(f"unexpected key {key!r}")
                json.loads(raw.encode("latin-1"))
            float(state["now"])
            options = state["options"]
            if not isinstance(options, dict):
                raise ValueError("options missing")
            return cls(seed=int(state["seed"]), components=state.get("components"), _saved=state, **options)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise K8sLabError(f"cannot load lab from {path}: {e}") from None

    def _restore(self, etcd_state: dict, rng_state) -> None:
        self.api.clock = lambda: self.env.now
        self.etcd.restore(etcd_state)
        if rng_state is not None:
            self.api.rng.setstate(_rng_from_state(rng_state))
        self.service_ips.used_ips.clear()
        self.service_ips.used_ports.clear()
        for svc in self.api.list(self.api.resource("services")):
            spec = svc.get("spec") or {}
            self.service_ips.used_ips.update(ip for ip in spec.get("clusterIPs") or () if ip != "None")
            self.service_ips.used_ports.update(p["nodePort"] for p in spec.get("ports") or () if p.get("nodePort"))
        for obj_key in self.etcd.keys():
            obj = self.etcd.read(obj_key)
            self.api._track_owners("ADDED", obj_key, obj)

    def __repr__(self) -> str:
        nodes = self.etcd.count("/registry/minions/")
        pods = self.etcd.count("/registry/pods/")
        return f"<Cluster {self.name}: {nodes} nodes, {pods} pods, t={self.now:g}s>"


def _rng_state(rng: random.Random):
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _rng_from_state(state):
    version, internal, gauss = state
    return (version, tuple(internal), gauss)


@contextlib.contextmanager
def without_cyclic_gc():
    """Pause Python's cyclic garbage collector while the lab works; reference counting still frees everything.

    The lab's objects are acyclic JSON trees and long-lived component state: a 3,000-pod run leaves 348 objects
    for the cyclic collector to free, yet with it on, a 30,000-pod run spent 16 of its 47 s in 20 full collections
    that rescanned ~2 million live objects and freed none. On exit after bulk work (more than ``_BULK`` new tracked
    objects), what the pause allocated is moved to the oldest generation in O(1) (``gc.freeze`` then
    ``gc.unfreeze``) rather than rescanned by the next young collection (10% of a 10,000-pod run); the next full
    collection frees any cycle among it as usual. After small work the collector simply resumes.
    """
    if not gc.isenabled():  # nested, or the caller turned it off
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > _BULK:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


_BULK = 50_000
