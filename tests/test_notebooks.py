"""The notebooks run top to bottom on the demo outputs: a broken notebook fails the suite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.end_to_end import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
KERNEL_NAME = "unsupervised-aging-tests"


def this_python_kernel(kernels_dir: Path) -> KernelManager:
    """A kernel manager for an IPython kernel of the interpreter running the tests.

    The kernelspec lives in ``kernels_dir`` (no global Jupyter state is read or changed), so the
    notebooks run with the project's virtual environment whatever kernels the user has installed.
    """
    spec_dir = kernels_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "unsupervised-aging tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(kernels_dir)], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute_notebook(notebook: Path, working_dir: Path, kernels_dir: Path) -> nbformat.NotebookNode:
    """Execute ``notebook`` with ``working_dir`` as its working directory, as Jupyter would.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell fails (the message names the cell and the error).
    """
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        km=this_python_kernel(kernels_dir),
        timeout=300,
        resources={"metadata": {"path": str(working_dir)}},
    )
    client.execute()
    return nb


def test_notebooks_are_committed_without_outputs() -> None:
    assert NOTEBOOKS, "no notebooks found"
    for notebook in NOTEBOOKS:
        nb = nbformat.read(notebook, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{notebook.name}: strip outputs"


@pytest.mark.slow
@pytest.mark.parametrize("notebook_name", [n.name for n in NOTEBOOKS])
def test_notebook_runs_on_demo_outputs(demo_project: Path, notebook_name: str, tmp_path: Path) -> None:
    notebook = demo_project / "notebooks" / notebook_name
    nb = execute_notebook(notebook, notebook.parent, tmp_path / "kernels")

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), "every code cell ran"
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not errors
    figures = [o for c in code_cells for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, f"{notebook_name} shows no figure"
