"""kubectl's AGE and column alignment."""

import pytest

from k8slab.kubectl.format import human_duration, tabulate, tabwriter

H, M, D = 3600, 60, 86400


# upstream: staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go TestHumanDuration
@pytest.mark.parametrize("seconds, want", [
    (1, "1s"), (70, "70s"), (190, "3m10s"), (70 * M, "70m"), (47 * H, "47h"), (49 * H, "2d1h"),
    ((8 * 24 + 2) * H, "8d"), (367 * 24 * H, "367d"), ((365 * 2 * 24 + 25) * H, "2y1d"),
    ((365 * 8 * 24 + 2) * H, "8y"),
], ids=lambda v: str(v))
def test_human_duration_matches_upstream(seconds, want):
    assert human_duration(seconds) == want


# upstream: duration_test.go TestHumanDurationBoundaries
@pytest.mark.parametrize("seconds, want", [
    (-2, "<invalid>"), (-1.999, "0s"), (0, "0s"), (0.999, "0s"), (2 * M - 0.001, "119s"), (2 * M, "2m"),
    (2 * M + 1, "2m1s"), (10 * M - 0.001, "9m59s"), (10 * M, "10m"), (10 * M + 1, "10m"), (3 * H - 0.001, "179m"),
    (3 * H, "3h"), (3 * H + M, "3h1m"), (8 * H - 0.001, "7h59m"), (8 * H, "8h"), (8 * H + 59 * M, "8h"),
    (2 * D - 0.001, "47h"), (2 * D, "2d"), (2 * D + H, "2d1h"), (8 * D - 0.001, "7d23h"), (8 * D, "8d"),
    (8 * D + 23 * H, "8d"), (2 * 365 * D - 0.001, "729d"), (2 * 365 * D, "2y"), (2 * 365 * D + D, "2y1d"),
    (8 * 365 * D, "8y"),
], ids=lambda v: str(v))
def test_human_duration_boundaries_match_upstream(seconds, want):
    assert human_duration(seconds) == want


def test_tables_pad_columns_by_three_with_a_minimum_of_six():
    assert tabulate([["NAME", "READY", "STATUS"], ["a", "1/1", "Running"]]) == (
        "NAME   READY   STATUS\n"
        "a      1/1     Running")


def test_tabwriter_aligns_column_blocks_of_consecutive_lines():
    out = tabwriter(["Name:\tweb", "Namespace:\tdefault", "Containers:", "  web:", "    Image:\tnginx",
                     "    Ready:\tTrue"])
    assert out == ("Name:       web\n"
                   "Namespace:  default\n"
                   "Containers:\n"
                   "  web:\n"
                   "    Image:  nginx\n"
                   "    Ready:  True")
