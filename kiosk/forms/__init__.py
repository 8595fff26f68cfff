"""Official form layouts rendered from filled forms (CT01 PDF)."""
