"""Preprocessing: raw pose files and metadata.csv → canonical poses, QC, training set, inference batches."""

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.pipelines.preprocessing.nodes import (
    build_poses,
    export_pose_csvs,
    plot_qc,
    scan_pose_files,
    validate_inputs,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Wire the preprocessing nodes (docs/data_contracts.md names the outputs).

    ``validate_inputs`` decides every table before anything is written; the nodes that write
    the large per-video folders and the plot come after it.
    """
    params = "params:preprocessing"
    return Pipeline(
        [
            Node(
                scan_pose_files, ["raw_poses", params], ["pose_index", "pose_quality"], name="scan_pose_files"
            ),
            Node(
                validate_inputs,
                ["raw_metadata", "pose_index", "pose_quality", params],
                ["metadata", "qc_report", "training_set", "inference_batches"],
                name="validate_inputs",
            ),
            Node(build_poses, ["raw_poses", "metadata", params], "poses", name="build_poses"),
            Node(export_pose_csvs, ["poses", params], "pose_csvs", name="export_pose_csvs"),
            Node(plot_qc, ["qc_report", "metadata", params], "qc_plot", name="plot_qc"),
        ]
    )
