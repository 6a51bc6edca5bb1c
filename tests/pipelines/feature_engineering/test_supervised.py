"""The supervised table: joined by name, prefixed, and its problems named in one line."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog

from unsupervised_aging.pipelines.feature_engineering.supervised import merge_supervised

from .conftest import CONF

FEATURES = pd.DataFrame({"name": ["0012", "b", "c"], "usage_s00": [0.1, 0.2, 0.3]})


def test_the_catalog_entry_keeps_names_as_text_and_a_missing_file_means_no_table(tmp_path):
    entry = yaml.safe_load((CONF / "catalog_feature_engineering.yml").read_text())["supervised_features"]
    entry["filepath"] = str(tmp_path / "supervised_features.csv")
    catalog = DataCatalog.from_config({"supervised_features": entry})
    absent = catalog.load("supervised_features")
    assert merge_supervised(FEATURES, absent, "sup_", ["age"]).equals(FEATURES)
    pd.DataFrame({"name": ["0012"], "stride_cm": [7.5]}).to_csv(entry["filepath"], index=False)
    merged = merge_supervised(FEATURES, catalog.load("supervised_features"), "sup_", ["age"])
    assert merged.loc[0, "sup_stride_cm"] == 7.5 and merged["sup_stride_cm"].isna().sum() == 2


def test_text_columns_and_metadata_columns_are_left_out_with_a_warning(caplog):
    table = pd.DataFrame(
        {"name": ["b", "c", "zz"], "x": [1.0, None, 3.0], "label": ["u", None, "w"], "age": [5.0, 6.0, 7.0]}
    )
    with caplog.at_level(logging.WARNING):
        merged = merge_supervised(FEATURES, table, "sup_", ["mouse_id", "age"])
    assert [c for c in merged.columns if c.startswith("sup_")] == ["sup_x"]
    assert merged.loc[1, "sup_x"] == 1.0 and merged["sup_x"].isna().sum() == 2  # 0012: no row; c: empty
    for named in ("['label']", "['age']", "['zz']", "['0012']"):
        assert named in caplog.text


def test_a_non_number_in_a_numeric_column_names_the_video_and_row():
    table = pd.DataFrame({"name": ["b", "c"], "x": ["1.5", "twelve"]})
    with pytest.raises(ValueError, match=r"column 'x' is numeric but holds 'twelve' for video 'c' \(row 3"):
        merge_supervised(FEATURES, table, "sup_", [])
