"""Each ssocheck.pslint rule catches a bad example and leaves its near-miss good twin alone.

The rules read the tree-sitter syntax tree (tree-sitter and tree-sitter-powershell are runtime
dependencies; the hand-written fallback lexer is gone).
"""

from __future__ import annotations

import sys

import pytest

from ssocheck import pslint, psparse
from ssocheck.facts.probe import BOOTSTRAP, DOCTOR_SCRIPT


def rules(script: str, allow_writes: bool = False) -> set[str]:
    return {f.rule for f in pslint.lint(script, allow_writes=allow_writes)}


BAD: list[tuple[str, str]] = [
    # ---- ps3-cmdlet
    ("ps3-cmdlet", "$j = ConvertTo-Json $x"),
    ("ps3-cmdlet", "$x | ConvertTo-Json -Depth 4"),
    ("ps3-cmdlet", "$o = ConvertFrom-Json $text"),
    ("ps3-cmdlet", "Get-CimInstance -ClassName Win32_Service"),
    ("ps3-cmdlet", "$s = gcim Win32_Service"),
    ("ps3-cmdlet", "Invoke-CimMethod -InputObject $s -MethodName X"),
    ("ps3-cmdlet", "Get-CimAssociatedInstance -InputObject $s"),
    ("ps3-cmdlet", "$c = Invoke-WebRequest http://x"),
    ("ps3-cmdlet", "Get-NetFirewallRule -DisplayName 'MSDTC'"),
    ("ps3-cmdlet", "Get-NetTCPConnection -LocalPort 135"),
    ("ps3-cmdlet", "$a = Resolve-DnsName BIZTALKCLUSTER"),
    ("ps3-cmdlet", "Test-NetConnection BIZTALKCLUSTER -Port 135"),
    ("ps3-cmdlet", "$d = Get-Dtc"),
    ("ps3-cmdlet", "Get-DtcNetworkSetting -DtcName Local"),
    ("ps3-cmdlet", "$d = MsDtc\\Get-Dtc"),
    ("ps3-cmdlet", "Get-ScheduledTask"),
    ("ps3-cmdlet", "$h = Get-FileHash $path -Algorithm SHA256"),
    ("ps3-cmdlet", "Get-LocalGroupMember Administrators"),
    ("ps3-cmdlet", "& 'ConvertTo-Json' $x"),
    # ---- ps3-syntax
    ("ps3-syntax", "$h = [ordered]@{ a = 1 }"),
    ("ps3-syntax", "$o = [pscustomobject]@{ a = 1 }"),
    ("ps3-syntax", "$o = [PSCustomObject]@{ a = 1 }"),
    ("ps3-syntax", "if ($x -in $y) { $z = 1 }"),
    ("ps3-syntax", "if ($x -notin $y) { $z = 1 }"),
    ("ps3-syntax", "$v = 1 -shl 2"),
    ("ps3-syntax", "$r = $list.Where({ $_ -gt 1 })"),
    ("ps3-syntax", "$r = $list.ForEach({ $_ })"),
    ("ps3-syntax", "$sb = [System.Text.StringBuilder]::new()"),
    ("ps3-syntax", "class Probe {\n    [int]$x\n}"),
    ("ps3-syntax", "enum Color { Red }"),
    ("ps3-syntax", "using namespace System.Text"),
    ("ps3-syntax", "$n = @(1, 2) | ForEach-Object { $PSItem }"),
    ("ps3-syntax", "Get-Service | Where-Object Name -eq 'ENTSSO'"),
    ("ps3-syntax", "Get-Service | ? Status -eq Running"),
    ("ps3-syntax", "Get-Service | where Status -eq Running"),
    ("ps3-syntax", "Get-Service | Where-Object -Property Status -EQ Running"),
    ("ps3-syntax", "Get-Service | % Name"),
    ("ps3-syntax", "Get-Service | ForEach-Object -MemberName Name"),
    ("ps3-syntax", "Get-Item $p -ErrorAction Ignore"),
    ("ps3-syntax", "Get-Item $p -ea Ignore"),
    ("ps3-syntax", "Get-Item $p -ErrorAction:Ignore"),
    ("ps3-syntax", "Get-Item $p -ErrorAction 'Ignore'"),
    ("ps3-syntax", "$ErrorActionPreference = 'Ignore'"),
    ("ps3-syntax", "$v = $using:node"),
    ("ps3-syntax", "workflow Probe {\n    Get-Service\n}"),
    ("ps3-syntax", "#requires -Version 3.0\n$v = 1"),
    ("ps3-syntax", "#Requires -Version 5\n$v = 1"),
    ("ps3-syntax", "Get-ChildItem $d -Recurse -Depth 2"),
    ("ps3-syntax", "$f = Get-ChildItem $d -File"),
    ("ps3-syntax", "$f = gci $d -Directory"),
    ("ps3-syntax", "$t = Get-Content $p -Raw"),
    ("ps3-syntax", "Get-Service -PipelineVariable s | Out-Null"),
    ("ps3-syntax", "Test-Path $a && Test-Path $b"),
    # ---- ps2-dotnet
    ("ps2-dotnet", "if ([string]::IsNullOrWhiteSpace($x)) { $y = 1 }"),
    ("ps2-dotnet", "$b = $attr.HasFlag([IO.FileAttributes]::Hidden)"),
    ("ps2-dotnet", "$f = [System.IO.Directory]::EnumerateFiles($d)"),
    ("ps2-dotnet", "$l = [IO.File]::ReadLines($p)"),
    ("ps2-dotnet", "$x64 = [Environment]::Is64BitOperatingSystem"),
    ("ps2-dotnet", "$ok = [Guid]::TryParse($s, [ref]$g)"),
    ("ps2-dotnet", "$p = [System.IO.Path]::Combine($a, 'b', 'c')"),
    ("ps2-dotnet", "$hk = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64')"),
    # ---- write-verb: cmdlets and aliases
    ("write-verb", "New-Item -Path $p -ItemType File"),
    ("write-verb", "ni $p"),
    ("write-verb", "Set-ItemProperty -Path $k -Name X -Value 1"),
    ("write-verb", "Remove-Item $p"),
    ("write-verb", "del $p"),
    ("write-verb", "Clear-EventLog Application"),
    ("write-verb", "Add-Type -TypeDefinition $code"),
    ("write-verb", "Add-Content $p 'x'"),
    ("write-verb", "Start-Service ENTSSO"),
    ("write-verb", "Stop-Service ENTSSO"),
    ("write-verb", "Restart-Service MSDTC"),
    ("write-verb", "Get-Service ENTSSO | Stop-Service"),
    ("write-verb", "Register-ObjectEvent $o Changed"),
    ("write-verb", "Invoke-Command -ComputerName $n -ScriptBlock { 1 }"),
    ("write-verb", "Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList calc"),
    ("write-verb", "Write-EventLog -LogName Application -Source X -EventId 1 -Message m"),
    ("write-verb", "$x | Out-File $p"),
    ("write-verb", "Set-Content $p 'x'"),
    ("write-verb", "Export-Csv -Path $p -InputObject $x"),
    ("write-verb", "$x | Tee-Object $p"),
    ("write-verb", "Get-Process > C:\\out.txt"),
    ("write-verb", "Get-Process >> $log"),
    # ---- write-verb: methods
    ("write-verb", "$svc.Put()"),
    ("write-verb", "$wmi.Delete()"),
    ("write-verb", "$svc.InvokeMethod('StopService', $null)"),
    ("write-verb", "$r = ([wmiclass]'Win32_Process').Create('calc')"),
    ("write-verb", "$catalog.SaveChanges()"),
    ("write-verb", "$svc.ChangeStartMode('Disabled')"),
    ("write-verb", "$key.SetValue('X', 1)"),
    ("write-verb", "$group.Invoke('Add', 'WinNT://CORP/x')"),
    ("write-verb", "[System.IO.File]::Delete('C:\\Windows\\Temp\\x.txt')"),
    ("write-verb", "[IO.File]::WriteAllText($p, 'x')"),
    ("write-verb", "$k = $hive.OpenSubKey('SOFTWARE\\X', $true)"),
    ("write-verb", "$f = New-Object System.IO.FileStream($p, [System.IO.FileMode]::Create)"),
    ("write-verb", "$f = New-Object IO.FileStream($p, [IO.FileMode]::Open, [IO.FileAccess]::ReadWrite)"),
    ("write-verb", "$w = New-Object System.IO.StreamWriter($p)"),
    ("write-verb", "$w = (Get-Item $p).AppendText()"),
    # ---- write-verb: programs
    ("write-verb", "msdtc -resetlog"),
    ("write-verb", "& msdtc.exe -uninstall"),
    ("write-verb", "sc.exe config ENTSSO start= auto"),
    ("write-verb", "sc.exe stop ENTSSO"),
    ("write-verb", "& 'C:\\Windows\\System32\\sc.exe' start ENTSSO"),
    ("write-verb", "sc query ENTSSO"),  # inside PowerShell, 'sc' is Set-Content
    ("write-verb", "net stop ENTSSO"),
    ("write-verb", "net start MSDTC"),
    ("write-verb", "net localgroup Administrators CORP\\x /add"),
    ("write-verb", "ssoconfig -backupSecret C:\\x.bak"),
    ("write-verb", "ssomanage -updatedb C:\\x.xml"),
    ("write-verb", "ssomanage -serverall BIZTALKCLUSTER"),
    ("write-verb", "$exe = Join-Path $dir 'ssomanage.exe'\n& $exe -server BIZTALKCLUSTER"),
    ("write-verb", "reg add HKLM\\SOFTWARE\\X /v Y /d 1"),
    ("write-verb", "reg.exe delete HKLM\\SOFTWARE\\X /f"),
    ("write-verb", "cluster res SSO /online"),
    ("write-verb", "netsh advfirewall set allprofiles state off"),
    ("write-verb", "netsh advfirewall firewall add rule name=x dir=in action=allow"),
    ("write-verb", "wevtutil cl Application"),
    ("write-verb", "secedit /configure /db x.sdb /cfg x.inf"),
    ("write-verb", "w32tm /resync"),
    ("write-verb", "$tmp = [IO.Path]::GetTempFileName()\nsecedit /export /cfg $tmp"),
    ("write-verb", "cmd /c sc stop ENTSSO"),
    # ---- culture-format (review probe.md D2: a Thai or it-IT node writes another clock)
    ("culture-format", "$SsoResult['clock_utc'] = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')"),
    ("culture-format", "$t = $e.TimeGenerated.ToUniversalTime().ToString(\"yyyy-MM-dd HH:mm\")"),
    ("culture-format", "$h = '\\u' + $code.ToString('x4')"),
    ("culture-format", "$c = ([int]$ex.ErrorCode).ToString($fmt)"),
    ("culture-format", "$s = [DateTime]::Now.ToString()"),
    ("culture-format", "$s = $file.LastWriteTimeUtc.ToString()"),
    ("culture-format", "$s = [string]::Format('{0:N2}', $size)"),
    ("culture-format", "$s = [System.String]::Format($fmt, $x)"),
    ("culture-format", "$s = '{0:yyyy-MM-dd}' -f $date"),
    ("culture-format", "$s = $pattern -F $n"),
    ("culture-format", "$s = Get-Date -Format 'yyyy-MM-dd'"),
    ("culture-format", "$s = Get-Date $d -UFormat '%Y'"),
    ("culture-format", "$d = [datetime]::Parse($text)"),
    ("culture-format", "$n = [System.Double]::Parse('1.5')"),
    # ---- non-ascii
    ("non-ascii", "$name = 'caf\u00e9'"),
    ("non-ascii", "# r\u00e9sum\u00e9 of the fact\n$value = 1"),
    ("non-ascii", "$value = 'a\u2019b'"),
    # ---- param-interpolation
    ("param-interpolation", "$len = $SsoParamsText.Length"),
    ("param-interpolation", '$msg = "params: $SsoParamsText"'),
    ("param-interpolation", "$x = $SsoParamsJson"),
    ("param-interpolation", "$node = $SsoParams['node']"),
    ("param-interpolation", "$node = $SsoParams.node"),
    ("param-interpolation", "Invoke-Expression ('Get-Item ' + $x)"),
    ("param-interpolation", "iex $cmd"),
    ("param-interpolation", "& ([scriptblock]::Create('Get-Item ' + $x))"),
    ("param-interpolation", "$sb = [scriptblock]::Create($text)"),
    ("param-interpolation", "$ExecutionContext.InvokeCommand.InvokeScript($text)"),
    ("param-interpolation", "$p = Get-Variable SsoParams -ValueOnly"),
    ("param-interpolation", "$t = Get-SsoParam 'cmd'; Invoke-Expression $t"),
    # ---- .NET semantics (ssocheck.psnet); the first of each is the exact line that shipped
    ("regex", r"""$m = [regex]::Match($path, 'Name="((?:[^"\]|\.)*)"')""".replace("\\\\", "\\")),
    ("regex", "$ok = $x -match '(unclosed'"),
    ("regex", "$parts = $x -split '[a-'"),
    ("regex", "$p = '*.bak'\n$ok = $name -match $p"),
    ("regex-anchor", r"if ($s -cmatch '^[\x20\x21\x23-\x5B\x5D-\x7E]*$') { return '\"' + $s + '\"' }"),
    ("regex-anchor", "$logon = '^(S-1-5-2|S-1-2-0)$'\nif ($g -match $logon) { }"),
    ("dictionary-member", "foreach ($k in $o.Keys) { }"),
    ("dictionary-member", "$v = @($h.Values)"),
    ("dictionary-member", "$h = @{ count = 1; name = 'x' }\n$n = $h.Count"),
    ("assembly-load", "$r = (New-Object System.Web.Script.Serialization.JavaScriptSerializer).DeserializeObject($t)"),
    ("assembly-load", "$w = {\n    [void][System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')"
                      "\n}\n$r = New-Object System.Web.Script.Serialization.JavaScriptSerializer"),
    ("assembly-load", "$c = New-Object Microsoft.BizTalk.ExplorerOM.BtsCatalogExplorer"),
    ("array-wrap", "foreach ($s in @(Get-SsoParam 'rpc_callback_sources')) { }"),
    ("array-wrap", "$n = @( Get-SsoParam 'targets' ).Count"),
]

