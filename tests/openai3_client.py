"""The openai SDK 3.x against a running gateway, run by ``tests/test_openai_api.py`` in a venv
of its own (the test extras' LlamaIndex pins ``openai<3``, so the main venv has 2.x).

    .venv-openai3/bin/python tests/openai3_client.py BASE_URL API_KEY '{"local": ...}'

Calls what clients use (chat, streaming, list-of-prompts completions, embeddings, moderations,
responses with streaming and ``previous_response_id``, tools, an error) and prints one JSON
object: per call, what came back as plain data (or ``{"error": ...}``), for the test to check.
Imports nothing of the gateway.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import openai


def calls(client: openai.OpenAI, names: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    local, upstream, embedder = names["local"], names["upstream"], names["embedder"]
    hello = [{"role": "user", "content": "hello there"}]

    def chat() -> Any:
        answer = client.chat.completions.create(model=upstream, messages=hello)
        return {"content": answer.choices[0].message.content, **answer.usage.model_dump()}

    def chat_stream() -> Any:
        chunks = list(
            client.chat.completions.create(
                model=upstream,
                messages=hello,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        return {"content": text, "usage": chunks[-1].usage.model_dump()}

    def completions() -> Any:
        answer = client.completions.create(model=upstream, prompt=["one", "two"], max_tokens=8)
        return sorted(choice.index for choice in answer.choices)

    def embeddings() -> Any:
        texts = ["The cat sits on the mat.", "猫坐在垫子上。"]
        floats = client.embeddings.create(model=embedder, input=texts, encoding_format="float")
        packed = client.embeddings.create(model=embedder, input=texts)  # base64, decoded
        return {
            "float": [item.embedding for item in floats.data],
            "default": [item.embedding for item in packed.data],
        }

    def moderations() -> Any:
        result = client.moderations.create(input=[names["harmful"], "What is 2 + 2?"])
        return [{"flagged": r.flagged, **r.categories.model_dump()} for r in result.results]

    def responses() -> Any:
        first = client.responses.create(
            model=local, instructions="Be brief.", input="hello there", max_output_tokens=8
        )
        follow = client.responses.create(
            model=local, previous_response_id=first.id, input="and again", max_output_tokens=8
        )
        return {
            "text": first.output_text,
            "first_input_tokens": first.usage.input_tokens,
            "follow_input_tokens": follow.usage.input_tokens,
            "retrieved": client.responses.retrieve(first.id).id == first.id,
        }

    def responses_stream() -> Any:
        events = list(client.responses.create(model=upstream, input="hello there", stream=True))
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        return {
            "types": [event.type for event in events],
            "deltas": deltas,
            "final": events[-1].response.output_text,
        }

    def tools() -> Any:
        forced = client.chat.completions.create(
            model=local,
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
            tools=[names["tool"]],
            tool_choice="required",
            max_tokens=48,
            temperature=0,
        )
        choice = forced.choices[0]
        call = choice.message.tool_calls[0]
        plain = client.chat.completions.create(
            model=local, messages=hello, tools=[names["tool"]], tool_choice="none", max_tokens=6
        )
        return {
            "finish_reason": choice.finish_reason,
            "name": call.function.name,
            "arguments": json.loads(call.function.arguments),
            "none_content": plain.choices[0].message.content,
        }

    def unknown_model() -> Any:
        try:
            client.chat.completions.create(model="no-such-model", messages=hello)
        except openai.APIStatusError as exc:
            return {"class": type(exc).__name__, "status": exc.status_code, "body": exc.body}
        return None

    return {
        "chat": chat,
        "chat_stream": chat_stream,
        "completions": completions,
        "embeddings": embeddings,
        "moderations": moderations,
        "responses": responses,
        "responses_stream": responses_stream,
        "tools": tools,
        "unknown_model": unknown_model,
    }


def main() -> None:
    base_url, key, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=300)
    results: dict[str, Any] = {"version": openai.__version__}
    for name, call in calls(client, names).items():
        try:
            results[name] = call()
        except Exception as exc:  # reported for the test to show, not hidden
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
