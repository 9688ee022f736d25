"""kubectl taint: upstream's taint_test.go and utils_test.go tables, and kubectl's exact messages."""

import pytest

import k8slab as kl
from k8slab.kubectl.taint import Taint, TaintSpecError, parse_taints, reorganize_taints

NODE = "node-name"


def _lab(taints=()):
    lab = kl.Cluster(seed=0, components=[])
    lab.apply({"apiVersion": "v1", "kind": "Node",
               "metadata": {"name": NODE, "labels": {"pool": "a"}},
               "spec": {"taints": [dict(t) for t in taints]} if taints else {},
               "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}})
    return lab


def _taints(lab):
    node = lab.api.get(lab.api.resource("nodes"), None, NODE)
    return (node.get("spec") or {}).get("taints") or []


def _as_set(taints):
    return {(t.get("key"), t.get("value", ""), t.get("effect")) for t in taints}


FOO_BAR = {"key": "foo", "value": "bar", "effect": "NoSchedule"}
DED_A_NS = {"key": "dedicated", "value": "namespaceA", "effect": "NoSchedule"}
DED_A_PNS = {"key": "dedicated", "value": "namespaceA", "effect": "PreferNoSchedule"}
FOO_BAR_PNS = {"key": "foo", "value": "bar", "effect": "PreferNoSchedule"}


# upstream: staging/src/k8s.io/kubectl/pkg/cmd/taint/taint_test.go TestTaint (description, old, args, new, fatal)
@pytest.mark.parametrize("old, args, new, fatal", [
    ([], "foo=bar:NoSchedule", [FOO_BAR], False),
    ([], "foo=bar:PreferNoSchedule", [FOO_BAR_PNS], False),
    ([FOO_BAR], "foo=barz:NoSchedule --overwrite", [{**FOO_BAR, "value": "barz"}], False),
    ([], "dedicated=namespaceA:NoSchedule foo=bar:PreferNoSchedule", [DED_A_NS, FOO_BAR_PNS], False),
    ([DED_A_NS, DED_A_PNS], "dedicated:NoSchedule-", [DED_A_PNS], False),
    ([DED_A_NS, DED_A_PNS], "dedicated-", [], False),
    ([DED_A_NS, FOO_BAR_PNS], "dedicated:NoSchedule- foo=barz:PreferNoSchedule --overwrite",
     [{**FOO_BAR_PNS, "value": "barz"}], False),
    ([], "'nospecialchars^@=banana:NoSchedule'", [], True),
    ([], "foo=bar:NoExcute", [], True),
    ([], "foo=bar:NoExcute foo=barz:NoExcute", [], True),
    ([], "foo=:NoExcute foo=:NoExcute-", [], True),
    ([FOO_BAR], "foo=bar:NoSchedule", [FOO_BAR], True),
], ids=[
    "taints a node with effect NoSchedule",
    "taints a node with effect PreferNoSchedule",
    "update an existing taint on the node, change the value from bar to barz",
    "taints a node with two taints",
    "node has two taints with the same key but different effect, remove one of them by indicating exact key and effect",
    "node has two taints with the same key but different effect, remove all of them with wildcard",
    "node has two taints, update one of them and remove the other",
    "invalid taint key",
    "invalid taint effect",
    "duplicated taints with the same key and effect should be rejected",
    "add and remove taint with same key and effect should be rejected",
    "can't update existing taint on the node, since 'overwrite' flag is not set",
])
def test_taint_table(old, args, new, fatal):
    lab = _lab(old)
    out = lab.kubectl(f"taint node {NODE} {args}")
    assert (out.rc != 0) == fatal, out
    assert _as_set(_taints(lab)) == _as_set(new if not fatal else old)


@pytest.mark.parametrize("old, args, stdout, stderr", [
    ([], "dedicated=gpu:NoSchedule", "node/node-name tainted\n", ""),
    ([FOO_BAR], "foo:NoSchedule-", "node/node-name untainted\n", ""),
    ([FOO_BAR], "foo=baz:NoSchedule --overwrite", "node/node-name modified\n", ""),
    ([FOO_BAR], "foo:NoSchedule- bar=baz:NoSchedule", "node/node-name modified\n", ""),
    ([], "a=b:NoSchedule --dry-run=client", "node/node-name tainted (dry run)\n", ""),
    ([FOO_BAR], "foo=bar:NoSchedule", "",
     "error: node node-name already has foo taint(s) with same effect(s) and --overwrite is false\n"),
    ([], "foo:NoSchedule-", "", 'error: taint "foo:NoSchedule" not found\n'),
    ([], "foo-", "", 'error: taint "foo" not found\n'),
    ([], "foo=bar:NoExcute", "",
     "error: invalid taint effect: NoExcute, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n"),
    ([], "foo", "", "error: at least one taint update is required\n"),
    ([], "foo=abc=xyz:NoSchedule", "",
     "error: invalid taint spec: foo=abc=xyz:NoSchedule\nSee 'kubectl taint -h' for help and examples\n"),
    ([], "foo=bar:NoSchedule foo=baz:NoSchedule", "",
     "error: duplicated taints with the same key and effect: {foo baz NoSchedule <nil>}\n"
     "See 'kubectl taint -h' for help and examples\n"),
    ([], "a=b:NoSchedule a:NoSchedule-", "",
     'error: can not both modify and remove the following taint(s) in the same command: {"a":"NoSchedule"}\n'),
    ([], "a=b:NoSchedule a-", "",
     'error: can not both modify and remove the following taint(s) in the same command: {"a":""}\n'),
], ids=["adding prints tainted", "removing prints untainted", "overwriting prints modified",
        "adding and removing prints modified", "client dry run says so and changes nothing",
        "an existing key and effect needs --overwrite", "removing a missing taint is an error",
        "removing a missing key is an error", "an unknown effect is a usage error",
        "a bare key reads as another node name", "two '=' are refused", "the same key and effect twice is refused",
        "adding and removing one taint is refused", "a key removal conflicts with any effect of it"])
def test_messages(old, args, stdout, stderr):
    lab = _lab(old)
    out = lab.kubectl(f"taint nodes {NODE} {args}")
    assert (out.stdout, out.stderr) == (stdout, stderr)
    if "dry-run" in args:
        assert _taints(lab) == old


@pytest.mark.parametrize("command, stderr", [
    ("taint", "error: one or more resources must be specified as <resource> <name>\n"),
    ("taint nodes", "error: at least one taint update is required\n"),
    ("taint nodes node-name", "error: at least one taint update is required\n"),
    ("taint nodes a=b:NoSchedule", "error: at least one resource name must be specified since 'all' parameter is "
                                   "not set\n"),
    ("taint nodes a=b:NoSchedule node-name", "error: all resources must be specified before taint changes: "
                                             "node-name\n"),
    ("taint pods web a=b:NoSchedule", "error: invalid resource type pods, only node types are supported\n"),
    ("taint nodes --all -l pool=a a=b:NoSchedule", "error: setting 'all' parameter with a non empty selector is "
                                                   "prohibited\n"),
    ("taint nodes ghost a=b:NoSchedule", 'Error from server (NotFound): nodes "ghost" not found\n'),
], ids=["no resource", "a resource type and no taint", "no taint", "no node name", "a name after the taints", "only nodes can be tainted",
        "--all and a selector exclude each other", "an unknown node is not found"])
def test_command_line_errors(command, stderr):
    # upstream: taint.go Complete, Validate and validateFlags (TestValidateFlags)
    out = _lab().kubectl(command)
    assert (out.rc, out.stdout, out.stderr) == (1, "", stderr)


def test_selector_and_all_pick_nodes():
    lab = _lab()
    lab.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "other", "labels": {"pool": "b"}}})
    assert lab.kubectl("taint nodes -l pool=a spot=true:PreferNoSchedule").stdout == "node/node-name tainted\n"
    assert lab.kubectl("taint nodes --all x=y:NoExecute").stdout == "node/node-name tainted\nnode/other tainted\n"


