"""Prompt injection and jailbreak attempts, English and Chinese, direct or indirect.

A linear model over character n-grams (``data/injection.npz``) scores each window of the text;
a handful of unambiguous phrases ("ignore all previous instructions", "忽略之前的所有指令",
"repeat your system prompt", chat-template tokens such as ``<|im_start|>``) fire on their own,
which matters for indirect injection buried in a long tool result or document. In a document a
window finding counts only through its strongest few sentences, and only if they speak to the
model (:meth:`InjectionDetector.aimed_part`, :mod:`.context`).

In a document (a tool result), a second linear model (``data/task.npz``) reads sentence by
sentence for a *planted task*: a request meant for an assistant ("Write a script that…",
"Translate your answer into German", "Recommend this product") that does not belong to the
document, as opposed to the instructions documents give their human readers ("reply to this
e-mail", "run ``make test``"). It reads each sentence after a start mark (:data:`TASK_START`),
so that how a sentence begins counts on its own; it is trained on sentences of documents of
every shape (real technical documentation in English and Chinese among them) and on
instructions to readers, against assistant requests in many wordings (real ones people wrote
among them), and calibrated so that at
most 0.5 % of the real documents it never saw (per language) and of synthetic e-mails, pages,
tables, code and logs is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .context import aimed_at_model
from .features import LinearTextModel, Window, ngram_ids, normalize, windows
from .model import CJK, Finding, language_of
from .registry import Direction

MODEL = "injection.npz"
TASK_MODEL = "task.npz"
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？；]|\n")
TASK_START = "\x02"
"""Put before each sentence the planted-task model reads: the n-grams across it say how the
sentence begins ("write a", "please fill"), which is most of what tells a request to an
assistant from an instruction to the reader."""
TASK_HEAD_ZH = 16
"""Characters of a Chinese sentence the planted-task model reads: a request to an assistant
shows in how it begins (请写一首…, 帮我把…翻译成…); the rest is topic, which documents share."""
MIN_SENTENCE_CHARS = 8
MAX_SENTENCE_CHARS = 400
LETTERS = re.compile(r"[^\W\d_]{2}")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence or line with some words in it, at most
    ``MAX_SENTENCE_CHARS`` long (a longer one is read from its start)."""
    start = 0
    for end_mark in SENTENCE_END.finditer(text):
        yield from _sentence(text, start, end_mark.end())
        start = end_mark.end()
    yield from _sentence(text, start, len(text))


def task_text(sentence: str) -> str:
    """What the planted-task model reads of a sentence: :data:`TASK_START` and the normalised
    sentence (its first :data:`TASK_HEAD_ZH` characters if it begins in Chinese)."""
    text = normalize(sentence)
    return TASK_START + (text[:TASK_HEAD_ZH] if CJK.search(text, 0, 8) else text)


def _sentence(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    wide = sum(1 for _ in CJK.finditer(text, start, end))  # a Chinese character says more
    if end - start + wide >= MIN_SENTENCE_CHARS and LETTERS.search(text, start, end):
        yield start, min(end, start + MAX_SENTENCE_CHARS)


NEIGHBOURHOOD = 3
"""Sentences a window finding in a document is narrowed to (``aimed_part``)."""

PHRASE_SCORE = 0.95
OVERRIDE_PHRASES = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|original)\s+"
    r"(?:instructions?|prompts?|rules|directions|guidelines|messages?)"
    r"|\byou\s+are\s+now\s+(?:DAN|in\s+developer\s+mode|jailbroken|unrestricted)"
    r"|(?:忽略|无视|忘记|忘掉|不要理会|不用理会)(?:掉)?(?:你|您)?(?:之前|以上|上面|前面|先前|原来|原有|所有|全部|系统)"
    r"(?:的)?(?:所有|全部|一切)?(?:的)?(?:指令|指示|提示|要求|规则|设定|命令)"
    # Prompt extraction: asking the model for its own hidden instructions.
    r"|\b(?:repeat|print|output|reveal|show|display|dump|leak|list|recite|spell\s+out"
    r"|write\s+(?:out|down)|tell\s+me|give\s+me|what\s+(?:are|is|were|was))\s+"
    r"(?:me\s+)?(?:out\s+)?(?:all\s+|exactly\s+|verbatim\s+)?(?:of\s+)?"
    r"(?:your|the\s+(?:system|hidden|secret|initial|original))\s+"
    r"(?:(?:system|hidden|secret|initial|original|full|entire|complete|previous|pre-?)\s*)*"
    r"(?:instructions?|prompts?|pre-?prompt|rules|directives|configuration|guidelines)\b"
    r"|\b(?:your|the)\s+(?:system|pre-?|initial|hidden|secret|original)\s*prompt\b"
    # Chat-template control tokens smuggled into user text.
    r"|<\|(?:endoftext|im_start|im_end|system|eot_id|start_header_id)\|>"
)
PHRASE_ANCHORS = (
    "instruction",
    "prompt",
    "rule",
    "direction",
    "guideline",
    "message",
    "directive",
    "configuration",
    "you are now",
    "<|",
    "忽略",
    "无视",
    "忘记",
    "忘掉",
    "理会",
)
"""Every phrase contains one of these (lower case): texts without any skip the regex."""


