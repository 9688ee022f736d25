"""K8sModel: the pydantic base class of every Kubernetes API object model."""

from typing import Any, ClassVar

import pydantic
from pydantic import ConfigDict

__all__ = ["K8sModel"]


class K8sModel(pydantic.BaseModel):
    """Base of the generated API models: snake_case attributes, exact JSON names as aliases.

    Every field is optional (``None``); the official JSON schema, not pydantic,
    enforces ``required``.  Unknown fields are rejected (``extra="forbid"``), like the
    apiserver's strict field validation.  Scalars are strict: ``"3"`` is not an int and
    ``"true"`` is not a bool, so what goes in comes out unchanged.

    Examples
    --------
    >>> from k8slab.api.core_v1 import Pod
    >>> pod = Pod.from_dict({"apiVersion": "v1", "kind": "Pod",
    ...                      "metadata": {"name": "web", "namespace": "default"},
    ...                      "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    >>> pod
    <Pod default/web Pending>
    >>> pod.spec.containers[0]
    Container(image='nginx:1.27', name='web')
    >>> pod.spec.containers[0].image
    'nginx:1.27'
    >>> pod.to_dict()["spec"]
    {'containers': [{'image': 'nginx:1.27', 'name': 'web'}]}
    """

    model_config = ConfigDict(
        populate_by_name=True,
        serialize_by_alias=True,
        extra="forbid",
        defer_build=True,
        strict=True,
    )

    #: ``apiVersion`` and ``kind`` of top-level kinds (None on nested types).
    api_version_default: ClassVar[str | None] = None
    kind_default: ClassVar[str | None] = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "K8sModel":
        """Build the model from a manifest dict that uses the exact JSON field names.

        Examples
        --------
        >>> from k8slab.api.core_v1 import Service
        >>> svc = Service.from_dict({"spec": {"ports": [{"port": 80, "targetPort": "http"}]}})
        >>> svc.spec.ports[0].target_port
        'http'
        """
        return cls.model_validate(d, by_alias=True, by_name=False)

    def to_dict(self) -> dict[str, Any]:
        """The manifest dict (JSON names, ``None`` fields left out); fills apiVersion/kind.

        Examples
        --------
        >>> from k8slab.api.core_v1 import ConfigMap
        >>> from k8slab.api.meta import ObjectMeta
        >>> ConfigMap(metadata=ObjectMeta(name="cfg"), data={"a": "1"}).to_dict()
        {'apiVersion': 'v1', 'kind': 'ConfigMap', 'data': {'a': '1'}, 'metadata': {'name': 'cfg'}}
        """
        d = self.model_dump(by_alias=True, exclude_none=True)
        if self.kind_default is not None and ("apiVersion" not in d or "kind" not in d):
            head = {
                "apiVersion": d.pop("apiVersion", self.api_version_default),
                "kind": d.pop("kind", self.kind_default),
            }
            d = {**head, **d}
        return d

    def to_yaml(self) -> str:
        """The manifest as YAML, keys sorted as ``kubectl get -o yaml`` prints them.

        Examples
        --------
        >>> from k8slab.api.core_v1 import Namespace
        >>> from k8slab.api.meta import ObjectMeta
        >>> print(Namespace(metadata=ObjectMeta(name="dev")).to_yaml(), end="")
        apiVersion: v1
        kind: Namespace
        metadata:
          name: dev
        """
        import yaml  # lazy: keeps `import k8slab.api` cheap

        return yaml.safe_dump(self.to_dict(), sort_keys=True, allow_unicode=True)

    def _repr_extra(self) -> str:
        """Extra words after ``<Kind ns/name`` in the repr: the object's state (k8slab.api.summary)."""
        from .summary import summary

        return summary(self)

    def __repr_args__(self):  # nested types: only the fields that are set
        for name, value in super().__repr_args__():
            if value is not None:
                yield name, value

    def __repr__(self) -> str:
        if self.kind_default is None:
            return super().__repr__()
        meta = getattr(self, "metadata", None)
        name = getattr(meta, "name", None) or getattr(meta, "generate_name", None) or "(no name)"
        namespace = getattr(meta, "namespace", None)
        ident = f"{namespace}/{name}" if namespace else name
        extra = self._repr_extra()
        return f"<{type(self).__name__} {ident}{' ' + extra if extra else ''}>"
