"""A synthetic personal-data set that follows the annotation guideline of docs/guards.md.

The public sources label addresses their own way (CLUENER: every place name; presidio-research:
street, postcode and building number as separate spans), so street-address and per-type scores
are also measured here, on sentences written from templates with values made by ``Faker``
(``en_US`` and ``zh_CN``, fixed seed): names, full street addresses (English: Faker's street
address, city, state and ZIP; Chinese: province, city, district, road, number and, half of the
time, compound, building, unit and room; a third of them as a road and number alone, a village
group and house number, or a 号院 chain), e-mails, phone numbers, ID numbers (SSN; mainland
resident ID with its check digit), cards, IBANs, IPv4 addresses and Chinese plates. It is
generated at run time, never stored. Honest caveat: the English street-suffix list and the
Chinese compound patterns were completed while looking at misses on a development sample of
this generator (``DEVELOPMENT_SEEDS``); the benchmark reports another sample (``SEED``) of the
same generator, so the scores measure coverage of these formats, not of addresses in the wild
(the source-labelled scores do that, with their own label conventions).

Needs ``faker`` (in the bench venv).
"""

from __future__ import annotations

import random
from typing import Any

DEVELOPMENT_SEEDS = (20261129, 7)
"""Samples the address, phone and card patterns were checked against while they were written."""
SEED = 11
"""The sample the benchmark reports: the same generator, a sample never looked at."""
RECORDS_PER_LANGUAGE = 600

EN_TEMPLATES = {
    "PERSON": (
        "My name is {v} and I need help with my order.",
        "Please forward this to {v} before noon.",
        "{v} called about the invoice yesterday.",
        "Dear {v}, thank you for your letter.",
    ),
    "ADDRESS": (
        "Please ship the parcel to {v}.",
        "Our new office is at {v}, second floor.",
        "I moved to {v} last month.",
        "Return address: {v}",
    ),
    "EMAIL": ("You can reach me at {v} anytime.", "Send the contract to {v}, thanks."),
    "PHONE": ("Call me on {v} after six.", "My phone number is {v}."),
    "ID_NUMBER": ("My SSN is {v}, please keep it private.",),
    "CREDIT_CARD": ("Charge it to my card {v}.",),
    "IBAN": ("Wire the deposit to {v} by Friday.",),
    "IP": ("The server at {v} keeps timing out.",),
}
ZH_TEMPLATES = {
    "PERSON": (
        "我叫{v}，想咨询一下订单。",
        "请把这份文件交给{v}。",
        "昨天{v}打电话来问发票的事。",
        "{v}您好，感谢您的来信。",
    ),
    "ADDRESS": (
        "请把包裹寄到{v}。",
        "我们的新办公室在{v}，二楼。",
        "我上个月搬到了{v}。",
        "收货地址：{v}",
    ),
    "EMAIL": ("有事请发邮件到{v}。",),
    "PHONE": ("我的手机号是{v}，下午六点后联系。", "联系电话：{v}"),
    "ID_NUMBER": ("我的身份证号是{v}，请保密。",),
    "CREDIT_CARD": ("请从银行卡{v}扣款。",),
    "IP": ("服务器{v}一直连不上。",),
    "LICENSE_PLATE": ("我的车牌是{v}，停在B2层。",),
}


def _zh_address(fake: Any, rng: random.Random, form: random.Random) -> str:
    """Province to road and number, and half of the time a compound, building, unit and room;
    a third of them written the way people often do (``form``, its own random stream, so the
    other records stay as they were): the road and number alone (中关村大街27号), a village
    group and house number, or a 号院 chain."""
    region = f"{fake.province()}{fake.city()}{fake.district()}区"
    street, number = fake.street_name(), rng.randint(1, 999)
    address = f"{region}{street}{number}号"
    if rng.random() < 0.5:
        estate = fake.last_name() + rng.choice(("家园", "花园", "小区", "公寓"))
        address += (
            f"{estate}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2802)}室"
        )
    kind = form.randrange(9)
    if kind == 0:
        return f"{street}{number}号"
    if kind == 1:
        return f"{region}{form.choice('王李张刘陈杨黄赵')}庄村{form.randint(1, 12)}组{number}号"
    if kind == 2:
        unit = f"{form.randint(1, 20)}号楼{form.randint(1, 6)}单元{form.randint(101, 2802)}室"
        return f"{street}{number}号院{unit}"
    return address


def _value(fake: Any, lang: str, kind: str, rng: random.Random, form: random.Random) -> str:
    if kind == "PERSON":
        return str(fake.name())
    if kind == "ADDRESS":
        return _zh_address(fake, rng, form) if lang == "zh" else str(fake.address())
    return str(
        {
            "EMAIL": fake.email,
            "PHONE": fake.phone_number,
            "ID_NUMBER": fake.ssn,
            "CREDIT_CARD": fake.credit_card_number,
            "IBAN": getattr(fake, "iban", fake.ssn),
            "IP": fake.ipv4_public,
            "LICENSE_PLATE": getattr(fake, "license_plate", fake.ssn),
        }[kind]()
    )


def synthetic_records(lang: str) -> list[dict[str, Any]]:
    from faker import Faker

    fake = Faker("zh_CN" if lang == "zh" else "en_US")
    fake.seed_instance(SEED)
    rng = random.Random(f"{SEED}:{lang}")
    form = random.Random(f"{SEED}:{lang}:address form")
    templates = ZH_TEMPLATES if lang == "zh" else EN_TEMPLATES
    kinds = sorted(templates)
    records = []
    for index in range(RECORDS_PER_LANGUAGE):
        kind = kinds[index % len(kinds)]
        value = _value(fake, lang, kind, rng, form)
        before, _, after = rng.choice(templates[kind]).partition("{v}")
        text = before + value + after
        span = {"type": kind, "start": len(before), "end": len(before) + len(value)}
        records.append(
            {"text": text, "spans": [span], "annotated_types": kinds, "source": "synthetic:faker"}
        )
    return records
