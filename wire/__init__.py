"""The contract between the kiosk and the intake: what travels between them and how.

Both sides import this package and neither imports the other: the envelope (canonical JSON, JWS signatures, JWE
encryption, the token types), the keys' algorithms, the URL paths and media types, a payload schema per workflow
kind, and the one coded-error base every error of the project derives from (``wire.errors``).
"""
