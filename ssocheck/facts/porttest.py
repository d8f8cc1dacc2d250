"""The BTS001 port create test: the one "fact" that changes state (``writes = True``).

BizTalk encrypts port configuration through the node's Enterprise SSO service, which needs the
master secret from the master secret server. Creating a receive port with a receive location and a
static send port, saving them and removing them again therefore proves, from one BizTalk node, the
whole path BizTalk node -> ENTSSO -> master secret server (the cluster) -> SSO database
(domain.md section 10). Nothing here runs unless changes are explicitly allowed: the collector
never puts a ``writes`` fact into the read-only probe and sends it, one node at a time, only with
``--allow-changes`` (see :mod:`ssocheck.collect`).

Safety rules of the snippet:

* every name starts with :data:`PREFIX` (``ZZ_SSOCHK_``) followed by a run id made on the server
  (UTC time + random hex) and the computer name, so nothing of the group is ever touched;
* leftovers of an interrupted earlier run (ports with the prefix) are removed first;
* the ports are never enlisted or started, the receive location is disabled, both FILE addresses
  point into a folder that does not exist; no filters, no maps, no subscriptions;
* removal runs in a ``finally`` block; a failed save is discarded (``DiscardChanges``);
* the management database comes from the inventory (probe parameters ``biztalk_mgmt_db_server`` /
  ``biztalk_mgmt_db_name``) or, when the inventory has none, from the node's BizTalk configuration
  (``HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0\\Administration`` ``MgmtDBServer`` /
  ``MgmtDBName``); the connection string is built with ``SqlConnectionStringBuilder`` (data, never
  text pasted into a connection string);
* ExplorerOM is 32-bit up to BizTalk 2016 (ProductVersion < 3.13): a 64-bit PowerShell then runs
  the same worker in ``%windir%\\SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe``. The worker's
  code goes to the child on stdin (the probe's own bootstrap technique) and its input as data, in
  the environment variable ``SSOCHECK_PORTTEST`` (base64 of JSON); the child answers JSON between
  markers on stdout.

Known limits (domain.md section 10 marks them unconfirmed): ExplorerOM of BizTalk 2010 and later is
a .NET 4 assembly that Windows PowerShell 2.0 (.NET 2.0) cannot load; the fact then reports that
and the check is an ``error``, never a pass. Whether a FILE receive location without explicit
``TransportTypeData`` stores its configuration through SSO is unconfirmed; both a receive location
and a send port with a transport are created so that at least one adapter configuration is saved.

Raw value (a JSON object)::

    {
      "run_id": "20261121T220000_a1b2c3" (string, made on the server),
      "prefix": "ZZ_SSOCHK_",
      "names": {"receive_port": str, "receive_location": str, "send_port": str},
      "mgmt_db": {"server": str, "name": str, "source": "inventory" | "registry"},
      "biztalk_version": str | null,      # HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0 ProductVersion
      "process_bits": 64 | 32,            # the PowerShell the probe ran in
      "relaunched_32bit": bool,           # the worker ran in 32-bit PowerShell
      "leftovers_found": [str],           # ports with the prefix found before the test
      "leftovers_removed": [str],         # ... and removed
      "precleanup_error": str | null,     # why removing them failed
      "attempted": [str],                 # ports staged for creation (receive port, send port)
      "created": [str],                   # ports saved to the management database
      "saved": bool,                      # SaveChanges of the new ports succeeded
      "stage": "load" | "connect" | "precleanup" | "create" | "save" | "cleanup",
                                          # the last stage reached (where "error" happened)
      "error": str | null,                # the exception message (PowerShell's, with the inner one)
      "hresult": "0xC0002A1F" | null,     # the ENTSSO HRESULT (or the first code) of the exception
      "rpc": "0x800706D9" | null,         # an RPC/Win32 HRESULT (0x8007....) found in the exception
      "codes": ["0x........"],            # every code found in the exception chain
      "cleanup_ok": bool,                 # removal succeeded and no port with the prefix is left
      "cleanup_error": str | null,
      "leftovers": [str],                 # ports with the prefix still there at the end
      "events": [{"id": int, "time": "yyyy-MM-ddTHH:mm:ssZ", "strings": [str]}],
                                          # ENTSSO events written during the test (at most 20)
      "events_error": str | null
    }

A failure before the test could start (no management database known, the 32-bit PowerShell
missing or giving no answer) throws: the fact is then unavailable and BTS001 an ``error``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str
from ssocheck.facts.events import SsoEvent, parse_event

PREFIX = "ZZ_SSOCHK_"
STAGES = ("load", "connect", "precleanup", "create", "save", "cleanup")
_CODE = re.compile(r"^0x[0-9A-Fa-f]{8}$")


@dataclass(frozen=True)
class PortTestResult:
    """What one run of the port create test did on one BizTalk node (see the module docstring)."""

    run_id: str | None
    names: Mapping[str, str]
    mgmt_db_server: str | None
    mgmt_db_name: str | None
    mgmt_db_source: str | None
    biztalk_version: str | None
    process_bits: int | None
    relaunched_32bit: bool
    leftovers_found: tuple[str, ...]
    leftovers_removed: tuple[str, ...]
    precleanup_error: str | None
    attempted: tuple[str, ...]
    created: tuple[str, ...]
    saved: bool
    stage: str | None
    error: str | None
    hresult: int | None
    rpc: int | None
    codes: tuple[int, ...]
    cleanup_ok: bool
    cleanup_error: str | None
    leftovers: tuple[str, ...]
    events: tuple[SsoEvent, ...]
    events_error: str | None

    @property
    def mgmt_db(self) -> str | None:
        """``SERVER/NAME`` of the management database used, if known."""
        if not self.mgmt_db_server:
            return None
        return f"{self.mgmt_db_server}/{self.mgmt_db_name or '?'}"


def _str_list(raw: Any, what: str) -> tuple[str, ...]:
    return tuple(opt_str(x, f"{what}[]") or "" for x in as_list(raw, what))


def _code(raw: Any, what: str) -> int | None:
    text = opt_str(raw, what)
    if text is None or not text.strip():
        return None
    if not _CODE.match(text.strip()):
        raise FactParseError(f"{what}: expected 0x followed by 8 hex digits, got {text!r}")
    return int(text.strip(), 16)


def _bool(raw: Any, what: str) -> bool:
    if not isinstance(raw, bool):
        raise FactParseError(f"{what}: expected true/false, got {raw!r}")
    return raw


class PortCreateTest(Fact[PortTestResult]):
    """Create and remove a receive port (+ location) and a send port through ExplorerOM (CHANGES STATE).

    See the module docstring for what the snippet does, its safety rules and the raw value.
    """

    name = "port_create_test"
    description = "BTS001: create, save and remove temporary ports (SSO encrypts their configuration)"
    writes = True
    # ExplorerOM opens BizTalkMgmtDb from the node with Windows authentication: under an NTLM or Kerberos WinRM
    # logon SQL sees 'NT AUTHORITY\ANONYMOUS LOGON' (review probe.md D1). The run refuses it without CredSSP.
    second_hop = "SQL Server (BizTalkMgmtDb, Windows authentication) from each BizTalk node"
    params = ("biztalk_mgmt_db_server", "biztalk_mgmt_db_name")
    script = r"""
