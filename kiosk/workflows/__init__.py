"""Workflows: procedures declared as forms (config/), filled from an identity, validated and submitted."""
