"""WS-Management faults for malformed requests, as Windows answers them (review clients.md D12), at the SOAP level."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ssocheck.lab import wsman
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.shells import CommandResult, NodeShells

WHO = SessionIdentity("LAB\\ssocheck", "ntlm")
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


def envelope(action: str, body: str, header: str = "", shell_id: str | None = None) -> bytes:
    selector = (f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
                if shell_id else "")
    return (
        f'<s:Envelope xmlns:s="{wsman.NS_SOAP}" xmlns:a="{wsman.NS_ADDRESSING}" xmlns:w="{wsman.NS_WSMAN}" '
        f'xmlns:rsp="{SHELL}"><s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:1</a:MessageID>'
        f"<w:ResourceURI>{wsman.RESOURCE_CMD}</w:ResourceURI>{selector}{header}</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


@pytest.fixture
def shells() -> NodeShells:
    return NodeShells("N1", lambda *a: CommandResult(b"ok", b"", 0), receive_wait_seconds=1.0,
                      max_output_chunk=65536, count=lambda name: None)


def fault(reply: tuple[int, bytes]) -> tuple[int, str, str]:
    status, xml = reply
    root = ET.fromstring(xml)
    subcode = root.find(f".//{{{wsman.NS_SOAP}}}Subcode/{{{wsman.NS_SOAP}}}Value")
    code = next(e for e in root.iter() if e.tag.endswith("WSManFault")).get("Code", "")
    return status, (subcode.text or "") if subcode is not None else "", code


def create(shells: NodeShells) -> str:
    status, xml = shells.handle(envelope(wsman.ACTION_CREATE, "<rsp:Shell/>"), WHO, "127.0.0.1", "http://x/wsman")
    assert status == 200
    return next(e.text for e in ET.fromstring(xml).iter() if e.get("Name") == "ShellId" and e.text)


def test_unparsable_xml_is_an_internal_error(shells: NodeShells) -> None:
    assert fault(shells.handle(b"<s:Envelope", WHO, "p", "a")) == (500, "w:InternalError", "2150858819")


def test_a_negative_operation_timeout_is_an_invalid_header(shells: NodeShells) -> None:
    request = envelope(wsman.ACTION_CREATE, "<rsp:Shell/>", "<w:OperationTimeout>PT-1S</w:OperationTimeout>")
    assert fault(shells.handle(request, WHO, "p", "a")) == (500, "a:InvalidMessageInformationHeader", "2150858767")


def test_an_empty_command_and_a_receive_without_command_id_are_invalid_parameters(shells: NodeShells) -> None:
    shell_id = create(shells)
    empty = envelope(wsman.ACTION_COMMAND, "<rsp:CommandLine><rsp:Command></rsp:Command></rsp:CommandLine>",
                     shell_id=shell_id)
    assert fault(shells.handle(empty, WHO, "p", "a")) == (500, "w:InvalidParameter", "87")
    receive = envelope(wsman.ACTION_RECEIVE, "<rsp:Receive><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>",
                       shell_id=shell_id)
    assert fault(shells.handle(receive, WHO, "p", "a")) == (500, "w:InvalidParameter", "87")


def test_a_max_envelope_size_under_8192_is_an_encoding_limit(shells: NodeShells) -> None:
    request = envelope(wsman.ACTION_CREATE, "<rsp:Shell/>", "<w:MaxEnvelopeSize>1024</w:MaxEnvelopeSize>")
    assert fault(shells.handle(request, WHO, "p", "a")) == (500, "w:EncodingLimit", "2150858862")
