"""The kube-apiserver request pipeline: authentication, authorization (RBAC), admission, validation, storage."""
