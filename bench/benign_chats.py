"""Benign chats with the local model: how many answers the output guards cut.

    .venv/bin/python bench/benign_chats.py                  # 250 prompts, max_tokens 1000
    .venv/bin/python bench/benign_chats.py --count 100 --threads 1

Issue 11 asks that benign chats with the local model ("hi", ``max_tokens`` 1000) be cut by the
output guard as HARM/toxicity at most once in 100. Every hand-written everyday prompt of
``bench/data/benign_prompts.jsonl`` (English and Chinese: greetings, questions, requests) is sent
once through the real gateway with its default policy, as a new user's first request would be:
one user message, ``max_tokens`` 1000, the gateway's default sampling, with a fixed ``seed`` per
prompt so that a run can be repeated. An answer is cut when the output guards stop it (finish
reason ``content_filter``); the guard report (``x-aigc-guard``) says which finding did it.

The peer is the same model without the output guards, which cuts nothing by construction, so
there is no second column: the number is the share of real answers this gateway withholds.
Writes docs/benchmarks/benign_chats.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, print_table, serve_with_fixed_key, start_gateway, write_result

PROMPTS = ROOT / "bench" / "data" / "benign_prompts.jsonl"
MODEL = "smollm2-135m-instruct"


def load_prompts(count: int) -> list[dict[str, Any]]:
    """``count`` prompts evenly spaced through the file (English first, then Chinese, each by
    kind): a count of a few dozen or more mixes both languages and every kind."""
    rows = [json.loads(line) for line in PROMPTS.read_text(encoding="utf-8").splitlines()]
    step = max(len(rows) / max(count, 1), 1.0)
    return [rows[int(i * step)] for i in range(min(count, len(rows)))]


def chat(client: httpx.Client, url: str, key: str, text: str, seed: int, max_tokens: int) -> dict:
    started = time.perf_counter()
    response = client.post(
        f"{url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "model": MODEL,
            "messages": [{"role": "user", "content": text}],
            "max_tokens": max_tokens,
            "seed": seed,
        },
    )
    response.raise_for_status()
    body = response.json()
    guard = json.loads(response.headers.get("x-aigc-guard", "{}"))
    output = guard.get("output") or {}
    return {
        "finish_reason": body["choices"][0]["finish_reason"],
        "completion_tokens": body["usage"]["completion_tokens"],
        "input_decision": (guard.get("input") or {}).get("decision", "allow"),
        "output_findings": output.get("findings", {}),
        "output_actions": output.get("actions", {}),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=250, help="prompts to send (at most 250)")
    parser.add_argument("--max-tokens", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="local model threads")
    args = parser.parse_args()
    prompts = load_prompts(args.count)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="benign-chats-") as tmp:
        config = {
            "local_model": {"threads": args.threads},
            "limits": {"requests_per_minute": 100000},
        }
        service, url, key = start_gateway(Path(tmp), config, serve_with_fixed_key)
        try:
            with httpx.Client(timeout=600) as client:
                for index, prompt in enumerate(prompts):
                    row = {"text": prompt["text"], "lang": prompt["lang"], "kind": prompt["kind"]}
                    row |= chat(client, url, key, prompt["text"], index, args.max_tokens)
                    rows.append(row)
                    print(
                        f"{index + 1}/{len(prompts)} {row['lang']} {row['finish_reason']} "
                        f"{row['completion_tokens']} tokens {row['seconds']} s",
                        flush=True,
                    )
        finally:
            service.stop()
    cut = [r for r in rows if r["finish_reason"] == "content_filter"]
    by_type = Counter(t for r in cut for t, a in r["output_actions"].items() if a == "block")
    table = []
    for lang in ("en", "zh", "all"):
        mine = [r for r in rows if lang in ("all", r["lang"])]
        mine_cut = [r for r in mine if r["finish_reason"] == "content_filter"]
        tokens = sorted(r["completion_tokens"] for r in mine)
        table.append(
            [
                lang,
                len(mine),
                len(mine_cut),
                round(len(mine_cut) / max(len(mine), 1), 4),
                sum(r["finish_reason"] == "length" for r in mine),
                tokens[len(tokens) // 2] if tokens else 0,
                sum(r["input_decision"] == "block" for r in mine),
            ]
        )
    print_table(
        f"Benign chats, max_tokens {args.max_tokens}: answers cut by the output guards",
        ["lang", "chats", "cut", "cut rate", "hit max_tokens", "median tokens", "input blocked"],
        table,
    )
    summary = {
        "benign_chat_cut_rate": table[-1][3],
        "benign_chat_cut_rate_en": table[0][3],
        "benign_chat_cut_rate_zh": table[1][3],
        "benign_chats": len(rows),
    }
    details = {
        "max_tokens": args.max_tokens,
        "threads": args.threads,
        "cut_by_type": dict(by_type),
        "table": table,
        "cut": [
            {k: r[k] for k in ("lang", "kind", "text", "output_findings", "completion_tokens")}
            for r in cut
        ],
        "chats": rows,
    }
    write_result("benign_chats", summary, details)


if __name__ == "__main__":
    main()