@pytest.mark.parametrize("spec, add, remove", [
    (["foo=abc:NoSchedule", "bar=abc:NoSchedule", "baz:NoSchedule", "qux:NoSchedule", "foobar=:NoSchedule"],
     [Taint("foo", "abc", "NoSchedule"), Taint("bar", "abc", "NoSchedule"), Taint("baz", "", "NoSchedule"),
      Taint("qux", "", "NoSchedule"), Taint("foobar", "", "NoSchedule")], []),
    (["foo:NoSchedule-", "bar:NoSchedule-", "qux=:NoSchedule-", "dedicated-"], [],
     [Taint("foo", "", "NoSchedule"), Taint("bar", "", "NoSchedule"), Taint("qux", "", "NoSchedule"),
      Taint("dedicated")]),
], ids=["add new taints", "delete taints"])
def test_parse_taints(spec, add, remove):
    # upstream: utils_test.go TestParseTaints
    assert parse_taints(spec) == (add, remove)


@pytest.mark.parametrize("spec", [[""], ["foo=abc"], ["foo=abc=xyz:NoSchedule"], ["foo=abc:xyz:NoSchedule"], ["foo"],
                                  ["foo=abc:invalid_effect"], ["foo:invalid_effect-"]],
                         ids=["empty spec", "a value without an effect", "two '=' signs", "two ':' signs",
                              "a key alone cannot be added", "an invalid effect when adding",
                              "an invalid effect when removing"])
