"""The one exception hierarchy of ssocheck; the CLI maps each class to an exit code and one line of text."""

from __future__ import annotations


class SsocheckError(Exception):
    """Base of every error ssocheck raises on purpose; the message is shown to the user as is."""

    exit_code = 2


class ConfigError(SsocheckError):
    """Bad user input: inventory, settings, waivers, command-line values. Nothing was checked."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None) -> None:
        self.source = source
        self.field = field
        where = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {message}" if where else message)


class InventoryError(ConfigError):
    """The inventory file is missing, unreadable or invalid."""


class CredentialError(ConfigError):
    """A password could not be obtained safely (missing variable, unsafe file permissions...)."""


class SnapshotError(ConfigError):
    """A saved snapshot or baseline is missing, corrupt, or of an unsupported schema version."""


class OutputError(SsocheckError):
    """A report, snapshot or baseline file could not be written (the message names the file)."""


class PluginLoadError(SsocheckError):
    """A check pack could not be loaded, or two packs declare the same check ID."""


class TransportError(SsocheckError):
    """A node could not be reached, authenticated, or did not answer in time."""


class AuthenticationError(TransportError):
    """The node rejected the inventory's credentials (HTTP 401 after the handshake)."""


class FactError(SsocheckError):
    """A fact could not be used: it failed on the node, is missing, or its value is malformed."""

    def __init__(self, fact: str, reason: str, node: str | None = None) -> None:
        self.fact = fact
        self.reason = reason
        self.node = node
        where = f"{node}: " if node else ""
        super().__init__(f"{where}fact '{fact}' unavailable: {reason}")