# CHANGES STATE (BTS001): creates and removes two ports named ZZ_SSOCHK_*; sent only with --allow-changes.
# The worker runs here, or in 32-bit PowerShell for BizTalk 2016 and older (ExplorerOM is 32-bit there).
# Its input is data: $env:SSOCHECK_PORTTEST holds base64 of JSON. It returns a hashtable, or JSON when asked.
$ptWorker = {
    param([bool]$asJson)
    $ErrorActionPreference = 'Stop'
    # The worker may run in a child PowerShell without the probe's $SsoInv: its own invariant culture.
    $inv = [System.Globalization.CultureInfo]::InvariantCulture

    function ConvertTo-PtJson($o) {
        if ($null -eq $o) { return 'null' }
        if ($o -is [bool]) {
            if ($o) { return 'true' } else { return 'false' }
        }
        if ($o -is [int] -or $o -is [long]) { return $o.ToString($inv) }
        if ($o -is [string]) {
            $sb = New-Object System.Text.StringBuilder
            [void]$sb.Append('"')
            foreach ($ch in $o.ToCharArray()) {
                $code = [int]$ch
                if ($code -eq 34 -or $code -eq 92) { [void]$sb.Append('\'); [void]$sb.Append($ch) }
                elseif ($code -lt 32 -or $code -gt 126) { [void]$sb.Append('\u' + $code.ToString('x4', $inv)) }
                else { [void]$sb.Append($ch) }
            }
            [void]$sb.Append('"')
            return $sb.ToString()
        }
        if ($o -is [System.Collections.IDictionary]) {
            $parts = New-Object System.Collections.ArrayList
            foreach ($k in $o.PSBase.Keys) {
                $key = ConvertTo-PtJson ([string]$k)
                [void]$parts.Add($key + ':' + (ConvertTo-PtJson $o[$k]))
            }
            return '{' + [string]::Join(',', [string[]]$parts.ToArray()) + '}'
        }
        if ($o -is [System.Collections.IEnumerable]) {
            $parts = New-Object System.Collections.ArrayList
            foreach ($i in $o) { [void]$parts.Add((ConvertTo-PtJson $i)) }
            return '[' + [string]::Join(',', [string[]]$parts.ToArray()) + ']'
        }
        return (ConvertTo-PtJson ([string]$o))
    }

    $since = [DateTime]::Now.AddSeconds(-2)
    [void][System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')
    $cfgText = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([string]$env:SSOCHECK_PORTTEST))
    $cfg = (New-Object System.Web.Script.Serialization.JavaScriptSerializer).DeserializeObject($cfgText)
    $prefix = [string]$cfg['prefix']
    $rpName = [string]$cfg['receive_port']
    $rlName = [string]$cfg['receive_location']
    $spName = [string]$cfg['send_port']
    $folder = [string]$cfg['folder']
    $r = @{
        leftovers_found = @(); leftovers_removed = @(); precleanup_error = $null
        attempted = @(); created = @(); saved = $false; stage = 'load'; error = $null
        hresult = $null; rpc = $null; codes = @()
        cleanup_ok = $false; cleanup_error = $null; leftovers = @(); events = @(); events_error = $null
    }
    $cat = $null
    $connected = $false
    try {
        $asm = [System.Reflection.Assembly]::LoadWithPartialName('Microsoft.BizTalk.ExplorerOM')
        if ($null -eq $asm) {
            throw 'Microsoft.BizTalk.ExplorerOM cannot be loaded (BizTalk administration tools missing, or PowerShell 2.0 on .NET 2.0, which cannot load the .NET 4 assembly of BizTalk 2010 and later)'
        }
        $r['stage'] = 'connect'
        $csb = New-Object System.Data.SqlClient.SqlConnectionStringBuilder
        $csb['Data Source'] = [string]$cfg['mgmt_server']
        $csb['Initial Catalog'] = [string]$cfg['mgmt_name']
        $csb['Integrated Security'] = $true
        $cat = New-Object Microsoft.BizTalk.ExplorerOM.BtsCatalogExplorer
        $cat.ConnectionString = $csb.ConnectionString
        $oldRecv = @()
        $oldSend = @()
        foreach ($p in @($cat.ReceivePorts)) { if (([string]$p.Name).StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { $oldRecv += $p } }
        foreach ($p in @($cat.SendPorts)) { if (([string]$p.Name).StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { $oldSend += $p } }
        $connected = $true
        $found = @()
        foreach ($p in $oldRecv) { $found += [string]$p.Name }
        foreach ($p in $oldSend) { $found += [string]$p.Name }
        $r['leftovers_found'] = $found
        if ($found.Count -gt 0) {
            # Leftovers of an interrupted earlier run. A failure here is reported but does not stop the test:
            # the new ports have new names, and the final listing names whatever is still there.
            $r['stage'] = 'precleanup'
            try {
                foreach ($p in $oldSend) { $cat.RemoveSendPort($p) }
                foreach ($p in $oldRecv) { $cat.RemoveReceivePort($p) }
                $cat.SaveChanges()
                $r['leftovers_removed'] = $found
            } catch {
                $r['precleanup_error'] = [string]$_.Exception.Message
                try { $cat.DiscardChanges() } catch { $r['precleanup_error'] = $r['precleanup_error'] + ' (DiscardChanges failed)' }
            }
        }
        $r['stage'] = 'create'
        $handler = $null
        foreach ($h in @($cat.ReceiveHandlers)) {
            if ($null -eq $handler -and [string]$h.TransportType.Name -eq 'FILE') { $handler = $h }
        }
        if ($null -eq $handler) { throw 'this BizTalk group has no receive handler for the FILE adapter' }
        $fileType = $cat.ProtocolTypes['FILE']
        if ($null -eq $fileType) { throw 'the FILE adapter is not registered in this BizTalk group' }
        # One-way receive port with one disabled FILE location, and a static one-way FILE send port; neither is
        # ever enlisted or started, and both addresses point into a folder that does not exist.
        $rp = $cat.AddNewReceivePort($false)
        $rp.Name = $rpName
        $rl = $rp.AddNewReceiveLocation()
        $rl.Name = $rlName
        $rl.ReceiveHandler = $handler
        $rl.TransportType = $fileType
        $rl.Address = $folder + '\in\*.xml'
        $rl.ReceivePipeline = $cat.Pipelines['Microsoft.BizTalk.DefaultPipelines.PassThruReceive']
        $rl.Enable = $false
        $sp = $cat.AddNewSendPort($false, $false)
        $sp.Name = $spName
        $sp.PrimaryTransport.TransportType = $fileType
        $sp.PrimaryTransport.Address = $folder + '\out\%MessageID%.xml'
        $sp.SendPipeline = $cat.Pipelines['Microsoft.BizTalk.DefaultPipelines.PassThruTransmit']
        $r['attempted'] = @($rpName, $spName)
        # SaveChanges stores the adapter configuration through ENTSSO: this is the proof.
        $r['stage'] = 'save'
        $cat.SaveChanges()
        $r['saved'] = $true
        $r['created'] = @($rpName, $spName)
        $r['stage'] = 'cleanup'
    } catch {
        $r['error'] = [string]$_.Exception.Message
        $codes = New-Object System.Collections.ArrayList
        $ex = $_.Exception
        while ($null -ne $ex) {
            if ($ex -is [System.Runtime.InteropServices.ExternalException]) {
                $c = '0x' + ([int]$ex.ErrorCode).ToString('X8', $inv)
                if (-not $codes.Contains($c)) { [void]$codes.Add($c) }
            }
            foreach ($m in [regex]::Matches([string]$ex.Message, '0x[0-9A-Fa-f]{8}')) {
                $c = '0x' + $m.Value.Substring(2).ToUpper()
                if (-not $codes.Contains($c)) { [void]$codes.Add($c) }
            }
            $ex = $ex.InnerException
        }
        $r['codes'] = @($codes.ToArray())
        foreach ($c in $codes) {
            if ($null -eq $r['hresult'] -and $c.StartsWith('0xC000')) { $r['hresult'] = $c }
            if ($null -eq $r['rpc'] -and $c.StartsWith('0x8007')) { $r['rpc'] = $c }
        }
        if ($null -eq $r['hresult'] -and $codes.Count -gt 0) { $r['hresult'] = [string]$codes[0] }
        if ($null -ne $cat) {
            try { $cat.DiscardChanges() } catch { $r['error'] = $r['error'] + ' (DiscardChanges failed)' }
        }
    } finally {
        if ($connected) {
            try {
                $cat.Refresh()
                $mineRecv = @()
                $mineSend = @()
                foreach ($p in @($cat.ReceivePorts)) { if ([string]$p.Name -eq $rpName) { $mineRecv += $p } }
                foreach ($p in @($cat.SendPorts)) { if ([string]$p.Name -eq $spName) { $mineSend += $p } }
                if (($mineRecv.Count + $mineSend.Count) -gt 0) {
                    foreach ($p in $mineSend) { $cat.RemoveSendPort($p) }
                    foreach ($p in $mineRecv) { $cat.RemoveReceivePort($p) }
                    $cat.SaveChanges()
                }
            } catch {
                $r['cleanup_error'] = [string]$_.Exception.Message
                try { $cat.DiscardChanges() } catch { $r['cleanup_error'] = $r['cleanup_error'] + ' (DiscardChanges failed)' }
            }
            try {
                $cat.Refresh()
                $left = @()
                foreach ($p in @($cat.ReceivePorts)) { if (([string]$p.Name).StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { $left += [string]$p.Name } }
                foreach ($p in @($cat.SendPorts)) { if (([string]$p.Name).StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { $left += [string]$p.Name } }
                $r['leftovers'] = $left
            } catch {
                if ($null -eq $r['cleanup_error']) { $r['cleanup_error'] = 'cannot list the ports after cleanup: ' + [string]$_.Exception.Message }
                # Unknown: assume what this run saved is still there rather than claim a clean group.
                $r['leftovers'] = $r['created']
            }
            $r['cleanup_ok'] = ($null -eq $r['cleanup_error'] -and @($r['leftovers']).Count -eq 0)
        } else {
            # Never connected: nothing can have been created.
            $r['cleanup_ok'] = $true
        }
        try {
            # Server-side filtered and capped (review probe.md D3); "no events" is an empty list.
            $entries = @()
            try {
                $entries = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'ENTSSO'; StartTime = $since } -MaxEvents 20 -ErrorAction Stop)
            } catch {
                # The id is on the record, or (PowerShell 2.0 and -ErrorAction Stop, unconfirmed) on the record the
                # ActionPreferenceStopException carries: accept either, never the localised message.
                $noMatch = [string]$_.FullyQualifiedErrorId
                if ($null -ne $_.Exception.ErrorRecord) { $noMatch = $noMatch + ' ' + [string]$_.Exception.ErrorRecord.FullyQualifiedErrorId }
                if ($noMatch -notlike '*NoMatching*') { throw }
            }
            $list = New-Object System.Collections.ArrayList
            foreach ($ev in $entries) {
                $strings = New-Object System.Collections.ArrayList
                foreach ($s in @($ev.Properties)) { [void]$strings.Add([string]$s.Value) }
                [void]$list.Add(@{
                    id = [int]$ev.Id
                    time = $ev.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $inv)
                    strings = @($strings.ToArray())
                })
            }
            $r['events'] = @($list.ToArray())
        } catch {
            $r['events_error'] = [string]$_.Exception.Message
        }
    }
    if ($asJson) { return (ConvertTo-PtJson $r) } else { return $r }
}

$ptPrefix = 'ZZ_SSOCHK_'
$ptRun = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmss', $SsoInv) + '_' + [Guid]::NewGuid().ToString('N', $SsoInv).Substring(0, 6)
$ptBase = $ptPrefix + $ptRun + '_' + [string]$env:COMPUTERNAME

# The management database: the inventory's when it names one, else this node's BizTalk configuration.
$ptServer = $null
$ptName = $null
$ptSource = 'inventory'
try {
    $ptServer = Get-SsoParam 'biztalk_mgmt_db_server'
    $ptName = Get-SsoParam 'biztalk_mgmt_db_name'
} catch {
    $ptServer = $null
}
if (-not $ptServer -or -not $ptName) {
    $ptSource = 'registry'
    $ptServer = $null
    $ptName = $null
    foreach ($k in @('Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0\Administration')) {
        if (-not $ptServer) {
            $ptServer = Get-SsoRegValue $k 'MgmtDBServer'
            $ptName = Get-SsoRegValue $k 'MgmtDBName'
        }
    }
}
if (-not $ptServer -or -not $ptName) {
    throw 'BizTalk management database unknown: not in the inventory and no MgmtDBServer/MgmtDBName under HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration'
}

$ptVersion = $null
foreach ($k in @('Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\BizTalk Server\3.0', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0')) {
    if (-not $ptVersion) { $ptVersion = Get-SsoRegValue $k 'ProductVersion' }
}
$ptBits = [IntPtr]::Size * 8
$ptRelaunch = $false
if ($ptBits -eq 64 -and $ptVersion) {
    $ptV = $null
    try { $ptV = [version]([string]$ptVersion) } catch { $ptV = $null }
    # BizTalk 2020 is 3.13; everything before it has a 32-bit-only ExplorerOM.
    if ($null -eq $ptV -or $ptV -lt [version]'3.13') { $ptRelaunch = $true }
}

$ptCfg = @{
    prefix = $ptPrefix
    receive_port = $ptBase + '_RP'
    receive_location = $ptBase + '_RL'
    send_port = $ptBase + '_SP'
    folder = 'C:\' + $ptBase
    mgmt_server = [string]$ptServer
    mgmt_name = [string]$ptName
}
$env:SSOCHECK_PORTTEST = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes((ConvertTo-SsoJson $ptCfg 0)))
try {
    if ($ptRelaunch) {
        $ptExe = Join-Path $env:windir 'SysWOW64\WindowsPowerShell\v1.0\powershell.exe'
        if (-not (Test-Path -LiteralPath $ptExe)) { throw ('32-bit Windows PowerShell not found: ' + $ptExe) }
        $nl = [Environment]::NewLine
        # Code only (the worker and a runner); the markers are split so that no echo of this text can match them.
        $ptChild = '$ErrorActionPreference = ''Stop''' + $nl + '$ptWorker = {' + $ptWorker.ToString() + '}' + $nl +
            '$ptOut = @(& $ptWorker $true)' + $nl +
            '[Console]::Out.Write(''<<SSOCHECK-'' + ''PORTTEST>>'' + $ptOut[$ptOut.Count - 1] + ''<<SSOCHECK-'' + ''PORTTEST-END>>'')'
        $ptBoot = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes('$ErrorActionPreference = ''Stop''; $t = [string]::Join([Environment]::NewLine, @($input)); & ([scriptblock]::Create($t))'))
        $ptEap = $ErrorActionPreference
        # Native stderr must not turn into a terminating error: it is kept as text for the message below.
        $ErrorActionPreference = 'Continue'
        try {
            $ptLines = @($ptChild | & $ptExe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand $ptBoot 2>&1)
            $ptExit = $LASTEXITCODE
        } finally {
            $ErrorActionPreference = $ptEap
        }
        $ptParts = New-Object System.Collections.ArrayList
        foreach ($ptLine in $ptLines) { [void]$ptParts.Add([string]$ptLine) }
        $ptText = [string]::Join("`n", [string[]]$ptParts.ToArray())
        $ptB = $ptText.IndexOf('<<SSOCHECK-PORTTEST>>')
        $ptE = $ptText.IndexOf('<<SSOCHECK-PORTTEST-END>>')
        if ($ptB -lt 0 -or $ptE -lt $ptB) {
            $ptShort = $ptText
            if ($ptShort.Length -gt 400) { $ptShort = $ptShort.Substring(0, 400) }
            throw ('the 32-bit PowerShell gave no port test result (exit code ' + $ptExit + '; ports named ' + $ptBase + '* may be left and are removed by the next run): ' + $ptShort)
        }
        $ptB = $ptB + '<<SSOCHECK-PORTTEST>>'.Length
        # The worker loaded System.Web.Extensions in the 32-bit child, not here: without loading it in this process
        # New-Object cannot find the JavaScriptSerializer type and the result of the test that just ran is lost.
        if ($null -eq [System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')) {
            throw ('System.Web.Extensions (.NET 3.5 or 4) cannot be loaded to read the 32-bit port test result; ports named ' + $ptBase + '* may be left and are removed by the next run')
        }
        $ptResult = (New-Object System.Web.Script.Serialization.JavaScriptSerializer).DeserializeObject($ptText.Substring($ptB, $ptE - $ptB))
    } else {
        $ptAll = @(& $ptWorker $false)
        $ptResult = $ptAll[$ptAll.Count - 1]
    }
} finally {
    $env:SSOCHECK_PORTTEST = $null
}
$ptResult['run_id'] = $ptRun
$ptResult['prefix'] = $ptPrefix
$ptResult['names'] = @{ receive_port = $ptCfg['receive_port']; receive_location = $ptCfg['receive_location']; send_port = $ptCfg['send_port'] }
$ptResult['mgmt_db'] = @{ server = [string]$ptServer; name = [string]$ptName; source = $ptSource }
$ptResult['biztalk_version'] = $ptVersion
$ptResult['process_bits'] = $ptBits
$ptResult['relaunched_32bit'] = $ptRelaunch
$value = $ptResult
"""

    @classmethod
    def leftovers(cls, raw: Any) -> str | None:
        """The test ports the command could not remove (or a cleanup it could not confirm), else None."""
        try:
            result = cls.parse(raw)
        except Exception:  # a value the check cannot read either: the audit must not claim a clean node
            return "the command's answer could not be read: check the node for ZZ_SSOCHK_* ports"
        if result.cleanup_ok:
            return None
        left = ", ".join(result.leftovers) or "unknown ports"
        return f"cleanup failed ({result.cleanup_error or 'ports still listed'}); left behind: {left}"

    @classmethod
    def parse(cls, raw: Any) -> PortTestResult:
        doc = expect_type(raw, dict, cls.name)
        n = cls.name
        names_raw = doc.get("names") or {}
        names = {str(k): opt_str(v, f"{n}.names.{k}") or "" for k, v in expect_type(names_raw, dict, f"{n}.names").items()}
        mgmt = expect_type(doc.get("mgmt_db") or {}, dict, f"{n}.mgmt_db")
        stage = opt_str(doc.get("stage"), f"{n}.stage")
        if stage is not None and stage not in STAGES:
            raise FactParseError(f"{n}.stage: expected one of {', '.join(STAGES)}, got {stage!r}")
        bits = doc.get("process_bits")
        if bits is not None and (not isinstance(bits, int) or isinstance(bits, bool)):
            raise FactParseError(f"{n}.process_bits: expected an integer, got {bits!r}")
        events = [
            parse_event(item, f"{n}.events[{i}]") for i, item in enumerate(as_list(doc.get("events"), f"{n}.events"))
        ]
        codes = tuple(c for c in (_code(x, f"{n}.codes[]") for x in as_list(doc.get("codes"), f"{n}.codes")) if c)
        return PortTestResult(
            run_id=opt_str(doc.get("run_id"), f"{n}.run_id"),
            names=names,
            mgmt_db_server=opt_str(mgmt.get("server"), f"{n}.mgmt_db.server"),
            mgmt_db_name=opt_str(mgmt.get("name"), f"{n}.mgmt_db.name"),
            mgmt_db_source=opt_str(mgmt.get("source"), f"{n}.mgmt_db.source"),
            biztalk_version=opt_str(doc.get("biztalk_version"), f"{n}.biztalk_version"),
            process_bits=bits,
            relaunched_32bit=bool(doc.get("relaunched_32bit")),
            leftovers_found=_str_list(doc.get("leftovers_found"), f"{n}.leftovers_found"),
            leftovers_removed=_str_list(doc.get("leftovers_removed"), f"{n}.leftovers_removed"),
            precleanup_error=opt_str(doc.get("precleanup_error"), f"{n}.precleanup_error"),
            attempted=_str_list(doc.get("attempted"), f"{n}.attempted"),
            created=_str_list(doc.get("created"), f"{n}.created"),
            saved=_bool(doc.get("saved"), f"{n}.saved"),
            stage=stage,
            error=opt_str(doc.get("error"), f"{n}.error"),
            hresult=_code(doc.get("hresult"), f"{n}.hresult"),
            rpc=_code(doc.get("rpc"), f"{n}.rpc"),
            codes=codes,
            cleanup_ok=_bool(doc.get("cleanup_ok"), f"{n}.cleanup_ok"),
            cleanup_error=opt_str(doc.get("cleanup_error"), f"{n}.cleanup_error"),
            leftovers=_str_list(doc.get("leftovers"), f"{n}.leftovers"),
            events=tuple(sorted(events, key=lambda e: e.time, reverse=True)),
            events_error=opt_str(doc.get("events_error"), f"{n}.events_error"),
        )
