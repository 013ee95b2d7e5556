"""Person names in English and Chinese: a small perceptron tagger per language.

English works on word tokens and starts a name only at a capitalised word; Chinese works on
characters and starts a name only at a surname (``data/zh_surnames.txt``), with a word list
derived from jieba's dictionary (``data/zh_lexicon.txt.gz``: known person names, and common
words that a name does not cross). The feature functions here are the ones
``bench/guards.py train`` trains with, so training and serving cannot drift.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Collection, Mapping, Sequence
from functools import cache, lru_cache

from .features import GreedyTagger, data_path, probability
from .model import Finding
from .prefilter import gated, possible

CJK_RUN = "[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+"
EN_WORD = "[^\\W\\d_\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+"


def _en_token(word: str, others: str) -> re.Pattern[str]:
    return re.compile(rf"[A-Z]\.(?=[ \t]+[A-Z])|{word}(?:['’](?!s\b){word})*{others}|\d+|[^\w\s]")


EN_TOKEN = _en_token(EN_WORD, f"|{CJK_RUN}")
"""Words (an initial keeps its dot, "John F. Kennedy"; a possessive "'s" is a token of its own,
outside the name; a run of Chinese, Japanese or Korean characters is one token, never part of
an English word), numbers and single symbols."""
EN_TOKEN_ASCII = _en_token("[A-Za-z]+", "")
"""The same tokens of an ASCII text (a word's letters are then ``[A-Za-z]``, and there is no
Chinese, Japanese or Korean), found faster."""
LATIN_TEXT = re.compile(r"[A-Z\u00c0-\u00de@]|[a-z]{3}")
"""Text the English tagger reads: a capital, a handle, or a lower-case word ("obama is so
cool" has names too); text without Latin words (most Chinese) skips it."""
SENTENCE_END = frozenset(".!?:;\"'“”()[]@#-—")
ZH_MODEL = "names_zh.json.gz"
EN_MODEL = "names_en.json.gz"
ZH_LEXICON = "zh_lexicon.txt.gz"
EN_NAME_LIST = "en_person_names.txt.gz"
EN_NOT_NAMES = "en_not_names.txt"
ZH_NAME_CHARS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·]*")
"""A tagged span is cut at the first character that cannot be part of a Chinese name."""
ZH_NAME_MAX_CHARS = 4
"""A Chinese name found from a surname: surname + one or two given-name characters, or a
two-character surname + two; longer runs are tagger errors (transliterated names with ``·``
are allowed to be longer)."""
ZH_FOREIGN_NAME_MAX_CHARS = 7
"""A name written wholly in transliteration characters may be longer (克林斯曼, 沙波什尼科夫)."""
ZH_NAME_STOPPERS = frozenset(
    "的了是在和与及或就都也还又被把给对从向到往说道问去来要会能将曾已并而但却则等着过吗呢吧啊"
)
"""Function characters that end a name the tagger ran past ("张伟去…" is 张伟 + 去)."""
ZH_TRANSLITERATION = (
    "阿埃艾爱安昂奥巴拜班邦保鲍贝本比彼边宾波伯博布查差达代戴丹道德登蒂迪丁东杜多厄恩尔法凡菲费芬丰"
    "夫弗福富盖甘冈戈哥格根古圭哈海汉罕豪赫亨洪胡怀惠霍基吉季加贾杰金卡凯坎康考柯科可克肯孔库夸奎昆"
    "拉莱赖兰朗劳勒雷蕾里利莉丽连列林琳琼卢鲁路伦罗洛吕马玛迈麦曼芒梅门蒙米密敏莫默姆穆纳娜奈南瑙内"
    "尼宁纽努诺欧帕派潘庞佩彭皮珀普齐奇恰乔切钦琴丘让茹瑞若萨塞桑瑟森沙莎尚舍申施什史舒斯松苏索塔泰"
    "坦汤唐陶特滕提廷通图托瓦旺威韦维温翁沃乌伍西希锡谢辛休雅亚扬耶伊尤约泽扎詹朱兹佐葛汗"
)
"""Characters of the standard transliteration of foreign names (英汉译音表 and its kin)."""
ZH_DOTTED_NAME = re.compile(
    f"[{ZH_TRANSLITERATION}]{{1,6}}(?:[·•・][{ZH_TRANSLITERATION}]{{1,8}}){{1,2}}"
)
ZH_DOTS = frozenset("·•・")
"""A foreign name written with the interpunct (艾伯特·基特森, 保罗•盖蒂): the given and family
name are joined by a dot only in a person's name."""
ZH_VERB_SURNAMES = frozenset("任曾向于从和与将为由以时")
ZH_NAME_CUES = frozenset("和与及、叫是给让请找问跟同被把替帮陪")
"""A surname that is also a verb or preposition (任, 曾, 向…) opens a predicate ("2009年至今任
浙江…", "，曾任…", "，向与会…"), not a name, unless the name is a known one or follows a word
that lists, introduces or takes a person ("和曾…", "叫任…", "交给曾建国", "让于海…")."""
ZH_HONORIFIC = re.compile("先生|女士|小姐|太太|夫人|老师|教授|同志|博士|某|氏|老|大爷|大娘|大妈")
"""Titles and forms of address after a surname (周先生, 王某, 杜氏, 侯老): outside the span,
the surname alone is the name (the annotation guideline in docs/guards.md: "周先生" is 周)."""
ZH_NOT_NAME_NEXT = re.compile(
    "银行|集团|股份|药业|公司|湖|队|竞技|岛|镇|村|县|市(?!长)|省|纪念馆|大学|医院"
)
"""Words that make the characters before them an organisation or a place (韩亚银行, 维冈队,
林芝县; 市长 is a title, not a city): a tagged name right before one is not a person's."""
ZH_CUED = re.compile(
    r"(?:^|(?<=[\n，。；、（(]))([\u4e00-\u9fff]{2,3})(?=[：:]|[，（](?:男|女)|您好)"
    r"|(?:姓名|联系人|收件人|收货人|负责人|我叫)[：:]?[ \t]?"
    r"([\u4e00-\u9fff]{2,3})(?=[，。；、\s（(]|$)"
    r"|(?:记者|主持人|驾驶员|司机|所长|主任|经理|教练|导演|作者|编辑|律师|医生|民警|局长|书记|总裁"
    r"|董事长|总经理|发言人)([\u4e00-\u9fff]{2,3}?)"
    r"(?=[，。：:、）)（(摄等]|表示|说|称|报道|介绍|告诉|指出|认为)",
    re.MULTILINE,
)
"""Two or three characters that open a line or clause and are followed by a speaker's colon,
a résumé's sex or a greeting ("于有斌：非常感谢…", "孔祥征：男，历任…", "阎前，男，", "阎秀云您好"),
that follow a form label or a self-introduction ("收件人：王芳，", "我叫李明。"), or that follow a
role and come before a reporting verb or a bracket ("记者郑明才）", "所长倪寿宏说", "主持人韦伟："):
a name when they start with a surname, whatever the tagger says."""


