"""A private MIT Kerberos KDC on loopback for the lab and the tests: a throwaway realm under one directory.

Everything lives in ``workdir``: ``krb5.conf`` (client side, given to processes as ``KRB5_CONFIG``), ``kdc.conf``
(``KRB5_KDC_PROFILE``), the database, the farm's keytab and credential caches. The machine's ``/etc`` files are
never read or changed: every MIT tool is run with that private environment, and :attr:`LabKdc.env` is what a
client process needs. The recipe (loopback-only ``kdc_listen``, no DNS, AES only) was measured in a feasibility
spike: create + principals + start take about 0.15 s.

``krb5kdc -n`` stays in the foreground so :meth:`LabKdc.stop` ends exactly the process this object started.
``clock_offset`` runs the KDC under libfaketime (Debian package ``libfaketime``) with its clock shifted, which is
how a real KDC answers a client whose clock is off: ``KRB_AP_ERR_SKEW`` ("Clock skew too great").
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

KDC_BINARIES = ("krb5kdc", "kdb5_util", "kadmin.local", "kinit")
FAKETIME_LIBS = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
)
# A realm that krb5.conf names but where nothing listens: how "KDC unreachable" looks to a client.
UNREACHABLE_REALM = "UNREACHABLE.EXAMPLE.COM"
_START_TIMEOUT = 10.0


def _sbin_path() -> str:
    # Debian puts krb5kdc/kdb5_util/kadmin.local in /usr/sbin, which a non-root PATH often lacks.
    return os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])


def missing_kdc() -> str | None:
    """Why a private KDC cannot run here (one line), or None when it can."""
    path = _sbin_path()
    missing = [b for b in KDC_BINARIES if shutil.which(b, path=path) is None]
    if missing:
        return (
            f"MIT Kerberos KDC not installed ({', '.join(missing)} missing): "
            "apt-get install krb5-kdc krb5-admin-server krb5-user"
        )
    return None


def faketime_library() -> str | None:
    """The libfaketime preload library, if installed."""
    return next((lib for lib in FAKETIME_LIBS if os.path.exists(lib)), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KdcError(RuntimeError):
    """The private KDC could not be set up or started (the output of the failing tool is in the message)."""


class LabKdc:
    """A running MIT KDC for ``realm`` on 127.0.0.1 with ``users`` (principal -> password) and ``services``
    (principals with random keys, all exported to :attr:`keytab`). A context manager (start/stop)."""

    def __init__(
        self,
        workdir: Path,
        realm: str = "CORP.EXAMPLE.COM",
        users: Mapping[str, str] | None = None,
        services: Iterable[str] = (),
        clock_offset: str | None = None,
        max_life: str = "10h",
    ) -> None:
        """Prepare (nothing runs until :meth:`start`); ``clock_offset`` is a libfaketime offset such as ``+1h``."""
        self.workdir = Path(workdir)
        self.realm = realm.upper()
        self.users = dict(users or {})
        self.services = tuple(services)
        self.clock_offset = clock_offset
        self.max_life = max_life
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    # -- paths and environment --------------------------------------------------------------------------------

    @property
    def krb5_conf(self) -> Path:
        """The client-side configuration (``KRB5_CONFIG``)."""
        return self.workdir / "krb5.conf"

    @property
    def keytab(self) -> Path:
        """Keys of every service principal: what the farm's acceptor uses."""
        return self.workdir / "http.keytab"

    @property
    def ccache(self) -> Path:
        """The default credential cache of :attr:`env` (empty until someone runs kinit into it)."""
        return self.workdir / "ccache"

    @property
    def env(self) -> dict[str, str]:
        """The variables a process needs to use this realm and nothing of the machine's."""
        return {
            "KRB5_CONFIG": str(self.krb5_conf),
            "KRB5_KDC_PROFILE": str(self.workdir / "kdc.conf"),
            "KRB5CCNAME": f"FILE:{self.ccache}",
            "KRB5_KTNAME": f"FILE:{self.keytab}",
        }

    def _run(self, *args: str, stdin: str | None = None) -> str:
        env = {**os.environ, **self.env, "PATH": _sbin_path()}
        proc = subprocess.run(
            list(args), input=stdin.encode() if stdin is not None else None, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, check=False,
        )
        out = proc.stdout.decode(errors="replace")
        if proc.returncode != 0:
            raise KdcError(f"{args[0]} failed ({proc.returncode}): {out.strip()}")
        return out

    def kadmin(self, query: str) -> str:
        """Run one ``kadmin.local`` query against this realm's database."""
        return self._run("kadmin.local", "-r", self.realm, "-q", query)

    # -- lifecycle -------------------------------------------------------------------------------------------

    def _write_config(self) -> None:
        k = self.workdir
        unreachable = _free_port()  # bound and closed again: connections to it are refused
        (k / "krb5.conf").write_text(
            f"""[libdefaults]
    default_realm = {self.realm}
    dns_lookup_realm = false
    dns_lookup_kdc = false
    rdns = false
    dns_canonicalize_hostname = false
    udp_preference_limit = 1
    forwardable = true
    default_ccache_name = FILE:{k}/ccache
    default_keytab_name = FILE:{k}/http.keytab
    permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
    kdc_timeout = 2s
    max_retries = 1
    # Windows clients never adopt the KDC's clock; MIT's default (1) would hide a skewed clock.
    kdc_timesync = 0
[realms]
    {self.realm} = {{
        kdc = 127.0.0.1:{self.port}
        admin_server = 127.0.0.1:{self.port}
    }}
    {UNREACHABLE_REALM} = {{
        kdc = 127.0.0.1:{unreachable}
    }}
[domain_realm]
    .{self.realm.lower()} = {self.realm}
    {self.realm.lower()} = {self.realm}
[logging]
    default = FILE:{k}/krb5lib.log
""",
            encoding="utf-8",
        )
        (k / "kdc.conf").write_text(
            f"""[kdcdefaults]
    kdc_listen = 127.0.0.1:{self.port}
    kdc_tcp_listen = 127.0.0.1:{self.port}
[realms]
    {self.realm} = {{
        database_name = {k}/principal
        key_stash_file = {k}/stash
        acl_file = {k}/kadm5.acl
        kdc_listen = 127.0.0.1:{self.port}
        kdc_tcp_listen = 127.0.0.1:{self.port}
        max_life = {self.max_life}
        max_renewable_life = 7d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }}
[logging]
    kdc = FILE:{k}/kdc.log
""",
            encoding="utf-8",
        )
        (k / "kadm5.acl").touch()

    def start(self) -> LabKdc:
        """Create the realm, its principals and keytab, and start krb5kdc on a free loopback port."""
        problem = missing_kdc()
        if problem:
            raise KdcError(problem)
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o700)
        self.port = _free_port()
        self._write_config()
        self._run("kdb5_util", "create", "-s", "-r", self.realm, "-P", secrets.token_urlsafe(16))
        # +requires_preauth like an AD account: only a pre-authenticated AS-REQ carries a timestamp the KDC checks.
        queries = [f"addprinc +requires_preauth -pw {pw} {self.qualify(user)}" for user, pw in self.users.items()]
        queries += [f"addprinc -randkey {self.qualify(svc)}" for svc in self.services]
        for query in queries:
            self.kadmin(query)
        if self.services:
            self.kadmin(f"ktadd -k {self.keytab} " + " ".join(self.qualify(s) for s in self.services))
        self._launch()
        return self

    def _launch(self) -> None:
        env = {**os.environ, **self.env, "PATH": _sbin_path()}
        if self.clock_offset:
            lib = faketime_library()
            if lib is None:
                raise KdcError("a KDC with a shifted clock needs libfaketime (apt-get install libfaketime)")
            env.update(LD_PRELOAD=lib, FAKETIME=self.clock_offset, FAKETIME_DONT_FAKE_MONOTONIC="1")
        log = open(self.workdir / "krb5kdc.out", "wb")  # noqa: SIM115 - owned by the child from here on
        try:
            self._proc = subprocess.Popen(
                ["krb5kdc", "-n", "-r", self.realm, "-P", str(self.workdir / "krb5kdc.pid")],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                out = (self.workdir / "krb5kdc.out").read_text(errors="replace").strip()
                raise KdcError(f"krb5kdc exited with {self._proc.returncode}: {out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise KdcError(f"krb5kdc did not listen on 127.0.0.1:{self.port} within {_START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        """Stop the KDC process this object started (by its PID). Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def __enter__(self) -> LabKdc:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------------------------------------

    def qualify(self, principal: str) -> str:
        """``principal`` with ``@REALM`` appended when it has no realm."""
        return principal if "@" in principal else f"{principal}@{self.realm}"

    def kinit(self, principal: str, password: str, ccache: Path, lifetime: str | None = None) -> None:
        """Get a TGT into ``ccache`` with the real ``kinit`` (password on stdin, never on the command line)."""
        args = ["kinit", "-c", f"FILE:{ccache}"]
        if lifetime:
            args += ["-l", lifetime]
        self._run(*args, self.qualify(principal), stdin=password + "\n")

    def export_keytab(self, path: Path, principals: Iterable[str]) -> Path:
        """A keytab with the CURRENT keys of ``principals`` (``ktadd -norandkey`` keeps other keytabs valid)."""
        self.kadmin(f"ktadd -norandkey -k {path} " + " ".join(self.qualify(p) for p in principals))
        return path
