"""Local model speed: tokens/s and time to first token through the gateway vs
llama-cpp-python called directly, in the same run, on the same prompts and sampling settings.
The gateway runs twice: with the model in its worker process (``local_model.isolation:
process``, the default: a native crash costs one request, not the gateway) and on a thread of
the gateway's own process (``isolation: thread``), so the price of the isolation is measured
side by side.

    .venv/bin/python bench/local_model.py
    .venv/bin/python bench/local_model.py --build portable=DIR --build native=DIR

All paths run the bundled SmolLM2-135M-Instruct GGUF with the same thread count; they take
turns prompt by prompt so machine noise hits both alike. Every generation is exactly
``--max-tokens`` long (the end-of-generation tokens are banned with ``logit_bias`` on every
path; the run stops if a generation is not): the gateway's watermark changes which tokens greedy
decoding picks, so answers would otherwise end at different lengths and tokens/s would compare
different amounts of work against the same per-request costs. Both gateways get the same fixed
watermark key, so they write the same answers in every run. CPU ms per token counts the path's
processes (direct: this one; a gateway: the server and its children, the model's worker
included).
Writes docs/benchmarks/local_model.json, and the gateway/direct ratio as
``local_tokens_per_s_ratio`` into docs/benchmarks/overhead.json's summary (issue 9's key, beside
the hot-path keys bench/overhead.py writes there).

With ``--build NAME=DIR`` (a llama-cpp-python wheel installed with ``pip install --no-deps
--target DIR``) every round runs once per build, builds taking turns round by round, each in a
child process that imports llama_cpp from its DIR (and so does the gateway it starts). The first
build is the one the gateway installs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import llama_cpp
from common import (
    RESULTS,
    print_table,
    process_tree,
    serve_with_fixed_key,
    start_gateway,
    write_result,
)
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
NEVER = -100.0
"""The ``logit_bias`` that keeps a token from being sampled."""


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
        self.end_tokens = [
            token
            for token in range(self.llama.n_vocab())
            if llama_cpp.llama_vocab_is_eog(model.vocab, token)
        ]
        """The tokens that end a generation (SmolLM2: <|endoftext|>, <|im_end|>, <reponame>)."""

    def run(self, prompt: str, max_tokens: int) -> tuple[float, float, int]:
        text = self.formatter(messages=[{"role": "user", "content": prompt}]).prompt
        bias = {token: NEVER for token in self.end_tokens}
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
            logit_bias=bias,
            stream=True,
            stopping_criteria=StoppingCriteriaList([count]),
        ):
            if first is None and event["choices"][0]["text"]:
                first = time.perf_counter()
        ended = time.perf_counter()
        return (first or ended) - started, ended - started, max(sampled - 1, 0)


def through_gateway(
    client: httpx.Client, prompt: str, max_tokens: int, end_tokens: list[int]
) -> tuple[float, float, int]:
    body = {
        "model": "smollm2-135m-instruct",
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "top_p": 1.0,
        "seed": 1,
        "logit_bias": {str(token): NEVER for token in end_tokens},
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


Sample = tuple[float, float, int, float]
"""One generation: seconds to the first token, seconds in all, tokens generated, and the CPU
seconds its path used (direct: this process; a gateway: the server and its child processes,
the model's worker included)."""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes, all their threads (from /proc)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def timed(run: Callable[[], tuple[float, float, int]], cpu: Callable[[], float]) -> Sample:
    before = cpu()
    first, total, tokens = run()
    return first, total, tokens, cpu() - before


ISOLATIONS = {"gateway": "process", "gateway_thread": "thread"}
"""Each gateway path and the ``local_model.isolation`` it runs with."""


def measure(rounds: int, max_tokens: int, threads: int) -> dict[str, list[Sample]]:
    """``rounds`` passes over the prompts, direct and through each gateway taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        gateways = {
            path: start_gateway(
                Path(tmp),
                {
                    "local_model": {
                        "threads": threads,
                        "repeat_penalty": REPEAT_PENALTY,
                        "isolation": isolation,
                    },
                    "limits": {"requests_per_minute": 100000},
                },
                serve_with_fixed_key,
            )
            for path, isolation in ISOLATIONS.items()
        }
        try:
            direct = Direct(threads)
            clients = {
                path: httpx.Client(
                    base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=300
                )
                for path, (_, url, key) in gateways.items()
            }
            end = direct.end_tokens
            for client in clients.values():
                through_gateway(client, "warm up", 8, end)
            direct.run("warm up", 8)
            trees = {
                path: process_tree(service.process.pid)
                for path, (service, _, _) in gateways.items()
            }
            samples: dict[str, list[Sample]] = {"direct": [], **{path: [] for path in clients}}
            for _ in range(rounds):
                for prompt in PROMPTS:
                    run = partial(direct.run, prompt, max_tokens)
                    samples["direct"].append(timed(run, time.process_time))
                    for path, client in clients.items():
                        run = partial(through_gateway, client, prompt, max_tokens, end)
                        samples[path].append(timed(run, partial(cpu_seconds, trees[path])))
                    for path, runs in samples.items():
                        if runs[-1][2] != max_tokens:  # the paths would compare different work
                            raise SystemExit(
                                f"{path} generated {runs[-1][2]} tokens, not {max_tokens}, for "
                                f"{prompt!r}: the end tokens were not banned"
                            )
            for client in clients.values():
                client.close()
            direct.llama.close()
        finally:
            for gateway, _, _ in gateways.values():
                gateway.stop()
    return samples


def tabulate(samples: dict[str, list[Sample]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "tokens": sum(r[2] for r in runs),
            "tokens_per_s": round(sum(r[2] for r in runs) / sum(r[1] for r in runs), 2),
            "ttft_p50_ms": round(statistics.median(r[0] for r in runs) * 1000, 2),
            "cpu_ms_per_token": round(sum(r[3] for r in runs) * 1000 / sum(r[2] for r in runs), 3),
        }
        for name, runs in samples.items()
    }


def summarise(table: dict[str, dict[str, float]]) -> dict[str, float]:
    return {
        "tokens_per_s_ratio": round(
            table["gateway"]["tokens_per_s"] / table["direct"]["tokens_per_s"], 3
        ),
        "gateway_tokens_per_s": table["gateway"]["tokens_per_s"],
        "direct_tokens_per_s": table["direct"]["tokens_per_s"],
        "gateway_ttft_p50_ms": table["gateway"]["ttft_p50_ms"],
        "direct_ttft_p50_ms": table["direct"]["ttft_p50_ms"],
        "thread_tokens_per_s": table["gateway_thread"]["tokens_per_s"],
        "direct_cpu_ms_per_token": table["direct"]["cpu_ms_per_token"],
        "gateway_cpu_ms_per_token": table["gateway"]["cpu_ms_per_token"],
        "thread_cpu_ms_per_token": table["gateway_thread"]["cpu_ms_per_token"],
        "thread_ttft_p50_ms": table["gateway_thread"]["ttft_p50_ms"],
        "process_vs_thread_tokens_per_s": round(
            table["gateway"]["tokens_per_s"] / table["gateway_thread"]["tokens_per_s"], 3
        ),
    }


def compare(rounds: int, max_tokens: int, threads: int) -> dict[str, Any]:
    samples = measure(rounds, max_tokens, threads)
    table = tabulate(samples)
    print_table(
        f"Local model (SmolLM2-135M Q4_1, {threads} threads, temperature 0, "
        f"{max_tokens} max tokens, {len(samples['direct'])} generations each)",
        ["path", "tokens", "tokens/s", "TTFT p50 ms", "CPU ms/token"],
        [
            [name, t["tokens"], t["tokens_per_s"], t["ttft_p50_ms"], t["cpu_ms_per_token"]]
            for name, t in table.items()
        ],
    )
    return {
        "summary": summarise(table),
        "results": table,
        "threads": threads,
        "max_tokens": max_tokens,
    }


def system_info() -> str:
    """The CPU features this llama.cpp build was compiled to use."""
    return llama_cpp.llama_print_system_info().decode().strip()


def compare_builds(
    builds: dict[str, Path], rounds: int, max_tokens: int, threads: int
) -> dict[str, Any]:
    """Every round once per build, builds taking turns, each in a child process."""
    sides = ("direct", *ISOLATIONS)
    samples: dict[str, dict[str, list[Sample]]] = {
        name: {side: [] for side in sides} for name in builds
    }
    info: dict[str, str] = {}
    for _ in range(rounds):
        for name, directory in builds.items():
            path = os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")]))
            options = ["--max-tokens", str(max_tokens), "--threads", str(threads)]
            child = subprocess.run(
                [sys.executable, __file__, "--child", *options],
                env={**os.environ, "PYTHONPATH": path},
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(child.stdout.splitlines()[-1])
            info[name] = result["system_info"]
            for side in sides:
                samples[name][side] += [tuple(run) for run in result["samples"][side]]
    tables = {name: tabulate(runs) for name, runs in samples.items()}
    print_table(
        f"Local model by llama.cpp build (SmolLM2-135M Q4_1, {threads} threads, temperature 0, "
        f"{max_tokens} max tokens, {rounds * len(PROMPTS)} generations each)",
        ["build", "path", "tokens", "tokens/s", "TTFT p50 ms"],
        [
            [build, path, t["tokens"], t["tokens_per_s"], t["ttft_p50_ms"]]
            for build, table in tables.items()
            for path, t in table.items()
        ],
    )
    first, *others = builds
    summary = summarise(tables[first])
    for name in others:
        for side in sides:
            ratio = tables[first][side]["tokens_per_s"] / tables[name][side]["tokens_per_s"]
            summary[f"{first}_vs_{name}_{side}_tokens_per_s"] = round(ratio, 3)
    return {
        "summary": summary,
        "builds": {
            name: {"system_info": info[name], "results": tables[name], **summarise(tables[name])}
            for name in builds
        },
        "threads": threads,
        "max_tokens": max_tokens,
        "rounds": rounds,
    }


def record_in_overhead(summary: dict[str, float]) -> None:
    """This run's gateway/direct tokens/s ratio in docs/benchmarks/overhead.json's summary."""
    path = RESULTS / "overhead.json"
    overhead = json.loads(path.read_text())
    overhead["summary"]["local_tokens_per_s_ratio"] = summary["tokens_per_s_ratio"]
    path.write_text(json.dumps(overhead, indent=2, ensure_ascii=False) + "\n")
    print(f"updated {path.name}: local_tokens_per_s_ratio {summary['tokens_per_s_ratio']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="llama.cpp threads (all cores)"
    )
    parser.add_argument(
        "--build",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="a llama-cpp-python installed with pip install --target DIR; give two or more",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        samples = measure(1, args.max_tokens, args.threads)
        print(json.dumps({"system_info": system_info(), "samples": samples}))
        return
    if args.build:
        builds = {name: Path(d) for name, _, d in (b.partition("=") for b in args.build)}
        result = compare_builds(builds, args.rounds, args.max_tokens, args.threads)
    else:
        result = compare(args.rounds, args.max_tokens, args.threads)
    summary = result.pop("summary")
    write_result("local_model", summary, result)
    record_in_overhead(summary)


if __name__ == "__main__":
    main()
