"""Structured personal data in English and Chinese: patterns with validators and context.

Each :class:`PatternRule` is a precompiled pattern, an optional validation function (checksum,
library check) and a score; a rule may need a context word nearby. Phone numbers are confirmed
with Google's ``phonenumbers``. Person names live in :mod:`.names`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import phonenumbers

from .model import Finding
from .prefilter import probes_for

Validator = Callable[[str], bool]

CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CN_ID_CHECK = "10X98765432"


def cn_resident_id_valid(value: str) -> bool:
    """GB 11643 check digit of an 18-character mainland China resident ID number."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, CN_ID_WEIGHTS, strict=False))
    return CN_ID_CHECK[total % 11] == value[17].upper()


def luhn_valid(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    numeric = "".join(str(int(c, 36)) for c in moved)
    return int(numeric) % 97 == 1


def ip_valid(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not (address.version == 6 and value.count(":") < 2)


def ssn_valid(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


URL_SECRET_PARAM = re.compile(
    r"(?i)(?<![a-z0-9_])(?:api_?key|access_token|token|secret|password|passwd|sig|signature|auth)"
    r"=[^&#\s]"
)


def url_has_credentials(url: str) -> bool:
    """A user:password@ authority, or a query parameter that carries a key or token."""
    rest = url.split("://", 1)[1]
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority and ":" in authority.rsplit("@", 1)[0]:
        return True
    query = rest.partition("?")[2].partition("#")[0]
    return URL_SECRET_PARAM.search(query) is not None


@dataclass(frozen=True, slots=True)
class PatternRule:
    type: str
    detector: str
    pattern: re.Pattern[str]
    score: float
    validate: Validator | None = None
    group: int | None = 0
    """The group that is the value; ``None``: the first group that matched."""
    context: re.Pattern[str] | None = None
    """If set, the rule only fires with one of these words in the ``CONTEXT_CHARS`` before."""
    trigger: re.Pattern[str] | None = None
    """A cheap pattern the text must contain before the (costlier) rule pattern is tried."""


CONTEXT_CHARS = 40
DATE = (
    r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"[a-z]*\.?,?\s+\d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{2,4}年\d{1,2}月(?:\d{1,2}[日号])?|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}[日号])"
)
ZH_PLACES = (
    "内蒙古自治区|广西壮族自治区|西藏自治区|宁夏回族自治区|新疆维吾尔自治区|香港特别行政区|"
    "澳门特别行政区|"
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    "湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|"
    "广州|深圳|珠海|汕头|佛山|东莞|中山|惠州|南京|苏州|无锡|常州|南通|扬州|徐州|杭州|宁波|"
    "温州|绍兴|嘉兴|金华|台州|合肥|芜湖|福州|厦门|泉州|南昌|济南|青岛|烟台|潍坊|郑州|洛阳|"
    "武汉|宜昌|长沙|成都|绵阳|贵阳|昆明|西安|兰州|西宁|银川|乌鲁木齐|拉萨|南宁|桂林|海口|"
    "三亚|石家庄|唐山|保定|太原|大同|沈阳|大连|长春|哈尔滨|呼和浩特|包头|南阳|开封"
)
"""Provincial-level divisions and large cities: where a written Chinese address starts."""
ZH_NUMBERED = (
    r"(?:(?:[\d一二三四五六七八九十百零〇]{1,6}|[A-Za-z])"
    r"(?:号楼|号院|号|栋|幢|座|塔|单元|门|室|层|楼|组))"
)
ZH_HOUSE = (
    rf"[甲乙丙丁]?{ZH_NUMBERED}{{1,4}}(?![线车机])(?:之[\d一二三四五六七八九十]{{1,2}})?"
    r"(?:(?:(?<=单元)|(?<=[层座楼门塔]))[A-Za-z]?\d{3,4}(?![\d元米平万年个]))?"
)
"""House, building, unit and room numbers ("27号", "甲22号", "4号之8", "5号楼1201室",
"B座12层1205", "2门301"): a room written as bare digits after a floor, block or entrance."""
ZH_NOT_NAME = "在住于到从的是和与我你他她址为将把被给向寄送家去来位搬至往请这那条哪了"
"""Function characters: no district or street name starts with or holds one ("我住在朝阳区…"
starts at 朝, "这条路3号线" is no street); inside a street name 家 and 和 may stand (张家港街,
呼和浩特街)."""
ZH_NAME_CHAR = f"(?:(?![{ZH_NOT_NAME}])[\u4e00-\u9fa5])"
ZH_DISTRICT = rf"{ZH_NAME_CHAR}{{2,3}}(?:区|县)"
"""A district or county opening an address without its city ("朝阳区建国路88号")."""
ZH_CITY = (
    rf"(?:(?<![\u4e00-\u9fa5])|(?<=[{ZH_NOT_NAME}]))"
    rf"{ZH_NAME_CHAR}{{2,4}}(?:市|州|盟)(?=[\u4e00-\u9fa5]{{1,4}}?(?:区|县|市|旗|镇|乡))"
)
"""A city outside :data:`ZH_PLACES` (通辽市, 六盘水市) opening an address: only where a word
boundary is plain (the text's start, a symbol, or a function character: "寄到辽阳市…") and a
district, county or town follows ("昆山市玉山镇"), so that no character of the words before it
creeps in."""
ZH_STREET_WORD = "大街|大道|路|街|巷|弄|胡同|村"
ZH_COMPOUND = rf"(?:{ZH_NAME_CHAR}|[家和A-Za-z]){{1,8}}?"
ZH_COMPOUND_TAIL = (
    rf"{ZH_COMPOUND}(?:小区|花园|家园|公寓|大厦|广场|园区|新村|苑|公馆|大楼|中心|御景|写字楼|商务楼"
    rf"|软件园|科技园|产业园|酒店)(?:{ZH_HOUSE})?|{ZH_COMPOUND}(?:城|园|府|里|期|国际){ZH_HOUSE}"
)
"""A compound or building named after the house number, with its own block, floor and room
numbers ("…现代城5号楼1201室", "…76号颐和国际A座2301室") or, named by a word no sentence
uses otherwise, without them ("…126号百隆广场"): part of the address."""
ZH_ADDRESS = (
    rf"(?:(?:(?:{ZH_PLACES})(?:省|市|自治区)?|{ZH_CITY}|{ZH_DISTRICT})"
    r"(?:[\u4e00-\u9fa5]{1,6}?(?:市|区|县|旗|镇|乡|街道)){0,3}"
    rf"(?:[\u4e00-\u9fa5\d]{{1,8}}?(?:{ZH_STREET_WORD}|道|小区|花园|大厦|广场|园区)){{1,2}}"
    rf"|{ZH_NAME_CHAR}(?:{ZH_NAME_CHAR}|[家和]){{0,5}}?(?:{ZH_STREET_WORD}))"
    r"(?:(?:[一二三四五六七八九十\d]{1,2}|[东南西北中])段)?"
    rf"{ZH_HOUSE}(?:{ZH_COMPOUND_TAIL}){{0,3}}"
)
"""A street address: province or city and districts, or a district alone, then a road or
compound; or a street name alone ("中关村大街27号"); then a house, building, unit or room
number. A bare place name or a street without a number is not one (see the annotation
guideline in docs/guards.md)."""
ZH_BUILDING = (
    rf"(?:(?![{ZH_NOT_NAME}])[\u4e00-\u9fa5A-Za-z\d]){{2,10}}?"
    r"(?:大厦|中心|广场|大楼|公寓|小区|花园|家园|新村|苑|写字楼|商务楼|科技园|产业园)"
    r"(?:[一二三四五六七八九十\d]{1,2}[区期])?"
    r"(?:[A-Za-z\d]{1,3}|[一二三四五六七八九十]{1,3})(?:座|栋|幢|号楼)"
    r"(?:[\d一二三四五六七八九十]{1,3}(?:单元|门))?"
    r"(?:[A-Za-z\d-]{1,5}(?:层|楼|室|号)|(?<=[元门])\d{3,4}(?![\d元米平万年个]))"
)
"""A named building or compound, its section or phase, a block and a floor, unit or room
("乐成中心B座21层", "盛世长安小区3栋1单元801室", "龙腾苑四区12号楼3单元201"), written without
the city: a compound, building, unit or room is an address in the annotation guideline."""
STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Ter|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq|Crescent|Close|Row|Alley"
    # further USPS Publication 28 street suffixes (public domain), full words
    r"|Bypass|Burgs?|Causeway|Centers?|Common|Corners?|Creek|Crossing|Estates?|Expressway"
    r"|Extensions?|Fields?|Flats?|Fords?|Forest|Forks?|Freeway|Gardens?|Gateway|Glens?|Greens?"
    r"|Groves?|Harbors?|Heights|Hills?|Hollow|Islands?|Junctions?|Keys?|Knolls?|Lakes?|Landing"
    r"|Light|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount|Mountains?|Orchard"
    r"|Oval|Park|Pass|Path|Pike|Pines|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ranch|Rapids?"
    r"|Ridges?|River|Route|Shoals?|Shores?|Skyway|Springs?|Spurs?|Stravenue|Stream|Summit"
    r"|Trace|Track|Trafficway|Trail|Tunnel|Turnpike|Underpass|Union|Valleys?|Viaduct|Views?"
    r"|Villages?|Ville|Vista|Walks?|Wells?|Locks?|Loaf|Camps?|Capes?|Cliffs?|Clubs?|Coves?"
    r"|Course|Crest|Curve|Dale|Dams?|Divide|Ferry|Havens?|Inlet|Isles?|Lodge|Necks?|Overpass"
    r"|Ports|Rest|Run|Stations?|Throughway|Canyons?|Brooks?|Parks|Drives|Squares|Crossroads?"
    r"|Streets|Roads|Avenues|Lanes|Courts|Places|Ways|Branch|Bridge|Circles|Falls?|Forges?|Fort"
    r"|Land|Lights|Parkways|Passage|Pine|Ramp|Wall"
    # British, Irish, Australian and New Zealand street words
    r"|Parade|Esplanade|Wynd|Copse|Rise|Grange|Quay|Promenade|Piazza|Circuit|Glade|Vale|Wharf"
    r"|Strand|Chase|Approach|Mead|Fold|Brae|Garth|Gait|Drove|Unions|Link|Ride|Crossway|Cutting"
    r"|Arcade|Line|Meander|Trunkway|Tollway)"
)
STATE_ZIP = r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"
STREET_WORDS = (
    r"(?:Via|Viale|Vicolo|Piazza|Piazzetta|Corso|Largo|Rue|Avenue|Boulevard|Chemin|Calle|Avenida"
    r"|Avda\.|Rua|Travessa|Praça|Strada|Carrer|ul\.|al\.|u\.|utca|út|tér|Str\.|straße|strasse"
    r"|gasse|weg|platz|allee|gatan|vägen|gata|gade|vej|veien|vegen|katu|tie|tee|põik|laan|straat"
    r"|plein|gracht|kade|ulica|Ringvej|Strasse|Straße|Gasse|Weg|Platz|Allee|Gata|Vej|aleja"
    r"|Paseo|Pasaje|Camino|Plaza|Ronda|Glorieta|Callejón|Carretera|Rambla|Alameda|Cañada"
    r"|Bulevardul|Aleea|Calea|Splaiul|Intrarea|Stretto|Canale|Borgo|Contrada|rue|avenue"
    r"|boulevard|chemin|pl\.)"
)
"""Words of a street name outside the US suffix list (Italian, French, Spanish, Portuguese,
German, Nordic, Dutch, Polish, Hungarian, Finnish, Estonian), as a word or a word's end
("Pohlstrasse", "Kiannonkatu")."""
STREET_WORD_ENDS = (
    r"(?:straße|strasse|gasse|weg|platz|allee|gatan|vägen|gata|gade|vej|veien|vegen|katu|tie"
    r"|tee|põik|laan|straat|plein|gracht|kade|ulica|torget|stigen|gränd|bulevardi|utca|str\.)"
)
"""The street words that end a one-word street name ("Pohlstrasse", "Kiannonkatu"); the
abbreviations (ul., u.) stand alone ("successful." is no street)."""
ADDRESS_WORD = r"[^\W\d_][\w'’-]*\.?"
CAPITAL_WORD = r"[A-Z\u00c0-\u00de][\w'’-]*\.?"
EUROPEAN_STREET = (
    rf"(?:\d{{1,6}}[ \t]+)?(?:{CAPITAL_WORD}(?:[ \t]+|(?<=-))){{0,4}}"
    rf"(?:{STREET_WORDS}|[^\W\d_]+{STREET_WORD_ENDS})(?:[ \t]+{ADDRESS_WORD}){{0,4}}"
    r"[ \t]+(?:Nr\.[ \t]*)?\d{1,5}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?\b\.?"
)
"""A street written name first, number last ("Via Tasso 129", "731 ul. Miła 57", "1072
Pohlstrasse 9"), with the building number some templates put first."""
UNIT_WORD = (
    r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Studio|#|Piano|Appartamento|Interno|Scala|Puerta"
    r"|Piso|Bl|Sc|Ap|Et)"
)
ADDRESS_UNIT = (
    rf"{UNIT_WORD}\.?[ \t]*[\w-]+"
    rf"(?:[ \t]+(?!{UNIT_WORD}\b)[A-Z\u00c0-\u00de][\w'’-]*"
    r"(?:[ \t]+[A-Z\u00c0-\u00de][\w'’-]*){0,2}"
    r"(?:[ \t]+\d{4,5})?)?"
)
"""A unit, and the town or country written after it on the same line ("Apt. 819 Rzeszów
Poland")."""
LINE_BREAK = r"[ \t]*\n[ \t]*(?:\n[ \t]*(?=[^\n]*\d))?(?:[>?]+[ \t]*)?"
"""A new line of an address block, with a quote or list marker ("> ", "??? ") kept inside; after
a blank line, only a line with a number ("\n\n Italy 75263", not "\n\nThanks")."""
ALNUM_POSTCODE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]\d[A-Z]\d|[A-Z]\d{2}[ \t][A-Z\d]{4})"
)
POSTCODE = (
    rf"(?:[A-Z]{{1,2}}-)?\d{{3,5}}(?:[- ]\d{{2,4}})?(?:[ \t]?[A-Z]{{2}}\b)?|\d\d-\d{{3}}"
    rf"|{ALNUM_POSTCODE}"
)
"""A postcode as most countries write it ("74218", "H-9792", "61-645", "787 92", "7742-180",
"8921 TJ"), or the British, Canadian and Irish forms ("W4 1XB", "R1T 9H2", "T92 YRFD")."""
UPPER = "A-Z\u00c0-\u00de\u0100-\u017f\u0391-\u03a9\u0410-\u042f"
"""Letters that open a name: Latin (with Latin Extended-A: Č, Š, Ł), Greek and Cyrillic."""
TOWN_WORD = rf"[{UPPER}](?:[a-z]?\.(?=[ \t]+[{UPPER}])|[^\W\d_'’.-]*)"
TOWN = (
    rf"{TOWN_WORD}(?:(?:[ \t]+|['’-]+)(?:{TOWN_WORD}|(?:de|da|do|das|dos|di|del|la|le|sur|nad|pod"
    r"|am|an|der|vorm|im|bei|upon|on|en|y|i)(?=[ \t'’-])"
    rf"|(?:of|the)(?=[ \t]+(?:the[ \t]+)?[{UPPER}]))){{0,4}}"
    r"(?:[ \t]+\(\w+\)|[ \t]*/[ \t]*[A-Z]{2}\b)?"
)
"""A town, city, state or country name, with a province written after it ("Belmonte Calabro
(CS)", "Peixoto / MG")."""
LINE_END = r"(?=[ \t]*(?:[,.;!?)]|\n|\Z))"
"""An address line ends at a comma, a full stop, a line break or the end ("Open 9-5" on the
next line is not a town)."""
BR_CEP_TOWN = rf"\d{{5}}-?\d{{3}}[ \t]+(?:(?:da|de|do|das|dos)[ \t]+)?{TOWN}"
"""A Brazilian CEP (8 digits, "95293595" or "60230-308"), the town and its state ("Ribeiro
Alegre / RJ", "da Paz / AM")."""
ADDRESS_LINE = (
    rf"(?:{BR_CEP_TOWN}|(?:{POSTCODE}),?[ \t]+{TOWN}|{TOWN}{LINE_END}|RD[ \t]+\d{{1,2}}\b"
    r"|[A-Z\u00c0-\u00de][^\W\d_'’.-]*(?:[ \t.'’-]+[^\W\d_]+){0,4}"
    rf"(?:[ \t]+\(\w+\))?[ \t]+(?:\d{{3,6}}(?:[- ]\d{{2,4}})?|{POSTCODE}"
    r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b"
    r"|[a-z]{2,3}(?:[ \t]+\d{4,5}|(?=(?:,[ \t]*|[ \t]*\n[ \t]*)\d{4,5}))(?![ \t]+[A-Z\d])"
    rf"|(?:(?:[A-Z]{{1,2}}-)?\d{{4,6}}(?:-\d{{3,4}})?|\d{{4}}[ \t]?[A-Z]{{2}}|{ALNUM_POSTCODE})\b"
    rf"|{TOWN}[ \t]+\d{{1,2}}ª[ \t]+Seção{LINE_END})"
)
"""A city, state, country or postcode line ("74218 Sangerhausen", "Colle Di Tora", "Italy
95787", "SK R1T 9H2", "RS 24893", "W4 1XB")."""
ADDRESS_TAIL = (
    rf"(?:(?:,[ \t]*|[ \t]+|{LINE_BREAK})(?:,[ \t]*)?{ADDRESS_UNIT})?"
    rf"(?:(?:,[ \t]*|{LINE_BREAK}(?:,[ \t]*)?|[ \t]+(?={ALNUM_POSTCODE}\b))"
    rf"(?![^\n]*:){ADDRESS_LINE}){{0,4}}"
)
"""What follows a street directly: a unit, then city, state, country and postcode, on the same
line after commas or on the next lines (the guideline keeps them in the span)."""
NOT_STREET_WORDS = (
    r"(?:Mrs?|Ms|Dr|Prof|Box|PSC|On|In|At|By|The|Some|About|Over|Since|Until|From|Only|Just"
    r"|January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday"
    r"|Friday|Saturday|Sunday|Chapter|Section|Page|Part|Step|Version|Level|Room|Table|Figure)\b"
)
"""Capitalised words before a number that are not a street (titles, dates, "Chapter 3")."""
STREET_WORD = rf"(?!{UNIT_WORD}\b|{NOT_STREET_WORDS})[{UPPER}][\w'’-]*\.?"
NUMBERED_NAME = (
    rf"\b\d{{2,6}}(?:[ \t]+{STREET_WORD}){{1,3}}[ \t]+\d{{1,5}}[A-Za-z]?\b\.?"
    rf"(?=,?[ \t]+{ADDRESS_UNIT}|{LINE_BREAK}[A-Z\u00c0-\u00de]"
    r"|,[ \t]*[A-Z\u00c0-\u00de][^\W\d_]*(?:[ \t]+[^\W\d_]+){0,3}(?:,|[ \t]+\d{4,5}|[.!?]?\s*$))"
)
"""A building number, a street name without a street word and a house number ("692 Kuuse 53"),
only when a unit or a city line follows."""
PREFIX_STREET = (
    r"\b\d{1,6}(?:[ \t]+\d{1,6})?[ \t]+(?:Rue|rue|Avenue|avenue|Boulevard|boulevard|Chemin"
    r"|chemin|Via|Viale|Piazza|Calle|Avenida|Rua)"
    r"(?:[ \t]+(?:de|du|des|la|le|les|del|della|di|do|da|dos|das|d'|l'))?"
    r"(?:[ \t]+[A-Z\u00c0-\u00de][\w'’-]*(?:[ \t]+(?:de|du|des|la|le|les|del|di|da|do|y))?){1,4}"
)
"""A number, a street word, then the name ("33 avenue de Provence", "636 Rue De La Gare")."""
SECOND_STREET = (
    rf"(?:[ \t]+(?:(?:van|von|de|der|den|la|le|del)[ \t]+)?{CAPITAL_WORD}(?:[ \t]+{CAPITAL_WORD})?"
    rf"[ \t]+{STREET_SUFFIX}\b\.?)?"
)
"""A second street name some addresses carry after the number ("Brucker Bundesstrasse 31
Zezig Streets", "1737 Cheriton Dr Reuquén Extensions")."""
WORD_NUMBER_STREET = (
    rf"\b{CAPITAL_WORD}[ \t]+\d{{1,5}}(?:[ \t]+{CAPITAL_WORD}){{1,2}}[ \t]+{STREET_SUFFIX}\b\.?"
)
"""A one-word street name, the number, and a named street after it ("Storgarden 52 Trajanka
Forks")."""
STREET_PARTICLE = (
    r"(?:de|del|della|di|da|do|das|dos|du|des|la|le|van|von|der|den|nad|pod|na|u|z"
    r"|cesta|ulica|utca|út|tér|rue|avenue|gata|vej|vei|veien|tie|katu|straat|aleja|trg)"
)
HOUSE_NUMBER = r"(?:(?:Nr\.[ \t]*)?\d{1,5}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?\b\.?(?![,.]?\d)|S/N\b)"
"""A house number ("12", "9b", "93/28", "Nr. 92"), not the start of a larger number, or none
("S/N", sem número / sin número)."""
NUMBERED_STREET = (
    rf"\b(?:\d{{1,6}}[ \t]+)?(?:{STREET_WORD}[ \t]+(?:{STREET_PARTICLE}[ \t]+){{0,3}}){{1,4}}"
    rf"{HOUSE_NUMBER}"
    rf"|\b(?:\d{{1,6}}[ \t]+)?{STREET_WORD}(?:[ \t]+(?:{STREET_PARTICLE}|{STREET_WORD})){{0,5}},"
    rf"[ \t]*{HOUSE_NUMBER}"
    rf"|\b(?:\d{{1,6}}[ \t]+)?\d{{1,5}}[A-Za-z]?,[ \t]+[a-zà-ÿ]+(?:[ \t]+(?:{STREET_PARTICLE}|d'))?"
    rf"(?:[ \t]+{CAPITAL_WORD}){{1,3}}"
)
"""A street of any country written with its house number ("Mezi Sklady 393", "Rua das Bolas,
37", "97, rue de Gonzalez"), with the building number some templates put first: an address
only when a postcode and town line follows (:data:`POSTCODE_TOWN_NEXT`)."""
POSTCODE_TOWN = rf"(?:(?:{POSTCODE}),?[ \t]+|\d{{4}}[ \t]?[A-Z]{{2}}{LINE_BREAK})[{UPPER}]"
POSTCODE_TOWN_NEXT = (
    rf"(?=(?:(?:,?[ \t]+|{LINE_BREAK}){ADDRESS_UNIT}){{0,2}}"
    rf"(?:(?:,[ \t]*|[ \t]+|{LINE_BREAK})(?:{POSTCODE})[ \t]+[{UPPER}]"
    rf"|(?:,[ \t]*|{LINE_BREAK})(?:{TOWN}(?:,[ \t]*|{LINE_BREAK}))?"
    rf"(?:{POSTCODE_TOWN}|{TOWN},?[ \t]+(?:\d{{4,6}}|{POSTCODE})\b))"
    rf"|(?:,[ \t]*|{LINE_BREAK})(?:{TOWN}(?:[ \t]+\d{{1,2}}ª[ \t]+Seção)?{LINE_BREAK})?"
    rf"{BR_CEP_TOWN}[ \t]*/[ \t]*[A-Z]{{2}}\b)"
)
"""After a unit or two (on the same line or their own): a postcode and town on the same line,
or after a comma or on the next lines a postcode and town or a town and postcode in any of
:data:`POSTCODE`'s forms ("Czech Republic 256 59"), a town or district first or not."""
AU_STATE_LINE = (
    rf"(?={LINE_BREAK}(?:{TOWN},?[ \t]+(?:ACT|NSW|NT|QLD|SA|TAS|VIC|WA),?[ \t]+\d{{4}}\b"
    rf"|(?:RD[ \t]+\d{{1,2}}{LINE_BREAK})?{TOWN}[ \t]+\d{{4}}{LINE_END}))"
)
AU_STREET = (
    r"\b(?:(?:Unit|Level|Apt\.?|Suite|Flat|Shop)[ \t]+\d{1,5}[A-Za-z]?[ \t]+|\d{1,5}/)?"
    r"\d{1,5}[A-Za-z]?"
    rf"(?:[ \t]+{CAPITAL_WORD}){{1,3}}{AU_STATE_LINE}"
)
"""An Australian or New Zealand street of any street type (Concourse, Byway, Tarn, Cross …) when
the next line is a town, a state and a postcode ("7 Smith Rue\nHowardton, QLD, 2195", "3/81
Cassie Artery\nPort Amyshire, NSW, 2920") or a town and a four-digit postcode, a rural-delivery
line first or not ("75 Strawbridge Cross\nPohorotapu 5584")."""
EN_ADDRESS = (
    r"(?:\b(?:(?:Suite|Flat|Unit|Apt\.?|Apartment|Studio)[ \t]+\d{1,5}[A-Za-z]?[ \t]+)?"
    rf"\d{{1,6}}[A-Za-z]?(?:/\d{{1,4}})?(?:[ \t]+\d{{1,6}})?(?:[ \t]+St\.)?"
    rf"(?:[ \t]+[{UPPER}][\w'-]+){{1,4}}"
    rf"[ \t]+{STREET_SUFFIX}\b\.?|\b{EUROPEAN_STREET}|{WORD_NUMBER_STREET}|{NUMBERED_NAME}"
    rf"|{PREFIX_STREET}|{AU_STREET}|(?:{NUMBERED_STREET}){POSTCODE_TOWN_NEXT}){SECOND_STREET}"
    rf"(?:,?[ \t]+{ADDRESS_UNIT}){{0,2}}{ADDRESS_TAIL}"
    # a flat or studio line first, then the street ("Flat 8\nJeffrey Unions\nYatesburgh\nW4 1XB")
    rf"|\b(?:Flat|Studio|Unit|Apartment|Suite)[ \t]+\d{{1,4}}[A-Za-z]?(?:,[ \t]*|{LINE_BREAK})"
    rf"(?:\d{{1,5}}[ \t]+)?(?:{CAPITAL_WORD}[ \t]+){{1,3}}{STREET_SUFFIX}\b\.?{ADDRESS_TAIL}"
    # post-office boxes and military mail: "P.O. Box 149", "PSC 6293, Box 8158\nAPO AP 04336"
    r"|\b(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][a-z]+(?:,[ \t]*|\n)FPO[ \t]+(?:AA|AE|AP)[ \t]+\d{5}"
    r"|\b(?:P\.?[ \t]?O\.?[ \t]+Box|PSC[ \t]+\d{1,5},?[ \t]+Box|Unit[ \t]+\d{1,5}[ \t]+Box)"
    rf"[ \t]+\d{{1,6}}(?:(?:,[ \t]*|\n)(?:[AF]PO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{{5}}"
    rf"|(?:[ \t]+{CAPITAL_WORD}){{1,3}}[ \t]+{STREET_SUFFIX}\b\.?(?:,?[ \t]+{ADDRESS_UNIT})?"
    rf"{ADDRESS_TAIL}|{ADDRESS_TAIL})?"
)

