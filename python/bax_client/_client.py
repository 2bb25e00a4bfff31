"""The synchronous client for `bax serve`, standard library only.

    from bax_client import BaxClient
    bax = BaxClient("http://127.0.0.1:8000")
    result = bax.score("Calculator-Python-Flask", completion_text)
    result["reward"]                # 1.0 iff all functional tests pass and no CWE is found
    result["functional_pass_rate"], result["security_pass_rate"], result["cwes"]

A failure of bax itself (no runtime, sandbox failure, harness deadline) is not a
reward: `score()` returns it with ``status == "infra_error"``, ``reward is None``
and a ``kind``; `reward()` raises :class:`InfraError` so a trainer can mask the
rollout and schedule it again. A full server queue (HTTP 429) is retried after
the server's ``Retry-After``, up to ``max_retries`` times.

Every scoring request carries a ``request_id`` (a fresh UUID unless given), so a
request retried after a lost connection is answered from the server's
idempotency window instead of being scored twice. The bearer token comes from
``token=`` or the ``BAX_TOKEN`` environment variable (or a file named by
``BAX_TOKEN_FILE``, whose first token is used).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .types import ScoreResult, Task

__all__ = ["BaxClient", "BaxError", "InfraError", "Overloaded", "score", "reward", "token_from_env"]

DEFAULT_URL = "http://127.0.0.1:8000"


class BaxError(Exception):
    """The request itself was wrong (unknown task, malformed body): HTTP 4xx."""

    def __init__(self, status: int, body: Dict[str, Any]):
        super().__init__(f"HTTP {status}: {body.get('error', body)}")
        self.status = status
        self.body = body


class Overloaded(BaxError):
    """The server's queue stayed full for every retry (HTTP 429)."""

    def __init__(self, status: int, body: Dict[str, Any], retry_after: float):
        super().__init__(status, body)
        self.retry_after = retry_after


class InfraError(Exception):
    """bax could not score the rollout (not the model's fault): mask it."""

    def __init__(self, body: Dict[str, Any]):
        super().__init__(f"infra_error {body.get('kind')}: {body.get('error')}")
        self.kind = body.get("kind")
        self.body = body


