import pytest

from unsupervised_aging.parameter_keys import exact_keys

YAML = "conf/base/parameters_x.yml"


def test_exact_keys_returns_the_block_when_it_has_exactly_the_keys():
    block = {"a": 1, "b": None}
    assert exact_keys(block, ["a", "b"], "x", YAML) is block


def test_a_missing_key_is_named_with_the_yaml_file():
    with pytest.raises(ValueError, match=r"^x.sub: missing key\(s\) \['b'\]; every key is set in conf/base"):
        exact_keys({"a": 1}, ["a", "b"], "x.sub", YAML)


def test_an_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"^x: unknown key\(s\) \['bb'\]; check their spelling"):
        exact_keys({"a": 1, "bb": 2}, ["a"], "x", YAML)


def test_a_block_that_is_not_a_mapping_is_refused():
    with pytest.raises(ValueError, match=r"x must be a mapping of settings, got \[1\]"):
        exact_keys([1], ["a"], "x", YAML)
