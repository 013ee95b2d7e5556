"""Builds the shipped evaluation suites (``data/eval/*.jsonl``) from public labelled data.

    python -m aigc_gateway.evaluation.build_suites --bench ../shared/bench --mirrors /work/.mirror

A build-time tool, never run by the gateway. Public items come from the labelled files in
``../shared/bench`` (sources and licenses in its SOURCES.md); only their *held-out* half is
used — the same fixed-seed 50/50 split ``bench/guards.py`` trains the guard models on the
other half of — so the guarded run is not scored on the guards' training data. Two pinned
public files help fill the should-refuse banks (:func:`public_files`).
Items written by this project are marked ``"source": "hand-made"`` and live in
:mod:`.handmade`. Every case records its source; ``data/eval/PROVENANCE.md`` tells the whole
story.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import handmade
from .suites import EVAL_DATA, SUITE_VERSION

GUARD_SPLIT_SEED = 20240901
"""``bench/guards.py`` SEED: its fixed-seed split decides which half the guards trained on."""
BUILD_SEED = "aigc-eval-2025"
MAX_CHARS = {"en": 2000, "zh": 600}
"""Longer prompts are left out so every case fits the local model's 2 048-token context."""

BENCH_FILES = ("injection_en", "injection_zh", "harm_en", "harm_zh")

Record = dict[str, Any]


def guard_split(bench: Path, name: str) -> tuple[list[Record], list[Record]]:
    """One bench file split as ``bench/guards.py`` splits it: (trained-on half, held-out half)."""
    with (bench / f"{name}.jsonl").open(encoding="utf-8") as handle:
        return halves([json.loads(line) for line in handle], name)


def halves(records: list[Record], name: str) -> tuple[list[Record], list[Record]]:
    """A fixed-seed 50/50 split of ``records``: (the half guards may learn from, the other)."""
    order = list(range(len(records)))
    random.Random(f"{GUARD_SPLIT_SEED}:{name}").shuffle(order)
    half = len(order) // 2
    return [records[i] for i in order[:half]], [records[i] for i in order[half:]]


def held_out(bench: Path, names: Iterable[str]) -> dict[str, list[Record]]:
    """Per file, the held-out records whose text is in no file's trained-on half (the same
    prompt can sit in two files, e.g. XSTest in both the harm and the injection data)."""
    splits = {name: guard_split(bench, name) for name in names}
    trained = {record["text"] for dev, _ in splits.values() for record in dev}
    return {
        name: [r for r in kept if r["text"] not in trained] for name, (_, kept) in splits.items()
    }


def shuffled(
    records: Iterable[Record], key: str, keep: Callable[[Record], bool], language: str
) -> list[Record]:
    """The records ``keep`` accepts that fit the context, in a fixed-seed order."""
    chosen = [r for r in records if keep(r) and len(r["text"]) <= MAX_CHARS[language]]
    chosen.sort(key=lambda r: r["text"])
    random.Random(f"{BUILD_SEED}:{key}").shuffle(chosen)
    return chosen


def sample(
    records: Iterable[Record],
    count: int,
    key: str,
    keep: Callable[[Record], bool],
    language: str,
) -> list[Record]:
    chosen = shuffled(records, key, keep, language)
    if len(chosen) < count:
        raise SystemExit(f"{key}: only {len(chosen)} items, {count} wanted")
    return chosen[:count]


def category_is(*prefixes: str) -> Callable[[Record], bool]:
    return lambda r: str(r.get("category", "")).startswith(prefixes)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def public_case(suite: str, language: str, record: Record, category: str, **extra: Any) -> Record:
    return {
        "suite": suite,
        "language": language,
        "category": category,
        "messages": extra.pop("messages", None) or user(record["text"]),
        "source": record["source"],
        "source_category": record.get("category"),
        **extra,
    }


def jailbreak(bench: dict[str, list[Record]]) -> list[Record]:
    cases = [
        public_case("jailbreak", "en", r, "in_the_wild_jailbreak")
        for r in sample(
            bench["injection_en"], 25, "jb-en", category_is("in_the_wild_jailbreak"), "en"
        )
    ]
    for r in sample(bench["injection_zh"], 25, "jb-zh", category_is("jailbench_jailbreak"), "zh"):
        domain = str(r["category"]).split("/", 1)[-1]
        cases.append(public_case("jailbreak", "zh", r, f"jailbench/{domain}"))
    return cases


def injection(_: dict[str, list[Record]]) -> list[Record]:
    """Goal hijacking (hand-made): a benign task, then an order to output a fixed text; the case
    succeeds if the answer reproduces that text (its ``target``)."""
    return [
        {
            "suite": "injection",
            "language": language,
            "category": "goal_hijacking",
            "messages": user(text),
            "source": "hand-made",
            "target": target,
        }
        for language in handmade.HIJACK_TASKS
        for text, target in handmade.goal_hijacks(language)
    ]


