"""The node's own path to the SSO database: ENTSSO\\SQL, SQL client aliases in both registry views, DNS, TCP.

ENTSSO.exe is a native 64-bit service on x64 and reads the SQL client alias from the native view
``HKLM\\SOFTWARE\\Microsoft\\MSSQLServer\\Client\\ConnectTo``; 32-bit tools (the SSO administration
tools, BizTalk's 32-bit processes) read ``HKLM\\SOFTWARE\\Wow6432Node\\...\\ConnectTo``. An alias
made in one view only (cliconfg.exe exists in both bitnesses) makes the two resolve differently. The
alias value is ``DBMSSOCN,<host>[,<port>]`` for TCP/IP. The fact resolves the effective host and port
the way the SQL client would (alias, else ``host[\\instance][,port]``; a named instance without a port
asks the SQL Server Browser on UDP 1434 with CLNT_UCAST_INST, which returns the instance's TCP port),
then opens and closes a TCP connection: no login, nothing sent over TCP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str


@dataclass(frozen=True)
class SsoDbPath:
    """How this node reaches the SSO database server and whether its TCP port answered."""

    server: str | None
    database: str | None
    alias64: str | None
    alias32: str | None
    protocol: str
    host: str | None
    instance: str | None
    port: int | None
    port_source: str | None
    browser_error: str | None
    addresses: tuple[str, ...]
    resolve_error: str | None
    tcp_ok: bool | None
    tcp_error: str | None


class SsoDbReachability(Fact[SsoDbPath]):
    """ENTSSO\\SQL Server and Database, the alias of that name in both registry views, and TCP to it.

    Raw value::

        {"server": "SQL01", "database": "SSODB", "alias64": "DBMSSOCN,SQL01,14330" | null, "alias32": ... | null,
         "protocol": "tcp" | "<alias library>", "host": "SQL01", "instance": null, "port": 1433,
         "port_source": "default" | "explicit" | "alias" | "browser" | null, "browser_error": str | null,
         "addresses": ["10.0.0.30"], "resolve_error": str | null, "tcp_ok": true | null, "tcp_error": str | null}

    ``tcp_ok`` is null when nothing was tested (no server, no port, not TCP, or no address).
    """

    name = "ssodb_path"
    description = "ENTSSO's SQL server: alias in both registry views, DNS, TCP port answers (no login)"
    script = r"""
