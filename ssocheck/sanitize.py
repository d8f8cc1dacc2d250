"""``ssocheck sanitize``: a snapshot the project can be sent, with the farm's identifiers replaced by pseudonyms.

Every string of the snapshot (values and mapping keys, facts and expectations alike) goes through one
:class:`Pseudonymizer`, so a name gets the same pseudonym wherever it appears (equal stays equal) and two names
never share one (distinct stays distinct): the checks, which compare names, SIDs, CIDs and addresses with each
other, give the same results on the sanitised snapshot as on the original, with the names mapped.

Replaced: host, cluster and network names and domain names (NetBIOS and DNS), account names, the domain part of
domain SIDs (``S-1-5-21-a-b-c``; the RID is kept, it is what says "Domain Admins"), GUIDs (MSDTC CIDs among them),
IPv4 addresses other than loopback/any/masks, the user part of ``C:\\Users\\NAME`` paths, and hexadecimal hashes.
Kept: well-known SIDs and accounts (``S-1-5-18``, ``NT AUTHORITY\\SYSTEM``, ``BUILTIN\\Administrators``), which
identify no farm and which the checks recognise by value. A name's pseudonym has the original's length (``H1xxx``
for ``NODE1``; only a one- or two-letter name gets a longer one), so a length rule (a NetBIOS name over 15
characters) judges the same and a message that quotes a length or cuts raw text at a width reads the same once
mapped back (tests/core/test_sanitize.py compares every message of every scenario). The mapping is returned to
the caller and written only when asked (``--mapping FILE``, mode 0600): it is the key that undoes the sanitising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ssocheck.output import write_atomic

# Domains whose accounts are Windows' own: the same on every machine, identify nothing, recognised by checks.
WELL_KNOWN_DOMAINS = {"nt authority", "builtin", "nt service", "nt virtual machine", "iis apppool", "window manager",
                      "font driver host", "."}
WELL_KNOWN_ACCOUNTS = {"system", "localsystem", "local service", "localservice", "network service", "networkservice",
                       "everyone", "administrator", "administrators", "users", "guests", "authenticated users",
                       "interactive", "network", "service", "batch", "anonymous logon", "creator owner",
                       "domain admins", "domain users", "domain computers", "enterprise admins", "public", "default",
                       "all users", "default user"}

_SID = re.compile(r"\bS-1-5-21-(\d+)-(\d+)-(\d+)\b", re.I)
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_HASH = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})(?![0-9A-Za-z])")
# DOMAIN\account up to the end of the value or line, a quote or a separator: group names hold spaces
# ("CORP\SSO Administrators"); within prose the first word is taken (see Pseudonymizer.scan).
_ACCOUNT = re.compile(r"(?<![\w.-])([A-Za-z0-9][\w.-]{0,62})\\([\w.$-][\w.$ -]{0,103})(?=$|[\r\n'\",;:)\]}]|\\)",
                      re.M)
_UPN = re.compile(r"(?<![\w.-])([\w.$-]+)@([A-Za-z0-9][\w-]*(?:\.[\w-]+)+)")
_USER_PATH = re.compile(r"([A-Za-z]:\\(?:Users|Documents and Settings)\\)([^\\/\"']+)", re.I)


def _kept_ip(parts: tuple[str, ...]) -> bool:
    first = int(parts[0])
    return first in (0, 127, 255) or all(p in ("0", "255") for p in parts)


class Pseudonymizer:
    """Consistent pseudonyms: one per distinct identifier (case-insensitive for names), built up while scanning."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # lower-case original name -> pseudonym
        self.exact: dict[str, str] = {}  # SIDs, GUIDs, IPs, hashes (normalised key) -> pseudonym
        self._counters: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def add_name(self, name: str, kind: str) -> None:
        """Register an identifier (host, domain, dns, account) found in the snapshot."""
        name = name.strip().rstrip("$")  # a machine or gMSA account's "$" stays in the text: checks read it
        key = name.lower()
        if not name or key in self.names or key in WELL_KNOWN_ACCOUNTS or key in WELL_KNOWN_DOMAINS:
            return
        if kind == "dns":
            first = name.partition(".")[0]
            if first.lower() not in self.names:  # a host's FQDN: its first label is the host
                self.add_name(first, "dnslabel")
            pseudo = f"{self.names[first.lower()]}.dom{self._next('dns')}.example"
        else:
            prefix = {"host": "HOST", "domain": "DOMAIN", "account": "user", "dnslabel": "name"}[kind]
            number = self._next(kind)
            pseudo = f"{prefix}{number:02d}"
            if len(pseudo) > len(name):  # a short name gets a short pseudonym: H1 for NODE1 (then "H1xxx")
                pseudo = f"{prefix[0]}{number}"
        # Exactly the original's length where it fits: length rules (NetBIOS <= 15) judge the same, and so the
        # messages that quote a length ("5 characters") or cut raw text at a width say the same after mapping.
        if len(pseudo) < len(name):
            pseudo += "x" * (len(name) - len(pseudo))
        self.names[key] = pseudo
        self._pattern = None

    def scan(self, value: Any) -> None:
        """Find accounts, UPNs and user paths in every string of ``value`` and register their names."""
        for text in _strings(value):
            for m in _ACCOUNT.finditer(text):
                domain, account = m.group(1), m.group(2).strip()
                if account.count(" ") > 2:  # prose after the account, not a group name
                    account = account.split(" ", 1)[0]
                # Only DOMAIN\account of a domain or machine already known: HKLM\SOFTWARE is a registry path.
                if domain.lower() not in self.names or account.lower() in WELL_KNOWN_ACCOUNTS:
                    continue
                self.add_name(account.rstrip("$"), "host" if account.endswith("$") else "account")
            for m in _UPN.finditer(text):
                self.add_name(m.group(1), "account")
                self.add_name(m.group(2), "dns")
            for m in _USER_PATH.finditer(text):
                self.add_name(m.group(2), "account")

    def _case(self, original: str, pseudo: str) -> str:
        if original.isupper():
            return pseudo.upper()
        if original.islower():
            return pseudo.lower()
        return pseudo

    def _name_pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.names:
            alternatives = sorted(self.names, key=len, reverse=True)
            # A hyphen or a dot ends a name: MSDTC-BIZTALKCLUSTER and node1.corp.example.com hold names too.
            self._pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(a) for a in alternatives)
                                       + r")(?![A-Za-z0-9_])", re.I)
        return self._pattern

    def _exact(self, key: str, make: Any) -> str:
        if key not in self.exact:
            self.exact[key] = make(self._next(key.split(":", 1)[0]))
        return self.exact[key]

    def text(self, text: str) -> str:
        """``text`` with every identifier replaced (names, SIDs, GUIDs, IPs, hashes)."""
        text = _SID.sub(lambda m: "S-1-5-21-" + self._exact(
            "sid:" + "-".join(m.groups()), lambda n: f"1000000000-1000000000-{1000000000 + n}"), text)

        def guid(m: re.Match[str]) -> str:
            new = self._exact("guid:" + m.group(0).lower(), lambda n: f"00000000-0000-4000-8000-{n:012x}")
            return new.upper() if m.group(0).isupper() else new

        text = _GUID.sub(guid, text)

        def ip(m: re.Match[str]) -> str:
            if _kept_ip(m.groups()) or any(int(p) > 255 for p in m.groups()):
                return m.group(0)
            return self._exact("ip:" + m.group(0), lambda n: f"10.{200 + n // 65536}.{n // 256 % 256}.{n % 256}")

        text = _IPV4.sub(ip, text)

        def digest(m: re.Match[str]) -> str:
            original = m.group(0)
            new = self._exact(f"hash:{original.lower()}", lambda n: f"{n:0{len(original)}x}")
            return new.upper() if original.isupper() else new

        text = _HASH.sub(digest, text)
        pattern = self._name_pattern()
        if pattern is not None:
            text = pattern.sub(lambda m: self._case(m.group(0), self.names[m.group(0).lower()]), text)
        return text

    def value(self, value: Any) -> Any:
        """``value`` (JSON data) with every string, mapping keys included, replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        return value

    def mapping(self) -> dict[str, str]:
        """Original -> pseudonym of everything replaced (names lower-cased), for ``--mapping``."""
        out = dict(self.names)
        out.update({k.split(":", 1)[1]: v for k, v in self.exact.items()})
        return out


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield k
            yield from _strings(v)


def _register_known(doc: dict[str, Any], p: Pseudonymizer) -> None:
    """The identifiers the snapshot names in known places: nodes, computers, expectations, the cluster."""
    expect = doc.get("expectations") or {}
    for node in doc.get("nodes") or []:
        p.add_name(str(node.get("name") or ""), "host")
        p.add_name(str(node.get("computer") or ""), "host")
        address = str(node.get("address") or "")
        if address and not _IPV4.fullmatch(address) and ":" not in address:
            p.add_name(address, "dns" if "." in address else "host")
        cluster = (node.get("facts") or {}).get("cluster")
        if isinstance(cluster, dict):
            p.add_name(str(cluster.get("name") or ""), "host")
            for member in cluster.get("nodes") or []:
                if isinstance(member, dict):
                    p.add_name(str(member.get("name") or ""), "host")
            for res in cluster.get("resources") or []:
                private = res.get("private") if isinstance(res, dict) else None
                if isinstance(private, dict) and str(res.get("type", "")).lower() == "network name":
                    p.add_name(str(private.get("Name") or ""), "host")
                    p.add_name(str(private.get("DnsName") or ""), "dns")
    for key in ("domain_netbios",):
        p.add_name(str(expect.get(key) or ""), "domain")
    for key in ("domain_dns",):
        p.add_name(str(expect.get(key) or ""), "dns")
    for key in ("cluster_network_name", "master_secret_server", "sso_db_server", "biztalk_mgmt_db_server", "group"):
        raw = str(expect.get(key) or "")
        for part in re.split(r"[\\,]", raw):  # SERVER\INSTANCE: the server is a host, the instance a name
            p.add_name(part, "host")
    for key in ("sso_service_account", "biztalk_sso_service_account"):
        domain, sep, account = str(expect.get(key) or "").rpartition("\\")
        if sep and domain.lower() not in WELL_KNOWN_DOMAINS:
            p.add_name(domain, "dns" if "." in domain else "domain")
            p.add_name(account.rstrip("$"), "host" if account.endswith("$") else "account")
    for name in [*(expect.get("biztalk_nodes") or []), *(expect.get("sso_cluster_nodes") or [])]:
        p.add_name(str(name), "host")
    # A --node collection names the nodes it left out (a SQL node is in no expectation list).
    node_filter = doc.get("node_filter")
    for left in (node_filter.get("excluded") or []) if isinstance(node_filter, dict) else []:
        if isinstance(left, dict):
            p.add_name(str(left.get("name") or ""), "host")


def sanitize(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(sanitised snapshot, mapping original -> pseudonym) of a snapshot document."""
    p = Pseudonymizer()
    _register_known(doc, p)
    p.scan(doc)
    out = p.value(doc)
    return out, p.mapping()


def sanitize_file(snapshot: Path, output: Path, mapping_file: Path | None = None) -> dict[str, str]:
    """Read a snapshot, write its sanitised form (0600) and, only when asked, the mapping (0600)."""
    from ssocheck.baseline import load_snapshot_or_baseline

    load_snapshot_or_baseline(snapshot)  # refuse what is not a valid snapshot, with the usual one-line error
    return write_sanitized(json.loads(snapshot.read_text(encoding="utf-8")), output, mapping_file)


def write_sanitized(doc: dict[str, Any], output: Path, mapping_file: Path | None = None) -> dict[str, str]:
    """Write the sanitised form of snapshot ``doc`` (0600) and, only when asked, the mapping (0600)."""
    clean, mapping = sanitize(doc)
    write_atomic(output, json.dumps(clean, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    if mapping_file is not None:
        write_atomic(mapping_file, json.dumps(mapping, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return mapping
