"""kubectl get/describe/apply/create/delete/label/annotate/api-resources/explain/version: exact text as kubectl prints."""

import pytest

import k8slab as kl

MANIFESTS = """apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    resources: {limits: {cpu: 500m, memory: 128Mi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, size: L}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
"""


@pytest.fixture
def lab():
    lab = kl.Cluster(seed=0, components=[])  # API server alone: nothing moves but the clock
    lab.apply(MANIFESTS)
    lab.run(192)
    return lab


def k(lab, cmd, stdin=None):
    r = lab.kubectl(cmd, stdin=stdin)
    return r.rc, r.stdout, r.stderr


def test_get_pods(lab):
    assert k(lab, "get pods") == (0, "NAME   READY   STATUS    RESTARTS   AGE\n"
                                     "web    0/1     Pending   0          3m12s\n", "")


def test_get_pods_wide_with_labels(lab):
    assert k(lab, "get po -o wide --show-labels")[1] == (
        "NAME   READY   STATUS    RESTARTS   AGE     IP       NODE     NOMINATED NODE   READINESS GATES   LABELS\n"
        "web    0/1     Pending   0          3m12s   <none>   <none>   <none>           <none>            app=web\n")


def test_get_services_shows_node_ports(lab):
    ip = lab.get("svc", "web").spec.cluster_ip
    w = max(len("CLUSTER-IP"), len(ip)) + 3
    assert k(lab, "get svc")[1] == (
        f"NAME         TYPE        {'CLUSTER-IP'.ljust(w)}EXTERNAL-IP   PORT(S)        AGE\n"
        f"kubernetes   ClusterIP   {'10.96.0.1'.ljust(w)}<none>        443/TCP        3m12s\n"
        f"web          NodePort    {ip.ljust(w)}<none>        80:30080/TCP   3m12s\n")


def test_get_several_kinds_prefixes_names(lab):
    out = k(lab, "get cm,po")[1]
    assert out.splitlines()[0:3] == ["NAME                         DATA   AGE", "configmap/kube-root-ca.crt   1      3m12s",
                                     "configmap/settings           2      3m12s"]
    assert "pod/web   0/1     Pending" in out


def test_get_all_namespaces_adds_the_namespace_column(lab):
    assert k(lab, "get ns")[1] == ("NAME              STATUS   AGE\n"
                                   "default           Active   3m12s\n"
                                   "kube-node-lease   Active   3m12s\n"
                                   "kube-public       Active   3m12s\n"
                                   "kube-system       Active   3m12s\n")
    assert k(lab, "get sa -A")[1].splitlines()[:2] == ["NAMESPACE         NAME      SECRETS   AGE",
                                                       "default           default   0         3m12s"]


def test_get_with_a_label_selector(lab):
    assert k(lab, "get pods -l app=api") == (0, "", "No resources found in default namespace.\n")
    assert k(lab, "get pods -l 'app in (web)' -o name") == (0, "pod/web\n", "")


def test_get_missing_and_unknown(lab):
    assert k(lab, "get pod nope") == (1, "", 'Error from server (NotFound): pods "nope" not found\n')
    assert k(lab, "get flurbs") == (1, "", 'error: the server doesn\'t have a resource type "flurbs"\n')
    assert k(lab, "get pods -o toml") == (1, "", 'error: unable to match a printer suitable for the output format '
                                                 '"toml", allowed formats are: json,name,wide,yaml\n')


def test_get_yaml_of_one_object(lab):
    out = k(lab, "get cm settings -o yaml")[1]
    assert out.startswith("apiVersion: v1\ndata:\n  color: blue\n  size: L\nkind: ConfigMap\nmetadata:\n  annotations:\n"
                          "    kubectl.kubernetes.io/last-applied-configuration: |\n")
    assert '  creationTimestamp: "2026-01-01T00:00:00Z"\n' in out
    assert '  resourceVersion: "' in out


def test_get_json_is_indented_by_four(lab):
    out = k(lab, "get cm settings -o json")[1]
    assert out.startswith('{\n    "apiVersion": "v1",\n')


def test_describe_pod(lab):
    out = k(lab, "describe pod web")[1]
    assert out.startswith("Name:             web\n"
                          "Namespace:        default\n"
                          "Priority:         0\n"
                          "Service Account:  default\n"
                          "Node:             <none>\n"
                          "Labels:           app=web\n"
                          "Annotations:      <none>\n"
                          "Status:           Pending\n")
    assert ("    Limits:\n      cpu:     500m\n      memory:  128Mi\n"
            "    Requests:\n      cpu:        500m\n      memory:     128Mi\n") in out
    assert ("    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-kth4b (ro)\n"
            "Volumes:\n  kube-api-access-kth4b:\n"
            "    Type:                    Projected (a volume that contains injected data from multiple sources)\n"
            "    TokenExpirationSeconds:  3607\n"
            "    ConfigMapName:           kube-root-ca.crt\n"
            "    Optional:                false\n"
            "    DownwardAPI:             true\n"
            "QoS Class:                   Guaranteed\n") in out
    assert ("Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
            "                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n") in out
    assert out.endswith("Events:                      <none>\n")


