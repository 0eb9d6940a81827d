"""xmlsec1 (Debian's xmlsec1, the C implementation of XML-DSig on libxml2 and OpenSSL) as the
independent signer of hospital notices: a template holding an empty Signature with the chosen
algorithms is signed by running `xmlsec1 --sign` as a process, the way a HIS signs with a library
that is not ours."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

XMLSEC1 = shutil.which("xmlsec1")
DSIG = "http://www.w3.org/2000/09/xmldsig#"
MORE = "http://www.w3.org/2001/04/xmldsig-more#"
C14N = {
    "c14n10": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "c14n11": "http://www.w3.org/2006/12/xml-c14n11",
    "exc": "http://www.w3.org/2001/10/xml-exc-c14n#",
}
SIGNATURE_METHODS = {
    "rsa-sha1": f"{DSIG}rsa-sha1",
    "rsa-sha256": f"{MORE}rsa-sha256",
    "rsa-sha384": f"{MORE}rsa-sha384",
    "rsa-sha512": f"{MORE}rsa-sha512",
    "ecdsa-sha256": f"{MORE}ecdsa-sha256",
    "ecdsa-sha384": f"{MORE}ecdsa-sha384",
    "ecdsa-sha512": f"{MORE}ecdsa-sha512",
}
DIGESTS = {
    "sha1": f"{DSIG}sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": f"{MORE}sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}


@dataclass(frozen=True)
class Form:
    """How a signer writes the signature: `prefix` "" is .NET's SignedXml's unprefixed
    `<Signature xmlns="…">`; `transform` an extra canonicalization in the Reference after the
    enveloped-signature transform (a C14N key, or "" for none)."""

    prefix: str = ""
    c14n: str = "c14n10"
    transform: str = ""
    method: str = "rsa-sha256"
    digest: str = "sha256"

    def __str__(self) -> str:
        return "-".join(
            [self.prefix or "unprefixed", self.c14n, self.transform or "no-transform", self.method, self.digest]
        )

    def template(self) -> str:
        p = f"{self.prefix}:" if self.prefix else ""
        ns = f'xmlns:{self.prefix}="{DSIG}"' if self.prefix else f'xmlns="{DSIG}"'
        extra = f'<{p}Transform Algorithm="{C14N[self.transform]}"/>' if self.transform else ""
        return (
            f"<{p}Signature {ns}><{p}SignedInfo>"
            f'<{p}CanonicalizationMethod Algorithm="{C14N[self.c14n]}"/>'
            f'<{p}SignatureMethod Algorithm="{SIGNATURE_METHODS[self.method]}"/>'
            f'<{p}Reference URI=""><{p}Transforms><{p}Transform Algorithm="{DSIG}enveloped-signature"/>{extra}'
            f'</{p}Transforms><{p}DigestMethod Algorithm="{DIGESTS[self.digest]}"/><{p}DigestValue/></{p}Reference>'
            f"</{p}SignedInfo><{p}SignatureValue/>"
            f"<{p}KeyInfo><{p}X509Data><{p}X509Certificate/></{p}X509Data></{p}KeyInfo></{p}Signature>"
        )


def xmlsec_sign(template: bytes, key_pem: bytes, cert_pems: list[bytes], folder: Path) -> bytes:
    """`template` (holding an empty Signature) signed by xmlsec1 with the key and its certificate
    (then its issuers, written into X509Data too)."""
    assert XMLSEC1 is not None
    folder.mkdir(parents=True, exist_ok=True)
    key, source, out = folder / "key.pem", folder / "template.xml", folder / "signed.xml"
    key.write_bytes(key_pem)
    certs = []
    for index, pem in enumerate(cert_pems):
        (path := folder / f"cert{index}.pem").write_bytes(pem)
        certs.append(str(path))
    source.write_bytes(template)
    # xmlsec1 from PATH with our own arguments (bandit B603).
    done = subprocess.run(  # nosec B603
        [XMLSEC1, "--sign", "--privkey-pem", ",".join([str(key), *certs]), "--output", str(out), str(source)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return out.read_bytes()


def xmlsec_verify(signed: bytes, trusted_pem: bytes, folder: Path) -> bool:
    """Whether xmlsec1 itself verifies `signed` against the CA `trusted_pem`."""
    assert XMLSEC1 is not None
    (doc := folder / "verify.xml").write_bytes(signed)
    (ca := folder / "trusted.pem").write_bytes(trusted_pem)
    done = subprocess.run(  # nosec B603
        [XMLSEC1, "--verify", "--trusted-pem", str(ca), str(doc)], capture_output=True, timeout=60
    )
    return done.returncode == 0
