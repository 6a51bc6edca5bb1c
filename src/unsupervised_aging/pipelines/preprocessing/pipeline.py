"""Preprocessing: raw pose files and metadata.csv → canonical poses, QC, training set, inference batches."""

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.pipelines.preprocessing.nodes import (
    assign_inference_batches,
    build_poses,
    export_pose_csvs,
    report_quality,
    sample_training_set,
    scan_pose_files,
    validate_metadata,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Wire the preprocessing nodes (docs/data_contracts.md names the outputs)."""
    params = "params:preprocessing"
    return Pipeline(
        [
            Node(
                scan_pose_files, ["raw_poses", params], ["pose_index", "pose_quality"], name="scan_pose_files"
            ),
            Node(
                validate_metadata,
                ["raw_metadata", "pose_index", params],
                "metadata",
                name="validate_metadata",
            ),
            Node(build_poses, ["raw_poses", "metadata", params], "poses", name="build_poses"),
            Node(export_pose_csvs, "poses", "pose_csvs", name="export_pose_csvs"),
            Node(
                report_quality,
                ["pose_quality", "metadata", params],
                ["qc_report", "qc_plot"],
                name="report_quality",
            ),
            Node(
                sample_training_set,
                ["metadata", "qc_report", params],
                "training_set",
                name="sample_training_set",
            ),
            Node(
                assign_inference_batches,
                ["metadata", params],
                "inference_batches",
                name="assign_inference_batches",
            ),
        ]
    )
