"""ICAO 9303 eMRTD data layer: BER-TLV, LDS files, data groups, security objects and document authentication.

Pure data handling: nothing here talks to a card. The protocol side (secure messaging, PACE, BAC, reading
files)
feeds the bytes it read into these parsers, and the simulated card builds its files with the builders.
"""
