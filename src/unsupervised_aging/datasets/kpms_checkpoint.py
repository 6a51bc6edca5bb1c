"""keypoint-moseq project artefacts (config, PCA, checkpoints, selected model) in its own layout.

Every class here writes the files exactly where and how keypoint-moseq writes them, so that
``kpms.load_config(project_dir)``, ``kpms.load_pca(project_dir)`` and
``kpms.load_checkpoint(project_dir, model_name)`` read the catalog's files directly.
keypoint-moseq is imported lazily: importing it takes ~17 s on a small CPU.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import h5py
import joblib
from kedro.io import DatasetError

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class KpmsCheckpoint:
    """Handle on a keypoint-moseq ``checkpoint.h5`` (``model_snapshots/<iter>``, ``data``, ``metadata``).

    Loading is lazy because a checkpoint holds the whole formatted training data; use
    :meth:`model` for one snapshot and :meth:`load` for what ``kpms.load_checkpoint`` returns.

    Attributes
    ----------
    path
        The ``checkpoint.h5`` file; its folder's name is the keypoint-moseq model name.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def model_name(self) -> str:
        """keypoint-moseq's model name: the checkpoint's folder name."""
        return self.path.parent.name

    @property
    def project_dir(self) -> Path:
        """keypoint-moseq's project folder: the folder above the model's folder."""
        return self.path.parent.parent

    def exists(self) -> bool:
        """Whether the file exists and holds at least one model snapshot."""
        return bool(self.iterations())

    def iterations(self) -> list[int]:
        """Sorted iterations of the saved model snapshots (empty when the file is missing)."""
        if not self.path.is_file():
            return []
        try:
            with h5py.File(self.path, "r") as f:
                return sorted(int(i) for i in f.get("model_snapshots", {}))
        except OSError:  # a file left half-written by a killed process
            return []

    def attrs(self) -> dict[str, Any]:
        """File-level attributes (e.g. the fingerprint of the settings a fit was started with)."""
        if not self.path.is_file():
            return {}
        with h5py.File(self.path, "r") as f:
            return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

    def model(self, iteration: int | None = None) -> dict[str, Any]:
        """One model snapshot (the last by default) as keypoint-moseq's nested dict of arrays."""
        from keypoint_moseq import load_hdf5

        iterations = self.iterations()
        if not iterations:
            raise DatasetError(f"{self.path}: no model snapshot; rerun the kpms_training pipeline")
        iteration = iterations[-1] if iteration is None else iteration
        return load_hdf5(str(self.path), f"model_snapshots/{iteration}")

    def load(self, iteration: int | None = None) -> tuple[dict, dict, tuple, int]:
        """``(model, data, metadata, iteration)`` exactly as ``kpms.load_checkpoint`` returns them."""
        from keypoint_moseq import load_checkpoint

        return load_checkpoint(path=str(self.path), iteration=iteration)

    def __repr__(self) -> str:
        return f"KpmsCheckpoint({str(self.path)!r}, iterations={self.iterations()})"


class KpmsCheckpointDataset(FileDataset[KpmsCheckpoint, KpmsCheckpoint]):
    """A finished keypoint-moseq checkpoint at ``<project_dir>/<model_name>/checkpoint.h5``.

    ``save`` takes the :class:`KpmsCheckpoint` a fitting node returns (written by keypoint-moseq
    in a work folder) and moves it into place atomically (same filesystem: a rename; otherwise a
    copy to a temporary file, then a rename). ``load`` returns a lazy :class:`KpmsCheckpoint`.

    Parameters
    ----------
    filepath
        Path of ``checkpoint.h5``; its folder name is the model name.
    """

    def load(self) -> KpmsCheckpoint:
        checkpoint = KpmsCheckpoint(self._filepath)
        if not checkpoint.exists():
            raise DatasetError(
                f"{self._filepath}: no keypoint-moseq checkpoint; run the kpms_training pipeline"
            )
        return checkpoint

    def save(self, data: KpmsCheckpoint) -> None:
        if not isinstance(data, KpmsCheckpoint) or not data.exists():
            raise DatasetError(f"{self._filepath}: expected a KpmsCheckpoint with snapshots, got {data!r}")
        if data.path.resolve() == self._filepath.resolve():
            return
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(data.path, self._filepath)
        except OSError:  # another filesystem: copy beside the target, then rename
            with atomic_path(self._filepath) as tmp:
                shutil.copyfile(data.path, tmp)


