"""Image pulls: upstream's messages for 404, 401 and refused connections, back-off, pull policies, pull secrets."""

import base64
import json

import pytest
from kubeletlab import bound_pod, container_status, events, get_pods_line, lab_with


def image_pod(image: str, policy: str | None = None, extra: str = "") -> str:
    pull = f", imagePullPolicy: {policy}" if policy else ""
    return bound_pod("app", f"containers:\n- {{name: app, image: '{image}'{pull}}}\n{extra}")


NOT_FOUND = ('rpc error: code = NotFound desc = failed to pull and unpack image '
             '"docker.io/library/nginx:doesnotexist": failed to resolve reference '
             '"docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: not found')


def test_a_missing_tag_fails_then_backs_off():
    lab = lab_with(image_pod("nginx:doesnotexist"))
    lab.run(75)
    pulling = [t for t, reason, _ in events(lab, "app") if reason == "Pulling"]
    assert pulling == [0.0, 10.0, 30.0, 70.0]  # the pod worker retries every 10 s; the pull back-off doubles
    assert events(lab, "app")[:3] == [
        (0.0, "Pulling", 'Pulling image "nginx:doesnotexist"'),
        (0.0, "Failed", f'Failed to pull image "nginx:doesnotexist": {NOT_FOUND}'),
        (0.0, "Failed", "Error: ErrImagePull"),
    ]
    assert events(lab, "app", since=20)[:2] == [(20.0, "BackOff", 'Back-off pulling image "nginx:doesnotexist"'),
                                               (20.0, "Failed", "Error: ImagePullBackOff")]


@pytest.mark.parametrize("at,state", [
    (5, {"reason": "ErrImagePull", "message": NOT_FOUND}),
    (25, {"reason": "ImagePullBackOff",
          "message": f'Back-off pulling image "nginx:doesnotexist": ErrImagePull: {NOT_FOUND}'}),
], ids=["right after the failed pull: ErrImagePull", "during the back-off: ImagePullBackOff"])
def test_the_waiting_state_of_a_failed_pull(at, state):
    lab = lab_with(image_pod("nginx:doesnotexist"))
    lab.run(at)
    assert container_status(lab, "app")["state"] == {"waiting": state}
    assert get_pods_line(lab, "app") == f"app 0/1 {state['reason']} 0 {at}s"


DENIED = ('rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/team/api:1.0": '
          'failed to resolve reference "registry.example.com/team/api:1.0": pull access denied, repository does not '
          "exist or may require authorization: server message: insufficient_scope: authorization failed")
REFUSED = ('rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal:5000/app:1.0": failed '
           'to resolve reference "registry.internal:5000/app:1.0": failed to do request: Head '
           '"https://registry.internal:5000/v2/app/manifests/1.0": dial tcp 10.0.0.5:5000: connect: connection refused')


@pytest.mark.parametrize("image,error", [
    ("registry.example.com/team/api:1.0", DENIED),
    ("registry.internal:5000/app:1.0", REFUSED),
], ids=["401: a private registry without imagePullSecrets", "a registry that refuses connections"])
def test_failed_pull_messages(image, error):
    lab = lab_with(image_pod(image))
    lab.run(1)
    assert events(lab, "app")[1] == (0.0, "Failed", f'Failed to pull image "{image}": {error}')


def pull_secret(server: str) -> dict:
    cfg = {"auths": {server: {"username": "ci", "password": "s3cret", "auth": base64.b64encode(b"ci:s3cret").decode()}}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(json.dumps(cfg).encode()).decode()}}


def test_an_image_pull_secret_opens_the_private_registry():
    lab = lab_with()
    lab.apply(pull_secret("registry.example.com"))
    lab.apply(image_pod("registry.example.com/team/api:1.0", extra="imagePullSecrets: [{name: regcred}]"))
    lab.run(2)
    assert [r for _t, r, _m in events(lab, "app")] == ["Pulling", "Pulled", "Created", "Started"]


def test_a_missing_pull_secret_is_reported_and_the_pull_is_denied():
    lab = lab_with(image_pod("registry.example.com/team/api:1.0", extra="imagePullSecrets: [{name: regcred}]"))
    lab.run(1)
    assert events(lab, "app")[:3] == [
        (0.0, "FailedToRetrieveImagePullSecret", "Unable to retrieve some image pull secrets (regcred); attempting to "
                                                 "pull the image may not succeed."),
        (0.0, "Pulling", 'Pulling image "registry.example.com/team/api:1.0"'),
        (0.0, "Failed", f'Failed to pull image "registry.example.com/team/api:1.0": {DENIED}'),
    ]


def test_the_secret_arriving_later_lets_the_next_retry_pull():
    lab = lab_with(image_pod("registry.example.com/team/api:1.0", extra="imagePullSecrets: [{name: regcred}]"))
    lab.run(15)
    lab.apply(pull_secret("registry.example.com"))
    lab.run(20)  # back-off 20 s from the second failure at 10 s: the next pull is at 30 s
    assert [(t, r) for t, r, _m in events(lab, "app", since=15)][:3] == [(20.0, "BackOff"), (20.0, "Failed"),
                                                                         (30.0, "Pulling")]
    assert "running" in container_status(lab, "app")["state"]


def test_never_pull_an_absent_image():
    lab = lab_with(image_pod("nginx:1.27", policy="Never"))
    lab.run(1)
    assert events(lab, "app") == [
        (0.0, "ErrImageNeverPull", 'Container image "nginx:1.27" is not present with pull policy of Never'),
        (0.0, "Failed", "Error: ErrImageNeverPull")]
    assert container_status(lab, "app")["state"] == {"waiting": {
        "reason": "ErrImageNeverPull",
        "message": 'Container image "nginx:1.27" is not present with pull policy of Never'}}


def test_always_pulls_even_when_present():
    lab = lab_with(bound_pod("a", """
        containers:
        - {name: web, image: nginx}
        """))
    lab.run(5)
    lab.apply(bound_pod("b", """
        containers:
        - {name: web, image: nginx}
        """))
    lab.run(1)
    # nginx has no tag: pull policy Always, and the events name it with the default tag
    assert events(lab, "b")[:2] == [
        (5.0, "Pulling", 'Pulling image "nginx:latest"'),
        (5.0, "Pulled", 'Successfully pulled image "nginx:latest" in 0s (0s including waiting). '
                        "Image size: 72099501 bytes.")]


def test_an_invalid_image_name():
    lab = lab_with(image_pod("Nginx:1.27"))
    lab.run(1)
    msg = ('Failed to apply default image tag "Nginx:1.27": couldn\'t parse image name "Nginx:1.27": invalid reference '
           "format: repository name (library/Nginx) must be lowercase")
    assert events(lab, "app") == [(0.0, "InspectFailed", msg), (0.0, "Failed", "Error: InvalidImageName")]
    assert container_status(lab, "app")["state"] == {"waiting": {"reason": "InvalidImageName", "message": msg}}


def test_pulled_images_show_in_the_node_status_at_the_next_update():
    lab = lab_with(image_pod("nginx:1.27"))
    lab.run(12)  # pulled at 1.375 s; the status update 10 s later reports it
    node = lab.api.get(lab.api.resource("nodes"), None, "node-1")
    assert node["status"]["images"][0]["names"][1] == "docker.io/library/nginx:1.27"
    assert node["status"]["images"][0]["sizeBytes"] == 72099501
