"""The small shared helpers of the keypoint-moseq stages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.kpms.config import with_indexes
from unsupervised_aging.kpms.poses import loaders_by_name
from unsupervised_aging.kpms.syllables import lookup_metasyllables, metasyllable_lookup


def test_loaders_are_keyed_by_video_name():
    def load():
        return None

    assert list(loaders_by_name({"a.h5": load, "b": load})) == ["a", "b"]


def test_heading_indexes_point_into_use_bodyparts():
    config = {
        "use_bodyparts": ["NOSE", "NECK", "TAIL"],
        "anterior_bodyparts": ["NOSE"],
        "posterior_bodyparts": ["TAIL"],
    }
    full = with_indexes(config)
    assert full["anterior_idxs"].tolist() == [0] and full["posterior_idxs"].tolist() == [2]
    assert full["use_bodyparts"] == config["use_bodyparts"]
    with pytest.raises(ValueError, match=r"posterior_bodyparts \['PAW'\] are not in use_bodyparts"):
        with_indexes({**config, "posterior_bodyparts": ["PAW"]})


def test_metasyllables_are_looked_up_and_unmapped_ones_are_minus_one():
    lookup = metasyllable_lookup(pd.DataFrame({"syllable": [0, 1, 3], "metasyllable": [0, 0, 1]}))
    assert lookup.tolist() == [0, 0, -1, 1]
    assert lookup_metasyllables(np.array([3, 0, 2, 7]), lookup).tolist() == [1, 0, -1, -1]
    with pytest.raises(ValueError, match=r"syllable_mapping: missing column\(s\) \['metasyllable'\]"):
        metasyllable_lookup(pd.DataFrame({"syllable": [0]}))