class KpmsFitWorkspaceDataset(FileDataset[None, KpmsCheckpoint]):
    """Where a fit writes its snapshots while it runs, so an interrupted fit can resume.

    ``load`` always succeeds and returns a :class:`KpmsCheckpoint` for
    ``<project_dir>/<model_name>/checkpoint.h5`` (which may not exist yet). The fitting node
    lets keypoint-moseq save snapshots there and continues from the last one after a crash;
    :class:`KpmsCheckpointDataset` moves the finished file into the project. Read-only.

    Parameters
    ----------
    filepath
        Path of the work copy of ``checkpoint.h5``; its folder name is the model name.
    """

    def _exists(self) -> bool:
        return True

    def load(self) -> KpmsCheckpoint:
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        return KpmsCheckpoint(self._filepath)

    def save(self, data: None) -> None:
        raise DatasetError(f"{self._filepath}: a fit workspace is written by keypoint-moseq, not saved")


class KpmsConfigDataset(FileDataset[dict[str, Any], dict[str, Any]]):
    """keypoint-moseq's ``config.yml``.

    ``save`` writes a config dict with ``kpms.generate_config`` (keypoint-moseq's own sections
    and comments; keys it does not know are dropped). ``load`` returns what
    ``kpms.load_config(project_dir)`` returns: the dict plus ``anterior_idxs``/``posterior_idxs``.

    Parameters
    ----------
    filepath
        Path of the file; must be named ``config.yml`` for keypoint-moseq to find it.
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        if self._filepath.name != "config.yml":
            raise DatasetError(
                f"{filepath}: keypoint-moseq reads its config only from a file named config.yml"
            )

    def load(self) -> dict[str, Any]:
        from keypoint_moseq import load_config

        if not self._filepath.is_file():
            raise DatasetError(f"{self._filepath}: missing; run the kpms_training pipeline")
        return load_config(str(self._filepath.parent))

    def save(self, data: dict[str, Any]) -> None:
        from keypoint_moseq import generate_config

        options = {k: v for k, v in data.items() if k not in ("anterior_idxs", "posterior_idxs")}
        with atomic_path(self._filepath) as tmp:
            staging = tmp.with_suffix(".d")
            staging.mkdir()
            try:
                generate_config(str(staging), **_plain(options))
                os.replace(staging / "config.yml", tmp)
            finally:
                shutil.rmtree(staging, ignore_errors=True)


class KpmsPcaDataset(FileDataset[Any, Any]):
    """keypoint-moseq's ``pca.p``: a scikit-learn PCA written with joblib, as ``kpms.save_pca`` does.

    Parameters
    ----------
    filepath
        Path of the file (``<project_dir>/pca.p`` for ``kpms.load_pca(project_dir)``).
    """

    def load(self) -> Any:
        try:
            return joblib.load(self._filepath)
        except (OSError, EOFError) as err:
            raise DatasetError(f"{self._filepath}: not a readable PCA ({err}); rerun kpms_training") from err

    def save(self, data: Any) -> None:
        with atomic_path(self._filepath) as tmp:
            joblib.dump(data, tmp)


class KpmsModelDataset(FileDataset[dict[str, Any], dict[str, Any]]):
    """One keypoint-moseq model with its name, as HDF5 in keypoint-moseq's pytree format.

    ``load`` returns ``{"model_name": str, "model": dict}`` where ``model`` is the nested dict
    of ``states``, ``params``, ``hypparams``, ``noise_prior`` and ``seed`` that
    ``kpms.apply_model`` takes; the file reads with ``kpms.load_hdf5`` too.

    Parameters
    ----------
    filepath
        Path of the ``.h5`` file.
    """

    def load(self) -> dict[str, Any]:
        from keypoint_moseq import load_hdf5

        try:
            stored = load_hdf5(str(self._filepath))
        except (OSError, KeyError) as err:
            raise DatasetError(
                f"{self._filepath}: not a readable model file ({err}); rerun kpms_training"
            ) from err
        return {"model_name": str(stored["model_name"]), "model": stored["model"]}

    def save(self, data: dict[str, Any]) -> None:
        from keypoint_moseq import save_hdf5

        with atomic_path(self._filepath) as tmp:
            tmp.unlink()  # save_hdf5 opens in append mode and cannot read an empty file
            save_hdf5(str(tmp), {"model_name": str(data["model_name"]), "model": data["model"]})


def _plain(value: Any) -> Any:
    """Turn NumPy/JAX scalars and arrays into plain Python values that YAML can write."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


__all__ = [
    "KpmsCheckpoint",
    "KpmsCheckpointDataset",
    "KpmsConfigDataset",
    "KpmsFitWorkspaceDataset",
    "KpmsModelDataset",
    "KpmsPcaDataset",
]
