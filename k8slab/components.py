"""The components a Cluster runs, in start order: the control plane's controllers, the scheduler, the kubelets.

Each entry is "module:Class"; the class is a :class:`k8slab.controllers.base.Component`.
Add a line here when a new component lands; Cluster(components=...) can override the list.
"""

__all__ = ["DEFAULT_COMPONENTS"]

DEFAULT_COMPONENTS: list[str] = [
    "k8slab.controllers.replicaset:ReplicaSetController",
    "k8slab.controllers.deployment:DeploymentController",
    "k8slab.controllers.statefulset:StatefulSetController",
    "k8slab.controllers.daemonset:DaemonSetController",
    "k8slab.controllers.job:JobController",
    "k8slab.controllers.cronjob:CronJobController",
    "k8slab.scheduler.component:KubeScheduler",
    "k8slab.storage.volumes:StorageData",
    "k8slab.storage.pv_controller:PersistentVolumeController",
    "k8slab.storage.csi:CSIProvisioner",
    "k8slab.storage.attach:AttachDetachController",
    "k8slab.secrets:SecretsComponent",
    "k8slab.config.propagation:ConfigSync",
    "k8slab.network.endpointslice:EndpointSliceController",
    "k8slab.network.endpointslice:EndpointsController",
    "k8slab.network.node_ipam:NodeIPAMController",
    "k8slab.network.load_balancer:ServiceController",
    "k8slab.network.ingress_controller:IngressStatusController",
    "k8slab.kubelet:NodeLifecycleController",
    "k8slab.kubelet:Kubelets",
]