GOOD: list[str] = [
    # ps3-cmdlet near misses
    "# ConvertTo-Json does not exist on 2.0, hence ConvertTo-SsoJson\n$value = ConvertTo-SsoJson $x 0",
    "$name = 'ConvertTo-Json'",
    "<# Get-CimInstance\n   Resolve-DnsName #>\n$s = Get-WmiObject -Class Win32_Service",
    "$a = [System.Net.Dns]::GetHostAddresses('x')",
    "if (Get-Command Get-Dtc -ErrorAction SilentlyContinue) { $d = Get-Dtc } else { $d = $null }",
    # ps3-syntax near misses
    "$s = 'x -in y'",
    "$op = '-in'; $op2 = \"-notin\"",
    '$s = "class Foo { }"',
    "# [ordered] and [pscustomobject] are PowerShell 3\n$h = @{ a = 1 }",
    "if ($y -contains $x) { $z = 1 }",
    "foreach ($a in $b) { $c = $a }",
    "$i = Get-ChildItem $d -Include *.bak -Filter *.bak",
    "$v = Get-Service | Where-Object { $_.Name -eq 'ENTSSO' }",
    "$v = Get-Service | ? { $_.Status -eq 'Running' }",
    "$v = Get-Service | Where-Object -FilterScript { $_.Name -like 'E*' }",
    "$v = Get-Service | ForEach-Object { $_.Name }",
    "$v = Get-Service | % -Process { $_.Name } -ErrorAction Stop",
    "$v = Get-Item $p -ErrorAction SilentlyContinue",
    "$ErrorActionPreference = 'Stop'",
    "#requires -Version 2.0\n$v = 1",
    "$classic = 1\n$h = @{ class = 'x'; enum = 'y' }",
    "$x = $item.Whereabouts",
    "$text = [System.IO.File]::ReadAllText($p)",
    "$s = New-Object IO.FileStream($p, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)",
    "$r = New-Object System.IO.StreamReader($p)",
    "$v = 'using namespace System'",
    "$h = @{ a = 1 }\n$v = $h.a",
    # ps2-dotnet near misses
    "$e = [string]::IsNullOrEmpty($x)",
    "$p = [System.IO.Path]::Combine($a, 'b')",
    "$p = [System.IO.Path]::Combine([Environment]::SystemDirectory, (Join-Path 'a' 'b'))",
    "$ok = [int]::TryParse($s, [ref]$n)",
    "$s = 'IsNullOrWhiteSpace('",
    # write-verb near misses
    "$sb = New-Object System.Text.StringBuilder",
    "$fw = New-Object -ComObject HNetCfg.FwPolicy2",
    "$age = New-TimeSpan -Days 1",
    "$v = sc.exe query ENTSSO",
    "$v = & sc.exe qc ENTSSO",
    "$v = net localgroup Administrators",
    "$v = net user svc_sso /domain",
    "$v = reg query HKLM\\SOFTWARE\\Microsoft\\MSDTC",
    "$v = ssomanage -displaydb",
    "$v = ssomanage.exe -showdb",
    "$v = w32tm /query /status",
    "$v = wevtutil qe Application /c:5 /f:text",
    "$v = netsh advfirewall firewall show rule name=all",
    "$exe = Join-Path $dir 'ssomanage.exe'\n$v = & $exe -showserver",
    "$tmp = [IO.Path]::GetTempFileName()\ntry {\n    secedit.exe /export /areas USER_RIGHTS /cfg $tmp /quiet\n"
    "} finally {\n    [System.IO.File]::Delete($tmp)\n}",
    "$v = Get-Process 2>$null",
    "$v = Get-Process 2>&1",
    "Get-Process | Out-Null",
    "[void]$list.Add(1)\n$list.Remove(1)\n$sb.Clear()",
    "$s = 'Remove-Item -Recurse C:\\'",
    "# Set-Item would be a write\n$v = Get-Item $p",
    "$created = $file.CreationTime\n$d = $x.Deleted",
    "$v = '<too deep>'",
    "$r = [scriptblock]::Create.ToString()",
    # culture-format near misses: a provider given, no format, or no formatting at all
    "$s = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)",
    "$s = $code.ToString('x4', $SsoInv)",
    "$s = $n.ToString($SsoInv)",
    "$s = ([double]$o).ToString('R', $inv)",
    "$s = $PSVersionTable.PSVersion.ToString()",
    "$s = $sb.ToString()",
    "$s = [string]::Format([System.Globalization.CultureInfo]::InvariantCulture, '{0}', $x)",
    "$s = [string]::Format($SsoInv, '{0:N2}', $size)",
    "$s = '{0} -f {1}'",
    "# '{0}' -f $x in a comment\n$v = 1",
    "Get-ChildItem -Filter '*.bak'",
    "$d = [datetime]::Parse($text, [System.Globalization.CultureInfo]::InvariantCulture)",
    "$d = Get-Date",
    # non-ascii near miss
    "$name = 'cafe'",
    # param-interpolation near misses
    "$node = Get-SsoParam 'node'",
    "$e = $SsoParamsError",
    BOOTSTRAP,
    DOCTOR_SCRIPT,
    # .NET semantics near misses
    r"""$m = [regex]::Match($path, 'Name="((?:[^"\\]|\\.)*)"')""",
    r"if ($s -cmatch '^[\x20-\x7E]*\z') { }",
    "$t = $target -replace '^(?i)tcp:', ''",
    "$n = $x -match '(?<n>\\d+)'",
    "# $a -match '(broken' is only a comment\n$v = 1",
    "$s = 'a -match ''(broken'' in a string'",
    "foreach ($k in $o.PSBase.Keys) { }",
    "$sources = Get-SsoParam 'rpc_callback_sources'\nforeach ($s in @($sources)) { }",
    "$n = [string](Get-SsoParam 'cluster_network_name')",
    "$n = $list.Count + @($h.get_Keys()).Count",
    "[void][System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')\n"
    "$r = New-Object System.Web.Script.Serialization.JavaScriptSerializer",
    "try {\n    $a = [System.Reflection.Assembly]::LoadWithPartialName('Microsoft.BizTalk.ExplorerOM')\n"
    "    $c = New-Object Microsoft.BizTalk.ExplorerOM.BtsCatalogExplorer\n} catch { }",
]


