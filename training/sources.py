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
import re
import unicodedata
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigc_gateway.evaluation.build_suites import (
    EXCLUDED_SOURCES,
    PublicFile,
    checked,
    guard_split,
    mirror_blob,
)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "training" / ".cache"
DEFAULT_BENCH = ROOT.parent / "shared" / "bench"
DEFAULT_MIRRORS = Path("/work/.mirror")

Record = dict[str, Any]

NOT_FOR_TRAINING = {
    # SOURCES.md marks these: no license, non-commercial or research-only terms.
    **EXCLUDED_SOURCES,
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
class PinnedFile(PublicFile):
    """A pinned public file and what training uses it for; without a mirror it is downloaded
    once from GitHub at the pinned commit into ``training/.cache``."""

    use: str

    def read(self, mirrors: Path) -> bytes:
        blob = mirror_blob(mirrors, self.repo, self.commit, self.path)
        if blob is None:
            cached = CACHE / self.repo.replace("/", "+") / self.commit / self.path
            if not cached.exists():
                url = f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"
                with urllib.request.urlopen(url, timeout=60) as response:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_bytes(response.read())
            blob = cached.read_bytes()
        return checked(blob, self.sha256, self.name)


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
RED_INSTRUCT_COMMIT = "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2"
CATQA_EN = PinnedFile(
    "declare-lab/red-instruct",
    RED_INSTRUCT_COMMIT,
    "harmful_questions/catqa_english.json",
    "Apache-2.0 (LICENSE)",
    "40efd4e205e26d6e840f30e6d8540f95f2777453af052319e42e74d10bd1992a",
    "CategoricalHarmfulQA: harmful questions in 11 categories (label 1; two categories left out)",
)
CATQA_ZH = PinnedFile(
    "declare-lab/red-instruct",
    RED_INSTRUCT_COMMIT,
    "harmful_questions/catqa_chinese.json",
    "Apache-2.0 (LICENSE)",
    "d13b0d6e09a89a2a03f3d3813d4923ae5903f5362687a4f8f4e2b4dfb77706db",
    "CategoricalHarmfulQA in Chinese (label 1; two categories left out)",
)
HARMFULQA = PinnedFile(
    "declare-lab/red-instruct",
    RED_INSTRUCT_COMMIT,
    "harmful_questions/harmfulqa.json",
    "Apache-2.0 (LICENSE)",
    "e04c1f3c48800ea84f954298e2a74f27e391069e037d60a22c2727eaa22f2cf8",
    "HarmfulQA: harmful questions across 10 academic topics (label 1)",
)
DANGEROUSQA = PinnedFile(
    "declare-lab/red-instruct",
    RED_INSTRUCT_COMMIT,
    "harmful_questions/dangerousqa.json",
    "Apache-2.0 (LICENSE)",
    "b40b0193d063cb5d742e6d0e070dde119e0291619830c65653ca19bdc84fdd10",
    "DangerousQA: 200 harmful questions (racist, sexist, illegal, toxic, harmful; label 1)",
)
CVALUES_PROMPTS = PinnedFile(
    "X-PLUG/CValues",
    "3018d3886890d04c95c9051c7055fb19e36ef592",
    "dataset/cvalues_responsibility_prompts.jsonl",
    "Apache-2.0 (LICENSE)",
    "ee99050d4a8933829697c796e279b83795838feacefc84cdd06856bad01bfff4",
    "experts' sensitive-but-answerable Chinese questions (hard negatives, label 0)",
)
HH_HARMLESS_TEST = PinnedFile(
    "anthropics/hh-rlhf",
    "354e5c3cb8960630860dd5774a6ac2a58313bf4d",
    "harmless-base/test.jsonl.gz",
    "MIT (LICENSE)",
    "ebfaaed21162a4de120ae85366075b34425e2a6303fac59b99555002f7016f03",
    "first human turns: requests to an assistant (planted-task model; questions are negatives)",
)
BTC_COMMIT = "0c45ef7b1924a6b8115bceab388781590b1b553a"
BTC_FILES = tuple(
    PinnedFile(
        "GateNLP/broad_twitter_corpus",
        BTC_COMMIT,
        f"train_dev_test_conll/btc.{part}",
        "CC BY 4.0 (LICENSE)",
        digest,
        "tweets with person-name spans (Broad Twitter Corpus; names_en training sentences)",
    )
    for part, digest in (
        ("train", "2117732e744d8f1692786c7ebb919c52dadd406f082b43fe1e625a51f2cadd0f"),
        ("dev", "9f7d33bcd195cecf9767357a5f1fe0ba879af6c55ebb68b8e846bff23c4e7fa5"),
        ("test", "3bd2387dfc98ebc9d8b77d8b9c59826262e9beadce71ce8edde272821b9c87c8"),
    )
)
KDCONV_COMMIT = "653db76432de09a004ba708a68f8bbd5500e6bec"
DUREADER_COMMIT = "c625076b06da8f56d59f19c41c73bd580a98a347"
DUREADER_FILES = tuple(
    PinnedFile(
        "baidu/DuReader",
        DUREADER_COMMIT,
        f"DuReader-2.0/data/demo/{part}.json",
        "Apache-2.0 (DuReader-2.0/LICENSE; README: Copyright and License)",
        digest,
        "Baidu search queries of the DuReader 2.0 demo sets: everyday Chinese questions "
        "(harm negatives, label 0)",
    )
    for part, digest in (
        ("devset/search.dev", "f7d7174d2cc81738f2554c3aa69f89af7b8d0f4bc808f1c3547469d12469e3a8"),
        (
            "trainset/search.train",
            "ce2f61b93861203b4b2e1c03a2db558142bfa4edb2c758b9665bd003adfc49bc",
        ),
        ("testset/search.test", "0bef9888ec67e8734b95b18b51907ae8c277e12eb8b9c90a4fd903783c72bd22"),
    )
)
KDCONV_FILES = (
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/film/dev.json",
        "Apache-2.0 (LICENSE)",
        "2f156d8d34bdd3eac31c196772156d36e017f8cb2255a2c312bd98e367ed363e",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/film/test.json",
        "Apache-2.0 (LICENSE)",
        "5ba2b79f9791bedbe5fe8a1bf5d7cbf277697743ee426ecd05459d9e28bcf21b",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/music/dev.json",
        "Apache-2.0 (LICENSE)",
        "ee34a4af167195db43fdcc910f8d125956222517f0572d248a069057493d557f",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/music/test.json",
        "Apache-2.0 (LICENSE)",
        "46f048c5db9dde45127cf6630b2fa06b685be369b71c5bc2dc3022d3f4bbad65",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/travel/dev.json",
        "Apache-2.0 (LICENSE)",
        "8d1f31295888cf61eff398bab8aa042f7fccd04a088bd63c939f0b79625a9093",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
    PinnedFile(
        "thu-coai/KdConv",
        KDCONV_COMMIT,
        "data/travel/test.json",
        "Apache-2.0 (LICENSE)",
        "730426b0997b8375c8477c7e658c0ec645fced6ab8d546adda114b21cf30faac",
        "crowd-written Chinese chat turns about films, music and travel (negatives, label 0)",
    ),
)
CATQA_LEFT_OUT = frozenset({"Political Campaigning", "Tailored Financial Advice"})
"""CatQA categories that are usage-policy topics rather than harmful requests ("how do I target
voters", "which stock should I buy"): ordinary questions a guard must pass."""
ENRON_SPAM = PinnedFile(
    "tasdikrahman/datasets",
    "7d395afc4e5703c270c61d30828674cefd8bd337",
    "email/plaintext/enron1.zip",
    "public record (Enron e-mails released by FERC, 2003); Enron-Spam preprocessing "
    "(Metsis et al., 2006); repository README: MIT",
    "97d1e3942057e7a9192af73adc70dad1f4279a05dadde2c1606a364c245519ed",
    "real business e-mails (ham only; training/planted_proxy.py): one half planted-task "
    "negatives, the other half its development proxy, never trained on",
)
AART = PinnedFile(
    "google-research-datasets/aart-ai-safety-dataset",
    "fcdb2a8a3343a992cd8cbfd53eac797ac047c26f",
    "aart-v1-20231117.csv",
    "CC-BY-4.0 (LICENSE)",
    "288fcee0bf6f32d77f6549d62600d6ee15c2987e0ef4c36f61ef5d53b0ce64a4",
    "AART (Radharapu et al. 2023): 3,269 machine-written adversarial harmful prompts over crimes, "
    "regions and media; positives of `training.harm_en_probe --aart` only (sixteenth round, "
    "measured and not shipped; six categories left out)",
)
AART_LEFT_OUT = frozenset(
    {"circuses", "climate change", "gambling", "horse racing", "landfills", "smoking"}
)
"""AART "crime" categories named after a lawful activity or a policy topic, whose prompts are as
often ordinary requests ("How can I win at roulette in Cairo?", "Write a blog post about how to
start a circus in Tokyo.") as harmful ones."""

PINNED_FILES = (
    GPTFUZZ_QUESTIONS,
    CMRC_DEV,
    CMRC_TRIAL,
    GSM8K_TRAIN,
    CATQA_EN,
    CATQA_ZH,
    HARMFULQA,
    DANGEROUSQA,
    CVALUES_PROMPTS,
    HH_HARMLESS_TEST,
    *KDCONV_FILES,
    *BTC_FILES,
    *DUREADER_FILES,
    ENRON_SPAM,
)


def _doc(repo: str, commit: str, path: str, license: str, sha256: str) -> PinnedFile:
    return PinnedFile(repo, commit, path, license, sha256, "documents (Markdown): sentences")


# Real documents with instructions to their human readers ("run", "install", "click"): their
# sentences are negatives of the planted-task model (training/build.py).
DOCUMENT_FILES = (
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "3b591974186a2870da76ec36774b67358d2b381a42528408780c8cbe9b561ac1",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "docs/ABOUT_DAG.md",
        "Apache-2.0 (LICENSE)",
        "4114b3a0271437f7e17361b06a08b4525736964e8c8380a4ba3ea33799265f9b",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "docs/ABOUT_FREE_TAXI.md",
        "Apache-2.0 (LICENSE)",
        "77b141a12c902461364d6d8bb497a520cc199342bdd798b69c02e8bdeb54d927",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "docs/FAQ.md",
        "Apache-2.0 (LICENSE)",
        "461d19a2b81b6eba815a0089249ddf336c8d33083f375e790bed769ebf033044",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "quickstart/README.md",
        "Apache-2.0 (LICENSE)",
        "b44b124e27edba6d7754d2f93d833ec65e8ebccd356a0f910ab63de3eb8ab93f",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "safety/safety-api/docs/api.md",
        "Apache-2.0 (LICENSE)",
        "45f4c1cdd54c6b27aba2c11fb06a5cffaeab3907ee5e61d2fdbdb3a70582d9ff",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "safety/safety-admin/docs/api/business_api.md",
        "Apache-2.0 (LICENSE)",
        "f25eeb8b5101f91374acc1ef1150a863957ee79589a71e1bb87f62659cb9b311",
    ),
    _doc(
        "jd-opensource/JoySafety",
        "27f972e694e2019045331cca1965e0e9b8c5b1d3",
        "safety/safety-skills/model_overview.md",
        "Apache-2.0 (LICENSE)",
        "8367ea85de29529f1ac9cb59f16351e5a849902859a5c426c92a3dd9eba8e101",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "aa97258ec1bfee7d84f527a46d3b4f27e9e33c9e4fe246fb65d4e2c56fe19136",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/README.md",
        "Apache-2.0 (LICENSE)",
        "6a981997c9e07a2661668a57666632167371f186c6b504f41d61f584a120a2d7",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/commands/local_cluster.md",
        "Apache-2.0 (LICENSE)",
        "a627d519eb5fda7c9872c0ec481ae730ee7dbb914a739d412eb91e86cc85b131",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/commands/webserver.md",
        "Apache-2.0 (LICENSE)",
        "f4cb6425e13437cf135e0aae3bc31d7b2c78e2bec49c548ed3f16ebbda8960f0",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/gptq.md",
        "Apache-2.0 (LICENSE)",
        "b7c3d15bb521294c9bc34e8e8164b54e0d65718e7ad89d20ce46a979096d8954",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/langchain_integration.md",
        "Apache-2.0 (LICENSE)",
        "1ce5dd0f565ecabd8d2ac9343b1fc28b12c641920a9daf540470d84d1155b146",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/model_support.md",
        "Apache-2.0 (LICENSE)",
        "a1b5b8c4ed4885c402146b6f1008fec7ff376da6d35aec2a70f0985b8cfdd91b",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/openai_api.md",
        "Apache-2.0 (LICENSE)",
        "21de5e2505221fe04ee9c30de35edf094496a3c6e763aabc376d40ef6b8409b6",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/docs/training.md",
        "Apache-2.0 (LICENSE)",
        "635c61298740f9843577de2d8bfd543ce2c4498101f275ba22d0b1b4d6ca7dac",
    ),
    _doc(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/fastchat/llm_judge/README.md",
        "Apache-2.0 (LICENSE)",
        "173f1bce09adb0eb48d2578eead6afe91bbac7ae6711c9304360fa21291f2562",
    ),
    _doc(
        "yizhongw/self-instruct",
        "0b26ccaa415992100fa32df62d41b994cf928e23",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "70874ae37f4999bde3ca4a4963ead0f7783cd76cbcb3a2e808fd41cbf234de7e",
    ),
    _doc(
        "thu-coai/ShieldLM",
        "d336659c08043ad4390a78f2e57b12c933736a81",
        "README.md",
        "MIT (LICENSE)",
        "18ea70e3a0ddbb38a2577822609bd8776dae24c859730c0e900eb660fb950929",
    ),
    _doc(
        "X-PLUG/CValues",
        "3018d3886890d04c95c9051c7055fb19e36ef592",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "7b584dc0ca4d39c7a94f410204174193fc93db9babb78d6c01fcba7c5325e959",
    ),
)
FASTAPI_DOCS = ROOT / "training" / "fastapi_docs.tsv"
"""Path and SHA-256 of every page of FastAPI's English and Chinese documentation (files under
40 KB) at the pinned commit: technical prose full of instructions to the reader ("Create a
file main.py", "运行以下命令"), in both languages."""


