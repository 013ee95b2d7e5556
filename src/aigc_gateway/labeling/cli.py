"""The ``verify`` and ``labels`` commands: verify a file, set up C2PA signing, rotate keys,
purge the registry's legacy (unkeyed) fingerprints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..cli.common import CliError, add_common, load_settings
from ..errors import InvalidRequest
from .keys import WatermarkKeyRing
from .signing import create_signing_identity, load_signing_identity


def cmd_verify(args: argparse.Namespace) -> None:
    from .service import LabelService

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: cannot read: {exc.strerror}") from exc
    if not data.strip():
        raise CliError(f"{args.file}: is empty")
    service = LabelService(load_settings(args), args.data_dir)
    try:
        result = service.verifier.file(data)
    except InvalidRequest as exc:
        raise CliError(f"{args.file}: {exc.message}") from exc
    finally:
        service.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print("\n".join(summary(result)))


def summary(result: dict[str, Any]) -> list[str]:
    """The verdict and one line per piece of evidence."""
    lines = [f"verdict: {result['verdict']}"]
    evidence = result["evidence"]
    if result["kind"] == "text":
        mark = evidence["watermark"]
        if "z_score" in mark:
            state = "detected" if mark["detected"] else "not detected"
            lines.append(
                f"watermark: {state} (z={mark['z_score']}, p={mark['p_value']:.2e}, "
                f"key {mark['key_id']}, {mark['scored_tokens']} tokens scored)"
            )
        else:
            lines.append(f"watermark: not checked ({mark.get('reason')})")
        matches = evidence["registry"]["matches"]
        lines.append(f"registry: {len(matches)} matching record(s)")
        for match in matches:
            lines.append(
                f"  {match['produce_id']} request {match['request_id']} tenant {match['tenant']}: "
                f"{match['overlap_units']} units overlap "
                f"({match['overlap_of_suspect']:.0%} of the suspect)"
            )
        found = evidence["explicit_label"]["found"]
        lines.append(f"explicit label: {', '.join(found) if found else 'none'}")
        return lines
    c2pa, xmp, mark = evidence["c2pa"], evidence["xmp"], evidence["watermark"]
    if c2pa["found"]:
        ours = c2pa["label"] and c2pa["label"]["issued_here"]
        lines.append(
            f"c2pa: {c2pa['validation_state']}, signer {c2pa['signer']}, "
            f"GB 45438 assertion {'issued here' if ours else 'absent or foreign'}"
        )
    else:
        lines.append("c2pa: no manifest")
    if xmp["found"]:
        lines.append(
            f"xmp: ProduceID {xmp['fields'].get('ProduceID')}, "
            f"{'issued here' if xmp['issued_here'] else 'not issued here'}"
        )
    else:
        lines.append("xmp: no GB 45438 label")
    if mark.get("checked"):
        bits = (
            f"{mark['matching_bits']}/{mark.get('bits', 64)} bits, "
            f"correlation {mark['correlation']:.2f}"
        )
        if mark["detected"]:
            lines.append(
                f"watermark: detected ({bits}) -> {mark['produce_id']} request {mark['request_id']}"
            )
        else:
            lines.append(f"watermark: not detected (best {bits})")
    else:
        lines.append(f"watermark: not checked ({mark.get('reason')})")
    return lines


def cmd_setup_signing(args: argparse.Namespace) -> None:
    organisation = args.organisation or load_settings(args).labels.producer
    try:
        directory = create_signing_identity(args.data_dir, organisation, force=args.force)
    except FileExistsError as exc:
        raise CliError(f"{exc}; use --force to replace it") from exc
    identity = load_signing_identity(args.data_dir)
    assert identity is not None
    print(f"Created the C2PA signing certificate in {directory}")
    print(f"  signer: {identity.subject}")
    print(f"  valid until: {identity.not_after:%Y-%m-%d}")
    print("Restart the gateway to sign images with it.")


def cmd_rotate_key(args: argparse.Namespace) -> None:
    key = WatermarkKeyRing(args.data_dir).rotate()
    print(f"New watermark key {key.key_id}; it marks text from the next gateway start on.")
    print("Older keys stay in the key ring and are still checked by verify.")


def cmd_list_keys(args: argparse.Namespace) -> None:
    ring = WatermarkKeyRing(args.data_dir)
    for key in ring.keys:
        active = "  (active)" if key is ring.active else ""
        print(f"{key.key_id}{active}")


def cmd_purge_legacy(args: argparse.Namespace) -> None:
    from .registry import LabelRegistry

    registry = LabelRegistry(args.data_dir)
    try:
        purged = registry.purge_legacy()
    finally:
        registry.close()
    print(
        f"Removed {purged} registered texts with unkeyed fingerprints (stored before "
        "fingerprint.key, without their content); they can no longer be traced."
    )


def verify(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("file", help="a text or image file, or - for standard input")
    parser.add_argument("--json", action="store_true", help="print all evidence as JSON")
    parser.set_defaults(run=cmd_verify)


def labels(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="labels_command", required=True, metavar="ACTION")
    setup = add_common(
        actions.add_parser("setup-signing", help="create the local C2PA signing certificate")
    )
    setup.add_argument("--organisation", default=None, help="default: labels.producer")
    setup.add_argument("--force", action="store_true", help="replace an existing certificate")
    setup.set_defaults(run=cmd_setup_signing)
    rotate = add_common(
        actions.add_parser("rotate-key", help="add a new text watermark key (old ones stay)")
    )
    rotate.set_defaults(run=cmd_rotate_key)
    listing = add_common(actions.add_parser("keys", help="list the watermark key ids"))
    listing.set_defaults(run=cmd_list_keys)
    purge = add_common(
        actions.add_parser(
            "purge-legacy",
            help="delete registered texts whose fingerprints predate fingerprint.key",
        )
    )
    purge.set_defaults(run=cmd_purge_legacy)