@pytest.mark.parametrize(("rule", "script"), BAD, ids=[f"{r}:{s[:40]}" for r, s in BAD])
def test_rule_catches_bad_example(rule: str, script: str) -> None:
    found = pslint.lint(script)
    assert rule in {f.rule for f in found}, f"{rule} not reported for {script!r}: {found}"


@pytest.mark.parametrize("script", GOOD, ids=[s[:40] for s in GOOD])
def test_near_miss_is_clean(script: str) -> None:
    assert pslint.lint(script) == []


def test_every_rule_has_a_bad_example() -> None:
    assert {rule for rule, _ in BAD} == set(pslint.RULES)


def test_finding_names_line_and_text() -> None:
    script = "$a = 1\n# Remove-Item in a comment\n$b = 'x'\nRemove-Item $p -Force\n$c = 2"
    [finding] = pslint.lint(script)
    assert (finding.rule, finding.line, finding.text) == ("write-verb", 4, "Remove-Item $p -Force")
    assert "Remove" in finding.message
    assert str(finding).startswith("line 4: [write-verb]")


def test_non_ascii_reports_line_and_codepoint() -> None:
    [finding] = pslint.lint("$a = 1\n$b = 'na\u00efve'")
    assert finding.rule == "non-ascii" and finding.line == 2 and "U+00EF" in finding.message


