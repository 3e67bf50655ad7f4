"""Amounts as readers see them, written once for the models, pages, charts, feeds and exports."""

from decimal import Decimal

from django.utils.formats import get_format


def grouped(number):
    """Thousands grouped with ",", no trailing zeros, at most three decimals: 800000.000 -> "800,000",
    2.50 -> "2.5". Data files keep this form; readers get ``local_grouped``."""
    if not isinstance(number, Decimal):
        number = Decimal(str(round(float(number), 3)))
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,f}"


def _separators():
    """How the active language writes Python's "," and ".", as a str.translate table; None when it writes them so."""
    thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    if thousands == "," and decimal == ".":
        return None
    return {ord(","): thousands, ord("."): decimal}


def local_digits(text):
    """Digits written with Python's "," and "." as the active language writes them (600 000 and 33,3 in uk/ru)."""
    table = _separators()
    return text if table is None else text.translate(table)


def local_grouped(number):
    """An amount as a reader of the active language writes it: 600,000 in English, 600 000 in Ukrainian."""
    return local_digits(grouped(number))


def local_grouper():
    """``local_grouped`` for many amounts in one language (a download): its separators looked up once."""
    table = _separators()
    if table is None:
        return grouped
    return lambda number: grouped(number).translate(table)


def compact(number):
    """Short axis labels for a phone-width chart: 1,200,000 -> "1.2M", 800,000 -> "800k"."""
    number = float(number)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return grouped(number)
