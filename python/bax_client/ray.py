"""`bax serve` on every node of a Ray cluster, scored through one client.

    import ray
    from bax_client.ray import BaxPool
    ray.init()
    pool = BaxPool.start(serve_args=("--workers", "2"))   # one `bax serve` per alive node
    r = pool.score("Calculator-Python-Flask", completion)   # ScoreResult (infra errors: reward None)
    rs = pool.score_many([{"task_id": …, "completion": …}, …], concurrency=16)
    pool.reward(task_id, completion)                         # float; raises InfraError to mask
    pool.shutdown()                                          # SIGTERM: every server drains

:class:`BaxServer` is a Ray actor pinned to one node (``NodeAffinitySchedulingStrategy``,
``soft=False``) that runs ``bax serve --host 127.0.0.1 --port 0 [serve_args]`` as
its child (the binary: ``bax_bin=``, else ``$BAX_BIN``, else ``bax`` on PATH) and
reports its URL, or attaches to a server already running on its node. The child
dies with the actor (``PR_SET_PDEATHSIG``, and a watchdog for the actor's own
parent, the node's raylet), so a node that dies stops answering.

:class:`BaxPool` starts one per node and scores through a :class:`BaxClient`
over their URLs: its least-outstanding balancing, its cool-downs on 429 and on
draining servers, and its failover (same ``request_id``) when a connection is
lost are the client's. The pool also watches the cluster: a node that Ray marks
dead (``ray.nodes()``, ``Alive``), or whose server exits, is dropped from the
client, so no request is sent to it afterwards.

Loopback servers (the default) are reachable from the driver only when the
driver runs on the same machine as the node (one machine, or
``ray.cluster_utils.Cluster``). Across machines pass ``host="0.0.0.0"`` with a
token (``env={"BAX_TOKEN": …}`` for the servers, ``token=`` or ``$BAX_TOKEN``
for the client, or ``--token-file`` in ``serve_args``): each server is then
reported at its node's IP address.
"""

from __future__ import annotations

import collections
import http.client
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from ._client import BaxClient, BaxError, InfraError, Overloaded, new_request_id
from .types import ScoreResult

__all__ = ["BaxPool", "BaxServer", "alive_nodes"]

