"""The text watermark on the real local model: the sampler hook, detection, keys.

llama-cpp-python's custom sampler carries a "probably broken" note about how it maps logits;
the first tests pin that the processor sees logits indexed by token id and that what it changes
decides the sampled token, greedy and random.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llama_cpp import Llama, LogitsProcessorList

import aigc_gateway
from aigc_gateway.config import LocalModelSettings, WatermarkSettings
from aigc_gateway.labeling.keys import WatermarkKey, WatermarkKeyRing
from aigc_gateway.labeling.vocab import VocabTokenizer
from aigc_gateway.labeling.watermark import GreenList, WatermarkDetector, WatermarkProcessor
from aigc_gateway.providers.base import GenerationRequest
from aigc_gateway.providers.local import LocalModel, bundled_model_path
from aigc_gateway.providers.messages import ChatMessage

SETTINGS = WatermarkSettings()
PROMPTS = {
    "en": "Write a short story about a lighthouse keeper and a storm.",
    "zh": "请写一段关于春天的短文。",
}


@pytest.fixture(scope="module")
def llama() -> Llama:
    return Llama(model_path=str(bundled_model_path()), n_ctx=512, n_threads=2, verbose=False)


@pytest.fixture(scope="module")
def model() -> LocalModel:
    local = LocalModel(LocalModelSettings(threads=2, context_tokens=1024))
    yield local
    asyncio.run(local.close())


@pytest.fixture(scope="module")
def tokenizer() -> VocabTokenizer:
    return VocabTokenizer(bundled_model_path())


KEY = WatermarkKey("wk_test", b"test watermark key, not secret..", 0.0)


def test_the_first_answer_token_is_left_alone_and_every_later_one_marked() -> None:
    """The token before an answer's first one is the chat template's, the same in every
    request: biasing it would push every answer of a key towards one opening word."""
    green = GreenList(KEY, 0.25)
    processor = WatermarkProcessor(green, 3.0)
    prompt = np.array([11, 12, 13])
    scores = np.zeros(500, np.float32)
    assert not processor(prompt, scores.copy()).any()
    marked = processor(np.append(prompt, 42), scores.copy())
    assert marked.any()
    assert np.array_equal(marked, 3.0 * green.mask(42, 500).astype(np.float32))
    assert processor.steps == 1


def generate(model: LocalModel, prompt: str, processor: WatermarkProcessor | None) -> str:
    request = GenerationRequest(
        kind="chat",
        model="local",
        stream=True,
        messages=[ChatMessage("user", prompt)],
        max_tokens=120,
        temperature=0.0,
        logits_processor=processor,
    )

    async def run() -> str:
        return "".join([chunk.text async for chunk in model.generate(request, "local")])

    return asyncio.run(run())


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_processor_sees_token_ids_and_decides_the_token(llama: Llama, temperature: float) -> None:
    target = llama.tokenize(b" lighthouse", add_bos=False)[0]
    seen: list[tuple[int, int]] = []

    def force(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        seen.append((len(scores), len(input_ids)))
        forced = np.full_like(scores, -1e9)
        forced[target] = 0.0
        return forced

    prompt = llama.tokenize(b"The sea is", add_bos=False)
    out = llama.create_completion(
        prompt,
        max_tokens=3,
        temperature=temperature,
        seed=7,
        logits_processor=LogitsProcessorList([force]),
    )
    assert out["choices"][0]["text"] == " lighthouse" * 3
    # Whole vocabulary every step, and the ids so far (prompt + generated) to key the green list.
    assert seen[0] == (llama.n_vocab(), len(prompt))
    assert seen[1][1] == len(prompt) + 1


def test_greedy_argmax_is_the_unmodified_logit_order(llama: Llama) -> None:
    """With an identity processor, greedy output equals the argmax the processor saw."""
    argmaxes: list[int] = []

    def observe(_: np.ndarray, scores: np.ndarray) -> np.ndarray:
        argmaxes.append(int(np.argmax(scores)))
        return scores

    prompt = llama.tokenize(b"Once upon a time", add_bos=False)
    out = llama.create_completion(
        prompt,
        max_tokens=6,
        temperature=0.0,
        repeat_penalty=1.0,
        logits_processor=LogitsProcessorList([observe]),
    )
    produced = llama.tokenize(out["choices"][0]["text"].encode(), add_bos=False)
    assert produced == argmaxes[: len(produced)]


def test_green_list_is_gamma_of_the_vocabulary_and_keyed() -> None:
    green = GreenList(KEY, 0.25)
    other = GreenList(WatermarkKey("wk_other", b"another key of thirty-two bytes!", 0.0), 0.25)
    masks = [green.mask(previous, 49152) for previous in (1, 2, 3)]
    assert all(abs(mask.mean() - 0.25) < 0.01 for mask in masks)
    assert (masks[0] != masks[1]).mean() > 0.3  # the previous token changes the list
    assert (masks[0] != other.mask(1, 49152)).mean() > 0.3  # so does the key
    pairs = green.is_green(np.array([1, 1, 2]), np.array([5, 6, 7]), 49152)
    assert pairs.tolist() == [masks[0][5], masks[0][6], masks[1][7]]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_greedy_watermarked_text_is_detected_and_plain_is_not(
    model: LocalModel, tokenizer: VocabTokenizer, language: str
) -> None:
    detector = WatermarkDetector(tokenizer, [KEY], SETTINGS.gamma, SETTINGS.z_threshold)
    marked = generate(model, PROMPTS[language], WatermarkProcessor(GreenList(KEY, 0.25), 3.0))
    plain = generate(model, PROMPTS[language], None)
    found, absent = detector.detect(marked), detector.detect(plain)
    assert found["detected"], found
    assert found["key_id"] == "wk_test" and found["p_value"] < 1e-4
    assert not absent["detected"] and absent["z_score"] < SETTINGS.z_threshold


def test_rotated_key_ring_keeps_old_keys_verifiable(
    tmp_path: Path, model: LocalModel, tokenizer: VocabTokenizer
) -> None:
    ring = WatermarkKeyRing(tmp_path)
    first = ring.active
    text = generate(model, PROMPTS["en"], WatermarkProcessor(GreenList(first, 0.25), 3.0))
    second = WatermarkKeyRing(tmp_path).rotate()
    reloaded = WatermarkKeyRing(tmp_path)
    assert [key.key_id for key in reloaded.keys] == [first.key_id, second.key_id]
    assert reloaded.active.key_id == second.key_id
    assert (tmp_path / "labels" / "watermark-keys.json").stat().st_mode & 0o077 == 0
    verdict = WatermarkDetector(tokenizer, reloaded.keys, 0.25, 4.0).detect(text)
    assert verdict["detected"] and verdict["key_id"] == first.key_id
    assert len(verdict["keys"]) == 2
    assert not WatermarkDetector(tokenizer, [second], 0.25, 4.0).detect(text)["detected"]


def test_short_text_gives_no_decision(tokenizer: VocabTokenizer) -> None:
    verdict = WatermarkDetector(tokenizer, [KEY], 0.25, 4.0).detect("Hello there.")
    assert verdict["decided"] is False and verdict["detected"] is False


def _sample_texts() -> list[str]:
    """English and Chinese prompts (the evaluation suites), this package's Python code, word
    lists and odd Unicode: what a scan meets."""
    package = Path(aigc_gateway.__file__).parent
    texts = []
    for path in sorted((package / "data" / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts += [m["content"] for m in json.loads(line).get("messages", []) if m["content"]]
    for path in sorted(package.rglob("*.py")):
        code = path.read_text(encoding="utf-8")
        texts += [code[i : i + 1500] for i in range(0, len(code), 1500)]
    texts.append((package / "data" / "zh_surnames.txt").read_text(encoding="utf-8"))
    texts += [
        "<|im_start|>user\nhi<|im_end|><|endoftext|>",
        "a\u200b\u200db e\u0301 🙂👍🏽 \u202eabc\t\t  x\r\n\r\n１２３ａｂｃ ﬁ \x00\x01",
        "   a    b 3.14159e10 ǅ ｶﾀｶﾅ 한국어 العربية \u00a0\u3000x ''s 've Ⅻ ²³ 12345678901234",
        "第1章：2026年11月30日，价格￥1,234.50元（含税）；电话 138-0013-8000。",
        "\U00042059\U00042059 a",  # unassigned plane 4: llama.cpp's own tokenizer answers
    ]
    return texts


@pytest.fixture(scope="module")
def vocab_llama() -> Llama:
    return Llama(model_path=str(bundled_model_path()), vocab_only=True, verbose=False)


def test_fast_tokenizer_gives_llama_cpp_ids(tokenizer: VocabTokenizer, vocab_llama: Llama) -> None:
    """Detection tokenises with ``tokenizers`` built from the GGUF's vocabulary and merges; it
    must give the ids llama.cpp gives (the ids the watermark was applied to)."""
    assert tokenizer.engine == "tokenizers"
    llama = vocab_llama
    assert tokenizer.vocab_size == llama.n_vocab()
    texts = _sample_texts()
    assert len(texts) > 2000
    differ = [
        text
        for text in texts
        if tokenizer.tokenize(text) != llama.tokenize(text.encode(), add_bos=False, special=False)
    ]
    assert differ == []


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_fast_tokenizer_on_any_text(
    tokenizer: VocabTokenizer, vocab_llama: Llama, text: str
) -> None:
    expected = vocab_llama.tokenize(text.encode(), add_bos=False, special=False)
    assert tokenizer.tokenize(text) == expected
