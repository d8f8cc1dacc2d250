"""PowerShell tab completion for ``ssocheck`` (click 8 completes bash, zsh and fish, not PowerShell).

It works like click's own shells, through the ``_SSOCHECK_COMPLETE`` environment variable:

* ``_SSOCHECK_COMPLETE=powershell_source ssocheck`` prints a script for the PowerShell profile. It registers
  a native-command argument completer (``Register-ArgumentCompleter -Native``, Windows PowerShell 5.1 and
  PowerShell 7) that, on Tab, runs ssocheck again with
* ``_SSOCHECK_COMPLETE=powershell_complete``, ``COMP_WORDS`` (the words typed up to the cursor, one per line:
  PowerShell has already removed their quotes, so no shell splitting is needed and ``CORP\\user`` stays
  whole) and ``COMP_CWORD`` (the index of the word being completed). ssocheck answers one candidate per
  line, ``value<TAB>help``, and nothing for a file or folder argument, so PowerShell falls back to its own
  path completion (a native completer that returns nothing gets the default completion).

References: Register-ArgumentCompleter (-Native: the script block receives ``$wordToComplete``,
``$commandAst`` and ``$cursorPosition``) and CompletionResult(completionText, listItemText, resultType, toolTip),
learn.microsoft.com/powershell/module/microsoft.powershell.core/register-argumentcompleter; click's
ShellComplete protocol, click.palletsprojects.com/en/stable/shell-completion/ ("Adding Support for Other
Shells").
"""

from __future__ import annotations

import os
from typing import Any

from click.shell_completion import CompletionItem, ShellComplete, add_completion_class

# The script for the profile. A %-format template (click fills complete_func, complete_var, prog_name), so no
# literal percent sign: PowerShell's '%' alias of ForEach-Object is not used. Only what Windows PowerShell 5.1
# has (::new needs 5.0; a jump host runs 5.1 or PowerShell 7).
_SOURCE = r"""# ssocheck tab completion for PowerShell: add this script's output to your $PROFILE (see the README).
Register-ArgumentCompleter -Native -CommandName '%(prog_name)s', '%(prog_name)s.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @()
    foreach ($element in $commandAst.CommandElements) {
        if ($element.Extent.StartOffset -ge $cursorPosition) { break }
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $words += $element.Value
        } else {
            $words += $element.Extent.Text
        }
    }
    if ($wordToComplete -eq '') { $words += '' }
    $env:COMP_WORDS = $words -join "`n"
    $env:COMP_CWORD = [string]($words.Count - 1)
    $env:%(complete_var)s = 'powershell_complete'
    try {
        $answer = @(& '%(prog_name)s' 2>$null)
    } finally {
        # Assigning $null removes a process environment variable: the next plain ssocheck runs normally.
        $env:COMP_WORDS = $null
        $env:COMP_CWORD = $null
        $env:%(complete_var)s = $null
    }
    foreach ($line in $answer) {
        if (-not $line) { continue }
        $value, $help = $line -split "`t", 2
        if (-not $help) { $help = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
    }
}
"""


class PowerShellComplete(ShellComplete):
    """click's completion protocol for PowerShell (``_SSOCHECK_COMPLETE=powershell_source|powershell_complete``)."""

    name = "powershell"
    source_template = _SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        """(arguments before the word being completed, that word) from COMP_WORDS / COMP_CWORD."""
        words = os.environ.get("COMP_WORDS", "").split("\n")
        try:
            index = int(os.environ.get("COMP_CWORD", ""))
        except ValueError:
            index = len(words) - 1
        index = max(1, min(index, len(words)))
        incomplete = words[index] if index < len(words) else ""
        return words[1:index], incomplete

    def format_completion(self, item: CompletionItem) -> str:
        """``value<TAB>help``; an empty line for a path (PowerShell then completes paths itself)."""
        if item.type in ("file", "dir"):
            return ""
        help_text = " ".join((item.help or "").split())  # one line: a newline would split the candidate
        return f"{item.value}\t{help_text}" if help_text else str(item.value)

    def complete(self) -> str:
        """Every candidate, one per line (path arguments: none, see :meth:`format_completion`)."""
        args, incomplete = self.get_completion_args()
        lines = [self.format_completion(item) for item in self.get_completions(args, incomplete)]
        return "\n".join(line for line in lines if line)


def check_ids(_ctx: Any, _param: Any, incomplete: str) -> list[CompletionItem]:
    """Check IDs (and their family prefixes, for ``--select SSO``) starting with ``incomplete``, titles as help.

    Offered by every shell: ``explain ID``, ``--select``/``--skip``.
    """
    from ssocheck.registry import load_checks

    metas = [lc.meta for lc in load_checks()]
    wanted = incomplete.upper()
    families = sorted({m.id[:3] for m in metas if m.id.startswith(wanted) and len(wanted) < 3})
    items = [CompletionItem(f, help=f"every {f} check") for f in families]
    return items + [CompletionItem(m.id, help=m.title) for m in metas if m.id.startswith(wanted)]


def scenarios(_ctx: Any, _param: Any, incomplete: str) -> list[CompletionItem]:
    """Built-in lab scenarios starting with ``incomplete`` (``ssocheck lab serve NAME``)."""
    from ssocheck.lab.state import list_scenarios

    return [CompletionItem(name, help=text) for name, text in list_scenarios() if name.startswith(incomplete)]


def register() -> None:
    """Make ``powershell`` one of click's completion shells (idempotent; the CLI calls it at import)."""
    add_completion_class(PowerShellComplete)
