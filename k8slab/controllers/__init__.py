"""Controllers: reconcile functions (desired, observed) -> actions, driven by watch events on the lab's clock."""
