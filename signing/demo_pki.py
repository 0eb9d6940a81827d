"""A certificate authority for the demo and the tests, served over HTTP by certomancer: a root and
an issuing CA, an OCSP responder and CRLs for the issuing CA, a timestamp authority, and one
signing certificate per holder (an office, a person). Keys are made fresh (cryptography) when the
folder is written; nothing here is trusted outside the demo or the test that made it."""

from __future__ import annotations

import functools
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

ARCH = "demo"
SERVICES = ["root", "interm", "ocsp", "tsa"]
VALID = '{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2100-01-01T00:00:00+0000"}'


def _usage(*flags: str) -> str:
    return f"{{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [{', '.join(flags)}]}}}}"


CA_USAGE = _usage("digital_signature", "key_cert_sign", "crl_sign")
CA = f"[{{id: basic_constraints, critical: true, value: {{ca: true}}}}, {CA_USAGE}]"
LEAF_USAGE = _usage("digital_signature", "non_repudiation")
LEAF = (
    f"[{LEAF_USAGE}, "
    "{id: crl_distribution_points, smart-value: {schema: crl-dist-url, params: {crl-repo-names: [interm]}}}, "
    "{id: authority_information_access, smart-value: {schema: aia-urls, params: {ocsp-responder-names: [interm]}}}]"
)
HEAD = """\
external-url-prefix: "http://127.0.0.1:@PORT@"
keysets:
  demo:
    path-prefix: keys
    keys:
@KEYS@
pki-architectures:
  demo:
    keyset: demo
    entity-defaults: {country-name: VN, organization-name: "@ORG@"}
    entities:
      root: {common-name: "@ORG@ Root CA"}
      interm: {common-name: "@ORG@ Issuing CA"}
      ocsp: {common-name: "@ORG@ OCSP responder"}
      tsa: {common-name: "@ORG@ Time Stamping Authority"}
@ENTITIES@
    certs:
      root: {subject: root, issuer: root, validity: @VALID@, extensions: @CA@}
      interm:
        issuer: root
        validity: @VALID@
        extensions:
          - {id: basic_constraints, critical: true, value: {ca: true, path-len-constraint: 0}}
          - @CA_USAGE@
          - {id: crl_distribution_points, smart-value: {schema: crl-dist-url, params: {crl-repo-names: [root]}}}
      ocsp:
        issuer: interm
        validity: @VALID@
        extensions:
          - @SIGN_USAGE@
          - {id: extended_key_usage, critical: true, value: [ocsp_signing]}
          - {id: ocsp_no_check}
      tsa:
        issuer: root
        validity: @VALID@
        extensions: [@SIGN_USAGE@, {id: extended_key_usage, critical: true, value: [time_stamping]}]
@CERTS@
    services:
      ocsp:
        interm: {for-issuer: interm, responder-cert: ocsp, signing-key: ocsp}
      crl-repo:
        root: {for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}
        interm: {for-issuer: interm, signing-key: interm, simulated-update-schedule: "P30D"}
      time-stamping:
        tsa: {signing-key: tsa, signing-cert: tsa}
"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_pki(
    directory: Path,
    port: int,
    holders: dict[str, str],
    *,
    organisation: str = "Test PKI",
    revoked: frozenset[str] = frozenset(),
    strangers: dict[str, str] | None = None,
) -> None:
    """Keys and certomancer's configuration in `directory`: one certificate per holder (a label
    made of letters, digits and dashes, and the common name), those in `revoked` revoked; each of
    `strangers` issued by a root of its own that nobody trusts ("stranger-root")."""
    strangers = strangers or {}
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    labels = [*SERVICES, *holders, *(["stranger-root", *strangers] if strangers else [])]
    for label in labels:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (directory / "keys" / f"{label}.key.pem").write_bytes(pem)
    keys = io.StringIO()
    for label in labels:
        keys.write(f"      {label}: {{path: {label}.key.pem}}\n")
    entities, certs = io.StringIO(), io.StringIO()
    for label, name in {**holders, **strangers}.items():
        entities.write(f"      {label}: {{common-name: {_quoted(name)}}}\n")
    for label in holders:
        revocation = (
            ', revocation: {revoked-since: "2021-01-01T00:00:00+0000", reason: key_compromise}'
            if label in revoked
            else ""
        )
        certs.write(f"      {label}: {{issuer: interm, validity: {VALID}, extensions: {LEAF}{revocation}}}\n")
    if strangers:
        entities.write('      stranger-root: {common-name: "Untrusted Root CA"}\n')
        certs.write(
            "      stranger-root: {subject: stranger-root, issuer: stranger-root, "
            f"validity: {VALID}, extensions: {CA}}}\n"
        )
        for label in strangers:
            certs.write(f"      {label}: {{issuer: stranger-root, validity: {VALID}, extensions: [{LEAF_USAGE}]}}\n")
    config = HEAD
    for token, value in {
        "@PORT@": str(port),
        "@KEYS@": keys.getvalue().rstrip("\n"),
        "@ORG@": organisation,
        "@ENTITIES@": entities.getvalue().rstrip("\n"),
        "@CERTS@": certs.getvalue().rstrip("\n"),
        "@VALID@": VALID,
        "@CA_USAGE@": CA_USAGE,
        "@CA@": CA,
        "@SIGN_USAGE@": _usage("digital_signature"),
    }.items():
        config = config.replace(token, value)
    (directory / "certomancer.yml").write_text(config)


@dataclass
class Pki:
    """A PKI written by write_pki, and its server once `serve` started it."""

    directory: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "certomancer", "--config", "certomancer.yml", "animate", "--port", str(self.port)]

    def serve(self) -> subprocess.Popen:
        # Our own interpreter and arguments (bandit B603).
        self.process = subprocess.Popen(  # nosec B603
            self.command(), cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    @functools.cached_property
    def _arch(self):
        """The architecture, read once: certomancer makes every certificate when it is read."""
        from certomancer.registry import ArchLabel, CertomancerConfig

        return CertomancerConfig.from_file(str(self.directory / "certomancer.yml")).get_pki_arch(ArchLabel(ARCH))

    def cert(self, label: str) -> asn1_x509.Certificate:
        """The certificate `label` (asn1crypto, as pyHanko takes it)."""
        from certomancer.registry import CertLabel

        return self._arch.get_cert(CertLabel(label))

    def root_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.cert("root").dump()).public_bytes(serialization.Encoding.PEM)

    def pkcs12(self, label: str, passphrase: str, path: Path) -> Path:
        """A PKCS#12 file at `path` with the key and certificate `label` and its issuing CA;
        encrypted with `passphrase` (not at all when it is empty)."""
        from certomancer.registry import CertLabel

        arch = self._arch
        cert = arch.get_cert(CertLabel(label))
        issuer = "interm" if cert.issuer == arch.get_cert(CertLabel("interm")).subject else "stranger-root"
        key = serialization.load_pem_private_key((self.directory / "keys" / f"{label}.key.pem").read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        encryption = (
            serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
        )
        blob = pkcs12.serialize_key_and_certificates(
            label.encode(),
            key,
            x509.load_der_x509_certificate(cert.dump()),
            [x509.load_der_x509_certificate(arch.get_cert(CertLabel(issuer)).dump())],
            encryption,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        return path
