"""Where the training data comes from: pinned public files and the bench development files.

Every public file is named by repository, commit and path, with its license and SHA-256; the
build refuses a file whose bytes differ. A file is read from a local git mirror if one exists
(``--mirrors``, laid out as ``<owner>+<name>/repo``), else downloaded once from
``raw.githubusercontent.com`` at the pinned commit into ``training/.cache``.

The bench files (``../shared/bench``, described in its ``SOURCES.md``) are split 50/50 with
the fixed seed of :func:`aigc_gateway.evaluation.build_suites.guard_split`; only the first
half is ever trained or tuned on, and only records from sources whose license allows
commercial use (:data:`NOT_FOR_TRAINING` lists the others).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigc_gateway.evaluation.build_suites import guard_split

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "training" / ".cache"
DEFAULT_BENCH = ROOT.parent / "shared" / "bench"
DEFAULT_MIRRORS = Path("/work/.mirror")

Record = dict[str, Any]

NOT_FOR_TRAINING = {
    # SOURCES.md marks these: no license, non-commercial or research-only terms.
    "HumanCompatibleAI/tensor-trust-data": "no license",
    "hiyouga/LLaMA-Factory": "demo data of CC BY-NC origin",
    "Instruction-Tuning-with-GPT-4/GPT-4-LLM": "CC BY-NC 4.0",
    "tatsu-lab/stanford_alpaca": "CC BY-NC 4.0",
    "LianjiaTech/BELLE": "research-only, non-commercial",
    "Jarviswang94/Multilingual_safety_benchmark": "README: research use only",
    "plum-Yin/GlobalPointer_pytorch": "CLUENER: no license",
    "jiesutd/LatticeLSTM": "Resume NER: no license",
    "StanleySun233/ChineseNER": "MSRA NER: no license",
}
BENCH_LICENSES = {
    "leondz/garak": "Apache-2.0 (data upstream MIT)",
    "meta-llama/PurpleLlama": "MIT",
    "paul-rottger/exaggerated-safety": "CC-BY-4.0",
    "SaFoLab-WISC/InjecGuard": "MIT",
    "STAIR-BUPT/JailBench": "MIT",
    "t-davidson/hate-speech-and-offensive-language": "MIT",
    "ab235/AttnGCG-attack": "MIT",
    "DAMO-NLP-SG/multilingual-safety-for-LLMs": "MIT",
    "microsoft/TOXIGEN": "CDLA-Permissive-2.0",
    "thu-coai/COLDataset": "Apache-2.0",
    "microsoft/presidio-research": "MIT",
    "leondz/emerging_entities_17": "CC-BY-4.0",
    "wan9yu/argus-redact": "Apache-2.0",
    "hltcoe/golden-horse": "CC BY-SA 3.0 (annotations)",
}
BENCH_FILES = ("injection_en", "injection_zh", "harm_en", "harm_zh", "pii_en", "pii_zh")


def source_repo(record: Record) -> str:
    return str(record["source"]).split("@", 1)[0]


def trainable(record: Record) -> bool:
    return source_repo(record) not in NOT_FOR_TRAINING


@dataclass(frozen=True, slots=True)
class PinnedFile:
    repo: str
    commit: str
    path: str
    license: str
    sha256: str
    use: str

    def read(self, mirrors: Path) -> bytes:
        mirror = mirrors / self.repo.replace("/", "+") / "repo"
        cached = CACHE / self.repo.replace("/", "+") / self.commit / self.path
        if mirror.is_dir():
            command = ["git", "--git-dir", str(mirror), "show", f"{self.commit}:{self.path}"]
            blob = subprocess.run(command, check=True, capture_output=True).stdout
        elif cached.exists():
            blob = cached.read_bytes()
        else:
            url = f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"
            with urllib.request.urlopen(url, timeout=60) as response:
                blob = response.read()
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(blob)
        digest = hashlib.sha256(blob).hexdigest()
        if digest != self.sha256:
            raise SystemExit(f"{self.repo}@{self.commit}:{self.path}: sha256 {digest} != pinned")
        return blob

    @property
    def name(self) -> str:
        return f"{self.repo}@{self.commit[:10]}:{self.path}"


GPTFUZZ_COMMIT = "1eddeb565740ae311b5f4950492b011a6f866fe7"
GPTFUZZ_QUESTIONS = PinnedFile(
    "sherdencooper/GPTFuzz",
    GPTFUZZ_COMMIT,
    "datasets/questions/question_list.csv",
    "MIT",
    "18531eb6bc1c8fc0b8f66822b366b872202b852bf28826cef590ad0d7a81c749",
    "harm: harmful questions (label 1)",
)
CMRC_COMMIT = "c0eb1b6ba219847457e6af3180da722bbeb656af"
CMRC_DEV = PinnedFile(
    "ymcui/cmrc2018",
    CMRC_COMMIT,
    "squad-style-data/cmrc2018_dev.json",
    "CC BY-SA 4.0 (LICENCE)",
    "e9ff74231f05c230c6fa88b84441ee334d97234cbb610991cd94b82db00c7f1f",
    "benign Chinese questions and Wikipedia passages (documents); label 0",
)
CMRC_TRIAL = PinnedFile(
    "ymcui/cmrc2018",
    CMRC_COMMIT,
    "squad-style-data/cmrc2018_trial.json",
    "CC BY-SA 4.0 (LICENCE)",
    "f3fae95b57da8e03afb2b57467dd221417060ef4d82db13bf22fc88589f3a6f3",
    "benign Chinese questions and Wikipedia passages (documents); label 0",
)
GSM8K_TRAIN = PinnedFile(
    "openai/grade-school-math",
    "3101c7d5072418e28b9008a6636bde82a006892c",
    "grade_school_math/data/train.jsonl",
    "MIT",
    "17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465",
    "benign English questions (grade-school maths word problems); label 0",
)
PINNED_FILES = (GPTFUZZ_QUESTIONS, CMRC_DEV, CMRC_TRIAL, GSM8K_TRAIN)


def csv_rows(blob: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(blob.decode("utf-8"))))


def bench_splits(bench: Path) -> dict[str, tuple[list[Record], list[Record]]]:
    """Per bench file: (development half, held-out half)."""
    return {name: guard_split(bench, name) for name in BENCH_FILES}


def bench_file_hashes(bench: Path) -> dict[str, str]:
    return {
        f"{name}.jsonl": hashlib.sha256((bench / f"{name}.jsonl").read_bytes()).hexdigest()
        for name in BENCH_FILES
    }


def load_jsonl(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
