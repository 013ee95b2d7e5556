"""The local C2PA signing identity: a private CA and an ES256 signing certificate it issued.

``aigc-gateway labels setup-signing`` creates them in ``labels/c2pa/`` of the data dir (the
private keys with mode 0600; never committed, never sent anywhere). C2PA validators reject
self-signed end-entity certificates, hence the two-level chain: the signing certificate has the
digitalSignature key usage and the emailProtection extended key usage that the C2PA trust model
accepts, and the CA certificate is the trust anchor the gateway's verifier uses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..private_files import write_private
from .keys import labels_dir

SIGNING_DIR = "c2pa"
CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SIGNER_CHAIN = "signer-chain.pem"
SIGNER_KEY = "signer-key.pem"
CA_DAYS = 3650
SIGNER_DAYS = 825


def signing_dir(data_dir: Path) -> Path:
    return labels_dir(data_dir) / SIGNING_DIR


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """What signing and verifying need, as PEM."""

    chain_pem: bytes
    key_pem: bytes
    anchor_pem: bytes
    subject: str
    not_after: datetime.datetime


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def create_signing_identity(data_dir: Path, organisation: str, *, force: bool = False) -> Path:
    """Create the CA and signing certificate; refuses to replace existing ones unless forced."""
    directory = signing_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / SIGNER_CHAIN).exists() and not force:
        raise FileExistsError(f"{directory} already holds a signing certificate")
    now = datetime.datetime.now(datetime.UTC)
    start = now - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(organisation, f"{organisation} C2PA root")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation, f"{organisation} content credentials"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=SIGNER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    write_private(directory / CA_KEY, _pem(ca_key))
    write_private(directory / SIGNER_KEY, _pem(key))
    (directory / CA_CERT).write_bytes(ca_pem)
    (directory / SIGNER_CHAIN).write_bytes(signer.public_bytes(serialization.Encoding.PEM) + ca_pem)
    return directory


def load_signing_identity(data_dir: Path) -> SigningIdentity | None:
    """The identity made by the setup command, or None if it was never run."""
    directory = signing_dir(data_dir)
    if not (directory / SIGNER_CHAIN).exists():
        return None
    chain = (directory / SIGNER_CHAIN).read_bytes()
    leaf = x509.load_pem_x509_certificate(chain)
    return SigningIdentity(
        chain_pem=chain,
        key_pem=(directory / SIGNER_KEY).read_bytes(),
        anchor_pem=(directory / CA_CERT).read_bytes(),
        subject=leaf.subject.rfc4514_string(),
        not_after=leaf.not_valid_after_utc,
    )
