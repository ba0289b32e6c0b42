import pytest

from segman.params import count

# Recomputed from the official code (SEGMAN.md §4); the README rounds them to 6.4/29.4/51.8/92.6M.
EXPECTED_MILLIONS = {"T": 6.38, "S": 29.41, "B": 51.78, "L": 92.31}


@pytest.mark.parametrize("variant", ["T", "S", "B", "L"])
def test_parameter_counts_match_official_code(variant):
    assert abs(count(variant).total / 1e6 - EXPECTED_MILLIONS[variant]) < 0.01


def test_s_cityscapes_decoder_and_t_150_class_head():
    assert abs(count("S", decoder_channels=152).total / 1e6 - 29.97) < 0.01
    assert count("T", num_classes=150).total - count("T").total == 131 * 128 + 131
