"""Unsafe content in prompts and answers, English and Chinese, with a hazard taxonomy.

Linear models over the shared character n-grams decide *whether* a text is unsafe: one
for harmful requests and answers (how to build a weapon, commit a crime, hurt someone),
``data/harm.npz``, with ``data/harm_zh.npz`` for Chinese prompts only (it learnt from requests;
judging answers, it cut ordinary Chinese answers of the local model), and one for abusive,
hateful or offensive language (``data/toxicity.npz``). A request model file built with a small
network next to it loads as :class:`~.network.MixedTextModel`.
A text is unsafe when either says so; on development data, in every source of negatives, the
abusive-language model flags at most 1 % and the two together at most 2 %. Keyword lists
(``data/harm_lexicon.json``) decide *which* hazard category it is, named after the MLCommons
hazard taxonomy and mapped to the five TC260-003 risk categories in :data:`TAXONOMY`
(documented in docs/guards.md). Unsafe text no keyword explains is ``toxicity``.

Keywords that name a concrete harm are also evidence for the request model: a text with one is
judged at a lower threshold than one without, so a short everyday question needs a confident
model to be blocked and a request that names a weapon or a crime does not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import islice

from .features import LinearTextModel, Window, data_path, probability, windows
from .model import Finding, language_of
from .network import MixedTextModel, load_text_model
from .registry import Direction
from .semantic import SemanticHead, load_semantic_head

MODEL = "harm.npz"
MODEL_ZH = "harm_zh.npz"
TOXICITY_MODEL = "toxicity.npz"
LEXICON = "harm_lexicon.json"
FALLBACK_CATEGORY = "toxicity"

TAXONOMY: dict[str, tuple[str, str]] = {
    # category: (MLCommons AILuminate hazard, TC260-003 risk category)
    "violent_crimes": ("S1 Violent Crimes", "A.1 core socialist values (violence, terrorism)"),
    "non_violent_crimes": ("S2 Non-Violent Crimes", "A.1 content prohibited by law"),
    "sex_crimes": ("S3 Sex-Related Crimes", "A.4 rights of others (physical and mental health)"),
    "child_sexual_exploitation": ("S4 Child Sexual Exploitation", "A.1 obscenity and pornography"),
    "weapons_cbrne": ("S5 Indiscriminate Weapons (CBRNE)", "A.1 terrorism, endangering safety"),
    "self_harm": ("S6 Suicide & Self-Harm", "A.4 rights of others (physical and mental health)"),
    "hate": ("S7 Hate", "A.2 discrimination"),
    "specialized_advice": ("S8 Specialized Advice", "A.5 unmet safety needs of the service"),
    "privacy": ("S9 Privacy", "A.4 rights of others (privacy, personal information)"),
    "intellectual_property": ("S10 Intellectual Property", "A.3 commercial violations"),
    "defamation": ("S11 Defamation", "A.4 rights of others (reputation, honour)"),
    "elections": ("S12 Elections", "A.1 false and harmful information"),
    "sexual_content": ("S13 Sexual Content", "A.1 obscenity and pornography"),
    "subversion_extremism": ("S1 Violent Crimes (extremism)", "A.1 subversion, extremism"),
    FALLBACK_CATEGORY: ("S7 Hate (insults, harassment)", "A.2 discrimination; A.4 reputation"),
}


def _load_lexicon() -> list[tuple[str, re.Pattern[str]]]:
    raw: dict[str, list[str]] = json.loads(data_path(LEXICON).read_text(encoding="utf-8"))
    compiled = []
    for category, words in raw.items():
        if category not in TAXONOMY:
            raise ValueError(f"{LEXICON}: unknown category {category!r}")
        compiled.append((category, re.compile("(?i)" + "|".join(words))))
    return compiled


LEXICON_PATTERNS = _load_lexicon()
EVIDENCE_CATEGORIES = frozenset(
    {
        "child_sexual_exploitation",
        "weapons_cbrne",
        "self_harm",
        "sex_crimes",
        "violent_crimes",
        "subversion_extremism",
        "non_violent_crimes",
    }
)
"""Categories whose keywords name a concrete harm (a weapon, a crime) and so count as
evidence. Insults, group names and topic words (elections, diagnosis) are not: ordinary text
that discusses them is common (COLD's safe comments name the groups they discuss)."""


def lexicon_category(text: str) -> str | None:
    """The first (most severe) hazard category whose keywords occur in ``text``."""
    for category, pattern in LEXICON_PATTERNS:
        if pattern.search(text):
            return category
    return None


def keyword_evidence(category: str | None) -> bool:
    return category in EVIDENCE_CATEGORIES


PHRASE_SCORE = 0.95
PHRASE_DETECTOR = "harm_phrase"
"""The ``detector`` of a finding made by :data:`THREAT_PHRASES`."""
PROMPT_PHRASE_DETECTOR = "harm_prompt_phrase"
"""The ``detector`` of a finding made by :data:`ASKED_PHRASES`."""
_VIOLENCE = (
    r"(?:kill|murder|shoot|stab|strangle|choke|behead|butcher|slaughter|rape|torture|lynch|hang"
    r"|execute|gut)"
)
_VICTIM = (
    r"(?:you|u|ya|y['’]all|your\s+(?:whole\s+|entire\s+)?(?:family|kids?|children|wife|husband"
    r"|son|daughter|mother|mom|father|dad|parents|girlfriend|boyfriend))\b"
    # not "I'll shoot you an e-mail", "kill you at chess", "this will choke you up"
    r"(?!\s+(?:a|an|the|some|over|my|our|at|up|with\s+kindness)\b)"
)
_INTENT = (
    r"(?:\s+will|['’]ll|\s+shall|\s*['’]m\s+going\s+to|\s+am\s+going\s+to|\s+are\s+going\s+to"
    r"|['’]re\s+going\s+to|\s*['’]m\s+gonna|\s+am\s+gonna|\s+gonna|\s+want\s+to|\s+wanna"
    r"|\s*['’]m\s+about\s+to|\s+am\s+about\s+to)"
)
_GROUP = (
    r"(?:immigrants|migrants|refugees|foreigners|muslims|jews|christians|hindus|atheists|blacks"
    r"|black\s+people|whites|white\s+people|gays|gay\s+people|lesbians|homosexuals"
    r"|trans(?:gender)?\s+people|women|asians|mexicans|latinos|arabs|africans|gypsies"
    r"|disabled\s+people|niggers|faggots|kikes|spics|chinks)"
)
_DONE_TO = (
    r"(?:killed|shot|exterminated|gassed|hanged|hung|lynched|wiped\s+out|slaughtered|burned"
    r"|burnt|eradicated|executed|murdered|massacred|beheaded|raped)"
)
_VICTIM_ZH = r"(?:你全家|你一家|你家人|你老婆|你孩子|你们|你)(?!的)"
_GROUP_ZH = (
    r"(?:黑人|白人|黑鬼|穆斯林|回民|维族|犹太人|基督徒|同性恋|基佬|女人|男人|外地人|农民工|河南人"
    r"|东北人|日本人|日本鬼子|韩国人|外国人|移民|难民|残疾人)"
)
_KILL_ZH = r"(?:杀光|杀掉|杀死|消灭|灭绝|枪毙|处死|烧死|赶尽杀绝)"


@dataclass(frozen=True, slots=True)
class HarmPhrase:
    """A hand-written family of plainly harmful phrases and the hazard category it is."""

    category: str
    pattern: re.Pattern[str]
    anchors: tuple[str, ...]
    """Lower-case words one of which every match holds: the pattern is only tried within
    ``reach`` characters of one (most texts hold none)."""
    reach: int
    """How far a match may extend on either side of its anchor word."""
    word_start: bool = False
    """Anchors count only where a word starts ("hang" in "hang", not in "change")."""

    def search(self, lowered: str) -> tuple[int, int] | None:
        """The first match in ``lowered`` (a text in lower case; patterns are in lower case)."""
        for word in self.anchors:
            at = lowered.find(word)
            while at >= 0:
                if not (self.word_start and at and lowered[at - 1].isalnum()):
                    start, end = max(0, at - self.reach), at + len(word) + self.reach
                    found = self.pattern.search(lowered, start, end)
                    if found:
                        return found.span()
                at = lowered.find(word, at + 1)
        return None


THREAT_PHRASES = (
    HarmPhrase(
        "violent_crimes",
        re.compile(
            # A threat to the reader: "I'll kill you", "we're going to find you and shoot you".
            rf"\b(?:i|we){_INTENT}\s+(?:(?:find|hunt)\s+(?:you|u)\s+(?:down\s+)?and\s+)?"
            rf"{_VIOLENCE}\s+{_VICTIM}"
            r"|\bi\s+know\s+where\s+you\s+(?:live|sleep)\b"
        ),
        (
            *("kill", "murder", "shoot", "stab", "strangl", "chok", "behead", "butcher"),
            *("slaughter", "rape", "tortur", "lynch", "hang", "execut", "gut", "where you"),
        ),
        reach=80,
        word_start=True,
    ),
    HarmPhrase(
        "violent_crimes",
        re.compile(
            r"(?:我|老子|我们)(?:要|会|就|想|非得|一定要|一定会|迟早|早晚|今天就|马上)?"
            rf"(?:杀了|弄死|砍死|捅死|打死|干掉|宰了|杀死|杀掉|掐死|毒死|烧死){_VICTIM_ZH}"
            r"|我知道你住(?:在)?哪"
        ),
        ("杀", "弄死", "砍死", "捅死", "打死", "干掉", "宰了", "掐死", "毒死", "烧死", "你住"),
        reach=12,
    ),
    HarmPhrase(
        "hate",
        re.compile(
            # A call to kill a group of people: "all immigrants should be shot".
            rf"\b{_GROUP}\s+(?:should|must|deserve\s+to|need\s+to|ought\s+to|have\s+to)"
            rf"\s+(?:all\s+)?(?:be\s+{_DONE_TO}|die)\b"
            rf"|\bshould\s+(?:all\s+)?(?:the\s+)?{_GROUP}\s+(?:all\s+)?be\s+{_DONE_TO}\b"
        ),
        (
            *("kill", "shot", "extermin", "gassed", "hanged", "hung", "lynch", "wiped"),
            *("slaughter", "burn", "eradicat", "execut", "murder", "massacr", "behead"),
            *("raped", "die"),
        ),
        reach=80,
        word_start=True,
    ),
    HarmPhrase(
        "hate",
        re.compile(
            # "黑人都该死", "应该把所有移民杀光".
            rf"{_GROUP_ZH}(?:都|全都|全部|统统)?(?:该死|去死|死光|应该(?:被)?{_KILL_ZH})"
            rf"|(?:应该|必须|一定要|就该)(?:把)?(?:所有的?|这些|那些)?{_GROUP_ZH}(?:都|全)?{_KILL_ZH}"
        ),
        ("该死", "去死", "死光", "杀", "消灭", "灭绝", "枪毙", "处死", "烧死"),
        reach=16,
    ),
    HarmPhrase(
        "self_harm",
        re.compile(
            # Telling the reader to die: "go kill yourself", "你去死吧".
            r"\b(?:go|just|should)\s+(?:and\s+)?(?:kill|hang|shoot)\s+(?:yo)?urself\b"
            r"|\bi\s+hope\s+you\s+(?:die|get\s+(?:raped|killed|murdered|shot))\b"
            r"(?!\s+(?:laughing|of\s+laughter|happy|old|rich|peacefully))"
        ),
        ("yourself", "urself", "hope you"),
        reach=40,
        word_start=True,
    ),
    HarmPhrase(
        "self_harm",
        re.compile(r"(?:你|你们)(?:都|就|赶紧|快)?(?:去)?死吧|去死吧|你怎么(?:还)?不去死"),
        ("死吧", "不去死"),
        reach=8,
    ),
)
"""Plain threats and calls for violence, which no request model learns well (they are not
requests, and the abusive-language sources hold few): each a finding of its category at
``PHRASE_SCORE`` wherever it occurs, in a prompt or an answer."""


_ASK = (
    r"(?:\bhow\s+(?:do|can|could|would|should|might|will|does|did)\s+(?:i|we|one|someone"
    r"|somebody|a\s+person|you)\s+|\bhow\s+to\s+|\b(?:the\s+)?(?:best|easiest|quickest|fastest"
    r"|simplest|safest|surest|cheapest|most\s+effective|good|effective|better)\s+(?:way|ways"
    r"|method|methods|technique|techniques|tricks?|tips?|strategy|strategies|place|places)\s+"
    r"(?:to|for|of)\s+|\bways\s+(?:to|of)\s+|\btips\s+(?:for|on)\s+(?:how\s+to\s+)?"
    r"|\b(?:help|teach|show)\s+me\s+(?:how\s+)?(?:to\s+)?|\btell\s+me\s+how\s+(?:to\s+|i\s+"
    r"(?:can|could|should)\s+)|\b(?:guide|tutorial|instructions|steps|advice|plan)\s+(?:to|for"
    r"|on)\s+(?:how\s+to\s+)?|\bi\s+(?:want|need|plan|intend|would\s+like|wanna|am\s+going"
    r"|['’]m\s+going|am\s+trying|['’]m\s+trying|am\s+planning|['’]m\s+planning)\s+(?:to\s+)?"
    r"|\bwhere\s+(?:can|could|do|should)\s+i\s+(?:go\s+to\s+)?|\bcan\s+you\s+help\s+me\s+"
    r"|\bcan\s+(?:i|we|you)\s+(?:please\s+)?"
    r"|\b(?:i|we)\s+(?:wanted|considered|(?:am|was|['’]m)\s+thinking\s+(?:of|about)"
    r"|(?:am|['’]m)\s+considering)\s+(?:to\s+)?|\blet['’]s\s+)"
)
"""Asking how to do something, or saying one means to ("how can I", "best way to", "tips for",
"teach me to", "I want to", "where can I")."""
_NOT_HARM = (
    r"(?:prevent|protect|stop|stopping|avoid|detect|report|spot|recogni[sz]e|defend|deter|catch"
    r"|identify|tell|know|escape|survive|against|from|if|whether|when|after|victims?|not|never"
    r"|help|helping|treat|cope|deal|heal|recover|understand|explain|learn|write|describe|discuss"
    r"|research|study|portray|depict|film|watch|play|read|about)\b"
)
_GAP = rf"(?:(?!{_NOT_HARM})[\w'’,-]+\s+){{0,2}}"
"""Up to two words between the ask and the act ("how can I quietly steal"), none of which turns
the question around ("how to protect against", "tips for stopping people from")."""
_COMMAND = (
    r"(?:^|[.!?\n]\s*)(?:please\s+|now\s+|just\s+)?"
    r"|\b(?:tell|write|give|share|generate|create|compose)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|some\s+)"
)
"""An instruction at the start of a sentence ("Rob cash from a bank without getting caught"), or
asking for a piece of content ("tell me a racist joke")."""
_HUMAN = (
    r"(?:someone|somebody|anyone|a\s+person|people|him|her|them|a\s+(?:man|woman|child|kid"
    r"|baby|girl|boy|stranger|cop|police\s+officer|classmate|coworker)|(?:my|his|her|their)\s+"
    r"(?:[\w'’-]+\s+)?(?:wife|husband|boss|neighbou?r|friend|coworker|co-worker|colleague|teacher"
    r"|ex|girlfriend|boyfriend|partner|roommate|father|mother|dad|mom|brother|sister|son"
    r"|daughter|family|classmate|landlord|enemy|rival|kids?|child|children|baby|parents))\b"
    r"(?!['’]s\b|\s+feelings)"
)
_VICTIM_ANY = (
    rf"(?:{_HUMAN}|(?:a|my|his|her|their|someone['’]s|(?:my|the|his|her|their)\s+[\w-]+['’]s)"
    r"\s+(?:dog|cat|pet|horse)\b(?!['’]s))"
)
"""A person, or someone's pet ("my neighbour's dog"), not what belongs to them ("my dog's
fleas")."""
_GAMES = re.compile(
    r"\b(?:in|on)\s+(?:a\s+|the\s+)?(?:game|video\s+game|minecraft|fortnite|call\s+of\s+duty"
    r"|gta|grand\s+theft\s+auto|skyrim|witcher|roblox|pubg|among\s+us|chess|checkers|d&d|dnd"
    r"|dungeons|sims|mafia|werewolf|clue|cluedo)\b|游戏|我的世界|王者荣耀|和平精英|吃鸡|原神"
)
"""A game, where killing and stealing are moves ("How do I kill someone in Call of Duty?")."""
_ASK_ZH = (
    r"(?:如何|怎么|怎样|怎麼|有什么(?:好)?(?:办法|方法|技巧|手段|途径|窍门|招)|有哪些(?:办法|方法|技巧"
    r"|手段|途径)|用什么(?:办法|方法)|教我|告诉我|帮我|给我|我想|我要|我打算|我准备|我计划|我决定|计划"
    r"|是否(?:应该|可以)|该不该|可不可以|能不能|我们来)"
)
_NOT_HARM_ZH = (
    r"防|避免|识别|举报|应对|保护|打击|报警|发现|辨别|远离|拒绝|治疗|戒|帮助|被|了解|研究|讨论|分析|写|"
    r"判断|知道|面对|处理好|劝|阻止|制止|预防|安慰|侦破|破获|侦查|调查|查处|惩治|抓|审理|起诉"
)
_GAP_ZH = rf"(?:(?!{_NOT_HARM_ZH})[^\s。？！?!，,；;]){{0,12}}"
_VICTIM_ZH_ANY = (
    r"(?:一个人|某人|别人|他人|人家|仇人|他|她|他们|人|我(?:的)?(?:老婆|老公|丈夫|妻子|老板|同事|邻居|室友"
    r"|前任|前女友|前男友|爸爸|妈妈|父亲|母亲|孩子|同学|老师|领导|女朋友|男朋友))"
)


_SEEKING = (
    r"(?:what\s+(?:is|are|was|were)|what['’]?s|what\s+do(?:es)?|do\s+you\s+(?:have|know)"
    r"|(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|give|show|send|provide|find|get)"
    r"(?:\s+me)?(?:\s+with)?|(?:tell|give|show|send|provide)\s+me(?:\s+with)?|find|get|look\s+up"
    r"|pull\s+up|access|obtain|see|where\s+can\s+i\s+(?:find|get|see|buy)|reveal|leak|share"
    r"|post|publish|dig\s+up)\s+"
)
"""Asking for something or for it to be disclosed ("what is", "can you tell me", "where can I
find", "leak")."""
_THIRD_PARTY = (
    r"(?:my\s+(?:ex[-\s]?)?(?:cleaner|babysitter|nanny|maid|housekeeper|gardener|doctor|dentist"
    r"|therapist|nurse|teacher|professor|classmate|boss|manager|coworker|co-worker|colleague"
    r"|neighbou?r|roommate|flatmate|friend|girlfriend|boyfriend|wife|husband|partner|crush|date"
    r"|probation\s+officer|lawyer|accountant|mailman|postman|plumber|contractor|landlord|employer|ex)"
    r"(?:,\s*[\w'’-]+(?:\s+[\w'’-]+)?)?|someone|somebody|other\s+people|a\s+stranger"
    r"|strangers|a\s+person|random\s+people)['’]s?"
)
"""Somebody else, by their relation to the asker ("my cleaner's", "my doctor, Anne's",
"someone's", "other people's"); never a name, which may be a fictional character ("What is
Harry Potter's criminal history?" is a safe question)."""
_PRIVATE_RECORD = (
    r"(?:social\s+security\s+(?:number|card)|ssn|credit\s+card\s+(?:numbers?|details|info"
    r"|information)|(?:bank|banking)\s+(?:account\s+)?(?:details|numbers?|login|password"
    r"|information|info|statements?)|bank\s+accounts?|pin\s+(?:number|code)|passwords?"
    r"|medical\s+(?:records?|history|files?)|criminal\s+(?:history|records?|past)|financial"
    r"\s+(?:transactions|records|details|information|situation|history)|tax\s+returns?"
    r"|(?:home|private|personal)\s+address|passport\s+number|driver['’]?s\s+licen[cs]e\s+number"
    r"|licen[cs]e\s+number|browsing\s+history)\b"
)
"""Records a person keeps private (an identity number, an account, health, crimes, money)."""


@dataclass(frozen=True, slots=True)
class AskedPhrase:
    """A family of harmful acts ("hijack a car", "获取武器"), each matched where one of its
    anchor words starts, and, where ``ask`` is set, asked for right before it ("how can I")."""

    category: str
    act: re.Pattern[str]
    anchors: tuple[str, ...]
    """The words every act starts with: only there is the act tried."""
    ask: re.Pattern[str] | None = None
    """Must end where the act starts, at most ``reach`` characters before it."""
    reach: int = 100
    chinese: bool = False
    """Chinese anchors count at any character; other anchors only where a word starts."""
    unless: re.Pattern[str] | None = None
    """Anywhere in the text, a context that makes the family harmless ("in Call of Duty")."""

    def at(self, lowered: str, start: int) -> tuple[int, int] | None:
        """The act starting at ``start`` of ``lowered`` (lower case), asked for: its span from
        the ask's start."""
        act = self.act.match(lowered, start)
        if act is None:
            return None
        if self.ask is not None:
            asked = self.ask.search(lowered, max(0, start - self.reach), start)
            if asked is None:
                return None
            start = asked.start()
        if self.unless is not None and self.unless.search(lowered):
            return None
        return start, act.end()


def _trie_pattern(words: set[str]) -> str:
    """A regular expression for any of ``words``, as a trie of their letters: one branch per
    letter instead of one per word, so it costs a few steps a character, not one per word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        arms = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not arms:
            return ""
        body = arms[0] if len(arms) == 1 else "(?:" + "|".join(arms) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(trie)


def _shortest(anchors: tuple[str, ...]) -> set[str]:
    """The anchors that hold no other anchor of the same family at their start ("mak", not also
    "make" and "making"): where both start, the family's act would be tried twice."""
    return {a for a in anchors if not any(b != a and a.startswith(b) for b in anchors)}


class AnchorIndex:
    """Every anchor word of some :class:`AskedPhrase` families, found in one pass over a text
    by one pattern per script (a Latin anchor counts where a word starts); the families whose
    anchors start there are then looked up by the first letters."""

    def __init__(self, families: tuple[AskedPhrase, ...]) -> None:
        self._scripts: list[tuple[re.Pattern[str], int, dict[str, list]]] = []
        for chinese, width in ((False, 2), (True, 1)):
            index: dict[str, list[tuple[str, AskedPhrase]]] = {}
            for family in families:
                if family.chinese == chinese:
                    for anchor in _shortest(family.anchors):
                        index.setdefault(anchor[:width], []).append((anchor, family))
            anchors = {anchor for entries in index.values() for anchor, _ in entries}
            if not anchors:
                continue
            pattern = _trie_pattern(anchors)
            self._scripts.append(
                (re.compile(pattern if chinese else rf"\b{pattern}"), width, index)
            )

    def first(self, lowered: str) -> tuple[int, int, AskedPhrase] | None:
        """The first asked act in ``lowered`` (lower case) and its family."""
        for starts, width, index in self._scripts:
            found = starts.search(lowered)
            while found:
                at = found.start()
                for anchor, family in index.get(lowered[at : at + width], ()):
                    if lowered.startswith(anchor, at):
                        asked = family.at(lowered, at)
                        if asked:
                            return (*asked, family)
                found = starts.search(lowered, at + 1)
        return None


_ASKED = re.compile(rf"(?:{_ASK}{_GAP}|{_COMMAND})\Z")
_ASKED_ZH = re.compile(rf"{_ASK_ZH}{_GAP_ZH}\Z")


def _request(
    category: str, acts: str, anchors: tuple[str, ...], chinese: bool = False
) -> AskedPhrase:
    if chinese:
        return AskedPhrase(category, re.compile(acts), anchors, _ASKED_ZH, 30, True, _GAMES)
    return AskedPhrase(category, re.compile(acts), anchors, _ASKED, 100, False, _GAMES)


REQUEST_PHRASES = (
    _request(
        "violent_crimes",
        # "how do I poison my neighbour's dog", "best way to kidnap a child"
        r"(?:kill(?:ing)?|murder(?:ing)?|strangl(?:e|ing)|suffocat(?:e|ing)|smother(?:ing)?"
        r"|stab(?:bing)?|shoot(?:ing)?|poison(?:ing)?|tortur(?:e|ing)|kidnap(?:ping)?|abduct(?:ing)?"
        r"|drown(?:ing)?|behead(?:ing)?|maim(?:ing)?|assassinat(?:e|ing))\s+"
        rf"{_VICTIM_ANY}|(?:beat(?:ing)?\s+up|hurt(?:ing)?|harm(?:ing)?|attack(?:ing)?|assault(?:ing)?"
        rf"|run(?:ning)?\s+over)\s+{_HUMAN}"
        r"|blow(?:ing)?\s+up\s+(?:a|an|the|his|her|their|my\s+[\w'’-]+['’]s)\s+(?!(?:fake|toy|model"
        r"|lego|cardboard|virtual|pretend|inflatable|miniature)\b)(?:[\w-]+\s+)?"
        r"(?:building|house|home|car|bridge|school|church|mosque|synagogue|plane|train|bus|station"
        r"|stadium|embassy|office|hospital|mall|crowd|police\s+station)"
        r"|hir(?:e|ing)\s+(?:a\s+|an\s+)?(?:hitman|hit\s+man|assassin|killer|contract\s+killer)"
        rf"|abus(?:e|ing)\s+{_VICTIM_ANY}|punch(?:ing)?\s+{_HUMAN}|knock(?:ing)?\s+{_HUMAN}\s+out"
        r"|break(?:ing)?\s+(?:someone['’]s|somebody['’]s|his|her|their|my\s+[\w'’-]+['’]s)\s+(?:arm"
        r"|arms|leg|legs|neck|nose|jaw|fingers?|ribs?|knees?)\b"
        r"|plan(?:ning)?\s+(?:a\s+|an\s+)?(?:violent\s+protest|riot|terrorist\s+attack|massacre"
        r"|school\s+shooting|mass\s+shooting|bombing|coup)"
        r"|(?:burn(?:ing)?\s+down|set(?:ting)?\s+fire\s+to|torch(?:ing)?|firebomb(?:ing)?)\s+(?:a|an"
        r"|the|someone['’]s|somebody['’]s|my\s+[\w'’-]+['’]s|his|her|their)\s+(?:[\w-]+\s+)?(?:house"
        r"|home|building|school|church|mosque|synagogue|temple|store|shop|business|car|office"
        r"|apartment|restaurant|barn|property)"
        r"|commit(?:ting)?\s+(?:a\s+)?(?:murder|mass\s+shooting|school\s+shooting|terrorist\s+attack"
        r"|terror\s+attack|genocide|massacre|hate\s+crime|arson|armed\s+robbery|violent\s+crime)"
        r"|get(?:ting)?\s+away\s+with\s+(?:a\s+)?(?:murder|killing|manslaughter|arson|hit[-\s]and[-\s]run)"
        r"(?!\s+(?:season|episode|show|series|cast))"
        r"|(?:dispos(?:e|ing)\s+of|hid(?:e|ing)|get(?:ting)?\s+rid\s+of|dissolv(?:e|ing))\s+(?:a\s+|the\s+)?"
        r"(?:dead\s+)?(?:body|bodies|corpse)"
        # "how do I beat my wife" (not "beat my son at chess"), "take my friend's wife hostage"
        r"|beat(?:ing)?\s+(?:my|his|her|their)\s+(?:wife|husband|girlfriend|boyfriend|partner|kids?"
        r"|child|children|son|daughter|baby|dog|cat)\b(?!\s+(?:at|in|to)\b)"
        r"|(?:tak(?:e|ing)|hold(?:ing)?|keep(?:ing)?)\s+(?:someone|somebody|people|him|her|them"
        r"|(?:a|an|my|his|her|their)\s+(?:[\w'’-]+\s+)?(?:person|man|woman|child|kid|girl|boy"
        r"|family|wife|husband|boss|neighbou?r|friend|coworker|colleague|teacher|girlfriend"
        r"|boyfriend|partner|roommate|father|mother|dad|mom|brother|sister|son|daughter|kids"
        r"|children|baby|parents|judge|ex|classmate|landlord|guard|hostages?))\s+hostage\b"
        r"|(?:smash(?:ing)?|bash(?:ing)?|crack(?:ing)?|cav(?:e|ing))\s+(?:in\s+)?(?:someone['’]s"
        r"|somebody['’]s|his|her|their|my\s+[\w'’-]+['’]s)\s+(?:skull|head|face|teeth)\b"
        r"|gut(?:ting)?\s+(?:a\s+)?(?:human|person|man|woman|someone|somebody)\b"
        r"|wip(?:e|ing)\s+out\s+(?:humanity|the\s+human\s+race|all\s+humans|mankind|all\s+(?:the\s+)?"
        r"(?:jews|muslims|blacks|whites|immigrants|christians))\b"
        r"|captur(?:e|ing)\s+(?:a\s+)?(?:child|kid|little\s+(?:girl|boy)|woman|girl|person|human)\b"
        r"(?!['’]s|\s+(?:on|in)\s+(?:camera|film|photos?|pictures?|video|a\s+photo))"
        r"|plan(?:ning)?\s+(?:a\s+)?(?:kidnapping|abduction|murder|hit|hostage\s+taking)\b",
        (
            *("kill", "murder", "strangl", "suffocat", "smother", "stab", "shoot", "poison"),
            *("tortur", "kidnap", "abduct", "drown", "behead", "maim", "beat", "assassinat"),
            *("hurt", "harm", "attack", "assault", "burn", "set", "torch", "firebomb", "run"),
            *("blow", "hir", "plan", "abus", "punch", "knock", "break", "tak", "hold", "keep"),
            *("commit", "get", "dispos", "hid", "dissolv", "smash", "bash", "crack", "cav"),
            *("gut", "wip", "captur"),
        ),
    ),
    _request(
        "weapons_cbrne",
        # "how to make a pipe bomb", "where can I buy an untraceable gun"
        r"(?:make|making|build|building|create|creating|assemble|assembling|cook|cooking"
        r"|manufactur(?:e|ing)|synthesi[sz](?:e|ing)|produc(?:e|ing)|brew(?:ing)?|construct(?:ing)?"
        r"|3d[-\s]print(?:ing)?)\s+(?:(?:a|an|some|homemade|home[-\s]made|my\s+own|your\s+own"
        r"|improvised|working|deadly|lethal|powerful|real|small|big)\s+){0,3}(?:bombs?|pipe\s+bombs?"
        r"|car\s+bombs?|nail\s+bombs?|dirty\s+bombs?|explosives?|explosive\s+devices?|ieds?"
        r"|molotov(?:\s+cocktails?)?|napalm|thermite|nerve\s+(?:agents?|gas)|sarin|vx|mustard\s+gas"
        r"|chlorine\s+gas|ricin|anthrax|bioweapons?|biological\s+weapons?|chemical\s+weapons?"
        r"|nuclear\s+(?:bombs?|weapons?)|ghost\s+guns?|untraceable\s+(?:guns?|firearms?)|silencers?"
        r"|zip\s+guns?|guns?\s+at\s+home|firearms?\s+at\s+home)\b"
        r"|(?:buy(?:ing)?|get(?:ting)?|obtain(?:ing)?|acquir(?:e|ing)|purchas(?:e|ing)|find(?:ing)?)"
        r"\s+(?:a\s+|an\s+|some\s+)?(?:(?:illegal|unregistered|untraceable|stolen|black[-\s]market)\s+"
        r"(?:guns?|firearms?|weapons?|handguns?|rifles?|ammo|ammunition|explosives?)|(?:guns?"
        r"|firearms?|weapons?|handguns?|rifles?|ammo|ammunition|explosives?)\s+(?:illegally"
        r"|without\s+(?:a\s+)?(?:background\s+checks?|licen[cs]e|permit|id|papers)|on\s+the\s+"
        r"(?:dark\s+web|black\s+market)))",
        (
            *("make", "making", "build", "creat", "assembl", "cook", "manufactur", "synthesi"),
            *("produc", "brew", "construct", "3d", "buy", "get", "obtain", "acquir", "purchas"),
            "find",
        ),
    ),
    _request(
        "non_violent_crimes",
        # "how would I hijack a car", "what's the best way to shoplift", "help me launder money"
        r"(?:shoplift(?:ing)?|pickpocket(?:ing)?|embezzl(?:e|ing))\b"
        r"|launder(?:ing)?\s+(?:money|cash|the\s+money|funds|proceeds|crypto|bitcoin)"
        r"|(?:start(?:ing)?|run(?:ning)?|set(?:ting)?\s+up)\s+a\s+(?:ponzi|pyramid)\s+scheme"
        r"|(?:writ(?:e|ing)|post(?:ing)?|buy(?:ing)?|generat(?:e|ing))\s+(?:fake|false)\s+reviews"
        r"|(?:creat(?:e|ing)|mak(?:e|ing)|writ(?:e|ing)|design(?:ing)?|set(?:ting)?\s+up)\s+(?:a\s+)?"
        r"phishing\s+(?:email|e-mail|site|website|page|link|campaign|kit)"
        r"|fak(?:e|ing)\s+my\s+(?:own\s+)?death"
        r"|fil(?:e|ing)\s+a\s+(?:false|fake|fraudulent)\s+(?:insurance\s+)?claim"
        r"|ddos(?:ing)?\s+(?:a\s+|the\s+|someone['’]s\s+|my\s+[\w'’-]+['’]s\s+)?(?:website|server|site"
        r"|network)"
        r"|crack(?:ing)?\s+(?:someone['’]s|somebody['’]s|my\s+[\w'’-]+['’]s|his|her|their)\s+"
        r"(?:[\w-]+\s+)?(?:password|passwords|wi-?fi|account)"
        r"|(?:cheat(?:ing)?\s+(?:on\s+)?|beat(?:ing)?)\s+a\s+drug\s+test"
        r"|hid(?:e|ing)\s+(?:drugs|weed|cocaine|meth|pills)\s+from"
        r"|convert(?:ing)?\s+(?:a|an|my)\s+(?:[\w-]+\s+){0,2}(?:rifle|gun|pistol|ar-?15|glock)\s+(?:to"
        r"|into)\s+(?:full[-\s]?auto(?:matic)?|automatic|a\s+machine\s+gun)"
        r"|(?:fil(?:e|ing)|remov(?:e|ing)|scratch(?:ing)?)\s+off\s+(?:the\s+)?serial\s+numbers?"
        r"|(?:make|making|creat(?:e|ing)|writ(?:e|ing)|build(?:ing)?|develop(?:ing)?|cod(?:e|ing)"
        r"|spread(?:ing)?|deploy(?:ing)?|plant(?:ing)?|install(?:ing)?)\s+(?:a\s+|an\s+|some\s+"
        r"|my\s+own\s+)?(?:(?:computer|self-replicating|polymorphic|undetectable)\s+)?(?:virus"
        r"|viruses|malware|ransomware|trojan(?:\s+horse)?|worm|keylogger|botnet|rootkit)\b"
        r"(?!\s+(?:scanner|protection|removal|detection|definitions|checker))"
        r"|attack(?:ing)?\s+(?:the|a|an)\s+(?:[\w-]+\s+)?(?:banking\s+system|bank|power\s+grid"
        r"|server|network|website|pipeline|water\s+supply|infrastructure)\b"
        r"|(?:vandaliz(?:e|ing)|destroy(?:ing)?|wreck(?:ing)?)\s+(?:someone['’]s|somebody['’]s"
        r"|my\s+[\w'’-]+['’]s|his|her|their)\s+(?:[\w-]+\s+)?(?:property|car|house|home|yard"
        r"|garden|mailbox|business)"
        r"|slash(?:ing)?\s+(?:someone['’]s|somebody['’]s|my\s+[\w'’-]+['’]s|his|her|their)\s+tires"
        r"|(?:bypass(?:ing)?|crack(?:ing)?|remov(?:e|ing)|strip(?:ping)?)\s+(?:the\s+)?(?:drm"
        r"|copy\s+protection|paywalls?)\b"
        r"|(?:commit(?:ting)?|carry(?:ing)?\s+out)\s+(?:a\s+)?(?:revenge\s+)?(?:crimes?|criminal"
        r"\s+activit(?:y|ies)|illegal\s+activit(?:y|ies))\b"
        r"|(?:commit(?:ting)?|do(?:ing)?|get\s+away\s+with)\s+(?:a\s+)?(?:tax\s+fraud|insurance\s+fraud"
        r"|credit\s+card\s+fraud|wire\s+fraud|bank\s+fraud|fraud|identity\s+theft|burglary|robbery"
        r"|insider\s+trading|securities\s+fraud|tax\s+evasion|money\s+laundering|a\s+ponzi\s+scheme"
        r"|check\s+fraud|mail\s+fraud|welfare\s+fraud|voter\s+fraud|election\s+fraud"
        r"|larceny|extortion|forgery|theft|a\s+heist)\b"
        r"|evad(?:e|ing)\s+(?:paying\s+)?(?:my\s+)?taxe?s|cheat(?:ing)?\s+on\s+(?:my\s+)?taxes"
        r"|(?:steal|stealing)\s+(?:a\s+lot\s+of\s+|lots\s+of\s+|a\s+|an\s+|some\s+|the\s+"
        r"|someone['’]s\s+|somebody['’]s\s+"
        r"|people['’]s\s+|my\s+[\w'’-]+['’]s\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+)?(?:car|cars"
        r"|bike|bicycle|motorcycle|money|cash|wallet|purse|credit\s+cards?|card\s+numbers|identity"
        r"|identities|passwords?|personal\s+(?:data|information)|jewel(?:le)?ry|gold|phone|laptop"
        r"|packages?|mail|gas|electricity|wi-?fi|catalytic\s+converters?|dog|cat|items|goods"
        r"|merchandise|stuff|things|clothes|food|medicine|drugs|trade\s+secrets)\b"
        r"|(?:steal|stealing)\s+from\s+(?:a|the|my|his|her|their|someone|people|work|stores?|shops?)\b"
        r"|rob(?:bing)?\s+(?:a|an|the|someone|somebody|people|my|his|her|their|him|them)\b"
        r"(?!\s+of\b)"
        r"|(?:hijack(?:ing)?|carjack(?:ing)?|hot[-\s]?wir(?:e|ing))\s+(?:a|an|the|someone['’]s"
        r"|somebody['’]s|my\s+[\w'’-]+['’]s|his|her)\s+(?:[\w-]+\s+)?(?:car|cars|vehicle|truck|bus"
        r"|plane|aircraft|airplane|jet|boat|ship|motorcycle)"
        r"|break(?:ing)?\s+into\s+(?:a|an|the|someone['’]s|somebody['’]s|people['’]s"
        r"|my\s+[\w'’-]+['’]s|his|her|their)\s+(?:[\w-]+\s+)?(?:house|houses|home|homes|car|cars"
        r"|apartment|building|store|shop|safe|atm|vault|office|school|locker|account|email|phone"
        r"|computer|network|server|database|bank)"
        r"|hack(?:ing)?\s+(?:into\s+)?(?:someone['’]s|somebody['’]s|people['’]s|a\s+person['’]s"
        r"|my\s+(?:ex|wife|husband|girlfriend|boyfriend|boss|neighbou?r|friend|partner|coworker"
        r"|co-worker|teacher|school)['’]?s?|his|her|their|the\s+(?:government|pentagon|bank|school"
        r"|police|fbi|cia|nsa|[\w'’-]+))\s+(?:[\w-]+\s+)?(?:account|accounts|email|e-mail|gmail|phone"
        r"|iphone|computer|laptop|wi-?fi|network|instagram|facebook|snapchat|twitter|whatsapp"
        r"|bank|database|server|website|systems?|camera|webcam|records|grades)"
        r"|(?:scam(?:ming)?|con(?:ning)?|swindl(?:e|ing)|defraud(?:ing)?|phish(?:ing)?)\s+(?:people"
        r"|someone|somebody|old\s+people|the\s+elderly|elderly\s+people|seniors|customers|tourists"
        r"|my\s+[\w-]+|an?\s+(?:old|elderly|rich)\s+[\w-]+|(?:an?|the)\s+(?:insurance\s+company"
        r"|bank|government|irs|customers?|investors?|employer|company))"
        r"|(?:make|making|creat(?:e|ing)|forg(?:e|ing)|print(?:ing)?|get(?:ting)?|buy(?:ing)?)\s+"
        r"(?:a\s+|some\s+)?(?:fake|counterfeit|forged|false)\s+(?:ids?|passports?|money|bills|cash"
        r"|currency|documents?|driver['’]?s\s+licen[cs]es?|diplomas?|degrees?|prescriptions?"
        r"|doctor['’]?s\s+notes?|checks?|cheques?|social\s+security\s+cards?|vaccination\s+cards?)"
        r"|counterfeit(?:ing)?\s+(?:money|bills|cash|currency)"
        r"|forg(?:e|ing)\s+(?:a\s+|my\s+\w+['’]s\s+|someone['’]s\s+|his\s+|her\s+)?(?:signature"
        r"|check|cheque|passport|prescription|doctor['’]?s\s+note)"
        r"|(?:sell(?:ing)?|deal(?:ing)?|push(?:ing)?|smuggl(?:e|ing)|traffic(?:king)?)\s+(?:drugs|meth"
        r"|cocaine|crack|heroin|fentanyl|opioids|lsd|mdma|ecstasy|guns|weapons|people|humans"
        r"|women|girls|children|kids|organs|migrants)\b"
        r"|(?:make|making|cook(?:ing)?|synthesi[sz](?:e|ing)|manufactur(?:e|ing)|produc(?:e|ing))\s+"
        r"(?:some\s+)?(?:meth|methamphetamine|crystal\s+meth|crack(?:\s+cocaine)?|cocaine|heroin"
        r"|fentanyl|lsd|mdma|ecstasy|ghb|pcp)\b"
        r"|(?:buy(?:ing)?|get(?:ting)?|obtain(?:ing)?|scor(?:e|ing))\s+(?:some\s+)?(?:meth|cocaine"
        r"|crack|heroin|fentanyl|lsd|mdma|ecstasy|illegal\s+drugs)\b"
        r"|(?:evad(?:e|ing)|escap(?:e|ing)|hid(?:e|ing)\s+from|outrun(?:ning)?|flee(?:ing)?\s+from)"
        r"\s+(?:the\s+)?(?:police|cops|law\s+enforcement|authorities|fbi|arrest)\b",
        (
            *("shoplift", "pickpocket", "embezzl", "launder", "commit", "carry", "doing", "do "),
            *("writ", "develop", "cod", "spread", "deploy", "plant", "install", "attack"),
            *("start", "run", "set", "post", "generat", "design", "mak", "fak", "fil", "ddos"),
            *("beat", "convert", "scratch"),
            *("vandaliz", "destroy", "wreck", "slash", "bypass", "crack", "remov", "strip"),
            "get away",
            *("evad", "cheat", "steal", "rob", "hijack", "carjack", "hot", "break", "hack", "scam"),
            *("con", "swindl", "defraud", "phish", "make", "making", "creat", "forg", "print"),
            *("get", "buy", "counterfeit", "sell", "deal", "push", "smuggl", "traffic", "cook"),
            *("synthesi", "manufactur", "produc", "obtain", "scor", "escap", "hid", "outrun"),
            "flee",
        ),
    ),
    _request(
        "privacy",
        # "how can I track my wife's phone without her knowing", "how to dox someone"
        r"(?:spy(?:ing)?\s+on|stalk(?:ing)?)\s+"
        + _HUMAN
        + r"|(?:track(?:ing)?|monitor(?:ing)?|follow(?:ing)?|record(?:ing)?|read(?:ing)?)\s+"
        r"(?:[\w'’-]+\s+){0,4}?without\s+(?:them|him|her|my\s+[\w-]+|their|his|anyone|someone)"
        r"\s+(?:knowing|noticing|finding\s+out|consent)"
        r"|(?:put(?:ting)?|plac(?:e|ing)|hid(?:e|ing)|install(?:ing)?)\s+(?:a\s+)?(?:tracker"
        r"|tracking\s+device|gps\s+tracker|airtag|spyware|stalkerware|keylogger|hidden\s+camera)"
        r"\s+(?:on|in)\s+(?:someone|somebody|my|his|her|their|a\s+(?:girl|woman|person)['’]s)"
        r"|dox(?:x)?(?:ing)?\s+(?:someone|somebody|a|an|my|him|her|them|people|this|that)\b"
        r"|(?:reveal|expos|uncover|unmask)(?:e|ing)?\s+(?:a|the|an)\s+(?:whistle-?blower|anonymous"
        r"\s+[\w-]+|informant)['’]?s?\s+(?:identity|name|address)"
        r"|(?:share|post|leak|publish|spread|distribut)(?:e|ing)?\s+(?:private|intimate|nude|naked"
        r"|explicit)\s+(?:photos|pictures|pics|videos|images)\s+of"
        r"|find(?:ing)?\s+out\s+where\s+(?:someone|somebody|my\s+[\w-]+|she|he|they)\s+lives?"
        r"|(?:get(?:ting)?|find(?:ing)?|obtain(?:ing)?)\s+(?:someone['’]s|somebody['’]s|his|her|their"
        r"|my\s+[\w'’-]+['’]s)\s+(?:ssn|social\s+security\s+number|password|medical\s+records"
        r"|bank\s+(?:details|account)|credit\s+card\s+(?:number|details))"
        r"|(?:home|residential|private|personal)\s+(?:address|phone\s+number|cell\s+number)\s+"
        r"(?:of|for)\s+"
        # "what is my cleaner's social security number?", "can you tell me my doctor, Anne's
        # bank account details?", "where can I find other people's credit card details?"
        rf"|{_SEEKING}(?:the\s+)?{_THIRD_PARTY}\s+(?:[\w-]+\s+)?{_PRIVATE_RECORD}"
        rf"|(?:read(?:ing)?|access(?:ing)?|see|check(?:ing)?|go(?:ing)?\s+through|look(?:ing)?\s+"
        rf"through)\s+{_THIRD_PARTY}\s+(?:private\s+)?(?:emails|texts|text\s+messages|messages|dms"
        r"|chats|diary|browsing\s+history)\b",
        (
            *("spy", "stalk", "track", "monitor", "follow", "record", "read", "put", "plac"),
            *("hid", "install", "dox", "reveal", "expos", "uncover", "unmask", "share", "post"),
            *("leak", "publish", "spread", "distribut", "home", "residential", "private"),
            *("personal", "find", "get", "obtain", "what", "do ", "can", "could", "tell", "give"),
            *("show", "send", "provide", "look", "pull", "access", "see", "where", "dig", "check"),
            "go",
        ),
    ),
    _request(
        "toxicity",
        # "tips for using fear to control someone's behavior", "how do I gaslight my wife"
        r"us(?:e|ing)\s+(?:fear|threats|violence|intimidation|guilt|shame|blackmail)\s+to\s+"
        r"(?:control|manipulate|coerce|silence|punish|dominate|scare)"
        r"|(?:manipulat(?:e|ing)|gaslight(?:ing)?|coerc(?:e|ing)|intimidat(?:e|ing)|blackmail(?:ing)?"
        r"|extort(?:ing)?|bully(?:ing)?|harass(?:ing)?|humiliat(?:e|ing)|terroriz(?:e|ing)"
        r"|isolat(?:e|ing)|cyberbully(?:ing)?)\s+"
        + _HUMAN
        + r"|get(?:ting)?\s+(?:back\s+at|revenge\s+on)\s+"
        + _HUMAN
        + r"|ruin(?:ing)?\s+(?:someone['’]s|somebody['’]s|his|her|their|my\s+[\w'’-]+['’]s)\s+"
        r"(?:life|lives|reputation|career|marriage)"
        r"|spread(?:ing)?\s+(?:false\s+)?(?:rumou?rs|lies)\s+about\s+"
        r"|incit(?:e|ing)\s+(?:hatred|violence|racism|a\s+riot|riots|terrorism|genocide)"
        r"|engag(?:e|ing)\s+in\s+(?:cyber)?(?:bullying|harassment|stalking|trolling)\b"
        # "making false accusations against them", "sabotaging a local business's reputation"
        r"|(?:mak(?:e|ing)|fil(?:e|ing)|spread(?:ing)?|post(?:ing)?|writ(?:e|ing))\s+(?:a\s+)?false"
        r"\s+(?:accusations?|allegations?|police\s+reports?)\b"
        r"|sabotag(?:e|ing)\s+(?!my\s+own\b|myself\b|yourself\b)(?:[\w'’-]+\s+){0,3}?(?:reputation"
        r"|career|business|company|relationship|marriage|brakes|car)\b",
        (
            *("us", "manipulat", "gaslight", "coerc", "intimidat", "blackmail", "extort"),
            *("bully", "harass", "humiliat"),
            *("terroriz", "isolat", "cyberbully", "get", "ruin", "spread", "incit", "engag"),
            *("mak", "fil", "post", "writ", "sabotag"),
        ),
    ),
    _request(
        "sex_crimes",
        # "how do I spike her drink", "how to take upskirt photos"
        r"(?:rap(?:e|ing)|drug(?:ging)?|roof(?:ie|y)(?:ing)?|spik(?:e|ing))\s+(?:someone|somebody"
        r"|a\s+(?:girl|woman|guy|man|date)|her|him|my\s+date|(?:a|her|his|someone['’]s|my\s+date['’]s)"
        r"\s+drink)\b"
        r"|forc(?:e|ing)\s+(?:a\s+[\w-]+|her|him|someone|somebody|my\s+[\w-]+)\s+(?:to\s+have\s+sex"
        r"|into\s+sex|to\s+sleep\s+with)"
        r"|(?:seduc(?:e|ing)|groom(?:ing)?|have\s+sex\s+with|sleep\s+with|touch(?:ing)?)\s+(?:a\s+)?"
        r"(?:minor|minors|child|children|kid|kids|little\s+(?:girl|boy)s?|underage\s+[\w-]+"
        r"|\d{1,2}[-\s]year[-\s]old)\b"
        r"|(?:take|taking|film|filming|record|recording)\s+(?:nude|naked|explicit|upskirt|secret)"
        r"\s+(?:photos|pictures|pics|videos|footage)\s+of\s+(?:someone|somebody|a\s+\w+|my\s+\w+"
        r"|her|him|people|women|girls)"
        r"|solicit(?:ing)?\s+(?:sex|sexual\s+[\w-]+|nudes?|explicit\s+[\w-]+)\s+(?:from|with)\s+"
        r"(?:a\s+)?(?:minors?|children|kids|strangers|teens?|teenagers|underage\s+[\w-]+)"
        r"|satisf(?:y|ying)\s+my\s+(?:pedophil\w*|paedophil\w*|urges?\s+(?:for|towards)\s+"
        r"(?:children|kids|minors))",
        (
            *("rap", "drug", "roof", "spik", "forc", "seduc", "groom", "have sex", "sleep with"),
            *("touch", "take", "taking", "film", "record", "solicit", "satisf"),
        ),
    ),
    _request(
        "child_sexual_exploitation",
        r"(?:find(?:ing)?|get(?:ting)?|download(?:ing)?|buy(?:ing)?|watch(?:ing)?|view(?:ing)?"
        r"|shar(?:e|ing)|mak(?:e|ing))\s+(?:some\s+)?(?:child\s+porn(?:ography)?|cp|csam"
        r"|underage\s+(?:porn|nudes|pics|videos))\b",
        ("find", "get", "download", "buy", "watch", "view", "shar", "mak"),
    ),
    _request(
        "subversion_extremism",
        # "how do I join ISIS", "write propaganda for a terrorist group"
        r"join(?:ing)?\s+(?:isis|al[-\s]?qaeda|the\s+taliban|hamas|hezbollah|the\s+kkk|a\s+terrorist"
        r"\s+(?:group|organi[sz]ation|cell)|a\s+jihadist\s+group)"
        r"|recruit(?:ing)?\s+(?:people|members|young\s+people|teens|others|fighters)\s+(?:for|into|to)"
        r"\s+(?:isis|al[-\s]?qaeda|a\s+terrorist|an\s+extremist|my\s+(?:militia|cult))"
        r"|radicaliz(?:e|ing)\s+(?:young\s+people|teens|people|someone|others)"
        r"|(?:mak(?:e|ing)|creat(?:e|ing)|writ(?:e|ing)|spread(?:ing)?)\s+(?:propaganda|recruitment"
        r"\s+(?:material|videos?|posts?))\s+for\s+(?:isis|al[-\s]?qaeda|terrorists?|a\s+terrorist"
        r"|the\s+taliban|nazis?|white\s+supremacists?)",
        ("join", "recruit", "radicaliz", "mak", "creat", "writ", "spread"),
    ),
    _request(
        "hate",
        # "tell me a racist joke"
        r"(?:racist|sexist|antisemitic|anti-semitic|homophobic|transphobic|xenophobic)\s+(?:jokes?"
        r"|slurs?|insults?|memes?|propaganda|rants?|manifesto|tweets?|posts?|songs?|chants?)",
        (
            "racist",
            "sexist",
            "antisemitic",
            "anti-semitic",
            "homophobic",
            "transphobic",
            "xenophobic",
        ),
    ),
    _request(
        "self_harm",
        # "how can I kill myself painlessly", "I want to end my life"
        r"(?:kill(?:ing)?|hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?|starv(?:e|ing)|hang(?:ing)?"
        r"|poison(?:ing)?|shoot(?:ing)?|drown(?:ing)?)\s+myself\b"
        r"|commit(?:ting)?\s+suicide|end(?:ing)?\s+my\s+(?:own\s+)?life|tak(?:e|ing)\s+my\s+"
        r"(?:own\s+)?life(?!\s+(?:back|seriously|in\s+(?:my|your)\s+(?:own\s+)?hands))"
        r"|overdos(?:e|ing)\s+on\b",
        (
            *("kill", "hurt", "harm", "cut", "starv", "hang", "poison", "shoot", "drown"),
            *("commit", "end", "tak", "overdos"),
        ),
    ),
    _request(
        "violent_crimes",
        # "如何杀死一个人", "怎样在不留痕迹的情况下获取武器"
        rf"(?:杀死|杀掉|杀了|弄死|害死|毒死|打死|砍死|捅死|勒死|淹死|烧死|伤害|殴打|折磨|虐待|报复)"
        rf"{_VICTIM_ZH_ANY}|谋杀|暗杀|绑架|拐卖|拐骗|投毒|行凶|杀人|碎尸|分尸|抛尸|藏尸|处理(?:掉)?尸体"
        r"|销毁证据|毁灭证据|掩盖罪行|纵火|放火烧",
        (
            *("杀", "弄死", "害死", "毒死", "打死", "砍死", "捅死", "勒死", "淹死", "烧死"),
            *("伤害", "殴打", "折磨", "虐待", "报复", "谋杀", "暗杀", "绑架", "拐", "投毒"),
            *("行凶", "碎尸", "分尸", "抛尸", "藏尸", "处理", "销毁", "毁灭", "掩盖", "纵火"),
            "放火",
        ),
        chinese=True,
    ),
    _request(
        "weapons_cbrne",
        r"(?:制作|制造|自制|组装|搞到|获取|获得|弄到|购买|买到|私藏|做)(?:一个|一把|一些|一枚)?(?:非法|违禁)?"
        r"(?:炸弹|炸药|爆炸物|土炸弹|燃烧瓶|雷管|枪支|手枪|步枪|猎枪|枪|弩|毒药|毒气|武器|管制刀具|化学武器)",
        (
            *("制作", "制造", "自制", "组装", "搞到", "获取", "获得", "弄到", "购买", "买到"),
            *("私藏", "做"),
        ),
        chinese=True,
    ),
    _request(
        "non_violent_crimes",
        r"偷(?:东西|钱|车|手机|钱包|电动车|自行车|别人|人家|他人|公司|商店|超市|税)|盗窃|行窃|扒窃|抢劫|打劫"
        r"|破解(?:保险箱|保险柜|密码锁|别人的?(?:密码|账号|手机))|绕过(?:银行的?)?(?:信用审查|安检|海关|监管)"
        r"|(?:拿|弄|搞|买)(?:一些|点|一点)?(?:毒品|冰毒|海洛因|大麻|摇头丸)"
        r"|抢(?:银行|钱|别人|人家)|入室|撬(?:锁|门|车|保险柜)|诈骗|骗(?:钱|取|老人|别人|人家|他人|保险"
        r"|贷款)|洗钱|伪造(?:证件|身份证|文件|公章|签名|票据|货币|钞票|学历)|假钞|假币|漏税|逃税|非法集资"
        r"|(?:办|做|开|弄|买|提供)(?:一份|一张|一个|个|张|份)?假(?:证明|证件|文凭|学历|发票|病历|身份证|护照)"
        r"|非法(?:获取|获得|牟取|谋取)(?:钱款|钱财|财物|资金|利益|他人信息|个人信息|公民信息)"
        r"|制毒|贩毒|运毒|制作(?:冰毒|毒品|海洛因|摇头丸)|(?:购买|买到|弄到)(?:毒品|冰毒|海洛因|大麻)"
        r"|种植(?:大麻|罂粟)|走私|(?:黑进|入侵|黑掉)(?:别人|他人|某人|人家)?的?(?:电脑|手机|账号|账户"
        r"|微信|qq|邮箱|网站|系统|服务器|数据库|wifi|摄像头|银行)|逃避(?:警察|追捕|法律制裁|侦查)"
        r"|逃脱(?:法律|制裁|追捕)|(?:犯罪|作案)[^。？！?!]{0,10}(?:隐瞒|隐藏|掩盖)(?:自己的)?(?:真实)?身份",
        (
            *("偷", "盗窃", "行窃", "扒窃", "抢", "打劫", "破解", "绕过", "拿", "弄", "搞", "买"),
            *("入室", "撬", "诈骗", "骗", "洗钱", "伪造", "办", "做", "开", "提供"),
            *("假钞", "假币", "漏税", "逃税", "非法", "制毒", "贩毒", "运毒", "制作", "购买"),
            *("买到", "弄到", "种植", "走私", "黑进", "入侵", "黑掉", "逃避", "逃脱", "犯罪"),
            "作案",
        ),
        chinese=True,
    ),
    _request(
        "privacy",
        r"偷拍|偷窥|跟踪(?:别人|她|他|前任|女生|某人|前女友|前男友)|监视(?:别人|他人|老婆|老公|伴侣|某人)"
        r"|定位(?:别人|他人|某人|老婆|老公)的?手机|人肉(?:搜索)?(?:某人|别人|他|她)|开盒"
        # "帮我查一下我前女友的开房记录", "怎么拿到同事的银行卡密码"
        r"|(?:老板|同事|邻居|前任|前妻|前夫|前女友|前男友|同学|室友|保姆|老师|领导|某人|别人|他人"
        r"|陌生人|老婆|老公|女朋友|男朋友)的(?:身份证号(?:码)?|银行卡(?:号|密码)?|银行账户|账户密码"
        r"|密码|病历|病史|犯罪记录|案底|家庭住址|住址|家庭地址|开房记录|通话记录|聊天记录|行踪|工资条"
        r"|存款)",
        (
            *("偷拍", "偷窥", "跟踪", "监视", "定位", "人肉", "开盒", "老板", "同事", "邻居"),
            *("前任", "前妻", "前夫", "前女友", "前男友", "同学", "室友", "保姆", "老师", "领导"),
            *("某人", "别人", "他人", "陌生人", "老婆", "老公", "女朋友", "男朋友"),
        ),
        chinese=True,
    ),
    _request(
        "self_harm",
        r"自杀|自残|割腕|结束(?:自己的)?生命|轻生",
        ("自杀", "自残", "割腕", "结束", "轻生"),
        chinese=True,
    ),
)
"""Plainly harmful requests, asked in the first person or as an instruction: an ask ("how can
I", "best way to", "如何", "有什么办法") and, at most two words (twelve Chinese characters) later,
a criminal act with its object ("hijack a car", "poison my neighbour's dog", "获取武器"), no
word between them turning the question around ("how to protect against", "如何防止"), and no
game in the text. Prompts only: an answer that refuses quotes the request."""

_AGAINST = (
    r"(?:on|analy[sz]\w*|critic\w*|critiqu\w*|moderat\w*|flag\w*|block\w*|ban\w*|counter\w*"
    r"|fight\w*|combat\w*|oppos\w*|why|how|whether|remov\w*|filter\w*|censor\w*|refut\w*"
    r"|debunk\w*|rebut\w*|warn\w*)\b"
)
"""Words of content about a harm rather than for it ("an essay on …", "a bot that flags …")."""
_MAKES = re.compile(
    r"(?:^|[.!?\n:]\s*|\b(?:please|can\s+you|could\s+you|help\s+me|i\s+(?:want|need)\s+(?:you\s+)?"
    r"to)\s+)(?:please\s+)?(?:write|create|develop|design|produce|compose|draft|make|generate"
    r"|publish|post|film|record|build|code|program|devise|craft|prepare|give\s+me)\s+(?:me\s+)?"
    rf"(?:a|an|some|the)\s+(?:(?!{_NOT_HARM}|{_AGAINST})[\w'’-]+\s+){{0,3}}?(?:that|which|to)\s+\Z"
)
"""Asking for a piece of content described by what it does ("Write a blog post that …",
"Develop a video game which …"), not for one about such content ("an essay on content that
…", "a filter that blocks posts that …")."""
_MAKES_ZH = re.compile(
    r"(?:写|创作|编写|编|制作|设计|生成|发布|拍)(?:一|几|两)(?:篇|首|个|段|条|部|份|则|套)"
    rf"(?:(?!{_NOT_HARM_ZH}|批判|反对|揭露|抵制|谴责|驳斥)[\u4e00-\u9fff]){{0,6}}\Z"
)
_PROMOTING_ANCHORS = (
    *("promot", "glorif", "encourag", "incit", "celebrat", "normali", "justif", "advocat"),
    *("prais", "romantici", "endors", "condon"),
)
_PROMOTING = (
    "(?:" + "|".join(_PROMOTING_ANCHORS) + r")\w*(?:\s+and\s+\w+)?\s+(?:the\s+)?(?:use\s+of\s+)?"
    r"(?:[\w-]+\s+and\s+)?"
)
"""Promoting, glorifying, encouraging … ("promotes and rewards violence", "encourages the use
of drugs")."""
_NOT_PROMOTED = (
    r"\b(?!\s+(?:prevention|awareness|education|recovery|survivors|victims|support|research"
    r"|statistics|laws?|hotlines?))"
)
_PROMOTING_ZH_WORDS = (
    *("宣扬", "鼓吹", "美化", "煽动", "鼓励", "歌颂", "赞美", "提倡", "推崇", "煽起", "倡导"),
    "号召",
)
_PROMOTING_ZH = "(?:" + "|".join(_PROMOTING_ZH_WORDS) + ")"


def _promoting(category: str, harms: str, harms_zh: str) -> tuple[AskedPhrase, AskedPhrase]:
    """Content asked for by what it does, where that is to promote a harm ("Write a blog post
    that promotes anorexia", "写一篇宣扬恐怖主义的文章"), not to warn against it ("… that
    encourages drug use prevention", "…的危害")."""
    english = AskedPhrase(
        category,
        re.compile(f"{_PROMOTING}(?:{harms}){_NOT_PROMOTED}"),
        _PROMOTING_ANCHORS,
        _MAKES,
        100,
        False,
        _GAMES,
    )
    chinese = AskedPhrase(
        category,
        re.compile(f"{_PROMOTING_ZH}(?:{harms_zh})(?!的?危害|的?后果)"),
        _PROMOTING_ZH_WORDS,
        _MAKES_ZH,
        20,
        True,
    )
    return english, chinese


PROMOTION_PHRASES = (
    *_promoting(
        "violent_crimes",
        r"violence|violent\s+(?:acts|crimes?|behaviou?r)|terrorism|terrorist\s+attacks?|genocide"
        r"|ethnic\s+cleansing|mass\s+(?:shootings?|murders?|killings?)|school\s+shootings?"
        r"|war\s+crimes|gang\s+violence|domestic\s+(?:violence|abuse)|child\s+abuse"
        r"|animal\s+(?:cruelty|abuse)|murder|torture",
        r"暴力|恐怖主义|恐怖袭击|暴恐|屠杀|杀人|校园暴力|家暴|家庭暴力|虐待",
    ),
    *_promoting(
        "hate",
        r"hate|hatred|racism|sexism|misogyny|antisemitism|islamophobia|homophobia|transphobia"
        r"|xenophobia|bigotry|hate\s+speech|discrimination|white\s+supremacy|nazism|slavery"
        r"|racial\s+(?:hatred|discrimination|violence)",
        r"种族歧视|种族仇恨|仇恨|地域歧视|性别歧视|纳粹|奴隶制",
    ),
    *_promoting(
        "self_harm",
        r"self[-\s]harm|suicide|self[-\s]injury|anorexia|bulimia|eating\s+disorders?"
        r"|starvation\s+diets?",
        r"自杀|自残|厌食|绝食减肥",
    ),
    *_promoting(
        "non_violent_crimes",
        r"drug\s+use|(?:illegal\s+|hard\s+)?drugs|drunk\s+driving|drink[-\s]driving"
        r"|reckless\s+driving|(?:illegal|criminal)\s+activit(?:y|ies)|piracy|fraud|theft"
        r"|vandalism|underage\s+drinking",
        r"吸毒|毒品|酒驾|赌博|诈骗|盗窃",
    ),
    *_promoting(
        "toxicity",
        r"cyberbullying|bullying|harassment|stalking",
        r"网络暴力|网暴|霸凌|欺凌",
    ),
    *_promoting(
        "subversion_extremism",
        r"extremism|radicali[sz]ation|jihad|violent\s+extremism|insurrection",
        r"极端主义|分裂国家|邪教|圣战",
    ),
    *_promoting(
        "sex_crimes",
        r"sexual\s+(?:violence|assault|harassment|abuse)|rape|sex\s+trafficking"
        r"|human\s+trafficking|pedophilia|child\s+(?:marriage|sexual\s+abuse)",
        r"性侵|强奸|性骚扰|恋童|拐卖",
    ),
)
"""Content that promotes a harm, asked for by what it does (see :func:`_promoting`). Prompts
only, like :data:`REQUEST_PHRASES`."""

_INSULT_NOUN = (
    r"(?:idiots?|morons?|imbeciles?|bastards?|assholes?|arseholes?|piece\s+of\s+(?:shit|crap|trash"
    r"|garbage)|scum(?:bag)?|losers?|retards?|dumbass|jackass|bitch(?!\s+about)|sluts?|whores?"
    r"|cunts?|dickheads?|pricks?|twats?|wankers?|swine|perverts?|villains?|waste\s+of\s+(?:space"
    r"|air|oxygen|skin))\b"
)
_INSULT_ADJ = (
    r"(?:stupid|dumb|fucking|fat|ugly|dirty|disgusting|despicable|worthless|useless|pathetic"
    r"|rotten|filthy|brainless|shameless|miserable|little|lazy|damn(?:ed)?|bloody|sick|evil"
    r"|silly|complete|total|absolute|such\s+an?|an?)"
)
_STEREOTYPED = (
    r"(?:women|girls|females|men|males|black\s+(?:people|men|women)|blacks|white\s+people|whites"
    r"|asians|asian\s+people|chinese(?:\s+(?:people|men|women))?|japanese(?:\s+people)?|indians"
    r"|indian\s+people|hindus|hindu\s+people|muslims|muslim\s+people|arabs|jews|jewish\s+people"
    r"|christians|catholics|atheists|mexicans|latinos|hispanics|africans|african\s+americans"
    r"|immigrants|migrants|refugees|foreigners|gays|gay\s+(?:people|men)|lesbians|homosexuals"
    r"|homosexuality|trans(?:gender)?\s+(?:people|women|men)|transgenders|old\s+people"
    r"|older\s+people|elderly\s+people|fat\s+people|overweight\s+people|poor\s+people"
    r"|disabled\s+people|people\s+with\s+disabilities"
    r"|blondes|rednecks|gypsies|westerners|russians|koreans|pakistanis|filipinos"
    r"|native\s+americans|autistic\s+people|single\s+mothers|women\s+drivers)"
)
_TRAIT = (
    r"(?:lazy|stupid|dumb|idiots|ignorant|inferior|dirty|smelly|ugly|greedy|cheap|stingy|violent"
    r"|criminals|thieves|terrorists|savages|animals|barbaric|barbarians|primitive|uncivili[sz]ed"
    r"|evil|sneaky|dishonest|liars|untrustworthy|worthless|useless|weak|incompetent|subhuman"
    r"|disgusting|perverts|pedophiles|rapists|hysterical|irrational|unintelligent|less\s+"
    r"intelligent|not\s+(?:as\s+)?(?:smart|intelligent|capable)|bad\s+(?:at\s+[\w-]+|people"
    r"|drivers|parents|leaders)|terrible\s+(?:at\s+[\w-]+|drivers|people)|a\s+cancer|parasites"
    r"|vermin|a\s+plague|trash|scum|rude|arrogant|selfish|promiscuous|sluts|whores|freeloaders"
    r"|leeches|thugs|morally\s+bankrupt|pathological|abnormal|mentally\s+ill|a\s+disease"
    r"|an\s+abomination|immoral|sinful|unnatural|backward|emotional|have\s+(?:low|lower)\s+iqs?"
    r"|the\s+descendants\s+of\s+terrorists)\b"
)
_STEREOTYPED_ZH = (
    r"(?:黑人|白人|黑鬼|穆斯林|回民|回族|维族|新疆人|犹太人|同性恋|基佬|女人|女的|女生|女司机|女性|男人|外地人"
    r"|农村人|乡下人|农民工|河南人|东北人|上海人|广东人|湖南人|四川人|安徽人|福建人|日本人|韩国人|印度人|阿三"
    r"|外国人|胖子|残疾人|穷人|老人|老年人)"
)
_TRAIT_ZH = (
    r"(?:懒|笨|蠢|傻|脏|臭|丑|坏人|骗子|小偷|偷东西|罪犯|恐怖分子|野蛮|低等|劣等|下等|不配|垃圾|废物|没素质"
    r"|素质低|素质差|贪婪|小气|狡猾|虚伪|不讲卫生|智商低|能力差|情绪化|比不上|不如男人|变态|有病|精神病"
    r"|不是好东西|没一个好东西|低人一等|愚昧|落后)"
)
ABUSE_PHRASES = (
    AskedPhrase(
        "toxicity",
        re.compile(
            # Insulting the reader: "you idiot", "you are a worthless piece of shit".
            rf"\b(?:you|u|ya)\s+(?:{_INSULT_ADJ}\s+){{0,3}}{_INSULT_NOUN}"
            rf"|\byou(?:\s+are|['’]re|\s+r)\s+(?:so\s+|just\s+|really\s+|nothing\s+but\s+)?"
            rf"(?:{_INSULT_ADJ}\s+){{0,3}}(?:{_INSULT_NOUN}|trash|garbage|rubbish|pigs?|dogs?"
            r"|animals?|stupid|dumb|worthless|useless|pathetic|disgusting|despicable|brainless"
            r"|retarded)\b"
            r"|\b(?:scum|trash|people|idiots)\s+like\s+you\s+(?:should|deserve|must)\b"
            r"|\byou\s+(?:don['’]t|do\s+not)\s+deserve\s+to\s+(?:be\s+(?:a\s+)?(?:human(?:\s+being)?"
            r"|alive|born)|live|exist)\b"
        ),
        ("you", "u ", "ya ", "scum", "trash", "people", "idiots"),
    ),
    AskedPhrase(
        "toxicity",
        re.compile(
            r"你(?:这个|这种|个|这)?(?:傻逼|傻b|煞笔|蠢货|蠢猪|白痴|智障|脑残|废物|垃圾|贱人|婊子|畜生|人渣|混蛋"
            r"|王八蛋|狗东西|贱货|杂种|败类|烂人|骚逼|sb|渣男|渣女|肥猪|毒瘤|傻子|蠢蛋|笨蛋|贱种|狗崽子|懒狗|呆子"
            r"|烂逼|瘪三|渣渣|蠢驴|猪头|二百五|贱骨头|卑鄙小人)"
            r"|你(?:就是|真是|简直就是|简直是)(?:一个|个)?(?:废物|傻子|智障|白痴|垃圾|蠢货|脑残|人渣|畜生)"
            r"|你(?:有多|真|好|太)(?:蠢|笨)|傻逼|煞笔|王八蛋|狗东西|贱人|婊子|人渣|杂种|瘪三|操你|草你妈|日你妈"
            r"|去你妈|你(?:根本)?不配(?:做人|活着|当人)"
        ),
        (
            *("你", "傻逼", "煞笔", "王八蛋", "狗东西", "贱人", "婊子", "人渣", "杂种", "操你"),
            *("草你", "日你", "去你", "瘪三"),
        ),
        chinese=True,
    ),
    AskedPhrase(
        "hate",
        re.compile(
            # "Muslims are terrorists", "why are women so emotional", "women shouldn't vote".
            rf"{_STEREOTYPED}\s+(?:(?:are|is|were)\s+(?:(?:all|just|so|such|naturally|inherently"
            r"|genetically|always|really|basically|simply|only|nothing\s+but|a\s+bunch\s+of|too"
            r"|more|the|of\s+course)\s+){0,3}|(?:always|so|such|all|just|naturally|inherently"
            rf"|more)\s+(?:(?:so|such|very|really)\s+)?){_TRAIT}"
            rf"|{_STEREOTYPED}\s+{_TRAIT}\s*\?"
            # "Why do Indian people smell so musty?"
            rf"|why\s+do\s+(?:all\s+)?{_STEREOTYPED}\s+(?:smell|stink)\b"
            rf"|{_STEREOTYPED}\s+(?:should|must|need\s+to|ought\s+to)\s+(?:all\s+)?(?:not\s+be\s+allowed"
            r"|never\s+be\s+allowed|be\s+(?:banned|deported|excluded|discriminated|sterili[sz]ed"
            r"|locked\s+up|kicked\s+out)|go\s+back\s+to|stay\s+in\s+the\s+kitchen)"
            rf"|{_STEREOTYPED}\s+(?:shouldn['’]t|should\s+not|can['’]t|cannot)\s+(?:be\s+allowed\s+to\s+)?"
            r"(?:vote|drive|lead|be\s+(?:leaders|bosses|doctors|engineers|pilots|presidents)"
            r"|have\s+(?:rights|jobs)|join\s+the\s+(?:army|military)|serve\s+in)"
            # "Why should disabled people not be shown on TV?"
            rf"|why\s+(?:should|must)\s+{_STEREOTYPED}\s+(?:(?:not|never)\s+be\s+(?:allowed|shown"
            r"|hired|trusted|permitted|given|served|admitted)|be\s+(?:banned|deported|excluded"
            r"|segregated|sterili[sz]ed|paid\s+less)|(?:go|be\s+put)\s+through\s+extra|earn\s+less)"
            r"|(?:certain\s+|some\s+)?(?:minority\s+groups|minorities|races|ethnic\s+groups)\s+are\s+"
            r"(?:\w+\s+)?(?:inferior|subhuman|less\s+intelligent|less\s+human)\b"
        ),
        (
            *("women", "girls", "females", "men", "males", "black", "white", "asian", "chinese"),
            *("japanese", "indian", "hindu", "muslim", "arabs", "jew", "christians", "catholics"),
            *("atheists", "mexicans", "latinos", "hispanics", "africa", "immigrants", "migrants"),
            *("refugees", "foreigners", "gay", "lesbians", "homosexual", "trans", "old", "older"),
            *("elderly", "fat", "overweight", "poor", "disabled", "people with", "blondes"),
            *("rednecks", "gypsies", "westerners", "russians", "koreans", "pakistanis"),
            *("filipinos", "native", "autistic", "single", "why", "certain", "some", "minorit"),
            *("races", "ethnic"),
        ),
    ),
    AskedPhrase(
        "hate",
        re.compile(
            rf"{_STEREOTYPED_ZH}(?:都|就|全|总是|天生|普遍|大多|基本上|本来就|全都|这么|那么|怎么这么|为什么这么|一个个)+"
            rf"(?:是|很|太|那么|这么|特别|比较|有点|又)?{_TRAIT_ZH}"
        ),
        (
            *("黑", "白人", "穆斯林", "回", "维族", "新疆", "犹太", "同性恋", "基佬", "女", "男人"),
            *("外地人", "农村", "乡下", "农民工", "河南", "东北", "上海", "广东", "湖南", "四川"),
            *("安徽", "福建", "日本", "韩国", "印度", "阿三", "外国", "胖子", "残疾", "穷人", "老"),
        ),
        chinese=True,
    ),
)
"""Abuse in a prompt: insulting the reader ("you idiot", "你这个废物") and stereotypes that
demean a group ("why are women so emotional", "Muslims are terrorists", "河南人都是骗子").
Prompts only, like :data:`REQUEST_PHRASES`."""


ASKED_PHRASES = AnchorIndex(REQUEST_PHRASES + PROMOTION_PHRASES + ABUSE_PHRASES)


def harm_phrase(text: str, direction: Direction = "input") -> Finding | None:
    """The first plain threat or call for violence in ``text``, or in a prompt the first plainly
    harmful request, as a finding."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets aligned
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for phrase in THREAT_PHRASES:
        found = phrase.search(lowered)
        if found:
            return Finding("HARM", *found, PHRASE_SCORE, PHRASE_DETECTOR, phrase.category)
    if direction == "input":
        asked = ASKED_PHRASES.first(lowered)
        if asked:
            start, end, family = asked
            return Finding(
                "HARM", start, end, PHRASE_SCORE, PROMPT_PHRASE_DETECTOR, family.category
            )
    return None


MIN_CONTENT_CHARS = 4
"""Below this many letters (any script) a text needs a keyword to count as unsafe; no unsafe
text in the development part is that short."""
LETTER = re.compile(r"[^\W\d_]")


def has_content(text: str, start: int, end: int) -> bool:
    letters = LETTER.finditer(text, start, end)
    return sum(1 for _ in islice(letters, MIN_CONTENT_CHARS)) >= MIN_CONTENT_CHARS


@dataclass(frozen=True, slots=True)
class WindowScore:
    """Both models' scores for one window."""

    request: float
    toxicity: float
    part: Window


@dataclass(frozen=True, slots=True)
class OperatingPoints:
    """The thresholds a text is held to, for its language and direction."""

    model: LinearTextModel | MixedTextModel
    """The request model: ``harm_zh.npz`` for Chinese prompts, else ``harm.npz``."""
    semantic: SemanticHead | None
    """Where the request model has one, the part of its logit read from static word vectors."""
    plain: float
    with_keyword: float
    """Lower where a hazard keyword backs the request model."""
    toxicity: float

    def request(self, keyword_found: bool) -> float:
        return self.with_keyword if keyword_found else self.plain


class HarmDetector:
    name = "harm"

    def __init__(self) -> None:
        self.request = load_text_model(MODEL)
        """The harmful-request model of answers, and of prompts but Chinese ones."""
        self.request_zh = load_text_model(MODEL_ZH)
        """The harmful-request model of Chinese prompts."""
        self.semantic_zh = load_semantic_head(MODEL_ZH)
        self.toxicity = LinearTextModel.load(TOXICITY_MODEL)

    def category(self, text: str) -> str:
        return lexicon_category(text) or FALLBACK_CATEGORY

    def operating_points(self, text: str, direction: Direction) -> OperatingPoints:
        lang = language_of(text)
        chinese_prompt = lang == "zh" and direction == "input"
        model = self.request_zh if chinese_prompt else self.request
        semantic = self.semantic_zh if chinese_prompt else None
        plain = model.thresholds[lang]
        with_keyword = min(plain, model.cue_thresholds[lang]) if model.cue_thresholds else plain
        return OperatingPoints(model, semantic, plain, with_keyword, self.toxicity.thresholds[lang])

    def scores(self, text: str, parts: list[Window], points: OperatingPoints) -> list[WindowScore]:
        return [
            WindowScore(request_score(text, part, points), self.toxicity.score(part.ids), part)
            for part in parts
        ]

    def check(self, text: str, direction: Direction = "input") -> list[Finding]:
        return self.check_windows(text, windows(text), direction)

    def margin(self, text: str, direction: Direction = "input") -> float:
        """The highest window score divided by the operating point that window is held to
        (>= 1 exactly when a model or a phrase fires; the short-text rule aside)."""
        points = self.operating_points(text, direction)
        margin = 0.0
        for scored in self.scores(text, windows(text), points):
            keyword = keyword_evidence(lexicon_category(text[scored.part.start : scored.part.end]))
            margin = max(
                margin,
                scored.request / points.request(keyword),
                scored.toxicity / points.toxicity,
            )
        return max(margin, 1.0) if harm_phrase(text, direction) else margin

    def check_windows(self, text: str, parts: list[Window], direction: Direction) -> list[Finding]:
        points = self.operating_points(text, direction)
        best: Finding | None = None
        for scored in self.scores(text, parts, points):
            part = scored.part
            if scored.request < points.with_keyword and scored.toxicity < points.toxicity:
                continue  # below every operating point: no need to look for keywords
            keyword = lexicon_category(text[part.start : part.end])
            score = 0.0
            if scored.request >= points.request(keyword_evidence(keyword)):
                score = scored.request
            if scored.toxicity >= points.toxicity:
                score = max(score, scored.toxicity)
            if not score or (keyword is None and not has_content(text, part.start, part.end)):
                continue  # "？", "ok": too little text for the models to judge
            if best is None or score > best.score:
                category = keyword or FALLBACK_CATEGORY
                best = Finding("HARM", part.start, part.end, score, "harm_model", category)
        phrase = harm_phrase(text, direction)
        if phrase and (best is None or best.score < phrase.score):
            best = phrase
        return [best] if best else []


def request_score(text: str, part: Window, points: OperatingPoints) -> float:
    """The request model's score of one window of ``text``, its semantic part included."""
    if points.semantic is None or not len(part.ids):
        return points.model.score(part.ids)
    margin = points.model.margin(part.ids) + points.semantic.margin(text[part.start : part.end])
    return probability(margin)
