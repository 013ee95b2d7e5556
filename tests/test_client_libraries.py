"""Client libraries pointed at the real server, as their users configure them: LangChain
(``ChatOpenAI`` with ``bind_tools`` and ``use_responses_api=True``, ``OpenAIEmbeddings``) and
LlamaIndex ``OpenAILike`` (with ``as_structured_llm``). Everything runs on the embedded models
of the shared gateway.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel

from .conftest import RunningGateway, fix_watermark_key, launch_gateway

LOCAL = "smollm2-135m-instruct"
EMBEDDER = "multilingual-e5-small"


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"It is sunny in {city}."


def chat_model(gateway: RunningGateway, **options: object) -> ChatOpenAI:
    return ChatOpenAI(
        model=LOCAL,
        base_url=gateway.base_url,
        api_key=gateway.admin_key,
        max_retries=0,
        temperature=0,
        **options,
    )


def test_langchain_chat_and_stream(gateway: RunningGateway) -> None:
    llm = chat_model(gateway, max_tokens=12)
    answer = llm.invoke("What is the capital of France?")
    assert answer.content and answer.usage_metadata["output_tokens"] > 0
    streamed = "".join(str(chunk.content) for chunk in llm.stream("Say hello."))
    assert streamed


def test_langchain_bind_tools(gateway: RunningGateway) -> None:
    llm = chat_model(gateway, max_tokens=48).bind_tools([get_weather], tool_choice="get_weather")
    message = llm.invoke([HumanMessage("What is the weather in Paris?")])
    assert message.tool_calls, message
    call = message.tool_calls[0]
    assert call["name"] == "get_weather" and isinstance(call["args"]["city"], str)
    assert get_weather.invoke(call["args"]).startswith("It is sunny")


def test_langchain_responses_api(gateway: RunningGateway) -> None:
    llm = chat_model(gateway, max_tokens=16, use_responses_api=True)
    answer = llm.invoke("Name a color.")
    assert answer.text and answer.response_metadata["id"].startswith("resp_")
    chunks = list(llm.stream("Name a fruit."))
    assert "".join(chunk.text for chunk in chunks)


def test_langchain_openai_embeddings(gateway: RunningGateway) -> None:
    embeddings = OpenAIEmbeddings(
        model=EMBEDDER,
        base_url=gateway.base_url,
        api_key=gateway.admin_key,
        check_embedding_ctx_length=False,  # token arrays need tiktoken's OpenAI vocabulary
        max_retries=0,
    )
    documents = embeddings.embed_documents(["Paris is in France.", "Rome is in Italy."])
    query = embeddings.embed_query("Which city is in France?")
    assert len(documents) == 2 and len(query) == 384
    scores = [sum(a * b for a, b in zip(doc, query, strict=True)) for doc in documents]
    assert scores[0] > scores[1]


@pytest.mark.parametrize("is_chat_model", [True, False])
def test_llamaindex_openai_like(gateway: RunningGateway, is_chat_model: bool) -> None:
    llm = OpenAILike(
        model=LOCAL,
        api_base=gateway.base_url,
        api_key=gateway.admin_key,
        is_chat_model=is_chat_model,
        context_window=2048,
        max_tokens=12,
        temperature=0,
        max_retries=0,
    )
    completion = llm.complete("The capital of France is")
    assert completion.text
    reply = llm.chat([ChatMessage(role="user", content="Say hello.")])
    assert reply.message.content
    streamed = "".join(part.delta or "" for part in llm.stream_complete("Once upon a time"))
    assert streamed


class City(BaseModel):
    """A city and the country it is in."""

    name: str
    country: str


@pytest.fixture(scope="module")
def greedy_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """A gateway whose text-watermark key is fixed, so greedy local answers repeat."""
    root = tmp_path_factory.mktemp("greedy")
    fix_watermark_key(root / "data")
    running = launch_gateway(root, data_dir=root / "data")
    yield running
    running.stop()


def test_llamaindex_as_structured_llm(greedy_gateway: RunningGateway) -> None:
    """Structured output through function calling: the local model's tool grammar makes the
    answer an instance of the class (its values are the small model's guess)."""
    llm = OpenAILike(
        model=LOCAL,
        api_base=greedy_gateway.base_url,
        api_key=greedy_gateway.admin_key,
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=2048,
        max_tokens=48,
        temperature=0,
        max_retries=0,
        timeout=240,  # grammar-constrained sampling is slow: 27 tokens took 14-50 s under load
    )
    reply = llm.as_structured_llm(City).chat(
        [ChatMessage(role="user", content="Paris is the capital of France. Extract the city.")]
    )
    assert isinstance(reply.raw, City) and reply.raw.name and reply.raw.country
