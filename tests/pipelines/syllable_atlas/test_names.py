"""The names table: pre-filled with the vocabulary's ids, keeps what users and the widget wrote."""

import pandas as pd
import pytest

from unsupervised_aging.pipelines.syllable_atlas.names import display_names, merge_names, syllable_id

VOCABULARY = {"n_syllables": 12, "syllables": [0, 3, 7, 11]}


def test_first_run_prefills_every_syllable_with_empty_labels() -> None:
    table = merge_names(VOCABULARY, pd.DataFrame(columns=["syllable", "label", "notes"]), None, "names.csv")
    assert table["syllable"].tolist() == ["s00", "s03", "s07", "s11"]
    assert (table["label"] == "").all() and (table["notes"] == "").all()


def test_ids_are_padded_like_feature_columns() -> None:
    assert syllable_id(7, 12) == "s07"
    assert syllable_id(7, 101) == "s007"  # 100 states: feature_engineering pads to three digits


def test_user_labels_win_over_the_widget_and_nothing_typed_is_lost() -> None:
    user = pd.DataFrame(
        {"syllable": ["s07", "s99"], "label": ["rear", "old"], "notes": ["", "from another model"]}
    )
    widget = pd.DataFrame(
        {
            "syllable": [7, 3],
            "label": ["stand", "groom"],
            "short_description": ["", "face wash"],
            "movie_path": "",
        }
    )
    table = merge_names(VOCABULARY, user, widget, "names.csv").set_index("syllable")
    assert table.loc["s07", "label"] == "rear"
    assert table.loc["s03", "label"] == "groom" and table.loc["s03", "notes"] == "face wash"
    assert table.loc["s99", "notes"] == "from another model"
    assert display_names(table.reset_index())["s07"] == "s07 rear"
    assert display_names(table.reset_index())["s00"] == "s00"


@pytest.mark.parametrize(
    ("syllables", "message"),
    [(["s07", "7"], r"names.csv: row 3: syllable '7'"), (["s07", "s07"], r"\['s07'\] have several rows")],
)
def test_bad_user_rows_are_named(syllables: list[str], message: str) -> None:
    user = pd.DataFrame({"syllable": syllables, "label": ["a", "b"], "notes": ["", ""]})
    with pytest.raises(ValueError, match=message):
        merge_names(VOCABULARY, user, None, "names.csv")
