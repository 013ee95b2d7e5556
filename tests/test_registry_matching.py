"""The fingerprint registry's matching: edited copies found, common phrases not, old rows kept."""

from __future__ import annotations

import random
import sqlite3
import string
from pathlib import Path

from aigc_gateway.labeling.fingerprint import Grams, legacy_hash, normalise
from aigc_gateway.labeling.keys import labels_dir
from aigc_gateway.labeling.registry import (
    FINE_MIN_UNITS,
    MIN_UNITS,
    REGISTRY_FILE,
    LabelRegistry,
    TextEntry,
)

ANSWER = (
    "Photosynthesis lets green plants capture sunlight in their chloroplasts and turn water "
    "and carbon dioxide into glucose, releasing oxygen as a by-product of the light reactions."
)
OTHER = (
    "A sourdough starter is a culture of wild yeast and lactic acid bacteria that you feed "
    "with flour and water every day until it doubles in size within a few hours."
)

THIRD = "Tidal forces from the moon slowly lengthen the day on Earth by a few milliseconds."


def registry_with(tmp_path: Path, *texts: str) -> LabelRegistry:
    registry = LabelRegistry(tmp_path)
    for index, text in enumerate(texts):
        registry.add_text(TextEntry(f"pid-{index}", f"req-{index}", "t", text, False))
    registry.flush()
    return registry


def test_an_edited_excerpt_inside_other_text_is_traced(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ANSWER, OTHER)
    excerpt = "capture sunlight in their chloroplasts and turn seawater and carbon dioxide"
    suspect = f"My notes from class say plants {excerpt} which I found surprising."
    matches = registry.trace_text(suspect)
    assert [m["produce_id"] for m in matches] == ["pid-0"]
    assert matches[0]["overlap_units"] >= 40
    registry.close()


def test_an_excerpt_with_a_long_word_replaced_by_a_short_one_is_traced(tmp_path: Path) -> None:
    """Replacing 'chloroplasts' by 'it' shifts the alignment by 10 units, more than the drift:
    the chain follows the shift across the one replaced word (or the word left out), though
    neither piece alone (15 and 12 units) would be reported. Two pieces that one word apart in
    the suspect are far apart in the stored text do not add up."""
    registry = registry_with(tmp_path, ANSWER, OTHER)
    matches = registry.trace_text("My notes: sunlight in their it and turn water, as we saw.")
    assert [m["produce_id"] for m in matches] == ["pid-0"]
    assert matches[0]["overlap_units"] == len("sunlightintheir" + "andturnwater")
    matches = registry.trace_text("My notes: sunlight in their and turn water, as we saw.")
    assert [m["produce_id"] for m in matches] == ["pid-0"]
    assert registry.trace_text("My notes: sunlight in their and releasing oxygen, we saw.") == []
    registry.close()


def test_an_excerpt_with_many_words_replaced_is_confirmed_by_short_ngrams(tmp_path: Path) -> None:
    """Five of eleven words replaced: the fine n-grams' chain covers 16 units, too few alone;
    the short n-grams in the gaps between the edits ('lets', 'and', 'water') confirm it on its
    alignment. One short n-gram more is not enough, and a text stored without short n-grams
    (before they were kept) is matched by the fine chain alone, as before."""
    registry = registry_with(tmp_path, ANSWER, OTHER)
    edited = "Notes: lets pink plants grab sunlight in her cells and burn water, we said."
    matches = registry.trace_text(edited)
    assert [m["produce_id"] for m in matches] == ["pid-0"]
    assert matches[0]["overlap_units"] == len("plants" + "sunlightin") < FINE_MIN_UNITS
    assert registry.trace_text("Notes: lets pink plants grab sunlight in her cells, we said.") == []
    registry.close()
    with sqlite3.connect(labels_dir(tmp_path) / REGISTRY_FILE) as db:
        db.execute("UPDATE texts SET short = NULL")
    registry = LabelRegistry(tmp_path)
    assert registry.trace_text(edited) == []
    registry.close()


def test_a_shared_common_phrase_alone_is_not_a_match(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ANSWER, OTHER)
    assert registry.trace_text("The light reactions happen in a lab, said the teacher.") == []
    # Two short phrases of the answer far apart and out of order do not add up to a copy.
    scattered = "releasing oxygen was the topic; we never mentioned green plants at all"
    assert registry.trace_text(scattered) == []
    registry.close()


def test_code_with_few_letters_is_traced_by_its_symbols(tmp_path: Path) -> None:
    """The fine check counts punctuation and symbols: a code excerpt with 14 letters and digits
    (too few for the letters-and-digits chain alone) is traced, a look-alike with other values
    is not."""
    code = "numbers = [[1, 2], [3, 4]]  # [((x ** x), 0)] for (x, y) in pairs\nprint(numbers)\n"
    registry = registry_with(tmp_path, ANSWER, code)
    excerpt = "numbers = [[1, 2], [3, 4]]  # [((x ** x), 0)]"
    assert len(normalise(excerpt)) < MIN_UNITS
    assert [m["produce_id"] for m in registry.trace_text(f"See: {excerpt} (docs)")] == ["pid-1"]
    assert registry.trace_text("See: values = [[5, 6], [7, 8]]  # [((y ** y), 1)] (docs)") == []
    registry.close()