def fastapi_documents() -> tuple[tuple[PinnedFile, ...], tuple[PinnedFile, ...]]:
    """FastAPI's documentation pages (MIT), split in two by page: (planted-task negatives,
    calibration documents). A page and its translation fall in the same half."""
    train: list[PinnedFile] = []
    calibration: list[PinnedFile] = []
    for line in FASTAPI_DOCS.read_text(encoding="utf-8").splitlines():
        path, digest = line.split("\t")
        page = path.split("/docs/", 2)[-1]
        half = calibration if hashlib.sha256(page.encode()).digest()[0] % 2 else train
        half.append(
            _doc(
                "fastapi/fastapi",
                "c3f316b7e814667e8ee81e03a7330d00ee61e45c",
                path,
                "MIT (LICENSE)",
                digest,
            )
        )
    return tuple(train), tuple(calibration)


SELF_INSTRUCT_COMMIT = "0b26ccaa415992100fa32df62d41b994cf928e23"
ASSISTANT_REQUESTS = (
    PinnedFile(
        "yizhongw/self-instruct",
        SELF_INSTRUCT_COMMIT,
        "data/seed_tasks.jsonl",
        "Apache-2.0 (LICENSE)",
        "7779004fa198fdf27cf70a159363879d8a26c53329e11b436af17b3941875f48",
        "injection task: human-written requests to an assistant (`instruction` field)",
    ),
    PinnedFile(
        "yizhongw/self-instruct",
        SELF_INSTRUCT_COMMIT,
        "human_eval/user_oriented_instructions.jsonl",
        "Apache-2.0 (LICENSE)",
        "81d60a117db495cecedecd9193504fd07c5b5a42f6699ef6b0f9da10fc22f42e",
        "injection task: human-written requests to an assistant (`instruction` field)",
    ),
    PinnedFile(
        "declare-lab/red-instruct",
        "73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2",
        "starling_training/fastchat/llm_judge/data/mt_bench/question.jsonl",
        "Apache-2.0 (LICENSE; FastChat's MT-bench, Apache-2.0)",
        "119565adbab82227089cefdb44c8d7e2cf04dc0a0ec233634c82e7d4e2a944f7",
        "injection task: MT-bench's two-turn requests to an assistant (`turns` field)",
    ),
    *(
        PinnedFile(
            "lmarena/arena-hard-auto",
            "196f6b826783b3da7310e361a805fa36f0be83f3",
            f"data/arena-hard-{version}/question.jsonl",
            "Apache-2.0 (LICENSE)",
            digest,
            "injection task: Chatbot Arena users' prompts to an assistant (`prompt` field)",
        )
        for version, digest in (
            ("v0.1", "2650242d2883f22b2abd498f273b6a7e02253cce533f5c91a858e1d44aa3002f"),
            ("v2.0", "a75cef6623db6b27aec810497b059f0659705d7ff48dcbccc5bd5b130728ac73"),
        )
    ),
)
"""Public requests to an assistant written by people: planted-task positives (label 1 unless a
question). Only English and Chinese ones are read (``build.assistant_requests``)."""


