"""Image labels: an invisible watermark, GB 45438 XMP metadata and a signed C2PA manifest.

Labelling applies them in that order (the C2PA manifest hashes the final bytes, so it comes
last). The watermark is the DWT-DCT-SVD method (:mod:`.dwtdctsvd`) carrying a 64-bit mark
derived from the ProduceID; the registry links the mark back to the ProduceID and request.
Inspection reads all three back; the watermark is also tried at every size an
image of the same aspect ratio was labelled at (scaling the suspect back to it), so a resized
copy is still recognised.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, unescape

import c2pa
import cv2
import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..errors import InvalidRequest
from ..reports import LabelReport, Mark
from . import dwtdctsvd
from .implicit import ImplicitLabels
from .registry import ImageEntry, LabelRegistry
from .signing import SigningIdentity

MARK_BITS = 64
MARK_MIN_CORRELATION = 0.7
"""How closely the soft scores read from an image must follow a registered mark's bits (Pearson
correlation over the 64 bits). An unmarked image's scores are independent of a mark: its
correlation is about normal with deviation 1/sqrt(61) after Fisher's transform, so it reaches
0.7 with probability about 1e-11 per registered mark. A JPEG-75 copy keeps about 0.94
(bench/watermark.py)."""
MIN_WATERMARK_PIXELS = 256 * 256
WATERMARK_SCALE = 36
ASPECT_TOLERANCE = 0.02
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
C2PA_ASSERTION = "com.aigc-gateway.gb45438"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
XMP_NAMESPACE = "http://www.tc260.org.cn/ns/AIGC/1.0/"
_XMP_AIGC = re.compile(r"<TC260:AIGC>(.*?)</TC260:AIGC>", re.DOTALL)


WATERMARK_CHANNEL = 1
"""The YUV channel (U) that carries the mark."""


class WatermarkUnavailable(RuntimeError):
    """The image cannot carry the watermark (it is smaller than 256x256)."""


def mark_for(produce_id: str) -> np.ndarray:
    """The 64 watermark bits for a ProduceID."""
    digest = hashlib.sha256(b"aigc-image-mark" + produce_id.encode()).digest()[: MARK_BITS // 8]
    return np.unpackbits(np.frombuffer(digest, dtype=np.uint8))


def embed_watermark(rgb: np.ndarray, bits: np.ndarray) -> np.ndarray:
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    marked = dwtdctsvd.embed(bgr, bits.tolist(), WATERMARK_SCALE, WATERMARK_CHANNEL)
    return cv2.cvtColor(marked, cv2.COLOR_BGR2RGB)


def read_watermark(rgb: np.ndarray) -> np.ndarray:
    """The soft scores of the 64 mark bits in an image (positive reads as 1)."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    return dwtdctsvd.extract(bgr, MARK_BITS, WATERMARK_SCALE, WATERMARK_CHANNEL)


def mark_correlation(scores: np.ndarray, bits: np.ndarray) -> float:
    """Pearson correlation of soft scores with a mark's bits; 0 where either does not vary."""
    if scores.std() == 0 or bits.std() == 0:
        return 0.0
    return float(np.corrcoef(scores, bits)[0, 1])