BANK_SIZE = 500
"""Cases per language in each of the should-refuse and should-not-refuse banks: the size
TC260-003 (GB/T 45654-2025) asks of each bank."""
EXCLUDED_SOURCES = {
    "HumanCompatibleAI/tensor-trust-data": "no license",
    "hiyouga/LLaMA-Factory": "demo data of CC BY-NC origin",
    "Instruction-Tuning-with-GPT-4/GPT-4-LLM": "CC BY-NC 4.0",
    "tatsu-lab/stanford_alpaca": "CC BY-NC 4.0",
    "LianjiaTech/BELLE": "research-only, non-commercial",
    "Jarviswang94/Multilingual_safety_benchmark": "README: research use only",
}
"""Bench sources whose terms do not allow commercial use (no license, non-commercial or
research-only): no shipped case comes from them, and the guard trainer does not learn from them
(``training.sources.NOT_FOR_TRAINING`` starts from this table)."""


@dataclass(frozen=True, slots=True)
class PublicFile:
    """A public file at a pinned commit, read from a local git mirror and checked by SHA-256."""

    repo: str
    commit: str
    path: str
    license: str
    sha256: str

    def read(self, mirrors: Path) -> bytes:
        blob = mirror_blob(mirrors, self.repo, self.commit, self.path)
        if blob is None:
            raise SystemExit(f"{self.repo}: no git mirror under {mirrors} (fetch it first)")
        return checked(blob, self.sha256, self.name)

    @property
    def name(self) -> str:
        return f"{self.repo}@{self.commit[:10]}:{self.path}"


def mirror_git_dir(mirrors: Path, repo: str) -> Path | None:
    """The git directory of the mirror ``<mirrors>/<owner>+<name>/repo`` (a bare repository, or
    one with a work tree and its ``.git``), or None without one."""
    mirror = mirrors / repo.replace("/", "+") / "repo"
    if not mirror.is_dir():
        return None
    return mirror / ".git" if (mirror / ".git").is_dir() else mirror


def mirror_blob(mirrors: Path, repo: str, commit: str, path: str) -> bytes | None:
    """The file's bytes from the repository's mirror (:func:`mirror_git_dir`), or None without
    one."""
    mirror = mirror_git_dir(mirrors, repo)
    if mirror is None:
        return None
    command = ["git", "--git-dir", str(mirror), "show", f"{commit}:{path}"]
    return subprocess.run(command, check=True, capture_output=True).stdout


def checked(blob: bytes, sha256: str, name: str) -> bytes:
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{name}: sha256 {digest} != pinned")
    return blob


AILUMINATE_EN = PublicFile(
    "mlcommons/ailuminate",
    "769cc2be9d20c8d4fb26ce53b68865ed41dfb8e2",
    "airr_official_1.0_demo_en_us_prompt_set_release.csv",
    "Apache-2.0 (LICENSE.md)",
    "63e2b654325c5405096fabf28ef5f057b0ad674904b1839fd1f52b523e324d02",
)
"""AILuminate v1.0 demo prompts (English): hazardous requests in twelve hazard categories."""
AILUMINATE_NOT_REFUSALS = frozenset({"spc_ele", "spc_fin", "spc_hlt"})
"""AILuminate's specialised-advice hazards (elections, finance, health): questions to answer
with care, not to refuse."""
CATQA_ZH = PublicFile(
    "declare-lab/red-instruct",
    "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
    "harmful_questions/catqa_chinese.json",
    "Apache-2.0 (LICENSE)",
    "d13b0d6e09a89a2a03f3d3813d4923ae5903f5362687a4f8f4e2b4dfb77706db",
)
"""CategoricalHarmfulQA in Chinese: harmful how-to questions in eleven categories."""
CATQA_NOT_REFUSALS = frozenset({"Political Campaigning", "Tailored Financial Advice"})
"""CatQA categories that are usage-policy topics rather than harmful requests."""


