"""The ``scan`` command: flags to :class:`ScanOptions`, a progress bar, a short summary."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..cli.common import EXIT_USAGE, CliError, add_common, load_settings
from .model import ScanOptions
from .outputs import OutputError
from .readers import InputError
from .runner import Progress, run_scan

BAR_WIDTH = 24
PLAIN_INTERVAL_S = 5.0


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


class ProgressBar:
    """``[####....]  42%  12,345 records  1,234 rec/s  ETA 0:01:02`` on stderr."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if not progress.finished and not self._tty and now - self._last < PLAIN_INTERVAL_S:
            return
        self._last = now
        share = progress.bytes_done / progress.bytes_total if progress.bytes_total else 1.0
        filled = int(share * BAR_WIDTH)
        if progress.finished:
            timing = "elapsed " + _clock(progress.elapsed_s)
        else:
            timing = "ETA " + _clock(progress.eta_s)
        line = (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  "
            f"{progress.records:,} records  {_rate(progress.records_per_s)} rec/s  {timing}"
            f"  bad input {progress.bad_input:,}"
        )
        end = "\n" if progress.finished or not self._tty else ""
        self._stream.write(("\r" if self._tty else "") + line + end)
        self._stream.flush()


def options_from(args: argparse.Namespace) -> ScanOptions:
    if args.drop_over is not None and not args.redact:
        raise CliError(
            "--drop-over needs --redact (it drops records from the cleaned copy)", EXIT_USAGE
        )
    return ScanOptions(
        inputs=tuple(Path(p) for p in args.inputs),
        out=Path(args.out),
        text_field=args.text_field,
        id_field=args.id_field,
        workers=args.workers,
        redact=args.redact,
        drop_over=args.drop_over,
        aigc_sample=0.0 if args.no_aigc else args.aigc_sample,
        aigc_max_tokens=args.aigc_max_tokens,
        chunk_records=args.chunk_records,
        resume=not args.fresh,
    )


def cmd_scan(args: argparse.Namespace) -> None:
    options = options_from(args)
    settings = load_settings(args)
    backend = None
    if args.ray is not None:
        from .ray_backend import RayUnavailable, ray_backend

        try:
            backend = ray_backend(settings, args.data_dir, options, args.ray or None)
        except RayUnavailable as exc:
            raise CliError(str(exc)) from None
    bar = None if args.no_progress else ProgressBar()
    try:
        found = run_scan(settings, args.data_dir, options, backend, bar)
    except (InputError, OutputError) as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        print(
            f"\ninterrupted; run the same command again to resume from {options.out}",
            file=sys.stderr,
        )
        raise
    aigc = found["aigc"]
    print(
        f"scanned {found['records']:,} records from {len(found['inputs'])} file(s) "
        f"in {found['elapsed_s']} s; bad input: {found['bad_input']['count']:,}"
    )
    findings = ", ".join(f"{k} {v:,}" for k, v in found["records_with"].items()) or "none"
    print(f"records with findings: {findings}")
    share = aigc["share_flagged"]
    print(
        f"AI-generated: {aigc['generated_here']:,} generated here; model score "
        + (
            f"{share:.1%} of {aigc['scored']:,} scored records"
            if share is not None
            else "not computed"
        )
    )
    print(
        f"outputs: {options.out}/summary.json, report.html, findings.jsonl, bad_input.jsonl"
        + (", redacted/" if options.redact else "")
    )


def scan(parser: argparse.ArgumentParser) -> None:
    parser.description = "Scan JSONL, CSV, Parquet or text files (gzip/zstd read as is) or folders."
    add_common(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    parser.add_argument(
        "--out", required=True, help="output folder (resumed if it holds this scan)"
    )
    parser.add_argument(
        "--text-field", default="text", help="field holding the text (default text)"
    )
    parser.add_argument(
        "--id-field", default=None, help="field holding the record id (default: FILE:LINE)"
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=os.cpu_count() or 1,
        help="local worker processes (default: one per core)",
    )
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: a local cluster, or the cluster at ADDRESS",
    )
    parser.add_argument(
        "--redact",
        nargs="?",
        const="mask",
        choices=["mask", "pseudonymize"],
        default=None,
        help="write a cleaned copy to OUT/redacted (default mask)",
    )
    parser.add_argument(
        "--drop-over",
        type=_fraction,
        default=None,
        metavar="RISK",
        help="with --redact: leave out records whose risk is at least RISK",
    )
    parser.add_argument(
        "--aigc-sample",
        type=_fraction,
        default=0.01,
        metavar="SHARE",
        help="share of records given the model AI-text score, about a second of "
        "CPU each (default 0.01)",
    )
    parser.add_argument("--no-aigc", action="store_true", help="no model AI-text score")
    parser.add_argument(
        "--aigc-max-tokens",
        type=_positive,
        default=128,
        help="tokens of each record the AI-text score reads (default 128)",
    )
    parser.add_argument("--chunk-records", type=_positive, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help="discard an earlier run in --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=cmd_scan)
