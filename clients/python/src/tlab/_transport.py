"""HTTP to the Transfer Lab API: JSON in and out, bearer token, retried with backoff.

A request is retried while the server cannot answer (connection refused or reset, a timeout,
502/503/504, 429): a restart or a short outage delays a report but loses nothing. Every write
the client makes is idempotent on the server (creates carry a client key, metric points are
keyed by run, name and step, finish and fail accept a repeat), so resending one whose answer
was lost duplicates nothing. Any other error answer is raised at once with the server's message.
"""

import json
import random
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional

RETRYABLE_STATUSES = {429, 502, 503, 504}


class TlabError(Exception):
    """A request the server refused, or could not be reached within the retry budget."""


class ApiError(TlabError):
    """The server answered with an error: `status`, and `message` naming the field at fault."""

    def __init__(self, status: int, message: str, issues: Optional[list] = None):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.issues = issues or []


class Transport:
    def __init__(
        self,
        url: str,
        token: str,
        timeout: float = 30.0,
        retry_for: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retry_for = retry_for
        self._sleep = sleep

    def request(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        deadline = time.monotonic() + self.retry_for
        delay = 0.25
        while True:
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    text = res.read().decode("utf-8")
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as error:
                if error.code not in RETRYABLE_STATUSES:
                    raise _api_error(error) from None
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as error:
                problem = str(getattr(error, "reason", error))
            if time.monotonic() + delay > deadline:
                raise TlabError(
                    f"{method} {path}: no answer from {self.url} within {self.retry_for:.0f} s "
                    f"(last: {problem})"
                )
            # Full jitter, so clients that lost the same server do not come back in step.
            self._sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, 10.0)


def _api_error(error: urllib.error.HTTPError) -> ApiError:
    try:
        body = json.loads(error.read().decode("utf-8"))
        return ApiError(error.code, str(body.get("error", body)), body.get("issues"))
    except (ValueError, AttributeError):
        return ApiError(error.code, error.reason or "error")
