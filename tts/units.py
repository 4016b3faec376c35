"""Units of measure and currencies, read after a number ("500.000đ", "5 km²", "3 tấn/ha")."""

from __future__ import annotations

import re

#: Written unit → spoken form. Read only right after a number (or in a rate like "ha/năm").
UNITS = {
    "%": "phần trăm", "‰": "phần nghìn", "°C": "độ xê", "°": "độ",
    "km²": "ki lô mét vuông", "km2": "ki lô mét vuông", "m²": "mét vuông", "m2": "mét vuông",
    "m³": "mét khối", "m3": "mét khối", "cm²": "xen ti mét vuông", "cm2": "xen ti mét vuông",
    "km": "ki lô mét", "cm": "xen ti mét", "mm": "mi li mét", "m": "mét",
    "ha": "héc ta", "kg": "ki lô gam", "mg": "mi li gam", "g": "gam",
    "ml": "mi li lít", "l": "lít", "kW": "ki lô oát", "kWh": "ki lô oát giờ", "MW": "mê ga oát",
    "MWh": "mê ga oát giờ", "GB": "ghi ga bai", "MB": "mê ga bai", "TB": "tê ra bai",
    "đ": "đồng", "đồng": "đồng", "VNĐ": "đồng", "VND": "đồng", "vnđ": "đồng", "VNđ": "đồng",
    "USD": "đô la Mỹ", "tr": "triệu", "trđ": "triệu đồng", "tr.đ": "triệu đồng",
    "tấn": "tấn", "tạ": "tạ", "lít": "lít", "người": "người", "hộ": "hộ", "lượt": "lượt",
    "h": "giờ", "s": "giây",
}  # fmt: skip

#: Units that may stand one space away from their number ("5 ha"); the rest must touch it
#: ("500g", "3tr"), because a lone "g" or "l" after a number is more often something else.
_SPACED = frozenset(UNITS) - {"g", "l", "h", "s", "tr", "TB", "tấn", "tạ", "lít", "người", "hộ"}
_NEED_PER = frozenset({"tấn", "tạ", "lít", "người", "hộ", "lượt", "đồng"})

#: What may follow "/" in a rate: "ha/năm", "đồng/người/tháng", "km/h", "người/km²".
DENOMINATORS = {
    "năm": "năm", "tháng": "tháng", "ngày": "ngày", "tuần": "tuần", "quý": "quý", "giờ": "giờ",
    "h": "giờ", "phút": "phút", "giây": "giây", "s": "giây", "người": "người", "hộ": "hộ",
    "lượt": "lượt", "lần": "lần", "con": "con", "khẩu": "khẩu", "suất": "suất", "ca": "ca",
    "xã": "xã", "thôn": "thôn", "ha": "héc ta", "km": "ki lô mét", "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông", "m": "mét", "m²": "mét vuông", "m2": "mét vuông",
    "m³": "mét khối", "m3": "mét khối", "kg": "ki lô gam", "tấn": "tấn", "lít": "lít",
    "l": "lít", "sào": "sào",
}  # fmt: skip


def _alternation(words: frozenset[str] | set[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PER = rf"(?:/(?:{_alternation(set(DENOMINATORS))}))"
#: Matches the unit (and any "/denominator" chain) right after a number; group "unit", "per".
UNIT_PATTERN = (
    rf"(?:(?:\s?(?P<unit>{_alternation(_SPACED - _NEED_PER)})"
    rf"|(?P<unit2>{_alternation(frozenset(UNITS) - _SPACED - _NEED_PER)})"
    rf"|\s?(?P<unit3>{_alternation(_NEED_PER)})(?={_PER}))"
    rf"(?P<per>{_PER}*))?"
)


def read_unit(unit: str | None, per: str | None) -> str:
    """The spoken unit and its rate chain: ("ha", "/năm") → "héc ta trên năm"."""
    if not unit:
        return ""
    words = [UNITS[unit]]
    words += [f"trên {DENOMINATORS[d]}" for d in (per or "").split("/") if d]
    return " ".join(words)
