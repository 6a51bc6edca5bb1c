"""One strict reading of a parameters block, shared by every pipeline's frozen settings class.

A default lives in ``conf/base/parameters_<pipeline>.yml`` only: a key missing from the YAML, or one the
code does not know (a typo), fails with one line naming it instead of falling back to a second default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def exact_keys(block: Any, expected: Iterable[str], where: str, yaml_file: str) -> Mapping[str, Any]:
    """Return ``block`` if it is a mapping with exactly the ``expected`` keys.

    Parameters
    ----------
    block
        One block of the parameters (e.g. ``params:kpms_training`` or a sub-block of it).
    expected
        The keys the settings class reads.
    where
        The block's dotted path in the parameters, used in messages (``"kpms_training.kappa_scan"``).
    yaml_file
        The YAML file that documents the block (``"conf/base/parameters_kpms_training.yml"``).

    Raises
    ------
    ValueError
        ``<where>: missing key(s) [...]; ...`` or ``<where>: unknown key(s) [...]; ...``, or if
        ``block`` is not a mapping.
    """
    if not isinstance(block, Mapping):
        raise ValueError(f"{where} must be a mapping of settings, got {block!r}; fix {yaml_file}")
    names = list(expected)
    missing = [name for name in names if name not in block]
    unknown = sorted(set(block) - set(names))
    if missing:
        raise ValueError(f"{where}: missing key(s) {missing}; every key is set in {yaml_file}, restore it")
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; check their spelling against {yaml_file}")
    return block
