"""Dataset-scan benchmark: throughput, memory, AI-text detection, and Presidio side by side.

    python bench/scan.py aigc --per-source 40      # AUROC, TPR at 1 % FPR, speed (dev set)
    python bench/scan.py throughput --corpus /work/scan-data/corpus_1x.jsonl --slice-mb 40
    python bench/scan.py full --runs local_2w        # chosen runs over the whole 1 GB corpus
    python bench/scan.py memory --corpus /work/scan-data/corpus_1x.jsonl --mb 10
    python bench/scan.py memory --run ray_2w --mb 20  # the same on a local Ray cluster
    .bench-venv-presidio/bin/python bench/scan.py presidio --corpus /work/scan-data/corpus_1x.jsonl
    .bench-venv-datajuicer/bin/python bench/scan.py datajuicer --corpus ...
    python bench/scan.py all --slice-mb 40 --mb 10 --venvs .   # every part, one command

Each part updates its section of ``docs/benchmarks/scan.json`` and the summary. The corpus is
made by ``bench/scan_corpus.py`` (Faker en_US/zh_CN and MIT-licensed public text, 1 GB). Scans
run the real CLI as a subprocess (``--no-aigc``: the model score is measured on its own) under
``nice``; peak memory is the summed RSS of the scan's process tree, sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import RESULTS, machine, print_table, summary_of

BENCH_DATA = next(
    p / "shared" / "bench" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()
)
RESULT = RESULTS / "scan.json"
ROOT = RESULTS.parent.parent
CORPUS = Path("/work/scan-data/corpus_1x.jsonl")
SEED = 1313
SUMMARY_KEYS = {
    "scan_records_per_s_1w": ("throughput", "local_1w", "records_per_s"),
    "scan_records_per_s_2w": ("throughput", "local_2w", "records_per_s"),
    "scan_records_per_s_ray_2w": ("throughput", "ray_2w", "records_per_s"),
    "presidio_records_per_s": ("presidio", "presidio", "records_per_s"),
    "scan_peak_rss_mb_1x": ("memory", "1x", "peak_rss_mb"),
    "scan_peak_rss_mb_4x": ("memory", "4x", "peak_rss_mb"),
    "aigc_auroc_en": ("aigc", "overall", "auroc"),
    "aigc_tpr_at_1pct_fpr_en": ("aigc", "overall", "tpr_at_1pct_fpr"),
}


def update(section: str, value: dict[str, Any]) -> None:
    """Replace one section of the result file and recompute the summary."""
    data = json.loads(RESULT.read_text()) if RESULT.exists() else {}
    data[section] = {**value, "machine": machine()}
    summary = summary_of(data, SUMMARY_KEYS)
    ordered = {"summary": summary, **{k: v for k, v in data.items() if k != "summary"}}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    print(f"\nupdated {section} in {RESULT}")


# --- AI-generated text ----------------------------------------------------------------------


def auroc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    ranked = sorted([(v, 1) for v in positives] + [(v, 0) for v in negatives])
    rank_sum, index = 0.0, 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        mean_rank = (index + 1 + end) / 2
        rank_sum += mean_rank * sum(label for _, label in ranked[index:end])
        index = end
    p, n = len(positives), len(negatives)
    return (rank_sum - p * (p + 1) / 2) / (p * n) if p and n else float("nan")


def tpr_at_fpr(positives: list[float], negatives: list[float], fpr: float = 0.01) -> float:
    ordered = sorted(negatives, reverse=True)
    allowed = int(fpr * len(ordered))
    threshold = ordered[allowed] if allowed < len(ordered) else float("-inf")
    return sum(v > threshold for v in positives) / max(len(positives), 1)


def measure(scores: list[tuple[dict[str, Any], float]]) -> dict[str, Any]:
    positives = [s for r, s in scores if r["label"] == 1]
    negatives = [s for r, s in scores if r["label"] == 0]
    return {
        "auroc": round(auroc(positives, negatives), 4),
        "tpr_at_1pct_fpr": round(tpr_at_fpr(positives, negatives), 4),
        "machine": len(positives),
        "human": len(negatives),
    }


def run_aigc(args: argparse.Namespace) -> None:
    from aigc_gateway.providers.local import bundled_model_path
    from aigc_gateway.scan.aigc import AigcDetector

    rows = [json.loads(line) for line in (BENCH_DATA / "aigc_detect_en.jsonl").open()]
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_source[(row["source"], row["label"])].append(row)  # type: ignore[index]
    rng = random.Random(SEED)
    sample = []
    for key in sorted(by_source):
        group = by_source[key]
        sample += rng.sample(group, min(args.per_source, len(group)))
    detector = AigcDetector(bundled_model_path(), args.max_tokens, threads=args.threads)
    scored: list[tuple[dict[str, Any], float]] = []
    seconds, skipped = [], 0
    for index, row in enumerate(sample):
        started = time.perf_counter()
        found = detector.discrepancy(row["text"])
        seconds.append(time.perf_counter() - started)
        if found is None:
            skipped += 1
            continue
        scored.append((row, found[0]))
        if index % 100 == 0:
            print(f"  {index}/{len(sample)} scored", flush=True)
    # Per generator: its machine texts against the human texts of the same files.
    generators: dict[str, Any] = {}
    for generator in sorted({r["generator"] for r, _ in scored if r["label"] == 1}):
        sources = {r["source"] for r, _ in scored if r["generator"] == generator}
        generators[generator] = measure([(r, s) for r, s in scored if r["source"] in sources])
    domains = {
        domain: measure([(r, s) for r, s in scored if r["domain"] == domain])
        for domain in sorted({r["domain"] for r, _ in scored})
    }
    cells = {
        f"{g}/{d}": measure(
            [
                (r, s)
                for r, s in scored
                if r["domain"] == d and r["source"].endswith(f"{d}_{g}.raw_data.json")
            ]
        )
        for g in generators
        for d in domains
    }
    human = sorted(s for r, s in scored if r["label"] == 0)
    machine_scores = sorted(s for r, s in scored if r["label"] == 1)
    overall = measure(scored)
    result = {
        "method": "Fast-DetectGPT analytic sampling discrepancy, SmolLM2-135M-Instruct Q4_1 GGUF "
        "as sampling and scoring model (llama-cpp-python logits)",
        "data": "../shared/bench/aigc_detect_en.jsonl (development set, MIT)",
        "sample": f"{args.per_source} texts per source file and label, seed {SEED}",
        "max_tokens": args.max_tokens,
        "threads": args.threads,
        "overall": overall,
        "per_generator": generators,
        "per_domain": domains,
        "per_generator_domain": cells,
        "too_short_not_scored": skipped,
        "discrepancy_quantiles": {
            "human_p50": round(human[len(human) // 2], 3),
            "human_p99": round(human[int(len(human) * 0.99)], 3),
            "machine_p50": round(machine_scores[len(machine_scores) // 2], 3),
        },
        "seconds_per_record": {
            "mean": round(sum(seconds) / len(seconds), 4),
            "p50": round(sorted(seconds)[len(seconds) // 2], 4),
        },
        "load_average": os.getloadavg()[0],
    }
    print_table(
        "AI-text detection (dev set)",
        ["slice", "AUROC", "TPR@1%FPR", "machine", "human"],
        [
            [
                "overall",
                overall["auroc"],
                overall["tpr_at_1pct_fpr"],
                overall["machine"],
                overall["human"],
            ]
        ]
        + [
            [f"gen {k}", v["auroc"], v["tpr_at_1pct_fpr"], v["machine"], v["human"]]
            for k, v in generators.items()
        ]
        + [
            [f"domain {k}", v["auroc"], v["tpr_at_1pct_fpr"], v["machine"], v["human"]]
            for k, v in domains.items()
        ],
    )
    print(f"seconds per record: {result['seconds_per_record']}")
    print(f"discrepancy quantiles: {result['discrepancy_quantiles']}")
    update("aigc", result)


# --- throughput and memory ------------------------------------------------------------------


def tree_rss_mb(pid: int) -> float:
    """Summed resident memory of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(entry))
        rss[int(entry)] = int(fields[21])
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack += children.get(current, [])
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed_scan(source: Path, workers: int, ray: bool, work: Path) -> dict[str, Any]:
    out = work / f"out-{workers}-{ray}-{source.stem}"
    command = [
        "nice",
        "-n",
        "10",
        sys.executable,
        "-m",
        "aigc_gateway.cli",
        "scan",
        str(source),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--no-aigc",
        "--no-progress",
        "--fresh",
        "--data-dir",
        str(work / "data"),
    ] + (["--ray"] if ray else [])
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.1)
    seconds = time.monotonic() - started
    _, stderr = process.communicate()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if process.returncode != 0:
        raise RuntimeError(f"scan failed: {stderr.decode()[-2000:]}")
    summary = json.loads((out / "summary.json").read_text())
    megabytes = source.stat().st_size / 1e6
    return {
        "workers": workers,
        "ray": ray,
        "records": summary["records"],
        "megabytes": round(megabytes, 2),
        "wall_s": round(seconds, 2),
        "scan_elapsed_s": summary["elapsed_s"],
        "records_per_s": round(summary["records"] / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 3),
        "records_per_s_per_core": round(summary["records"] / seconds / workers, 1),
        "mb_per_s_per_core": round(megabytes / seconds / workers, 3),
        "cpu_s": round(cpu_s, 2),
        "records_per_cpu_s": round(summary["records"] / cpu_s, 1) if cpu_s else None,
        "mb_per_cpu_s": round(megabytes / cpu_s, 4) if cpu_s else None,
        "peak_rss_mb": round(peak, 1),
        "bad_input": summary["bad_input"]["count"],
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def head(corpus: Path, megabytes: float, target: Path) -> Path:
    """The first ``megabytes`` of the corpus, cut at a line end."""
    limit = int(megabytes * 1_000_000)
    with corpus.open("rb") as source, target.open("wb") as out:
        written = 0
        for line in source:
            out.write(line)
            written += len(line)
            if written >= limit:
                break
    return target


THROUGHPUT_RUNS = {"local_1w": (1, False), "local_2w": (2, False), "ray_2w": (2, True)}
"""Throughput runs: name → (workers, on a local Ray cluster)."""


def timed_runs(source: Path, names: list[str], work: Path) -> dict[str, dict[str, Any]]:
    runs = {}
    for name in names:
        workers, ray = THROUGHPUT_RUNS[name]
        print(f"  {name} ...", flush=True)
        runs[name] = timed_scan(source, workers, ray, work)
    return runs


def print_throughput(title: str, runs: dict[str, dict[str, Any]]) -> None:
    print_table(
        title,
        [
            "run",
            "records",
            "records/s",
            "MB/s",
            "rec/s/core",
            "MB/s/core",
            "rec/CPU-s",
            "MB/CPU-s",
            "peak RSS MB",
        ],
        [
            [
                k,
                v["records"],
                v["records_per_s"],
                v["mb_per_s"],
                v["records_per_s_per_core"],
                v["mb_per_s_per_core"],
                v["records_per_cpu_s"],
                v["mb_per_cpu_s"],
                v["peak_rss_mb"],
            ]
            for k, v in runs.items()
        ],
    )


def run_throughput(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="scan-bench-", dir=args.work))
    piece = head(args.corpus, args.slice_mb, work / "slice.jsonl")
    load_before = os.getloadavg()[0]
    runs = timed_runs(piece, list(THROUGHPUT_RUNS), work)
    print_throughput(f"Scan throughput on the first {args.slice_mb} MB of {args.corpus.name}", runs)
    corpus_mb = args.corpus.stat().st_size / 1e6
    for run in runs.values():
        # The whole corpus at this run's wall-clock rate, and on as many idle cores as workers
        # at its CPU rate (not for Ray: its processes are not all children, CPU undercounted).
        run["projected_hours_corpus_wall"] = round(corpus_mb / run["mb_per_s"] / 3600, 2)
        if run["mb_per_cpu_s"] and not run["ray"]:
            cores = run["workers"]
            run["projected_hours_corpus_idle_cores"] = round(
                corpus_mb / (run["mb_per_cpu_s"] * cores) / 3600, 2
            )
    update(
        "throughput",
        {
            "corpus": str(args.corpus),
            "corpus_mb": round(corpus_mb, 1),
            "slice_mb": args.slice_mb,
            "load_average_before": round(load_before, 2),
            **runs,
        },
    )


