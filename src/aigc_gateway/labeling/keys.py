"""Secrets the labels depend on, kept in the data dir and created on first use.

``labels/watermark-keys.json`` holds the text watermark keys (the newest one marks new text; all
of them are tried when verifying), ``labels/label.key`` the HMAC key of the GB 45438 reserved
codes, ``labels/fingerprint.key`` the key of the registry's content fingerprints. Files are
written with mode 0600 and never leave the data dir.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from ..private_files import create_private, write_private

LABELS_DIR = "labels"
WATERMARK_KEYS_FILE = "watermark-keys.json"
LABEL_KEY_FILE = "label.key"
FINGERPRINT_KEY_FILE = "fingerprint.key"


def labels_dir(data_dir: Path) -> Path:
    path = data_dir / LABELS_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(path: Path, purpose: str) -> bytes:
    """The hex key in ``path`` (created on first use), for ``purpose`` (what it protects, in the
    error message)."""
    if not path.exists():
        create_private(path, secrets.token_hex(32).encode())
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) < 16:
        raise ValueError(
            f"{path}: not a key (expected at least 32 hex characters); restore it from a "
            f"backup — a new key would make {purpose}"
        )
    return key


def label_key(data_dir: Path) -> bytes:
    """The HMAC key for reserved codes; created on first use."""
    return secret_key(
        labels_dir(data_dir) / LABEL_KEY_FILE, "the reserved codes of earlier labels unverifiable"
    )


@dataclass(frozen=True, slots=True)
class WatermarkKey:
    key_id: str
    secret: bytes
    created_at: float


class WatermarkKeyRing:
    """The watermark keys in the data dir; ``active`` is the newest."""

    def __init__(self, data_dir: Path) -> None:
        self._path = labels_dir(data_dir) / WATERMARK_KEYS_FILE
        if not self._path.exists():
            self._save([self._new_key()])
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            self.keys = [
                WatermarkKey(
                    str(item["key_id"]), bytes.fromhex(item["secret"]), float(item["created_at"])
                )
                for item in raw["keys"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{self._path}: not a valid watermark key file ({exc}); restore it from a backup"
            ) from None
        if not self.keys:
            raise ValueError(f"{self._path}: holds no watermark key; restore it from a backup")

    @property
    def active(self) -> WatermarkKey:
        return self.keys[-1]

    def rotate(self) -> WatermarkKey:
        """Add a new key that marks all text from the next start on; old keys stay verifiable."""
        key = self._new_key()
        self.keys.append(key)
        self._save(self.keys)
        return key

    @staticmethod
    def _new_key() -> WatermarkKey:
        return WatermarkKey("wk_" + secrets.token_hex(4), secrets.token_bytes(32), time.time())

    def _save(self, keys: list[WatermarkKey]) -> None:
        body = {
            "keys": [
                {"key_id": k.key_id, "secret": k.secret.hex(), "created_at": k.created_at}
                for k in keys
            ]
        }
        write_private(self._path, json.dumps(body, indent=2).encode())
