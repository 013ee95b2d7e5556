"""Local model speed: tokens/s and time to first token through the gateway vs
llama-cpp-python called directly, in the same run, on the same prompts and sampling settings.

    .venv/bin/python bench/local_model.py

Both sides run the bundled SmolLM2-135M-Instruct GGUF with the same thread count; they take
turns prompt by prompt so machine noise hits both alike. Writes docs/benchmarks/local_model.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import print_table, start_gateway, write_result
from llama_cpp import Llama, StoppingCriteriaList
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from aigc_gateway.providers.local import bundled_model_path

PROMPTS = [
    "Explain why the sky is blue.",
    "Write a short poem about autumn leaves.",
    "Give three tips for learning a new language.",
    "Describe how a bicycle works.",
    "What is the difference between weather and climate?",
    "请简单介绍一下长城。",
]
REPEAT_PENALTY = 1.1


class Direct:
    """llama-cpp-python with the same template, prompt tokens and sampler settings."""

    def __init__(self, threads: int) -> None:
        self.llama = Llama(
            str(bundled_model_path()),
            n_ctx=2048,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        model = self.llama._model
        self.formatter = Jinja2ChatFormatter(
            template=self.llama.metadata["tokenizer.chat_template"],
            eos_token=model.token_get_text(self.llama.token_eos()),
            bos_token=model.token_get_text(self.llama.token_bos()),
        )

    def run(self, prompt: str, max_tokens: int) -> tuple[float, float, int]:
        text = self.formatter(messages=[{"role": "user", "content": prompt}]).prompt
        tokens = self.llama.tokenize(text.encode(), add_bos=False, special=True)
        sampled = 0

        def count(_ids: Any, _logits: Any) -> bool:
            nonlocal sampled
            sampled += 1
            return False

        started = time.perf_counter()
        first = None
        for event in self.llama.create_completion(
            tokens,
            max_tokens=max_tokens,
            temperature=0,
            top_p=1.0,
            seed=1,
            repeat_penalty=REPEAT_PENALTY,
            stop=[self.formatter.eos_token],
            stream=True,
            stopping_criteria=StoppingCriteriaList([count]),
        ):
            if first is None and event["choices"][0]["text"]:
                first = time.perf_counter()
        ended = time.perf_counter()
        return (first or ended) - started, ended - started, max(sampled - 1, 0)


def through_gateway(client: httpx.Client, prompt: str, max_tokens: int) -> tuple[float, float, int]:
    body = {
        "model": "smollm2-135m-instruct",
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "top_p": 1.0,
        "seed": 1,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first = None
    tokens = 0
    with client.stream("POST", "/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first is None and '"content":"' in line and '"content":""' not in line:
                first = time.perf_counter()
            if '"usage":{' in line:
                tokens = int(line.split('"completion_tokens":')[1].split(",")[0])
    ended = time.perf_counter()
    return (first or ended) - started, ended - started, tokens


def compare(rounds: int = 3, max_tokens: int = 128) -> dict[str, Any]:
    threads = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        gateway, url, key = start_gateway(
            Path(tmp),
            {
                "local_model": {"threads": threads, "repeat_penalty": REPEAT_PENALTY},
                "limits": {"requests_per_minute": 100000},
            },
        )
        try:
            direct = Direct(threads)
            client = httpx.Client(
                base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=300
            )
            through_gateway(client, "warm up", 8)
            direct.run("warm up", 8)
            samples: dict[str, list[tuple[float, float, int]]] = {"direct": [], "gateway": []}
            for _ in range(rounds):
                for prompt in PROMPTS:
                    samples["direct"].append(direct.run(prompt, max_tokens))
                    samples["gateway"].append(through_gateway(client, prompt, max_tokens))
            client.close()
            direct.llama.close()
        finally:
            gateway.stop()

    table: dict[str, dict[str, float]] = {}
    for name, runs in samples.items():
        table[name] = {
            "tokens": sum(r[2] for r in runs),
            "tokens_per_s": round(sum(r[2] for r in runs) / sum(r[1] for r in runs), 2),
            "ttft_p50_ms": round(statistics.median(r[0] for r in runs) * 1000, 2),
        }
    print_table(
        f"Local model (SmolLM2-135M Q4_1, {threads} threads, temperature 0, "
        f"{max_tokens} max tokens, {len(samples['direct'])} generations each)",
        ["path", "tokens", "tokens/s", "TTFT p50 ms"],
        [[name, t["tokens"], t["tokens_per_s"], t["ttft_p50_ms"]] for name, t in table.items()],
    )
    ratio = round(table["gateway"]["tokens_per_s"] / table["direct"]["tokens_per_s"], 3)
    return {
        "summary": {
            "tokens_per_s_ratio": ratio,
            "gateway_tokens_per_s": table["gateway"]["tokens_per_s"],
            "direct_tokens_per_s": table["direct"]["tokens_per_s"],
            "gateway_ttft_p50_ms": table["gateway"]["ttft_p50_ms"],
            "direct_ttft_p50_ms": table["direct"]["ttft_p50_ms"],
        },
        "results": table,
        "threads": threads,
        "max_tokens": max_tokens,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    result = compare(args.rounds, args.max_tokens)
    write_result("local_model", result.pop("summary"), result)


if __name__ == "__main__":
    main()