def run_full(args: argparse.Namespace) -> None:
    """The chosen throughput runs over the whole corpus, no slice. Each run's result joins the
    ``full_corpus`` section beside the runs already there, so that the runs (about an hour each
    on 2 cores) can be made in different quiet windows."""
    work = Path(tempfile.mkdtemp(prefix="scan-bench-", dir=args.work))
    data = json.loads(RESULT.read_text()) if RESULT.exists() else {}
    kept = {k: v for k, v in data.get("full_corpus", {}).items() if k in THROUGHPUT_RUNS}
    load_before = round(os.getloadavg()[0], 2)
    runs = timed_runs(args.corpus, args.runs.split(","), work)
    for run in runs.values():
        run["load_average_before"] = load_before
        run["load_average_after"] = round(os.getloadavg()[0], 2)
    print_throughput(f"Scan throughput on the whole of {args.corpus.name}", runs)
    update("full_corpus", {"corpus": str(args.corpus), **kept, **runs})


def run_memory(args: argparse.Namespace) -> None:
    """Peak memory of one throughput run (``--run``) on the first ``--mb`` and four times that.
    The summary's figures are one local worker's (section ``memory``); another run's go to
    ``memory_<run>``."""
    work = Path(tempfile.mkdtemp(prefix="scan-bench-", dir=args.work))
    workers, ray = THROUGHPUT_RUNS[args.run]
    runs = {}
    for name, factor in (("1x", 1), ("4x", 4)):
        piece = head(args.corpus, args.mb * factor, work / f"part-{name}.jsonl")
        print(f"  {name} ({args.mb * factor} MB) ...", flush=True)
        runs[name] = timed_scan(piece, workers, ray, work)
    print_table(
        "Peak memory, " + ("one worker" if args.run == "local_1w" else args.run),
        ["input", "MB", "records", "peak RSS MB", "records/s"],
        [
            [k, v["megabytes"], v["records"], v["peak_rss_mb"], v["records_per_s"]]
            for k, v in runs.items()
        ],
    )
    update("memory" if args.run == "local_1w" else f"memory_{args.run}", runs)


