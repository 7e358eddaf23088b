"""POST a JSON payload to a chat webhook with a timeout and bounded retries (stdlib urllib only).

429 and 5xx answers and network errors are retried with exponential backoff, waiting what the
server's Retry-After header asks (seconds or an HTTP date) when it sends one, never more than
`max_wait` seconds a time. Other 4xx answers are final (a wrong or revoked webhook does not heal).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from reportgen.errors import ReportgenError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class NotifyError(ReportgenError):
    """A notification could not be delivered (after its retries); exit code 4 unless the user chose another."""

    exit_code = 4


def where(url: str) -> str:
    """A webhook named without its secret path: `hooks.slack.com`."""
    return urlsplit(url).hostname or "the webhook"


def post_json(
    url: str,
    payload: Any,
    *,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST `payload` as JSON; the number of attempts it took. NotifyError when every attempt failed."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    problem = ""
    for attempt in range(retries + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        retry_after: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
                return attempt + 1
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in RETRY_STATUSES:
                raise NotifyError(f"{where(url)} refused the message ({problem}); check the webhook") from None
            retry_after = _retry_after(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"no answer ({reason})"
        if attempt < retries:
            sleep(min(max_wait, retry_after if retry_after is not None else backoff * 2**attempt))
    raise NotifyError(f"{where(url)}: {problem} after {retries + 1} attempt(s)")


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date from now (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
