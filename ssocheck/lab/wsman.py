"""WS-Management SOAP for the lab endpoint: parse shell requests, build responses and faults (pure functions).

Only the subset of MS-WSMV that pywinrm 0.5 uses is covered: the ``cmd`` shell resource with Create, Command,
Send, Receive, Signal and Delete. The element shapes follow what Windows returns, because pywinrm's parsing is
loose in some places and strict in others (see ``/work/shared/reference/winrm-protocol.md``, §2 and §3).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_WSMAN_FAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"

RESOURCE_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
ACTION_CREATE = NS_TRANSFER + "/Create"
ACTION_DELETE = NS_TRANSFER + "/Delete"
ACTION_COMMAND = NS_SHELL + "/Command"
ACTION_SEND = NS_SHELL + "/Send"
ACTION_RECEIVE = NS_SHELL + "/Receive"
ACTION_SIGNAL = NS_SHELL + "/Signal"
ACTION_WSMAN_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ACTION_ADDRESSING_FAULT = NS_ADDRESSING + "/fault"
ANONYMOUS = NS_ADDRESSING + "/role/anonymous"
STATE_RUNNING = NS_SHELL + "/CommandState/Running"
STATE_DONE = NS_SHELL + "/CommandState/Done"
SIGNAL_TERMINATE = NS_SHELL + "/signal/terminate"

# WSManFault codes as Windows reports them (winerror.h values, decimal as they appear on the wire).
CODE_OPERATION_TIMEOUT = 2150858793  # 0x80338029: the ONLY code pywinrm retries silently on Receive
CODE_SHELL_NOT_FOUND = 2150858843  # 0x8033805B: what Windows answers for an unknown ShellId (w:InvalidSelectors)
CODE_ACTION_NOT_SUPPORTED = 2150858771  # 0x80338013
CODE_RESOURCE_NOT_FOUND = 2150858752  # 0x80338000
CODE_INVALID_SOAP_BODY = 2150858791  # 0x80338027
CODE_INVALID_XML = 2150858819  # 0x80338043
# Windows answers unparsable XML with this code under the w:InternalError subcode (a real fault quoted in
# vpulim/node-soap#1228; w:InvalidXml is no DSP0226 subcode; review clients.md section 4 #14).
INVALID_XML_SUBCODE = "w:InternalError"
# ERROR_INVALID_PARAMETER, "The parameter is incorrect." (pypsrp test_winrs_fail_poll_process.yml)
CODE_INVALID_PARAMETER = 87
CODE_INVALID_HEADER = 2150858767  # 0x8033800F a:InvalidMessageInformationHeader (pypsrp test_psrp_is_alive_...)
CODE_BROKEN_PIPE = 2147942509  # 0x8007006D: writing to a stdin that was already closed
CODE_ACCESS_DENIED = 5  # ERROR_ACCESS_DENIED: the account may not use WinRM (pywinrm#336: wsmanfault_code '5')
CODE_QUOTA_MAX_SHELLS = 2150859173  # 0x803381A5 ERROR_WSMAN_QUOTA_MAX_SHELLS (MaxShellsPerUser)
CODE_ENVELOPE_SIZE_NOT_SUPPORTED = 2150858862  # 0x8033806E ERROR_WSMAN_MAXENVELOPE_SIZE_NOT_SUPPORTED (winerror.h)
# DSP0226 6.2 / MS-WSMV 3.1.4.1.7: a client's MaxEnvelopeSize below 8192 octets MUST get wsman:EncodingLimit.
MIN_MAX_ENVELOPE = 8192

_PREFIXES = (
    f'xmlns:s="{NS_SOAP}" xmlns:a="{NS_ADDRESSING}" xmlns:x="{NS_TRANSFER}" xmlns:w="{NS_WSMAN}" xmlns:rsp="{NS_SHELL}"'
)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?$")


class WsmanFault(Exception):
    """A SOAP fault to answer with HTTP 500; raised by request parsing and the shell dispatcher."""

    def __init__(
        self,
        wsman_code: int,
        reason: str,
        *,
        subcode: str,
        code: str = "s:Sender",
        action: str = ACTION_WSMAN_FAULT,
    ) -> None:
        super().__init__(reason)
        self.wsman_code = wsman_code
        self.reason = reason
        self.subcode = subcode
        self.code = code
        self.action = action


def timed_out() -> WsmanFault:
    """The Receive long-poll fault: pywinrm turns exactly this code into a silent re-poll."""
    return WsmanFault(
        CODE_OPERATION_TIMEOUT,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
        code="s:Receiver",
        subcode="w:TimedOut",
    )


def access_denied() -> WsmanFault:
    """The account authenticated but is neither a local administrator nor allowed by WinRM's RootSDDL."""
    return WsmanFault(CODE_ACCESS_DENIED, "Access is denied. ", subcode="w:AccessDenied")


