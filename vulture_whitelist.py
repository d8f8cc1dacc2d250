"""Names vulture reports as unused although something outside Python's call graph uses them.

Run ``.venv/bin/vulture`` (settings in pyproject.toml). Only entry points, callbacks and protocol
methods/attributes belong here, each with the reason; everything else unused is deleted instead.
"""

# ruff: noqa
from checks import get_checks
from ssocheck.deadline import connectionpool
from ssocheck.transport.winrm import Protocol

get_checks  # entry point "ssocheck.checks: builtin = ssocheck_checks:get_checks" (setup.cfg)
# urllib3 reads the pool's ConnectionCls class attribute to create connections (ssocheck/deadline.py sets it).
connectionpool.HTTPConnectionPool.ConnectionCls
# pywinrm's transport reads this attribute when it builds the CredSSP session (ssocheck/transport/winrm.py).
Protocol.transport.credssp_auth_mechanism
# Context-manager protocol: __exit__ receives the exception triple whether it uses it or not.
exc_type, exc, tb, et, ev

# Attributes the Jinja template (ssocheck/reporters/templates/report.html.j2) reads: the template protocol.
from ssocheck.reporters.html import _CountRow, _RunbookRow

_CountRow.not_in_scope
_RunbookRow.not_done
_RunbookRow.not_verified

# Fields of a fact's typed value that no check reads yet. They stay because parsing them is part of the
# fact's contract: parse() type-checks each raw field and raises FactParseError on a malformed one, so
# dropping a field would change which node answers count as malformed (a behaviour change).
from ssocheck.facts.biztalk import BizTalkInstall
from ssocheck.facts.clusterpolicy import ResourcePolicy
from ssocheck.facts.firewall import FirewallRule
from ssocheck.facts.porttest import PortTestResult
from ssocheck.facts.system import HostNameInfo

BizTalkInstall.install_path
ResourcePolicy.restart_period_ms
FirewallRule.grouping
PortTestResult.biztalk_version
PortTestResult.events_error
HostNameInfo.tcpip_domain

# Fields of the documented scenario document (docs/architecture.md), accepted in scenario YAML.
from ssocheck.lab.state import NodeState

NodeState.os_caption
NodeState.os_version

# Part of the script-analysis result the farm's script judging (issue 12, in progress on another branch) reads.
from ssocheck.psparse import Calls

Calls.assigns_value

# Signal handlers receive the interrupted frame whether they use it or not (signal module protocol).
frame
# reprlib.Repr reads these limits when it formats (ssocheck/safeyaml.py sets them: short error-message quotes).
from ssocheck.safeyaml import _repr

_repr.maxstring, _repr.maxother, _repr.maxdict, _repr.maxlist, _repr.maxset, _repr.maxtuple, _repr.maxlevel
# click's ShellComplete reads source_template when it prints the completion script (_SSOCHECK_COMPLETE=powershell_source).
from ssocheck.completion import PowerShellComplete

PowerShellComplete.source_template