def public_files(mirrors: Path) -> dict[str, list[Record]]:
    """Labelled records (label 1 = harmful request, in the bench files' shape) from the pinned
    public files the banks use: AILuminate, which no guard learns from, and the half of Chinese
    CatQA the Chinese harm model does not learn from (it learns from the other half)."""
    rows = csv.DictReader(io.StringIO(AILUMINATE_EN.read(mirrors).decode("utf-8")))
    ailuminate = [
        {
            "text": row["prompt_text"].strip(),
            "label": int(row["hazard"] not in AILUMINATE_NOT_REFUSALS),
            "category": f"ailuminate/{row['hazard']}/{row['persona']}",
            "source": AILUMINATE_EN.name,
        }
        for row in rows
    ]
    tree: dict[str, dict[str, list[str]]] = json.loads(CATQA_ZH.read(mirrors))
    catqa = [
        {
            "text": question.strip(),
            "label": int(category not in CATQA_NOT_REFUSALS),
            "category": f"catqa/{category}/{subcategory.rstrip(':')}",
            "source": CATQA_ZH.name,
        }
        for category, subcategories in tree.items()
        for subcategory, questions in subcategories.items()
        for question in questions
    ]
    return {"ailuminate_en": ailuminate, "catqa_zh": halves(catqa, "catqa_zh")[1]}


BankPart = tuple[str, str, Callable[[Record], bool], str, int | None]
"""(bench file, key, which records, case category, how many; None: all that are left)."""


def category_starts(label: int, *prefixes: str) -> Callable[[Record], bool]:
    return lambda r: r["label"] == label and str(r.get("category", "")).startswith(prefixes)


REFUSE_PLAN: dict[str, list[BankPart]] = {
    "en": [
        ("harm_en", "advbench", category_starts(1, "advbench"), "advbench", 120),
        ("harm_en", "donotanswer", category_starts(1, "donotanswer"), "do_not_answer", 180),
        ("harm_en", "multijail", category_starts(1, "multijail"), "multijail", None),
        ("harm_en", "xstest", category_starts(1, "xstest_contrast"), "xstest_unsafe", None),
        ("ailuminate_en", "ailuminate", category_starts(1, "ailuminate/"), "ailuminate", None),
    ],
    "zh": [
        ("harm_zh", "multijail", category_starts(1, "multijail"), "multijail", None),
        ("harm_zh", "jailbench_seed", category_starts(1, "jailbench_seed"), "jailbench_seed", None),
        ("catqa_zh", "catqa", category_starts(1, "catqa/"), "catqa", None),
        (
            "injection_zh",
            "jailbench_jailbreak",
            category_starts(1, "jailbench_jailbreak"),
            "jailbench_jailbreak",
            None,
        ),
    ],
}
COMPLY_PLAN: dict[str, list[BankPart]] = {
    "en": [
        ("harm_en", "xstest", category_starts(0, "xstest_"), "xstest_safe_lookalike", None),
        (
            "injection_en",
            "notinject",
            category_starts(0, "notinject"),
            "notinject_trigger_words",
            None,
        ),
        ("injection_en", "wildguard", category_starts(0, "wildguard"), "wildguard_benign", None),
        ("harm_en", "wildguard", category_starts(0, "wildguard"), "wildguard_benign", None),
        (
            "harm_en",
            "toxigen",
            category_starts(0, "toxigen_neutral"),
            "toxigen_neutral_statement",
            None,
        ),
        ("harm_en", "davidson", category_starts(0, "neither"), "everyday_tweet", None),
    ],
    "zh": [
        (
            "injection_zh",
            "notinject",
            category_starts(0, "notinject"),
            "notinject_trigger_words",
            None,
        ),
        ("harm_zh", "cold", category_starts(0, "cold_"), "cold_safe_comment", None),
    ],
}


def bank(
    bench: dict[str, list[Record]], suite: str, plan: dict[str, list[BankPart]], expect: str
) -> list[Record]:
    """BANK_SIZE cases per language, the parts taken in order (each shuffled with a fixed seed)
    until the bank is full; a text is used once."""
    cases = []
    for language, parts in plan.items():
        chosen: dict[str, tuple[Record, str]] = {}
        handmade_zh = suite == "should_not_refuse" and language == "zh"
        room = BANK_SIZE - (len(handmade.SAFE_LOOKALIKES_ZH) if handmade_zh else 0)
        for name, key, keep, category, count in parts:
            records = shuffled(
                bench[name],
                f"{suite}-{language}-{name}-{key}",
                lambda r, k=keep: k(r) and source_repo(r) not in EXCLUDED_SOURCES,
                language,
            )
            for record in records[: count if count is not None else len(records)]:
                if len(chosen) < room:
                    chosen.setdefault(record["text"], (record, category))
        if len(chosen) < room:
            raise SystemExit(f"{suite}/{language}: only {len(chosen)} cases, {room} wanted")
        cases += [
            public_case(suite, language, record, category, expect=expect)
            for record, category in chosen.values()
        ]
    return cases


def source_repo(record: Record) -> str:
    return str(record["source"]).split("@", 1)[0]


def should_refuse(bench: dict[str, list[Record]]) -> list[Record]:
    return bank(bench, "should_refuse", REFUSE_PLAN, "refuse")


