"""What the keypoint-moseq stages (kpms_training, kpms_inference) share (docs/architecture.md).

- :mod:`.poses`: the ``poses`` partitions keyed by video name.
- :mod:`.config`: keypoint-moseq's config with its heading keypoint indexes.
- :mod:`.syllables`: the syllable → metasyllable lookup.
- :mod:`.private_api`: the only uses of keypoint-moseq's private functions.
- :mod:`.watchdog`: runs a long JAX call in a child process and fails it when it stalls.

keypoint-moseq is imported inside functions only: importing it takes ~15 s.
"""