# --- Presidio side by side ------------------------------------------------------------------


def run_presidio(args: argparse.Namespace) -> None:
    from guards import our_pii_predictor, presidio_predictor, score_pii
    from presidio_analyzer import BatchAnalyzerEngine

    english = english_records(args.corpus, args.records)
    presidio = presidio_predictor()
    batch = BatchAnalyzerEngine(analyzer_engine=presidio.analyzer)  # type: ignore[attr-defined]
    started = time.perf_counter()
    batch.analyze_iterator(english, language="en", batch_size=64)
    presidio_s = time.perf_counter() - started

    ours_s = time_guards(english)
    labelled = labelled_pii()
    ours_predict, _ = our_pii_predictor()
    from guards import SHARED_TYPES

    ours_f1 = score_pii(labelled, ours_predict, SHARED_TYPES)
    presidio_f1 = score_pii(labelled, presidio, SHARED_TYPES)
    megabytes = sum(len(t.encode()) for t in english) / 1e6
    result = {
        "records": len(english),
        "megabytes": round(megabytes, 2),
        "note": "one process, one core each, same English records of the corpus, same run; "
        "ours is the scan's full guard pass (PII, secrets, injection, harm), Presidio's "
        "BatchAnalyzerEngine only PII. F1: span-exact micro F1 on ../shared/bench/pii_en.jsonl "
        "over the types both detect (bench/guards.py SHARED_TYPES)",
        "presidio": {
            "records_per_s": round(len(english) / presidio_s, 1),
            "mb_per_s": round(megabytes / presidio_s, 3),
            "pii_f1_en": presidio_f1["micro"],
        },
        "ours": {
            "records_per_s": round(len(english) / ours_s, 1),
            "mb_per_s": round(megabytes / ours_s, 3),
            "pii_f1_en": ours_f1["micro"],
        },
        "labelled_records": len(labelled),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print_table(
        "Guards vs Presidio BatchAnalyzerEngine (English part, one core)",
        ["engine", "records/s", "MB/s", "PII F1", "precision", "recall"],
        [
            [
                name,
                v["records_per_s"],
                v["mb_per_s"],
                v["pii_f1_en"]["f1"],
                v["pii_f1_en"]["precision"],
                v["pii_f1_en"]["recall"],
            ]
            for name, v in (("aigc-gateway", result["ours"]), ("presidio", result["presidio"]))
        ],
    )
    update("presidio", result)


def time_guards(texts: list[str]) -> float:
    """Seconds our full guard pass takes over ``texts`` in this process."""
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    engine = GuardEngine(Settings())
    started = time.perf_counter()
    for text in texts:
        engine.scan(text, "input", role="user")
    return time.perf_counter() - started


def labelled_pii() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (BENCH_DATA / "pii_en.jsonl").open()]