def test_allow_writes_drops_only_write_findings() -> None:
    script = "New-Item -Path $p\n$catalog.SaveChanges()\n$x = ConvertTo-Json $y"
    assert rules(script) == {"write-verb", "ps3-cmdlet"}
    assert rules(script, allow_writes=True) == {"ps3-cmdlet"}
    # Running text as code is never a "write we allow".
    assert rules("iex $cmd", allow_writes=True) == {"param-interpolation"}


def test_secedit_delete_must_be_the_export_file() -> None:
    other = "$tmp = [IO.Path]::GetTempFileName()\nsecedit /export /cfg $tmp\n[System.IO.File]::Delete($other)"
    messages = [f.message for f in pslint.lint(other)]
    assert any("anything but the secedit export" in m for m in messages)
    assert any("leaves its /cfg file behind" in m for m in messages)


def test_unguarded_ps3_cmdlet_still_flagged_when_another_is_guarded() -> None:
    script = "if (Get-Command Get-Dtc) { $d = Get-Dtc; $n = Get-DtcNetworkSetting -DtcName Local }"
    [finding] = pslint.lint(script)
    assert finding.rule == "ps3-cmdlet" and "Get-DtcNetworkSetting" in finding.message


def test_probe_param_plumbing_is_allowed_only_in_its_place() -> None:
    plumbing = (
        "$SsoParamsText = @'\na:s:eA==\n'@\n"
        "function Get-SsoParam([string]$name) {\n"
        "    foreach ($ssoItem in $SsoParamsText.Trim().Split(';')) { $ssoParts = $ssoItem.Split(':') }\n"
        "    throw ('parameter missing: ' + $name)\n"
        "}\n"
    )
    assert pslint.lint(plumbing) == []
    # The same definition anywhere but the first line is a fact tampering with parameters.
    moved = "$x = 1\n" + plumbing
    assert [f.line for f in pslint.lint(moved)] == [2]


