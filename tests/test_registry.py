"""The simulated registry: image references, pulls with containerd's errors, app behaviours and annotation overrides."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8slab.registry import AppBehavior, behavior_for, load_registry, parse_image, parse_seconds

# upstream: github.com/distribution/reference normalize_test.go TestParseNormalizedNamed / TestValidateReferenceName
NORMALIZE = [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("library/nginx", "docker.io/library/nginx:latest"),
    ("docker.io/nginx", "docker.io/library/nginx:latest"),
    ("index.docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
    ("ghcr.io/k8slab/web:1.0", "ghcr.io/k8slab/web:1.0"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
    ("registry.internal:5000/team/app", "registry.internal:5000/team/app:latest"),
    ("docker/docker", "docker.io/docker/docker:latest"),
]


@pytest.mark.parametrize("image,normalized", NORMALIZE, ids=[f"{a} normalizes to {b}" for a, b in NORMALIZE])
def test_image_references_normalize_as_containerd_does(image, normalized):
    assert str(parse_image(image)) == normalized


INVALID = [
    ("", "invalid reference format"),
    ("nginx:", "invalid reference format"),
    ("Nginx", "invalid reference format: repository name (library/Nginx) must be lowercase"),
    ("nginx::1", "invalid reference format"),
    ("-nginx", "invalid reference format"),
    ("nginx@sha256:abc", "invalid reference format"),
    ("foo_bar.com:8080/app", "invalid reference format"),
    (" nginx", "invalid reference format"),
]


@pytest.mark.parametrize("image,error", INVALID, ids=[f"{a!r} is rejected" for a, _ in INVALID])
def test_invalid_references_give_the_parser_errors(image, error):
    with pytest.raises(ValueError) as e:
        parse_image(image)
    assert str(e.value) == error


def test_a_digest_reference_keeps_its_digest_and_no_tag():
    ref = parse_image("nginx@sha256:" + "a" * 64)
    assert (ref.tag, ref.digest, str(ref)) == ("", "sha256:" + "a" * 64, "docker.io/library/nginx@sha256:" + "a" * 64)


PULLS = [
    ("nginx:1.27", set(), True, ""),
    ("nginx:doesnotexist", set(),
     False, 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist": '
            'failed to resolve reference "docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: '
            "not found"),
    ("nosuchuser/app:1", set(),
     False, 'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/nosuchuser/app:1": failed to '
            'resolve reference "docker.io/nosuchuser/app:1": pull access denied, repository does not exist or may '
            "require authorization: server message: insufficient_scope: authorization failed"),
    ("registry.example.com/team/api:1.0", set(),
     False, 'rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/team/api:1.0": '
            'failed to resolve reference "registry.example.com/team/api:1.0": pull access denied, repository does not '
            "exist or may require authorization: server message: insufficient_scope: authorization failed"),
    ("registry.example.com/team/api:1.0", {"registry.example.com"}, True, ""),
    ("registry.internal:5000/app:1.0", set(),
     False, 'rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal:5000/app:1.0": failed '
            'to resolve reference "registry.internal:5000/app:1.0": failed to do request: Head '
            '"https://registry.internal:5000/v2/app/manifests/1.0": dial tcp 10.0.0.5:5000: connect: connection '
            "refused"),
    ("quay.io/org/app:1", set(),
     False, 'rpc error: code = Unknown desc = failed to pull and unpack image "quay.io/org/app:1": failed to resolve '
            'reference "quay.io/org/app:1": failed to do request: Head "https://quay.io/v2/org/app/manifests/1": dial '
            "tcp: lookup quay.io: no such host"),
]


@pytest.mark.parametrize("image,creds,ok,error", PULLS, ids=[
    "a known tag pulls", "an unknown tag is 404 not found", "an unknown Docker Hub repository is 401 access denied",
    "a private registry without credentials is 401", "a private registry with a pull secret pulls",
    "a registry that is down refuses the connection", "an unknown registry host does not resolve"])
def test_pulls_give_containerd_texts(image, creds, ok, error):
    outcome = load_registry().pull(parse_image(image), credentials=creds)
    assert (outcome.ok, outcome.error) == (ok, error)


def test_pull_time_is_size_over_the_lab_bandwidth():
    reg = load_registry()
    outcome = reg.pull(parse_image("nginx:1.27"))
    assert outcome.size == 72099501
    assert reg.pull_seconds(outcome.size) == pytest.approx(72099501 / (50 * 2**20))


def test_digests_are_stable_and_tags_sharing_content_share_them():
    reg = load_registry()
    a = reg.pull(parse_image("nginx:1.27")).digest
    assert a == reg.pull(parse_image("nginx:1.27")).digest
    assert a.startswith("sha256:") and len(a) == 71
    assert reg.pull(parse_image("nginx@" + a)).ok


BEHAVIORS = [
    ({}, "web", dict(port=8080, ready_seconds=5.0, crash_after=None)),
    ({"k8slab.io/crash-after": "30s"}, "web", dict(crash_after=30.0, exit_code=1)),
    ({"k8slab.io/crash-after": "1m", "k8slab.io/exit-code": "3"}, "web", dict(crash_after=60.0, exit_code=3)),
    ({"k8slab.io/complete-after": "5"}, "web", dict(crash_after=5.0, exit_code=0)),
    ({"k8slab.io/web.ready-after": "20s"}, "web", dict(ready_seconds=20.0)),
    ({"k8slab.io/other.ready-after": "20s"}, "web", dict(ready_seconds=5.0)),
    ({"k8slab.io/ready-after": "20s", "k8slab.io/web.ready-after": "2s"}, "web", dict(ready_seconds=2.0)),
    ({"k8slab.io/memory-growth": "10Mi/s", "k8slab.io/memory-start": "64Mi"}, "web",
     dict(memory_growth_mi=10.0, memory_start_mi=64.0)),
    ({"k8slab.io/port": "9090", "k8slab.io/paths": "/a, /b"}, "web", dict(port=9090, paths=("/a", "/b"))),
    ({"k8slab.io/hang-after": "2m"}, "web", dict(hang_after=120.0)),
]


@pytest.mark.parametrize("annotations,container,expected", BEHAVIORS, ids=[
    "the image's own behaviour", "crash-after applies to every container", "exit-code goes with it",
    "complete-after exits 0", "a container-specific key", "another container's key is ignored",
    "the container-specific key wins", "memory in quantities", "port and paths", "hang-after"])
def test_annotations_override_the_image_behaviour(annotations, container, expected):
    pod = {"metadata": {"name": "p", "annotations": annotations}}
    b = behavior_for(load_registry(), pod, {"name": container, "image": "ghcr.io/k8slab/web:1.0"})
    assert {k: getattr(b, k) for k in expected} == expected


def test_a_tag_can_behave_differently_from_its_image():
    b = behavior_for(load_registry(), {"metadata": {}}, {"name": "web", "image": "ghcr.io/k8slab/web:2.1-broken"})
    assert (b.crash_after, b.exit_code, b.port, b.logs["crash"]) == (3.0, 1, 8080,
                                                                    ["panic: config key DATABASE_URL is not set"])


def test_a_bad_annotation_value_is_reported():
    pod = {"metadata": {"name": "p", "annotations": {"k8slab.io/crash-after": "soon"}}}
    with pytest.raises(ValueError, match="invalid duration 'soon'"):
        behavior_for(load_registry(), pod, {"name": "web", "image": "nginx:1.27"})


OOM = [(AppBehavior(memory_start_mi=20, memory_growth_mi=10), 100 * 2**20, 8.0),
       (AppBehavior(memory_start_mi=200), 100 * 2**20, 0.0),
       (AppBehavior(memory_start_mi=20), 100 * 2**20, None),
       (AppBehavior(memory_start_mi=20, memory_growth_mi=10), None, None)]


@pytest.mark.parametrize("b,limit,seconds", OOM, ids=["growth reaches the limit after 8 s", "starts above the limit",
                                                      "no growth never OOMs", "no limit never OOMs"])
def test_seconds_to_oom(b, limit, seconds):
    assert b.seconds_to_oom(limit) == seconds


@given(st.integers(min_value=0, max_value=10**6))
def test_plain_seconds_parse_to_themselves(n):
    assert parse_seconds(str(n)) == n
    assert parse_seconds(f"{n}s") == n


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=59))
def test_go_style_durations_add_up(m, s):
    assert parse_seconds(f"{m}m{s}s") == m * 60 + s


@given(st.text(min_size=1, max_size=12).filter(lambda t: not t.strip().replace(".", "", 1).isdigit()))
def test_any_other_text_is_rejected_or_parsed_without_crashing(text):
    try:
        value = parse_seconds(text)
    except ValueError as e:
        assert "invalid duration" in str(e)
    else:
        assert 0 <= value < float("inf")
