"""feature_engineering: keypoint-moseq results → one row of behaviour features per video."""
