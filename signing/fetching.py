"""Where checking a certificate may fetch from: only the addresses the province configures (its
certification authorities' OCSP responders, CRLs and issuer certificates; SIGNING_FETCH_FROM, and
the timestamp authority's own address), never a URL written in a file someone uploaded, and never
through a redirect. pyhanko-certvalidator's requests backend, with each fetch checked first, a
short timeout and a small budget of requests per check."""

from __future__ import annotations

from asyncio import to_thread
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.api import FetchLimits
from pyhanko_certvalidator.fetchers.common_utils import FetchBudget
from pyhanko_certvalidator.fetchers.requests_fetchers import (
    RequestsCertificateFetcher,
    RequestsCRLFetcher,
    RequestsFetcherBackend,
    RequestsOCSPFetcher,
)


def allowed_prefixes() -> list[str]:
    """The address prefixes a check may fetch from: SIGNING_FETCH_FROM and the origin of the
    timestamp authority the portal uses (the demo PKI serves its OCSP and CRLs there too)."""
    prefixes = [prefix for prefix in settings.SIGNING_FETCH_FROM if prefix]
    if settings.SIGNING_TSA_URL:
        tsa = urlsplit(settings.SIGNING_TSA_URL)
        prefixes.append(f"{tsa.scheme}://{tsa.netloc}/")
    return prefixes


def within(url: str, prefix: str) -> bool:
    """Whether `url` lies under `prefix`, compared as addresses, not as text: the same scheme, host
    and port, no user name (`http://ca.vn@10.0.0.1/` is 10.0.0.1), and the prefix's path."""
    try:
        given, allowed = urlsplit(url), urlsplit(prefix)
        same_place = (given.scheme, given.hostname, given.port) == (allowed.scheme, allowed.hostname, allowed.port)
    except ValueError:  # a port that is not a number
        return False
    path = allowed.path if allowed.path.endswith("/") else allowed.path + "/"
    return same_place and given.username is None and (given.path + "/").startswith(path)


class _Allowed:
    """The requests fetchers' GET and POST, refusing any address outside the allowed prefixes and
    never following a redirect (a configured address must not lead somewhere else)."""

    per_request_timeout: float
    user_agent: str

    def __init__(self, prefixes: list[str], **options: Any) -> None:
        super().__init__(**options)
        self.prefixes = prefixes

    def _checked(self, url: str) -> None:
        if not any(within(url, prefix) for prefix in self.prefixes):
            raise requests.RequestException(f"{url} is not an address the portal fetches from")

    def _request(self, method: str, url: str, headers: dict[str, str], data: bytes | None = None):
        def task() -> requests.Response:
            self._checked(url)
            answer = requests.request(
                method, url, headers=headers, data=data, timeout=self.per_request_timeout, allow_redirects=False
            )
            if answer.status_code != 200:
                raise requests.RequestException(f"status code {answer.status_code}")
            return answer

        return to_thread(task)

    def _get(self, url, *, acceptable_content_types):
        headers = {"Accept": ",".join(acceptable_content_types), "User-Agent": self.user_agent}
        return self._request("GET", url, headers)

    def _post(self, url, data, *, content_type, acceptable_content_types):
        headers = {"Accept": ",".join(acceptable_content_types), "Content-Type": content_type}
        return self._request("POST", url, {**headers, "User-Agent": self.user_agent}, data)


class _OCSP(_Allowed, RequestsOCSPFetcher):
    pass


class _CRL(_Allowed, RequestsCRLFetcher):
    pass


class _Certificates(_Allowed, RequestsCertificateFetcher):
    pass


class AllowedAddresses(RequestsFetcherBackend):
    """The fetcher backend of every check of a document someone brings or uploads."""

    def __init__(self) -> None:
        super().__init__(
            per_request_timeout=settings.SIGNING_FETCH_TIMEOUT,
            limits=FetchLimits(max_requests=settings.SIGNING_FETCH_MAX_REQUESTS),
        )
        self.prefixes = allowed_prefixes()

    def get_fetchers(self) -> Fetchers:
        options = {"per_request_timeout": self.per_request_timeout, "budget": FetchBudget(self.limits)}
        return Fetchers(
            ocsp_fetcher=_OCSP(self.prefixes, **options),
            crl_fetcher=_CRL(self.prefixes, **options),
            cert_fetcher=_Certificates(self.prefixes, **options),
        )
