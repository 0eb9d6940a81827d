"""Where the private keys are: the key store the SIGNING_KEY_STORE setting names. Each gives a
pyHanko signer for a SigningKey row and reads the certificate of a key when it is registered.

- `pkcs12` (the default): one PKCS#12 file per key under SIGNING_KEY_DIR, all opened with the
  passphrase SIGNING_PKCS12_PASSPHRASE.
"""

from __future__ import annotations

import functools
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.sign import signers

from signing.models import SigningKey
from signing.pades import Pkcs12Key


class KeyUnavailable(Exception):
    """The key store cannot give this key (a missing file, a wrong passphrase, a token or service
    that does not answer): the document waits and is tried again."""


def signer_for(key: SigningKey) -> signers.Signer:
    return _pkcs12_signer(str(Path(settings.SIGNING_KEY_DIR) / key.key), settings.SIGNING_PKCS12_PASSPHRASE)


def certificate_of(reference: str) -> asn1_x509.Certificate:
    """The certificate of the key `reference` in the configured key store (to register it)."""
    cert = signer_for(SigningKey(key=reference)).signing_cert
    assert cert is not None
    return cert


@functools.lru_cache(maxsize=256)
def _pkcs12_signer(path: str, passphrase: str) -> signers.SimpleSigner:
    """Read once per process: the file's key derivation costs more than the signature."""
    try:
        return Pkcs12Key(Path(path), passphrase.encode() or None).signer()
    except (OSError, ValueError) as error:
        raise KeyUnavailable(str(error)) from error
