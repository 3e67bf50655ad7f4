"""Amounts as readers see them, written once for the models, pages, charts, feeds and exports."""

from decimal import Decimal


def grouped(number):
    """Thousands grouped with ",", no trailing zeros, at most three decimals: 800000.000 -> "800,000",
    2.50 -> "2.5". The pages then write the separators the reader's language uses (``localised_digits``)."""
    if not isinstance(number, Decimal):
        number = Decimal(str(round(float(number), 3)))
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,f}"


def compact(number):
    """Short axis labels for a phone-width chart: 1,200,000 -> "1.2M", 800,000 -> "800k"."""
    number = float(number)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return grouped(number)