class BaxClient:
    """A client of one `bax serve`.

    ``url`` defaults to ``$BAX_URL`` (else http://127.0.0.1:8000), ``token`` to
    ``$BAX_TOKEN``. A full queue (429) is retried after ``Retry-After`` (at most
    ``max_wait`` seconds each time, ``max_retries`` times); a lost connection is
    retried ``connect_retries`` times with the same ``request_id``.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        timeout: float = 3600.0,
        max_retries: int = 20,
        max_wait: float = 60.0,
        *,
        token: Optional[str] = None,
        connect_retries: int = 3,
    ):
        self.url = (url or os.environ.get("BAX_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.connect_retries = connect_retries
        self._token = token if token is not None else token_from_env()

    def __repr__(self) -> str:  # never shows the token
        return f"BaxClient({self.url!r}, auth={'on' if self._token else 'off'})"

    # -- HTTP -----------------------------------------------------------------
    def _headers(self) -> Dict[str, str]:
        h = {"content-type": "application/json"}
        if self._token:
            h["authorization"] = "Bearer " + self._token
        return h

    def _call(self, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, Any], Dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        overloaded = 0
        lost = 0
        while True:
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=self._headers())
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return r.status, _decode(r.read()), dict(r.headers.items())
            except urllib.error.HTTPError as e:
                payload = _decode(e.read())
                # 429: the queue is full; 503 `draining`: this replica is shutting
                # down (behind a load balancer the retry reaches another one).
                if e.code == 429 or (e.code == 503 and payload.get("status") == "draining"):
                    wait = _retry_after(e.headers.get("Retry-After"), payload)
                    if overloaded >= self.max_retries:
                        raise Overloaded(e.code, payload, wait) from None
                    overloaded += 1
                    time.sleep(min(wait, self.max_wait))
                    continue
                if e.code == 503 and payload.get("status") == "infra_error":
                    return e.code, payload, dict(e.headers.items())
                raise BaxError(e.code, payload) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # The server went away mid-request (or never answered): the
                # request_id makes the retry safe.
                if lost >= self.connect_retries:
                    raise
                lost += 1
                time.sleep(min(0.5 * 2**lost, self.max_wait))

    # -- API ------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self._call("GET", "/healthz")[1]

    def metrics(self) -> str:
        """The Prometheus text of /metrics."""
        req = urllib.request.Request(self.url + "/metrics", headers=self._headers())
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            return r.read().decode()

    def tasks(
        self,
        split_by: str = "none",
        split: Optional[str] = None,
        test_size: float = 0.2,
        split_seed: int = 42,
        languages: Iterable[str] = (),
        spec_type: Optional[str] = None,
        safety_prompt: Optional[str] = None,
        *,
        scenarios: Iterable[str] = (),
        frameworks: Iterable[str] = (),
    ) -> List[Task]:
        """Tasks of one side of a split; with spec_type/safety_prompt, with prompts."""
        path = "/v1/tasks?" + urllib.parse.urlencode(
            tasks_query(split_by, split, test_size, split_seed, languages, spec_type, safety_prompt, scenarios, frameworks)
        )
        return [Task.from_json(t) for t in self._call("GET", path)[1]["tasks"]]

    def score(
        self,
        task_id: str,
        completion: Optional[str] = None,
        *,
        files: Optional[Dict[str, str]] = None,
        spec_type: str = "openapi",
        safety_prompt: str = "none",
        request_id: Optional[str] = None,
        deadline_s: Optional[float] = None,
    ) -> ScoreResult:
        """Scores one rollout. An infra error is returned (``status ==
        "infra_error"``, ``reward is None``), not raised."""
        body = score_body(task_id, completion, files, spec_type, safety_prompt, request_id, deadline_s)
        _, answer, headers = self._call("POST", "/v1/score", body)
        return ScoreResult.from_json(answer, replayed=_replayed(headers))

    def score_batch(self, items: List[Dict[str, Any]]) -> List[ScoreResult]:
        """Scores several rollouts at once (each item as `score`'s keywords, with
        ``task_id`` and ``completion`` or ``files``), answers in order."""
        body = {"items": [batch_item(i) for i in items]}
        _, answer, _ = self._call("POST", "/v1/score/batch", body)
        return [ScoreResult.from_json(r) for r in answer["results"]]

    def reward(self, task_id: str, completion: str, **kw: Any) -> float:
        """The reward as a float; raises InfraError when bax could not score."""
        r = self.score(task_id, completion, **kw)
        if not r.ok:
            raise InfraError(r.raw)
        return float(r.reward)


def token_from_env() -> Optional[str]:
    """``$BAX_TOKEN``, else the first token of the file ``$BAX_TOKEN_FILE`` (the
    server's token-file format: ``NAME TOKEN [max_in_flight=N]`` or ``TOKEN``)."""
    t = os.environ.get("BAX_TOKEN")
    if t:
        return t.strip()
    f = os.environ.get("BAX_TOKEN_FILE")
    if f:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                fields = line.split("#", 1)[0].split()
                if fields:
                    return fields[0] if len(fields) == 1 else fields[1]
    return None


def tasks_query(split_by, split, test_size, split_seed, languages, spec_type, safety_prompt, scenarios=(), frameworks=()):
    q: Dict[str, Any] = {"split_by": split_by, "test_size": test_size, "split_seed": split_seed}
    if split:
        q["split"] = split
    for name, vals in (("languages", languages), ("scenarios", scenarios), ("frameworks", frameworks)):
        vals = [vals] if isinstance(vals, str) else list(vals or ())
        if vals:
            q[name] = ",".join(vals)
    if spec_type:
        q["spec_type"] = spec_type
    if safety_prompt:
        q["safety_prompt"] = safety_prompt
    return q


def score_body(task_id, completion, files, spec_type, safety_prompt, request_id, deadline_s) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "task_id": task_id,
        "spec_type": spec_type,
        "safety_prompt": safety_prompt,
        "request_id": request_id or new_request_id(),
    }
    if files is not None:
        body["files"] = files
    else:
        body["completion"] = completion if completion is not None else ""
    if deadline_s is not None:
        body["deadline_s"] = deadline_s
    return body


def batch_item(item: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(item)
    out.setdefault("request_id", new_request_id())
    if "files" not in out:
        out.setdefault("completion", "")
    return out


def new_request_id() -> str:
    return "py-" + uuid.uuid4().hex


def _replayed(headers: Dict[str, str]) -> bool:
    return any(k.lower() == "idempotent-replayed" and v.strip().lower() == "true" for k, v in headers.items())


def _decode(raw: bytes) -> Dict[str, Any]:
    try:
        return json.loads(raw.decode() or "{}")
    except ValueError:
        return {"error": raw[:500].decode(errors="replace")}


def _retry_after(header: Optional[str], body: Dict[str, Any]) -> float:
    for v in (header, body.get("retry_after_s")):
        try:
            if v is not None:
                return max(0.0, float(v))
        except (TypeError, ValueError):
            pass
    return 1.0


_default: Optional[BaxClient] = None


def _client() -> BaxClient:
    global _default
    if _default is None:
        _default = BaxClient()
    return _default


def score(task_id: str, completion: str, **kw: Any) -> ScoreResult:
    """Module-level reward function against $BAX_URL (default http://127.0.0.1:8000)."""
    return _client().score(task_id, completion, **kw)


def reward(task_id: str, completion: str, **kw: Any) -> float:
    return _client().reward(task_id, completion, **kw)