RULES: tuple[PatternRule, ...] = (
    PatternRule(
        "EMAIL",
        "email",
        re.compile(
            r"(?<![A-Za-z0-9_.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
        ),
        0.95,
    ),
    PatternRule(
        "ID_NUMBER",
        "cn_resident_id",
        re.compile(
            r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
            r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
        ),
        0.99,
        cn_resident_id_valid,
    ),
    PatternRule(
        "ID_NUMBER",
        "us_ssn",
        re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])"),
        0.8,
        ssn_valid,
    ),
    PatternRule(
        "ID_NUMBER",
        "us_ssn",
        re.compile(r"(?<!\d)\d{9}(?!\d)"),
        0.7,
        ssn_valid,
        context=re.compile(r"(?i)\b(?:ssn|social security)"),
    ),
    PatternRule(
        "PASSPORT",
        "passport",
        re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}\d{7,8}|\d{9})(?![A-Za-z0-9])"),
        0.8,
        context=re.compile(r"(?i)passport|护照"),
    ),
    PatternRule(
        "CREDIT_CARD",
        "card_luhn",
        re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])"),
        0.9,
        luhn_valid,
    ),
    PatternRule(
        "CREDIT_CARD",
        "cn_bank_card",
        re.compile(r"(?<!\d)62\d{14,17}(?!\d)"),
        0.7,
        context=re.compile(r"银行卡|卡号|储蓄卡|借记卡|信用卡|(?i:bank card|card number)"),
    ),
    PatternRule(
        "CREDIT_CARD",
        "maestro_12",
        re.compile(r"(?<![\d-])(?:5[06-9]|6\d)\d{10}(?![\d-])"),
        0.75,
        luhn_valid,
        context=re.compile(r"(?i)\bcards?\b|maestro|debit|银行卡|卡号|借记卡"),
    ),
    PatternRule(
        "IBAN",
        "iban",
        re.compile(
            r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?"
            r"(?![A-Za-z0-9])"
        ),
        0.95,
        iban_valid,
    ),
    PatternRule(
        "IP",
        "ip",
        re.compile(r"(?<![A-Za-z0-9_.])(?:\d{1,3}\.){3}\d{1,3}(?![A-Za-z0-9_.])"),
        0.8,
        ip_valid,
    ),
    PatternRule(
        "IP",
        "ip",
        re.compile(
            r"(?<![A-Za-z0-9_:])(?:[0-9A-Fa-f]{1,4}:){1,7}"
            r"(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![A-Za-z0-9_:])"
        ),
        0.85,
        ip_valid,
    ),
    PatternRule(
        "LICENSE_PLATE",
        "cn_plate",
        re.compile(
            r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
            r"[A-HJ-NP-Z][·•\s-]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警]?(?![A-Za-z0-9])"
        ),
        0.85,
    ),
    PatternRule(
        "DATE_OF_BIRTH",
        "date_of_birth",
        re.compile(
            rf"(?i:born(?:\s+on)?|date\s+of\s+birth|d\.?o\.?b\.?|birth\s*day|birthdate)"
            rf"\W{{0,5}}(?:is\s+)?({DATE})"
            rf"|(?:出生日期|出生于|生日|生于|出生)(?:是|为|[:：])?\s*({DATE})"
            rf"|({DATE})\s*(?:出生|生人)"
        ),
        0.85,
        group=None,
        trigger=re.compile(r"(?i)born|birth|dob|d\.o\.b|出生|生日|生于|生人"),
    ),
    PatternRule(
        "URL_CREDENTIALS",
        "url_credentials",
        re.compile(r"(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,31}://\S+"),
        0.97,
        url_has_credentials,
        trigger=re.compile("://"),
    ),
    PatternRule("ADDRESS", "address_en", re.compile(EN_ADDRESS), 0.75),
    PatternRule(
        "ADDRESS",
        "address_zh",
        re.compile(ZH_ADDRESS),
        0.75,
        trigger=re.compile(
            "[街道路巷弄同村区园厦场段][\\dA-Za-z一二三四五六七八九十百零〇甲乙丙丁]"
        ),
    ),
    PatternRule(
        "ADDRESS",
        "address_zh_building",
        re.compile(ZH_BUILDING),
        0.75,
        trigger=re.compile("[座栋幢]|号楼"),
    ),
)