def word_list(name: str) -> tuple[str, ...]:
    """The entries of a shipped one-per-line list in file order (``#`` starts a comment)."""
    lines = data_path(name).read_text(encoding="utf-8").splitlines()
    return tuple(
        dict.fromkeys(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    )


def _rank_bucket(rank: int | None) -> str:
    if rank is None:
        return "none"
    return "top20" if rank < 20 else "top100" if rank < 100 else "top250" if rank < 250 else "rare"


def zh_lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(known person names, common words, place and organisation names) from the shipped list
    (``word<TAB>N|W|P`` lines)."""
    with data_path(ZH_LEXICON).open("rb") as handle:
        lines = gzip.decompress(handle.read()).decode("utf-8").splitlines()
    entries = [line.split("\t") for line in lines if "\t" in line]
    return (
        frozenset(word for word, kind in entries if kind == "N"),
        frozenset(word for word, kind in entries if kind == "W"),
        frozenset(word for word, kind in entries if kind == "P"),
    )


@cache
def en_name_kinds() -> dict[str, str]:
    """Given (F) and family (L) names, lower-cased, from the shipped list (``name<TAB>F|L|FL``)."""
    with data_path(EN_NAME_LIST).open("rb") as handle:
        lines = gzip.decompress(handle.read()).decode("utf-8").splitlines()
    return dict(line.split("\t") for line in lines if "\t" in line and not line.startswith("#"))


def given_name_affinity(names: frozenset[str], words: frozenset[str]) -> dict[str, str]:
    """Per character, how much likelier it is inside a given name than inside a common word,
    as a coarse bucket (log2 ratio, -3..3): a feature that generalises to unseen names."""
    in_names: dict[str, int] = {}
    in_words: dict[str, int] = {}
    for name in names:
        if len(name) == 3 and name[0] in SINGLE_SURNAMES:
            for char in name[1:]:
                in_names[char] = in_names.get(char, 0) + 1
    for word in words:
        for char in word:
            in_words[char] = in_words.get(char, 0) + 1
    return {
        char: str(max(-3, min(3, round(math.log2((in_names.get(char, 0) + 1) / (count + 1))))))
        for char, count in {**in_words, **in_names}.items()
    }


SINGLE_SURNAME_ORDER = tuple(name for name in word_list("zh_surnames.txt") if len(name) == 1)
"""Single-character surnames, most common first (the list is ordered by census rank)."""
SINGLE_SURNAMES = frozenset(SINGLE_SURNAME_ORDER)
DOUBLE_SURNAMES = frozenset(name for name in word_list("zh_surnames.txt") if len(name) == 2)
SURNAME_RANK = {name: _rank_bucket(rank) for rank, name in enumerate(SINGLE_SURNAME_ORDER)}
NOT_NAMES_EN = frozenset(word_list(EN_NOT_NAMES))
KNOWN_NAMES, COMMON_WORDS, PLACES = zh_lexicon()
PLACE_LENGTHS: dict[str, tuple[int, ...]] = {}
"""Per first character, the lengths of the known places that start with it, longest first."""
for _place in PLACES:
    PLACE_LENGTHS[_place[0]] = (*PLACE_LENGTHS.get(_place[0], ()), len(_place))
PLACE_LENGTHS = {char: tuple(sorted(set(n), reverse=True)) for char, n in PLACE_LENGTHS.items()}
GIVEN_AFFINITY = given_name_affinity(KNOWN_NAMES, COMMON_WORDS)
TRANSLITERATION_CHARS = frozenset(ZH_TRANSLITERATION)
ZH_START = re.compile(
    "[" + "".join(sorted(SINGLE_SURNAMES)) + "]"
    f"|(?<![{ZH_TRANSLITERATION}])[{ZH_TRANSLITERATION}](?=[{ZH_TRANSLITERATION}])"
)
"""A surname, or the first of two transliteration characters (克林顿, 温格): foreign names need
not start at a Chinese surname."""


def _shape(token: str) -> str:
    if token.isdigit():
        return "d"
    if token.isupper():
        return "X" if len(token) > 1 else "X1"
    if token[:1].isupper():
        return "Xx" if token[1:].islower() else "XxX"
    if token.islower():
        return "x"
    return "o"


def en_features(
    tokens: Sequence[str], index: int, previous: str, kinds: Mapping[str, str] | None = None
) -> list[str]:
    """The English tagger's features; ``kinds``: the name list to read (training passes an
    empty one for a share of its sentences, so that names the list lacks are still learnt)."""
    token = tokens[index]
    lower = token.lower()
    before = tokens[index - 1] if index > 0 else "<s>"
    after = tokens[index + 1] if index + 1 < len(tokens) else "</s>"
    before_lower, after_lower = before.lower(), after.lower()
    shape, after_shape = _shape(token), _shape(after)
    kinds = en_name_kinds() if kinds is None else kinds
    kind = kinds.get(lower, "-")
    return [
        "gz=" + kind,
        "gzs=" + kind + shape,
        "gz-1=" + kinds.get(before_lower, "-"),
        "gz+1=" + kinds.get(after_lower, "-") + after_shape,
        "bias",
        "w=" + lower,
        "s=" + shape,
        "suf=" + lower[-3:],
        "pre=" + lower[:3],
        "len=" + str(min(len(token), 8)),
        "w-1=" + before_lower,
        "w+1=" + after_lower,
        "s-1=" + _shape(before),
        "s+1=" + after_shape,
        "t-1=" + previous,
        "t-1s=" + previous + shape,
        "first=" + str(index == 0 or before in SENTENCE_END) + shape,
        "w-1s=" + before_lower + "|" + shape,
        "suf2=" + lower[-2:],
        "ascii=" + str(token.isascii()) + shape,
        "t-1gz=" + previous + kind,
        "w-2=" + (tokens[index - 2].lower() if index > 1 else "<s>"),
        "w+2=" + (tokens[index + 2].lower() if index + 2 < len(tokens) else "</s>"),
    ]


def _place_here(chars: Sequence[str], index: int) -> int:
    """Length of the longest known place or organisation name starting at ``index`` (0: none)."""
    if index < 0 or index >= len(chars):
        return 0
    for length in PLACE_LENGTHS.get(chars[index], ()):
        if index + length <= len(chars) and "".join(chars[index : index + length]) in PLACES:
            return length
    return 0


def _transliterated_run(chars: Sequence[str], index: int) -> str:
    """How many transliteration characters follow from ``index`` (0–4, 4 meaning more)."""
    run = 0
    while run < 4 and index + run < len(chars) and chars[index + run] in TRANSLITERATION_CHARS:
        run += 1
    return str(run)


def zh_features(chars: Sequence[str], index: int, previous: str) -> list[str]:
    char = chars[index]
    before = chars[index - 1] if index > 0 else "^"
    before2 = chars[index - 2] if index > 1 else "^"
    after = chars[index + 1] if index + 1 < len(chars) else "$"
    after2 = chars[index + 2] if index + 2 < len(chars) else "$"
    after3 = chars[index + 3] if index + 3 < len(chars) else "$"
    two, three = char + after, char + after + after2
    return [
        "bias",
        "c=" + char,
        "c-1=" + before,
        "c+1=" + after,
        "c-2=" + before2,
        "c+2=" + after2,
        "c-1c=" + before + char,
        "cc+1=" + char + after,
        "c+1c+2=" + after + after2,
        "c-2c-1=" + before2 + before,
        "sur=" + SURNAME_RANK.get(char, "none"),
        "sur-1=" + str(before in SINGLE_SURNAMES),
        "dsur=" + str(char + after in DOUBLE_SURNAMES),
        "t-1=" + previous,
        "t-1c=" + previous + char,
        "nr2=" + str(two in KNOWN_NAMES),
        "nr3=" + str(three in KNOWN_NAMES),
        "nr4=" + str(three + after3 in KNOWN_NAMES),
        "cw2=" + str(two in COMMON_WORDS),
        "cw3=" + str(three in COMMON_WORDS),
        "cw-1=" + previous[:1] + str(before + char in COMMON_WORDS),
        "g0=" + GIVEN_AFFINITY.get(char, "x"),
        "g+1=" + GIVEN_AFFINITY.get(after, "x"),
        "g+2=" + GIVEN_AFFINITY.get(after2, "x"),
        "g+1+2=" + GIVEN_AFFINITY.get(after, "x") + GIVEN_AFFINITY.get(after2, "x"),
        "tr=" + _transliterated_run(chars, index),
        "tr-1=" + str(before in TRANSLITERATION_CHARS),
        "pl=" + str(_place_here(chars, index)),
        "pl-1=" + str(min(2, _place_here(chars, index - 1))) if index else "pl-1=^",
    ]


def en_tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    matches = list(EN_TOKEN.finditer(text))
    return [match.group() for match in matches], [match.span() for match in matches]


def en_starts(tokens: Sequence[str]) -> list[int]:
    """Where an English name may start: a capitalised word, a Latin handle after ``@``, or a
    lower-case word that is a known given or family name ("Do you know where mark is?")."""
    known = en_name_kinds()
    return [
        i
        for i, (previous, token) in enumerate(zip(["", *tokens], tokens, strict=False))
        if token[0].isupper()
        or (token in known and len(token) > 2 and token.islower())
        or (previous == "@" and token[0].isascii() and token[0].isalnum())
    ]


UNITS_REMEMBERED = 1 << 11
"""Words (English) or characters (Chinese) whose share of a tagger's lead is remembered, per
role (the most recent ones): at most ~4 MB; 4 times as many saved 4 % of the time on 9,500
bench and scan texts."""


class TaggerLead:
    """Which candidate starts a name tagger could tag at all. Per start, how far ``B-PERSON``
    can at most score above ``O``: :meth:`GreedyTagger.lead` summed over the features the
    tagger's feature function gives the start, each unit's share remembered per word or
    character. A start below zero by more than the sums' rounding error cannot become
    ``B-PERSON``, so the tagger need not build and score its features: the same spans, less
    work. The feature strings are those of :func:`en_features` and :func:`zh_features`,
    grouped by the units they read (``tests/test_guards_names_lead.py`` checks the estimates
    against them at every position)."""

    def __init__(self, tagger: GreedyTagger, features_per_unit: int) -> None:
        self._lead = tagger.lead.get
        # far above the rounding error of sums of this many weights (~1e-16 of their size)
        self.slack = 1e-9 * features_per_unit * 2 * tagger.largest

    def estimates(self, units: Sequence[str], starts: Sequence[int]) -> list[float]:
        """At least ``max(B-…) - O`` at each start (up to rounding)."""
        raise NotImplementedError

    def possible(self, units: Sequence[str], starts: Sequence[int]) -> list[int]:
        """The starts the tagger may tag ``B-PERSON`` (it tags none of the others)."""
        floor = -self.slack
        return [
            index
            for index, estimate in zip(starts, self.estimates(units, starts), strict=True)
            if estimate > floor
        ]

    def _share(self, features: list[str]) -> float:
        return sum(self._lead(feature, 0.0) for feature in features)


class EnglishLead(TaggerLead):
    """:class:`TaggerLead` of the English tagger: shares per word, by the token each feature of
    :func:`en_features` reads."""

    def __init__(self, tagger: GreedyTagger) -> None:
        super().__init__(tagger, len(en_features(["a"], 0, "O")))
        remembered = lru_cache(UNITS_REMEMBERED)
        self._own = remembered(self._own_share)
        self._before = remembered(self._before_share)
        self._after = remembered(self._after_share)
        self._before2 = remembered(lambda token: self._share(["w-2=" + token.lower()]))
        self._after2 = remembered(lambda token: self._share(["w+2=" + token.lower()]))

    def _own_share(self, token: str) -> tuple[float, float, float, str]:
        """The start's own features after ``O``; ``first`` inside and opening a sentence; its
        shape."""
        lower, shape = token.lower(), _shape(token)
        kind = en_name_kinds().get(lower, "-")
        own = [
            *("gz=" + kind, "gzs=" + kind + shape, "bias", "w=" + lower, "s=" + shape),
            *("suf=" + lower[-3:], "pre=" + lower[:3], "len=" + str(min(len(token), 8))),
            *("t-1=O", "t-1s=O" + shape, "suf2=" + lower[-2:]),
            *("ascii=" + str(token.isascii()) + shape, "t-1gz=O" + kind),
        ]
        inside, opening = self._share(["first=False" + shape]), self._share(["first=True" + shape])
        return self._share(own), inside, opening, shape

    def _before_share(self, token: str) -> tuple[float, str]:
        """The features reading the token before the start; the start of its ``w-1s``."""
        lower = token.lower()
        kind = en_name_kinds().get(lower, "-")
        return self._share(["gz-1=" + kind, "w-1=" + lower, "s-1=" + _shape(token)]), (
            "w-1s=" + lower + "|"
        )

    def _after_share(self, token: str) -> float:
        lower, shape = token.lower(), _shape(token)
        kind = en_name_kinds().get(lower, "-")
        return self._share(["gz+1=" + kind + shape, "w+1=" + lower, "s+1=" + shape])

    def estimates(self, tokens: Sequence[str], starts: Sequence[int]) -> list[float]:
        own, before, after = self._own, self._before, self._after
        before2, after2, lead = self._before2, self._after2, self._lead
        last, found = len(tokens) - 1, []
        for index in starts:
            previous = tokens[index - 1] if index else "<s>"
            own_share, inside, opening, shape = own(tokens[index])
            before_share, pair = before(previous)
            found.append(
                own_share
                + (opening if index == 0 or previous in SENTENCE_END else inside)
                + before_share
                + lead(pair + shape, 0.0)
                + after(tokens[index + 1] if index < last else "</s>")
                + before2(tokens[index - 2] if index > 1 else "<s>")
                + after2(tokens[index + 2] if index + 1 < last else "</s>")
            )
        return found


class ChineseLead(TaggerLead):
    """:class:`TaggerLead` of the Chinese tagger: shares per character, by the position each
    feature of :func:`zh_features` reads, and per answer of its word-list questions. The
    features that look further (a known place here or just before, a run of transliteration
    characters) count at their most at first, and are worked out for the starts still left."""

    def __init__(self, tagger: GreedyTagger) -> None:
        super().__init__(tagger, len(zh_features("ab", 0, "O")))
        remembered = lru_cache(UNITS_REMEMBERED)
        self._own = remembered(self._own_share)
        self._before = remembered(self._before_share)
        self._after = remembered(self._after_share)
        self._before2 = remembered(lambda char: self._share(["c-2=" + char]))
        self._after2 = remembered(self._after2_share)
        share = self._share
        self._answers = [
            (share([template + "False"]), share([template + "True"]))
            for template in ("dsur=", "nr2=", "nr3=", "nr4=", "cw2=", "cw3=", "cw-1=O")
        ]
        longest = max(map(len, PLACES), default=0)
        self._places = [share([f"pl={n}"]) for n in range(longest + 1)]
        self._places_before = {n: share([f"pl-1={n}"]) for n in ("0", "1", "2", "^")}
        self._runs = {str(n): share([f"tr={n}"]) for n in range(5)}
        self._further = (
            max(self._places) + max(self._places_before.values()) + max(self._runs.values())
        )

    def _own_share(self, char: str) -> float:
        """The start's own features after ``O``."""
        rank, affinity = SURNAME_RANK.get(char, "none"), GIVEN_AFFINITY.get(char, "x")
        return self._share(
            ["bias", "c=" + char, "sur=" + rank, "t-1=O", "t-1c=O" + char, "g0=" + affinity]
        )

    def _before_share(self, char: str) -> float:
        surname, foreign = str(char in SINGLE_SURNAMES), str(char in TRANSLITERATION_CHARS)
        return self._share(["c-1=" + char, "sur-1=" + surname, "tr-1=" + foreign])

    def _after_share(self, char: str) -> tuple[float, str]:
        affinity = GIVEN_AFFINITY.get(char, "x")
        return self._share(["c+1=" + char, "g+1=" + affinity]), affinity

    def _after2_share(self, char: str) -> tuple[float, str]:
        affinity = GIVEN_AFFINITY.get(char, "x")
        return self._share(["c+2=" + char, "g+2=" + affinity]), affinity

    def _near(self, text: Sequence[str], starts: Sequence[int]) -> list[float]:
        """The estimates without the features that look further."""
        own, before_share, after_share = self._own, self._before, self._after
        before2_share, after2_share, lead = self._before2, self._after2, self._lead
        surnames, named, words = DOUBLE_SURNAMES, KNOWN_NAMES, COMMON_WORDS
        size, found = len(text), []
        dsur, nr2, nr3, nr4, cw2, cw3, cw_1 = self._answers
        for index in starts:
            char = text[index]
            before = text[index - 1] if index > 0 else "^"
            before2 = text[index - 2] if index > 1 else "^"
            after = text[index + 1] if index + 1 < size else "$"
            after2 = text[index + 2] if index + 2 < size else "$"
            after3 = text[index + 3] if index + 3 < size else "$"
            two = char + after
            three = two + after2
            after_part, affinity = after_share(after)
            after2_part, affinity2 = after2_share(after2)
            found.append(
                own(char)
                + before_share(before)
                + after_part
                + before2_share(before2)
                + after2_part
                + lead("c-1c=" + before + char, 0.0)
                + lead("cc+1=" + two, 0.0)
                + lead("c+1c+2=" + after + after2, 0.0)
                + lead("c-2c-1=" + before2 + before, 0.0)
                + lead("g+1+2=" + affinity + affinity2, 0.0)
                + dsur[two in surnames]
                + nr2[two in named]
                + nr3[three in named]
                + nr4[three + after3 in named]
                + cw2[two in words]
                + cw3[three in words]
                + cw_1[before + char in words]
            )
        return found

    def _far(self, text: Sequence[str], index: int) -> float:
        """The shares of the features that look further."""
        before = str(min(2, _place_here(text, index - 1))) if index else "^"
        return (
            self._places[_place_here(text, index)]
            + self._places_before[before]
            + self._runs[_transliterated_run(text, index)]
        )

    def estimates(self, text: Sequence[str], starts: Sequence[int]) -> list[float]:
        near = self._near(text, starts)
        return [part + self._far(text, i) for i, part in zip(starts, near, strict=True)]

    def possible(self, text: Sequence[str], starts: Sequence[int]) -> list[int]:
        floor, further = -self.slack, self._further
        return [
            index
            for index, near in zip(starts, self._near(text, starts), strict=True)
            if near + further > floor and near + self._far(text, index) > floor
        ]


