"""Cross-validation of the English name tagger inside the development half of ``pii_en``.

    python -m training.names_cv --bench ../shared/bench --blind 0 0.15 0.3

Two folds of the development records: the tagger is trained as ``build.py`` trains it (the
fold's records, the Broad Twitter Corpus, swapped Faker names, templates) on one fold and
scored (exact PERSON spans) on the other. It chose ``EN_NAME_LIST_DROPOUT``; the held-out half
is never read.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from aigc_gateway.evaluation.build_suites import guard_split
from aigc_gateway.guards.features import GreedyTagger
from aigc_gateway.guards.names import PersonNames

from .build import BTC_FILES, en_tagger_records, person_counts, person_scores, train_en_tagger
from .sources import DEFAULT_BENCH, DEFAULT_MIRRORS
from .taggers import conll_person_records
from .text_models import SEED


def cross_validate(bench: Path, mirrors: Path, blind: float) -> dict[str, Any]:
    """Pooled out-of-fold PERSON precision, recall and F1 for one share of blind sentences."""
    dev = guard_split(bench, "pii_en")[0]
    order = list(range(len(dev)))
    random.Random(f"{SEED}:names-cv").shuffle(order)
    folds = [[dev[i] for i in order[k::2]] for k in range(2)]
    btc = [
        record
        for pinned in BTC_FILES
        for record in conll_person_records(pinned.read(mirrors).decode("utf-8"))
    ]
    tp = fp = fn = 0
    for k, (train, test) in enumerate(((folds[0], folds[1]), (folds[1], folds[0]))):
        records, _ = en_tagger_records(train, btc, random.Random(SEED))
        with tempfile.TemporaryDirectory() as out:
            train_en_tagger(Path(out), records, blind)
            stored = json.loads(gzip.decompress((Path(out) / "names_en.json.gz").read_bytes()))
        tagger = GreedyTagger(stored["labels"], stored["weights"])
        counts = person_counts(PersonNames(tagger), test)
        print(f"blind {blind} fold {k}: {person_scores(*counts)}", flush=True)
        tp, fp, fn = tp + counts[0], fp + counts[1], fn + counts[2]
    return person_scores(tp, fp, fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="../shared/bench")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="local git mirrors")
    parser.add_argument("--blind", type=float, nargs="+", default=[0.0, 0.15, 0.3])
    args = parser.parse_args(argv)
    for blind in args.blind:
        print(f"blind {blind} pooled: {cross_validate(args.bench, args.mirrors, blind)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
