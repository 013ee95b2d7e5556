"""Watermark, fingerprint-registry and image-mark benchmark.

    python bench/watermark.py --prompts 200      # generate (resumable), measure, write JSON
    python bench/watermark.py --parts registry,images --prompts 60 --excerpts 3

``--parts`` runs some parts and keeps the others' results from the previous run (each part
records when it ran under ``runs``); the registry part needs the generated answers too.

1. Text watermark: ``--prompts`` prompts (half English, half Chinese; benign instructions from
   ``../shared/bench``) answered by the local model through the product's own LocalModel and
   WatermarkProcessor, once with and once without the watermark, ``--tokens`` tokens each.
   Detection threshold: the smallest z whose false-positive rate is <= 1 % on the unwatermarked
   answers plus human texts (tweets, Weibo posts, COLD comments, MSRA news of ../shared/bench,
   concatenated to the same token length). TPR at that threshold, clean and after attacks
   (10 %/25 % substitution, 20 % deletion, 200 tokens embedded in 600 tokens of human text).
   Cost: tokens/s with ÷ without (interleaved per prompt), perplexity under the unwatermarked
   model. Generations are cached in ``--cache`` so an interrupted run resumes.
2. Registry: ``--excerpts`` excerpts of 50/100/200 characters per generated answer, 10 % edited
   and pasted into human text, traced back; false matches over ``--human`` unrelated human
   texts; lookup time per suspect.
3. Images: bit accuracy of the invisible watermark and survival of C2PA/XMP after JPEG quality 75
   and a 50 % resize, on procedurally drawn 512x512 images.

No transformers/MarkLLM peer runs here: both need the model as PyTorch weights, and only the
GGUF file is available offline. The published KGW numbers are given as the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import RESULTS, machine, print_table, summary_of, write_result
from PIL import Image, ImageDraw

from aigc_gateway.config import LocalModelSettings, WatermarkSettings
from aigc_gateway.labeling.images import ImageLabels
from aigc_gateway.labeling.implicit import ImplicitLabels, new_produce_id
from aigc_gateway.labeling.keys import WatermarkKey
from aigc_gateway.labeling.registry import LabelRegistry, TextEntry
from aigc_gateway.labeling.signing import create_signing_identity, load_signing_identity
from aigc_gateway.labeling.vocab import VocabTokenizer
from aigc_gateway.labeling.watermark import GreenList, WatermarkProcessor, score_tokens
from aigc_gateway.language import is_cjk
from aigc_gateway.providers.base import GenerationRequest
from aigc_gateway.providers.local import LocalModel, bundled_model_path
from aigc_gateway.providers.messages import ChatMessage

BENCH_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench"
SEED = 4538
MAX_FPR = 0.01
KGW_REFERENCE = {
    "source": "Kirchenbauer et al., A Watermark for Large Language Models, ICML 2023, Table 2",
    "setting": "OPT-1.3B, multinomial sampling, T=200, gamma=0.25, delta=2, z=4",
    "tpr": 0.98,
    "fpr": 0.0,
}
HUMAN_SOURCES = ("harm_en", "harm_zh", "pii_en", "pii_zh")


def read_jsonl(name: str) -> list[dict[str, Any]]:
    with (BENCH_DATA / f"{name}.jsonl").open(encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def prompts(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """English and Chinese alternately; any ``count`` takes a prefix of the same sequence."""
    by_language = {}
    for language in ("en", "zh"):
        rows = [
            r["text"]
            for r in read_jsonl(f"injection_{language}")
            if r["label"] == 0 and 10 <= len(r["text"]) <= 400
        ]
        rng.shuffle(rows)
        by_language[language] = rows
    pairs = zip(by_language["en"], by_language["zh"], strict=False)
    chosen = [(language, text) for en, zh in pairs for language, text in (("en", en), ("zh", zh))]
    return chosen[:count]


def human_texts(rng: random.Random) -> dict[str, list[str]]:
    """Human-written sentences by language (tweets, Weibo, COLD comments, MSRA/WNUT text)."""
    texts: dict[str, list[str]] = {"en": [], "zh": []}
    for name in HUMAN_SOURCES:
        for row in read_jsonl(name):
            source = row["source"]
            if any(s in source for s in ("presidio", "argus", "xstest", "advbench", "garak")):
                continue  # synthetic or prompt collections, not human prose
            if any(s in source for s in ("MultiJail", "JailBench", "Multilingual_safety")):
                continue
            if any(s in source for s in ("TOXIGEN", "InjecGuard")):
                continue
            texts["zh" if name.endswith("zh") else "en"].append(row["text"])
    for items in texts.values():
        rng.shuffle(items)
    return texts


# --- generation ------------------------------------------------------------------------------


async def timed(model: LocalModel, prompt: str, processor: WatermarkProcessor | None) -> float:
    """Tokens per second of one 200-token answer (generation only, same seed)."""
    request = GenerationRequest(
        kind="chat",
        model="local",
        stream=True,
        messages=[ChatMessage("user", prompt)],
        max_tokens=200,
        temperature=0.7,
        seed=SEED,
        logits_processor=processor,
    )
    started, tokens = time.perf_counter(), 0
    async for chunk in model.generate(request, "local"):
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    return tokens / (time.perf_counter() - started)


async def measure_speed(
    model: LocalModel, items: list[tuple[str, str]], green: GreenList, delta: float
) -> dict[str, float]:
    """Tokens/s with and without the watermark, in interleaved pairs (the machine is shared,
    so the median of per-pair ratios is reported), and the processor's own cost per token."""
    ratios, with_rates, without_rates = [], [], []
    for index, (_, prompt) in enumerate(items):
        await timed(model, prompt, None)  # the prompt is now cached for both arms
        first_marked = index % 2 == 0
        a = await timed(model, prompt, WatermarkProcessor(green, delta) if first_marked else None)
        b = await timed(model, prompt, None if first_marked else WatermarkProcessor(green, delta))
        marked_rate, plain_rate = (a, b) if first_marked else (b, a)
        ratios.append(marked_rate / plain_rate)
        with_rates.append(marked_rate)
        without_rates.append(plain_rate)
    processor = WatermarkProcessor(green, delta)
    logits = np.random.default_rng(0).normal(size=49152).astype(np.float32)
    ids = np.arange(300)
    started = time.perf_counter()
    for step in range(500):
        processor(ids[: 100 + step % 200], logits)
    processor_us = (time.perf_counter() - started) / 500 * 1e6
    return {
        "ratio_median": round(float(np.median(ratios)), 4),
        "with_median": round(float(np.median(with_rates)), 2),
        "without_median": round(float(np.median(without_rates)), 2),
        "pairs": len(ratios),
        "processor_us_per_token": round(processor_us, 1),
    }


