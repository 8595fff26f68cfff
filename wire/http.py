"""The intake's HTTP interface as both sides name it: URL paths and media types, in one place."""

from __future__ import annotations

HEALTH_PATH = "/v1/health"
ENROL_PATH = "/v1/devices"  # POST: a kiosk enrols its public key with a one-time token (JSON)
SUBMISSIONS_PATH = "/v1/submissions"  # POST: one sealed submission (JOSE_MEDIA_TYPE)
HEARTBEATS_PATH = "/v1/heartbeats"  # POST: one signed heartbeat (JOSE_MEDIA_TYPE)

JOSE_MEDIA_TYPE = "application/jose"  # a compact JWS or JWE (RFC 7515 §9.2.1, RFC 7516 §9.2.1)
JSON_MEDIA_TYPE = "application/json"
