"""Lodging notification: legal deadlines, the local guest register, police exports and API client."""