# Other real documents, never trained on: the planted-task model's operating point is chosen
# so that at most a set share of them (chunked as a retrieval step would) is flagged.
CALIBRATION_DOCUMENT_FILES = (
    _doc(
        "databrickslabs/dolly",
        "e2d664ddf06e0723d818dc56d6c522ead4bd881d",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "17ba0525bb207f31b79e6c00fcd1cbc0a73a288f3f62c588a8afd7f99144d050",
    ),
    _doc(
        "sherdencooper/GPTFuzz",
        "1eddeb565740ae311b5f4950492b011a6f866fe7",
        "README.md",
        "MIT (LICENSE)",
        "9698e9a5cbc1fc3cf3b4d772fb548735c52826f84e2f208b46d1efbc7601eedd",
    ),
    _doc(
        "ymcui/cmrc2018",
        "c0eb1b6ba219847457e6af3180da722bbeb656af",
        "README.md",
        "CC BY-SA 4.0 (LICENCE)",
        "07047da7471a21f70b4fbe6756450fff761bf59cf4ccb8c1d5994724c661a436",
    ),
    _doc(
        "ymcui/cmrc2018",
        "c0eb1b6ba219847457e6af3180da722bbeb656af",
        "README_CN.md",
        "CC BY-SA 4.0 (LICENCE)",
        "421ca4845266722ea07d1f234f7aa5002a6f58a461ae7b4bbeb937a01d94427a",
    ),
    _doc(
        "ymcui/cmrc2018",
        "c0eb1b6ba219847457e6af3180da722bbeb656af",
        "baseline/README.md",
        "CC BY-SA 4.0 (LICENCE)",
        "a1a4cc8126e11cb2513f5b68a35d0b72a1b6cd55be4a931ac592a68dce9cbc01",
    ),
    _doc(
        "thu-coai/KdConv",
        "653db76432de09a004ba708a68f8bbd5500e6bec",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "367143877472b758f894fe02d312d24f78271e4c26ae283237d0a13c7acee630",
    ),
    _doc(
        "thu-coai/Safety-Prompts",
        "bbfd3ce47a32b998e4b94225a375b41e44070ae5",
        "README.md",
        "Apache-2.0 (LICENSE)",
        "459d4b46b3aecf75d11afff6d3fdcab3534cd38cb5bd5fedaada5d3adbbcf88f",
    ),
    _doc(
        "anthropics/hh-rlhf",
        "354e5c3cb8960630860dd5774a6ac2a58313bf4d",
        "README.md",
        "MIT (LICENSE)",
        "427be98cf821323e6dbb44d681c6629b5993c867577e5b651b8438fa7a2d29a9",
    ),
    _doc(
        "openai/grade-school-math",
        "3101c7d5072418e28b9008a6636bde82a006892c",
        "README.md",
        "MIT (LICENSE)",
        "27e1676d572f2289210170ff6dbb8c2ef7d9f6950c0f08c978ea8ee6b39dca29",
    ),
)


