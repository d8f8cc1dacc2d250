"""JUnit XML reporter for CI (Jenkins, Azure DevOps, GitLab), built with the ``junit-xml`` package.

Layout (see the JUnit conventions of the design notes):

* ``<testsuites name="ssocheck <phase>">`` with totals, one ``<testsuite>`` per node: name = node,
  hostname = address, timestamp = run start, package = the node's roles, properties group / phase / topology /
  roles / tool_version / source (suite level only; CI ignores them but tooling reads them, and the
  group tells two BizTalk groups' files apart when a CI job merges them);
* one ``<testcase>`` per result: classname ``ssocheck.<first role>.<NODE_with_underscores>``, the same
  for every test of a node whatever roles brought it into a check's scope (adding a second role to a
  node must not rename its tests and break CI history). The node is in the classname so GitLab, which
  keeps only the first of duplicate classname+name pairs, sees every node; Jenkins splits it at the
  last dot into package and class. Name ``"<ID> <title>"`` (the ID first: it is the title ADO and
  GitLab show);
* ``fail`` -> ``<failure type=severity>``, ``error`` (could not evaluate) -> ``<error>``, ``skip`` ->
  ``<skipped>`` (with the waiver, if any), ``warn`` -> per ``warn_as``; the human-readable detail is in
  element bodies and ``<system-out>`` because GitLab ignores attributes.

The test cases and suites are junit-xml 1.9's objects; the document is written from them by
:func:`_document` exactly as junit-xml's ``build_xml_doc`` and ElementTree would write it, with what
junit-xml leaves out added (``name`` on the root, the node's collection time per suite) and every total
recomputed from the elements actually written, so the numbers can never disagree with the content. The root carries
``tests``, ``failures``, ``errors`` and ``time`` but no ``skipped``: the Jenkins xUnit plugin's
schema (junit-10.xsd, tests/data/xsd) does not allow it there and the plugin rejects such a file;
per-suite ``skipped`` is allowed and every consumer sums it.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from junit_xml import TestCase, TestSuite

from ssocheck.model import NodeInfo, Report, Result, Status
from ssocheck.reporters.common import (
    EVIDENCE_CAP,
    cap,
    evidence_text,
    guide_text,
    meta_for,
    node_order,
    redacted,
    remediation_text,
    waived_message,
    xml_safe,
)

log = logging.getLogger(__name__)

WARN_AS = ("pass", "skip", "failure")
# Attribute values are one line in every CI UI; the full text is in the element body.
_MESSAGE_CAP = 1024


def render(report: Report, *, warn_as: str = "pass", **_other: Any) -> str:
    """The JUnit XML document of ``report``.

    ``warn_as`` says how a ``warn`` result appears, since JUnit has no warning: ``pass`` (a passing
    testcase with ``WARNING: ...`` in system-out), ``skip`` or ``failure``. Options meant for other
    reporters are accepted and ignored.
    """
    if warn_as not in WARN_AS:
        raise ValueError(f"warn_as must be one of {', '.join(WARN_AS)}, not {warn_as!r}")
    report = redacted(report)  # before any escaping, which would hide secrets from redaction
    nodes = node_order(report)
    # One pass over the results (Report.results_for scans them all, once per node: quadratic on big farms).
    by_node: dict[str, list[Result]] = {}
    for result in report.results:
        by_node.setdefault(result.node, []).append(result)
    suites = [_suite(report, node, sorted(by_node.get(node.name, []), key=lambda r: r.check_id), warn_as)
              for node in nodes]
    # Every text went through xml_safe already.
    return _document(report, suites, nodes)


def classname(role: str, node: str) -> str:
    """``ssocheck.<role>.<node with dots replaced>``: dots would split the node across Jenkins packages."""
    return f"ssocheck.{role}.{node.replace('.', '_')}"


def node_classname(node: NodeInfo) -> str:
    """The one classname of every testcase of ``node``: ``ssocheck.<its first role>.<node>``.

    One per node, not per (node, role): a node with roles [sql, biztalk] would otherwise split its
    tests over two classes, and adding a role would rename them (CI history lost). The first role keeps
    the classname of a single-role node unchanged from earlier versions.
    """
    return classname(node.roles[0] if node.roles else "node", node.name)


def _suite(report: Report, node: NodeInfo, results: list[Result], warn_as: str) -> TestSuite:
    cases: list[TestCase] = []
    seen: Counter[tuple[str, str]] = Counter()
    for result in results:
        case = _case(report, node, result, warn_as)
        key = (case.classname, case.name)
        seen[key] += 1
        if seen[key] > 1:
            # The runner gives one verdict per check and node, so this is a bug upstream; keep the
            # result visible (GitLab would silently drop a duplicate) rather than lose it.
            log.warning("duplicate JUnit testcase %s / %s; renamed", *key)
            case.name = f"{case.name} #{seen[key]}"
        cases.append(case)
    if node.error and not results:
        # An unreachable node with no result must still turn CI red, not vanish from the report.
        case = TestCase("connection", classname=node_classname(node))
        case.add_error_info(
            message=_attr(f"facts could not be collected: {node.error}"),
            output=xml_safe(f"The node could not be reached or did not answer; no check ran on it.\n"
                            f"reason: {node.error}"),
            error_type="connection",
        )
        cases.append(case)
    assert len({(c.classname, c.name) for c in cases}) == len(cases), "JUnit classname+name pairs must be unique"
    return TestSuite(
        name=xml_safe(node.name),
        test_cases=cases,
        hostname=xml_safe(node.address or node.name),
        timestamp=xml_safe(report.started_at),
        package=xml_safe(",".join(node.roles)),
        properties={
            **_provenance_properties(report),
            "group": xml_safe(report.group),
            "phase": report.phase.value,
            "topology": report.topology,
            "roles": xml_safe(",".join(node.roles)),
            "tool_version": xml_safe(report.tool_version),
            "source": xml_safe(report.source),
        },
    )


def _provenance_properties(report: Report) -> dict[str, str]:
    """The change record as flat properties (CI tools read properties as name/value strings)."""
    prov = report.provenance or {}
    out: dict[str, str] = {}
    for key in ("command", "run_by", "run_from"):
        if prov.get(key):
            out[key] = xml_safe(str(prov[key]))
    checks = prov.get("checks")
    if isinstance(checks, dict):
        out["checks"] = f"{checks.get('selected')} of {checks.get('installed')}"
        if prov.get("partial"):
            # Which checks a partial run covered (a full run covers them all: no need to repeat 30 IDs per node).
            out["checks_selected"] = xml_safe(" ".join(map(str, checks.get("ids", []))))
    if "partial" in prov:
        out["partial"] = "true" if prov["partial"] else "false"
    nodes = prov.get("nodes")
    if isinstance(nodes, dict):  # --node: which nodes the run covered and which it left out
        out["nodes_selected"] = xml_safe(" ".join(map(str, nodes.get("selected", []))))
        out["nodes_excluded"] = xml_safe(" ".join(map(str, nodes.get("excluded", []))))
    for key in ("inventory", "snapshot", "baseline", "waivers"):
        entry = prov.get(key)
        if isinstance(entry, dict):
            out[key] = xml_safe(str(entry.get("path")))
            if entry.get("sha256"):
                out[f"{key}_sha256"] = str(entry["sha256"])
            if entry.get("saved_at"):
                out[f"{key}_saved_at"] = xml_safe(str(entry["saved_at"]))
    if prov.get("allow_changes"):
        out["allow_changes"] = "true"
    out["started_at"] = xml_safe(report.started_at)
    out["finished_at"] = xml_safe(report.finished_at)
    return out


def _case(report: Report, node: NodeInfo, result: Result, warn_as: str) -> TestCase:
    meta = meta_for(report, result.check_id)
    name = f"{result.check_id} {meta.title}" if meta else result.check_id
    case = TestCase(
        xml_safe(name),
        classname=xml_safe(node_classname(node)),
    )
    evidence = evidence_text(result.evidence)
    stdout = evidence
    status = result.status
    if status is Status.WARN:
        if warn_as == "failure":
            status = Status.FAIL
        elif warn_as == "skip":
            status = Status.SKIP
        else:
            stdout = f"WARNING: {result.message}" + (f"\n{evidence}" if evidence else "")
    if status is Status.FAIL:
        case.add_failure_info(
            message=_attr(result.message),
            output=xml_safe(_body(report, result, evidence)),
            failure_type=meta.severity.value if meta else "failure",
        )
    elif status is Status.ERROR:
        case.add_error_info(
            message=_attr(result.message),
            output=xml_safe(_body(report, result, evidence, could_not_evaluate=True)),
            error_type="error",
        )
    elif status is Status.WAIVED:
        # CI has no "waived": skipped, saying so first, so the build stays green without hiding the finding.
        case.add_skipped_info(message=_attr(f"WAIVED: {waived_message(result)}"))
    elif status is Status.SKIP:
        reason = waived_message(result)
        if result.status is Status.WARN:
            # A warning shown as skipped keeps what a reader needs to act on it (evidence, remediation):
            # GitLab and GitHub show the skipped text, and nothing else of the case.
            reason = f"WARNING: {reason}"
            case.add_skipped_info(message=_attr(reason), output=xml_safe(f"WARNING: {_body(report, result, evidence)}"))
        else:
            # The message attribute says it all; repeating it as text makes some viewers print it twice.
            case.add_skipped_info(message=_attr(reason))
    if stdout:
        case.stdout = xml_safe(cap(stdout, EVIDENCE_CAP))
    return case


def _body(report: Report, result: Result, evidence: str, could_not_evaluate: bool = False) -> str:
    """The element text: what CI shows as the "stack trace", so everything a reader needs is here."""
    meta = meta_for(report, result.check_id)
    lines = []
    if could_not_evaluate:
        lines.append("The check could not be evaluated (this is not a verdict on the server's state).")
        lines.append(f"reason: {result.message}")
    else:
        lines.append(result.message)
    if evidence:
        lines.append(evidence)
    if meta:
        lines.append(f"severity: {meta.severity.value}")
        if meta.remediation and not could_not_evaluate:
            lines.append(f"remediation: {remediation_text(meta, result)}")
        steps = guide_text(meta)
        if steps:
            lines.append(f"guide: {steps}")
        if meta.references:
            # "; ": a reference may itself contain spaces and commas ("KB 884205: change the ... account").
            lines.append("references: " + "; ".join(meta.references))
    return "\n".join(lines)


def _attr(text: str) -> str:
    return xml_safe(cap(text, _MESSAGE_CAP))


def _document(report: Report, suites: list[TestSuite], nodes: list[NodeInfo]) -> str:
    """The document as junit-xml's ``build_xml_doc`` and ElementTree (``ET.indent``, ``ET.tostring``) write it, with
    the root named and every total recomputed from the elements present.

    Written here from junit-xml's objects rather than through 12,000 ElementTree elements: on a 500-node farm
    building, indenting and serialising them was two thirds of this reporter's time. Same attributes in the same
    order, ElementTree's escaping, two-space indentation and ``<tag />`` for an empty element (the tests and the
    golden results of every lab scenario pin the bytes).
    """
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    totals: Counter[str] = Counter()
    total_time = 0.0
    body: list[str] = []
    for index, (suite, node) in enumerate(zip(suites, nodes, strict=True)):
        cases = [_case_children(case) for case in suite.test_cases]
        counts = {
            "errors": sum(1 for _, children in cases if any(tag == "error" for tag, _, _ in children)),
            "failures": sum(1 for _, children in cases if any(tag == "failure" for tag, _, _ in children)),
            "skipped": sum(1 for _, children in cases if any(tag == "skipped" for tag, _, _ in children)),
            "tests": len(cases),
        }
        for key, value in counts.items():
            totals[key] += value
        # Per-result durations are not measured (facts are collected once per node), so the suite
        # time is the node's collection time; test cases carry none rather than a made-up value.
        seconds = round(node.duration_s or 0.0, 3)
        total_time += seconds
        attrs = [("errors", str(counts["errors"])), ("failures", str(counts["failures"])), ("name", str(suite.name)),
                 ("skipped", str(counts["skipped"])), ("tests", str(counts["tests"])), ("time", f"{seconds:.3f}")]
        attrs += [(key, str(value)) for key, value in (("hostname", suite.hostname), ("package", suite.package),
                                                      ("timestamp", suite.timestamp)) if value]
        attrs.append(("id", str(index)))
        if not suite.properties and not cases:
            body.append(f"  <testsuite{_attrs(attrs)} />\n")
            continue
        body.append(f"  <testsuite{_attrs(attrs)}>\n")
        if suite.properties:
            body.append("    <properties>\n")
            body.extend(f"      <property{_attrs([('name', str(k)), ('value', str(v))])} />\n"
                        for k, v in suite.properties.items())
            body.append("    </properties>\n")
        for case_attrs, children in cases:
            if not children:
                body.append(f"    <testcase{_attrs(case_attrs)} />\n")
                continue
            body.append(f"    <testcase{_attrs(case_attrs)}>\n")
            for tag, child_attrs, text in children:
                if text:
                    body.append(f"      <{tag}{_attrs(child_attrs)}>{_escape_text(text)}</{tag}>\n")
                else:
                    body.append(f"      <{tag}{_attrs(child_attrs)} />\n")
            body.append("    </testcase>\n")
        body.append("  </testsuite>\n")
    # No root "skipped": junit-10.xsd (Jenkins xUnit plugin) rejects it; the suites carry theirs.
    root = [("errors", str(totals["errors"])), ("failures", str(totals["failures"])), ("tests", str(totals["tests"])),
            ("time", f"{total_time:.3f}"), ("name", f"ssocheck {report.phase.value}")]
    if body:
        out += [f"<testsuites{_attrs(root)}>\n", *body, "</testsuites>\n"]
    else:
        out.append(f"<testsuites{_attrs(root)} />\n")
    return "".join(out)


def _case_children(case: TestCase) -> tuple[list[tuple[str, str]], list[tuple[str, list[tuple[str, str]], str]]]:
    """A test case's attributes and child elements (tag, attributes, text) as junit-xml's build_xml_doc makes them:
    failures, errors, skipped, then system-out and system-err."""
    attrs = [("name", str(case.name))]
    if case.classname:
        attrs.append(("classname", str(case.classname)))
    children: list[tuple[str, list[tuple[str, str]], str]] = []
    for tag, entries in (("failure", case.failures), ("error", case.errors)):
        for entry in entries:
            if entry["output"] or entry["message"]:
                # {"type": tag} first, then message; a given type replaces the default in place (dict order).
                child = [("type", str(entry["type"]) if entry["type"] else tag)]
                if entry["message"]:
                    child.append(("message", str(entry["message"])))
                children.append((tag, child, str(entry["output"]) if entry["output"] else ""))
    for entry in case.skipped:
        child = [("type", "skipped")]
        if entry["message"]:
            child.append(("message", str(entry["message"])))
        children.append(("skipped", child, str(entry["output"]) if entry["output"] else ""))
    if case.stdout:
        children.append(("system-out", [], str(case.stdout)))
    if case.stderr:
        children.append(("system-err", [], str(case.stderr)))
    return attrs, children


def _attrs(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {key}="{_escape_attribute(value)}"' for key, value in pairs)


# ElementTree's escaping (xml.etree.ElementTree._escape_cdata and _escape_attrib, Python 3.9+), "&" first.
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape_text(text: str) -> str:
    """Element text as ElementTree writes it."""
    return _escape(text, _TEXT_ESCAPES)


def _escape_attribute(text: str) -> str:
    """An attribute value as ElementTree writes it (line breaks and tabs as character references)."""
    return _escape(text, _ATTRIBUTE_ESCAPES)


def _escape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for char, entity in table:
        if char in text:
            text = text.replace(char, entity)
    return text