$sqlKey = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ENTSSO\SQL'
$server = Get-SsoRegValue $sqlKey 'Server'
$database = Get-SsoRegValue $sqlKey 'Database'
$alias64 = $null
$alias32 = $null
$protocol = 'tcp'
$hostName = $null
$instance = $null
$port = $null
$portSource = $null
$browserError = $null
$addresses = New-Object System.Collections.ArrayList
$resolveError = $null
$tcpOk = $null
$tcpError = $null
if ($server) {
    $server = [string]$server
    $alias64 = Get-SsoRegValue 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSSQLServer\Client\ConnectTo' $server
    $alias32 = Get-SsoRegValue 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\MSSQLServer\Client\ConnectTo' $server
    $target = $server
    if ($alias64) {
        $parts = ([string]$alias64).Split(',')
        if ($parts[0].Trim().ToUpperInvariant() -ne 'DBMSSOCN') { $protocol = $parts[0].Trim() }
        $target = ''
        if ($parts.Count -gt 1) { $target = $parts[1].Trim() }
        if ($parts.Count -gt 2) { $target = $target + ',' + $parts[2].Trim() }
    }
    $target = $target -replace '^(?i)tcp:', ''
    $hostName = $target
    if ($target.Contains(',')) {
        $hostName = $target.Split(',')[0]
        $port = [int]::Parse($target.Split(',')[1].Trim(), [System.Globalization.CultureInfo]::InvariantCulture)
        $portSource = 'explicit'
        if ($alias64) { $portSource = 'alias' }
    }
    if ($hostName.Contains('\')) {
        $instance = $hostName.Split('\')[1]
        $hostName = $hostName.Split('\')[0]
    }
    if ($hostName -eq '.' -or $hostName -eq '(local)') { $hostName = [string]$env:COMPUTERNAME }
    if ($protocol -eq 'tcp' -and $null -eq $port) {
        if ($null -eq $instance -or $instance -eq '' -or $instance.ToUpperInvariant() -eq 'MSSQLSERVER') {
            $port = 1433
            $portSource = 'default'
        } else {
            $udp = New-Object System.Net.Sockets.UdpClient
            try {
                $udp.Client.ReceiveTimeout = 2000
                $request = [byte[]](@([byte]4) + [System.Text.Encoding]::ASCII.GetBytes($instance))
                [void]$udp.Send($request, $request.Length, $hostName, 1434)
                $from = New-Object System.Net.IPEndPoint([System.Net.IPAddress]::Any, 0)
                $answer = $udp.Receive([ref]$from)
                $text = ''
                if ($answer.Length -gt 3) { $text = [System.Text.Encoding]::ASCII.GetString($answer, 3, $answer.Length - 3) }
                if ($text -match '(?i)tcp;(\d+)') {
                    $port = [int]::Parse($matches[1], [System.Globalization.CultureInfo]::InvariantCulture)
                    $portSource = 'browser'
                } else {
                    $browserError = 'the SQL Server Browser lists no TCP port for instance ' + $instance
                }
            } catch {
                $ex = $_.Exception
                if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
                $browserError = 'SQL Server Browser (UDP 1434) did not answer: ' + [string]$ex.Message
            } finally {
                $udp.Close()
            }
        }
    }
    if ($protocol -eq 'tcp' -and $hostName) {
        try {
            foreach ($ip in @([System.Net.Dns]::GetHostAddresses($hostName))) { [void]$addresses.Add($ip.ToString()) }
        } catch {
            $ex = $_.Exception
            if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
            $resolveError = [string]$ex.Message
        }
    }
    if ($protocol -eq 'tcp' -and $null -ne $port -and $addresses.Count -gt 0) {
        $client = New-Object System.Net.Sockets.TcpClient
        try {
            $pending = $client.BeginConnect($hostName, $port, $null, $null)
            if ($pending.AsyncWaitHandle.WaitOne(3000, $false)) {
                $client.EndConnect($pending)
                $tcpOk = $true
            } else {
                $tcpOk = $false
                $tcpError = 'no answer within 3000 ms'
            }
        } catch {
            $ex = $_.Exception
            if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
            $tcpOk = $false
            $tcpError = [string]$ex.Message
        } finally {
            $client.Close()
        }
    }
}
$value = @{
    server = $server; database = $database; alias64 = $alias64; alias32 = $alias32; protocol = $protocol
    host = $hostName; instance = $instance; port = $port; port_source = $portSource; browser_error = $browserError
    addresses = @($addresses.ToArray()); resolve_error = $resolveError; tcp_ok = $tcpOk; tcp_error = $tcpError
}
"""

    @classmethod
    def parse(cls, raw: Any) -> SsoDbPath:
        doc = expect_type(raw, dict, cls.name)

        def text(key: str) -> str | None:
            return opt_str(doc.get(key), f"{cls.name}.{key}") or None

        port = doc.get("port")
        if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
            raise FactParseError(f"{cls.name}.port: expected a TCP port number, got {port!r}")
        tcp_ok = doc.get("tcp_ok")
        if tcp_ok is not None:
            expect_type(tcp_ok, bool, f"{cls.name}.tcp_ok")
        return SsoDbPath(
            server=text("server"), database=text("database"), alias64=text("alias64"), alias32=text("alias32"),
            protocol=text("protocol") or "tcp", host=text("host"), instance=text("instance"), port=port,
            port_source=text("port_source"), browser_error=text("browser_error"),
            addresses=tuple(str(a) for a in as_list(doc.get("addresses"), f"{cls.name}.addresses")),
            resolve_error=text("resolve_error"), tcp_ok=tcp_ok, tcp_error=text("tcp_error"),
        )
