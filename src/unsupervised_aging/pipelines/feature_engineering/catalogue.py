"""The feature catalogue: family, unit and a one-line description of every column of ``features``.

Each pattern below matches the names that ``recording.py``, ``latent.py`` and ``supervised.py``
write; a column that matches none is an error, so a new feature cannot reach ``features.csv``
undescribed. model_evaluation and the report read families from the catalogue instead of guessing
from name patterns.
"""

from __future__ import annotations

import re

import pandas as pd

FAMILIES = (
    "metadata",
    "syllable_usage",
    "durations",
    "transitions",
    "kinematics",
    "states",
    "mutual_information",
    "latent",
    "supervised",
)

_LABEL = r"(?P<kind>[sm])(?P<label>\d+)"

# (regex, family, unit, description); descriptions are formatted with the regex's named groups and
# ``what`` ("syllable 7" or "metasyllable 2"), ``source``/``target`` for transitions.
_PATTERNS: tuple[tuple[str, str, str, str], ...] = (
    (rf"usage_{_LABEL}", "syllable_usage", "share of frames", "share of the video's frames in {what}"),
    (
        rf"bout_usage_{_LABEL}",
        "syllable_usage",
        "share of bouts",
        "share of the video's bouts that are {what}",
    ),
    (rf"dur_mean_{_LABEL}", "durations", "s", "mean duration of the bouts of {what} (NaN if none)"),
    (rf"dur_median_{_LABEL}", "durations", "s", "median duration of the bouts of {what} (NaN if none)"),
    (
        rf"dur_cv_{_LABEL}",
        "durations",
        "ratio",
        "coefficient of variation (std / mean) of {what} bout durations",
    ),
    (
        r"trans_(?P<skind>[sm])(?P<source>\d+)_(?P<tkind>[sm])(?P<target>\d+)",
        "transitions",
        "probability",
        "probability of a bout of {source_what} followed by a bout of {target_what} ({normalize})",
    ),
    (r"transition_entropy", "transitions", "bits", "entropy of the next bout given the current one"),
    (r"sequence_entropy", "transitions", "bits", "entropy of the bouts' syllable distribution"),
    (
        rf"speed_mean_(?P<unit>cm|px)_{_LABEL}",
        "kinematics",
        "{unit}/s",
        "mean centroid speed during {what} (NaN if absent)",
    ),
    (rf"angvel_abs_mean_{_LABEL}", "kinematics", "rad/s", "mean absolute turning speed during {what}"),
    (r"speed_mean_(?P<unit>cm|px)", "kinematics", "{unit}/s", "mean centroid speed over the video"),
    (r"angvel_abs_mean", "kinematics", "rad/s", "mean absolute turning speed over the video"),
    (
        r"state_usage_(?P<state>\d+)",
        "states",
        "share of windows",
        "share of the video in behavioural state {state}",
    ),
    (
        r"state_dur_mean_(?P<state>\d+)",
        "states",
        "s",
        "mean duration of the bouts of behavioural state {state}",
    ),
    (
        r"state_dur_median_(?P<state>\d+)",
        "states",
        "s",
        "median duration of the bouts of behavioural state {state}",
    ),
    (
        r"mi_timescale_s",
        "mutual_information",
        "s",
        "lag where the syllables' lagged mutual information meets its Markov surrogate's",
    ),
    (
        r"latent_(?P<statistic>mean|median|std)_(?P<dim>\d+)",
        "latent",
        "PCA units",
        "{statistic} over frames of keypoint-moseq latent dimension {dim}",
    ),
)

_METADATA = {
    "name": ("", "video name (pose file stem)"),
    "mouse_id": ("", "animal identifier (cross-validation groups)"),
    "age": ("weeks", "age at recording (target)"),
    "frailty_index": ("score", "frailty index (target)"),
    "sex": ("", "sex of the animal"),
    "strain": ("", "strain of the animal"),
}


def _what(kind: str, label: str) -> str:
    return f"{'syllable' if kind == 's' else 'metasyllable'} {int(label)}"


def describe_columns(
    columns: list[str], metadata_columns: list[str], supervised_prefix: str, transition_normalize: str
) -> pd.DataFrame:
    """The catalogue of a features table.

    Parameters
    ----------
    columns
        Every column of ``features``, in order.
    metadata_columns
        Those copied from the metadata (``name``, ``mouse_id``, targets, covariates).
    supervised_prefix
        Prefix of the columns from ``supervised_features``.
    transition_normalize
        ``"bigram"`` or ``"rows"`` (what a ``trans_*`` probability is conditioned on).

    Returns
    -------
    pd.DataFrame
        ``column``, ``family``, ``unit``, ``description``; one row per column, in order.

    Raises
    ------
    ValueError
        A column that matches no pattern (a feature added without a description).
    """
    normalize = "joint, over all transitions" if transition_normalize == "bigram" else "given the first"
    compiled = [(re.compile(pattern), *rest) for pattern, *rest in _PATTERNS]
    metadata = set(metadata_columns)
    rows = []
    for column in columns:
        if column in metadata:
            unit, description = (
                _METADATA[column] if column in _METADATA else ("", f"metadata column '{column}'")
            )
            rows.append((column, "metadata", unit, description))
            continue
        if column.startswith(supervised_prefix):
            source = column[len(supervised_prefix) :]
            rows.append(
                (column, "supervised", "as in the table", f"column '{source}' of supervised_features")
            )
            continue
        for pattern, family, unit, description in compiled:
            match = pattern.fullmatch(column)
            if match:
                groups = match.groupdict()
                fields = {**groups, "normalize": normalize}
                for number in ("dim", "state"):  # "latent dimension 3", not "03"
                    if number in groups:
                        fields[number] = int(groups[number])
                if "kind" in groups:
                    fields["what"] = _what(groups["kind"], groups["label"])
                if "source" in groups:
                    fields["source_what"] = _what(groups["skind"], groups["source"])
                    fields["target_what"] = _what(groups["tkind"], groups["target"])
                rows.append((column, family, unit.format(**fields), description.format(**fields)))
                break
        else:
            raise ValueError(
                f"features: column {column!r} has no entry in the feature catalogue; add its pattern "
                "to feature_engineering/catalogue.py"
            )
    return pd.DataFrame(rows, columns=["column", "family", "unit", "description"])
