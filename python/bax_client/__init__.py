"""Trainer-side client for `bax serve`, standard library only.

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
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, List, Optional

__all__ = ["BaxClient", "BaxError", "InfraError", "Overloaded", "score", "reward"]


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
    def __init__(
        self,
        url: Optional[str] = None,
        timeout: float = 3600.0,
        max_retries: int = 20,
        max_wait: float = 60.0,
    ):
        self.url = (url or os.environ.get("BAX_URL") or "http://127.0.0.1:8000").rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait

    # -- HTTP -----------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None):
        data = None if body is None else json.dumps(body).encode()
        attempt = 0
        while True:
            req = urllib.request.Request(
                self.url + path,
                data=data,
                method=method,
                headers={"content-type": "application/json"},
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return r.status, _decode(r.read())
            except urllib.error.HTTPError as e:
                payload = _decode(e.read())
                if e.code == 429:
                    wait = _retry_after(e.headers.get("Retry-After"), payload)
                    if attempt >= self.max_retries:
                        raise Overloaded(e.code, payload, wait) from None
                    attempt += 1
                    time.sleep(min(wait, self.max_wait))
                    continue
                if e.code == 503 and payload.get("status") == "infra_error":
                    return e.code, payload
                raise BaxError(e.code, payload) from None

    # -- API ------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self._call("GET", "/healthz")[1]

    def tasks(
        self,
        split_by: str = "none",
        split: Optional[str] = None,
        test_size: float = 0.2,
        split_seed: int = 42,
        languages: Iterable[str] = (),
        spec_type: Optional[str] = None,
        safety_prompt: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Tasks of one side of a split; with spec_type/safety_prompt, with prompts."""
        q = {"split_by": split_by, "test_size": test_size, "split_seed": split_seed}
        if split:
            q["split"] = split
        if languages:
            q["languages"] = ",".join(languages)
        if spec_type:
            q["spec_type"] = spec_type
        if safety_prompt:
            q["safety_prompt"] = safety_prompt
        return self._call("GET", "/v1/tasks?" + urllib.parse.urlencode(q))[1]["tasks"]

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
    ) -> Dict[str, Any]:
        """Scores one rollout. Returns the server's answer; for an infra error,
        ``{"status": "infra_error", "kind": ..., "reward": None, ...}``."""
        body: Dict[str, Any] = {"task_id": task_id, "spec_type": spec_type, "safety_prompt": safety_prompt}
        if files is not None:
            body["files"] = files
        else:
            body["completion"] = completion if completion is not None else ""
        if request_id is not None:
            body["request_id"] = request_id
        if deadline_s is not None:
            body["deadline_s"] = deadline_s
        _, answer = self._call("POST", "/v1/score", body)
        if answer.get("status") == "infra_error":
            answer.setdefault("reward", None)
        return answer

    def score_batch(self, items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Scores several rollouts at once (each item as `score`'s keywords)."""
        _, answer = self._call("POST", "/v1/score/batch", {"items": items})
        for r in answer["results"]:
            if r.get("status") == "infra_error":
                r.setdefault("reward", None)
        return answer["results"]

    def reward(self, task_id: str, completion: str, **kw: Any) -> float:
        """The reward as a float; raises InfraError when bax could not score."""
        r = self.score(task_id, completion, **kw)
        if r.get("status") != "ok":
            raise InfraError(r)
        return float(r["reward"])


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


def score(task_id: str, completion: str, **kw: Any) -> Dict[str, Any]:
    """Module-level reward function against $BAX_URL (default http://127.0.0.1:8000)."""
    return _client().score(task_id, completion, **kw)


def reward(task_id: str, completion: str, **kw: Any) -> float:
    return _client().reward(task_id, completion, **kw)
