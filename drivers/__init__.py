"""Everything that talks to devices: camera, QR decoding, PC/SC, the eMRTD protocol, printer.

``drivers.sim`` holds the simulated twins. Nothing here imports ``kiosk`` or ``screens``.
"""
