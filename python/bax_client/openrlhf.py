"""bax as OpenRLHF's remote reward: an HTTP bridge, or a ``reward_func`` file.

    # 1. a bridge: OpenRLHF's remote RM protocol in front of `bax serve`
    python -m bax_client.openrlhf --port 5000 --bax-url http://127.0.0.1:8000
    ... --reward.remote_url http://127.0.0.1:5000/get_reward --data.label_key task_id

    # 2. or no extra process: OpenRLHF loads reward_func from this file
    ... --reward.remote_url "$(python -c 'import bax_client.openrlhf as m; print(m.__file__)')"

No dependency on OpenRLHF (nor on anything outside the standard library). The
interface followed is OpenRLHF 0.11.0's, as read in OpenRLHF/OpenRLHF at commit
3c3be62 (tag v0.11.0): ``openrlhf/utils/agent.py`` (``SingleTurnAgentExecutor``),
``openrlhf/cli/serve_rm.py``, ``openrlhf/cli/train_ppo_ray.py``,
``openrlhf/trainer/ppo_utils/samples_generator.py``,
``openrlhf/trainer/ppo_utils/experience_maker.py``,
``openrlhf/datasets/prompts_dataset.py``, ``examples/python/reward_func.py``:

* The flag is ``--reward.remote_url`` (since 0.10.2; ``--remote_rm_url`` before),
  a comma-separated list of URLs, or one path ending in ``.py``.
* HTTP: after each generation OpenRLHF POSTs ``{"query": [q], "prompts": [p],
  "labels": [l]}`` (one sample: ``q`` is the decoded prompt + response, special
  tokens kept; ``p`` the prompt string; ``l`` the dataset's ``--data.label_key``
  column, so put the task id there). With several URLs, the first gets the
  sample and the others an empty list. It expects a JSON object ``{"rewards":
  [...], "scores": [...], "extra_logs": {...}}`` (``scores`` defaults to
  ``rewards``; ``scores`` feed dynamic filtering, ``extra_logs`` values are
  logged). aiohttp with a 180 s total timeout, ``raise_for_status``, 5 tries 1 s
  apart, then the sample has no reward.
* File: ``reward_func(queries, prompts, labels)`` loaded with
  ``spec_from_file_location`` (so this module imports ``bax_client`` absolutely),
  called on a worker thread per sample (no timeout), returning the same dict.
* There is no mask: a sample whose reward could not be fetched keeps
  ``reward=None``, and the experience maker then fails (``reward_model_group is
  required`` / a ``None`` in ``torch.cat``). The one way OpenRLHF drops
  rollouts is dynamic filtering (``--algo.dynamic_filtering_enable``,
  ``--algo.dynamic_filtering_range LO HI``, default 0 1): a prompt's group is
  dropped, and a new prompt drawn, when the mean of its ``scores`` is not
  strictly inside the range.

Infra errors (bax could not score: no runtime, sandbox failure, deadline, bax
unreachable or overloaded) are retried ``infra_retries`` times (transient kinds,
default 2, each under a new request id), then handled by ``on_infra_error``:

* ``fail`` (default): the bridge answers HTTP 503 ``{"status": "infra_error",
  "kind", "error"}`` (OpenRLHF tries 4 more times, then the step fails);
  ``reward_func`` raises :class:`bax_client.InfraError` (same end). Loud, and
  never a made-up reward.
* ``filter``: answers ``rewards: [NaN]`` and ``scores: [-1e6]``. With dynamic
  filtering on (any range whose low end is 0 or more, like the default 0 1),
  the sample's whole group is dropped and replaced: the rollout is masked. With
  dynamic filtering off, the NaN shows in the logged rewards and loss rather
  than being trained on silently as a 0.

``extra_logs`` carries ``bax_functional_pass_rate``, ``bax_security_pass_rate``
and ``bax_infra_error`` per sample.

The bridge answers a repeated body (OpenRLHF's retry after its 180 s timeout)
from the scoring already in flight or just finished, instead of scoring it again.
``GET /healthz`` reports the bridge and bax's health. Configuration of the file
variant: ``$BAX_URL``, ``$BAX_TOKEN``, ``$BAX_OPENRLHF_ON_INFRA_ERROR``,
``$BAX_OPENRLHF_INFRA_RETRIES`` (set them in Ray's ``runtime_env`` ``env_vars``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Sequence, Tuple

try:
    import bax_client  # noqa: F401
except ImportError:  # loaded by file path from a checkout (--reward.remote_url …/openrlhf.py)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bax_client import BaxClient, BaxError, InfraError, ScoreResult
from bax_client.trl import score_rollouts

__all__ = ["BaxRemoteRM", "FILTER_SCORE", "main", "make_server", "parse_args", "response_of", "reward_func", "task_of"]

FILTER_SCORE = -1e6
"""The ``scores`` value of an infra error in ``filter`` mode: far below any
dynamic-filtering range, so its group's mean falls outside it."""

