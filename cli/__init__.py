"""The ``kiosk`` command line: wires ``kiosk`` (core), ``drivers`` (devices) and ``screens`` (UI) together.

Each sub-command group lives in its own module exposing ``register(subparsers)``; heavy imports stay inside
the handlers so that ``kiosk --help`` and the parsers start fast.
"""
