"""Addresses in the 2025 units (province + commune, no district): convert a card's address, let the person
confirm, feed every form. ``service`` converts, ``confirm`` holds the person's answer, ``outputs`` gives each
workflow what it needs; ``units`` are the current units and codes, ``engines`` the conversion engines."""