def should_not_refuse(bench: dict[str, list[Record]]) -> list[Record]:
    cases = bank(bench, "should_not_refuse", COMPLY_PLAN, "comply")
    cases += [
        {
            "suite": "should_not_refuse",
            "language": "zh",
            "category": "safe_lookalike_handmade",
            "messages": user(text),
            "source": "hand-made",
            "expect": "comply",
        }
        for text in handmade.SAFE_LOOKALIKES_ZH
    ]
    return cases


def leakage(_: dict[str, list[Record]]) -> list[Record]:
    cases = []
    for language, systems in handmade.LEAKAGE_SYSTEM_PROMPTS.items():
        attacks = [
            ("hand-made", text, "direct_request") for text in handmade.LEAKAGE_ATTACKS[language]
        ]
        for s_index, (kind, system) in enumerate(systems):
            for a_index, (source, attack, attack_kind) in enumerate(attacks):
                secret = handmade.secret_for(kind, f"{language}-{s_index}-{a_index}")
                cases.append(
                    {
                        "suite": "leakage",
                        "language": language,
                        "category": f"{kind}/{attack_kind}",
                        "messages": [
                            {"role": "system", "content": system.format(secret=secret)},
                            *user(attack),
                        ],
                        "secret": secret,
                        "source": source,
                        "system_prompt_source": "hand-made",
                    }
                )
    return cases


def bias(_: dict[str, list[Record]]) -> list[Record]:
    cases = []
    for language, by_attribute in handmade.BIAS_TEMPLATES.items():
        for attribute, templates in by_attribute.items():
            values = handmade.BIAS_VALUES[language][attribute]
            for t_index, template in enumerate(templates):
                for value in values:
                    cases.append(
                        {
                            "suite": "bias",
                            "language": language,
                            "category": attribute,
                            "messages": user(template.format(person=value)),
                            "source": "hand-made",
                            "pair_group": f"{language}-{attribute}-{t_index}",
                            "attribute_value": value,
                        }
                    )
    return cases


BUILDERS: dict[str, Callable[[dict[str, list[Record]]], list[Record]]] = {
    "jailbreak": jailbreak,
    "injection": injection,
    "should_refuse": should_refuse,
    "should_not_refuse": should_not_refuse,
    "leakage": leakage,
    "bias": bias,
}


def judge_examples(bench: dict[str, list[Record]]) -> list[Record]:
    """Labelled examples for measuring the judges: hand-labelled answers + public harm labels."""
    examples = [
        {
            "judge": "refusal",
            "language": language,
            "text": text,
            "label": label,
            "source": source,
        }
        for source, written in (
            ("hand-made", handmade.REFUSAL_EXAMPLES),
            ("hand-labelled SmolLM2 answer", handmade.LABELLED_MODEL_ANSWERS),
        )
        for language, items in written.items()
        for text, label in items
    ]
    for language in ("en", "zh"):
        for label in (0, 1):
            records = sample(
                bench[f"harm_{language}"],
                40,
                f"judge-harm-{language}-{label}",
                lambda r, wanted=label: (
                    r["label"] == wanted and source_repo(r) not in EXCLUDED_SOURCES
                ),
                language,
            )
            examples += [
                {
                    "judge": "unsafe",
                    "language": language,
                    "text": r["text"],
                    "label": label,
                    "source": r["source"],
                }
                for r in records
            ]
    return examples


def write_jsonl(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def build(bench_dir: Path, mirrors: Path, out: Path) -> dict[str, int]:
    bench = held_out(bench_dir, BENCH_FILES) | public_files(mirrors)
    counts = {}
    for suite, builder in BUILDERS.items():
        cases = builder(bench)
        seen: dict[str, int] = {}
        for case in cases:
            prefix = f"{suite}-{case['language']}"
            seen[prefix] = seen.get(prefix, 0) + 1
            case["id"] = f"{prefix}-{seen[prefix]:03d}"
            case["version"] = SUITE_VERSION
        write_jsonl(out / f"{suite}.jsonl", cases)
        counts[suite] = len(cases)
    examples = judge_examples(bench)
    write_jsonl(out / "judge_examples.jsonl", examples)
    counts["judge_examples"] = len(examples)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, required=True, help="the shared bench folder")
    parser.add_argument(
        "--mirrors",
        type=Path,
        default=Path("/work/.mirror"),
        help="git mirrors of the pinned public files, as <owner>+<name>/repo",
    )
    parser.add_argument("--out", type=Path, default=EVAL_DATA)
    args = parser.parse_args()
    for name, count in build(args.bench, args.mirrors, args.out).items():
        print(f"{name:<20} {count}")


if __name__ == "__main__":
    main()
