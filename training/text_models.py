"""Logistic regression on the hashed character n-grams of :mod:`aigc_gateway.guards.features`.

The shipped format (``weights`` float16, ``bias``, ``threshold_<lang>`` and, for models with
keyword evidence, ``cue_threshold_<lang>``) is what :class:`LinearTextModel` loads. Thresholds
are chosen per language on development data only, from out-of-fold scores (5 folds) for the
records that were also training examples, at a false-positive rate of at most ``MAX_FPR``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aigc_gateway.guards.features import HASH_BITS, ngram_ids, normalize

SEED = 20240901
MAX_FPR = 0.02
CUE_THRESHOLD_FLOOR = 0.5
"""Keyword evidence lowers the bar at most to the model's own decision boundary."""
FOLDS = 5
FINAL_PUNCTUATION = ".?!。？！"


def fold_key(text: str) -> str:
    """What decides a text's hashed fold: the normalised text without its final punctuation,
    so that a text and its punctuation variants always fall in the same fold."""
    return normalize(text).rstrip(FINAL_PUNCTUATION + " ")


def hashed_folds(texts: Sequence[str], salt: str) -> np.ndarray:
    """A fold per text from a hash of its :func:`fold_key` and ``salt``: a text keeps its fold
    whatever else is added to the examples."""
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(f"{salt}:{fold_key(t)}".encode()).digest()[:8], "little")
            % FOLDS
            for t in texts
        ]
    )


@dataclass
class Example:
    text: str
    label: int
    source: str
    """``owner/name`` of a public source, or ``synthetic:<generator>``."""


@dataclass
class Calibration:
    """Per language, groups of development texts the operating point is chosen on.

    The thresholds keep the false-positive rate at most ``MAX_FPR`` in *every* group (e.g.
    public prompts and documents apart), so easy negatives in one group do not buy false
    positives in another; the true positives counted are those of the first group.
    """

    groups: dict[str, list[tuple[list[str], list[int]]]] = field(default_factory=dict)
    must_pass: dict[str, list[str]] = field(default_factory=dict)
    """Per language, negatives none of which may be flagged (everyday chat)."""
    flagged_elsewhere: dict[str, set[str]] = field(default_factory=dict)
    """Per language, negatives another model of the same detector already flags: they count
    against every group's budget, so that the budget holds for the two models together."""

    def add(self, lang: str, texts: list[str], labels: list[int]) -> None:
        self.groups.setdefault(lang, []).append((texts, labels))


def features_matrix(texts: Sequence[str]) -> Any:
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for text in texts:
        ids = ngram_ids(normalize(text))
        indices.append(ids)
        indptr.append(indptr[-1] + len(ids))
    flat = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    data = np.concatenate([np.full(len(ids), 1.0 / max(1.0, np.sqrt(len(ids)))) for ids in indices])
    return csr_matrix((data, flat, indptr), shape=(len(texts), 1 << HASH_BITS))


def allowed_false_positives(negatives: int, max_fpr: float) -> int:
    """The false-positive budget of a group as a whole number of texts, rounded to the nearest:
    1 % of a source of 70 texts allows one. Rounded down it would allow none, and every small
    source would then pin the threshold above its single highest score."""
    return int(max_fpr * negatives + 0.5)


def threshold_at_fpr(scores: Sequence[float], labels: Sequence[int], max_fpr: float) -> float:
    """The lowest threshold whose false-positive rate is at most ``max_fpr``."""
    negatives = sorted((s for s, y in zip(scores, labels, strict=True) if y == 0), reverse=True)
    if not negatives:
        return 0.5
    allowed = allowed_false_positives(len(negatives), max_fpr)
    return float(np.nextafter(negatives[min(allowed, len(negatives) - 1)], 1.0))