async def generate_all(
    model: LocalModel,
    items: list[tuple[str, str]],
    green: GreenList,
    delta: float,
    tokens: int,
    cache: Path,
) -> list[dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    if cache.exists():
        for line in cache.read_text().splitlines():
            record = json.loads(line)
            done[f"{record['prompt']}:{record['watermarked']}"] = record
    with cache.open("a") as out:
        for index, (language, prompt) in enumerate(items):
            # Alternate which arm goes first: the second reuses the cached prompt.
            for watermarked in (index % 2 == 0, index % 2 == 1):
                key = f"{prompt}:{watermarked}"
                if key in done:
                    continue
                request = GenerationRequest(
                    kind="chat",
                    model="local",
                    stream=True,
                    messages=[ChatMessage("user", prompt)],
                    max_tokens=tokens,
                    temperature=0.7,
                    seed=SEED + index,
                )
                if watermarked:
                    request.logits_processor = WatermarkProcessor(green, delta)
                started = time.perf_counter()
                parts, completion = [], 0
                async for chunk in model.generate(request, "local"):
                    parts.append(chunk.text)
                    if chunk.usage:
                        completion = chunk.usage.completion_tokens
                seconds = time.perf_counter() - started  # informative only: see measure_speed
                record = {
                    "index": index,
                    "language": language,
                    "watermarked": watermarked,
                    "prompt": prompt,
                    "text": "".join(parts),
                    "tokens": completion,
                    "seconds": seconds,
                }
                done[key] = record
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
            if index % 10 == 9:
                print(f"  generated {index + 1}/{len(items)} prompts", flush=True)
    return [
        {**done[f"{prompt}:{marked}"], "index": index}
        for index, (_, prompt) in enumerate(items)
        for marked in (True, False)
    ]


# --- attacks ---------------------------------------------------------------------------------


WORD = re.compile(r"\S+")
"""A word of non-CJK text: what whitespace (spaces, newlines, indentation) separates."""
WORD_AND_SPACE = re.compile(r"\S+\s*")


def substitute(text: str, rate: float, rng: random.Random, vocab: dict[str, list[str]]) -> str:
    """Replace ``rate`` of the words (English) or CJK characters (Chinese) at random; the
    whitespace between words is kept as it was."""
    if sum(map(is_cjk, text)) * 3 >= len(text):
        return "".join(
            rng.choice(vocab["zh"]) if is_cjk(ch) and rng.random() < rate else ch for ch in text
        )
    return WORD.sub(lambda m: rng.choice(vocab["en"]) if rng.random() < rate else m[0], text)


def delete(text: str, rate: float, rng: random.Random) -> str:
    """Delete ``rate`` of the words (with the whitespace after them) or CJK characters."""
    if sum(map(is_cjk, text)) * 3 >= len(text):
        return "".join(ch for ch in text if not (is_cjk(ch) and rng.random() < rate))
    return WORD_AND_SPACE.sub(lambda m: "" if rng.random() < rate else m[0], text)


def human_of_tokens(
    pool: list[str], count: int, tokenizer: VocabTokenizer, rng: random.Random
) -> str:
    """Concatenated human sentences of about ``count`` tokens."""
    parts, total = [], 0
    while total < count:
        sentence = pool[rng.randrange(len(pool))]
        parts.append(sentence)
        total += len(tokenizer.tokenize(sentence)) + 1
    return " ".join(parts)


def embed(text: str, human: str, rng: random.Random) -> str:
    cut = rng.randrange(len(human) + 1)
    return f"{human[:cut]} {text} {human[cut:]}"


# --- measures --------------------------------------------------------------------------------


def z_of(text: str, tokenizer: VocabTokenizer, green: GreenList, vocab_size: int) -> float:
    return score_tokens(tokenizer.tokenize(text), green, vocab_size).z_score


def threshold_at(negatives: list[float], max_fpr: float) -> float:
    """Smallest threshold with false-positive rate <= max_fpr (z >= threshold is positive)."""
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(max_fpr * len(ordered))
    return ordered[allowed] + 1e-9 if allowed < len(ordered) else -math.inf


def rate(values: list[float], threshold: float) -> float:
    return round(sum(v >= threshold for v in values) / max(len(values), 1), 4)


def perplexity(scorer: Any, prompt_tokens: list[int], answer_tokens: list[int]) -> float:
    scorer.reset()
    scorer.eval(prompt_tokens + answer_tokens)
    logits = np.asarray(scorer.scores[: scorer.n_tokens], dtype=np.float64)
    start = len(prompt_tokens) - 1
    rows = logits[start : start + len(answer_tokens)]
    rows = rows - rows.max(axis=1, keepdims=True)
    log_probs = rows[np.arange(len(answer_tokens)), answer_tokens] - np.log(
        np.exp(rows).sum(axis=1)
    )
    return float(np.exp(-log_probs.mean()))


def edit_excerpt(
    text: str, length: int, rng: random.Random, vocab: dict[str, list[str]]
) -> str | None:
    if len(text) < length:
        return None
    start = rng.randrange(len(text) - length + 1)
    return substitute(text[start : start + length], 0.10, rng, vocab)


def drawn_image(rng: np.random.Generator, size: int = 512) -> bytes:
    """A synthetic photo-like image: gradients, shapes and sensor-like noise."""
    y, x = np.mgrid[0:size, 0:size] / size
    phase = rng.random(3) * 6
    base = np.stack([np.sin(x * 3 + phase[i]) * np.cos(y * 2 + phase[i]) for i in range(3)], -1)
    image = Image.fromarray(((base * 0.5 + 0.5) * 200 + 20).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        box = sorted(rng.integers(0, size, 2).tolist()), sorted(rng.integers(0, size, 2).tolist())
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse([box[0][0], box[1][0], box[0][1], box[1][1]], fill=color)
    noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, 6, (size, size, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def image_benchmark(count: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="wm-images-"))
    create_signing_identity(work, "bench")
    registry = LabelRegistry(work)
    labels = ImageLabels(
        ImplicitLabels(b"k" * 32, "bench", None), registry, load_signing_identity(work), "bench"
    )
    rng = np.random.default_rng(SEED)
    results: dict[str, list[float]] = {"clean": [], "jpeg75": [], "resize50": []}
    survival: dict[str, dict[str, int]] = {k: {"c2pa": 0, "xmp": 0} for k in results}
    for _ in range(count):
        labeled = labels.label(
            drawn_image(rng), produce_id=new_produce_id(), request_id="b", tenant="b"
        )
        mark = labeled.report.marks["watermark"].ref
        decoded = Image.open(io.BytesIO(labeled.data)).convert("RGB")
        jpeg, half = io.BytesIO(), io.BytesIO()
        decoded.save(jpeg, "JPEG", quality=75)
        decoded.resize((decoded.width // 2, decoded.height // 2), Image.BILINEAR).save(half, "PNG")
        for name, data in (
            ("clean", labeled.data),
            ("jpeg75", jpeg.getvalue()),
            ("resize50", half.getvalue()),
        ):
            found = labels.inspect(data)
            mark_found = found["watermark"]
            bits = mark_found["matching_bits"] if mark_found.get("mark") == mark else 0
            results[name].append(bits / 64)
            survival[name]["c2pa"] += bool(found["c2pa"].get("trusted"))
            survival[name]["xmp"] += bool(found["xmp"].get("issued_here"))
    registry.close()
    return {
        name: {
            "bit_accuracy": round(float(np.mean(values)), 4),
            "detected": round(float(np.mean([v >= 54 / 64 for v in values])), 4),
            "c2pa_survives": round(survival[name]["c2pa"] / count, 4),
            "xmp_survives": round(survival[name]["xmp"] / count, 4),
            "images": count,
        }
        for name, values in results.items()
    }


def registry_benchmark(
    records: list[dict[str, Any]],
    human: dict[str, list[str]],
    vocab: dict[str, list[str]],
    unrelated_count: int,
    excerpts: int,
) -> dict[str, Any]:
    """Register every answer, trace 10 %-edited excerpts pasted into human text, and count
    false matches over unrelated human texts; lookup time per suspect."""
    rng = random.Random(SEED + 2)
    registry = LabelRegistry(Path(tempfile.mkdtemp(prefix="wm-registry-")))
    for record in records:
        registry.add_text(
            TextEntry(
                f"p{record['index']}-{record['watermarked']}", "r", "bench", record["text"], False
            )
        )
    registry.flush(timeout=120)
    trace: dict[str, Any] = {}
    lookups: list[float] = []
    for length in (50, 100, 200):
        found: dict[str, list[bool]] = {"en": [], "zh": []}
        for record in records:
            for _ in range(excerpts):
                excerpt = edit_excerpt(record["text"], length, rng, vocab)
                if excerpt is None:
                    continue
                pool = human[record["language"]]
                suspect = embed(excerpt, pool[rng.randrange(len(pool))], rng)
                started = time.perf_counter()
                matches = registry.trace_text(suspect)
                lookups.append(time.perf_counter() - started)
                wanted = f"p{record['index']}-{record['watermarked']}"
                found[record["language"]].append(any(m["produce_id"] == wanted for m in matches))
        every = found["en"] + found["zh"]
        trace[f"{length}c"] = round(sum(every) / max(len(every), 1), 4)
        trace[f"{length}c_n"] = len(every)
        for language, hits in found.items():
            trace[f"{length}c_{language}"] = round(sum(hits) / max(len(hits), 1), 4)
    unrelated = human["en"] + human["zh"]
    rng.shuffle(unrelated)
    unrelated = unrelated[:unrelated_count]
    false_matches = sum(bool(registry.trace_text(text)) for text in unrelated)
    registry.close()
    return {
        **trace,
        "false_matches": false_matches,
        "unrelated_texts": len(unrelated),
        "false_match_rate": round(false_matches / max(len(unrelated), 1), 5),
        "registered_texts": len(records),
        "excerpts_per_text": excerpts,
        "lookup_ms_median": round(float(np.median(lookups)) * 1000, 2),
        "lookup_ms_p95": round(float(np.percentile(lookups, 95)) * 1000, 2),
    }


def text_benchmark(
    args: argparse.Namespace,
    model: LocalModel,
    items: list[tuple[str, str]],
    records: list[dict[str, Any]],
    green: GreenList,
    settings: WatermarkSettings,
    human: dict[str, list[str]],
    vocab: dict[str, list[str]],
) -> dict[str, Any]:
    """Watermark detection clean and under attack, its speed cost and perplexity."""
    rng = random.Random(SEED + 1)
    tokenizer = VocabTokenizer(bundled_model_path())
    vocab_size = tokenizer.vocab_size
    marked = [r for r in records if r["watermarked"]]
    plain = [r for r in records if not r["watermarked"]]
    z_marked = [z_of(r["text"], tokenizer, green, vocab_size) for r in marked]
    z_plain = [z_of(r["text"], tokenizer, green, vocab_size) for r in plain]
    human_samples = [
        human_of_tokens(human[lang], args.tokens, tokenizer, rng)
        for lang in ("en", "zh")
        for _ in range(len(items) // 2)
    ]
    z_human = [z_of(text, tokenizer, green, vocab_size) for text in human_samples]
    negatives = z_plain + z_human
    threshold = threshold_at(negatives, MAX_FPR)
    attacks = {
        "clean": [r["text"] for r in marked],
        "substitute_10pct": [substitute(r["text"], 0.10, rng, vocab) for r in marked],
        "substitute_25pct": [substitute(r["text"], 0.25, rng, vocab) for r in marked],
        "delete_20pct": [delete(r["text"], 0.20, rng) for r in marked],
        "embedded_in_600_human_tokens": [
            embed(r["text"], human_of_tokens(human[r["language"]], 600, tokenizer, rng), rng)
            for r in marked
        ],
    }
    detection = {}
    for name, texts in attacks.items():
        zs = z_marked if name == "clean" else [z_of(t, tokenizer, green, vocab_size) for t in texts]
        detection[name] = {
            "tpr_at_1pct_fpr": rate(zs, threshold),
            "tpr_at_z4": rate(zs, 4.0),
            "median_z": round(float(np.median(zs)), 3),
        }
    by_language = {
        lang: rate(
            [z for z, r in zip(z_marked, marked, strict=True) if r["language"] == lang], threshold
        )
        for lang in ("en", "zh")
    }
    speed = asyncio.run(measure_speed(model, items[: args.speed_prompts], green, settings.delta))

    from llama_cpp import Llama

    scorer = Llama(
        model_path=str(bundled_model_path()),
        n_ctx=1024,
        logits_all=True,
        verbose=False,
        n_threads=args.threads,
    )
    ppl: dict[str, float] = {}
    for name, group in (("watermarked", marked), ("unwatermarked", plain)):
        values = []
        for record in group[: args.perplexity]:
            answer = tokenizer.tokenize(record["text"])
            if not answer:
                continue
            prompt_text = model.render(
                GenerationRequest(
                    kind="chat",
                    model="local",
                    stream=False,
                    messages=[ChatMessage("user", record["prompt"])],
                )
            )
            prompt_tokens = list(scorer.tokenize(prompt_text.encode(), add_bos=False, special=True))
            values.append(perplexity(scorer, prompt_tokens, answer[: 1024 - len(prompt_tokens)]))
        ppl[name] = round(float(np.median(values)), 3)
    print_table(
        "Text watermark (TPR at the threshold with <= 1 % FPR)",
        ["attack", "TPR@1%FPR", "TPR@z4", "median z"],
        [[k, v["tpr_at_1pct_fpr"], v["tpr_at_z4"], v["median_z"]] for k, v in detection.items()]
        + [["KGW paper (OPT-1.3B, delta=2)", KGW_REFERENCE["tpr"], KGW_REFERENCE["tpr"], "-"]],
    )
    print_table(
        "Cost",
        ["measure", "value"],
        [
            ["tokens/s with (median)", speed["with_median"]],
            ["tokens/s without (median)", speed["without_median"]],
            ["with / without (median of pairs)", speed["ratio_median"]],
            ["watermark processor, us/token", speed["processor_us_per_token"]],
            ["perplexity with (median)", ppl["watermarked"]],
            ["perplexity without (median)", ppl["unwatermarked"]],
        ],
    )
    return {
        "setup": {
            "prompts": len(items),
            "max_tokens": args.tokens,
            "temperature": 0.7,
            "gamma": settings.gamma,
            "delta": settings.delta,
            "negatives": {"unwatermarked_answers": len(z_plain), "human_texts": len(z_human)},
            "threshold_z_at_1pct_fpr": round(threshold, 3),
            "mean_tokens_watermarked": round(float(np.mean([r["tokens"] for r in marked])), 1),
        },
        "detection": detection,
        "tpr_by_language": by_language,
        "fpr_at_z4": {"unwatermarked": rate(z_plain, 4.0), "human": rate(z_human, 4.0)},
        "speed": speed,
        "perplexity_median": ppl,
        "peer": {
            "transformers_kgw_or_markllm": "not run: needs PyTorch weights; only GGUF is offline",
            "kgw_reference": KGW_REFERENCE,
        },
    }


PARTS = ("text", "registry", "images")
SUMMARY_KEYS = {
    "wm_tpr_at_1pct_fpr": ("detection", "clean", "tpr_at_1pct_fpr"),
    "wm_tpr_after_25pct_sub": ("detection", "substitute_25pct", "tpr_at_1pct_fpr"),
    "wm_speed_ratio": ("speed", "ratio_median"),
    "registry_trace_rate_50c": ("registry", "50c"),
    "registry_false_match_rate": ("registry", "false_match_rate"),
    "image_wm_bit_acc_jpeg75": ("images", "jpeg75", "bit_accuracy"),
}
SECTIONS = {
    "text": ("setup", "detection", "tpr_by_language", "fpr_at_z4", "speed", "perplexity_median"),
    "registry": ("registry",),
    "images": ("images",),
}


def merged(previous: dict[str, Any], fresh: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """The result file with the sections of ``parts`` replaced (each part records when it ran),
    the other parts' sections kept from the previous run, and the summary recomputed."""
    details = {k: v for k, v in previous.items() if k not in ("summary", "machine")}
    runs = details.get("runs", {})
    for part in parts:
        runs[part] = machine()
    details.update(fresh)
    details["runs"] = runs
    return {"summary": summary_of(details, SUMMARY_KEYS), **details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--human", type=int, default=10_000, help="texts for registry FPs")
    parser.add_argument("--excerpts", type=int, default=1, help="registry excerpts per answer")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--perplexity", type=int, default=60, help="answers scored per arm")
    parser.add_argument("--speed-prompts", type=int, default=12, help="pairs timed for speed")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/aigc-watermark-bench.jsonl"))
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated parts to run (text, registry, images); the others' results are "
        "kept from the previous run in docs/benchmarks/watermark.json",
    )
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads")
    args = parser.parse_args()
    parts = [part for part in args.parts.split(",") if part]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    rng = random.Random(SEED)
    settings = WatermarkSettings()
    key = WatermarkKey("bench", b"aigc-gateway watermark benchmark", 0.0)
    green = GreenList(key, settings.gamma)
    items = prompts(args.prompts, rng)
    model: LocalModel | None = None
    records: list[dict[str, Any]] = []
    if args.generate_only or "text" in parts or "registry" in parts:
        model = LocalModel(LocalModelSettings(threads=args.threads, context_tokens=1024))
        print(f"generating {len(items)} prompts x 2 arms x {args.tokens} tokens", flush=True)
        records = asyncio.run(
            generate_all(model, items, green, settings.delta, args.tokens, args.cache)
        )
    if args.generate_only:
        return
    human = human_texts(rng)
    vocab = {
        "en": [w for text in human["en"][:3000] for w in text.split() if w.isalpha()],
        "zh": [ch for text in human["zh"][:3000] for ch in text if is_cjk(ch)],
    }
    fresh: dict[str, Any] = {}
    if "text" in parts:
        assert model is not None
        fresh.update(text_benchmark(args, model, items, records, green, settings, human, vocab))
    if "registry" in parts:
        fresh["registry"] = registry_benchmark(records, human, vocab, args.human, args.excerpts)
        registry = fresh["registry"]
        print_table(
            "Fingerprint registry (10 % edited excerpts pasted into human text)",
            ["measure", "value"],
            [[k, v] for k, v in registry.items()],
        )
    if "images" in parts:
        fresh["images"] = image_benchmark(args.images)
        print_table(
            "Images",
            ["variant", "bit acc", "detected", "C2PA", "XMP"],
            [
                [k, v["bit_accuracy"], v["detected"], v["c2pa_survives"], v["xmp_survives"]]
                for k, v in fresh["images"].items()
            ],
        )
    path = RESULTS / "watermark.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    result = merged(previous, fresh, parts)
    write_result("watermark", result.pop("summary"), result)
    print(f"\nsummary: {json.dumps(json.loads(path.read_text())['summary'])}")
    if model is not None:
        asyncio.run(model.close())
    sys.exit(0)


if __name__ == "__main__":
    main()