def test_a_shared_web_address_is_not_a_match(tmp_path: Path) -> None:
    """Links are boilerplate many human texts share with a stored one ("https://www.reddit.com/r/
    …" in forum posts): they do not count, the prose around them does."""
    linked = f"Sources are collected at https://www.reddit.com/r/askscience/wiki/index. {OTHER}"
    registry = registry_with(tmp_path, ANSWER, linked)
    assert registry.trace_text("lol see https://www.reddit.com/r/funny/comments/abc123 ok") == []
    assert [m["produce_id"] for m in registry.trace_text(OTHER[:90])] == ["pid-1"]
    registry.close()


def test_rows_stored_before_offsets_are_still_traced(tmp_path: Path) -> None:
    path = labels_dir(tmp_path) / REGISTRY_FILE
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE texts (id INTEGER PRIMARY KEY, produce_id TEXT NOT NULL UNIQUE, "
        "request_id TEXT NOT NULL, tenant TEXT NOT NULL, created_at REAL NOT NULL, "
        "chars INTEGER NOT NULL, fingerprints INTEGER NOT NULL, content TEXT);"
        "CREATE TABLE text_fingerprints (hash INTEGER NOT NULL, text_id INTEGER NOT NULL);"
    )
    hashes = Grams.of(ANSWER, legacy_hash).fingerprint()[0][::2]  # old rows: a winnowed subset
    old.execute("INSERT INTO texts VALUES (1, 'pid-old', 'req', 't', 0, 10, 10, NULL)")
    old.executemany("INSERT INTO text_fingerprints VALUES (?, 1)", [(int(h),) for h in hashes])
    old.commit()
    old.close()
    registry = LabelRegistry(tmp_path)  # adds the offsets, fine n-gram and scheme columns
    registry.add_text(TextEntry("pid-new", "req-2", "t", OTHER, False))
    assert [m["produce_id"] for m in registry.trace_text(ANSWER[20:110])] == ["pid-old"]
    assert [m["produce_id"] for m in registry.trace_text(OTHER[10:100])] == ["pid-new"]
    # A text stored with offsets but before the fine n-grams: matched by its chain of n-grams.
    hashes, offsets = Grams.of(THIRD, legacy_hash).fingerprint()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO texts (id, produce_id, request_id, tenant, created_at, chars, "
            "fingerprints) VALUES (3, 'pid-mid', 'req', 't', 0, 10, 10)"
        )
        db.executemany(
            "INSERT INTO text_fingerprints VALUES (?, 3, ?)",
            [(int(h), int(p)) for h, p in zip(hashes, offsets, strict=True)],
        )
    edited = THIRD.replace("lengthen", "extend")
    assert [m["produce_id"] for m in registry.trace_text(edited)] == ["pid-mid"]
    registry.close()


def test_texts_added_after_a_lookup_are_found(tmp_path: Path) -> None:
    """The in-memory filter of stored hashes follows rows written after it was loaded, by this
    registry or by another process on the same file."""
    registry = registry_with(tmp_path, ANSWER)
    assert registry.trace_text(OTHER) == []  # loads the filter without OTHER's hashes
    registry.add_text(TextEntry("pid-1", "req-1", "t", OTHER, False))
    registry.flush()
    assert [m["produce_id"] for m in registry.trace_text(OTHER[5:90])] == ["pid-1"]
    other_process = LabelRegistry(tmp_path)
    other_process.add_text(TextEntry("pid-2", "req-2", "t", THIRD, False))
    other_process.flush()
    assert [m["produce_id"] for m in registry.trace_text(THIRD)] == ["pid-2"]
    other_process.close()
    registry.close()


def test_an_excerpt_in_a_long_text_is_found_among_many_texts_sharing_words(
    tmp_path: Path,
) -> None:
    """A long suspect shares scattered words with many stored texts, each more n-grams in all
    than the short excerpt of its source: the source, whose n-grams lie together, is still
    among the candidates checked."""
    rng = random.Random(3)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(13))

    decoys = [" ".join(word() for _ in range(40)) for _ in range(12)]
    registry = registry_with(tmp_path, *decoys, ANSWER)
    parts = []
    for index in range(10):  # each decoy's words far apart, unrelated words between them
        parts += [decoy.split()[index] for decoy in decoys]
        parts += [word() for _ in range(12)]
    excerpt = "capture sunlight in their chloroplasts and turn seawater and carbon"
    suspect = " ".join([*parts[:100], excerpt, *parts[100:]])
    assert len(normalise(excerpt)) - 7 < 10 * 6  # fewer n-grams than each decoy shares
    matches = registry.trace_text(suspect)
    assert [m["produce_id"] for m in matches] == [f"pid-{len(decoys)}"]
    registry.close()