def envelope_too_small(size: int) -> WsmanFault:
    """wsman:EncodingLimit for a w:MaxEnvelopeSize below 8192 octets (MS-WSMV 3.1.4.1.7 "MUST return the indicated
    fault"). The reason text is the lab's own (no capture of Windows' wording was found)."""
    return WsmanFault(
        CODE_ENVELOPE_SIZE_NOT_SUPPORTED,
        f"The WS-Management service cannot process the request because the MaxEnvelopeSize {size} is less than "
        f"{MIN_MAX_ENVELOPE} octets. ",
        subcode="w:EncodingLimit",
    )


def max_shells(limit: int) -> WsmanFault:
    """wsman:QuotaLimit on Create when the user already has MaxShellsPerUser shells (MS-WSMV 3.1.4.5.2.1)."""
    return WsmanFault(
        CODE_QUOTA_MAX_SHELLS,
        f"The WS-Management service cannot process the request. This user is allowed a maximum number of {limit} "
        "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ",
        subcode="w:QuotaLimit",
    )


def shell_not_found(shell_id: str) -> WsmanFault:
    """Windows' fault for a ShellId that does not exist (any more)."""
    return WsmanFault(
        CODE_SHELL_NOT_FOUND,
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not "
        "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
        "exists on the server. Provide the correct ShellId or create a new shell and retry the operation.",
        subcode="w:InvalidSelectors",
    )


def command_not_found(command_id: str) -> WsmanFault:
    """The same fault for a CommandId the shell does not know (never run, or already terminated)."""
    return WsmanFault(
        CODE_SHELL_NOT_FOUND,
        f"The request for the Windows Remote Shell command with CommandId {command_id} failed because the "
        "command was not found in the shell.",
        subcode="w:InvalidSelectors",
    )


def stdin_closed(command_id: str) -> WsmanFault:
    """A Send to a command whose stdin is closed (End="true" seen, or the command already started)."""
    return WsmanFault(
        CODE_BROKEN_PIPE,
        f"The pipe has been ended: stdin of command {command_id} is closed.",
        code="s:Receiver",
        subcode="w:InternalError",
    )


def resource_not_found(resource_uri: str) -> WsmanFault:
    """A Create for a resource other than the cmd shell (PSRP and WMI resources are not simulated)."""
    return WsmanFault(
        CODE_RESOURCE_NOT_FOUND,
        f"The WS-Management service cannot process the request. The resource URI ({resource_uri}) was not "
        "found in the WS-Management catalog.",
        subcode="w:DestinationUnreachable",
    )


def action_not_supported(action: str) -> WsmanFault:
    """WS-Addressing's fault for an action this endpoint does not implement."""
    return WsmanFault(
        CODE_ACTION_NOT_SUPPORTED,
        f"The WS-Management service does not support the action specified in the request: {action}",
        subcode="a:ActionNotSupported",
        action=ACTION_ADDRESSING_FAULT,
    )


def invalid_parameter() -> WsmanFault:
    """w:InvalidParameter, code 87: Windows' answer to an empty command or a Receive without a CommandId."""
    return WsmanFault(CODE_INVALID_PARAMETER, "The parameter is incorrect. ", subcode="w:InvalidParameter")


def invalid_body(reason: str) -> WsmanFault:
    """A request whose SOAP body lacks what the action needs."""
    return WsmanFault(CODE_INVALID_SOAP_BODY, reason, subcode="w:SchemaValidationError")


@dataclass(frozen=True)
class WsmanRequest:
    """The parts of a WS-Management request envelope the shell dispatcher needs."""

    action: str
    message_id: str
    resource_uri: str
    selectors: Mapping[str, str]
    options: Mapping[str, str]
    operation_timeout: float | None  # seconds, from w:OperationTimeout
    body: ET.Element
    max_envelope: int | None = None  # octets, from w:MaxEnvelopeSize: the largest reply the client accepts

    @property
    def shell_id(self) -> str | None:
        """The ``ShellId`` selector, present on every call after Create."""
        return self.selectors.get("ShellId")


@dataclass(frozen=True)
class StdinChunk:
    """One ``rsp:Stream`` of a Send request."""

    command_id: str
    data: bytes
    end: bool


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def _text(parent: ET.Element, path: str) -> str:
    node = parent.find(path)
    return (node.text or "").strip() if node is not None else ""


