"""Generates the mixed English/Chinese JSONL corpus the scan benchmark reads.

    .bench-venv-scan/bin/python bench/scan_corpus.py --out /work/scan-data/corpus.jsonl --mb 1024

(``.bench-venv-scan``: a venv with ``faker``).

Records are composed from pools made once: Faker (MIT) ``en_US`` and ``zh_CN`` sentences,
paragraphs and personal data (names, e-mails, phones, addresses, national ids, cards, IPs), and
public text: the human and machine texts of ``../shared/bench/aigc_detect_en.jsonl`` (MIT,
Fast-DetectGPT's XSum/SQuAD/WritingPrompts pairs). Half the records are English, half Chinese;
about 30 % carry personal data; one line in 100,000 is malformed JSON. Seeded: the same
arguments give the same file. Nothing from the corpus is in the repository.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import types
from pathlib import Path

import faker.providers.ssn.zh_CN as zh_cn_ssn
from faker import Faker

BENCH_DATA = next(
    p / "shared" / "bench" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()
)
POOL = 4000
SEED = 20261129
REFERENCE_DATE = datetime.date(2026, 11, 29)
"""Faker's zh_CN ``ssn`` counts birth dates back from today; pinned to the day the published
corpus was made, so the same arguments give the same file on any day."""


class _PinnedDate(datetime.date):
    @classmethod
    def today(cls) -> datetime.date:
        return REFERENCE_DATE


zh_cn_ssn.datetime = types.SimpleNamespace(date=_PinnedDate, timedelta=datetime.timedelta)  # type: ignore[attr-defined]


def pools(seed: int) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for lang, locale in (("en", "en_US"), ("zh", "zh_CN")):
        fake = Faker(locale)
        fake.seed_instance(seed)
        out[lang] = {
            "sentence": [fake.sentence(nb_words=14) for _ in range(POOL)],
            "paragraph": [fake.paragraph(nb_sentences=5) for _ in range(POOL)],
            "name": [fake.name() for _ in range(POOL)],
            "email": [fake.email() for _ in range(POOL)],
            "phone": [fake.phone_number() for _ in range(POOL)],
            "address": [fake.address().replace("\n", " ") for _ in range(POOL)],
            "id": [fake.ssn() for _ in range(POOL)],
            "card": [fake.credit_card_number() for _ in range(POOL)],
            "ip": [fake.ipv4_public() for _ in range(POOL)],
        }
    public = []
    with (BENCH_DATA / "aigc_detect_en.jsonl").open(encoding="utf-8") as file:
        public = [json.loads(line)["text"] for line in file]
    out["en"]["public"] = public
    return out


TEMPLATES = {
    "en": [
        "Please contact {name} at {email} or {phone}.",
        "{name} lives at {address}.",
        "Customer {name}, SSN {id}, paid with card {card}.",
        "The login came from {ip} for account {email}.",
    ],
    "zh": [
        "请联系{name}，电话{phone}，邮箱{email}。",
        "{name}的住址是{address}。",
        "客户{name}，身份证号{id}，银行卡{card}。",
        "登录地址{ip}，账号{email}。",
    ],
}


def record(index: int, rng: random.Random, pool: dict[str, dict[str, list[str]]]) -> str:
    lang = "en" if index % 2 == 0 else "zh"
    p = pool[lang]
    parts = []
    if lang == "en" and rng.random() < 0.5:
        parts.append(rng.choice(p["public"]))
    else:
        parts += [rng.choice(p["paragraph"]) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        template = rng.choice(TEMPLATES[lang])
        values = {
            key: rng.choice(p[key])
            for key in ("name", "email", "phone", "address", "id", "card", "ip")
        }
        parts.insert(rng.randrange(len(parts) + 1), template.format(**values))
    joiner = " " if lang == "en" else ""
    line = json.dumps(
        {"id": f"r{index}", "lang": lang, "text": joiner.join(parts)}, ensure_ascii=False
    )
    if index % 100_000 == 99_999:
        line = line[: len(line) // 2]
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--mb", type=float, required=True, help="size of the file in MB")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = pools(args.seed)
    target = int(args.mb * 1_000_000)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written, index = 0, 0
    with args.out.open("w", encoding="utf-8") as out:
        while written < target:
            lines = [record(index + i, rng, pool) for i in range(10_000)]
            index += len(lines)
            data = "\n".join(lines) + "\n"
            out.write(data)
            written += len(data.encode("utf-8"))
    print(f"{args.out}: {index} records, {written / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
