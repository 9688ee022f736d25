"""Authentication: service account names, group adder, certificates, tokens, impersonation, Entra ID."""

import pytest
from hypothesis import given, strategies as st

from k8slab.apiserver.authn import (
    ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, KUBEADM_ADMIN, EntraDirectory,
    TokenAuthenticator, UserInfo, add_authenticated_group, anonymous_user, authenticate_cert,
    impersonate, make_group_names, make_username, matches_username, service_account_user,
    split_username)

# upstream: staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util_test.go TestMakeUsername
MAKE_USERNAME = [
    ("valid", "foo", "bar", False),
    ("empty", "", "", True),
    ("empty namespace", "", "foo", True),
    ("empty name", "foo", "", True),
    ("extra segments", "foo", "bar:baz", True),
    ("invalid chars in namespace", "foo ", "bar", True),
    ("invalid chars in name", "foo", "bar ", True),
]


@pytest.mark.parametrize("case,namespace,name,expect_err", MAKE_USERNAME, ids=[c[0] for c in MAKE_USERNAME])
def test_make_username_round_trips_through_split_username(case, namespace, name, expect_err):
    username = make_username(namespace, name)
    assert matches_username(namespace, name, username)
    if expect_err:
        with pytest.raises(ValueError, match="^Username must be in the form system:serviceaccount:namespace:name$"):
            split_username(username)
    else:
        assert split_username(username) == (namespace, name)


# upstream: util_test.go TestMatchUsername
MATCH_USERNAME = [
    ("foo", "bar", "foo", False),
    ("foo", "bar", "system:serviceaccount:", False),
    ("foo", "bar", "system:serviceaccount:foo", False),
    ("foo", "bar", "system:serviceaccount:foo:", False),
    ("foo", "bar", "system:serviceaccount:foo:bar", True),
    ("foo", "bar", "system:serviceaccount::bar", False),
    ("foo", "bar", "system:serviceaccount:bar", False),
    ("foo", "bar", ":bar", False),
    ("foo", "bar", "foo:bar", False),
    ("foo", "bar", "", False),
    ("foo2", "bar", "system:serviceaccount:foo:bar", False),
    ("foo", "bar2", "system:serviceaccount:foo:bar", False),
    ("foo:", "bar", "system:serviceaccount:foo:bar", False),
    ("foo", ":bar", "system:serviceaccount:foo:bar", False),
]


@pytest.mark.parametrize("namespace,name,username,expect", MATCH_USERNAME,
                         ids=[f"{c[0]}/{c[1]} vs {c[2]!r}" for c in MATCH_USERNAME])
def test_matches_username_as_upstream(namespace, name, username, expect):
    assert matches_username(namespace, name, username) is expect


@given(st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True),
       st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?", fullmatch=True))
def test_split_username_inverts_make_username_for_valid_names(namespace, name):
    if ".." in name or ".-" in name or "-." in name:
        return  # not a DNS-1123 subdomain
    assert split_username(make_username(namespace, name)) == (namespace, name)


@given(st.text(max_size=40))
def test_split_username_never_raises_anything_but_value_error(text):
    try:
        namespace, name = split_username(text)
    except ValueError:
        return
    assert make_username(namespace, name) == text


def test_service_account_groups_are_all_and_per_namespace():
    assert make_group_names("ci") == ("system:serviceaccounts", "system:serviceaccounts:ci")
    user = service_account_user("ci", "deployer", uid="u1", pod_name="p", pod_uid="pu")
    assert user.name == "system:serviceaccount:ci:deployer"
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:ci", ALL_AUTHENTICATED)
    assert dict(user.extra) == {"authentication.kubernetes.io/pod-name": ("p",),
                                "authentication.kubernetes.io/pod-uid": ("pu",)}


def test_service_account_extra_needs_both_pod_name_and_uid():
    assert dict(service_account_user("ci", "deployer", pod_name="p").extra) == {}


# expected values from the rules of upstream staging/src/k8s.io/apiserver/pkg/authentication/group/authenticated_group_adder.go
GROUP_ADDER = [
    ("a user gets system:authenticated appended", UserInfo("user", ("group_a",)), ("group_a", ALL_AUTHENTICATED)),
    ("anonymous is left alone", UserInfo(ANONYMOUS, (ALL_UNAUTHENTICATED,)), (ALL_UNAUTHENTICATED,)),
    ("already authenticated is not doubled", UserInfo("user", (ALL_AUTHENTICATED,)), (ALL_AUTHENTICATED,)),
    ("explicitly unauthenticated stays so", UserInfo("user", (ALL_UNAUTHENTICATED,)), (ALL_UNAUTHENTICATED,)),
]


@pytest.mark.parametrize("case,user,groups", GROUP_ADDER, ids=[c[0] for c in GROUP_ADDER])
def test_authenticated_group_adder(case, user, groups):
    assert add_authenticated_group(user).groups == groups


