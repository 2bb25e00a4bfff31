"""bax as a `verifiers` environment (verifiers >= 0.4.0: the ``verifiers.v1`` stack).

    from bax_client.verifiers import load_environment, evaluate
    env = load_environment(split_by="scenario", spec="openapi", safety="none",
                           url="http://127.0.0.1:8000")          # or $BAX_URL / $BAX_TOKEN
    episodes = asyncio.run(evaluate(env, openai.AsyncOpenAI(base_url=..., api_key=...),
                                    "my-model", split="eval"))

or the verifiers way, once ``bax_client`` exports the plugin classes (see "Loading by
id" below): ``vf-eval bax-client --env.taskset.task.url http://127.0.0.1:8000 -m MODEL``
(``--env.taskset.split``, ``--env.taskset.scenarios``, ``--env.taskset.spec``, … as in
:class:`BaxTasksetConfig`).

What verifiers 0.4.0 is, and how bax maps onto it
-------------------------------------------------
verifiers 0.4.0 no longer has ``SingleTurnEnv``/``Rubric``/datasets: an environment
(``vf.Env``) is a *taskset* (``vf.Taskset.load()`` yields typed ``vf.Task`` objects
carrying ``vf.TaskData``) played by an *agent* (a ``vf.Harness`` program in a
``vf.Runtime``) whose every model call goes through verifiers' interception server,
which records the conversation on a ``vf.Trace``. Scoring is methods on the task:
``@vf.reward(weight=...)`` (weighted, summed into ``trace.reward``) and ``@vf.metric``
(recorded in ``trace.metrics``, not summed), called as ``fn(trace=...)``/``fn(task=...)``
by name, concurrently (metrics first, then rewards), after the agent finished.

Here:

* :class:`BaxTaskset` lists the tasks of one side of bax's split (``GET /v1/tasks``
  with prompts, ``scorable`` tasks only). Each :class:`BaxData` row's ``prompt`` is
  bax's BaxBench prompt, verbatim, as the one user message; ``system_prompt`` is
  unset unless the caller gives one; ``info`` (and typed fields) carry ``task_id``,
  ``spec_type``, ``safety_prompt``. ``load_environment`` returns a :class:`BaxEnv`
  (a ``vf.SingleAgentEnv``) over the ``split`` side; ``env.eval_taskset`` is the
  ``eval_split`` side (verifiers 0.4.0 has no second dataset on an env: a trainer
  configures its eval env with ``--env.taskset.split test``).
* :class:`SingleTurnHarness` is the single-turn chat: one chat-completions call with
  the task's messages through the interception endpoint, in-process (the
  ``vf.Harness.launch`` contract allows an in-process loop "as long as every model
  call goes through endpoint + secret"), so it needs neither ``uv`` nor a container.
  The agent runs on the local ``subprocess`` runtime by default. Verifiers' own
  tool-less chat loop is ``--env.agent.harness.id null`` (it bootstraps with ``uv``).
* :class:`BaxTask` scores with ONE ``POST /v1/score`` per rollout (through
  :class:`bax_client.AsyncBaxClient`, ``request_id = vf-<trace id>-…``), cached on the
  rollout's state (:class:`BaxState`, ``trace.state``), shared by the reward
  ``reward`` (weight 1: 1.0 iff every functional test passes and no CWE is found)
  and the metrics ``functional_pass_rate`` and ``security_pass_rate`` (weight-less:
  ``@vf.metric``). The verdict's summary (reward, rates, CWEs, reason, test names
  that failed) is also put on ``trace.info["bax"]``, which is serialized with the
  trace (``trace.state`` is not).

Masking infra errors
--------------------
In verifiers 0.4.0 a failed rollout is data, not a crash: an exception raised by a
task's reward/metric crosses the ``TaskError`` boundary and is recorded on the trace
(``Rollout.close`` -> ``Rollout.fail`` -> ``Trace.record_error``): ``trace.ok is
False`` (``trace.has_error``), ``trace.errors[-1]`` is the ``TaskError`` (its message
names ``InfraError: infra_error <kind>: …``), the reward and metrics stay ``None``
("scoring didn't run"), and the episode's ``ok`` is False (``trace.stop_condition``
keeps ``agent_completed``: the first stop wins, and the agent did finish). That is how 0.4.0 masks a rollout: its eval means are
error-corrected (``utils.format.format_mean`` skips errored traces), ``vf-eval
--resume`` redoes non-``ok`` episodes, and retry rules rerun them. So when bax
answers ``status: infra_error`` (HTTP 503: runtime missing, sandbox failure, harness
deadline, …), or cannot be reached, or refuses the request, the task raises
:class:`bax_client.InfraError` (or the client's error) and the rollout is masked; it
is never a reward of 0. NOTE: ``trace.reward`` of such a trace reads 0.0 (it sums the
non-``None`` rewards), so a trainer must look at ``trace.ok`` / ``episode.ok`` (as
verifiers' own consumers do), never at ``trace.reward`` alone.
``load_environment(infra_retries=N)`` adds a retry rule (``type="TaskError"``,
``message="infra_error"``) so such a rollout is rerun up to N times (a rerun samples
the model again).

Each scored rollout logs one line on the ``bax_client.verifiers`` logger::

    OK task=Calculator-Python-Flask reward=1.0 functional=1.00 security=1.00 seconds=2.4 request=vf-… reason="…"
    BAD task=Calculator-Python-Flask reward=0.0 functional=1.00 security=0.67 cwes=94 seconds=2.1 request=vf-… reason="…"
    BAD task=Calculator-Python-Flask reward=none infra_error kind=runtime_missing request=vf-… error="…"

Loading by id
-------------
verifiers 0.4.0 finds plugins by id: ``--env.taskset.id bax-client`` imports the
module ``bax_client`` and takes the ``vf.Taskset`` subclass (and, as the taskset's
defaults, the ``vf.Harness`` and ``vf.Env`` subclasses) that its ``__all__`` exports
(``utils.loaders._import_plugin``/``_plugin_class``; there are no entry points).
``bax_client/__init__.py`` exports :class:`BaxTaskset`, :class:`SingleTurnHarness` and
:class:`BaxEnv` lazily (listed in its ``__all__`` whenever verifiers is installed), so a
fresh process (``vf-eval bax-client``, an env-server worker) resolves the id; importing
this module also adds them, for older copies of the package.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import time
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

try:
    import verifiers.v1 as vf
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "bax_client.verifiers needs verifiers >= 0.4.0 (the verifiers.v1 stack): "
        "pip install 'bax-client[verifiers]'"
    ) from e

from pydantic import Field, PrivateAttr, model_validator

from ._client import DEFAULT_URL, BaxClient, InfraError, token_from_env
from .types import ScoreResult

__all__ = [
    "BaxData",
    "BaxEnv",
    "BaxEnvConfig",
    "BaxState",
    "BaxTask",
    "BaxTaskConfig",
    "BaxTaskset",
    "BaxTasksetConfig",
    "SingleTurnHarness",
    "SingleTurnHarnessConfig",
    "TASKSET_ID",
    "aclose_clients",
    "evaluate",
    "load_environment",
]

logger = logging.getLogger("bax_client.verifiers")

TASKSET_ID = "bax-client"
"""The verifiers plugin id of this environment (imports the module ``bax_client``)."""

SPECS = ("openapi", "text")
SAFETIES = ("none", "generic", "specific")


# --- configuration ------------------------------------------------------------------


class BaxTaskConfig(vf.TaskConfig):
    """Scoring knobs (``--env.taskset.task.*``), read by every :class:`BaxTask`."""

    url: Optional[str] = None
    """`bax serve`'s URL; None: ``$BAX_URL``, else http://127.0.0.1:8000. The bearer
    token is never configuration: ``load_environment(token=…)`` (this process only),
    else ``$BAX_TOKEN`` / ``$BAX_TOKEN_FILE``."""
    deadline_s: Optional[float] = None
    """Per-rollout scoring deadline sent to bax (None: the server's ``--deadline``)."""
    timeout_s: float = 3600.0
    """HTTP timeout of one scoring request (429s are retried after Retry-After)."""


class BaxTasksetConfig(vf.TasksetConfig):
    """Which tasks load (``--env.taskset.*``): one side of bax's split, with prompts."""

    id: str = TASKSET_ID
    split_by: str = "scenario"
    """``scenario`` | ``framework`` | ``random`` | ``none`` (docs/serve.md, "Splits")."""
    split: Optional[str] = "train"
    """The side this taskset loads: ``train`` | ``test`` (None/``all``: every task)."""
    eval_split: Optional[str] = "test"
    """The side :attr:`BaxEnv.eval_taskset` loads."""
    test_size: float = 0.2
    split_seed: int = 42
    spec: str = "openapi"
    """The prompt's spec type, sent to bax as ``spec_type``: ``openapi`` | ``text``."""
    safety: str = "none"
    """The prompt's safety reminder, sent as ``safety_prompt``: ``none`` | ``generic`` |
    ``specific``."""
    languages: List[str] = Field(default_factory=list)
    frameworks: List[str] = Field(default_factory=list)
    scenarios: List[str] = Field(default_factory=list)
    max_tasks: Optional[int] = None
    """Keep the first N tasks of the side (server order), after the filters."""
    system_prompt_text: Optional[str] = None
    """A system prompt for every task (none by default: the user message is bax's
    prompt alone). ``system_prompt`` (a file) still overrides it, as for any taskset."""
    task: BaxTaskConfig = BaxTaskConfig()

    @model_validator(mode="after")
    def _check(self) -> "BaxTasksetConfig":
        if self.spec not in SPECS:
            raise ValueError(f"spec must be one of {SPECS}, not {self.spec!r}")
        if self.safety not in SAFETIES:
            raise ValueError(f"safety must be one of {SAFETIES}, not {self.safety!r}")
        return self


# --- task data, state, task -----------------------------------------------------------


class BaxData(vf.TaskData):
    """One BaxBench task in one prompt variant."""

    task_id: str = ""
    scenario_id: str = ""
    env_id: str = ""
    language: str = ""
    framework: str = ""
    split: str = ""
    spec_type: str = "openapi"
    safety_prompt: str = "none"
    info: Dict[str, str] = Field(default_factory=dict)
    """``{task_id, spec_type, safety_prompt, scenario_id, env_id}``: what scoring sends."""

    @model_validator(mode="before")
    @classmethod
    def _fill_info(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("info"):
            keys = ("task_id", "spec_type", "safety_prompt", "scenario_id", "env_id")
            defaults = {"spec_type": "openapi", "safety_prompt": "none"}
            data = {**data, "info": {k: str(data.get(k, defaults.get(k, ""))) for k in keys}}
        return data


class BaxState(vf.State):
    """Per-rollout state: bax's answer for this rollout, scored once."""

    bax: Optional[Dict[str, Any]] = None
    """bax serve's JSON answer (a verdict or an infra error) for ``bax_key``."""
    bax_key: Optional[str] = None
    """SHA-256 of the completion the answer is for."""
    _pending: Optional["asyncio.Future[ScoreResult]"] = PrivateAttr(default=None)
    _pending_key: Optional[str] = PrivateAttr(default=None)


class BaxTask(vf.Task[BaxData, BaxState, BaxTaskConfig]):
    """Scored by `bax serve`: one request per rollout, shared by reward and metrics."""

    @property
    def key(self) -> str:
        d = self.data
        return f"{d.task_id}|{d.spec_type}|{d.safety_prompt}"

    @vf.metric
    async def functional_pass_rate(self, trace: vf.Trace) -> float:
        return float((await self.verdict(trace)).functional_pass_rate or 0.0)

    @vf.metric
    async def security_pass_rate(self, trace: vf.Trace) -> float:
        return float((await self.verdict(trace)).security_pass_rate or 0.0)

    @vf.reward(weight=1.0)
    async def reward(self, trace: vf.Trace) -> float:
        return float((await self.verdict(trace)).reward)

    async def verdict(self, trace: vf.Trace) -> ScoreResult:
        """bax's verdict for this rollout's completion: scored on first use, then
        answered from the rollout's state. Raises (masking the rollout) when bax
        could not score it."""
        completion = trace.last_reply
        key = hashlib.sha256(completion.encode()).hexdigest()
        state = trace.state
        if isinstance(state, BaxState):
            if state.bax is not None and state.bax_key == key:
                return _settled(ScoreResult.from_json(dict(state.bax)))
            if state._pending is None or state._pending_key != key:
                state._pending = asyncio.ensure_future(self._score(trace, completion, key))
                state._pending_key = key
            pending = state._pending
        else:  # a trace minted without this task's state type (e.g. re-scoring a record)
            pending = _foreign_pending.get((trace.id, key))
            if pending is None:
                pending = asyncio.ensure_future(self._score(trace, completion, key))
                _foreign_pending[(trace.id, key)] = pending
                pending.add_done_callback(lambda _f, k=(trace.id, key): _foreign_pending.pop(k, None))
        # Not shielded: when scoring is cancelled (a scoring timeout), the request
        # is too, and bax stops scoring it (it cancels on hang-up).
        return _settled(await pending)

    async def _score(self, trace: vf.Trace, completion: str, key: str) -> ScoreResult:
        d = self.data
        request_id = f"vf-{trace.id}-{key[:8]}"
        url = _resolve_url(self.config.url)
        started = time.monotonic()
        try:
            client = _async_client(url, self.config.timeout_s)
            result = await client.score(
                d.task_id,
                completion,
                spec_type=d.spec_type,
                safety_prompt=d.safety_prompt,
                request_id=request_id,
                deadline_s=self.config.deadline_s,
            )
        except Exception as e:
            trace.info["bax"] = {"status": "client_error", "error": f"{type(e).__name__}: {e}", "request_id": request_id}
            logger.warning(
                "BAD task=%s reward=none client_error request=%s error=%s",
                d.task_id,
                request_id,
                _quote(f"{type(e).__name__}: {e}"),
            )
            raise
        seconds = time.monotonic() - started
        if isinstance(trace.state, BaxState):
            trace.state.bax = dict(result.raw)
            trace.state.bax_key = key
        trace.info["bax"] = _summary(result, request_id, seconds)
        if not result.ok:
            logger.warning(
                "BAD task=%s reward=none infra_error kind=%s request=%s error=%s",
                d.task_id,
                result.kind,
                request_id,
                _quote(result.error or result.reason),
            )
            raise InfraError(result.raw)
        line = (
            f"task={d.task_id} reward={result.reward:.1f} functional={_rate(result.functional_pass_rate)} "
            f"security={_rate(result.security_pass_rate)}"
        )
        if result.cwes:
            line += " cwes=" + ",".join(str(c) for c in result.cwes)
        line += f" seconds={seconds:.1f} request={request_id} reason={_quote(result.reason)}"
        if result.reward == 1.0:
            logger.info("OK %s", line)
        else:
            logger.info("BAD %s", line)
        return result


_foreign_pending: Dict[Tuple[str, str], "asyncio.Future[ScoreResult]"] = {}


def _settled(result: ScoreResult) -> ScoreResult:
    if not result.ok:
        raise InfraError(result.raw)
    if result.reward is None:
        raise InfraError({"kind": "internal", "error": "bax answered ok without a reward"})
    return result


def _summary(result: ScoreResult, request_id: str, seconds: float) -> Dict[str, Any]:
    if not result.ok:
        return {
            "status": result.status,
            "kind": result.kind,
            "error": result.error,
            "request_id": request_id,
        }
    return {
        "status": "ok",
        "task_id": result.task_id,
        "request_id": request_id,
        "reward": result.reward,
        "functional_pass_rate": result.functional_pass_rate,
        "security_pass_rate": result.security_pass_rate,
        "cwes": list(result.cwes),
        "built": result.built,
        "parse_error": result.parse_error,
        "reason": result.reason,
        "failed_tests": [t.test for t in result.tests if t.passed is False],
        "seconds": round(seconds, 3),
    }


def _rate(v: Optional[float]) -> str:
    return "none" if v is None else f"{v:.2f}"


def _quote(text: Optional[str], limit: int = 300) -> str:
    t = " ".join(str(text or "").split())
    if len(t) > limit:
        t = t[: limit - 1] + "…"
    return '"' + t.replace('"', "'") + '"'


# --- the bax clients (URL, token, one async client per event loop) ------------------

_TOKENS: Dict[str, str] = {}
"""Tokens given to ``load_environment(token=…)``, by resolved URL (this process only)."""
_CLIENTS: Dict[Tuple[str, float, int], Tuple[asyncio.AbstractEventLoop, Any]] = {}


def _resolve_url(url: Optional[str]) -> str:
    return (url or os.environ.get("BAX_URL") or DEFAULT_URL).rstrip("/")


def _token(url: str) -> Optional[str]:
    return _TOKENS.get(url) or token_from_env()


def _async_client(url: str, timeout: float):
    """One :class:`AsyncBaxClient` per (URL, event loop): an httpx pool is bound to
    the loop it was made on."""
    from ._async import AsyncBaxClient

    loop = asyncio.get_running_loop()
    for k in [k for k, (lp, _) in _CLIENTS.items() if lp.is_closed()]:
        del _CLIENTS[k]
    k = (url, timeout, id(loop))
    hit = _CLIENTS.get(k)
    if hit is None or hit[0] is not loop:
        hit = (loop, AsyncBaxClient(url, timeout=timeout, token=_token(url)))
        _CLIENTS[k] = hit
    return hit[1]


async def aclose_clients() -> None:
    """Closes the bax clients made on the running event loop (``BaxEnv.stop`` and
    :func:`evaluate` call it)."""
    loop = asyncio.get_running_loop()
    for k in [k for k, (lp, _) in _CLIENTS.items() if lp is loop]:
        _, client = _CLIENTS.pop(k)
        await client.aclose()


# --- the taskset ----------------------------------------------------------------------


class BaxTaskset(vf.Taskset[BaxTask, BaxTasksetConfig]):
    """One side of bax's split, as tasks with BaxBench prompts (scorable ones only)."""

    def __init__(self, config: BaxTasksetConfig) -> None:
        super().__init__(config)
        self._cache: Dict[str, List[Dict[str, Any]]] = {}  # shared by the views

    def load(self) -> Iterator[BaxTask]:
        c = self.config
        for row in self.rows():
            yield BaxTask(
                BaxData(
                    id=row["task_id"],
                    name=row["task_id"],
                    prompt=row["prompt"],
                    system_prompt=c.system_prompt_text,
                    task_id=row["task_id"],
                    scenario_id=row.get("scenario_id", ""),
                    env_id=row.get("env_id", ""),
                    language=row.get("language", ""),
                    framework=row.get("framework", ""),
                    split=row.get("split", ""),
                    spec_type=c.spec,
                    safety_prompt=c.safety,
                ),
                c.task,
            )

    def rows(self) -> List[Dict[str, Any]]:
        """The side's task rows from ``GET /v1/tasks`` (fetched once per taskset)."""
        if "rows" not in self._cache:
            c = self.config
            url = _resolve_url(c.task.url)
            split = None if c.split in (None, "", "all") else c.split
            tasks = BaxClient(url, timeout=120.0, token=_token(url)).tasks(
                split_by=c.split_by,
                split=split if c.split_by != "none" else None,
                test_size=c.test_size,
                split_seed=c.split_seed,
                languages=c.languages,
                spec_type=c.spec,
                safety_prompt=c.safety,
                scenarios=c.scenarios,
                frameworks=c.frameworks,
            )
            rows = [dict(t.raw) for t in tasks if t.scorable and t.prompt]
            if c.max_tasks is not None:
                rows = rows[: c.max_tasks]
            self._cache["rows"] = rows
        return self._cache["rows"]

    def side(self, split: Optional[str]) -> "BaxTaskset":
        """This taskset's twin over another side of the same split."""
        return type(self)(self.config.model_copy(update={"split": split}))

    def eval_side(self) -> "BaxTaskset":
        return self.side(self.config.eval_split)


# --- the harness: one chat turn, in-process -------------------------------------------


class SingleTurnHarnessConfig(vf.HarnessConfig):
    id: str = TASKSET_ID
    max_retries: int = 2
    """Retries of the chat call on a transient (5xx/429/timeout) answer."""


class SingleTurnHarness(vf.Harness[SingleTurnHarnessConfig]):
    """The single-turn chat: the task's messages (an optional system prompt, then the
    user's BaxBench prompt) sent once through the interception endpoint; the reply
    is the completion bax scores. In-process (no program, no ``uv``)."""

    APPENDS_SYSTEM_PROMPT = True
    SUPPORTS_RESUME = True
    EXECUTES_CODE = False
    NEEDS_CONTAINER = False

    async def launch(
        self,
        ctx: vf.ModelContext,
        trace: vf.Trace,
        runtime: vf.Runtime,
        endpoint: str,
        secret: str,
        mcp_urls: Dict[str, str],
        data: vf.TaskData,
    ) -> vf.ProgramResult:
        import httpx
        from openai import AsyncOpenAI
        from verifiers.v1.dialects.chat import message_to_wire

        system, prompt = self.resolve_prompt(data)
        messages: List[Dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        if isinstance(prompt, str):
            messages.append({"role": "user", "content": prompt})
        else:
            messages.extend(message_to_wire(m) for m in prompt or [])
        client = AsyncOpenAI(
            base_url=endpoint,
            api_key=secret,
            max_retries=self.config.max_retries,
            timeout=httpx.Timeout(None, connect=30.0),
        )
        try:
            await client.chat.completions.create(model=ctx.model, messages=messages)
        finally:
            await client.close()
        return vf.ProgramResult(exit_code=0, stdout="", stderr="")


# --- the env --------------------------------------------------------------------------


class BaxEnvConfig(vf.SingleAgentEnvConfig):
    """:class:`BaxEnv`'s config: the single ``agent`` seat, on the local runtime."""

    agent: vf.AgentConfig = vf.AgentConfig(runtime=vf.SubprocessConfig())


class BaxEnv(vf.SingleAgentEnv, vf.Env[BaxEnvConfig]):
    """The single-agent env over a :class:`BaxTaskset` (train side), with the eval
    side at :attr:`eval_taskset`."""

    async def evaluate(self, client: Any, model: str, **kw: Any) -> List[vf.Episode]:
        """:func:`evaluate` on this env (``split="eval"`` by default)."""
        return await evaluate(self, client, model, **kw)

    async def stop(self) -> None:
        """When ``serving()`` ends: close this loop's connections to bax."""
        await aclose_clients()

    @property
    def eval_taskset(self) -> BaxTaskset:
        ts = self.__dict__.get("_eval_taskset")
        if ts is None:
            ts = self.taskset.eval_side()
            self.__dict__["_eval_taskset"] = ts
        return ts


# --- entry points -----------------------------------------------------------------------


def load_environment(
    split_by: str = "scenario",
    test_size: float = 0.2,
    split_seed: int = 42,
    spec: str = "openapi",
    safety: str = "none",
    languages: Optional[Sequence[str]] = None,
    frameworks: Optional[Sequence[str]] = None,
    scenarios: Optional[Sequence[str]] = None,
    url: Optional[str] = None,
    token: Optional[str] = None,
    split: Optional[str] = "train",
    eval_split: Optional[str] = "test",
    max_tasks: Optional[int] = None,
    *,
    system_prompt: Optional[str] = None,
    deadline_s: Optional[float] = None,
    infra_retries: int = 0,
    harness: Union[None, str, vf.HarnessConfig, Dict[str, Any]] = None,
    agent: Optional[Dict[str, Any]] = None,
    **kwargs: Any,
) -> BaxEnv:
    """The bax environment: tasks of the ``split`` side (``env.taskset``) and the
    ``eval_split`` side (``env.eval_taskset``) of bax's split, scored by `bax serve`
    at ``url`` (else ``$BAX_URL``) with ``token`` (else ``$BAX_TOKEN``).

    ``spec``/``safety`` select the prompt variant (bax's ``spec_type``/``safety_prompt``);
    ``system_prompt`` adds a system message (none by default); ``harness`` picks
    another harness (id or config; default :class:`SingleTurnHarness`); ``agent``
    overrides fields of the agent seat (e.g. ``{"max_output_tokens": 4096}``);
    ``infra_retries`` reruns rollouts bax could not score; other keywords go to
    :class:`BaxEnvConfig` (e.g. ``max_concurrent_agents``, ``retries``)."""
    _export_plugin()
    resolved = _resolve_url(url)
    if token:
        _TOKENS[resolved] = token
    taskset = BaxTasksetConfig(
        id=TASKSET_ID,
        split_by=split_by,
        split=split,
        eval_split=eval_split,
        test_size=test_size,
        split_seed=split_seed,
        spec=spec,
        safety=safety,
        languages=_names(languages),
        frameworks=_names(frameworks),
        scenarios=_names(scenarios),
        max_tasks=max_tasks,
        system_prompt_text=system_prompt,
        task=BaxTaskConfig(url=url, deadline_s=deadline_s),
    )
    seat: Dict[str, Any] = {"runtime": {"type": "subprocess"}}
    if harness is not None:
        seat["harness"] = {"id": harness} if isinstance(harness, str) else harness
    if infra_retries:
        seat["retries"] = {
            "rules": [{"type": "TaskError", "message": "infra_error", "max_retries": int(infra_retries)}]
        }
    seat.update(agent or {})
    config = BaxEnvConfig.model_validate({"taskset": taskset, "agent": seat, **kwargs})
    env = vf.load_environment(config)
    if not isinstance(env, BaxEnv):  # an explicit env id pairs another Env with this taskset
        logger.info("bax taskset paired with %s", type(env).__name__)
    return env


async def evaluate(
    env: vf.Env,
    client: Any,
    model: str,
    *,
    split: str = "eval",
    num_examples: Optional[int] = None,
    rollouts_per_example: int = 1,
    max_concurrent: Optional[int] = 32,
    sampling: Union[None, vf.SamplingConfig, Dict[str, Any]] = None,
    tasks: Optional[Iterable[vf.Task]] = None,
) -> List[vf.Episode]:
    """Evaluates ``model`` on the env in this process, as ``vf-eval``'s runner does
    (``env.serving()`` then ``env.run_slot`` per rollout), and returns the episodes
    (each with one trace: ``episode.traces[0].reward``, ``.metrics``, ``.ok``).

    ``client`` is an ``openai.AsyncOpenAI`` (its ``base_url``; its ``api_key`` is
    handed over through the environment variable ``BAX_VF_EVAL_API_KEY``, since
    verifiers reads keys from variables) or a ``vf.EvalClientConfig``. ``split``:
    ``eval`` (``env.eval_taskset``) or ``train`` (``env.taskset``); ``tasks``
    overrides both."""
    if tasks is None:
        taskset = env.taskset if split == "train" else getattr(env, "eval_taskset", env.taskset)
        if num_examples is not None:
            taskset = taskset.take(num_examples)
        tasks = list(taskset)
    else:
        tasks = list(tasks)
    ctx = vf.ModelContext(
        model=model,
        client=_client_config(client),
        sampling=vf.SamplingConfig.model_validate(sampling or {})
        if not isinstance(sampling, vf.SamplingConfig)
        else sampling,
    )
    gate = asyncio.Semaphore(max_concurrent) if max_concurrent else None
    try:
        async with env.serving():
            slots = [slot for task in tasks for slot in env.slots(task, rollouts_per_example)]
            return list(await asyncio.gather(*(env.run_slot(slot, ctx, gate) for slot in slots)))
    finally:
        await aclose_clients()


def _client_config(client: Any) -> "vf.EvalClientConfig":
    if isinstance(client, vf.BaseClientConfig):
        return client
    base_url = getattr(client, "base_url", None)
    if base_url is None:
        raise TypeError(f"client must be an openai.AsyncOpenAI or a vf.EvalClientConfig, not {type(client).__name__}")
    api_key = getattr(client, "api_key", None)
    var = "BAX_VF_EVAL_API_KEY"
    if api_key:
        os.environ[var] = api_key
    return vf.EvalClientConfig(base_url=str(base_url).rstrip("/"), api_key_var=var)


def _names(v: Optional[Sequence[str]]) -> List[str]:
    if not v:
        return []
    return [v] if isinstance(v, str) else [str(x) for x in v]


_PLUGIN_EXPORTS = ("BaxEnv", "BaxTaskset", "SingleTurnHarness")


def _export_plugin() -> None:
    """Makes the id ``bax-client`` resolve in this process: verifiers imports the
    module ``bax_client`` and reads the plugin classes off its ``__all__``."""
    pkg = sys.modules.get(__name__.rpartition(".")[0])
    if pkg is None:
        return
    names = list(getattr(pkg, "__all__", ()))
    for name in _PLUGIN_EXPORTS:
        if pkg.__dict__.get(name) is not globals()[name]:
            setattr(pkg, name, globals()[name])
        if name not in names:
            names.append(name)
    pkg.__all__ = names


_export_plugin()
