"""Clinic check-in: insurance card check adapter, QĐ 130 check-in row, FHIR R4 resources."""