def test_describe_secret_shows_sizes_never_values():
    lab = kl.Cluster(seed=0, components=[])
    assert k(lab, "create secret generic db --from-literal=password=s3cr3t!!") == (0, "secret/db created\n", "")
    out = k(lab, "describe secret db")[1]
    assert "password:  8 bytes" in out and "s3cr3t" not in out


def test_apply_create_delete_round(lab):
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: '1'}\n"
    assert k(lab, "apply -f -", cm) == (0, "configmap/extra created\n", "")
    assert k(lab, "apply -f -", cm) == (0, "configmap/extra unchanged\n", "")
    assert k(lab, "apply -f -", cm.replace("'1'", "'2'")) == (0, "configmap/extra configured\n", "")
    assert k(lab, "apply -f - --dry-run=server", cm.replace("extra", "dry")) == (
        0, "configmap/dry created (server dry run)\n", "")
    assert k(lab, "get cm dry")[0] == 1
    assert k(lab, "delete cm extra") == (0, 'configmap "extra" deleted\n', "")
    assert k(lab, "delete -f -", cm) == (1, "", 'Error from server (NotFound): configmaps "extra" not found\n')


def test_apply_a_folder(tmp_path):
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    lab = kl.Cluster(seed=0, components=[])
    assert k(lab, f"apply -f {tmp_path}") == (0, "configmap/a created\n", "")
    assert k(lab, f"apply -f {tmp_path} -R") == (0, "configmap/a unchanged\nconfigmap/b created\n", "")
    assert k(lab, "apply -f /nowhere/x.yaml") == (1, "", 'error: the path "/nowhere/x.yaml" does not exist\n')


def test_create_namespace_twice(lab):
    assert k(lab, "create namespace dev") == (0, "namespace/dev created\n", "")
    assert k(lab, "create ns dev") == (1, "", 'Error from server (AlreadyExists): namespaces "dev" already exists\n')


def test_label_and_annotate(lab):
    assert k(lab, "label pod web tier=front") == (0, "pod/web labeled\n", "")
    assert k(lab, "label pod web tier=back") == (
        1, "", "error: 'tier' already has a value (front), and --overwrite is false\n")
    assert k(lab, "label pod web tier=back --overwrite") == (0, "pod/web labeled\n", "")
    assert k(lab, "label pod web tier-") == (0, "pod/web labeled\n", "")
    assert k(lab, "annotate cm/settings owner=team-a") == (0, "configmap/settings annotated\n", "")
    assert lab.get("cm", "settings").metadata.annotations["owner"] == "team-a"


def test_api_resources_lists_what_the_lab_serves(lab):
    lines = k(lab, "api-resources")[1].splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert "pods                              po           v1                                true         Pod" in lines
    assert any(line.split() == ["deployments", "deploy", "apps/v1", "true", "Deployment"] for line in lines)


def test_explain_reads_the_official_schema(lab):
    out = k(lab, "explain pods.spec.containers.image")[1]
    assert out.startswith("KIND:       Pod\nVERSION:    v1\n\nFIELD: image <string>\n\nDESCRIPTION:\n")
    assert "Container image name." in out
    assert k(lab, "explain pods.spec.nope") == (1, "", 'error: field "nope" does not exist\n')


def test_version(lab):
    assert k(lab, "version")[1] == "Client Version: v1.35.0\nKustomize Version: v5.7.1\nServer Version: v1.35.0\n"


def test_unknown_commands_and_flags(lab):
    assert k(lab, "frobnicate") == (1, "", 'error: unknown command "frobnicate" for "kubectl"\n')
    assert k(lab, "get pods --frob") == (1, "", "error: unknown flag: --frob\nSee 'kubectl --help' for usage.\n")


def test_results_show_like_a_terminal(lab):
    r = lab.kubectl("get pod nope")
    assert repr(r) == 'Error from server (NotFound): pods "nope" not found'
    assert "<pre" in r._repr_html_()


def test_field_selectors_filter_like_the_apiserver(lab):
    assert k(lab, "get pods --field-selector status.phase=Pending -o name") == (0, "pod/web\n", "")
    assert k(lab, "get pods --field-selector status.phase!=Pending") == (
        0, "", "No resources found in default namespace.\n")
    assert k(lab, "get pods --field-selector spec.image=nginx") == (
        1, "", 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", '
               'field selector "spec.image=nginx": field label not supported: spec.image\n')


def test_get_storageclasses_marks_the_default():
    lab = kl.Cluster(seed=0, components=[])
    lab.apply("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: managed-csi\n  annotations:\n"
              "    storageclass.kubernetes.io/is-default-class: 'true'\nprovisioner: disk.csi.azure.com\n"
              "volumeBindingMode: WaitForFirstConsumer\nallowVolumeExpansion: true\n")
    assert lab.kubectl("get sc").stdout == (
        "NAME                    PROVISIONER          RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n"
        "managed-csi (default)   disk.csi.azure.com   Delete          WaitForFirstConsumer   true                   0s\n")
