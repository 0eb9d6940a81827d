"""A test PKI served over HTTP by certomancer, as its own process: a root and an issuing CA, an
OCSP responder and CRLs for the issuing CA, a timestamp authority, the certificates of an office
and an officer, one revoked certificate, and a second, untrusted root with a certificate of its own.
Keys are made fresh (cryptography) for each run; nothing here is trusted anywhere else."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from tests.peers import wait_for_port

ARCH = "demo"
KEYS = ["root", "interm", "ocsp", "tsa", "office", "officer", "revoked", "stranger-root", "stranger"]
VALID = '{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2100-01-01T00:00:00+0000"}'


def _usage(*flags: str) -> str:
    return f"{{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [{', '.join(flags)}]}}}}"


CA_USAGE = _usage("digital_signature", "key_cert_sign", "crl_sign")
CA = f"[{{id: basic_constraints, critical: true, value: {{ca: true}}}}, {CA_USAGE}]"
LEAF = (
    f"[{_usage('digital_signature', 'non_repudiation')}, "
    "{id: crl_distribution_points, smart-value: {schema: crl-dist-url, params: {crl-repo-names: [interm]}}}, "
    "{id: authority_information_access, smart-value: {schema: aia-urls, params: {ocsp-responder-names: [interm]}}}]"
)
CONFIG = """\
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  demo:
    path-prefix: keys
    keys:
{keys}
pki-architectures:
  demo:
    keyset: demo
    entity-defaults: {{country-name: VN, organization-name: "Test PKI"}}
    entities:
      root: {{common-name: "Test Root CA"}}
      interm: {{common-name: "Test Issuing CA"}}
      ocsp: {{common-name: "Test OCSP responder"}}
      tsa: {{common-name: "Test Time Stamping Authority"}}
      office: {{common-name: "UBND phường Trường Vinh"}}
      officer: {{common-name: "Nguyễn Thị Thu Hà"}}
      revoked: {{common-name: "Revoked signer"}}
      stranger-root: {{common-name: "Untrusted Root CA"}}
      stranger: {{common-name: "Stranger"}}
    certs:
      root: {{subject: root, issuer: root, validity: {valid}, extensions: {ca}}}
      interm:
        issuer: root
        validity: {valid}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true, path-len-constraint: 0}}}}
          - {usage_ca}
          - {{id: crl_distribution_points, smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}}}
      ocsp:
        issuer: interm
        validity: {valid}
        extensions:
          - {usage_sign}
          - {{id: extended_key_usage, critical: true, value: [ocsp_signing]}}
          - {{id: ocsp_no_check}}
      tsa:
        issuer: root
        validity: {valid}
        extensions: [{usage_sign}, {{id: extended_key_usage, critical: true, value: [time_stamping]}}]
      office: {{issuer: interm, validity: {valid}, extensions: {leaf}}}
      officer: {{template: office, subject: officer}}
      revoked:
        template: office
        subject: revoked
        revocation: {{revoked-since: "2021-01-01T00:00:00+0000", reason: key_compromise}}
      stranger-root: {{subject: stranger-root, issuer: stranger-root, validity: {valid}, extensions: {ca}}}
      stranger: {{issuer: stranger-root, validity: {valid}, extensions: [{usage_leaf}]}}
    services:
      ocsp:
        interm: {{for-issuer: interm, responder-cert: ocsp, signing-key: ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
        interm: {{for-issuer: interm, signing-key: interm, simulated-update-schedule: "P30D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


@dataclass
class Pki:
    url: str
    directory: Path
    process: subprocess.Popen

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def _arch(self):
        from certomancer.registry import ArchLabel, CertomancerConfig

        return CertomancerConfig.from_file(str(self.directory / "certomancer.yml")).get_pki_arch(ArchLabel(ARCH))

    def cert(self, name: str):
        """The certificate `name` (asn1crypto, as pyHanko takes it)."""
        from certomancer.registry import CertLabel

        return self._arch().get_cert(CertLabel(name))

    def pkcs12(self, name: str, passphrase: bytes) -> Path:
        """A PKCS#12 file with the key and certificate `name` and the issuing CA."""
        from certomancer.registry import CertLabel
        from cryptography import x509

        arch = self._arch()
        cert = x509.load_der_x509_certificate(arch.get_cert(CertLabel(name)).dump())
        issuer = arch.get_cert(CertLabel(name)).issuer
        chain = [
            x509.load_der_x509_certificate(arch.get_cert(CertLabel(ca)).dump())
            for ca in ("interm", "stranger-root")
            if arch.get_cert(CertLabel(ca)).subject == issuer
        ]
        key = serialization.load_pem_private_key((self.directory / "keys" / f"{name}.key.pem").read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        blob = pkcs12.serialize_key_and_certificates(
            name.encode(),
            key,
            cert,
            chain,
            BestAvailableEncryption(passphrase),
        )
        path = self.directory / f"{name}.p12"
        path.write_bytes(blob)
        return path


def start_test_pki(directory: Path, port: int) -> Pki:
    """Keys, the configuration, and `certomancer animate` serving it on 127.0.0.1:`port`."""
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    for name in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (directory / "keys" / f"{name}.key.pem").write_bytes(pem)
    keys = io.StringIO()
    for name in KEYS:
        keys.write(f"      {name}: {{path: {name}.key.pem}}\n")
    config = CONFIG.format(
        port=port,
        keys=keys.getvalue().rstrip("\n"),
        valid=VALID,
        ca=CA,
        leaf=LEAF,
        usage_ca=CA_USAGE,
        usage_sign=_usage("digital_signature"),
        usage_leaf=_usage("digital_signature", "non_repudiation"),
    )
    (directory / "certomancer.yml").write_text(config)
    command = [sys.executable, "-m", "certomancer", "--config", "certomancer.yml", "animate", "--port", str(port)]
    process = subprocess.Popen(command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, 30):
        process.kill()
        raise RuntimeError("certomancer did not start")
    return Pki(f"http://127.0.0.1:{port}", directory, process)