def test_parse_errors_clean_and_broken() -> None:
    assert pslint.parse_errors("$value = @{ a = 1 }\nif ($x) { $y = 2 }") == []
    errors = pslint.parse_errors("$a = 1\nif ($x { $y = 2 }\n")
    assert errors and errors[0].startswith("line 2, column ")
    assert "if ($x { $y = 2 }" in errors[0]
    # PowerShell 7 syntax does not parse as Windows PowerShell.
    assert pslint.parse_errors("$v = $a ?? $b")


def test_without_tree_sitter_the_parser_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    psparse._parser.cache_clear()
    monkeypatch.setitem(sys.modules, "tree_sitter", None)  # makes `import tree_sitter` fail
    try:
        assert not pslint.tree_sitter_available()
        with pytest.raises(ImportError, match="tree-sitter-powershell"):
            pslint.parse_errors("$a = 1")
        with pytest.raises(ImportError, match="pip install"):
            pslint.lint("$a = 1")
    finally:
        psparse._parser.cache_clear()


def test_crlf_line_endings_give_the_same_findings() -> None:
    script = "$a = 1\n# Stop-Service x\n$s = @'\nRemove-Item\n'@\nStop-Service ENTSSO\n$b = $x -in $y\n"
    lf = [(f.rule, f.line, f.text) for f in pslint.lint(script)]
    crlf = [(f.rule, f.line, f.text) for f in pslint.lint(script.replace("\n", "\r\n"))]
    assert lf == crlf == [("write-verb", 6, "Stop-Service ENTSSO"), ("ps3-syntax", 7, "$b = $x -in $y")]
