"""Every labelling part of one gateway, built once from the settings and the data dir.

The server uses it for the label stage, the image routes and ``/v1/verify``; the CLI's
``verify`` command builds the same object without starting the model.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..providers.local import bundled_model_path
from .images import ImageLabels
from .implicit import ImplicitLabels
from .keys import WatermarkKeyRing, label_key
from .labeler import ContentLabeler
from .registry import LabelRegistry
from .signing import load_signing_identity
from .verify import Verifier
from .vocab import VocabTokenizer
from .watermark import GreenList, WatermarkDetector


def tokenizer_path(settings: Settings) -> Path | None:
    """The GGUF whose tokenizer the watermark uses, or None when there is none."""
    try:
        path = settings.local_model.path or bundled_model_path()
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


class LabelService:
    def __init__(self, settings: Settings, data_dir: Path) -> None:
        labels = settings.labels
        self.registry = LabelRegistry(data_dir)
        self.implicit = ImplicitLabels(label_key(data_dir), labels.producer, labels.propagator)
        self.keys = WatermarkKeyRing(data_dir)
        watermark = labels.watermark
        green = GreenList(self.keys.active, watermark.gamma) if watermark.enabled else None
        self.images = ImageLabels(
            self.implicit, self.registry, load_signing_identity(data_dir), labels.producer
        )
        self.labeler = ContentLabeler(settings, self.implicit, self.registry, green, self.images)
        path = tokenizer_path(settings)
        detector = (
            WatermarkDetector(
                VocabTokenizer(path), self.keys.keys, watermark.gamma, watermark.z_threshold
            )
            if path is not None
            else None
        )
        self.verifier = Verifier(settings, detector, self.registry, self.images)

    def close(self) -> None:
        self.registry.close()
