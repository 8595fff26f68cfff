"""cccd-kiosk core: identity model, parsers, workflows, session state, outbox and signing.

This package never imports Kivy or hardware libraries; devices are reached through the interfaces in ``drivers``.
"""