def _inside_place(text: str, index: int) -> bool:
    """Whether a known place or organisation name that starts one or two characters earlier
    runs over ``index`` (上海振华: 海 is the end of 上海, not the surname 海)."""
    for back in (1, 2):
        begin = index - back
        if begin < 0:
            break
        for length in PLACE_LENGTHS.get(text[begin], ()):
            if length > back and text[begin : begin + length] in PLACES:
                return True
    return False


def zh_starts(text: str) -> list[int]:
    """Where a Chinese name may start: a surname that does not end a known place name."""
    if text.isascii():  # surnames and transliteration characters are all Chinese
        return []
    return [
        match.start() for match in ZH_START.finditer(text) if not _inside_place(text, match.start())
    ]


def _four_character_name(span: str) -> bool:
    """A one-character surname takes at most two given-name characters; four characters are a
    name with a two-character surname, a known (often transliterated) name, or a tagger overrun
    into the next word."""
    return span[:2] in DOUBLE_SURNAMES or span in KNOWN_NAMES or "·" in span


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _known_name_end(text: str, start: int, end: int) -> int:
    """The end of a known name that starts at ``start`` when the tagger stopped inside it (江泽
    of 江泽民) or ran past it into a common word (李鹏 of 李鹏欣然); else ``end``."""
    for length in (4, 3, 2):
        if text[start : start + length] in KNOWN_NAMES:
            runs_on = text[start + length : start + length + 2] in COMMON_WORDS
            return start + length if length > end - start or runs_on else end
    return end


