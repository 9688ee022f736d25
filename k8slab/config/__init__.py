"""Configuration: ConfigMap/Secret propagation to pods, rollouts on config change, and templates per environment."""

__all__: list[str] = []