PHONE_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}"
    r"(?:[ \t]?(?:x|ext\.?|extension)[ \t]?\d{1,6})?(?![A-Za-z0-9_])"
)
IPV4_SHAPE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
"""A dotted quad is an IP address (or nothing), never a phone number."""
ISO_DATE_SHAPE = re.compile(r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:[ \t]+\d{1,2})?")
"""A date, or a date and the hour of a time ("2000-04-16 11:34:35"), is not a phone number."""
PHONE_CONTEXT = re.compile(
    r"(?i)phone|tel\b|call|mobile|cell|fax|whatsapp|messag|answer|\breach\b|\bsms\b|\btext(?:ing|\s+(?:me|us))\b"
    r"|\bdial|电话|手机|联系|致电|热线|号码"
)
NOT_PHONE_CONTEXT = re.compile(
    r"(?i)licen[cs]e|passport|\bssn\b|social security|serial|tracking|invoice|order\b"
    r"|身份证|卡号|订单"
)
"""Words that name the number something else ("driver's license number is 2270-66-1551")."""
NOT_PHONE_CHARS = 24
PHONE_REGIONS = ("US", "CN")
CONTEXT_REGIONS = ("GB", "DE", "FR", "IN", "AU", "NL", "IT", "ES")
"""Tried only with a phone word nearby: nearly any digit string is valid somewhere."""