def _not_a_name(text: str, start: int, end: int) -> bool:
    """A tagged span that is a common word (安静) or a known place (沈阳, 米兰), opens inside a
    common word (伸张正义) or comes right before an organisation or place word, unless it is a
    known name."""
    span = text[start:end]
    return span not in KNOWN_NAMES and (
        span in COMMON_WORDS
        or span in PLACES
        or (start > 0 and text[start - 1 : start + 1] in COMMON_WORDS)
        or ZH_NOT_NAME_NEXT.match(text, end) is not None
    )


NAME_WORD_EN = r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff\u0100-\u024f]+(?:[-'’][A-Z][a-z]+)?"
INTRODUCED_EN = re.compile(
    r"(?:\b(?:I\s+am|I'm|[Mm]y\s+name\s+is|[Tt]his\s+is|[Nn]ame\s*:|[Cc]alled|[Nn]amed"
    r"|[Ss]incerely|[Rr]egards|Dear)\.?,?\s+)"
    rf"({NAME_WORD_EN}(?:\s+{NAME_WORD_EN}){{1,2}})\b"
    # after a title the family name alone is a name ("Mr. Demidov"), the title stays outside
    r"|\b(?:[Mm]rs?|[Mm]s|[Mm]iss|[Dd]r|[Pp]rof)\.?[ \t]+"
    rf"({NAME_WORD_EN}(?:[ \t]+(?:[A-Z]\.[ \t]+)?{NAME_WORD_EN}){{0,2}})\b"
)
"""A first and last name right after a self-introduction, a greeting or a closing ("I am John
Carter", "Dear Anna Lee", "Regards, Anna Lee"), or one to three name words after a title
("Dr. Maria Lopez", "Mrs. Schwarz"): contexts the tagger may miss."""
GREETED_EN = re.compile(
    rf"\b(?:Hi|Hello|Hey|Dear|Thanks|Thank\s+you),?[ \t]+({NAME_WORD_EN})(?=[ \t]*(?:[,!:]|$))",
    re.MULTILINE,
)
"""A single word after a greeting ("Hi Manlio,"): a name only if it is a known given or family
name ("Hello World!" is not)."""
INTRODUCED_SCORE = 0.8


IMPERATIVE_OBJECTS = frozenset(
    {
        *("it", "me", "us", "them", "him", "her", "his", "their", "this", "that", "these"),
        *("those", "the", "a", "an", "my", "your", "our"),
    }
)


def _imperative(tokens: Sequence[str], first: int, last: int) -> bool:
    """A lone capitalised word that opens a sentence and is followed by an object or article
    ("Charge it to my card", "Send me the file") is a verb, not a name."""
    opens = first == 0 or tokens[first - 1] in SENTENCE_END
    return last == first + 1 and opens and last < len(tokens) and tokens[last] in IMPERATIVE_OBJECTS


INITIAL_AND_NAME = re.compile(rf"[ \t]+[A-Z]\.?[ \t]+{NAME_WORD_EN}")
NAME_AND_INITIAL = re.compile(rf"{NAME_WORD_EN}[ \t]+[A-Z]\.?[ \t]+\Z")
NEXT_NAME_WORD = re.compile(rf"[ \t]+{NAME_WORD_EN}")
HYPHEN_AFTER = re.compile(r"-[A-Z]")
HYPHEN_BEFORE = re.compile(r"[A-Za-z]-\Z")


def _en_name_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The tagger's English spans made whole: a name takes in a middle initial and the name
    beside it ("Martim A Pereira", "Margaret S. Stouffer"), two spans joined by a hyphen are one
    ("Jean" + "Luc Picard"), and a span that is only half of a hyphenated word ("Weeks-Rivas",
    "Butler-Peters": firms) is dropped."""
    grown = []
    for start, end in spans:
        if text[end - 1 : end] == "." and (word := NEXT_NAME_WORD.match(text, end)):
            end = word.end()
        if after := INITIAL_AND_NAME.match(text, end):
            end = after.end()
        if before := NAME_AND_INITIAL.search(text, max(0, start - 40), start):
            start = before.start()
        grown.append((start, end))
    joined: list[tuple[int, int]] = []
    for start, end in grown:
        if joined and joined[-1][1] + 1 == start and text[start - 1] == "-":
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return [
        (start, end)
        for start, end in joined
        if not HYPHEN_BEFORE.search(text, max(0, start - 2), start)
        and not HYPHEN_AFTER.match(text, end)
    ]


class PersonNames:
    """Detector for PERSON in both languages."""

    name = "names"

    def __init__(self, en: GreedyTagger | None = None) -> None:
        """``en``: an English tagger other than the shipped one (training's cross-validation)."""
        self._en = en if en is not None else GreedyTagger.load(EN_MODEL)
        self._zh = GreedyTagger.load(ZH_MODEL)
        self._en_lead = EnglishLead(self._en)
        self._zh_lead = ChineseLead(self._zh)

    def check(self, text: str, types: Collection[str] = ("PERSON",)) -> list[Finding]:
        findings: list[Finding] = []
        claimed: list[tuple[int, int]] = []
        if any(dot in text for dot in ZH_DOTS):
            claimed = [m.span() for m in ZH_DOTTED_NAME.finditer(text)]
        for start, end in claimed:
            findings.append(Finding("PERSON", start, end, INTRODUCED_SCORE, "names_zh_dotted"))
        for match in () if text.isascii() else ZH_CUED.finditer(text):
            start, end = next(match.span(g) for g in (1, 2, 3) if match.group(g))
            cued = text[start] in SINGLE_SURNAMES or text[start : start + 2] in DOUBLE_SURNAMES
            if cued and not _overlaps(start, end, claimed):
                claimed.append((start, end))
                findings.append(Finding("PERSON", start, end, INTRODUCED_SCORE, "names_zh_cue"))
        starts = self._zh_lead.possible(text, zh_starts(text))
        if starts:
            for start, tagged_end, kind, margin in self._zh.spans(text, zh_features, starts):
                if _overlaps(start, tagged_end, claimed):
                    continue
                surname = 2 if text[start : start + 2] in DOUBLE_SURNAMES else 1
                if ZH_HONORIFIC.match(text, start + surname):
                    findings.append(
                        Finding(kind, start, start + surname, probability(margin), "names_zh")
                    )
                    continue
                end = start + len(ZH_NAME_CHARS.match(text, start, tagged_end).group())
                if (
                    text[start] in ZH_VERB_SURNAMES
                    and (start == 0 or text[start - 1] not in ZH_NAME_CUES)
                    and text[start:end] not in KNOWN_NAMES
                ):
                    continue
                foreign = TRANSLITERATION_CHARS.issuperset(text[start:end])
                if end - start == 4 and not foreign and not _four_character_name(text[start:end]):
                    end -= 1
                while end - start > 2 and text[end - 1] in ZH_NAME_STOPPERS:
                    end -= 1
                end = _known_name_end(text, start, end)
                if _not_a_name(text, start, end):
                    continue
                longest = ZH_FOREIGN_NAME_MAX_CHARS if foreign else ZH_NAME_MAX_CHARS
                if 2 <= end - start <= longest or "·" in text[start:end]:
                    findings.append(Finding(kind, start, end, probability(margin), "names_zh"))
        if LATIN_TEXT.search(text):
            cued = [
                m.span(1) if m.group(1) else m.span(2) for m in gated(INTRODUCED_EN).finditer(text)
            ]
            if possible(GREETED_EN, text):
                cued += [
                    m.span(1)
                    for m in gated(GREETED_EN).finditer(text)
                    if m.group(1).lower() in en_name_kinds()
                ]
            for start, end in cued:
                if not any(word.lower() in NOT_NAMES_EN for word in text[start:end].split()):
                    findings.append(Finding("PERSON", start, end, INTRODUCED_SCORE, "names_en_cue"))
            tokens = (EN_TOKEN_ASCII if text.isascii() else EN_TOKEN).findall(text)
            starts = self._en_lead.possible(tokens, en_starts(tokens))
            found = self._en.spans(tokens, en_features, starts) if starts else []
            offsets = en_tokens(text)[1] if found else []
            tagged: dict[tuple[int, int], tuple[str, float]] = {}
            for first, last, kind, margin in found:
                start = offsets[first][0]
                while last > first and (
                    "\n" in text[start : offsets[last - 1][1]] or tokens[last - 1].isdigit()
                ):
                    last -= 1  # no line break (an address block) nor number ends a name
                if not (
                    last == first
                    or all(token.lower() in NOT_NAMES_EN for token in tokens[first:last])
                    or _imperative(tokens, first, last)
                ):
                    tagged[start, offsets[last - 1][1]] = kind, margin
            for start, end in _en_name_spans(text, sorted(tagged)):
                kind, margin = max(
                    (found_as for (a, b), found_as in tagged.items() if a < end and start < b),
                    key=lambda found_as: found_as[1],
                )
                findings.append(Finding(kind, start, end, probability(margin), "names_en"))
        return findings


@cache
def person_names() -> PersonNames:
    return PersonNames()
