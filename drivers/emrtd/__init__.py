"""ICAO 9303 eMRTD data layer: BER-TLV, LDS files, data groups, security objects and document authentication.

Pure data handling: nothing here talks to a card. The protocol side (secure messaging, PACE, BAC, reading
files) feeds the bytes it read into these parsers, and the simulated card builds its files with the builders.

- ``tlv``: BER-TLV decode/encode (``decode``, ``decode_all``, ``total_length``, ``encode``, OID and INTEGER codecs)
- ``lds``: file table (FID, SFI, tag of EF.CardAccess, EF.COM, EF.SOD, DG1..DG16), EF.COM
- ``card_access``: SecurityInfos of EF.CardAccess and DG14 (PACE, CA, AA, TA infos; parameterId → curve)
- ``dg1`` MRZ, ``dg2`` face (ISO/IEC 19794-5, JPEG/JPEG 2000), ``dg11``/``dg12`` passport details,
  ``dg13`` Vietnamese data, ``dg14`` security infos, ``dg15`` Active Authentication key
- ``sod`` EF.SOD; ``cms`` SignedData; ``public_keys`` keys incl. explicit EC parameters
- ``pki`` test PKI, trust store (certificates, master lists, CRLs)
- ``passive_auth.verify_passive``, ``active_auth.verify_active`` / ``aa_sign``

Errors derive from ``errors.EmrtdError``; the authentication checks return results and never raise.
"""
