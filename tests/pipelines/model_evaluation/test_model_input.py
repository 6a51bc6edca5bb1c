"""Features table validation: which columns become features, and one-line errors on bad input."""

import logging

import numpy as np
import pytest

from unsupervised_aging.pipelines.model_evaluation.nodes import prepare_inputs


def prepare_model_input(table, params):
    """The age target's model input, as the pipeline's first node makes it."""
    return prepare_inputs(table, params | {"targets": ["age"]})["age"]


def test_every_target_present_gets_an_input_without_the_others_as_features(table, params):
    inputs = prepare_inputs(
        table.drop(columns="frailty_index"), params | {"targets": ["age", "frailty_index", "x"]}
    )
    assert list(inputs) == ["age"]
    frailty = prepare_inputs(table, params)["frailty_index"]
    assert "age" not in frailty.feature_names and "frailty_index" not in frailty.feature_names
    np.testing.assert_array_equal(frailty.covariate, table["age"])


def test_features_exclude_targets_ids_and_text_columns(table, params):
    data = prepare_model_input(table, params)
    assert data.feature_names == [c for c in table.columns if c.startswith("feat_")]
    assert data.X.shape == (len(table), len(data.feature_names))
    np.testing.assert_array_equal(data.y, table["age"])
    assert data.n_groups == table["mouse_id"].nunique()


def test_all_nan_columns_dropped_and_logged(table, params, caplog):
    table["feat_empty"] = np.nan
    table.loc[0, "feat_00"] = np.inf
    with caplog.at_level(logging.INFO):
        data = prepare_model_input(table, params)
    assert "feat_empty" not in data.feature_names
    assert "feat_empty" in caplog.text and "sex" in caplog.text
    assert np.isnan(data.X[0, 0])  # infinities are imputed inside the folds like NaN


def test_videos_without_target_dropped_and_logged(table, params, caplog):
    table.loc[[0, 5], "age"] = np.nan
    with caplog.at_level(logging.WARNING):
        data = prepare_model_input(table, params)
    assert len(data.y) == len(table) - 2
    assert "Dropping 2" in caplog.text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.drop(columns="age"), r"none of the target columns \['age'\]"),
        (lambda t: t.assign(age=t["age"].astype(object).where(t.index != 3, "old")), "'age' is not numeric"),
        (lambda t: t.assign(age=12.0), "'age' is constant"),
        (lambda t: t.drop(columns="mouse_id"), "no group column 'mouse_id'"),
        (lambda t: t.assign(mouse_id=t["mouse_id"].str[:3]), "distinct 'mouse_id' values but 4 outer folds"),
        (lambda t: t[["name", "mouse_id", "age", "sex"]], "no numeric feature columns"),
    ],
)
def test_bad_input_gives_one_line_error(table, params, change, expected):
    with pytest.raises(ValueError, match=expected) as error:
        prepare_model_input(change(table), params)
    assert "\n" not in str(error.value)
    assert "features" in str(error.value)