def test_anonymous_user_is_system_anonymous_in_unauthenticated():
    assert anonymous_user() == UserInfo("system:anonymous", ("system:unauthenticated",))


CERTS = [
    ("CN and O become user and groups", "jane", ["dev", "qa"], UserInfo("jane", ("dev", "qa", ALL_AUTHENTICATED))),
    ("no O means only system:authenticated", "jane", [], UserInfo("jane", (ALL_AUTHENTICATED,))),
    ("kubeadm admin certificate", "kubernetes-admin", ["system:masters"], KUBEADM_ADMIN),
    ("an empty CN authenticates nobody", "", ["dev"], None),
]


@pytest.mark.parametrize("case,cn,orgs,expected", CERTS, ids=[c[0] for c in CERTS])
def test_authenticate_cert(case, cn, orgs, expected):
    # upstream: x509.go CommonNameUserConversion
    assert authenticate_cert(cn, orgs) == expected


def test_token_file_parses_groups_and_skips_empty_tokens():
    tokens = TokenAuthenticator.from_csv('t1,alice,1,"a,b"\n,nobody,2\nt2,bob,3\n')
    assert len(tokens) == 2
    assert tokens.authenticate("t1") == UserInfo("alice", ("a", "b", ALL_AUTHENTICATED), "1")
    assert tokens.authenticate("t2") == UserInfo("bob", (ALL_AUTHENTICATED,), "3")
    assert tokens.authenticate("t3") is None
    tokens.remove("t1")
    assert tokens.authenticate("t1") is None
    assert "t2" not in repr(tokens)


def test_token_file_with_two_columns_fails_with_upstream_message():
    with pytest.raises(ValueError) as err:
        TokenAuthenticator.from_csv("t1,alice\n", path="/etc/kubernetes/tokens.csv")
    assert str(err.value) == ("token file '/etc/kubernetes/tokens.csv' must have at least 3 columns "
                              "(token, user name, user uid), found 2")


# upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go
IMPERSONATE = [
    ("a user gets system:authenticated", "alice", [], ("system:authenticated",)),
    ("given groups come first", "alice", ["dev"], ("dev", "system:authenticated")),
    ("system:authenticated given is not doubled", "alice", ["system:authenticated"], ("system:authenticated",)),
    ("system:unauthenticated given suppresses authenticated", "alice", ["system:unauthenticated"],
     ("system:unauthenticated",)),
    ("a service account gets its fixed groups", "system:serviceaccount:ns:sa", [],
     ("system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated")),
    ("a service account with explicit groups keeps only those", "system:serviceaccount:ns:sa", ["extra"],
     ("extra", "system:authenticated")),
    ("anonymous gets system:unauthenticated", "system:anonymous", [], ("system:unauthenticated",)),
]


@pytest.mark.parametrize("case,username,groups,expected", IMPERSONATE, ids=[c[0] for c in IMPERSONATE])
def test_impersonate(case, username, groups, expected):
    assert impersonate(username, groups).groups == expected


def test_userinfo_is_hashable_and_reads_well():
    a, b = UserInfo("alice", ["dev"]), UserInfo("alice", ("dev",))
    assert a == b and hash(a) == hash(b)
    assert repr(a) == "<UserInfo alice groups=[dev]>"
    assert KUBEADM_ADMIN.to_dict() == {"username": "kubernetes-admin",
                                       "groups": ["system:masters", "system:authenticated"]}


def test_entra_directory_maps_names_and_object_ids_both_ways():
    d = EntraDirectory()
    d.add_group("opssre", "00000000-0000-0000-0000-0000000000aa")
    d.add_group("appdev", "00000000-0000-0000-0000-0000000000bb")
    d.add_user("akssre@contoso.com", "00000000-0000-0000-0000-000000000001", groups=["opssre"])
    d.add_member("00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-0000000000bb")
    info = d.user_info("00000000-0000-0000-0000-000000000001")
    assert info.name == "akssre@contoso.com"
    assert info.groups == ("00000000-0000-0000-0000-0000000000aa", "00000000-0000-0000-0000-0000000000bb",
                           ALL_AUTHENTICATED)
    assert d.user_subject("akssre@contoso.com") == {"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                                    "name": "akssre@contoso.com"}
    assert d.group_subject("00000000-0000-0000-0000-0000000000aa")["name"] == "00000000-0000-0000-0000-0000000000aa"
    assert d.display_name("00000000-0000-0000-0000-0000000000bb") == "appdev"
    assert d.display_name("00000000-0000-0000-0000-000000000001") == "akssre@contoso.com"
    with pytest.raises(KeyError):
        d.group_subject("nope")
    with pytest.raises(KeyError):
        d.user_info("ghost@contoso.com")
