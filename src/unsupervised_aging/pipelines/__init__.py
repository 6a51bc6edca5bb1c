"""One sub-package per Kedro pipeline: ``nodes.py`` holds pure functions, ``pipeline.py`` wires."""
