"""High-level behavioural states: a sticky hidden Markov model whose states emit syllables.

States are slow mixtures of syllables (sMoSeq-style). Time is cut into windows (e.g. 1 s); a state
emits the syllable counts of a window from its own syllable distribution (multinomial), so a state
is a behavioural mode lasting seconds to minutes rather than one syllable bout. The model is fit
by MAP expectation-maximisation with Dirichlet priors, the transition prior adding ``stickiness``
pseudo-counts to self-transitions. Window sequences are cut into chunks of equal length and
processed together, so each time step is one vectorised numpy operation over all chunks: the cost
is ``chunk_length`` Python steps per iteration whatever the number of videos. A chunk starts from
the initial distribution (a small approximation at chunk boundaries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

logger = logging.getLogger(__name__)


@dataclass
class StickyHmm:
    """Parameters of a categorical sticky HMM.

    Attributes
    ----------
    initial
        ``(K,)`` initial state probabilities.
    transitions
        ``(K, K)`` row-stochastic state transition matrix.
    emissions
        ``(K, S)`` probability of each syllable (frame) in each state.
    log_likelihood
        Per-iteration log-likelihood of the training chunks (nats).
    """

    initial: np.ndarray
    transitions: np.ndarray
    emissions: np.ndarray
    log_likelihood: list[float] = field(default_factory=list)

    @property
    def n_states(self) -> int:
        """Number of hidden states ``K``."""
        return self.initial.shape[0]


def window_counts(sequence: np.ndarray, frames_per_window: int, n_labels: int) -> np.ndarray:
    """Syllable counts per window.

    Parameters
    ----------
    sequence
        ``(T,)`` int labels; labels ``>= n_labels`` are not counted.
    frames_per_window
        Window length in frames; the last window may be shorter.
    n_labels
        Number of syllables ``S``.

    Returns
    -------
    np.ndarray
        ``(ceil(T / frames_per_window), S)`` float counts.
    """
    n_windows = max(1, -(-sequence.size // frames_per_window))
    window = np.arange(sequence.size) // frames_per_window
    known = sequence < n_labels
    flat = np.bincount(window[known] * n_labels + sequence[known], minlength=n_windows * n_labels)
    return flat.reshape(n_windows, n_labels).astype(float)


def chunk_windows(counts: np.ndarray, chunk_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``(W, S)`` window counts into ``(C, chunk_length, S)`` chunks, zero-padding the last one.

    Returns
    -------
    chunks, mask
        The chunks and ``(C, chunk_length)`` bool validity of each window.
    """
    n_windows, n_labels = counts.shape
    n_chunks = max(1, -(-n_windows // chunk_length))
    chunks = np.zeros((n_chunks * chunk_length, n_labels))
    mask = np.zeros(n_chunks * chunk_length, dtype=bool)
    chunks[:n_windows] = counts
    mask[:n_windows] = True
    return chunks.reshape(n_chunks, chunk_length, n_labels), mask.reshape(n_chunks, chunk_length)


def _forward_backward(
    model: StickyHmm, chunks: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scaled forward-backward over all chunks at once.

    Parameters
    ----------
    chunks, mask
        ``(N, L, S)`` window counts and ``(N, L)`` validity; an empty window carries no
        information (likelihood 1), so padding needs no special case.

    Returns
    -------
    posterior, expected_transitions, log_likelihood
        ``(N, L, K)`` state posteriors, ``(K, K)`` expected transition counts over valid window
        pairs, and the total log-likelihood (nats, up to the multinomial coefficients).
    """
    n, length, _ = chunks.shape
    log_likelihood = chunks @ np.log(model.emissions).T  # (N, L, K)
    shift = log_likelihood.max(axis=2, keepdims=True)
    likelihood = np.exp(log_likelihood - shift)
    transitions = model.transitions
    alpha = np.empty_like(likelihood)
    scale = np.empty((n, length))
    a = model.initial * likelihood[:, 0]
    scale[:, 0] = a.sum(axis=1)
    alpha[:, 0] = a / scale[:, 0, None]
    for t in range(1, length):
        a = (alpha[:, t - 1] @ transitions) * likelihood[:, t]
        scale[:, t] = a.sum(axis=1)
        alpha[:, t] = a / scale[:, t, None]
    beta = np.ones_like(likelihood)
    expected = np.zeros_like(transitions)
    for t in range(length - 2, -1, -1):
        weighted = likelihood[:, t + 1] * beta[:, t + 1] / scale[:, t + 1, None]
        beta[:, t] = weighted @ transitions.T
        pair_valid = mask[:, t + 1]
        expected += (alpha[pair_valid, t].T @ weighted[pair_valid]) * transitions
    posterior = alpha * beta
    posterior /= posterior.sum(axis=2, keepdims=True)
    return posterior, expected, float(np.log(scale).sum() + shift.sum())


def fit_sticky_hmm(
    chunks: np.ndarray,
    mask: np.ndarray,
    n_states: int,
    stickiness: float,
    concentration: float,
    max_iter: int,
    tol: float,
    seed: int,
) -> StickyHmm:
    """Fit a sticky multinomial HMM by MAP expectation-maximisation.

    Parameters
    ----------
    chunks, mask
        ``(N, L, S)`` training window counts and ``(N, L)`` validity.
    n_states
        Number of hidden states ``K``.
    stickiness
        Pseudo-counts added to each self-transition (Dirichlet prior on the transition rows).
    concentration
        Dirichlet concentration (> 1 smooths) on transition rows, emissions and the initial state.
    max_iter, tol
        Stop after ``max_iter`` iterations or when the log-likelihood gains less than ``tol``
        relative.
    seed
        Seed of the random initial emissions.

    Returns
    -------
    StickyHmm
        States ordered by decreasing share of training windows.
    """
    rng = np.random.default_rng(seed)
    n_labels = chunks.shape[2]
    pooled = chunks[mask].sum(axis=0) + 1.0
    pooled /= pooled.sum()
    emissions = 0.5 * pooled + 0.5 * rng.dirichlet(np.ones(n_labels), size=n_states)
    off = 0.05 / max(n_states - 1, 1)
    transitions = np.full((n_states, n_states), off) + np.eye(n_states) * (0.95 - off)
    if n_states == 1:
        transitions = np.ones((1, 1))
    model = StickyHmm(np.full(n_states, 1.0 / n_states), transitions, emissions)
    prior = concentration - 1.0
    for iteration in range(max_iter):
        posterior, expected, log_likelihood = _forward_backward(model, chunks, mask)
        model.log_likelihood.append(log_likelihood)
        counts = expected + prior + stickiness * np.eye(n_states)
        model.transitions = counts / counts.sum(axis=1, keepdims=True)
        initial = posterior[:, 0].sum(axis=0) + prior
        model.initial = initial / initial.sum()
        emission_counts = np.einsum("nlk,nls->ks", posterior * mask[..., None], chunks) + prior
        model.emissions = emission_counts / emission_counts.sum(axis=1, keepdims=True)
        history = model.log_likelihood
        if len(history) > 1 and abs(history[-1] - history[-2]) <= tol * abs(history[-2]):
            logger.info("Sticky HMM converged after %d iterations", iteration + 1)
            break
    else:
        logger.info("Sticky HMM stopped at max_iter=%d without converging (tol=%g)", max_iter, tol)
    return _order_states_by_usage(model, posterior[mask].sum(axis=0))


def _order_states_by_usage(model: StickyHmm, usage: np.ndarray) -> StickyHmm:
    """Relabel states so that state 0 has the most training windows."""
    order = np.argsort(-usage, kind="stable")
    return StickyHmm(
        model.initial[order],
        model.transitions[np.ix_(order, order)],
        model.emissions[order],
        list(model.log_likelihood),
    )


def infer_states(model: StickyHmm, counts: np.ndarray, chunk_length: int) -> np.ndarray:
    """Most probable state of each window (posterior argmax), chunk by chunk.

    Parameters
    ----------
    model
        A fitted model.
    counts
        ``(W, S)`` window counts of one recording (:func:`window_counts` with the model's ``S``).
    chunk_length
        Windows per chunk, as in fitting.

    Returns
    -------
    np.ndarray
        ``(W,)`` int states.
    """
    chunks, mask = chunk_windows(counts, chunk_length)
    posterior, _, _ = _forward_backward(model, chunks, mask)
    return posterior.argmax(axis=2)[mask]


def sample_training_chunks(
    window_sequences: Iterable[np.ndarray], chunk_length: int, max_chunks_per_video: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``max_chunks_per_video`` chunks of each training video, full chunks first.

    Parameters
    ----------
    window_sequences
        ``(W, S)`` window counts of each training video, one at a time.
    chunk_length
        Windows per chunk.
    max_chunks_per_video
        Chunks drawn (without replacement, in time order) from each video's full chunks, or from
        all its chunks when it has no full one.
    seed
        Seed of the draw.

    Returns
    -------
    chunks, mask
        ``(N, chunk_length, S)`` counts and ``(N, chunk_length)`` validity, for :func:`fit_sticky_hmm`.
    """
    rng = np.random.default_rng(seed)
    chunks, masks = [], []
    for counts in window_sequences:
        video_chunks, video_mask = chunk_windows(counts, chunk_length)
        full = np.flatnonzero(video_mask.all(axis=1))
        pick = full if full.size else np.arange(len(video_chunks))
        pick = np.sort(rng.permutation(pick)[:max_chunks_per_video])
        chunks.append(video_chunks[pick])
        masks.append(video_mask[pick])
    return np.concatenate(chunks), np.concatenate(masks)
