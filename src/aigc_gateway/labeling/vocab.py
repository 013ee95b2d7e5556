"""The local model's tokenizer for watermark detection, read from the GGUF without its weights.

Detection re-tokenises every text it checks (each record of a dataset scan), so its speed
counts. When the GGUF's tokenizer is byte-level BPE with a pre-tokenizer listed in
``PRE_TOKENIZERS`` (the bundled SmolLM2's ``smollm``), the Rust ``tokenizers`` library runs the
vocabulary and merges stored in the GGUF: the same ids as llama.cpp, token for token
(``tests/test_watermark.py`` checks English, Chinese, code and arbitrary Unicode), at about
40 % of the CPU time. Any other GGUF, and the rare text with code points of the unassigned
Unicode planes 4 to 13, is tokenised by llama.cpp itself (a vocabulary-only load).
"""

from __future__ import annotations

import mmap
import re
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
UNASSIGNED_PLANES = re.compile("[\U00040000-\U000dffff]")
"""Unicode planes 4 to 13 hold no characters; llama.cpp splits runs of these code points where
GPT-2's expression keeps them together, so text with one goes to llama.cpp."""


def gguf_metadata(path: Path) -> dict[str, Any]:
    """The key-value metadata at the head of a GGUF file (format versions 2 and 3); the
    tensors after it are not read. Raises ValueError for a file that is not GGUF."""
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        position = 0

        def take(fmt: str) -> Any:
            nonlocal position
            try:
                (value,) = struct.unpack_from(fmt, data, position)
            except struct.error:
                raise ValueError(f"{path}: truncated GGUF header") from None
            position += struct.calcsize(fmt)
            return value

        def string() -> str:
            nonlocal position
            size = take("<Q")
            position += size
            return data[position - size : position].decode("utf-8", "replace")

        def value(kind: int) -> Any:
            if kind == _STRING:
                return string()
            if kind == _ARRAY:
                item, count = take("<I"), take("<Q")
                return [value(item) for _ in range(count)]
            if kind not in _SCALARS:
                raise ValueError(f"{path}: unknown GGUF value type {kind}")
            return take(_SCALARS[kind])

        if data[:4] != b"GGUF":
            raise ValueError(f"{path}: not a GGUF file")
        position = 4
        if take("<I") < 2:
            raise ValueError(f"{path}: GGUF version 1 is not supported")
        take("<Q")  # tensor count
        metadata: dict[str, Any] = {}
        for _ in range(take("<Q")):
            key = string()
            metadata[key] = value(take("<I"))
        return metadata


def _smollm() -> Any:
    """SmolLM2's pre-tokenizer (llama.cpp's ``smollm``): every digit on its own, then GPT-2's
    byte-level split."""
    from tokenizers import pre_tokenizers

    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )


PRE_TOKENIZERS: dict[str, Callable[[], Any]] = {"smollm": _smollm}
"""llama.cpp pre-tokenizer names (``tokenizer.ggml.pre``) whose ``tokenizers`` equivalent has
been checked token for token; others fall back to llama.cpp."""


def fast_tokenizer(metadata: dict[str, Any]) -> Any | None:
    """A ``tokenizers.Tokenizer`` equal to llama.cpp's for this GGUF, or None if there is none."""
    pre = PRE_TOKENIZERS.get(metadata.get("tokenizer.ggml.pre", ""))
    if metadata.get("tokenizer.ggml.model") != "gpt2" or pre is None:
        return None
    try:
        from tokenizers import Tokenizer, models
    except ImportError:
        return None
    tokens = metadata["tokenizer.ggml.tokens"]
    merges = [tuple(merge.split(" ", 1)) for merge in metadata["tokenizer.ggml.merges"]]
    tokenizer = Tokenizer(models.BPE({token: i for i, token in enumerate(tokens)}, merges))
    tokenizer.pre_tokenizer = pre()
    return tokenizer


class VocabTokenizer:
    """The local model's tokenizer, loaded on first use: ``tokenizers`` when the GGUF's
    tokenizer has an exact equivalent there, else llama.cpp (vocabulary only)."""

    def __init__(self, model_path: Path) -> None:
        self._path = model_path
        self._lock = threading.Lock()
        self._loaded = False
        self._fast: Any = None
        self._llama: Any = None
        self._size = 0

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                metadata = gguf_metadata(self._path)
            except (OSError, ValueError):
                metadata = {}
            self._fast = fast_tokenizer(metadata)
            if self._fast is not None:
                self._size = len(metadata["tokenizer.ggml.tokens"])
            else:
                self._size = int(self._llama_vocab().n_vocab())
            self._loaded = True

    def _llama_vocab(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama
            from llama_cpp._utils import suppress_stdout_stderr

            # llama.cpp warns about the context size of a vocabulary-only load.
            with suppress_stdout_stderr(disable=False):
                self._llama = Llama(model_path=str(self._path), vocab_only=True, verbose=False)
        return self._llama

    @property
    def engine(self) -> str:
        """Which library tokenises ordinary text: ``tokenizers`` or ``llama.cpp``."""
        self._load()
        return "tokenizers" if self._fast is not None else "llama.cpp"

    @property
    def vocab_size(self) -> int:
        self._load()
        return self._size

    def tokenize(self, text: str) -> list[int]:
        self._load()
        if self._fast is not None and not UNASSIGNED_PLANES.search(text):
            return self._fast.encode(text, add_special_tokens=False).ids
        with self._lock:
            return list(self._llama_vocab().tokenize(text.encode(), add_bos=False, special=False))
