"""Text normalisation for the kiosk's modules: the contract's own (``wire.text``), so that what is shown, stored
and signed is normalised one way."""

from wire.text import clean, fold_diacritics, looks_vietnamese, nfc, printable

__all__ = ["clean", "fold_diacritics", "looks_vietnamese", "nfc", "printable"]