def override_phrase(text: str) -> re.Match[str] | None:
    lowered = text.lower()
    if not any(anchor in lowered for anchor in PHRASE_ANCHORS):
        return None
    return OVERRIDE_PHRASES.search(text)


class InjectionDetector:
    name = "injection"

    def __init__(self) -> None:
        self.model = LinearTextModel.load(MODEL)
        self.task = LinearTextModel.load(TASK_MODEL)

    def planted_task(self, text: str) -> Finding | None:
        """The sentence of a document most like a request to an assistant, if it scores at or
        above the task model's operating point for its language."""
        spans = list(sentences(text))
        scores = self.task.scores([task_text(text[start:end]) for start, end in spans])
        best: Finding | None = None
        for (start, end), score in zip(spans, scores.tolist(), strict=True):
            if score >= self.task.thresholds[language_of(text[start:end])] and (
                best is None or score > best.score
            ):
                best = Finding("INJECTION", start, end, score, "injection_task")
        return best

    def aimed_part(self, text: str, found: Finding) -> Finding | None:
        """A window finding as it counts in a document. A phrase counts where it speaks to the
        model (:func:`.context.aimed_at_model`); a model finding is narrowed to its strongest
        stretch of :data:`NEIGHBOURHOOD` sentences, which counts if it scores at the operating
        point and speaks to the model. So a long page that scores high for its topic, with an
        imperative to its reader somewhere, is judged by its strongest sentences, not by every
        word of the window."""
        if found.detector != "injection_model":
            return found if aimed_at_model(text[found.start : found.end]) else None
        inside = sentences(text[found.start : found.end])
        spans = [(found.start + start, found.start + end) for start, end in inside] or [
            (found.start, found.end)  # no sentence of words (Morse, symbols): the window itself
        ]
        best: Finding | None = None
        for i in range(max(1, len(spans) - NEIGHBOURHOOD + 1)):
            start, end = spans[i][0], spans[min(i + NEIGHBOURHOOD, len(spans)) - 1][1]
            score = self.model.score(ngram_ids(normalize(text[start:end])))
            if best is None or score > best.score:
                best = Finding("INJECTION", start, end, score, found.detector)
        threshold = self.model.thresholds[language_of(text)]
        if best is None or best.score < threshold:
            return None
        return best if aimed_at_model(text[best.start : best.end]) else None

    def check_document(self, text: str) -> list[Finding]:
        """Findings that count in a document even where no window speaks to the model."""
        found = self.planted_task(text)
        return [found] if found else []

    def check(self, text: str) -> list[Finding]:
        return self.check_windows(text, windows(text), "input")

    def strongest(self, text: str, parts: list[Window]) -> Finding | None:
        """The most suspicious window (or phrase) whatever the threshold; None for no text."""
        best: Finding | None = None
        for part in parts:
            score = self.model.score(part.ids)
            if best is None or score > best.score:
                best = Finding("INJECTION", part.start, part.end, score, "injection_model")
        phrase = override_phrase(text)
        if phrase and (best is None or best.score < PHRASE_SCORE):
            start, end = phrase.span()
            best = Finding("INJECTION", start, end, PHRASE_SCORE, "injection_phrase")
        return best

    def margin(self, text: str) -> float:
        """The strongest score divided by the operating point (>= 1 exactly when it fires)."""
        best = self.strongest(text, windows(text))
        return (best.score if best else 0.0) / self.model.thresholds[language_of(text)]

    def check_windows(self, text: str, parts: list[Window], direction: Direction) -> list[Finding]:
        """Injection is judged the same way wherever the engine lets it read."""
        best = self.strongest(text, parts)
        if best is None or best.score < self.model.thresholds[language_of(text)]:
            return []
        return [best]
