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
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

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


class _Server:
    """One `bax serve` of a client's pool, with what the client knows of it."""

    __slots__ = ("url", "outstanding", "down_until", "failures", "sent")

    def __init__(self, url: str):
        self.url = url
        self.outstanding = 0  # this client's requests in flight to it
        self.down_until = 0.0  # not picked before this (monotonic time)
        self.failures = 0  # consecutive connection failures
        self.sent = 0  # requests sent (for figures and tests)


class _Pool:
    """Least-outstanding balancing over servers, with cool-downs for servers that
    are gone, draining or full. Thread-safe: trainers call from many threads."""

    def __init__(self, urls: Sequence[str]):
        if not urls:
            raise ValueError("no bax serve URL given")
        self.servers = [_Server(u) for u in urls]
        self._lock = threading.Lock()
        self._turn = 0

    def pick(self, avoid: Optional[_Server] = None) -> _Server:
        now = time.monotonic()
        with self._lock:
            self._turn += 1
            n = len(self.servers)
            order = [self.servers[(self._turn + i) % n] for i in range(n)]
            up = [s for s in order if s.down_until <= now and s is not avoid]
            pool = up or [s for s in order if s is not avoid] or order
            # All cooling down: the one back soonest.
            best = min(pool, key=lambda s: (s.outstanding, max(0.0, s.down_until - now)) if up else s.down_until)
            best.outstanding += 1
            best.sent += 1
            return best

    # Picklable (a reward function holding a client is pickled by some trainers,
    # e.g. TRL's async GRPO): the lock is made anew, the counts start afresh.
    def __getstate__(self) -> Dict[str, Any]:
        return {"urls": [s.url for s in self.servers]}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["urls"])

    def release(self, s: _Server) -> None:
        with self._lock:
            s.outstanding -= 1

    def ok(self, s: _Server) -> None:
        with self._lock:
            s.failures = 0

    def cool(self, s: _Server, seconds: float) -> None:
        with self._lock:
            s.down_until = max(s.down_until, time.monotonic() + seconds)

    def failed(self, s: _Server) -> float:
        """Marks a connection failure; returns the cool-down given (1 s, doubling, 30 s at most)."""
        with self._lock:
            s.failures += 1
            wait = min(30.0, 2.0 ** (s.failures - 1))
            s.down_until = time.monotonic() + wait
            return wait

    def others_up(self, s: _Server) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(o is not s and o.down_until <= now for o in self.servers)


def _urls(url: Union[None, str, Sequence[str]]) -> List[str]:
    if url is None:
        url = os.environ.get("BAX_URL") or DEFAULT_URL
    items = url.split(",") if isinstance(url, str) else list(url)
    out = [u.strip().rstrip("/") for u in items if u and u.strip()]
    if not out:
        raise ValueError("no bax serve URL given")
    return out