# Markers a decode with skip_special_tokens=False leaves after the answer.
_END_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "</s>", "<｜end▁of▁sentence｜>", "<eos>")


def response_of(query: str, prompt: Optional[str]) -> str:
    """The model's response in OpenRLHF's ``query`` (prompt + response, decoded
    with special tokens): the text after the prompt, end-of-turn markers cut."""
    q = query or ""
    p = prompt or ""
    if p and q.startswith(p):
        r = q[len(p):]
    elif p:
        # The prompt does not round-trip through the tokenizer exactly (a BOS
        # token, spacing): take what follows the first occurrence of its tail.
        tail = p[-200:]
        i = q.find(tail)
        if i < 0 and tail.strip():
            tail = tail.strip()
            i = q.find(tail)
        r = q[i + len(tail):] if i >= 0 else q
        if i >= 0 and tail != p[-200:]:
            r = r.lstrip()
    else:
        r = q
    r = r.rstrip()
    changed = True
    while changed:
        changed = False
        for m in _END_MARKERS:
            if r.endswith(m):
                r = r[: -len(m)].rstrip()
                changed = True
    return r


def task_of(label: Any) -> Dict[str, str]:
    """``{task_id, spec_type, safety_prompt}`` of an OpenRLHF label: a task id,
    or a JSON object / dict with ``task_id`` (and optionally the prompt variant)."""
    v = label
    if isinstance(v, str) and v.lstrip().startswith("{"):
        try:
            v = json.loads(v)
        except ValueError:
            pass
    if isinstance(v, dict):
        task_id = v.get("task_id")
        spec, safety = v.get("spec_type"), v.get("safety_prompt")
    else:
        task_id, spec, safety = v, None, None
    if not task_id or not isinstance(task_id, str):
        raise ValueError(
            f"the label must be a bax task id (e.g. 'Calculator-Python-Flask') or a JSON object with task_id, "
            f"not {label!r}: pass --data.label_key task_id"
        )
    return {"task_id": task_id, "spec_type": spec or "openapi", "safety_prompt": safety or "none"}


