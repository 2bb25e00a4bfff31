"""The asyncio client for `bax serve` (httpx), for trainers that batch rollouts
with asyncio. Same behaviour as :class:`bax_client.BaxClient`: 429 retried after
``Retry-After``, lost connections retried with the same ``request_id``, infra
errors returned (``score``) or raised (``reward``), token from ``$BAX_TOKEN``.

Cancelling a ``score()`` task closes its connection, and `bax serve` then stops
scoring it (the app is killed and the worker freed).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Iterable, List, Optional

import httpx

from ._client import (
    DEFAULT_URL,
    BaxError,
    InfraError,
    Overloaded,
    _replayed,
    _retry_after,
    batch_item,
    score_body,
    tasks_query,
    token_from_env,
)
from .types import ScoreResult, Task

__all__ = ["AsyncBaxClient"]


class AsyncBaxClient:
    def __init__(
        self,
        url: Optional[str] = None,
        timeout: float = 3600.0,
        max_retries: int = 20,
        max_wait: float = 60.0,
        *,
        token: Optional[str] = None,
        connect_retries: int = 3,
        max_connections: int = 1024,
    ):
        self.url = (url or os.environ.get("BAX_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.connect_retries = connect_retries
        token = token if token is not None else token_from_env()
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = "Bearer " + token
        self._http = httpx.AsyncClient(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=30.0),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
        )
        self._auth = bool(token)

    def __repr__(self) -> str:
        return f"AsyncBaxClient({self.url!r}, auth={'on' if self._auth else 'off'})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncBaxClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        overloaded = 0
        lost = 0
        while True:
            try:
                r = await self._http.request(method, path, json=body)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if lost >= self.connect_retries:
                    raise
                lost += 1
                await asyncio.sleep(min(0.5 * 2**lost, self.max_wait))
                continue
            if r.status_code == 429 or (r.status_code == 503 and _json(r).get("status") == "draining"):
                payload = _json(r)
                wait = _retry_after(r.headers.get("Retry-After"), payload)
                if overloaded >= self.max_retries:
                    raise Overloaded(429, payload, wait)
                overloaded += 1
                await asyncio.sleep(min(wait, self.max_wait))
                continue
            if r.status_code >= 400:
                payload = _json(r)
                if r.status_code == 503 and payload.get("status") == "infra_error":
                    return r
                raise BaxError(r.status_code, payload)
            return r

    async def health(self) -> Dict[str, Any]:
        return _json(await self._call("GET", "/healthz"))

    async def metrics(self) -> str:
        return (await self._call("GET", "/metrics")).text

    async def tasks(
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
        q = tasks_query(split_by, split, test_size, split_seed, languages, spec_type, safety_prompt, scenarios, frameworks)
        r = await self._call("GET", "/v1/tasks?" + str(httpx.QueryParams(q)))
        return [Task.from_json(t) for t in _json(r)["tasks"]]

    async def score(
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
        body = score_body(task_id, completion, files, spec_type, safety_prompt, request_id, deadline_s)
        r = await self._call("POST", "/v1/score", body)
        return ScoreResult.from_json(_json(r), replayed=_replayed(dict(r.headers.items())))

    async def score_batch(self, items: List[Dict[str, Any]]) -> List[ScoreResult]:
        r = await self._call("POST", "/v1/score/batch", {"items": [batch_item(i) for i in items]})
        return [ScoreResult.from_json(x) for x in _json(r)["results"]]

    async def score_many(self, items: List[Dict[str, Any]], concurrency: int = 64) -> List[ScoreResult]:
        """Scores items as separate requests, ``concurrency`` at a time, in order;
        unlike a batch, each is admitted (and retried on 429) on its own."""
        sem = asyncio.Semaphore(max(1, concurrency))

        async def one(item: Dict[str, Any]) -> ScoreResult:
            async with sem:
                it = dict(item)
                return await self.score(it.pop("task_id"), it.pop("completion", None), **it)

        return list(await asyncio.gather(*(one(i) for i in items)))

    async def reward(self, task_id: str, completion: str, **kw: Any) -> float:
        r = await self.score(task_id, completion, **kw)
        if not r.ok:
            raise InfraError(r.raw)
        return float(r.reward)


def _json(r: httpx.Response) -> Dict[str, Any]:
    try:
        v = r.json()
        return v if isinstance(v, dict) else {"error": str(v)[:500]}
    except ValueError:
        return {"error": r.text[:500]}
