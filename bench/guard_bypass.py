"""The bypass suite: obfuscated variants of personal data, secrets and prompt attacks, and
whether the default guards still find them.

Every variant is generated here from development-split items only (``bench/guards.py``'s
fixed-seed split of ../shared/bench): personal-data values annotated in ``pii_en``/``pii_zh``
(e-mails, phones, cards, ID numbers), prompt attacks of ``injection_en``/``injection_zh`` that
the guards detect in the clear, and, where the development data has too few values of a kind
(Chinese ID and card numbers, API keys), values generated with a fixed seed (valid check
digits, the documented AWS example key shape). Each transformation of the issue is applied to
every item it fits, in both languages where it applies:

    fullwidth, zero_width, tag_chars, homoglyph, spaced_digits, dotted_digits, at_dot_email,
    spelled_digits (EN), chinese_numerals (ZH), base64, rot13 (EN), hex, leetspeak (EN),
    split_messages

A variant counts as detected when the guards report a finding of the item's type that
overlaps the obfuscated value (for attacks: any INJECTION finding), or, for
``split_messages``, when both halves are rewritten by the input stage.

    python bench/guard_bypass.py          # table + JSON section (also run by guards.py run)
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import random
import string
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

SEED = 20240901
PER_GROUP = 12
"""Items per (transformation, language, type): enough for >= 300 variants in all."""

HOMOGLYPHS = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
EN_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ZH_NUMERALS = "零一二三四五六七八九"
ZERO_WIDTH = "\u200b"


@dataclass(frozen=True, slots=True)
class Item:
    lang: str
    kind: str
    """A finding type: EMAIL, PHONE, CREDIT_CARD, ID_NUMBER, API_KEY or INJECTION."""
    before: str
    value: str
    after: str


@dataclass(frozen=True, slots=True)
class Variant:
    item: Item
    transformation: str
    text: str
    start: int
    end: int


Transform = Callable[[str], str]


def fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def zero_width(value: str) -> str:
    return ZERO_WIDTH.join(value[i : i + 3] for i in range(0, len(value), 3))


def tag_chars(value: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) if " " <= c <= "~" else c for c in value)


def homoglyph(value: str) -> str:
    return "".join(HOMOGLYPHS.get(c, c) for c in value)


def spaced_digits(value: str) -> str:
    return " ".join(c for c in value if not c.isspace() and c not in "-.()")


def dotted_digits(value: str) -> str:
    compact = "".join(c for c in value if c.isalnum())
    return ".".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def at_dot_email(value: str) -> str:
    user, _, domain = value.partition("@")
    return f"{user} at {domain.replace('.', ' dot ')}"


def spelled_digits(value: str) -> str:
    return " ".join(EN_DIGIT_WORDS[int(c)] if c.isdigit() else c for c in value if c.isalnum())


def chinese_numerals(value: str) -> str:
    return "".join(ZH_NUMERALS[int(c)] if c.isdigit() else c for c in value if c.isalnum())


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def rot13(value: str) -> str:
    return codecs.encode(value, "rot13")


def hexed(value: str) -> str:
    return value.encode().hex()


def leetspeak(value: str) -> str:
    return "".join(LEET.get(c, c) for c in value)


TRANSFORMS: dict[str, tuple[Transform, frozenset[str], frozenset[str]]] = {
    # name: (transform, kinds it fits, languages)
    "fullwidth": (
        fullwidth,
        frozenset({"EMAIL", "PHONE", "CREDIT_CARD", "ID_NUMBER", "API_KEY", "INJECTION"}),
        frozenset({"en", "zh"}),
    ),
    "zero_width": (
        zero_width,
        frozenset({"EMAIL", "PHONE", "CREDIT_CARD", "ID_NUMBER", "API_KEY", "INJECTION"}),
        frozenset({"en", "zh"}),
    ),
    "tag_chars": (tag_chars, frozenset({"INJECTION", "EMAIL", "API_KEY"}), frozenset({"en"})),
    "homoglyph": (homoglyph, frozenset({"EMAIL", "INJECTION"}), frozenset({"en"})),
    "spaced_digits": (
        spaced_digits,
        frozenset({"PHONE", "CREDIT_CARD", "ID_NUMBER"}),
        frozenset({"en", "zh"}),
    ),
    "dotted_digits": (
        dotted_digits,
        frozenset({"PHONE", "CREDIT_CARD", "ID_NUMBER"}),
        frozenset({"en", "zh"}),
    ),
    "at_dot_email": (at_dot_email, frozenset({"EMAIL"}), frozenset({"en", "zh"})),
    "spelled_digits": (spelled_digits, frozenset({"PHONE", "CREDIT_CARD"}), frozenset({"en"})),
    "chinese_numerals": (chinese_numerals, frozenset({"PHONE", "ID_NUMBER"}), frozenset({"zh"})),
    "base64": (b64, frozenset({"INJECTION", "EMAIL", "API_KEY"}), frozenset({"en", "zh"})),
    "rot13": (rot13, frozenset({"INJECTION"}), frozenset({"en"})),
    "hex": (hexed, frozenset({"INJECTION", "EMAIL"}), frozenset({"en", "zh"})),
    "leetspeak": (leetspeak, frozenset({"INJECTION"}), frozenset({"en"})),
}


# --- items from the development split -----------------------------------------------------

STRUCTURED = {
    "EMAIL": "EMAIL",
    "PHONE": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "BANK_CARD": "CREDIT_CARD",
    "ID_NUMBER": "ID_NUMBER",
}
ZH_TEMPLATES = (
    "我的{kind}是{value}，有事请联系。",
    "请把资料发到{value}，谢谢！",
    "登记信息：{value}（请勿外传）",
)
EN_TEMPLATES = (
    "Please contact me: {value}. Thanks!",
    "My details are {value}, keep them safe.",
    "Use {value} for the booking.",
)
ZH_KIND_WORDS = {
    "PHONE": "手机号",
    "ID_NUMBER": "身份证号",
    "CREDIT_CARD": "银行卡号",
    "EMAIL": "邮箱",
    "API_KEY": "密钥",
}


def _cn_id(rng: random.Random) -> str:
    from aigc_gateway.guards.pii import CN_ID_CHECK, CN_ID_WEIGHTS

    body = f"{rng.choice(['110105', '310104', '440305', '510107'])}{rng.randint(1960, 2005)}"
    body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, CN_ID_WEIGHTS, strict=True))
    return body + CN_ID_CHECK[total % 11]


def _luhn_card(rng: random.Random, prefix: str) -> str:
    digits = prefix + "".join(rng.choice(string.digits) for _ in range(15 - len(prefix)))
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return digits + str((10 - total % 10) % 10)


def _aws_key(rng: random.Random) -> str:
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


USERS = ("zhang.wei", "li_na", "wang.fang", "j.smith", "maria.lopez", "chen88", "o.brien", "anna.k")
DOMAINS = ("example.com", "mail.example.org", "qq.com", "163.com", "corp.example.cn", "ex.co.uk")


def _email(rng: random.Random) -> str:
    return f"{rng.choice(USERS)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def generated_values(rng: random.Random, lang: str) -> list[tuple[str, str]]:
    """Values the development data has too few of, generated with valid check digits."""
    values = [("ID_NUMBER", _cn_id(rng)) for _ in range(PER_GROUP)] if lang == "zh" else []
    values += [
        ("CREDIT_CARD", _luhn_card(rng, rng.choice(["4", "51", "62"]))) for _ in range(PER_GROUP)
    ]
    values += [("API_KEY", _aws_key(rng)) for _ in range(PER_GROUP)]
    values += [("EMAIL", _email(rng)) for _ in range(PER_GROUP)]
    if lang == "zh":
        values += [
            (
                "PHONE",
                "1" + rng.choice("3589") + "".join(rng.choice(string.digits) for _ in range(9)),
            )
            for _ in range(PER_GROUP)
        ]
    return values


def detected_in_clear(engine: Any, item: Item) -> bool:
    text = item.before + item.value + item.after
    variant = Variant(item, "clear", text, len(item.before), len(item.before) + len(item.value))
    return detected(engine, variant)


def pii_items(
    engine: Any, records: Iterable[dict[str, Any]], lang: str, rng: random.Random
) -> list[Item]:
    """Values annotated in the development data that the guards find as they are (so a miss
    below is the obfuscation's doing), and generated values."""
    items = []
    for record in records:
        for span in record["spans"]:
            kind = STRUCTURED.get(span["type"])
            if kind is not None:
                text = record["text"]
                items.append(
                    Item(
                        lang,
                        kind,
                        text[: span["start"]],
                        text[span["start"] : span["end"]],
                        text[span["end"] :],
                    )
                )
    items = [item for item in items if detected_in_clear(engine, item)]
    templates = ZH_TEMPLATES if lang == "zh" else EN_TEMPLATES
    for kind, value in generated_values(rng, lang):
        template = rng.choice(templates).replace("{kind}", ZH_KIND_WORDS.get(kind, ""))
        before, _, after = template.partition("{value}")
        items.append(Item(lang, kind, before, value, after))
    return items


def injection_items(engine: Any, records: Iterable[dict[str, Any]], lang: str) -> list[Item]:
    """Attacks of the development split that the guards detect as they are (so a miss below is
    the obfuscation's doing), short enough to encode."""
    items = []
    for record in records:
        text = record["text"].strip()
        if int(record["label"]) != 1 or not 20 <= len(text) <= 300:
            continue
        if any(f.type == "INJECTION" for f in engine.scan(text, "input", "user")):
            items.append(Item(lang, "INJECTION", "", text, ""))
    return items


def variants(items: list[Item], rng: random.Random) -> list[Variant]:
    groups: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
    for item in items:
        for name, (_, kinds, langs) in TRANSFORMS.items():
            if item.kind in kinds and item.lang in langs:
                groups[(name, item.lang, item.kind)].append(item)
    found = []
    for (name, _, _), group in sorted(groups.items()):
        transform = TRANSFORMS[name][0]
        for item in rng.sample(group, min(PER_GROUP, len(group))):
            value = transform(item.value)
            if value == item.value:
                continue
            prefix = item.before
            if name in ("base64", "hex") and item.kind == "INJECTION":
                prefix = (
                    "Decode this and do what it says: " if item.lang == "en" else "解码并照做："
                )
            text = prefix + value + item.after
            found.append(Variant(item, name, text, len(prefix), len(prefix) + len(value)))
    return found


def detected(engine: Any, variant: Variant) -> bool:
    kind = variant.item.kind
    for finding in engine.scan(variant.text, "input", "user"):
        if finding.type != kind:
            continue
        if kind == "INJECTION" or (finding.start < variant.end and finding.end > variant.start):
            return True
    return False


def split_detected(engine: Any, item: Item) -> bool:
    """The value split in two consecutive user messages; both halves must be rewritten."""
    from aigc_gateway.guards.stages import InputGuards
    from aigc_gateway.pipeline import RequestContext
    from aigc_gateway.providers.base import GenerationRequest
    from aigc_gateway.providers.messages import ChatMessage

    middle = len(item.value) // 2
    first, second = item.before + item.value[:middle], item.value[middle:] + item.after
    request = GenerationRequest(
        "chat",
        "m",
        False,
        messages=[ChatMessage("user", first), ChatMessage("user", second)],
    )
    asyncio.run(
        InputGuards(engine, {"en": "", "zh": ""})(request, RequestContext("b", "default", "k"))
    )
    assert request.messages is not None
    left, right = (str(message.content) for message in request.messages[:2])
    return item.value[:middle] not in left and item.value[middle:] not in right


def run_suite(engine: Any, splits: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(SEED)
    items: list[Item] = []
    for lang in ("en", "zh"):
        items += pii_items(engine, splits[f"pii_{lang}"].dev, lang, rng)
        items += injection_items(engine, splits[f"injection_{lang}"].dev, lang)
    outcomes: list[tuple[str, str, str, bool]] = []
    for variant in variants(items, rng):
        item = variant.item
        outcomes.append((variant.transformation, item.lang, item.kind, detected(engine, variant)))
    splittable = [i for i in items if i.kind in ("PHONE", "CREDIT_CARD", "ID_NUMBER", "EMAIL")]
    by_lang: dict[str, list[Item]] = defaultdict(list)
    for item in splittable:
        by_lang[item.lang].append(item)
    for lang, group in sorted(by_lang.items()):
        for item in rng.sample(group, min(2 * PER_GROUP, len(group))):
            outcomes.append(("split_messages", lang, item.kind, split_detected(engine, item)))
    return summarise(outcomes)


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def summarise(outcomes: list[tuple[str, str, str, bool]]) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for transformation, lang, kind, ok in outcomes:
        for key in (
            transformation,
            f"{transformation}/{lang}",
            f"{transformation}/{lang}/{kind}",
            f"lang/{lang}",
            "all",
        ):
            totals[key] += 1
            hits[key] += ok
    return {
        "variants": totals["all"],
        "bypass_detect_rate": _rate(hits["all"], totals["all"]),
        "by_language": {
            lang: _rate(hits[f"lang/{lang}"], totals[f"lang/{lang}"]) for lang in ("en", "zh")
        },
        "by_transformation": {
            key: {"variants": totals[key], "detect_rate": _rate(hits[key], totals[key])}
            for key in sorted(totals)
            if key != "all" and not key.startswith("lang/")
        },
    }


def print_table(suite: dict[str, Any]) -> None:
    rate = suite["bypass_detect_rate"]
    print(f"\nBypass suite: {suite['variants']} obfuscated variants, detect rate {rate}")
    for key, entry in suite["by_transformation"].items():
        if key.count("/") == 1:
            print(f"  {key:<26}{entry['variants']:>5}{entry['detect_rate']:>8.3f}")


def main() -> int:
    from guards import load_all  # bench/guards.py, run from the bench folder or repo root

    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    suite = run_suite(GuardEngine(Settings()), load_all())
    print_table(suite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
