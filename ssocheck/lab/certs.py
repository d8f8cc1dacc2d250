"""Throwaway TLS certificates for the lab's HTTPS endpoints: a private CA and a loopback server leaf."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class LabCertificates:
    """Paths of the PEM files written by :func:`generate_lab_certificates`."""

    ca_cert: str  # give this to the client as ``ca_trust_path``
    cert: str  # server leaf certificate (EndpointConfig.certfile)
    key: str  # server private key, mode 0600 (EndpointConfig.keyfile)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ssocheck lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    # Create with the final mode, so a private key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # O_CREAT's mode does not apply when the file already existed


_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _key_usage(*enabled: str) -> x509.KeyUsage:
    return x509.KeyUsage(**{usage: usage in enabled for usage in _KEY_USAGES})


def _builder(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, days: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))  # tolerate small clock differences
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def generate_lab_certificates(
    directory: str | os.PathLike[str],
    dns_names: Sequence[str] = ("localhost",),
    ip_addresses: Sequence[str] = ("127.0.0.1", "::1"),
    valid_days: int = 30,
) -> LabCertificates:
    """Create a CA and a server certificate it signs (sha256WithRSAEncryption, RSA 2048) in ``directory``.

    The leaf carries SAN DNS/IP entries for loopback, serverAuth EKU and key identifiers, so both OpenSSL's
    hostname check and strict X.509 verification accept it. The sha256 signature also fixes the CBT hash that
    requests_ntlm sends (``tls-server-end-point`` uses the certificate's signature hash). The CA key is not kept.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("ssocheck lab CA")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key, valid_days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage("key_cert_sign", "crl_sign"), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    san: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    leaf = (
        _builder(_name(dns_names[0] if dns_names else "ssocheck lab server"), ca_name, key, valid_days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage("digital_signature", "key_encipherment"), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    paths = LabCertificates(ca_cert=str(out / "ca.pem"), cert=str(out / "server.pem"), key=str(out / "server-key.pem"))
    _write(Path(paths.ca_cert), ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(Path(paths.cert), leaf.public_bytes(serialization.Encoding.PEM), 0o644)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(Path(paths.key), key_pem, 0o600)
    return paths