class BaxClient:
    """A client of one `bax serve`, or of several (a fleet without a load balancer).

    ``url`` is a URL, several (a list, or comma-separated), or ``$BAX_URL`` (same
    forms; else http://127.0.0.1:8000); ``token`` defaults to ``$BAX_TOKEN``.

    With several servers each request goes to the one with the fewest of this
    client's requests in flight. A full queue (429) or a draining server (503
    ``draining``) cools that server down for its ``Retry-After`` and the request
    goes to another (or, when every server is cooling down, waits; at most
    ``max_wait`` seconds each time, ``max_retries`` times). A lost connection
    is retried with the same ``request_id``: on the same server if it still
    answers (it replays or waits for the answer, so nothing is scored twice), on
    another if it is gone (a dead server's work is scored elsewhere, once);
    ``connect_retries`` such retries per server.
    """

    def __init__(
        self,
        url: Union[None, str, Sequence[str]] = None,
        timeout: float = 3600.0,
        max_retries: int = 20,
        max_wait: float = 60.0,
        *,
        token: Optional[str] = None,
        connect_retries: int = 3,
    ):
        self.urls = _urls(url)
        self.url = self.urls[0]
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.connect_retries = connect_retries
        self._token = token if token is not None else token_from_env()
        self._pool = _Pool(self.urls)

    def __repr__(self) -> str:  # never shows the token
        where = self.url if len(self.urls) == 1 else f"{len(self.urls)} servers"
        return f"BaxClient({where!r}, auth={'on' if self._token else 'off'})"

    # -- HTTP -----------------------------------------------------------------
    def _headers(self) -> Dict[str, str]:
        h = {"content-type": "application/json"}
        if self._token:
            h["authorization"] = "Bearer " + self._token
        return h

    def _alive(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def _call(self, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, Any], Dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        overloaded = 0
        lost = 0
        server = self._pool.pick()
        while True:
            req = urllib.request.Request(server.url + path, data=data, method=method, headers=self._headers())
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    answer = r.status, _decode(r.read()), dict(r.headers.items())
                self._pool.ok(server)
                self._pool.release(server)
                return answer
            except urllib.error.HTTPError as e:
                payload = _decode(e.read())
                self._pool.ok(server)
                # 429: the queue is full; 503 `draining`: this server is shutting
                # down. Either way another server (or this one, later) takes it.
                if e.code == 429 or (e.code == 503 and payload.get("status") == "draining"):
                    wait = _retry_after(e.headers.get("Retry-After"), payload)
                    draining = e.code == 503
                    self._pool.cool(server, max(wait, 30.0) if draining else wait)
                    self._pool.release(server)
                    if overloaded >= self.max_retries:
                        raise Overloaded(e.code, payload, wait) from None
                    overloaded += 1
                    if not self._pool.others_up(server):
                        time.sleep(min(wait, self.max_wait))
                    server = self._pool.pick()
                    continue
                self._pool.release(server)
                if e.code == 503 and payload.get("status") == "infra_error":
                    return e.code, payload, dict(e.headers.items())
                raise BaxError(e.code, payload) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                # The connection was lost (or never made). The request_id makes
                # a retry safe: the same server, if it still answers, replays the
                # answer or waits for the scoring under way; a server that is
                # gone is cooled down and the request goes to another.
                self._pool.release(server)
                lost += 1
                if lost > self.connect_retries * len(self.urls):
                    raise
                if self._alive(server.url):
                    time.sleep(min(0.5 * 2**min(lost, 6), self.max_wait))
                    server = self._reuse(server)
                else:
                    wait = self._pool.failed(server)
                    if not self._pool.others_up(server):
                        time.sleep(min(wait, self.max_wait))
                    server = self._pool.pick(avoid=server)

    def _reuse(self, s: _Server) -> _Server:
        with self._pool._lock:
            s.outstanding += 1
            s.sent += 1
        return s

    def remove_server(self, url: str) -> bool:
        """Stops sending requests to ``url`` (e.g. its node is gone). The last
        server is kept but never picked again before its cool-down, which is
        forever: requests then end as connection errors. Returns whether it was
        in the pool."""
        url = url.rstrip("/")
        with self._pool._lock:
            servers = self._pool.servers
            if not any(s.url == url for s in servers):
                return False
            keep = [s for s in servers if s.url != url]
            if keep:
                self._pool.servers = keep
                self.urls = [s.url for s in keep]
                self.url = self.urls[0]
            else:
                for s in servers:
                    s.down_until = float("inf")
            return True

    def servers(self) -> List[Dict[str, Any]]:
        """What this client knows of each server: url, in flight, requests sent,
        whether it is cooling down."""
        now = time.monotonic()
        return [
            {"url": s.url, "outstanding": s.outstanding, "sent": s.sent, "cooling_down": s.down_until > now}
            for s in self._pool.servers
        ]

    # -- API ------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self._call("GET", "/healthz")[1]

    def metrics(self) -> str:
        """The Prometheus text of the (first) server's /metrics."""
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


def scorable_tasks(
    bax: "BaxClient",
    *,
    split_by: str,
    split: Optional[str],
    test_size: float,
    split_seed: int,
    languages: Iterable[str],
    frameworks: Iterable[str],
    scenarios: Iterable[str],
    spec_type: str,
    safety_prompt: str,
) -> List[Task]:
    """The tasks of one side of bax's split that bax can score, with their
    prompts in the given variant (what every trainer adapter's dataset holds)."""
    tasks = bax.tasks(
        split_by=split_by,
        split=split if split_by != "none" else None,
        test_size=test_size,
        split_seed=split_seed,
        languages=languages,
        spec_type=spec_type,
        safety_prompt=safety_prompt,
        scenarios=scenarios,
        frameworks=frameworks,
    )
    return [t for t in tasks if t.scorable and t.prompt]


def chat_messages(prompt: str, system_prompt: Optional[str] = None) -> List[Dict[str, str]]:
    """BaxBench's prompt as the one user message, after an optional system message."""
    head = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return head + [{"role": "user", "content": prompt}]


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
