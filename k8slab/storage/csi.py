"""Simulated CSI drivers for Azure Disk and Azure Files, and the external provisioner and resizer that call them."""

# upstream: kubernetes-csi/external-provisioner (pkg/controller/controller.go, topology.go),
# kubernetes-sigs/azuredisk-csi-driver (pkg/azuredisk/controllerserver.go, azure_dd_max_disk_count.go),
# kubernetes-sigs/azurefile-csi-driver (pkg/azurefile/controllerserver.go), kubernetes-csi/external-resizer.

from __future__ import annotations

import copy
import math

from k8slab.controllers.base import Controller
from k8slab.storage.matching import claim_class, claim_key, claim_request
from k8slab.storage.pv_controller import ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER

__all__ = ["DISK_DRIVER", "FILE_DRIVER", "DISK_TOPOLOGY_KEY", "ZONE_LABEL", "max_data_disks", "fnv32",
           "pvc_name_hash_and_index", "disk_zones", "plan_volume", "CSIProvisioner", "GiB", "DISK_SKUS"]

DISK_DRIVER = "disk.csi.azure.com"
FILE_DRIVER = "file.csi.azure.com"
#: the Azure Disk CSI node plugin publishes this topology key (deploy/example/topology/README.md)
DISK_TOPOLOGY_KEY = "topology.disk.csi.azure.com/zone"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
GiB = 1 << 30
#: upstream azuredisk: the SKUs skuName accepts
DISK_SKUS = ("Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "UltraSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS",
             "PremiumV2_LRS")
#: upstream azurefile: premium shares are at least 100 GiB (minimumPremiumShareSize)
MIN_PREMIUM_SHARE_GIB = 100
#: upstream azuredisk nodeserver.go defaultAzureVolumeLimit, for VM sizes not in the table
DEFAULT_VOLUME_LIMIT = 16
# upstream: azuredisk-csi-driver pkg/azuredisk/azure_dd_max_disk_count.go (the common AKS sizes; keys upper-cased)
_MAX_DATA_DISKS = {
    "STANDARD_B2S": 4, "STANDARD_B2MS": 4, "STANDARD_B4MS": 8, "STANDARD_B8MS": 16,
    "STANDARD_D2_V2": 8, "STANDARD_D3_V2": 16, "STANDARD_D4_V2": 32, "STANDARD_DS2_V2": 8, "STANDARD_DS3_V2": 16,
    "STANDARD_D2S_V3": 4, "STANDARD_D4S_V3": 8, "STANDARD_D8S_V3": 16, "STANDARD_D16S_V3": 32,
    "STANDARD_D2S_V5": 4, "STANDARD_D4S_V5": 8, "STANDARD_D8S_V5": 16, "STANDARD_D16S_V5": 32,
    "STANDARD_D2DS_V5": 4, "STANDARD_D4DS_V5": 8, "STANDARD_D8DS_V5": 16, "STANDARD_D2AS_V5": 4,
    "STANDARD_D4AS_V5": 8, "STANDARD_D8AS_V5": 16, "STANDARD_D2S_V6": 8, "STANDARD_D4S_V6": 12,
    "STANDARD_D8S_V6": 24,
}
#: simulated seconds a driver takes to create a disk or a share (the lab's choice, not an Azure figure)
PROVISION_SECONDS = {DISK_DRIVER: 5.0, FILE_DRIVER: 10.0}


def max_data_disks(vm_size: str) -> int:
    """Data disks a VM size can attach: what the Azure Disk node plugin reports as its volume limit.

    Examples
    --------
    >>> max_data_disks("Standard_D2s_v3"), max_data_disks("Standard_DS2_v2"), max_data_disks("Unknown_Size")
    (4, 8, 16)
    """
    return _MAX_DATA_DISKS.get((vm_size or "").upper(), DEFAULT_VOLUME_LIMIT)


def fnv32(data: bytes) -> int:
    """Go's hash/fnv New32 (FNV-1, 32 bit).

    Examples
    --------
    >>> hex(fnv32(b"")), hex(fnv32(b"a"))
    ('0x811c9dc5', '0x50c5d7e')
    """
    h = 0x811C9DC5
    for b in data:
        h = (h * 0x01000193) & 0xFFFFFFFF
        h ^= b
    return h


def pvc_name_hash_and_index(name: str) -> tuple[int, int]:
    """upstream: external-provisioner topology.go getPVCNameHashAndIndexOffset (StatefulSet-style spreading).

    Examples
    --------
    >>> pvc_name_hash_and_index("data-web-2") == (fnv32(b"web"), 2)
    True
    >>> pvc_name_hash_and_index("logs") == (fnv32(b"logs"), 0)
    True
    """
    hash_string, index = name, 0
    last = name.rfind("-")
    if last != -1 and name[last + 1:].isdigit():
        index = int(name[last + 1:]) & 0xFFFFFFFF
        hash_string = name[:last]
        last = hash_string.rfind("-")
        if last != -1:
            hash_string = hash_string[last + 1:]
    return fnv32(hash_string.encode()), index


