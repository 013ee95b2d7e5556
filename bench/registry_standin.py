"""The fingerprint registry's thresholds, chosen on a stand-in set (not the benchmark's answers).

    python bench/registry_standin.py          # the table in docs/labeling.md (a few minutes)

Stored (400 texts): 150 English machine texts of ``../shared/bench/aigc_detect_en.jsonl``
(writing domain), 100 Faker ``zh_CN`` paragraphs, 75 windows of Python's standard library,
75 mixed texts (Faker Chinese sentences and English machine sentences). Positives: 3 × 400
excerpts of 50 characters with 10 % of the words replaced (``bench/watermark.py``'s edit),
pasted into prompt texts. Negatives: 20,000 pieces of unrelated text cut to the lengths of short
posts (English news and prompts: the human xsum/squad texts of aigc_detect_en and
``injection_en``; Chinese prompts of ``injection_zh``; other standard-library files) and 1,500
whole documents of the same. None of it is the benchmark's human pool (``harm_*``, ``pii_*``).

One pass with the fine check's threshold at its lowest (18 units); a match counts at threshold
T when its ``overlap_units`` reach T. One pass with the registry's own rule (22 units, or 16
confirmed by short n-grams). The previous rule (the letters-and-digits chain, 18 units, what
texts stored without fine n-grams still get) is the same registry with the fine n-grams
removed.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import random
import sqlite3
import sys
import sysconfig
import tempfile
from pathlib import Path

from common import print_table
from faker import Faker
from watermark import BENCH_DATA, embed, substitute

from aigc_gateway.labeling import registry as registry_module
from aigc_gateway.labeling.keys import labels_dir
from aigc_gateway.labeling.registry import REGISTRY_FILE, LabelRegistry, TextEntry
from aigc_gateway.language import is_cjk

SEED = 20261130
THRESHOLDS = (18, 20, 22, 24, 26, 28, 30)


def rows(name: str) -> list[dict]:
    with (BENCH_DATA / f"{name}.jsonl").open(encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def stand_in(rng: random.Random) -> tuple[list[str], dict[str, list[str]], list[str], list[str]]:
    """(stored texts, embedding pools by language, short negative pieces, whole documents)."""
    detect = rows("aigc_detect_en")
    machine = [r["text"][:900] for r in detect if r["label"] == 1 and r["domain"] == "writing"]
    rng.shuffle(machine)
    fake = Faker("zh_CN")
    fake.seed_instance(7)
    chinese = [fake.paragraph(nb_sentences=14)[:600] for _ in range(100)]
    library = Path(sysconfig.get_paths()["stdlib"])
    top = sorted(str(p) for p in library.glob("*.py"))
    rng.shuffle(top)

    def window(path: str, size: int) -> str | None:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        if len(text) < size + 10:
            return None
        start = rng.randrange(len(text) - size)
        return text[start : start + size]

    code = [w for w in (window(p, 800) for p in top[:120]) if w][:75]
    sentences = [s.strip() + "." for t in machine[150:400] for s in t.split(".") if len(s) > 30]
    mixed = [
        " ".join(
            fake.sentence(nb_words=10) if rng.random() < 0.5 else rng.choice(sentences)
            for _ in range(6)
        )[:700]
        for _ in range(75)
    ]
    stored = machine[:150] + chinese + code + mixed
    human = {
        "en": [r["text"] for r in rows("injection_en")]
        + [r["text"] for r in detect if r["label"] == 0 and r["domain"] != "writing"],
        "zh": [r["text"] for r in rows("injection_zh")],
    }
    for texts in human.values():
        rng.shuffle(texts)
    nested = glob.glob(str(library / "*" / "**" / "*.py"), recursive=True)
    nested = sorted(p for p in nested if "site-packages" not in p and "/test" not in p)
    rng.shuffle(nested)
    other_code = [w for p in top[120:] + nested[:1500] for w in [window(p, 600)] if w]
    documents = human["en"][:6000] + human["zh"][:1300] + other_code
    rng.shuffle(documents)
    pieces = []
    for text in documents:
        median = 39 if sum(map(is_cjk, text)) * 3 >= len(text) else 84
        index = 0
        while index < len(text):
            size = max(8, int(rng.lognormvariate(math.log(median), 0.6)))
            pieces.append(text[index : index + size])
            index += size
    rng.shuffle(pieces)
    pools = {"en": human["en"][6000:], "zh": human["zh"][1300:]}
    return stored, pools, pieces, documents


def measure(
    registry: LabelRegistry, positives, pieces, documents, thresholds=THRESHOLDS
) -> dict[str, list[int]]:
    """Per threshold: own text traced, pieces with a false match, documents with one."""

    def units(text: str) -> dict[str, int]:
        return {m["produce_id"]: m["overlap_units"] for m in registry.trace_text(text)}

    found = [units(suspect).get(wanted, 0) for wanted, suspect in positives]
    false = [max(units(text).values(), default=0) for text in pieces]
    long = [max(units(text).values(), default=0) for text in documents]
    return {
        "traced": [sum(u >= t for u in found) for t in thresholds],
        "false": [sum(u >= t for u in false) for t in thresholds],
        "long": [sum(u >= t for u in long) for t in thresholds],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=1_500)
    parser.add_argument("--repeats", type=int, default=3, help="excerpts per stored text")
    args = parser.parse_args()
    rng = random.Random(SEED)
    stored, pools, pieces, documents = stand_in(rng)
    pieces, documents = pieces[: args.pieces], documents[: args.documents]
    vocab = {
        "en": [w for t in pools["en"][:3000] for w in t.split() if w.isalpha()],
        "zh": [c for t in pools["zh"][:3000] for c in t if is_cjk(c)],
    }
    positives = []
    for _ in range(args.repeats):
        for index, text in enumerate(stored):
            language = "zh" if sum(map(is_cjk, text)) * 3 >= len(text) else "en"
            start = rng.randrange(len(text) - 50 + 1)
            excerpt = substitute(text[start : start + 50], 0.10, rng, vocab)
            pool = pools[language]
            positives.append((f"s{index}", embed(excerpt, pool[rng.randrange(len(pool))], rng)))
    shipped = registry_module.FINE_MIN_UNITS
    registry_module.FINE_MIN_UNITS = THRESHOLDS[0]
    data_dir = Path(tempfile.mkdtemp(prefix="registry-standin-"))
    registry = LabelRegistry(data_dir)
    for index, text in enumerate(stored):
        registry.add_text(TextEntry(f"s{index}", "r", "standin", text, False))
    registry.flush(timeout=120)
    fine = measure(registry, positives, pieces, documents)
    registry_module.FINE_MIN_UNITS = shipped
    confirmed = measure(registry, positives, pieces, documents, thresholds=(1,))  # any match
    registry.close()
    with sqlite3.connect(labels_dir(data_dir) / REGISTRY_FILE) as db:
        db.execute("UPDATE texts SET fine = NULL")  # as stored before the fine n-grams
    registry = LabelRegistry(data_dir)
    previous = measure(registry, positives, pieces, documents)
    registry.close()
    kilochars = sum(map(len, documents)) / 1000
    table = [
        [
            "letters-and-digits chain, 18 units (previous)",
            round(previous["traced"][0] / len(positives), 4),
            previous["false"][0],
            round(previous["long"][0] / kilochars, 3),
        ]
    ]
    table.append(
        [
            f"fine chain, {shipped} units or {registry_module.CONFIRMED_MIN_UNITS} confirmed "
            "(this version)",
            round(confirmed["traced"][0] / len(positives), 4),
            confirmed["false"][0],
            round(confirmed["long"][0] / kilochars, 3),
        ]
    )
    for index, threshold in enumerate(THRESHOLDS):
        table.append(
            [
                f"fine chain, {threshold} units",
                round(fine["traced"][index] / len(positives), 4),
                fine["false"][index],
                round(fine["long"][index] / kilochars, 3),
            ]
        )
    print_table(
        f"Stand-in set: {len(stored)} stored texts, {len(positives)} edited 50-character "
        f"excerpts, {len(pieces)} short pieces, {len(documents)} documents",
        ["rule", "trace 50c", f"false of {len(pieces)}", "false per 1000 chars (documents)"],
        table,
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
