"""ssocheck: read-only health checks for moving the BizTalk ENTSSO master secret server to a cluster."""

from __future__ import annotations

__version__ = "0.1.0"