class BaxRemoteRM:
    """Scores OpenRLHF remote-RM requests with `bax serve`."""

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        on_infra_error: str = "fail",
        infra_retries: int = 2,
        concurrency: int = 64,
        deadline_s: Optional[float] = None,
        timeout: float = 3600.0,
        client: Optional[BaxClient] = None,
    ):
        if on_infra_error not in ("fail", "filter"):
            raise ValueError("on_infra_error must be 'fail' or 'filter'")
        self.client = client or BaxClient(url, timeout=timeout, token=token)
        self.on_infra_error = on_infra_error
        self.infra_retries = max(0, int(infra_retries))
        self.concurrency = max(1, int(concurrency))
        self.deadline_s = deadline_s

    def score(self, queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any]) -> List[ScoreResult]:
        """bax's results for each sample, in order (infra errors returned)."""
        queries, prompts, labels = list(queries or []), list(prompts or []), list(labels or [])
        if not (len(queries) == len(labels) and len(prompts) in (0, len(queries))):
            raise ValueError(
                f"query, prompts and labels must have the same length ({len(queries)}, {len(prompts)}, {len(labels)})"
            )
        items = []
        for i, q in enumerate(queries):
            p = prompts[i] if prompts else None
            items.append({**task_of(labels[i]), "completion": response_of(q, p if isinstance(p, str) else None)})
        return score_rollouts(self.client, items, self.concurrency, self.deadline_s, self.infra_retries)

    def answer(self, results: List[ScoreResult]) -> Dict[str, Any]:
        """OpenRLHF's answer for ``results``; raises InfraError in ``fail`` mode
        when one of them is an infra error."""
        bad = [r for r in results if not r.ok]
        if bad and self.on_infra_error == "fail":
            raise InfraError(bad[0].raw)
        rewards, scores = [], []
        for r in results:
            rewards.append(float(r.reward) if r.ok else math.nan)
            scores.append(float(r.reward) if r.ok else FILTER_SCORE)
        return {
            "rewards": rewards,
            "scores": scores,
            "extra_logs": {
                "bax_functional_pass_rate": [float(r.functional_pass_rate or 0.0) if r.ok else math.nan for r in results],
                "bax_security_pass_rate": [float(r.security_pass_rate or 0.0) if r.ok else math.nan for r in results],
                "bax_infra_error": [0.0 if r.ok else 1.0 for r in results],
            },
        }

    def __call__(self, queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any], **kwargs: Any) -> Dict[str, Any]:
        return self.answer(self.score(queries, prompts, labels))


_default: Optional[Tuple[Tuple[Optional[str], ...], BaxRemoteRM]] = None
_default_lock = threading.Lock()
_ENV = ("BAX_URL", "BAX_TOKEN", "BAX_TOKEN_FILE", "BAX_OPENRLHF_ON_INFRA_ERROR", "BAX_OPENRLHF_INFRA_RETRIES")


def reward_func(queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any], **kwargs: Any) -> Dict[str, Any]:
    """OpenRLHF's file reward function (``--reward.remote_url <this file>``),
    against ``$BAX_URL`` with ``$BAX_TOKEN``; ``$BAX_OPENRLHF_ON_INFRA_ERROR``
    (fail | filter) and ``$BAX_OPENRLHF_INFRA_RETRIES`` (default 2)."""
    global _default
    env = tuple(os.environ.get(k) for k in _ENV)
    with _default_lock:
        if _default is None or _default[0] != env:  # made on first use, again if the environment changed
            rm = BaxRemoteRM(
                on_infra_error=os.environ.get("BAX_OPENRLHF_ON_INFRA_ERROR") or "fail",
                infra_retries=int(os.environ.get("BAX_OPENRLHF_INFRA_RETRIES") or "2"),
            )
            _default = (env, rm)
        rm = _default[1]
    return rm(queries, prompts, labels)


# --- the HTTP bridge -----------------------------------------------------------------


class _SingleFlight:
    """Requests with the same body share one scoring while it runs; an answer
    that is a reward is kept ``ttl`` seconds for a retry that comes late."""

    def __init__(self, ttl: float = 900.0, size: int = 4096):
        self.ttl = ttl
        self.size = size
        self.lock = threading.Lock()
        self.running: Dict[str, Future] = {}
        self.done: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()

    def run(self, key: str, fn):
        with self.lock:
            now = time.monotonic()
            hit = self.done.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                return hit[1]
            fut = self.running.get(key)
            owner = fut is None
            if owner:
                fut = self.running[key] = Future()
        if not owner:
            return fut.result()
        try:
            value = fn()
        except BaseException as e:
            with self.lock:
                self.running.pop(key, None)
            fut.set_exception(e)
            raise
        with self.lock:
            self.running.pop(key, None)
            if all(r.ok for r in value):
                self.done[key] = (time.monotonic(), value)
                while len(self.done) > self.size:
                    self.done.popitem(last=False)
        fut.set_result(value)
        return value