def parse_duration(value: str) -> float | None:
    """Seconds of an xs:duration such as ``PT20S`` or ``PT60.000S``; None if it does not parse."""
    match = _DURATION.match(value.strip())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_request(data: bytes) -> WsmanRequest:
    """Parse a SOAP envelope; raise :class:`WsmanFault` (Windows' invalid-XML fault) when it is not one, and
    a:InvalidMessageInformationHeader for an OperationTimeout that is not a positive xs:duration (``PT-1S``)."""
    # A DOCTYPE is never legitimate in WS-Management; refusing it keeps entity expansion out of the parser.
    if b"<!DOCTYPE" in data[:4096].upper():
        raise WsmanFault(CODE_INVALID_XML, "DTDs are not allowed.", subcode=INVALID_XML_SUBCODE)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        reason = f"The request is not well-formed XML: {exc}"
        raise WsmanFault(CODE_INVALID_XML, reason, subcode=INVALID_XML_SUBCODE) from exc
    header = root.find(_q(NS_SOAP, "Header"))
    body = root.find(_q(NS_SOAP, "Body"))
    if root.tag != _q(NS_SOAP, "Envelope") or header is None or body is None:
        raise WsmanFault(CODE_INVALID_XML, "The request is not a SOAP 1.2 envelope.", subcode=INVALID_XML_SUBCODE)
    selectors = {
        sel.get("Name", ""): (sel.text or "").strip()
        for sel in header.iterfind(f"{_q(NS_WSMAN, 'SelectorSet')}/{_q(NS_WSMAN, 'Selector')}")
    }
    options = {
        opt.get("Name", ""): (opt.text or "").strip()
        for opt in header.iterfind(f"{_q(NS_WSMAN, 'OptionSet')}/{_q(NS_WSMAN, 'Option')}")
    }
    timeout_text = _text(header, _q(NS_WSMAN, "OperationTimeout"))
    if timeout_text and not parse_duration(timeout_text):
        raise WsmanFault(CODE_INVALID_HEADER, "The WS-Management service cannot process the request because the "
                         f"request contained an invalid timeout field in the SOAP header: {timeout_text}",
                         subcode="a:InvalidMessageInformationHeader", action=ACTION_ADDRESSING_FAULT)
    envelope_text = _text(header, _q(NS_WSMAN, "MaxEnvelopeSize"))
    return WsmanRequest(
        action=_text(header, _q(NS_ADDRESSING, "Action")),
        message_id=_text(header, _q(NS_ADDRESSING, "MessageID")),
        resource_uri=_text(header, _q(NS_WSMAN, "ResourceURI")),
        selectors=selectors,
        options=options,
        operation_timeout=parse_duration(timeout_text) if timeout_text else None,
        body=body,
        max_envelope=int(envelope_text) if envelope_text.isdigit() else None,
    )


def parse_command_line(body: ET.Element) -> tuple[str, str]:
    """``(command, arguments)`` of a Command request.

    pywinrm flattens all arguments into ONE ``rsp:Arguments`` joined by spaces; other clients send one element per
    argument, so several elements are joined the same way.
    """
    line = body.find(_q(NS_SHELL, "CommandLine"))
    if line is None:
        raise invalid_body("The Command request has no rsp:CommandLine.")
    arguments = " ".join((arg.text or "") for arg in line.iterfind(_q(NS_SHELL, "Arguments")))
    command = _text(line, _q(NS_SHELL, "Command"))
    if not command:
        raise invalid_parameter()  # an empty command (masterzen/winrm#80)
    return command, arguments


def parse_send(body: ET.Element) -> list[StdinChunk]:
    """The stdin chunks of a Send request (base64 payload, ``End="true"`` closes stdin)."""
    send = body.find(_q(NS_SHELL, "Send"))
    if send is None:
        raise invalid_body("The Send request has no rsp:Send.")
    chunks = []
    for stream in send.iterfind(_q(NS_SHELL, "Stream")):
        try:
            data = base64.b64decode((stream.text or "").strip(), validate=True)
        except binascii.Error as exc:
            raise invalid_body("The stdin stream is not valid base64.") from exc
        end = stream.get("End", "false").lower() in ("true", "1")
        chunks.append(StdinChunk(stream.get("CommandId", ""), data, end))
    return chunks


def parse_receive(body: ET.Element) -> str:
    """The CommandId a Receive asks output for."""
    desired = body.find(f"{_q(NS_SHELL, 'Receive')}/{_q(NS_SHELL, 'DesiredStream')}")
    if desired is None:
        raise invalid_body("The Receive request has no rsp:DesiredStream.")
    if not desired.get("CommandId"):
        raise invalid_parameter()  # what Windows answers a Receive without CommandId (test_winrs_fail_poll_process)
    return desired.get("CommandId", "")


