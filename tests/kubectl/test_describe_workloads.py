"""kubectl describe deployment / replicaset: kubectl's layout, exactly."""

import k8slab as kl

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27, ports: [{containerPort: 80}]}]}
"""


def _lab():
    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply(DEPLOY)
    lab.run(10)
    return lab


def test_describe_deployment():
    lab = _lab()
    rs = lab.list("rs")[0].metadata.name
    assert lab.kubectl("describe deploy web").stdout == f"""Name:                   web
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 <none>
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=web
Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=web
  Containers:
   web:
    Image:         nginx:1.27
    Port:          80/TCP
    Host Port:     0/TCP
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   {rs} (3/3 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  10s   deployment-controller  Scaled up replica set {rs} from 0 to 3
"""


def test_describe_replicaset_counts_its_pods():
    lab = _lab()
    rs = lab.list("rs")[0]
    out = lab.kubectl(f"describe rs {rs.metadata.name}").stdout
    h = rs.metadata.labels["pod-template-hash"]
    assert out.startswith(f"""Name:           {rs.metadata.name}
Namespace:      default
Selector:       app=web,pod-template-hash={h}
Labels:         app=web
                pod-template-hash={h}
Annotations:    deployment.kubernetes.io/desired-replicas: 3
                deployment.kubernetes.io/max-replicas: 4
                deployment.kubernetes.io/revision: 1
Controlled By:  Deployment/web
Replicas:       3 current / 3 desired
Pods Status:    3 Running / 0 Waiting / 0 Succeeded / 0 Failed
Pod Template:
""")
    assert out.count("SuccessfulCreate") == 3
