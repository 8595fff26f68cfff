"""MRZ by camera: find the machine-readable zone in a frame and recognise its OCR-B characters.

``MrzZoneReader`` is the ``kiosk.mrz_camera.ZoneSource`` the core reads through (``kiosk.mrz_camera.read_mrz``).
"""

from drivers.mrz_ocr.reader import ImageRejectedError, MrzZoneReader, ZoneProbabilities

__all__ = ["ImageRejectedError", "MrzZoneReader", "ZoneProbabilities"]