def english_records(corpus: Path, count: int) -> list[str]:
    english = []
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if row["lang"] == "en":
                english.append(row["text"])
            if len(english) >= count:
                break
    return english


def record_prf(labelled: list[dict[str, Any]], kind: str, flags: list[bool]) -> dict[str, Any]:
    """Record-level precision/recall/F1 for one type, on records annotated for it."""
    tp = fp = fn = 0
    for record, flagged in zip(labelled, flags, strict=True):
        gold = any(span["type"] == kind for span in record["spans"])
        tp += gold and flagged
        fp += flagged and not gold
        fn += gold and not flagged
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "records": len(labelled),
        "positives": tp + fn,
    }


def run_datajuicer(args: argparse.Namespace) -> None:
    """Data-Juicer's PII cleaning mappers (e-mail, IP) beside our guards, in Data-Juicer's venv."""
    from data_juicer.ops.mapper.clean_email_mapper import CleanEmailMapper
    from data_juicer.ops.mapper.clean_ip_mapper import CleanIpMapper

    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    english = english_records(args.corpus, args.records)
    megabytes = sum(len(t.encode()) for t in english) / 1e6
    mappers = {"EMAIL": CleanEmailMapper(), "IP": CleanIpMapper()}

    def juicer_changes(texts: list[str], kind: str) -> list[bool]:
        flags = []
        for start in range(0, len(texts), 64):
            batch = texts[start : start + 64]
            cleaned = mappers[kind].process_batched({"text": list(batch)})["text"]
            flags += [a != b for a, b in zip(batch, cleaned, strict=True)]
        return flags

    started = time.perf_counter()
    for kind in mappers:
        juicer_changes(english, kind)
    juicer_s = time.perf_counter() - started
    ours_s = time_guards(english)
    engine = GuardEngine(Settings())
    labelled = labelled_pii()
    accuracy: dict[str, Any] = {}
    for kind in mappers:
        subset = [r for r in labelled if kind in r["annotated_types"]]
        texts = [r["text"] for r in subset]
        ours = [bool(engine.scan(t, "input", role="user", only={kind})) for t in texts]
        accuracy[kind] = {
            "data_juicer": record_prf(subset, kind, juicer_changes(texts, kind)),
            "ours": record_prf(subset, kind, ours),
        }
    import data_juicer

    result = {
        "package": f"py-data-juicer {getattr(data_juicer, '__version__', '?')} (PyPI)",
        "ops": "clean_email_mapper, clean_ip_mapper (its PII cleaning mappers for these types)",
        "records": len(english),
        "megabytes": round(megabytes, 2),
        "note": "one process each, same English records, same run. Data-Juicer's two mappers "
        "vs our full guard pass (every PII and secret type, injection, harm). Accuracy is "
        "record-level (a record flagged or changed) on ../shared/bench/pii_en.jsonl records "
        "annotated for the type: the mappers remove matches and report no spans",
        "data_juicer": {
            "records_per_s": round(len(english) / juicer_s, 1),
            "mb_per_s": round(megabytes / juicer_s, 3),
        },
        "ours": {
            "records_per_s": round(len(english) / ours_s, 1),
            "mb_per_s": round(megabytes / ours_s, 3),
        },
        "record_level": accuracy,
        "load_average": round(os.getloadavg()[0], 2),
    }
    print_table(
        "Data-Juicer PII mappers vs our guards (English part, one core)",
        ["engine", "records/s", "EMAIL F1", "IP F1"],
        [
            [
                "aigc-gateway (all guards)",
                result["ours"]["records_per_s"],
                accuracy["EMAIL"]["ours"]["f1"],
                accuracy["IP"]["ours"]["f1"],
            ],
            [
                "data-juicer (email+ip)",
                result["data_juicer"]["records_per_s"],
                accuracy["EMAIL"]["data_juicer"]["f1"],
                accuracy["IP"]["data_juicer"]["f1"],
            ],
        ],
    )
    update("datajuicer", result)