def _labels(node: dict) -> dict:
    return (node.get("metadata") or {}).get("labels") or {}


def disk_zones(sku: str, selected: dict | None, nodes: list[dict], claim_name: str) -> list[str]:
    """The topology values a new Azure disk is accessible from (its PV's node affinity).

    LRS disks live in one zone: the selected node's (WaitForFirstConsumer), else the preferred term of the
    cluster's zones rotated by the claim name's hash (Immediate). ZRS disks are reachable from all three zones of the
    region and from non-zonal nodes (azuredisk controllerserver.go: diskZone reset to "" for ZRS).

    Examples
    --------
    >>> n = lambda z: {"metadata": {"labels": {DISK_TOPOLOGY_KEY: z, REGION_LABEL: "eastus2"}}}
    >>> disk_zones("Premium_LRS", n("eastus2-2"), [n("eastus2-1"), n("eastus2-2")], "data")
    ['eastus2-2']
    >>> disk_zones("Premium_ZRS", n("eastus2-2"), [n("eastus2-2")], "data")
    ['eastus2-1', 'eastus2-2', 'eastus2-3', '']
    """
    if sku.endswith("_ZRS"):
        ref = selected or (nodes[0] if nodes else {})
        region = _labels(ref).get(REGION_LABEL) or _labels(ref).get(DISK_TOPOLOGY_KEY, "").rsplit("-", 1)[0]
        return [f"{region}-{i}" for i in (1, 2, 3)] + [""]
    if selected is not None:
        return [_labels(selected).get(DISK_TOPOLOGY_KEY, "")]
    terms = sorted({_labels(n)[DISK_TOPOLOGY_KEY] for n in nodes if DISK_TOPOLOGY_KEY in _labels(n)})
    if not terms:
        return [""]
    h, i = pvc_name_hash_and_index(claim_name)
    return [terms[(h + i) % len(terms)]]


def _gib(nbytes: int) -> int:
    return max(1, math.ceil(nbytes / GiB))


