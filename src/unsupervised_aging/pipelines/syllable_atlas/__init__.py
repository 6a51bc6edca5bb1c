"""syllable_atlas: what each syllable looks like (trajectories, similarity, grid movies) and its name.

Kept free of imports so that the report can use ``names`` without loading the pipeline.
"""
