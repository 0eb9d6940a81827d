"""Where the private keys are: the key store the SIGNING_KEY_STORE setting names. Each gives a
pyHanko signer for a SigningKey row, for the length of one signing.

- `pkcs12` (the default): one PKCS#12 file per key under SIGNING_KEY_DIR, all opened with the
  passphrase SIGNING_PKCS12_PASSPHRASE. The key is the file's name.
- `pkcs11`: a hardware token or HSM through its PKCS#11 module SIGNING_PKCS11_MODULE, the token
  labelled SIGNING_PKCS11_TOKEN, logged in with SIGNING_PKCS11_PIN. The key is the label of the
  private key and of its certificate on the token.
- `csc`: a remote signing service that speaks the Cloud Signature Consortium API v1 (as the
  Vietnamese remote-signing services do) at SIGNING_CSC_URL, with the bearer token
  SIGNING_CSC_TOKEN and, where the service asks for one, the PIN SIGNING_CSC_PIN. The key is the
  service's credential id; each signature is authorised for exactly its own hash.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import pkcs11 as pkcs11_signing
from pyhanko.sign import signers
from pyhanko.sign.signers import csc_signer

from signing import outside_event_loop
from signing.pades import Pkcs12Key

TIMEOUT = aiohttp.ClientTimeout(total=30)


class KeyUnavailable(Exception):
    """The key store cannot give this key (a missing file, a wrong passphrase, a service that
    does not answer or does not know the credential): the document waits and is tried again."""


@asynccontextmanager
async def signer_for(reference: str) -> AsyncIterator[signers.Signer]:
    """The signer of the key `reference` in the configured key store, while the block runs."""
    if settings.SIGNING_KEY_STORE == "csc":
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            yield await _csc_signer(session, reference)
    elif settings.SIGNING_KEY_STORE == "pkcs11":
        with _pkcs11_session() as session:
            try:
                # Every certificate on the token goes into the signature: the issuing CA's too, as
                # the providers' tokens carry it, so a reader can build the chain to the root.
                yield pkcs11_signing.PKCS11Signer(
                    session, cert_label=reference, key_label=reference, other_certs_to_pull=None
                )
            except pkcs11_signing.PKCS11Error as error:
                raise KeyUnavailable(f"{settings.SIGNING_PKCS11_TOKEN}: {reference}: {error}") from error
    else:
        yield _pkcs12_signer(str(Path(settings.SIGNING_KEY_DIR) / reference), settings.SIGNING_PKCS12_PASSPHRASE)


def certificate_of(reference: str) -> asn1_x509.Certificate:
    """The certificate of the key `reference` in the configured key store (to register it)."""

    async def read() -> asn1_x509.Certificate:
        async with signer_for(reference) as signer:
            assert signer.signing_cert is not None
            return signer.signing_cert

    return outside_event_loop(lambda: asyncio.run(read()))


@contextmanager
def _pkcs11_session() -> Iterator[Any]:
    """A logged-in session on the configured token, closed after the signature."""
    try:
        session = pkcs11_signing.open_pkcs11_session(
            settings.SIGNING_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=settings.SIGNING_PKCS11_TOKEN),
            user_pin=settings.SIGNING_PKCS11_PIN,
        )
    except Exception as error:  # the module's own errors (no token, wrong PIN, no module)
        raise KeyUnavailable(f"{settings.SIGNING_PKCS11_MODULE}: {error}") from error
    try:
        yield session
    finally:
        session.close()


@functools.lru_cache(maxsize=256)
def _pkcs12_signer(path: str, passphrase: str) -> signers.SimpleSigner:
    """Read once per process: the file's key derivation costs more than the signature."""
    try:
        return Pkcs12Key(Path(path), passphrase.encode() or None).signer()
    except (OSError, ValueError) as error:
        raise KeyUnavailable(str(error)) from error


class _HashPinnedAuthorization(csc_signer.CSCAuthorizationManager):
    """Signature activation data asked for each signature, pinned to its hash (SCAL 2)."""

    def __init__(self, session: aiohttp.ClientSession, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session = session

    async def authorize_signature(self, hash_b64s: list[str]) -> csc_signer.CSCAuthorizationInfo:
        body = self.format_csc_auth_request(hash_b64s=hash_b64s, pin=settings.SIGNING_CSC_PIN or None)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        async with self.session.post(url, json=body, headers=self.auth_headers, raise_for_status=True) as answer:
            return self.parse_csc_auth_response(await answer.json())


async def _csc_signer(session: aiohttp.ClientSession, credential_id: str) -> csc_signer.CSCSigner:
    info = csc_signer.CSCServiceSessionInfo(
        service_url=settings.SIGNING_CSC_URL,
        credential_id=credential_id,
        oauth_token=settings.SIGNING_CSC_TOKEN or None,
    )
    try:
        credential = await csc_signer.fetch_certs_in_csc_credential(session, info)
    except Exception as error:
        raise KeyUnavailable(f"{settings.SIGNING_CSC_URL}: {credential_id}: {error}") from error
    return csc_signer.CSCSigner(session, auth_manager=_HashPinnedAuthorization(session, info, credential))
