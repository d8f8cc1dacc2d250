"""Transports: the only code that talks to servers."""