def thresholds_with_cue(
    groups: list[tuple[list[float], list[int], list[bool], list[bool]]],
    max_fpr: float,
    budgets: list[float] | None = None,
) -> tuple[float, float]:
    """(threshold with keyword evidence, threshold without) that catch the most positives of the
    first group while the false-positive rate stays at most ``max_fpr`` in every group. Each
    group is (scores, labels, keyword evidence, flagged by another model already)."""

    def candidates(with_cue: bool) -> list[float]:
        values = {
            float(np.nextafter(s, 1.0))
            for scores, labels, cues, _ in groups
            for s, y, c in zip(scores, labels, cues, strict=True)
            if not y and c == with_cue
        }
        values = {v for v in values if v >= (CUE_THRESHOLD_FLOOR if with_cue else 0.0)}
        return sorted(values | {1.0, CUE_THRESHOLD_FLOOR if with_cue else 0.0})

    limits = budgets or [max_fpr] * len(groups)

    def fpr_ok(cue_threshold: float, plain_threshold: float) -> bool:
        for (scores, labels, cues, elsewhere), limit in zip(groups, limits, strict=True):
            negatives = [
                (s, c, e)
                for s, y, c, e in zip(scores, labels, cues, elsewhere, strict=True)
                if not y
            ]
            flagged = sum(
                e or s >= (cue_threshold if c else plain_threshold) for s, c, e in negatives
            )
            if negatives and flagged > allowed_false_positives(len(negatives), limit):
                return False
        return True

    scores, labels, cues, _ = groups[0]
    best: tuple[int, float, float] = (-1, 1.0, 1.0)
    plain_options = candidates(False)
    for cue_threshold in candidates(True):
        # the lowest plain threshold that keeps every group within the budget
        low, high = 0, len(plain_options) - 1
        if not fpr_ok(cue_threshold, plain_options[high]):
            continue
        while low < high:
            middle = (low + high) // 2
            if fpr_ok(cue_threshold, plain_options[middle]):
                high = middle
            else:
                low = middle + 1
        plain_threshold = plain_options[low]
        caught = sum(
            s >= (cue_threshold if c else plain_threshold)
            for s, y, c in zip(scores, labels, cues, strict=True)
            if y
        )
        if caught > best[0]:
            best = (caught, cue_threshold, plain_threshold)
    return best[1], best[2]


@dataclass
class TrainedTextModel:
    weights: np.ndarray
    bias: float
    thresholds: dict[str, float]
    cue_thresholds: dict[str, float]
    examples: int
    positives: int
    sources: dict[str, dict[str, int]]
    """Per source, examples per label (``"0"``/``"1"``)."""
    flagged_negatives: dict[str, set[str]] = field(default_factory=dict)
    """Per language, the calibration negatives the model flags at its plain threshold."""
    network: dict[str, np.ndarray] = field(default_factory=dict)
    """Where the model has one, the arrays of its network part (``training/hashed_mlp.py``)."""
    out_of_fold: dict[str, float] = field(default_factory=dict)
    """The out-of-fold score of every training text (thresholds are chosen on them)."""
    dense_weights: np.ndarray | None = None
    """Where the model learnt dense features next to the n-grams, their weights."""

    def save(self, path: Path, **arrays: Any) -> None:
        """Weights, bias, thresholds, the network's arrays and ``arrays``, in one ``.npz``."""
        stored = {f"threshold_{lang}": np.float32(v) for lang, v in self.thresholds.items()}
        stored |= {
            f"cue_threshold_{lang}": np.float32(v) for lang, v in self.cue_thresholds.items()
        }
        with path.open("wb") as handle:  # np.savez_compressed is deterministic for fixed input
            np.savez_compressed(
                handle,
                weights=self.weights.astype(np.float16),
                bias=np.float32(self.bias),
                **stored,
                **self.network,
                **arrays,
            )


def logistic(inverse_regularization: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=inverse_regularization, class_weight="balanced", max_iter=3000, solver="liblinear"
    )


def source_counts(examples: list[Example]) -> dict[str, dict[str, int]]:
    """Per source, examples per label (``"0"``/``"1"``)."""
    sources: dict[str, Counter[str]] = {}
    for example in examples:
        sources.setdefault(example.source, Counter())[str(example.label)] += 1
    return {name: dict(sorted(counts.items())) for name, counts in sorted(sources.items())}


