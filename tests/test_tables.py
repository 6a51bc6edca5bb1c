import pandas as pd
import pytest

from unsupervised_aging.tables import require_columns, require_positive


def test_require_columns_names_every_missing_column_and_the_fix():
    table = pd.DataFrame({"name": ["a"]})
    message = r"^metadata: missing column\(s\) \['fps', 'age'\]; rerun preprocessing$"
    with pytest.raises(ValueError, match=message):
        require_columns(table, ["name", "fps", "age"], "metadata", "rerun preprocessing")
    require_columns(table, ["name"], "metadata", "rerun preprocessing")


@pytest.mark.parametrize("bad", [0, -30, "thirty", None])
def test_require_positive_names_the_value_and_the_rows(bad):
    table = pd.DataFrame({"name": ["a", "b"], "fps": [30, bad]})
    message = r"metadata: column 'fps' must be a positive number, not .* \['b'\]; fix"
    with pytest.raises(ValueError, match=message):
        require_positive(table, "fps", "metadata", "fix the fps column")


def test_require_positive_returns_floats():
    table = pd.DataFrame({"name": ["a", "b"], "fps": ["30", 25]})
    assert require_positive(table, "fps", "metadata", "fix").tolist() == [30.0, 25.0]
