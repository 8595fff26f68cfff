"""Simulated external services (BHXH card check, police lodging API) for tests and ``--simulate`` runs.

Each module exposes FastAPI routers that the intake can mount, and ``serve`` runs any app with uvicorn
on loopback for real-HTTP tests.
"""