def plan_volume(claim: dict, sc: dict, selected: dict | None, nodes: list[dict]) -> tuple[dict | None, str]:
    """What the driver creates for a claim: the PersistentVolume (without metadata), or the provisioning error.

    Examples
    --------
    >>> sc = {"metadata": {"name": "managed-csi"}, "provisioner": DISK_DRIVER, "reclaimPolicy": "Delete",
    ...       "parameters": {"skuName": "StandardSSD_LRS"}}
    >>> claim = {"metadata": {"name": "data", "namespace": "default", "uid": "u"}, "spec": {
    ...     "accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}}}
    >>> plan_volume(claim, sc, None, [])
    (None, 'rpc error: code = InvalidArgument desc = Volume capabilities not supported')
    """
    driver = sc.get("provisioner")
    params = {k.lower(): v for k, v in (sc.get("parameters") or {}).items()}
    modes = list(claim["spec"].get("accessModes") or ())
    size = _gib(claim_request(claim))
    attrs = {"csi.storage.k8s.io/pv/name": "", "csi.storage.k8s.io/pvc/name": claim["metadata"]["name"],
             "csi.storage.k8s.io/pvc/namespace": claim["metadata"].get("namespace", "default")}
    affinity = None
    if driver == DISK_DRIVER:
        sku = params.get("skuname") or params.get("storageaccounttype") or "StandardSSD_LRS"
        if sku not in DISK_SKUS:
            return None, (f"rpc error: code = InvalidArgument desc = azureDisk - {sku} is not supported sku/"
                          f"storageaccounttype. Supported values are {list(DISK_SKUS)}")
        # upstream azuredisk: multi-node modes need maxShares > 1 and a raw block volume
        if any(m in ("ReadWriteMany", "ReadOnlyMany") for m in modes) and int(params.get("maxshares", "1")) < 2:
            return None, "rpc error: code = InvalidArgument desc = Volume capabilities not supported"
        zones = disk_zones(sku, selected, nodes, claim["metadata"]["name"])
        attrs.update({"skuName": sku, "cachingMode": params.get("cachingmode", "ReadOnly")})
        affinity = {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": DISK_TOPOLOGY_KEY, "operator": "In", "values": [z]}]} for z in zones]}}
        source = {"driver": DISK_DRIVER, "fsType": params.get("fstype", "ext4"), "volumeAttributes": attrs}
    elif driver == FILE_DRIVER:
        sku = params.get("skuname") or "Standard_LRS"
        if sku.startswith("Premium") and size < MIN_PREMIUM_SHARE_GIB:
            size = MIN_PREMIUM_SHARE_GIB
        attrs.update({"skuName": sku})
        source = {"driver": FILE_DRIVER, "volumeAttributes": attrs}
    else:
        return None, f"provisioner {driver} is not simulated"
    spec = {"accessModes": modes, "capacity": {"storage": f"{size}Gi"}, "csi": source,
            "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
            "storageClassName": claim_class(claim), "volumeMode": claim["spec"].get("volumeMode", "Filesystem")}
    if sc.get("mountOptions"):
        spec["mountOptions"] = list(sc["mountOptions"])
    if affinity is not None:
        spec["nodeAffinity"] = affinity
    return spec, ""


class CSIProvisioner(Controller):
    """external-provisioner and external-resizer sidecars for the Azure drivers, plus the node registrar's labels.

    Claims annotated with a driver this component serves get a PV named ``pvc-<claim uid>`` after
    ``PROVISION_SECONDS`` of simulated time; WaitForFirstConsumer claims wait for the scheduler's
    ``volume.kubernetes.io/selected-node``. Released volumes with reclaimPolicy Delete are deleted with their disk.
    """

    name = "csi-provisioner"
    drivers = {DISK_DRIVER: "csi-azuredisk-controller", FILE_DRIVER: "csi-azurefile-controller"}

    def attach(self, lab) -> None:
        super().attach(lab)
        self.r_pvc = lab.api.resource("persistentvolumeclaims")
        self.r_pv = lab.api.resource("persistentvolumes")
        self.r_sc = lab.api.resource("storageclasses")
        self.r_node = lab.api.resource("nodes")
        #: the simulated Azure resources: handle -> {"kind": "disk"|"share", "sku", "size_gib", "zones"}
        self.backend: dict[str, dict] = {}
        self._in_flight: set[str] = set()
        lab.api.watch(self.r_pvc, self._on_claim)
        lab.api.watch(self.r_pv, self._on_volume)
        lab.api.watch(self.r_node, self._on_node)

    def _source(self, driver: str) -> str:
        return f"{driver}_{self.drivers[driver]}"

    def _on_node(self, event: str, node: dict) -> None:
        # upstream: the CSI node plugin registers topology keys; the kubelet copies them onto the Node's labels
        if event == "DELETED":
            return
        labels = _labels(node)
        want = labels.get(ZONE_LABEL, "")
        if "-" not in want:
            want = ""  # non-zonal AKS nodes carry a fault-domain number ("0"), not "<region>-<n>"
        if labels.get(DISK_TOPOLOGY_KEY) != want:
            node = copy.deepcopy(node)
            node["metadata"].setdefault("labels", {})[DISK_TOPOLOGY_KEY] = want
            self.api.write_status(self.r_node, node)

    def _on_claim(self, event: str, claim: dict) -> None:
        if event != "DELETED":
            self.enqueue(f"claim:{claim_key(claim)}")

    def _on_volume(self, event: str, pv: dict) -> None:
        if event != "DELETED" and (pv.get("status") or {}).get("phase") == "Released":
            self.enqueue(f"volume:{pv['metadata']['name']}")

    def reconcile(self, key: str) -> None:
        kind, _, rest = key.partition(":")
        if kind == "volume":
            pv = self.api.etcd.read(self.r_pv.key(None, rest))
            if pv is not None:
                self._maybe_delete(pv)
            return
        ns, _, name = rest.partition("/")
        claim = self.api.etcd.read(self.r_pvc.key(ns, name))
        if claim is None:
            return
        ann = claim["metadata"].get("annotations") or {}
        driver = ann.get(ANN_STORAGE_PROVISIONER)
        if driver not in self.drivers:
            return
        if claim["spec"].get("volumeName"):
            self._maybe_resize(claim, driver)
            return
        sc = self.api.etcd.read(self.r_sc.key(None, claim_class(claim)))
        if sc is None or claim["metadata"].get("deletionTimestamp"):
            return
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not ann.get(ANN_SELECTED_NODE):
            return
        uid = claim["metadata"]["uid"]
        if uid in self._in_flight or self.api.etcd.get(self.r_pv.key(None, f"pvc-{uid}")) is not None:
            return
        self._in_flight.add(uid)
        self.lab.events.record(claim, "Normal", "Provisioning",
                               f'External provisioner is provisioning volume for claim "{claim_key(claim)}"',
                               self._source(driver))
        self.env.process(self._provision(claim, sc, driver))

    def _provision(self, claim: dict, sc: dict, driver: str):
        yield self.env.timeout(PROVISION_SECONDS[driver])
        uid = claim["metadata"]["uid"]
        self._in_flight.discard(uid)
        claim = self.api.etcd.read(self.r_pvc.key(claim["metadata"]["namespace"], claim["metadata"]["name"]))
        if claim is None or claim["metadata"]["uid"] != uid:
            return
        nodes = self.api.list(self.r_node)
        sel_name = (claim["metadata"].get("annotations") or {}).get(ANN_SELECTED_NODE)
        selected = next((n for n in nodes if n["metadata"]["name"] == sel_name), None)
        spec, err = plan_volume(claim, sc, selected, nodes)
        if err:
            self.lab.events.record(claim, "Warning", "ProvisioningFailed",
                                   f'failed to provision volume with StorageClass "{claim_class(claim)}": {err}',
                                   self._source(driver))
            return
        name = f"pvc-{uid}"
        # AKS keeps its disks in the node resource group, named on every node (kubernetes.azure.com/cluster)
        rg = _labels(selected or (nodes[0] if nodes else {})).get("kubernetes.azure.com/cluster", "MC_k8slab_k8slab")
        if driver == DISK_DRIVER:
            handle = f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{rg}/providers/" \
                     f"Microsoft.Compute/disks/{name}"
        else:
            handle = f"{rg}#f{uid.replace('-', '')[:23]}#{name}###{claim['metadata']['namespace']}"
        spec["csi"]["volumeHandle"] = handle
        spec["csi"]["volumeAttributes"]["csi.storage.k8s.io/pv/name"] = name
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": claim["metadata"]["namespace"],
                            "name": claim["metadata"]["name"], "uid": uid, "apiVersion": "v1",
                            "resourceVersion": claim["metadata"]["resourceVersion"]}
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": name, "annotations": {ANN_DYNAMICALLY_PROVISIONED: driver,
                                                         "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                                                         "volume.kubernetes.io/provisioner-deletion-secret-namespace":
                                                             ""},
                           "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer"]},
              "spec": spec}
        zones = [t["matchExpressions"][0]["values"][0]
                 for t in (spec.get("nodeAffinity") or {}).get("required", {}).get("nodeSelectorTerms", [])]
        self.backend[handle] = {"kind": "disk" if driver == DISK_DRIVER else "share", "name": name,
                                "sku": spec["csi"]["volumeAttributes"]["skuName"],
                                "size_gib": int(spec["capacity"]["storage"][:-2]), "zones": zones}
        self.api.create(pv)
        self.lab.events.record(claim, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {name}",
                               self._source(driver))

    def _maybe_delete(self, pv: dict) -> None:
        # upstream: sig-storage-lib-external-provisioner shouldDelete / deleteVolumeOperation
        ann = pv["metadata"].get("annotations") or {}
        if pv["spec"].get("persistentVolumeReclaimPolicy") != "Delete" or ann.get(ANN_DYNAMICALLY_PROVISIONED) \
                not in self.drivers:
            return
        handle = (pv["spec"].get("csi") or {}).get("volumeHandle")
        self.backend.pop(handle, None)
        store = getattr(self.lab, "storage", None)
        if store is not None:
            store.forget_volume(handle)
        self.api.remove(self.r_pv, pv)

    def _maybe_resize(self, claim: dict, driver: str) -> None:
        # upstream: external-resizer: spec.resources.requests grew past status.capacity on an expandable class
        want = claim_request(claim)
        have = (claim.get("status") or {}).get("capacity", {}).get("storage")
        if not have:
            return
        from k8slab.api.quantity import bytes_value

        if want <= bytes_value(str(have)):
            return
        pv = self.api.etcd.read(self.r_pv.key(None, claim["spec"]["volumeName"]))
        if pv is None:
            return
        size = f"{_gib(want)}Gi"
        src = self._source(driver).replace(self.drivers[driver], "external-resizer")
        self.lab.events.record(claim, "Normal", "Resizing",
                               f'External resizer is resizing volume {pv["metadata"]["name"]}', src)
        pv["spec"]["capacity"]["storage"] = size
        self.api.write_status(self.r_pv, pv)
        backend = self.backend.get((pv["spec"].get("csi") or {}).get("volumeHandle"))
        if backend:
            backend["size_gib"] = _gib(want)
        claim["status"]["capacity"]["storage"] = size
        claim["status"].pop("conditions", None)
        self.api.write_status(self.r_pvc, claim)
        self.lab.events.record(claim, "Normal", "VolumeResizeSuccessful", "Resize volume succeeded", src)