def xmp_packet(fields: dict[str, str]) -> str:
    """An XMP packet with the GB 45438 label as the TC260 ``AIGC`` property (a JSON string)."""
    value = escape(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{XMP_NAMESPACE}">'
        f"<TC260:AIGC>{value}</TC260:AIGC>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def read_xmp_label(image: Image.Image) -> dict[str, Any] | None:
    raw = image.info.get("XML:com.adobe.xmp") or image.info.get("xmp")
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    found = _XMP_AIGC.search(text)
    if not found:
        return None
    try:
        parsed = json.loads(unescape(found.group(1)))
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidRequest("The file is not an image this gateway can read.") from exc
    return image


@dataclass(frozen=True, slots=True)
class LabeledImage:
    data: bytes
    mime_type: str
    report: LabelReport


class ImageLabels:
    """Labels images and inspects them for the labels of this gateway."""

    def __init__(
        self,
        implicit: ImplicitLabels,
        registry: LabelRegistry,
        signing: SigningIdentity | None,
        generator: str,
    ) -> None:
        self._implicit = implicit
        self._registry = registry
        self._signing = signing
        self._generator = generator

    # --- labelling -------------------------------------------------------------------------

    def label(self, data: bytes, *, produce_id: str, request_id: str, tenant: str) -> LabeledImage:
        """Watermark, XMP and C2PA for one image (PNG stays PNG, everything else becomes JPEG)."""
        source = open_image(data)
        kind = "PNG" if source.format == "PNG" else "JPEG"
        rgb = np.asarray(source.convert("RGB"))
        fields = self._implicit.issue(produce_id, request_id)
        report = LabelReport(fields)
        height, width = rgb.shape[:2]
        bits = mark_for(produce_id)
        try:
            if height * width < MIN_WATERMARK_PIXELS:
                raise WatermarkUnavailable("image smaller than 256x256")
            rgb = embed_watermark(rgb, bits)
        except WatermarkUnavailable as exc:
            report.marks["watermark"] = Mark(False, {"applied": False, "reason": str(exc)})
        else:
            mark = np.packbits(bits).tobytes().hex()
            self._registry.add_image(
                ImageEntry(mark, produce_id, request_id, tenant, width, height)
            )
            public = {"applied": True, "method": "dwtDctSvd", "mark": mark}
            report.marks["watermark"] = Mark(True, public, ref=mark)
        encoded = io.BytesIO()
        xmp = xmp_packet(fields)
        if kind == "PNG":
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", xmp)
            Image.fromarray(rgb).save(encoded, "PNG", pnginfo=info)
        else:
            Image.fromarray(rgb).save(encoded, "JPEG", quality=95, xmp=xmp.encode())
        report.marks["xmp"] = Mark(True, True)
        mime_type = FORMATS[kind]
        output = encoded.getvalue()
        if self._signing is None:
            reason = "no signing certificate: run 'aigc-gateway labels setup-signing'"
            report.marks["c2pa"] = Mark(False, {"signed": False, "reason": reason})
        else:
            output = self._sign(output, mime_type, fields)
            signer = self._signing.subject
            report.marks["c2pa"] = Mark(True, {"signed": True, "signer": signer}, ref=signer)
        report.content_sha256 = hashlib.sha256(output).hexdigest()
        return LabeledImage(output, mime_type, report)

    def _sign(self, data: bytes, mime_type: str, fields: dict[str, str]) -> bytes:
        assert self._signing is not None
        manifest = {
            "claim_generator_info": [{"name": self._generator, "version": "0.1.0"}],
            "title": fields["ProduceID"],
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {
                        "actions": [
                            {
                                "action": "c2pa.created",
                                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            }
                        ]
                    },
                },
                {"label": C2PA_ASSERTION, "data": fields},
            ],
        }
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256, self._signing.chain_pem, self._signing.key_pem, None
        )
        signed = io.BytesIO()
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
            builder.sign(signer, mime_type, io.BytesIO(data), signed)
        return signed.getvalue()

    # --- inspection ------------------------------------------------------------------------

    def inspect(self, data: bytes) -> dict[str, Any]:
        """Every label of this gateway found in an image, with the checks made on each."""
        image = open_image(data)
        mime_type = Image.MIME.get(image.format or "", "application/octet-stream")
        xmp = read_xmp_label(image)
        rgb = np.asarray(image.convert("RGB"))
        return {
            "format": image.format,
            "size": list(image.size),
            "c2pa": self._read_c2pa(data, mime_type),
            "xmp": {"found": False}
            if xmp is None
            else {"found": True, **self._implicit.check(xmp)},
            "watermark": self._read_watermark(rgb),
        }

    def _read_c2pa(self, data: bytes, mime_type: str) -> dict[str, Any]:
        context = None
        if self._signing is not None:
            context = c2pa.Context.from_dict(
                {
                    "verify": {"verify_trust": True},
                    "trust": {"user_anchors": self._signing.anchor_pem.decode()},
                }
            )
        try:
            with c2pa.Reader(mime_type, io.BytesIO(data), context=context) as reader:
                state = reader.get_validation_state()
                manifest = reader.get_active_manifest() or {}
                results = reader.get_validation_results() or {}
        except c2pa.C2paError as exc:
            return {"found": False, "detail": str(exc)}
        fields = next(
            (
                assertion.get("data", {})
                for assertion in manifest.get("assertions", [])
                if assertion.get("label") == C2PA_ASSERTION
            ),
            None,
        )
        failures = [
            item.get("code") for item in results.get("activeManifest", {}).get("failure", [])
        ]
        signer = (manifest.get("signature_info") or {}).get("common_name")
        return {
            "found": True,
            "validation_state": state,
            "trusted": state == "Trusted",
            "failures": failures,
            "signer": signer,
            "label": None if fields is None else self._implicit.check(fields),
        }

    def _read_watermark(self, rgb: np.ndarray) -> dict[str, Any]:
        height, width = rgb.shape[:2]
        marks = self._registry.image_marks()
        sizes = {(width, height)}
        sizes.update(
            (w, h) for _, _, _, _, w, h in marks if abs(w / h - width / height) < ASPECT_TOLERANCE
        )
        sizes = {(w, h) for w, h in sizes if w * h >= MIN_WATERMARK_PIXELS}
        if not sizes:
            return {"checked": False, "reason": "image smaller than 256x256"}
        best: dict[str, Any] = {
            "checked": True,
            "detected": False,
            "correlation": 0.0,
            "matching_bits": 0,
        }
        for size in sorted(sizes):
            candidate = (
                rgb
                if size == (width, height)
                else cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
            )
            scores = read_watermark(candidate)
            for mark, produce_id, request_id, tenant, _, _ in marks:
                expected = np.unpackbits(np.frombuffer(bytes.fromhex(mark), dtype=np.uint8))
                correlation = mark_correlation(scores, expected)
                if correlation > best["correlation"]:
                    best = {
                        "checked": True,
                        "detected": correlation >= MARK_MIN_CORRELATION,
                        "correlation": round(correlation, 4),
                        "matching_bits": int(((scores > 0) == expected).sum()),
                        "bits": MARK_BITS,
                        "decoded_at": list(size),
                        "mark": mark,
                        "produce_id": produce_id,
                        "request_id": request_id,
                        "tenant": tenant,
                    }
        return best
