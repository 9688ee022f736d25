"""The attach/detach controller: Azure disks attach to one node at a time; a second node gets Multi-Attach errors."""

# upstream: pkg/controller/volume/attachdetach/reconciler/reconciler.go (reconcile, reportMultiAttachError),
# pkg/volume/util/operationexecutor (GenerateMsg: "<prefix> for volume %q <suffix>")

from __future__ import annotations

from k8slab.controllers.base import Controller

__all__ = ["AttachDetachController", "multi_attach_message", "ATTACH_SECONDS"]

#: simulated seconds an Azure disk attach takes (the lab's choice, not an Azure figure)
ATTACH_SECONDS = 3.0
COMPONENT = "attachdetach-controller"


def multi_attach_message(volume: str, pod_ns: str, users: list[tuple[str, str]]) -> str:
    """The FailedAttachVolume text for a pod whose RWO volume is attached elsewhere.

    ``users`` are (namespace, name) of pods using the volume on other nodes; names from other namespaces are
    counted, not shown.

    Examples
    --------
    >>> multi_attach_message("pvc-1", "default", [("default", "web-0")])
    'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) web-0'
    >>> multi_attach_message("pvc-1", "default", [("other", "db-0")])
    'Multi-Attach error for volume "pvc-1" Volume is already used by 1 pod(s) in different namespaces'
    >>> multi_attach_message("pvc-1", "default", [])
    'Multi-Attach error for volume "pvc-1" Volume is already exclusively attached to one node and can\\'t be attached to another'
    """
    if not users:
        suffix = "Volume is already exclusively attached to one node and can't be attached to another"
    else:
        local = [n for ns, n in users if ns == pod_ns]
        others = len(users) - len(local)
        if local:
            suffix = f"Volume is already used by pod(s) {', '.join(local)}"
            if others:
                suffix += f" and {others} pod(s) in different namespaces"
        else:
            suffix = f"Volume is already used by {others} pod(s) in different namespaces"
    return f'Multi-Attach error for volume "{volume}" {suffix}'


def _uses_claims(pod: dict) -> bool:
    """Whether binding._claims would yield anything for this pod (a persistentVolumeClaim or ephemeral volume)."""
    return any((v.get("persistentVolumeClaim") or {}).get("claimName") or "ephemeral" in v
               for v in (pod.get("spec") or {}).get("volumes") or ())


class AttachDetachController(Controller):
    """Attaches Azure disks to the nodes of the pods that use them, one node per ReadWriteOnce disk.

    ``attached[handle] = node`` is the actual state of the world; ``is_attached(pod)`` is the kubelet's hook.
    """

    name = COMPONENT
    watches = ("pods",)

    def attach(self, lab) -> None:
        super().attach(lab)
        self.attached: dict[str, str] = {}
        self.pv_names: dict[str, str] = {}
        self._attaching: set[tuple[str, str]] = set()
        self.resync()

    def resync(self) -> None:
        # etcd keys of the pods with claim volumes, kept from the pod watch (a pod's volumes never change), so a sync
        # reads those pods instead of listing every pod
        self._claim_pods: set[str] = {self._key(p) for p in self.api.list(self.api.resource("pods"))
                                      if _uses_claims(p)}

    @staticmethod
    def _key(pod: dict) -> str:
        return f"/registry/pods/{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"

    def keys_for(self, event_type, pod):
        if event_type == "DELETED":
            self._claim_pods.discard(self._key(pod))
        elif _uses_claims(pod):
            self._claim_pods.add(self._key(pod))
        yield "all"

    def _desired(self) -> dict[str, list[tuple[str, dict]]]:
        from k8slab.storage.binding import _claims, _disk_handle

        want: dict[str, list[tuple[str, dict]]] = {}
        # in key order, as a list of all pods returned them; pods without claims add nothing
        for pod in map(self.lab.etcd.read, sorted(self._claim_pods)):
            if pod is None:
                continue
            node = (pod.get("spec") or {}).get("nodeName")
            if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for _n, claim in _claims(self.lab, pod):
                h = _disk_handle(self.lab, claim)
                if h:
                    self.pv_names[h] = claim["spec"]["volumeName"]
                    want.setdefault(h, []).append((node, pod))
        return want

    def reconcile(self, key: str) -> None:
        want = self._desired()
        # detach what no pod on that node needs any more
        for h, node in list(self.attached.items()):
            if node not in {n for n, _p in want.get(h, ())}:
                del self.attached[h]
        for h, users in sorted(want.items()):
            for node, pod in sorted(users, key=lambda u: (u[0], u[1]["metadata"]["name"])):
                cur = self.attached.get(h)
                if cur == node or (h, node) in self._attaching:
                    continue
                if cur is not None or any(a[0] == h for a in self._attaching):
                    others = [(p["metadata"]["namespace"], p["metadata"]["name"]) for n, p in users if n != node]
                    self.lab.events.record(pod, "Warning", "FailedAttachVolume",
                                           multi_attach_message(self.pv_names[h], pod["metadata"]["namespace"],
                                                                others), COMPONENT)
                    continue
                self._attaching.add((h, node))
                self.env.process(self._attach(h, node))

    def _attach(self, handle: str, node: str):
        yield self.env.timeout(ATTACH_SECONDS)
        self._attaching.discard((handle, node))
        users = [p for n, p in self._desired().get(handle, ()) if n == node]
        if not users or self.attached.get(handle) not in (None, node):
            return
        self.attached[handle] = node
        for pod in users:
            self.lab.events.record(pod, "Normal", "SuccessfulAttachVolume",
                                   f'AttachVolume.Attach succeeded for volume "{self.pv_names[handle]}"', COMPONENT)
        self.enqueue("all")

    def is_attached(self, pod: dict) -> bool:
        """Whether every Azure disk the pod uses is attached to its node (what the kubelet waits for)."""
        from k8slab.storage.binding import _claims, _disk_handle

        node = (pod.get("spec") or {}).get("nodeName")
        for _n, claim in _claims(self.lab, pod):
            if claim is None or not claim["spec"].get("volumeName"):
                return False
            h = _disk_handle(self.lab, claim)
            if h and self.attached.get(h) != node:
                return False
        return True