_URL = re.compile(r"http://[^\s()]+")
_PR_SET_PDEATHSIG = 1
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A preexec_fn: the child gets SIGKILL when the thread that started it (a
    thread of the actor that lives as long as the child) or the actor dies."""
    import ctypes

    # Resolved before the fork: the child only calls it.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    def fn() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the actor died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return fn


def _http_ok(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return False


class _BaxServerActor:
    """The body of :data:`BaxServer` (a Ray actor): one `bax serve` on its node."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.url: Optional[str] = None
        self.owned = False
        self.first_line = ""
        self.log: collections.deque = collections.deque(maxlen=500)
        self._exited = threading.Event()
        self._node_id = ray.get_runtime_context().get_node_id()
        self._parent = os.getppid()
        threading.Thread(target=self._watch_parent, name="bax-parent-watchdog", daemon=True).start()

    # -- life of the child ----------------------------------------------------
    def _watch_parent(self) -> None:
        # A worker whose raylet was killed may linger a moment: the node is gone,
        # so is its server, at once.
        while True:
            time.sleep(0.2)
            if os.getppid() != self._parent:
                self._kill()
                os._exit(1)

    def _kill(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass

    def _keeper(self, argv: List[str], env: Dict[str, str], started: "collections.deque") -> None:
        # Started from this long-lived thread: PR_SET_PDEATHSIG fires when the
        # *thread* that forked the child ends, so that thread must outlive it.
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                preexec_fn=_die_with_parent(os.getpid()),
            )
        except Exception as e:  # noqa: BLE001 - reported to start()
            started.append(e)
            return
        self.proc = proc
        started.append(proc)
        threading.Thread(target=self._pump, args=(proc.stderr,), daemon=True).start()
        proc.wait()
        self._exited.set()

    def _pump(self, stream) -> None:
        for line in stream:
            self.log.append(line.rstrip("\n"))

    def start(
        self,
        serve_args: Sequence[str] = (),
        bax_bin: Optional[str] = None,
        host: str = "127.0.0.1",
        env: Optional[Mapping[str, str]] = None,
        timeout: float = 120.0,
        wait_ready: bool = True,
    ) -> Dict[str, Any]:
        """Starts `bax serve --host HOST --port 0 SERVE_ARGS` and returns its
        :meth:`info` once it listens (and, with ``wait_ready``, once /readyz is 200)."""
        if self.url is not None:
            return self.info()
        exe = bax_bin or os.environ.get("BAX_BIN") or shutil.which("bax")
        if not exe:
            raise RuntimeError(f"no bax binary on node {self._node_id}: pass bax_bin= or set BAX_BIN")
        argv = [exe, "serve", "--host", host, "--port", "0", *map(str, serve_args)]
        started: collections.deque = collections.deque()
        threading.Thread(
            target=self._keeper, args=(argv, {**os.environ, **(env or {})}, started), name="bax-serve", daemon=True
        ).start()
        deadline = time.monotonic() + timeout
        while not started:
            time.sleep(0.01)
        if isinstance(started[0], Exception):
            raise RuntimeError(f"cannot start {argv}: {started[0]}")
        proc = started[0]
        self.owned = True

        line_box: List[str] = []
        reader = threading.Thread(target=lambda: line_box.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(max(0.0, deadline - time.monotonic()))
        line = line_box[0] if line_box else ""
        m = _URL.search(line)
        if not m:
            self._kill()
            self._exited.wait(5)
            tail = "\n".join(list(self.log)[-20:])
            raise RuntimeError(f"bax serve did not start on node {self._node_id}: {line!r}\n{tail}")
        self.first_line = line.strip()
        url = m.group(0).rstrip("/")
        if not host.startswith(_LOOPBACK):
            # A wildcard or explicit address: reachable at the node's IP.
            port = url.rsplit(":", 1)[1]
            url = f"http://{ray.util.get_node_ip_address()}:{port}"
        self.url = url
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()
        if wait_ready:
            self._wait_ready(deadline)
        return self.info()

    def attach(self, url: str, timeout: float = 60.0, wait_ready: bool = True) -> Dict[str, Any]:
        """Uses a `bax serve` already running on this node (not stopped by :meth:`stop`)."""
        self.url = url.rstrip("/")
        self.owned = False
        deadline = time.monotonic() + timeout
        while not _http_ok(self.url + "/healthz"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.url} does not answer /healthz from node {self._node_id}")
            time.sleep(0.2)
        if wait_ready:
            self._wait_ready(deadline)
        return self.info()

    def _wait_ready(self, deadline: float) -> None:
        while not _http_ok(self.url + "/readyz"):
            if self.owned and self._exited.is_set():
                raise RuntimeError(f"bax serve exited ({self.proc.returncode}): " + "\n".join(list(self.log)[-20:]))
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.url} is not ready (/readyz) on node {self._node_id}")
            time.sleep(0.25)

    # -- what the driver asks -------------------------------------------------
    def info(self) -> Dict[str, Any]:
        p = self.proc
        return {
            "node_id": self._node_id,
            "url": self.url,
            "owned": self.owned,
            "pid": p.pid if p is not None else None,
            "running": (p.poll() is None) if p is not None else None,
            "returncode": p.poll() if p is not None else None,
            "first_line": self.first_line,
        }

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        """Blocks until the owned server exits (its return code); ``None`` on
        timeout or for an attached server. The pool keeps one call pending as a
        sentinel: it resolves when the server exits or the actor dies."""
        if not self.owned:
            threading.Event().wait(timeout)
            return None
        self._exited.wait(timeout)
        return self.proc.poll() if self.proc is not None else None

    def stop(self, timeout: float = 150.0) -> Optional[int]:
        """SIGTERM to an owned server: it drains (finishes what is in flight,
        refuses new work with 503 ``draining``) and exits; SIGKILL after
        ``timeout`` seconds. Returns its exit code."""
        p = self.proc
        if not self.owned or p is None:
            return None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            if not self._exited.wait(timeout):
                p.kill()
                self._exited.wait(10)
        return p.poll()

    def logs(self, n: int = 100) -> List[str]:
        """The last ``n`` lines of the server's stderr (its rollout lines)."""
        return list(self.log)[-n:]