def test_parse_taints_errors(spec):
    # upstream: utils_test.go TestParseTaints (expectedErr cases)
    with pytest.raises(TaintSpecError):
        parse_taints(spec)


OLD = [{"key": "foo", "value": "bar", "effect": "NoSchedule"}]


@pytest.mark.parametrize("overwrite, add, remove, taints, operation, errors", [
    (True, [], [], OLD, "modified", []),
    (False, [], [], OLD, "untainted", []),
    (False, [Taint("foo_1", "", "NoExecute")], [], [{"key": "foo_1", "effect": "NoExecute"}] + OLD, "tainted", []),
    (False, [], [Taint("foo", "", "NoSchedule")], [], "untainted", []),
    (False, [], [Taint("foo")], [], "untainted", []),
    (False, [], [Taint("foo_1", "", "NoSchedule")], OLD, "untainted", ['taint "foo_1:NoSchedule" not found']),
    (False, [Taint("foo_1", "", "NoSchedule")], [Taint("foo", "", "NoSchedule")],
     [{"key": "foo_1", "effect": "NoSchedule"}], "modified", []),
], ids=["no changes with overwrite is true", "no changes with overwrite is false", "add new taint",
        "delete taint with effect", "delete taint with no effect", "delete non-exist taint",
        "add new taint and delete old one"])
def test_reorganize_taints(overwrite, add, remove, taints, operation, errors):
    # upstream: utils_test.go TestReorganizeTaints
    assert reorganize_taints(OLD, overwrite, add, remove) == (operation, taints, errors)


def test_taint_changes_what_the_scheduler_does():
    lab = kl.Cluster.from_preset("aks-3node")
    for n in ("aks-nodepool1-27563185-vmss000000", "aks-nodepool1-27563185-vmss000001",
              "aks-nodepool1-27563185-vmss000002"):
        assert lab.kubectl(f"taint nodes {n} maintenance=true:NoSchedule").rc == 0
    assert lab.scheduler.explain("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: web, image: nginx:1.27}]}
""").message == ("0/3 nodes are available: 3 node(s) had untolerated taint(s). preemption: 0/3 nodes are "
                 "available: 3 Preemption is not helpful for scheduling..")