PEER_PARTS = {"presidio": ".bench-venv-presidio", "datajuicer": ".bench-venv-datajuicer"}


def run_all(args: argparse.Namespace) -> None:
    """Every part in one run, each in its own process: the peers with their venv's Python."""
    here = Path(__file__).resolve()
    common = ["--corpus", str(args.corpus), "--work", str(args.work)]
    commands = {
        "throughput": [sys.executable, str(here), "throughput", *common],
        "memory": [sys.executable, str(here), "memory", *common, "--mb", str(args.mb)],
        "aigc": [sys.executable, str(here), "aigc", "--per-source", str(args.per_source)],
    }
    commands["throughput"] += ["--slice-mb", str(args.slice_mb)]
    for part, venv in PEER_PARTS.items():
        python = args.venvs / venv / "bin" / "python"
        commands[part] = [str(python), str(here), part, *common, "--records", str(args.records)]
    for part in args.parts.split(","):
        print(f"== {part}: {' '.join(commands[part])}", flush=True)
        subprocess.run(commands[part], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = parser.add_subparsers(dest="part", required=True)
    aigc = parts.add_parser("aigc")
    aigc.add_argument("--per-source", type=int, default=40)
    aigc.add_argument("--max-tokens", type=int, default=128)
    aigc.add_argument("--threads", type=int, default=1)
    aigc.set_defaults(run=run_aigc)
    for name, run in (
        ("throughput", run_throughput),
        ("full", run_full),
        ("memory", run_memory),
        ("presidio", run_presidio),
        ("datajuicer", run_datajuicer),
    ):
        part = parts.add_parser(name)
        part.add_argument("--corpus", type=Path, default=CORPUS)
        part.add_argument("--work", type=Path, default=Path("/work/scan-data"))
        part.set_defaults(run=run)
    everything = parts.add_parser("all", help="every part, each in its own process")
    everything.set_defaults(run=run_all)
    everything.add_argument("--parts", default="throughput,memory,presidio,datajuicer,aigc")
    everything.add_argument(
        "--venvs", type=Path, default=ROOT, help="folder holding the peers' .bench-venv-*"
    )
    everything.add_argument("--per-source", type=int, default=40)
    for part in ("throughput", "all"):
        parts.choices[part].add_argument("--slice-mb", type=float, default=40)
    parts.choices["full"].add_argument(
        "--runs", default=",".join(THROUGHPUT_RUNS), help="of " + ", ".join(THROUGHPUT_RUNS)
    )
    for part in ("memory", "all"):
        parts.choices[part].add_argument("--mb", type=float, default=10)
    parts.choices["memory"].add_argument("--run", default="local_1w", choices=THROUGHPUT_RUNS)
    for part in ("presidio", "datajuicer", "all"):
        parts.choices[part].add_argument("--records", type=int, default=1000)
    everything.add_argument("--corpus", type=Path, default=CORPUS)
    everything.add_argument("--work", type=Path, default=Path("/work/scan-data"))
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