# A small CPU share: the server's work is its own, not Ray's to schedule; a few
# concurrent calls so that the pending `wait` sentinel never blocks `info`/`stop`.
BaxServer = ray.remote(num_cpus=0, max_concurrency=8, max_restarts=0)(_BaxServerActor)


def alive_nodes() -> List[str]:
    """The hex ids of the nodes Ray reports alive (``ray.nodes()``)."""
    return [n["NodeID"] for n in ray.nodes() if n.get("Alive")]


class _Member:
    __slots__ = ("node_id", "actor", "url", "owned", "sentinel", "dropped_at", "why", "server")

    def __init__(self, node_id: str, actor: Any, info: Dict[str, Any]):
        self.node_id = node_id
        self.actor = actor
        self.url = info["url"]
        self.owned = info["owned"]
        self.sentinel = actor.wait.remote()
        self.dropped_at: Optional[float] = None
        self.why: Optional[str] = None
        self.server: Any = None  # the client's record of it (its counts)


class BaxPool:
    """`bax serve` on every node (or the given ones), one :class:`BaxClient`
    over them. Use :meth:`start`; :meth:`shutdown` (or ``with``) ends it."""

    def __init__(self, members: List[_Member], client: BaxClient, watch_interval: float = 0.5):
        self._members = members
        self.client = client
        by_url = {s.url: s for s in client._pool.servers}
        for m in members:
            m.server = by_url.get(m.url)
        self._lock = threading.Lock()
        self._routes: "collections.OrderedDict[str, List[tuple]]" = collections.OrderedDict()
        self._local = threading.local()
        self._trace_client()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, args=(watch_interval,), name="bax-pool-watch", daemon=True)
        self._watcher.start()

    # -- starting -------------------------------------------------------------
    @classmethod
    def start(
        cls,
        nodes: Optional[Iterable[str]] = None,
        serve_args: Sequence[str] = (),
        *,
        bax_bin: Optional[str] = None,
        host: str = "127.0.0.1",
        env: Optional[Mapping[str, str]] = None,
        attach: Optional[Mapping[str, str]] = None,
        num_cpus: float = 0.0,
        start_timeout: float = 300.0,
        wait_ready: bool = True,
        watch_interval: float = 0.5,
        token: Optional[str] = None,
        **client_kw: Any,
    ) -> "BaxPool":
        """One :data:`BaxServer` per node: ``nodes`` (hex node ids) or every
        alive node. ``attach`` maps node ids to URLs of servers already running
        there (used, not started; ``nodes`` may then be empty). ``client_kw`` go
        to :class:`BaxClient` (``timeout``, ``max_retries``, ``connect_retries``…)."""
        if not ray.is_initialized():
            ray.init()
        attach = dict(attach or {})
        node_ids = list(nodes) if nodes is not None else [n for n in alive_nodes() if n not in attach]
        plan = [(n, None) for n in node_ids if n not in attach] + list(attach.items())
        if not plan:
            raise ValueError("no Ray node to start bax serve on")
        actors, calls = [], []
        for node_id, url in plan:
            actor = BaxServer.options(
                num_cpus=num_cpus,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False),
            ).remote()
            actors.append((node_id, actor))
            if url is None:
                calls.append(actor.start.remote(tuple(serve_args), bax_bin, host, dict(env or {}), start_timeout, wait_ready))
            else:
                calls.append(actor.attach.remote(url, start_timeout, wait_ready))
        try:
            infos = ray.get(calls, timeout=start_timeout + 30)
        except BaseException:
            for _, a in actors:
                _stop_actor(a, 10.0)
            raise
        members = [_Member(node_id, actor, info) for (node_id, actor), info in zip(actors, infos)]
        client = BaxClient([m.url for m in members], token=token, **client_kw)
        return cls(members, client, watch_interval)

    # -- the cluster's health -------------------------------------------------
    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - Ray shut down under us: nothing left to watch
                if not ray.is_initialized():
                    return

    def check(self) -> List[str]:
        """Drops the servers whose node Ray reports dead or whose server (or
        actor) ended; returns the node ids dropped now. The pool calls it every
        ``watch_interval`` seconds."""
        live = [m for m in self._members if m.dropped_at is None]
        if not live:
            return []
        alive = {n["NodeID"]: bool(n.get("Alive")) for n in ray.nodes()}
        dropped = []
        for m in live:
            if not alive.get(m.node_id, False):
                self._drop(m, "Ray reports the node dead")
                dropped.append(m.node_id)
        live = [m for m in live if m.dropped_at is None]
        if live:
            done, _ = ray.wait([m.sentinel for m in live], num_returns=len(live), timeout=0)
            for m in live:
                if m.sentinel in done:
                    try:
                        why = f"bax serve exited ({ray.get(m.sentinel, timeout=0)})"
                    except Exception as e:  # noqa: BLE001 - the actor (or its node) died
                        why = f"its actor died ({type(e).__name__})"
                    self._drop(m, why)
                    dropped.append(m.node_id)
        return dropped

    def drop(self, node_id: str, why: str = "dropped by the caller") -> bool:
        """Sends no more requests to the node's server (requests in flight
        there end as the client's failover decides)."""
        for m in self._members:
            if m.node_id == node_id and m.dropped_at is None:
                self._drop(m, why)
                return True
        return False

    def _drop(self, m: _Member, why: str) -> None:
        with self._lock:
            if m.why is not None:
                return
            m.why = why
        # The last one stays (a client needs a server) but is never picked
        # again before forever: what is sent there ends as an `unreachable`
        # infra error.
        self.client.remove_server(m.url)
        m.dropped_at = time.time()  # after: no pick from now on can choose it

    # -- what it knows ----------------------------------------------------------
    @property
    def urls(self) -> List[str]:
        """The URLs requests are sent to now (dropped servers left out)."""
        return [m.url for m in self._members if m.dropped_at is None]

    def members(self) -> List[Dict[str, Any]]:
        """Each server: node id, url, whether it is in the pool (``dropped_at``,
        ``why`` once dropped), and the client's counts (``sent``, ``outstanding``)."""
        out = []
        for m in self._members:
            s = m.server
            out.append(
                {
                    "node_id": m.node_id,
                    "url": m.url,
                    "owned": m.owned,
                    "in_pool": m.dropped_at is None,
                    "dropped_at": m.dropped_at,
                    "why": m.why,
                    "sent": s.sent if s is not None else 0,
                    "outstanding": s.outstanding if s is not None else 0,
                }
            )
        return out

    def routes(self, request_id: str) -> List[tuple]:
        """Where the pool's request ``request_id`` was sent: ``(time.time(),
        url)`` for every server the client picked for it, in order (the last
        one answered, unless the request failed). The last 100,000 requests."""
        with self._lock:
            return list(self._routes.get(request_id, ()))

    def _trace_client(self) -> None:
        pool = self.client._pool
        pick = pool.pick
        local = self._local

        def traced(*a: Any, **kw: Any):
            t = time.time()  # before the pick: a server dropped later was picked before its drop
            s = pick(*a, **kw)
            route = getattr(local, "route", None)
            if route is not None:
                route.append((t, s.url))
            return s

        pool.pick = traced

    def server_logs(self, n: int = 1000) -> Dict[str, List[str]]:
        """The last ``n`` stderr lines of each server still in the pool, by URL."""
        live = [m for m in self._members if m.dropped_at is None and m.owned]
        logs = ray.get([m.actor.logs.remote(n) for m in live], timeout=60)
        return {m.url: lines for m, lines in zip(live, logs)}

    # -- scoring ----------------------------------------------------------------
    def score(self, task_id: str, completion: Optional[str] = None, **kw: Any) -> ScoreResult:
        """As :meth:`BaxClient.score`. An infra error is returned (``reward is
        None``), including the pool's own: no server reachable (``kind:
        unreachable``), every server full for every retry (``kind:
        overloaded``). A 4xx (a wrong request) raises :class:`BaxError`."""
        rid = kw.pop("request_id", None) or new_request_id()
        route: List[tuple] = []
        with self._lock:
            self._routes[rid] = route
            while len(self._routes) > 100_000:
                self._routes.popitem(last=False)
        self._local.route = route
        try:
            return self.client.score(task_id, completion, request_id=rid, **kw)
        except Overloaded as e:
            return _infra(rid, task_id, "overloaded", str(e))
        except BaxError:
            raise
        except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
            return _infra(rid, task_id, "unreachable", f"no bax serve answered: {e}")
        finally:
            self._local.route = None

    def reward(self, task_id: str, completion: Optional[str] = None, **kw: Any) -> float:
        """The reward as a float; raises :class:`InfraError` when it could not be scored."""
        r = self.score(task_id, completion, **kw)
        if not r.ok:
            raise InfraError(r.raw)
        return float(r.reward)

    def score_many(
        self,
        items: Sequence[Mapping[str, Any]],
        concurrency: int = 16,
        on_result: Optional[Callable[[int, ScoreResult], None]] = None,
    ) -> List[ScoreResult]:
        """Scores ``items`` (each as :meth:`score`'s keywords: ``task_id``,
        ``completion`` or ``files``, ``request_id``…), ``concurrency`` at a time,
        and returns one answer per item, in order: a verdict, or an infra error
        (``reward is None``). Never raises for an item: a wrong request is
        answered with its 4xx body (``status`` e.g. ``bad_request``).
        ``on_result(index, result)`` is called as each answer arrives."""
        items = [dict(i) for i in items]
        for i in items:
            i.setdefault("request_id", new_request_id())

        def one(idx: int) -> ScoreResult:
            item = dict(items[idx])
            task_id = item.pop("task_id")
            completion = item.pop("completion", None)
            try:
                r = self.score(task_id, completion, **item)
            except BaxError as e:
                r = ScoreResult.from_json({**e.body, "request_id": items[idx]["request_id"], "task_id": task_id})
            except Exception as e:  # noqa: BLE001 - answered, never lost
                r = _infra(items[idx]["request_id"], task_id, "client_error", f"{type(e).__name__}: {e}")
            if on_result is not None:
                on_result(idx, r)
            return r

        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="bax-pool") as ex:
            return list(ex.map(one, range(len(items))))

    # -- ending -----------------------------------------------------------------
    def shutdown(self, timeout: float = 150.0) -> None:
        """SIGTERM to every server this pool started (each drains: what is in
        flight is answered, new work gets 503 ``draining``), then ends the actors."""
        self._stop.set()
        self._watcher.join(timeout=5)
        if not ray.is_initialized():
            return
        # Dropped ones too (a dead node's actor answers with an error at once;
        # one dropped by the caller still has its server running).
        calls = [m.actor.stop.remote(timeout) for m in self._members]
        try:
            ray.wait(calls, num_returns=len(calls), timeout=timeout + 30)
        except Exception:  # noqa: BLE001 - a node died meanwhile: its server died with it
            pass
        for m in self._members:
            _stop_actor(m.actor, 0)

    def __enter__(self) -> "BaxPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"BaxPool({len(self.urls)} of {len(self._members)} servers in the pool)"


def _stop_actor(actor: Any, timeout: float) -> None:
    try:
        if timeout > 0:
            ray.get(actor.stop.remote(timeout), timeout=timeout + 10)
    except Exception:  # noqa: BLE001
        pass
    try:
        ray.kill(actor)
    except Exception:  # noqa: BLE001
        pass


def _infra(request_id: str, task_id: str, kind: str, error: str) -> ScoreResult:
    return ScoreResult.from_json(
        {"status": "infra_error", "kind": kind, "error": error, "request_id": request_id, "task_id": task_id}
    )
