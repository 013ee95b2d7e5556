"""The DWT-DCT-SVD invisible image watermark, carried here from invisible-watermark 0.2.0.

The algorithm is ``imwatermark/dwtDctSvd.py`` of https://github.com/ShieldMnt/invisible-watermark
(MIT, copyright 2021 ShieldMnt; its license is ``LICENSE.invisible-watermark`` next to this file),
reduced to the one channel and the arguments this gateway uses. The package itself is not a
dependency: it declares torch and onnxruntime for its RivaGAN method and imports them at start.

One channel of the image in YUV gets a one-level Haar wavelet transform; each 4x4 block of the
approximation band carries one bit (the blocks take the bits in turn) in the largest singular
value of its DCT, quantised to ``scale``. Reading averages each bit over all of its blocks.

Embedding is the original's step for step, so marks embedded by either read back the same. Reading
is soft where the original votes: each block scores where its value sits between the two
quantisation points (+1 on a 1, -1 on a 0, 0 half-way) instead of a hard 0/1 vote, which keeps
the evidence a lossy copy blurs but does not erase.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pywt

BLOCK = 4
WAVELET = "haar"


def _blocks(frame: np.ndarray) -> list[tuple[slice, slice]]:
    """The 4x4 blocks of a band, row by row, in the order the bits are laid out."""
    rows, cols = frame.shape
    return [
        (slice(i * BLOCK, (i + 1) * BLOCK), slice(j * BLOCK, (j + 1) * BLOCK))
        for i in range(rows // BLOCK)
        for j in range(cols // BLOCK)
    ]


def embed(bgr: np.ndarray, bits: Sequence[int], scale: int, channel: int) -> np.ndarray:
    """``bgr`` (uint8) with ``bits`` embedded in YUV channel ``channel``."""
    rows, cols = bgr.shape[:2]
    area = (slice(0, rows // 4 * 4), slice(0, cols // 4 * 4), channel)
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    approximation, (horizontal, vertical, diagonal) = pywt.dwt2(yuv[area], WAVELET)
    for number, (i, j) in enumerate(_blocks(approximation)):
        u, s, v = np.linalg.svd(cv2.dct(approximation[i, j]))
        s[0] = (s[0] // scale + 0.25 + 0.5 * bits[number % len(bits)]) * scale
        approximation[i, j] = cv2.idct(np.dot(u, np.dot(np.diag(s), v)))
    # The original passes the detail bands back in this order (vertical, horizontal); kept, so
    # that images are watermarked exactly as before.
    yuv[area] = pywt.idwt2((approximation, (vertical, horizontal, diagonal)), WAVELET)
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)


def extract(bgr: np.ndarray, length: int, scale: int, channel: int) -> np.ndarray:
    """The ``length`` bits read from YUV channel ``channel`` of ``bgr``, as soft scores.

    Each score lies in [-1, 1]: positive reads as 1, negative as 0, and its size says how sure
    the blocks of that bit are (the original's hard reading is the sign)."""
    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    approximation, _ = pywt.dwt2(yuv[: rows // 4 * 4, : cols // 4 * 4, channel], WAVELET)
    scores: list[list[float]] = [[] for _ in range(length)]
    for number, (i, j) in enumerate(_blocks(approximation)):
        _, s, _ = np.linalg.svd(cv2.dct(approximation[i, j]))
        # A 1 sits at 3/4 of the quantisation step, a 0 at 1/4: -sin is +1 and -1 there.
        scores[number % length].append(-np.sin(2 * np.pi * (s[0] % scale) / scale))
    return np.array([np.mean(score) for score in scores])