def parse_signal(body: ET.Element) -> tuple[str, str]:
    """``(command_id, signal code)`` of a Signal request."""
    signal = body.find(_q(NS_SHELL, "Signal"))
    if signal is None:
        raise invalid_body("The Signal request has no rsp:Signal.")
    return signal.get("CommandId", ""), _text(signal, _q(NS_SHELL, "Code"))


def new_id() -> str:
    """A shell or command id; Windows uses upper-case GUIDs and clients treat them as opaque."""
    return str(uuid.uuid4()).upper()


def envelope(action: str, relates_to: str, body: str) -> bytes:
    """A response envelope. RelatesTo must echo the request's MessageID: pywinrm asserts it on Signal and Delete."""
    return (
        f'<s:Envelope xml:lang="en-US" {_PREFIXES}><s:Header>'
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{new_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def fault_envelope(fault: WsmanFault, relates_to: str, machine: str) -> bytes:
    """A SOAP 1.2 fault with a ``WSManFault@Code`` detail, the shape pywinrm's fault parser reads."""
    body = (
        f"<s:Fault><s:Code><s:Value>{escape(fault.code)}</s:Value>"
        f"<s:Subcode><s:Value>{escape(fault.subcode)}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(fault.reason)}</s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="{NS_WSMAN_FAULT}" Code="{fault.wsman_code}" '
        f"Machine={quoteattr(machine)}><f:Message>{escape(fault.reason)}</f:Message></f:WSManFault>"
        f"</s:Detail></s:Fault>"
    )
    return envelope(fault.action, relates_to, body)


def create_response(relates_to: str, shell_id: str, address: str, owner: str, client_ip: str) -> bytes:
    """CreateResponse. pywinrm takes the first element with ``Name="ShellId"``, so the selector must come first;
    a bare ``rsp:ShellId`` (as in dylanmei/winrmtest) is not enough."""
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{RESOURCE_CMD}</w:ResourceURI>"
        f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
        f"</a:ReferenceParameters></x:ResourceCreated>"
        f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId><rsp:ResourceUri>{RESOURCE_CMD}</rsp:ResourceUri>"
        f"<rsp:Owner>{escape(owner)}</rsp:Owner><rsp:ClientIP>{escape(client_ip)}</rsp:ClientIP>"
        f"<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>"
        f"<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
    )
    return envelope(ACTION_CREATE + "Response", relates_to, body)


def command_response(relates_to: str, command_id: str) -> bytes:
    """CommandResponse; pywinrm looks for any element whose tag ends with ``CommandId``."""
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return envelope(ACTION_COMMAND + "Response", relates_to, body)


def send_response(relates_to: str) -> bytes:
    """SendResponse (pywinrm does not parse it)."""
    return envelope(ACTION_SEND + "Response", relates_to, "<rsp:SendResponse/>")


def receive_response(relates_to: str, command_id: str, stdout: bytes, stderr: bytes, exit_code: int | None) -> bytes:
    """ReceiveResponse; ``exit_code=None`` means the command is still Running (more output follows).

    On Done, Windows closes each stream with an empty ``End="true"`` element; pywinrm skips streams without text.
    """
    cid = quoteattr(command_id)
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in (("stdout", stdout), ("stderr", stderr)):
        if data:
            parts.append(f'<rsp:Stream Name="{name}" CommandId={cid}>{base64.b64encode(data).decode()}</rsp:Stream>')
        if exit_code is not None:
            parts.append(f'<rsp:Stream Name="{name}" CommandId={cid} End="true"></rsp:Stream>')
    if exit_code is None:
        parts.append(f'<rsp:CommandState CommandId={cid} State="{STATE_RUNNING}"/>')
    else:
        parts.append(
            f'<rsp:CommandState CommandId={cid} State="{STATE_DONE}"><rsp:ExitCode>{exit_code}</rsp:ExitCode>'
            "</rsp:CommandState>"
        )
    parts.append("</rsp:ReceiveResponse>")
    return envelope(ACTION_RECEIVE + "Response", relates_to, "".join(parts))


def signal_response(relates_to: str) -> bytes:
    """SignalResponse (RelatesTo is asserted by pywinrm's cleanup_command)."""
    return envelope(ACTION_SIGNAL + "Response", relates_to, "<rsp:SignalResponse/>")


def delete_response(relates_to: str) -> bytes:
    """DeleteResponse with an empty body (RelatesTo is asserted by pywinrm's close_shell)."""
    return envelope(ACTION_DELETE + "Response", relates_to, "")