def train_text_model(
    examples: list[Example],
    calibration: Calibration,
    inverse_regularization: float,
    cue: Callable[[str], bool] | None = None,
    max_fpr: float = MAX_FPR,
    network_mix: float = 0.0,
    fold_salts: Sequence[str] = (),
    dense: Callable[[list[str]], np.ndarray] | None = None,
) -> TrainedTextModel:
    """``network_mix`` > 0: a logistic regression and a small network (``hashed_mlp``) mixed in
    logit space, the network's share ``network_mix``; else the logistic regression alone.
    ``fold_salts``: out-of-fold scores are the median over one set of :func:`hashed_folds` per
    salt; without, one stratified shuffle of five folds. ``dense``: features of each text learnt
    next to the n-grams (their weights are the model's ``dense_weights``)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.model_selection import StratifiedKFold

    from .hashed_mlp import MixedEstimator

    def features(batch: list[str]) -> Any:
        if dense is None:
            return features_matrix(batch)
        return hstack([features_matrix(batch), csr_matrix(dense(batch))], format="csr")

    texts = [e.text for e in examples]
    matrix = features(texts)
    target = np.array([e.label for e in examples])

    def fit(rows: Any, y: np.ndarray) -> Any:
        if network_mix:
            return MixedEstimator(logistic(inverse_regularization), network_mix).fit(rows, y)
        return logistic(inverse_regularization).fit(rows, y)

    if fold_salts:
        splits = [
            [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(FOLDS)]
            for fold in (hashed_folds(texts, salt) for salt in fold_salts)
        ]
    else:
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        splits = [list(folds.split(matrix, target))]
    repeats = np.zeros((len(splits), len(texts)))
    for repeat, split in enumerate(splits):
        for train_rows, test_rows in split:
            model = fit(matrix[train_rows], target[train_rows])
            repeats[repeat, test_rows] = model.predict_proba(matrix[test_rows])[:, 1]
    out_of_fold = dict(zip(texts, map(float, np.median(repeats, axis=0)), strict=True))
    model = fit(matrix, target)
    thresholds, cue_thresholds = {}, {}
    flagged: dict[str, set[str]] = {}
    for lang, groups in calibration.groups.items():
        scored = []
        budgets = [max_fpr] * len(groups)
        if calibration.must_pass.get(lang):
            groups = [
                *groups,
                (calibration.must_pass[lang], [0] * len(calibration.must_pass[lang])),
            ]
            budgets.append(0.0)
        for texts_in_group, gold in groups:
            unseen = [t for t in texts_in_group if t not in out_of_fold]
            final = {}
            if unseen:
                probabilities = model.predict_proba(features(unseen))[:, 1]
                final = dict(zip(unseen, probabilities, strict=True))
            scores = [out_of_fold.get(t, final.get(t, 0.0)) for t in texts_in_group]
            scored.append((texts_in_group, scores, gold))
        if cue is None:
            thresholds[lang] = max(
                threshold_at_fpr(s, g, budget)
                for (_, s, g), budget in zip(scored, budgets, strict=True)
                if 0 in g
            )
        else:
            elsewhere = calibration.flagged_elsewhere.get(lang, set())
            with_cues = [
                (
                    scores,
                    gold,
                    [cue(t) for t in texts],
                    [budget > 0 and t in elsewhere for t in texts],
                )
                for (texts, scores, gold), budget in zip(scored, budgets, strict=True)
            ]
            cue_thresholds[lang], thresholds[lang] = thresholds_with_cue(
                with_cues, max_fpr, budgets
            )
        flagged[lang] = {
            text
            for texts_in_group, scores, gold in scored
            for text, score, label in zip(texts_in_group, scores, gold, strict=True)
            if not label and score >= thresholds[lang]
        }
    hashed = 1 << HASH_BITS
    return TrainedTextModel(
        weights=model.coef_[0][:hashed],
        bias=float(model.intercept_[0]),
        thresholds=thresholds,
        cue_thresholds=cue_thresholds,
        examples=len(examples),
        positives=int(target.sum()),
        sources=source_counts(examples),
        flagged_negatives=flagged,
        network=model.network_arrays() if network_mix else {},
        out_of_fold=out_of_fold,
        dense_weights=model.coef_[0][hashed:] if dense is not None else None,
    )