def make_server(rm: BaxRemoteRM, host: str = "127.0.0.1", port: int = 5000, quiet: bool = False) -> ThreadingHTTPServer:
    """The bridge (not yet serving): POST any path with OpenRLHF's remote RM body."""
    flight = _SingleFlight()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, code: int, body: Dict[str, Any]) -> None:
            data = json.dumps(body).encode()  # NaN is written as NaN, which json.loads (aiohttp) reads
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/") not in ("/healthz", "/health", ""):
                return self._send(404, {"status": "not_found", "error": "POST the remote RM body to any path"})
            try:
                bax = rm.client.health()
            except Exception as e:  # bax down: the bridge still answers
                return self._send(503, {"status": "unhealthy", "bax_url": rm.client.url, "error": str(e)})
            self._send(200, {"status": "ok", "bax_url": rm.client.url, "bax": bax})

        def do_POST(self) -> None:  # noqa: N802
            try:
                n = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                queries = body.get("query", body.get("queries")) or []
                prompts = body.get("prompts") or []
                labels = body.get("labels") or []
                if not all(isinstance(x, list) for x in (queries, prompts, labels)):
                    raise ValueError('expected {"query": [...], "prompts": [...], "labels": [...]}')
                for lab in labels:
                    task_of(lab)
            except (ValueError, TypeError) as e:
                return self._send(400, {"status": "bad_request", "error": str(e)})
            key = hashlib.sha256(json.dumps([queries, prompts, labels], sort_keys=True).encode()).hexdigest()
            try:
                results = flight.run(key, lambda: rm.score(queries, prompts, labels))
                answer = rm.answer(results)
            except InfraError as e:
                return self._send(503, {"status": "infra_error", "kind": e.kind, "error": str(e)})
            except BaxError as e:  # bax refused the request (unknown task, …): not worth retrying
                return self._send(400, {"status": "bad_request", "error": str(e)})
            except ValueError as e:
                return self._send(400, {"status": "bad_request", "error": str(e)})
            except Exception as e:  # a bug
                return self._send(500, {"status": "error", "error": f"{type(e).__name__}: {e}"})
            self._send(200, answer)

        def log_message(self, fmt: str, *args: Any) -> None:
            if not quiet:
                sys.stderr.write("bax openrlhf bridge: %s %s\n" % (self.address_string(), fmt % args))

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The bridge's command line (``python -m bax_client.openrlhf --help``)."""
    ap = argparse.ArgumentParser(
        prog="python -m bax_client.openrlhf",
        description="OpenRLHF remote reward model (--reward.remote_url) backed by `bax serve`.",
    )
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=5000, help="port (0: any free one; the URL is printed)")
    ap.add_argument("--bax-url", default=None, help="bax serve's URL (default $BAX_URL, else http://127.0.0.1:8000)")
    ap.add_argument("--on-infra-error", choices=("fail", "filter"), default="fail")
    ap.add_argument("--infra-retries", type=int, default=2, help="retries of a transient infra error (default 2)")
    ap.add_argument("--concurrency", type=int, default=64, help="samples of one request scored at once")
    ap.add_argument("--deadline-s", type=float, default=None, help="bax's per-rollout deadline")
    ap.add_argument("--quiet", action="store_true", help="no access log on stderr")
    return ap.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    a = parse_args(argv)
    # The bearer token comes from $BAX_TOKEN or $BAX_TOKEN_FILE, never from argv.
    rm = BaxRemoteRM(
        a.bax_url,
        on_infra_error=a.on_infra_error,
        infra_retries=a.infra_retries,
        concurrency=a.concurrency,
        deadline_s=a.deadline_s,
    )
    server = make_server(rm, a.host, a.port, quiet=a.quiet)
    host, port = server.server_address[:2]
    print(f"bax openrlhf bridge: listening on http://{host}:{port} (bax: {rm.client.url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
