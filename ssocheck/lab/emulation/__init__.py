"""Answers probe facts from the state of a simulated node (the Windows side of the wire contract)."""
