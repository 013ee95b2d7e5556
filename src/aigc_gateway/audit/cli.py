"""The ``audit`` and ``report`` commands: verify, export, public key, retention, usage report."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..cli.common import CliError, add_common, load_settings
from ..config import Settings
from .chain import VerifyReport, verify
from .export import ExportFormatError, export_jsonl, read_export, verify_export
from .journal import JOURNAL_DIR, backlog
from .report import table, usage_rows, write_chart, write_csv
from .signing import KEY_FILE, AuditSigner, KeyFileError, key_id_of, load_public_key
from .store import AuditStore
from .timespec import parse_time
from .trail import SECONDS_PER_DAY, StoreConfigError, open_signer, open_store


@contextmanager
def _store(settings: Settings, data_dir: Path) -> Iterator[AuditStore]:
    try:
        store = open_store(settings.audit, data_dir)
    except StoreConfigError as exc:
        raise CliError(str(exc)) from exc
    try:
        yield store
    finally:
        store.close()


def _signer(settings: Settings, data_dir: Path) -> AuditSigner:
    try:
        return open_signer(settings.audit, data_dir)
    except KeyFileError as exc:
        raise CliError(str(exc)) from exc


def _time(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}", 2) from exc


def _trusted_keys(paths: list[Path]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for path in paths:
        try:
            key = load_public_key(path.read_bytes())
        except (OSError, KeyFileError) as exc:
            raise CliError(f"{path}: {exc}") from exc
        keys[key_id_of(key)] = key
    return keys


def _summary(report: VerifyReport, source: str) -> str:
    if report.records == 0:
        return f"OK: {source}: no records yet"
    lines = [
        f"OK: {source}: {report.records} records (seq {report.first_seq}..{report.last_seq}), "
        f"chain intact; {report.checkpoints} signed checkpoints"
        + (f", last at seq {report.last_checkpoint}" if report.last_checkpoint else "")
        + f"; signed by key {', '.join(sorted(report.key_ids)) or '-'}"
    ]
    unsigned = (report.last_seq or 0) - (report.last_checkpoint or 0)
    if unsigned > 0:
        lines.append(f"  {unsigned} newest records are chained but not yet under a checkpoint")
    if report.content_kept:
        lines.append(
            f"  {report.content_kept} records keep redacted content; it matches its hashes"
        )
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> None:
    settings = load_settings(args)
    keys = _trusted_keys(args.public_key)
    if args.file is not None:
        if not keys:
            raise CliError("--file needs --public-key: the key(s) you trust to have signed it", 2)
        try:
            with sys.stdin.buffer if str(args.file) == "-" else args.file.open("rb") as lines:
                export = read_export(lines)
        except OSError as exc:
            raise CliError(f"{args.file}: {exc.strerror}") from exc
        except ExportFormatError as exc:
            raise CliError(f"{args.file}: {exc}") from exc
        report = verify_export(export, keys)
        source = str(args.file)
    else:
        with _store(settings, args.data_dir) as store:
            if not keys:
                keys = {k: load_public_key(pem) for k, pem in store.public_keys().items()}
                key_file = settings.audit.signing_key or args.data_dir / KEY_FILE
                if key_file.exists():
                    signer = _signer(settings, args.data_dir)
                    keys[signer.key_id] = signer.public_key
            report = verify(store.records(), store.checkpoints(), keys, from_genesis=True)
            waiting = backlog(args.data_dir / JOURNAL_DIR, store)
        source = "database"
    if report.problem is not None:
        raise CliError(str(report.problem))
    print(_summary(report, source))
    if args.file is None and waiting:
        print(
            f"  {waiting} acknowledged records are in the audit journal, not yet in the chain: "
            "a running gateway adds them within moments, a stopped one when it next starts"
        )


def cmd_export(args: argparse.Namespace) -> None:
    settings = load_settings(args)
    since, until = _time(args.since, "--since"), _time(args.until, "--until")
    signer = _signer(settings, args.data_dir)
    with _store(settings, args.data_dir) as store:
        out: Any = sys.stdout.buffer if args.output is None else args.output.open("wb")
        try:
            end = export_jsonl(store, signer, out, since=since, until=until)
        finally:
            out.flush()
            if args.output is not None:
                out.close()
    if end is None:
        print("no records in that time range", file=sys.stderr)
    else:
        print(
            f"exported {end.records} records (seq {end.first_seq}..{end.last_seq}), "
            f"signed by key {end.key_id}",
            file=sys.stderr,
        )


def cmd_public_key(args: argparse.Namespace) -> None:
    sys.stdout.write(_signer(load_settings(args), args.data_dir).public_pem)


def cmd_retention(args: argparse.Namespace) -> None:
    settings = load_settings(args)
    days = args.days if args.days is not None else settings.audit.content_retention_days
    if days is None:
        raise CliError("no retention configured: set audit.content_retention_days or --days", 2)
    with _store(settings, args.data_dir) as store:
        removed = store.purge_content(time.time() - days * SECONDS_PER_DAY)
    print(f"Removed kept content of {removed} records older than {days:g} days; hashes stay.")


def cmd_report_usage(args: argparse.Namespace) -> None:
    settings = load_settings(args)
    since, until = _time(args.since, "--since"), _time(args.until, "--until")
    with _store(settings, args.data_dir) as store:
        rows = usage_rows(store, args.by, since, until)
    print(table(rows, args.by))
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"usage-by-{args.by}.csv"
    png_path = args.out / f"usage-by-{args.by}.png"
    write_csv(rows, args.by, csv_path)
    write_chart(rows, args.by, png_path)
    print(f"wrote {csv_path} and {png_path}")


def audit(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    check = add_common(
        actions.add_parser(
            "verify",
            help="check the hash chain and signatures; name the first "
            "edited, deleted, reordered or truncated record",
        )
    )
    check.add_argument(
        "--file",
        type=Path,
        default=None,
        help="verify an exported JSONL file ('-': stdin) instead of the database",
    )
    check.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        help="PEM public key to trust (repeatable); needed with --file",
    )
    check.set_defaults(run=cmd_verify)
    export = add_common(actions.add_parser("export", help="write the trail as JSONL"))
    export.add_argument("--since", default=None, help="2025-06-01, ISO time, Unix seconds or 7d")
    export.add_argument("--until", default=None)
    export.add_argument("--output", "-o", type=Path, default=None, help="file (default: stdout)")
    export.set_defaults(run=cmd_export)
    key = add_common(actions.add_parser("public-key", help="print the signing public key"))
    key.set_defaults(run=cmd_public_key)
    retention = add_common(
        actions.add_parser("retention", help="delete kept content past its retention now")
    )
    retention.add_argument(
        "--days", type=float, default=None, help="default: audit.content_retention_days"
    )
    retention.set_defaults(run=cmd_retention)


def report(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    usage = add_common(
        kinds.add_parser("usage", help="requests, tokens, energy and carbon; table, CSV, PNG")
    )
    usage.add_argument("--by", choices=("tenant", "model", "day"), default="tenant")
    usage.add_argument("--since", default=None, help="2025-06-01, ISO time, Unix seconds or 7d")
    usage.add_argument("--until", default=None)
    usage.add_argument("--out", type=Path, default=Path("."), help="folder for the CSV and PNG")
    usage.set_defaults(run=cmd_report_usage)
