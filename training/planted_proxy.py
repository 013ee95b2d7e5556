"""A development proxy for instructions planted in real e-mails (tool results).

Real e-mails from public sources, clean and with one real request to an assistant planted in
them, at a position and in a wording drawn per e-mail: on a line of its own at the start, in the
middle or at the end, after "P.S." or "Please also", or as a sentence inside a paragraph. It
chooses the planted-task model's settings (``python -m training.planted_proxy``: out of fold,
the requests planted are never trained on, :func:`evaluate`). It is not BIPIA, which stays an
evaluation set (``../shared/bench/RESERVED.md``); none of BIPIA's e-mails or attacks are read.

The e-mails: the ham of Enron-Spam's first mailbox (Metsis et al., 2006; the Enron e-mails are a
public record released by FERC), as tokenised there and joined back here
(:func:`detokenise`), one half trained on and the other half the proxy; and the real replies
kept as test fixtures by two e-mail parsing libraries (mailgun/talon, Apache-2.0;
github/email_reply_parser, MIT), proxy only.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import random
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aigc_gateway.evaluation.build_suites import mirror_blob, mirror_git_dir

from .sources import ENRON_SPAM

if TYPE_CHECKING:
    from .build import Data
    from .text_models import TrainedTextModel

FIXTURES = (
    (
        "mailgun/talon",
        "71d9b6eb78e985bcdfbf99b69c20c001b4b818c4",
        "tests/fixtures/standard_replies/",
    ),
    ("github/email_reply_parser", "59e5859cfe826d3cb6069bbbfd8577230c93b3cf", "test/emails/"),
)
"""Repository (Apache-2.0, MIT), commit and folder of real e-mail replies kept as test fixtures."""
MIN_CHARS, MAX_CHARS = 150, 2500
FRAMES = ("own line", "P.S.", "Please also", "in a paragraph")
POSITIONS = ("start", "middle", "end")


def detokenise(text: str) -> str:
    """Enron-Spam's tokenised, lower-cased text joined back: ``i ' ll`` → ``i'll``,
    ``4 . 955`` → ``4.955``, ``( see`` → ``(see``."""
    text = re.sub(r" ([.,!?;:%)]) ?", r"\1 ", text)
    text = re.sub(r"\( ", "(", text)
    text = re.sub(r" ' (s|t|ll|re|ve|d|m)\b", r"'\1", text)
    text = re.sub(r"(\d)([.,:]) (\d)", r"\1\2\3", text)
    text = re.sub(r" / ", "/", text)
    text = re.sub(r"(\w) - (\w)", r"\1-\2", text)
    text = re.sub(r" @ ", "@", text)
    text = re.sub(r"\$ (\d)", r"$\1", text)
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def enron_emails(blob: bytes) -> list[str]:
    """The ham e-mails of the archive, joined back, of ``MIN_CHARS``–``MAX_CHARS`` characters."""
    out = []
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        for name in sorted(archive.namelist()):
            if "/ham/" in name and name.endswith(".txt"):
                text = detokenise(archive.read(name).decode("latin-1"))
                if MIN_CHARS <= len(text) <= MAX_CHARS:
                    out.append(text)
    return out


def fixture_emails(mirrors: Path) -> list[str]:
    """The plain-text bodies of the two libraries' real e-mail fixtures, read from their git
    mirrors (``fetch`` them); a library without a mirror is left out (proxy only: the shipped
    weights do not depend on these)."""
    out = []
    for repo, commit, folder in FIXTURES:
        git_dir = mirror_git_dir(mirrors, repo)
        if git_dir is None:
            continue
        command = ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", commit, folder]
        for path in subprocess.run(
            command, check=True, capture_output=True, text=True
        ).stdout.split():
            blob = mirror_blob(mirrors, repo, commit, path) or b""
            if path.endswith(".eml"):
                message = email.message_from_bytes(blob, policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                blob = str(body.get_content()).encode() if body is not None else b""
            out.append(blob.decode("utf-8", "replace").strip())
    return [t for t in out if len(t) >= 40]


def fold(text: str, folds: int = 2) -> int:
    """A text's fold, from the text alone (stable whatever else is added)."""
    return hashlib.sha256(text.strip().lower().encode()).digest()[0] % folds


def emails(mirrors: Path) -> tuple[list[str], list[str]]:
    """The real e-mails: (the half of the Enron e-mails that may be trained on, by :func:`fold`;
    the development proxy: the other half and every fixture e-mail)."""
    enron = enron_emails(ENRON_SPAM.read(mirrors))
    proxy = [e for e in enron if fold(e) == 1] + fixture_emails(mirrors)
    return [e for e in enron if fold(e) == 0], proxy


@dataclass(frozen=True, slots=True)
class Planted:
    text: str
    request: str
    frame: str
    position: str


def plant(document: str, request: str, rng: random.Random) -> Planted:
    """``document`` with ``request`` planted in a frame and at a position drawn from ``rng``."""
    frame, position = rng.choice(FRAMES), rng.choice(POSITIONS)
    request = request.strip()
    if frame == "P.S.":
        line = f"P.S. {request}"
    elif frame == "Please also":
        line = f"Please also {request[0].lower()}{request[1:]}"
    else:
        line = request
    lines = document.split("\n")
    if frame == "in a paragraph":
        # after a full stop inside the document, on the same line
        stops = [m.end() for m in re.finditer(r"[.!?] ", document)]
        if stops:
            at = {"start": stops[0], "end": stops[-1]}.get(position, stops[len(stops) // 2])
            return Planted(f"{document[:at]}{line} {document[at:]}", request, frame, position)
        frame = "own line"
    at = {"start": 0, "end": len(lines)}.get(position, len(lines) // 2)
    return Planted("\n".join([*lines[:at], line, *lines[at:]]), request, frame, position)


PER_FOLD = 600
"""Planted e-mails per fold of requests."""
MAX_REQUEST_CHARS = 400
"""Longest request planted (and learnt: ``build.task_examples``)."""


def found(model: TrainedTextModel, text: str) -> bool:
    """Whether the planted-task model flags a document at its operating point."""
    from aigc_gateway.guards.model import language_of

    from .build import document_sentences, task_matrix

    parts = document_sentences(text)
    if not parts:
        return False
    scores = 1 / (1 + np.exp(-(task_matrix(parts) @ model.weights + model.bias)))
    return any(s >= model.thresholds[language_of(p)] for p, s in zip(parts, scores, strict=True))


def evaluate(data: Data, folds: int = 2) -> dict[str, Any]:
    """Out-of-fold numbers of the planted-task model on the proxy: the English public requests
    it learns as positives (``Data.task_requests``: no questions, at most
    :data:`MAX_REQUEST_CHARS`) in ``folds`` folds; per fold, a model trained without that fold's
    requests, built and calibrated as shipped, flags the proxy e-mails clean and with those
    requests planted (at most :data:`PER_FOLD`)."""
    from aigc_gateway.guards.model import language_of

    from .build import train_task_model
    from .synthetic import is_question

    requests = sorted(
        {
            t
            for t, _ in data.task_requests
            if language_of(t) == "en" and len(t) <= MAX_REQUEST_CHARS and not is_question(t)
        }
    )
    hits: dict[str, list[bool]] = {"planted": [], "clean": []}
    thresholds = []
    for k in range(folds):
        held = [t for t in requests if fold(t, folds) == k]
        model, _ = train_task_model(
            data, lambda e, held=set(held): bool(e.label and e.text in held)
        )
        thresholds.append(round(model.thresholds["en"], 3))
        rng = random.Random(f"planted-proxy:{k}")
        rng.shuffle(held)
        for request in held[:PER_FOLD]:
            planted = plant(rng.choice(data.proxy_emails), request, rng)
            hit = found(model, planted.text)
            for key in ("planted", planted.frame, planted.position):
                hits.setdefault(key, []).append(hit)
        if k == 0:
            hits["clean"] = [found(model, e) for e in data.proxy_emails]
    return {
        "emails": len(data.proxy_emails),
        "thresholds_en": thresholds,
        "flagged": {key: round(sum(v) / len(v), 4) for key, v in hits.items()},
        "planted": len(hits["planted"]),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    from .build import Data
    from .sources import DEFAULT_BENCH, DEFAULT_MIRRORS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="../shared/bench")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="local git mirrors")
    args = parser.parse_args(argv)
    print(json.dumps(evaluate(Data(args.bench, args.mirrors)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
