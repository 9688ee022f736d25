"""LimitRanger, after upstream's plugin/pkg/admission/limitranger/admission_test.go."""

import pytest

import k8slab as kl
from k8slab.admission.limit_ranger import pod_defaults, pod_violations, pvc_violations

from admlab import pod, resources


def limit_range(*items):
    return {"spec": {"limits": list(items)}}


def container(name, requests=None, limits=None):
    return {"name": name, "resources": resources(requests, limits)}


def test_defaults_fill_only_what_is_missing_and_say_so_in_an_annotation():
    # upstream: TestMergePodResourceRequirements
    lr = limit_range({"type": "Container", "default": {"cpu": "500m", "memory": "128Mi"},
                      "defaultRequest": {"cpu": "250m", "memory": "64Mi"}})
    p = {"metadata": {}, "spec": {"containers": [container("a"), container("b", {"cpu": "1"}, {"cpu": "1"})],
                                  "initContainers": [container("init")]}}
    pod_defaults(lr, p)
    assert p["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "128Mi"},
                                                       "requests": {"cpu": "250m", "memory": "64Mi"}}
    assert p["spec"]["containers"][1]["resources"] == {"limits": {"cpu": "1", "memory": "128Mi"},
                                                       "requests": {"cpu": "1", "memory": "64Mi"}}
    assert p["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; "
        "memory request for container b; memory limit for container b; cpu, memory request for init container "
        "init; cpu, memory limit for init container init")


CONTAINER_CASES = [
    ("a request under the minimum", {"min": {"cpu": "100m"}}, container("a", {"cpu": "50m"}, {"cpu": "1"}),
     ["minimum cpu usage per Container is 100m, but request is 50m"]),
    ("no request with a minimum", {"min": {"memory": "1Mi"}}, container("a"),
     ["minimum memory usage per Container is 1Mi.  No request is specified"]),
    ("a limit over the maximum", {"max": {"cpu": "1"}}, container("a", {"cpu": "1"}, {"cpu": "2"}),
     ["maximum cpu usage per Container is 1, but limit is 2"]),
    ("no limit with a maximum", {"max": {"memory": "1Gi"}}, container("a", {"memory": "1Mi"}),
     ["maximum memory usage per Container is 1Gi.  No limit is specified"]),
    ("a ratio over the maximum", {"maxLimitRequestRatio": {"cpu": "2"}}, container("a", {"cpu": "250m"}, {"cpu": "1"}),
     ["cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"]),
    ("a ratio without a request", {"maxLimitRequestRatio": {"cpu": "2"}}, container("a", None, {"cpu": "1"}),
     ["cpu max limit to request ratio per Container is 2, but no request is specified or request is 0"]),
    ("within bounds", {"min": {"cpu": "100m"}, "max": {"cpu": "1"}}, container("a", {"cpu": "500m"}, {"cpu": "1"}),
     []),
]


@pytest.mark.parametrize("case,bounds,c,errors", CONTAINER_CASES, ids=[c[0] for c in CONTAINER_CASES])
def test_container_bounds_give_upstreams_messages(case, bounds, c, errors):
    # upstream: TestPodLimitFunc (error texts from minConstraint, maxConstraint, limitRequestRatioConstraint)
    assert pod_violations(limit_range({"type": "Container", **bounds}), {"spec": {"containers": [c]}}) == errors


def test_pod_bounds_sum_the_containers():
    # upstream: TestPodLimitFunc "pod" cases: the sum of the containers against the Pod limit
    lr = limit_range({"type": "Pod", "max": {"cpu": "1"}})
    p = {"spec": {"containers": [container("a", {"cpu": "600m"}, {"cpu": "600m"}),
                                 container("b", {"cpu": "600m"}, {"cpu": "600m"})]}}
    assert pod_violations(lr, p) == ["maximum cpu usage per Pod is 1, but limit is 1200m"]


def test_claim_storage_bounds():
    # upstream: TestPersistentVolumeClaimLimitFunc
    lr = limit_range({"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}})
    claim = lambda size: {"spec": {"resources": {"requests": {"storage": size}}}}  # noqa: E731
    assert pvc_violations(lr, claim("5Gi")) == []
    assert pvc_violations(lr, claim("500Mi")) == ["minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"]
    assert pvc_violations(lr, claim("20Gi")) == ["maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"]


def test_in_the_lab_defaults_come_first_then_the_bounds(lab):
    lab.apply({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
               "spec": {"limits": [{"type": "Container", "default": {"cpu": "2"}, "defaultRequest": {"cpu": "100m"},
                                    "max": {"cpu": "1"}}]}})
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(pod())
    assert str(e.value) == 'pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
    p = lab.api.create(pod("ok", containers=[container("ok", None, {"cpu": "500m"})]))
    # defaulting (before admission) already set the request to the limit: the default request is not used
    assert p["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m"}, "requests": {"cpu": "500m"}}
    lab.api.delete(lab.api.resource("limitranges"), "default", "limits")
    lab.apply({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
               "spec": {"limits": [{"type": "Container", "default": {"cpu": "900m"}, "defaultRequest": {"cpu": "100m"},
                                    "max": {"cpu": "1"}}]}})
    p = lab.api.create(pod("bare"))
    assert p["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "900m"}, "requests": {"cpu": "100m"}}
    assert p["status"]["qosClass"] == "Burstable"
