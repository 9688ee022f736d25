"""Generated name suffixes keep the sequence the chapters were recorded with (rng.choice over upstream's alphabet)."""

import random

import pytest

from k8slab.apiserver.server import _ALNUM, APIServer


class _Seeded:
    def __init__(self, seed):
        self.rng = random.Random(seed)


@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_suffixes_draw_what_rng_choice_draws(seed):
    fast = _Seeded(seed)
    slow = random.Random(seed)
    assert [APIServer.random_suffix(fast, n) for n in (5, 5, 10, 1) * 500] == [
        "".join(slow.choice(_ALNUM) for _ in range(n)) for n in (5, 5, 10, 1) * 500]


def test_suffixes_use_upstream_alphabet_without_vowels_or_confusable_digits():
    s = APIServer.random_suffix(_Seeded(1), 2000)
    assert set(s) <= set("bcdfghjklmnpqrstvwxz2456789") and len(set(s)) == 27