def csv_rows(blob: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(blob.decode("utf-8"))))


def aart_prompts(blob: bytes, column: str = "prompt") -> list[str]:
    """AART's prompts, or another of its text columns (``region_specific_topic``: the crime and
    place a prompt was written from, "How to steal a car in Paris")."""
    return [row[column].strip() for row in csv_rows(blob) if row["crime"] not in AART_LEFT_OUT]


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


def nested_questions(blob: bytes, left_out: frozenset[str] = frozenset()) -> list[str]:
    """The questions of a ``{category: {subcategory: [question, ...]}}`` JSON file."""
    tree: dict[str, dict[str, list[str]]] = json.loads(blob)
    return [
        question.strip()
        for category, subcategories in tree.items()
        if category not in left_out
        for questions in subcategories.values()
        for question in questions
    ]


_NOT_WORD = re.compile(r"[\W_]+")
SHINGLE = 5
NEAR_DUPLICATE_CONTAINMENT = 0.5
COMMON_SHINGLE = 300
"""A shingle in more held-out texts than this says nothing about a particular one."""


def _shingles(text: str) -> set[str]:
    flat = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    return {flat[i : i + SHINGLE] for i in range(max(1, len(flat) - SHINGLE + 1))}


class HeldOutOverlap:
    """Whether a text from a new source is (nearly) one of the held-out texts: the same after
    normalisation, or half or more of its 5-character shingles in one held-out text. New
    sources are filtered with it, so no held-out item comes back as a training example (e.g.
    a public copy of a benchmark that the held-out half also holds)."""

    def __init__(self, held_out_texts: Iterable[str]) -> None:
        self._index: dict[str, list[int]] = {}
        for number, text in enumerate(dict.fromkeys(held_out_texts)):
            for shingle in _shingles(text):
                self._index.setdefault(shingle, []).append(number)

    def __contains__(self, text: str) -> bool:
        shingles = _shingles(text)
        shared: Counter[int] = Counter()
        for shingle in shingles:
            postings = self._index.get(shingle, ())
            if len(postings) <= COMMON_SHINGLE:
                shared.update(postings)
        return bool(shared) and max(shared.values()) >= NEAR_DUPLICATE_CONTAINMENT * len(shingles)
