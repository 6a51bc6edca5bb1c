"""Unsupervised Aging: mouse age prediction from keypoint-MoSeq syllables."""

__version__ = "0.1.0"
