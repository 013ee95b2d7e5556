"""Tool calls on the local model: how often SmolLM2-135M makes a valid, correct call.

    .venv/bin/python bench/tool_calls.py [--cases N]

Runs the embedded model in-process (the gateway's own LocalModel, grammar-constrained tool
calling) on a small hand-written set: 24 requests over three tools, each with the tool and
argument values a correct call has, plus 8 requests that need no tool. Greedy decoding (seed
fixed), so a rerun gives the same numbers. Counted per mode:

- ``valid``: the answer is a call that parses and names a declared tool (the grammar's job);
- ``right_tool``: it is the expected tool;
- ``right_args``: the expected tool with every expected argument value (the city; the amount
  and both ISO currency codes; a search query is not checked), strings compared
  case-insensitively, numbers exactly;
- for ``auto``: how often it called a tool when one was needed, and answered in words when none was.

Each answer is printed as it comes; ``--cases N`` runs only the first N of each set (a quick
look; the JSON is written only for the full set). Writes docs/benchmarks/tool_calls.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from common import print_table, write_result

from aigc_gateway.config import LocalModelSettings
from aigc_gateway.providers.base import GenerationRequest
from aigc_gateway.providers.local import LocalModel
from aigc_gateway.providers.messages import ChatMessage


def _function(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


TOOLS = [
    _function("get_weather", "Get the current weather in a city", {"city": {"type": "string"}}),
    _function(
        "convert_currency",
        "Convert an amount of money from one currency to another",
        {
            "amount": {"type": "number"},
            "from_currency": {"type": "string"},
            "to_currency": {"type": "string"},
        },
    ),
    _function("search_web", "Search the web for a query", {"query": {"type": "string"}}),
]


def _convert(prompt: str, amount: float, source: str, target: str) -> tuple[str, str, dict]:
    expected = {"amount": amount, "from_currency": source, "to_currency": target}
    return prompt, "convert_currency", expected


# (request, the tool a correct call names, the argument values it has; a search query is free)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("What is the weather in Paris?", "get_weather", {"city": "Paris"}),
    ("Is it raining in London right now?", "get_weather", {"city": "London"}),
    ("How hot is it in Tokyo today?", "get_weather", {"city": "Tokyo"}),
    ("Tell me the weather for Berlin.", "get_weather", {"city": "Berlin"}),
    ("Weather in Madrid please.", "get_weather", {"city": "Madrid"}),
    ("Do I need an umbrella in Seattle?", "get_weather", {"city": "Seattle"}),
    ("北京今天天气怎么样？", "get_weather", {"city": "北京"}),
    ("What's the temperature in Rome?", "get_weather", {"city": "Rome"}),
    _convert("Convert 100 US dollars to euros.", 100, "USD", "EUR"),
    _convert("How many yen is 50 euros?", 50, "EUR", "JPY"),
    _convert("Change 20 GBP into USD.", 20, "GBP", "USD"),
    _convert("What is 75 dollars in Canadian dollars?", 75, "USD", "CAD"),
    _convert("Convert 1000 yuan to dollars.", 1000, "CNY", "USD"),
    _convert("I have 10 euros, how much is that in pounds?", 10, "EUR", "GBP"),
    _convert("Exchange 250 USD to JPY.", 250, "USD", "JPY"),
    _convert("Convert 5 dollars to euros.", 5, "USD", "EUR"),
    ("Search the web for the latest Python release.", "search_web", {}),
    ("Find news about the Mars rover.", "search_web", {}),
    ("Look up reviews of the new Tesla model.", "search_web", {}),
    ("Search for a recipe for banana bread.", "search_web", {}),
    ("Who won the football match last night? Search for it.", "search_web", {}),
    ("Find the opening hours of the Louvre online.", "search_web", {}),
    ("Search the internet for cheap flights to Lisbon.", "search_web", {}),
    ("Look up the population of Canada on the web.", "search_web", {}),
]
NO_TOOL = [
    "Hello! How are you?",
    "Write a haiku about the sea.",
    "What is 2 + 2?",
    "Thank you for your help.",
    "Tell me a joke.",
    "What is your name?",
    "Say good morning in French.",
    "Explain what a noun is in one sentence.",
]


def _argument_matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, str):
        return isinstance(got, str) and got.strip().lower() == expected.lower()
    return got == expected


async def _call(model: LocalModel, prompt: str, choice: str) -> dict[str, Any] | None:
    request = GenerationRequest(
        kind="chat",
        model="local",
        stream=False,
        messages=[ChatMessage("user", prompt)],
        max_tokens=96,
        temperature=0,
        seed=1,
        passthrough={"tools": TOOLS, "tool_choice": choice},
    )
    calls = []
    async for chunk in model.generate(request, "local"):
        calls += chunk.tool_calls or []
    return calls[0]["function"] if calls else None


def _show(mode: str, prompt: str, call: dict[str, Any] | None, mark: str) -> None:
    answer = f"{call['name']}({call['arguments']})" if call else "(answered in words)"
    print(f"{mode:>9}  {mark:<5}  {prompt[:48]:<48}  {answer}", flush=True)


async def run(cases: list[tuple[str, str, dict[str, Any]]], no_tool: list[str]) -> dict[str, Any]:
    # One thread: greedy answers do not depend on the thread count, and on a busy machine two
    # llama.cpp threads spend most of their time waiting for each other.
    model = LocalModel(LocalModelSettings(threads=1))
    names = {tool["function"]["name"] for tool in TOOLS}
    results: dict[str, Any] = {}
    answers: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for choice in ("required", "auto"):
            counts = {"valid": 0, "right_tool": 0, "right_args": 0}
            for prompt, tool, expected in cases:
                call = await _call(model, prompt, choice)
                arguments = json.loads(call["arguments"]) if call else None
                valid = call is not None and call["name"] in names and isinstance(arguments, dict)
                right_tool = valid and call["name"] == tool
                right_args = right_tool and all(
                    _argument_matches(value, arguments.get(key)) for key, value in expected.items()
                )
                counts["valid"] += valid
                counts["right_tool"] += right_tool
                counts["right_args"] += right_args
                _show(choice, prompt, call, "ok" if right_args else "wrong")
                answers.append(
                    {"mode": choice, "prompt": prompt, "call": call, "right_args": right_args}
                )
            results[choice] = {key: round(value / len(cases), 3) for key, value in counts.items()}
        answered = 0
        for prompt in no_tool:
            call = await _call(model, prompt, "auto")
            answered += call is None
            _show("no tool", prompt, call, "ok" if call is None else "wrong")
            answers.append({"mode": "auto-no-tool", "prompt": prompt, "call": call})
        results["auto"]["answered_without_tool"] = round(answered / len(no_tool), 3)
    finally:
        await model.close()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["cases"] = answers
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, help="run only the first N requests of each set")
    args = parser.parse_args()
    cases, no_tool = CASES[: args.cases], NO_TOOL[: args.cases]
    results = asyncio.run(run(cases, no_tool))
    rows = [
        [mode, results[mode]["valid"], results[mode]["right_tool"], results[mode]["right_args"]]
        for mode in ("required", "auto")
    ]
    print_table(
        f"Local tool calls, SmolLM2-135M, {len(cases)} requests over {len(TOOLS)} tools",
        ["tool_choice", "valid call", "right tool", "right tool + args"],
        rows,
    )
    print(
        f"auto, {len(no_tool)} requests that need no tool: answered in words "
        f"{results['auto']['answered_without_tool']:.0%}"
    )
    summary = {
        "required_valid": results["required"]["valid"],
        "required_right_tool": results["required"]["right_tool"],
        "required_right_args": results["required"]["right_args"],
        "auto_valid": results["auto"]["valid"],
        "auto_right_args": results["auto"]["right_args"],
        "auto_answered_without_tool": results["auto"]["answered_without_tool"],
    }
    if args.cases is None:
        write_result("tool_calls", summary, results)


if __name__ == "__main__":
    main()
