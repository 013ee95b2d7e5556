"""Unsafe content in prompts and answers, English and Chinese, with a hazard taxonomy.

Linear models over the shared character n-grams decide *whether* a text is unsafe: one
for harmful requests and answers (how to build a weapon, commit a crime, hurt someone),
``data/harm.npz``, with ``data/harm_zh.npz`` for Chinese prompts only (it learnt from requests;
judging answers, it cut ordinary Chinese answers of the local model), and one for abusive,
hateful or offensive language (``data/toxicity.npz``). A request model file built with a small
network next to it loads as :class:`~.network.MixedTextModel`.
A text is unsafe when either says so; on development data, in every source of negatives, the
abusive-language model flags at most 1 % and the two together at most 2 %. Keyword lists
(``data/harm_lexicon.json``) decide *which* hazard category it is, named after the MLCommons
hazard taxonomy and mapped to the five TC260-003 risk categories in :data:`TAXONOMY`
(documented in docs/guards.md). Unsafe text no keyword explains is ``toxicity``.

Keywords that name a concrete harm are also evidence for the request model: a text with one is
judged at a lower threshold than one without, so a short everyday question needs a confident
model to be blocked and a request that names a weapon or a crime does not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import islice

from .features import LinearTextModel, Window, data_path, probability, windows
from .model import Finding, language_of
from .network import MixedTextModel, load_text_model
from .registry import Direction
from .semantic import SemanticHead, load_semantic_head

MODEL = "harm.npz"
MODEL_ZH = "harm_zh.npz"
TOXICITY_MODEL = "toxicity.npz"
LEXICON = "harm_lexicon.json"
FALLBACK_CATEGORY = "toxicity"

TAXONOMY: dict[str, tuple[str, str]] = {
    # category: (MLCommons AILuminate hazard, TC260-003 risk category)
    "violent_crimes": ("S1 Violent Crimes", "A.1 core socialist values (violence, terrorism)"),
    "non_violent_crimes": ("S2 Non-Violent Crimes", "A.1 content prohibited by law"),
    "sex_crimes": ("S3 Sex-Related Crimes", "A.4 rights of others (physical and mental health)"),
    "child_sexual_exploitation": ("S4 Child Sexual Exploitation", "A.1 obscenity and pornography"),
    "weapons_cbrne": ("S5 Indiscriminate Weapons (CBRNE)", "A.1 terrorism, endangering safety"),
    "self_harm": ("S6 Suicide & Self-Harm", "A.4 rights of others (physical and mental health)"),
    "hate": ("S7 Hate", "A.2 discrimination"),
    "specialized_advice": ("S8 Specialized Advice", "A.5 unmet safety needs of the service"),
    "privacy": ("S9 Privacy", "A.4 rights of others (privacy, personal information)"),
    "intellectual_property": ("S10 Intellectual Property", "A.3 commercial violations"),
    "defamation": ("S11 Defamation", "A.4 rights of others (reputation, honour)"),
    "elections": ("S12 Elections", "A.1 false and harmful information"),
    "sexual_content": ("S13 Sexual Content", "A.1 obscenity and pornography"),
    "subversion_extremism": ("S1 Violent Crimes (extremism)", "A.1 subversion, extremism"),
    FALLBACK_CATEGORY: ("S7 Hate (insults, harassment)", "A.2 discrimination; A.4 reputation"),
}


def _load_lexicon() -> list[tuple[str, re.Pattern[str]]]:
    raw: dict[str, list[str]] = json.loads(data_path(LEXICON).read_text(encoding="utf-8"))
    compiled = []
    for category, words in raw.items():
        if category not in TAXONOMY:
            raise ValueError(f"{LEXICON}: unknown category {category!r}")
        compiled.append((category, re.compile("(?i)" + "|".join(words))))
    return compiled


LEXICON_PATTERNS = _load_lexicon()
EVIDENCE_CATEGORIES = frozenset(
    {
        "child_sexual_exploitation",
        "weapons_cbrne",
        "self_harm",
        "sex_crimes",
        "violent_crimes",
        "subversion_extremism",
        "non_violent_crimes",
    }
)
"""Categories whose keywords name a concrete harm (a weapon, a crime) and so count as
evidence. Insults, group names and topic words (elections, diagnosis) are not: ordinary text
that discusses them is common (COLD's safe comments name the groups they discuss)."""


def lexicon_category(text: str) -> str | None:
    """The first (most severe) hazard category whose keywords occur in ``text``."""
    for category, pattern in LEXICON_PATTERNS:
        if pattern.search(text):
            return category
    return None


def keyword_evidence(category: str | None) -> bool:
    return category in EVIDENCE_CATEGORIES


PHRASE_SCORE = 0.95
PHRASE_DETECTOR = "harm_phrase"
"""The ``detector`` of a finding made by :data:`VIOLENT_PHRASES`."""
_VIOLENCE = (
    r"(?:kill|murder|shoot|stab|strangle|choke|behead|butcher|slaughter|rape|torture|lynch|hang"
    r"|execute|gut)"
)
_VICTIM = (
    r"(?:you|u|ya|y['’]all|your\s+(?:whole\s+|entire\s+)?(?:family|kids?|children|wife|husband"
    r"|son|daughter|mother|mom|father|dad|parents|girlfriend|boyfriend))\b"
    # not "I'll shoot you an e-mail", "kill you at chess", "this will choke you up"
    r"(?!\s+(?:a|an|the|some|over|my|our|at|up|with\s+kindness)\b)"
)
_INTENT = (
    r"(?:\s+will|['’]ll|\s+shall|\s*['’]m\s+going\s+to|\s+am\s+going\s+to|\s+are\s+going\s+to"
    r"|['’]re\s+going\s+to|\s*['’]m\s+gonna|\s+am\s+gonna|\s+gonna|\s+want\s+to|\s+wanna"
    r"|\s*['’]m\s+about\s+to|\s+am\s+about\s+to)"
)
_GROUP = (
    r"(?:immigrants|migrants|refugees|foreigners|muslims|jews|christians|hindus|atheists|blacks"
    r"|black\s+people|whites|white\s+people|gays|gay\s+people|lesbians|homosexuals"
    r"|trans(?:gender)?\s+people|women|asians|mexicans|latinos|arabs|africans|gypsies"
    r"|disabled\s+people|niggers|faggots|kikes|spics|chinks)"
)
_DONE_TO = (
    r"(?:killed|shot|exterminated|gassed|hanged|hung|lynched|wiped\s+out|slaughtered|burned"
    r"|burnt|eradicated|executed|murdered|massacred|beheaded|raped)"
)
_VICTIM_ZH = r"(?:你全家|你一家|你家人|你老婆|你孩子|你们|你)(?!的)"
_GROUP_ZH = (
    r"(?:黑人|白人|黑鬼|穆斯林|回民|维族|犹太人|基督徒|同性恋|基佬|女人|男人|外地人|农民工|河南人"
    r"|东北人|日本人|日本鬼子|韩国人|外国人|移民|难民|残疾人)"
)
_KILL_ZH = r"(?:杀光|杀掉|杀死|消灭|灭绝|枪毙|处死|烧死|赶尽杀绝)"


@dataclass(frozen=True, slots=True)
class ViolentPhrase:
    """A family of plain threats or calls for violence and the hazard category it is."""

    category: str
    pattern: re.Pattern[str]
    anchors: tuple[str, ...]
    """Lower-case words one of which every match holds: the pattern is only tried within
    ``reach`` characters of one (most texts hold none)."""
    reach: int
    """How far a match may extend on either side of its anchor word."""
    word_start: bool = False
    """Anchors count only where a word starts ("hang" in "hang", not in "change")."""

    def search(self, lowered: str) -> re.Match[str] | None:
        """The first match in ``lowered`` (a text in lower case; patterns are in lower case)."""
        for word in self.anchors:
            at = lowered.find(word)
            while at >= 0:
                if not (self.word_start and at and lowered[at - 1].isalnum()):
                    start, end = max(0, at - self.reach), at + len(word) + self.reach
                    found = self.pattern.search(lowered, start, end)
                    if found:
                        return found
                at = lowered.find(word, at + 1)
        return None


VIOLENT_PHRASES = (
    ViolentPhrase(
        "violent_crimes",
        re.compile(
            # A threat to the reader: "I'll kill you", "we're going to find you and shoot you".
            rf"\b(?:i|we){_INTENT}\s+(?:(?:find|hunt)\s+(?:you|u)\s+(?:down\s+)?and\s+)?"
            rf"{_VIOLENCE}\s+{_VICTIM}"
            r"|\bi\s+know\s+where\s+you\s+(?:live|sleep)\b"
        ),
        (
            *("kill", "murder", "shoot", "stab", "strangl", "chok", "behead", "butcher"),
            *("slaughter", "rape", "tortur", "lynch", "hang", "execut", "gut", "where you"),
        ),
        reach=80,
        word_start=True,
    ),
    ViolentPhrase(
        "violent_crimes",
        re.compile(
            r"(?:我|老子|我们)(?:要|会|就|想|非得|一定要|一定会|迟早|早晚|今天就|马上)?"
            rf"(?:杀了|弄死|砍死|捅死|打死|干掉|宰了|杀死|杀掉|掐死|毒死|烧死){_VICTIM_ZH}"
            r"|我知道你住(?:在)?哪"
        ),
        ("杀", "弄死", "砍死", "捅死", "打死", "干掉", "宰了", "掐死", "毒死", "烧死", "你住"),
        reach=12,
    ),
    ViolentPhrase(
        "hate",
        re.compile(
            # A call to kill a group of people: "all immigrants should be shot".
            rf"\b{_GROUP}\s+(?:should|must|deserve\s+to|need\s+to|ought\s+to|have\s+to)"
            rf"\s+(?:all\s+)?(?:be\s+{_DONE_TO}|die)\b"
            rf"|\bshould\s+(?:all\s+)?(?:the\s+)?{_GROUP}\s+(?:all\s+)?be\s+{_DONE_TO}\b"
        ),
        (
            *("kill", "shot", "extermin", "gassed", "hanged", "hung", "lynch", "wiped"),
            *("slaughter", "burn", "eradicat", "execut", "murder", "massacr", "behead"),
            *("raped", "die"),
        ),
        reach=80,
        word_start=True,
    ),
    ViolentPhrase(
        "hate",
        re.compile(
            # "黑人都该死", "应该把所有移民杀光".
            rf"{_GROUP_ZH}(?:都|全都|全部|统统)?(?:该死|去死|死光|应该(?:被)?{_KILL_ZH})"
            rf"|(?:应该|必须|一定要|就该)(?:把)?(?:所有的?|这些|那些)?{_GROUP_ZH}(?:都|全)?{_KILL_ZH}"
        ),
        ("该死", "去死", "死光", "杀", "消灭", "灭绝", "枪毙", "处死", "烧死"),
        reach=16,
    ),
    ViolentPhrase(
        "self_harm",
        re.compile(
            # Telling the reader to die: "go kill yourself", "你去死吧".
            r"\b(?:go|just|should)\s+(?:and\s+)?(?:kill|hang|shoot)\s+(?:yo)?urself\b"
            r"|\bi\s+hope\s+you\s+(?:die|get\s+(?:raped|killed|murdered|shot))\b"
            r"(?!\s+(?:laughing|of\s+laughter|happy|old|rich|peacefully))"
        ),
        ("yourself", "urself", "hope you"),
        reach=40,
        word_start=True,
    ),
    ViolentPhrase(
        "self_harm",
        re.compile(r"(?:你|你们)(?:都|就|赶紧|快)?(?:去)?死吧|去死吧|你怎么(?:还)?不去死"),
        ("死吧", "不去死"),
        reach=8,
    ),
)
"""Plain threats and calls for violence, which no request model learns well (they are not
requests, and the abusive-language sources hold few): each a finding of its category at
``PHRASE_SCORE`` wherever it occurs, in a prompt or an answer."""


def violent_phrase(text: str) -> Finding | None:
    """The first plain threat or call for violence in ``text``, as a finding."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets aligned
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for phrase in VIOLENT_PHRASES:
        found = phrase.search(lowered)
        if found:
            start, end = found.span()
            return Finding("HARM", start, end, PHRASE_SCORE, PHRASE_DETECTOR, phrase.category)
    return None


MIN_CONTENT_CHARS = 4
"""Below this many letters (any script) a text needs a keyword to count as unsafe; no unsafe
text in the development part is that short."""
LETTER = re.compile(r"[^\W\d_]")


def has_content(text: str, start: int, end: int) -> bool:
    letters = LETTER.finditer(text, start, end)
    return sum(1 for _ in islice(letters, MIN_CONTENT_CHARS)) >= MIN_CONTENT_CHARS


@dataclass(frozen=True, slots=True)
class WindowScore:
    """Both models' scores for one window."""

    request: float
    toxicity: float
    part: Window


@dataclass(frozen=True, slots=True)
class OperatingPoints:
    """The thresholds a text is held to, for its language and direction."""

    model: LinearTextModel | MixedTextModel
    """The request model: ``harm_zh.npz`` for Chinese prompts, else ``harm.npz``."""
    semantic: SemanticHead | None
    """Where the request model has one, the part of its logit read from static word vectors."""
    plain: float
    with_keyword: float
    """Lower where a hazard keyword backs the request model."""
    toxicity: float

    def request(self, keyword_found: bool) -> float:
        return self.with_keyword if keyword_found else self.plain


class HarmDetector:
    name = "harm"

    def __init__(self) -> None:
        self.request = load_text_model(MODEL)
        """The harmful-request model of answers, and of prompts but Chinese ones."""
        self.request_zh = load_text_model(MODEL_ZH)
        """The harmful-request model of Chinese prompts."""
        self.semantic_zh = load_semantic_head(MODEL_ZH)
        self.toxicity = LinearTextModel.load(TOXICITY_MODEL)

    def category(self, text: str) -> str:
        return lexicon_category(text) or FALLBACK_CATEGORY

    def operating_points(self, text: str, direction: Direction) -> OperatingPoints:
        lang = language_of(text)
        chinese_prompt = lang == "zh" and direction == "input"
        model = self.request_zh if chinese_prompt else self.request
        semantic = self.semantic_zh if chinese_prompt else None
        plain = model.thresholds[lang]
        with_keyword = min(plain, model.cue_thresholds[lang]) if model.cue_thresholds else plain
        return OperatingPoints(model, semantic, plain, with_keyword, self.toxicity.thresholds[lang])

    def scores(self, text: str, parts: list[Window], points: OperatingPoints) -> list[WindowScore]:
        return [
            WindowScore(request_score(text, part, points), self.toxicity.score(part.ids), part)
            for part in parts
        ]

    def check(self, text: str, direction: Direction = "input") -> list[Finding]:
        return self.check_windows(text, windows(text), direction)

    def margin(self, text: str, direction: Direction = "input") -> float:
        """The highest window score divided by the operating point that window is held to
        (>= 1 exactly when a model or a phrase fires; the short-text rule aside)."""
        points = self.operating_points(text, direction)
        margin = 0.0
        for scored in self.scores(text, windows(text), points):
            keyword = keyword_evidence(lexicon_category(text[scored.part.start : scored.part.end]))
            margin = max(
                margin,
                scored.request / points.request(keyword),
                scored.toxicity / points.toxicity,
            )
        return max(margin, 1.0) if violent_phrase(text) else margin

    def check_windows(self, text: str, parts: list[Window], direction: Direction) -> list[Finding]:
        points = self.operating_points(text, direction)
        best: Finding | None = None
        for scored in self.scores(text, parts, points):
            part = scored.part
            if scored.request < points.with_keyword and scored.toxicity < points.toxicity:
                continue  # below every operating point: no need to look for keywords
            keyword = lexicon_category(text[part.start : part.end])
            score = 0.0
            if scored.request >= points.request(keyword_evidence(keyword)):
                score = scored.request
            if scored.toxicity >= points.toxicity:
                score = max(score, scored.toxicity)
            if not score or (keyword is None and not has_content(text, part.start, part.end)):
                continue  # "？", "ok": too little text for the models to judge
            if best is None or score > best.score:
                category = keyword or FALLBACK_CATEGORY
                best = Finding("HARM", part.start, part.end, score, "harm_model", category)
        phrase = violent_phrase(text)
        if phrase and (best is None or best.score < phrase.score):
            best = phrase
        return [best] if best else []


def request_score(text: str, part: Window, points: OperatingPoints) -> float:
    """The request model's score of one window of ``text``, its semantic part included."""
    if points.semantic is None or not len(part.ids):
        return points.model.score(part.ids)
    margin = points.model.margin(part.ids) + points.semantic.margin(text[part.start : part.end])
    return probability(margin)