PHONE_EXTENSION = re.compile(r"[ \t]?(?:x|ext\.?|extension)[ \t]?\d{1,6}\Z")


def _phone_score(candidate: str, has_context: bool) -> float:
    """0 if not a phone number; higher for numbers valid in a likely region."""
    candidate = PHONE_EXTENSION.sub("", candidate)  # "415-555-2671x204": the number is judged
    digits = sum(c.isdigit() for c in candidate)
    if not 7 <= digits <= 15:
        return 0.0
    if candidate.startswith("+"):
        regions: tuple[str | None, ...] = (None,)
    else:
        regions = PHONE_REGIONS + CONTEXT_REGIONS if has_context else PHONE_REGIONS
    formatted = not candidate.isdigit()
    possible = False
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if region in (None, "CN") or has_context:
                return 0.9
            if region == "US" or formatted:
                return 0.75
        elif phonenumbers.is_possible_number(number):
            possible = possible or (region == "US" and digits == 10) or has_context
    return 0.6 if possible and (formatted or has_context) else 0.0


class StructuredPII:
    """Detector for pattern-shaped personal data (everything except person names)."""

    name = "pii"

    def check(self, text: str, types: Collection[str] | None = None) -> list[Finding]:
        findings: list[Finding] = []
        probes = probes_for(text)  # skips the rules that cannot match (see .prefilter)
        for rule in RULES:
            if types is not None and rule.type not in types:
                continue
            if rule.trigger is not None and not (
                probes.allows(rule.trigger) and rule.trigger.search(text)
            ):
                continue
            if not probes.allows(rule.pattern) or (
                rule.context is not None and not probes.allows(rule.context)
            ):
                continue
            for match in rule.pattern.finditer(text):
                group = rule.group
                if group is None:
                    group = next(i for i in range(1, rule.pattern.groups + 1) if match.group(i))
                start, end = match.span(group)
                value = text[start:end]
                if rule.validate is not None and not rule.validate(value):
                    continue
                if rule.context is not None and not rule.context.search(
                    text, max(0, start - CONTEXT_CHARS), start
                ):
                    continue
                findings.append(Finding(rule.type, start, end, rule.score, rule.detector))
        if (types is not None and "PHONE" not in types) or not probes.allows(PHONE_CANDIDATE):
            return findings
        for match in PHONE_CANDIDATE.finditer(text):
            if IPV4_SHAPE.fullmatch(match.group()) or ISO_DATE_SHAPE.fullmatch(match.group()):
                continue
            start, end = match.span()
            context = PHONE_CONTEXT.search(text, max(0, start - CONTEXT_CHARS), start) is not None
            near = max(0, start - NOT_PHONE_CHARS)
            if NOT_PHONE_CONTEXT.search(text, near, start) and not PHONE_CONTEXT.search(
                text, near, start
            ):
                continue
            score = _phone_score(match.group(), context)
            if score:
                findings.append(Finding("PHONE", start, end, score, "phone"))
        return findings
