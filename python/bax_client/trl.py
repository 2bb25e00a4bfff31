"""bax as a reward function for TRL's ``GRPOTrainer`` (no dependency on TRL).

    from trl import GRPOConfig, GRPOTrainer
    from bax_client.trl import dataset, reward_func

    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-Coder-7B-Instruct",
        reward_funcs=reward_func(),                     # $BAX_URL, $BAX_TOKEN
        train_dataset=dataset(split_by="scenario", split="train"),
        args=GRPOConfig(output_dir="bax-grpo", num_generations=8),
    )

The interface followed is TRL 1.x's, as read in huggingface/trl at commit f2cd577
(version 1.10.0.dev0): ``trl/trainer/grpo_trainer.py`` (``_calculate_rewards``,
``_generate_and_score_completions``), ``trl/trainer/utils.py``
(``get_callable_name``) and ``docs/source/grpo_trainer.md`` ("Using a custom
reward function"):

* A reward function is called with keywords only: ``prompts``, ``completions``,
  ``completion_ids``, every dataset column except ``prompt`` (one value per
  completion, already repeated ``num_generations`` times, so ``task_id`` arrives
  as a list), and ``trainer_state``, ``log_extra(column, values)`` and
  ``log_metric(name, value)``. It returns one reward per completion.
* Completions are strings for a standard dataset and lists of messages
  (``[{"role": "assistant", "content": ...}]``) for a conversational one; the
  text scored here is the last assistant message's content.
* ``None`` is turned into NaN. A completion for which *every* reward function
  returned ``None`` is "unscorable": it is left out of its group's mean and std
  (``nanmean``/``nanstd``), its advantage is forced to 0 (so it does not move the
  policy), it is left out of the logged reward statistics, and TRL logs the
  warning "All reward functions returned None". That is how a rollout bax could
  not score (an infra error) is masked: this reward function returns ``None`` for
  it, never 0. (Combined with other reward functions, only bax's term is
  dropped for that completion: the others still count.)
* The name logged (``rewards/<name>/mean``) is ``getattr(f, "__name__",
  type(f).__name__)``; the callable returned by :func:`reward_func` has
  ``__name__ == "bax_reward"`` (or the ``name`` given).
* ``AsyncGRPOTrainer`` (trl.experimental) pickles reward functions into a spawned
  process, so the reward is a module-level class instance, not a closure.

Rollouts of one call are scored concurrently, each as its own ``POST
/v1/score`` (admitted on its own and retried after ``Retry-After`` on a 429),
each with a fresh ``request_id`` that the client reuses when it retries a lost
connection, so a retry is never scored twice.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from bax_client import BaxClient, Overloaded, ScoreResult, new_request_id
from bax_client._client import chat_messages, scorable_tasks

__all__ = ["BaxReward", "TRANSIENT", "completion_text", "dataset", "reward_func", "rows", "score_one", "score_rollouts"]

logger = logging.getLogger("bax_client.trl")

# Infra error kinds worth trying again (the others are permanent: a runtime that
# is not provisioned, a scenario without tests, a bug).
TRANSIENT = frozenset({"sandbox_failed", "timeout_harness", "host_too_busy", "cancelled"})


class BaxReward:
    """TRL reward function scoring each completion with `bax serve`.

    ``__call__(prompts, completions, **kwargs) -> list[float | None]``: 1.0 iff
    every functional test passes and no CWE is found, 0.0 otherwise (including
    answers without code), ``None`` when bax could not score the rollout.
    ``last_results`` holds the :class:`~bax_client.ScoreResult` of the last call.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        name: str = "bax_reward",
        task_id_column: str = "task_id",
        spec_type: str = "openapi",
        safety_prompt: str = "none",
        concurrency: int = 64,
        deadline_s: Optional[float] = None,
        infra_retries: int = 0,
        timeout: float = 3600.0,
        log: bool = True,
    ):
        self.__name__ = name
        self.client = BaxClient(url, timeout=timeout, token=token)
        self.task_id_column = task_id_column
        self.spec_type = spec_type
        self.safety_prompt = safety_prompt
        self.concurrency = max(1, int(concurrency))
        self.deadline_s = deadline_s
        self.infra_retries = max(0, int(infra_retries))
        self.log = log
        self.last_results: List[ScoreResult] = []

    def __repr__(self) -> str:
        return f"BaxReward({self.client.url!r}, name={self.__name__!r})"

    def __getstate__(self) -> Dict[str, Any]:  # pickled into AsyncGRPOTrainer's worker: no results
        state = dict(self.__dict__)
        state["last_results"] = []
        return state

    def __call__(self, prompts: Any = None, completions: Any = None, **kwargs: Any) -> List[Optional[float]]:
        completions = list(completions or [])
        n = len(completions)
        task_ids = _column(kwargs, self.task_id_column, n)
        if task_ids is None:
            raise ValueError(
                f"bax_reward needs the dataset column {self.task_id_column!r} (one task id per prompt, e.g. "
                "'Calculator-Python-Flask'): build the dataset with bax_client.trl.dataset(), and keep "
                "GRPOConfig(remove_unused_columns=False), the default"
            )
        specs = _column(kwargs, "spec_type", n) or [self.spec_type] * n
        safeties = _column(kwargs, "safety_prompt", n) or [self.safety_prompt] * n
        items = [
            {
                "task_id": str(task_ids[i]),
                "completion": completion_text(completions[i]),
                "spec_type": specs[i] or self.spec_type,
                "safety_prompt": safeties[i] or self.safety_prompt,
            }
            for i in range(n)
        ]
        results = self.score(items)
        self.last_results = results
        rewards = [r.reward if r.ok else None for r in results]
        if self.log:
            self._log(results, kwargs.get("log_metric"), kwargs.get("log_extra"))
        return rewards

    def score(self, items: List[Dict[str, Any]]) -> List[ScoreResult]:
        """Scores ``items`` (``task_id``, ``completion``, ``spec_type``,
        ``safety_prompt``) concurrently, in order; infra errors are returned."""
        return score_rollouts(self.client, items, self.concurrency, self.deadline_s, self.infra_retries)

    def _log(self, results: List[ScoreResult], log_metric: Optional[Callable], log_extra: Optional[Callable]) -> None:
        ok = [r for r in results if r.ok]
        infra = [r for r in results if not r.ok]
        for r in infra:
            logger.warning("bax could not score %s (masked): infra_error %s: %s", r.task_id, r.kind, r.error)
        # The same keys on every call and every process (TRL gathers them).
        if callable(log_metric):
            log_metric(f"{self.__name__}/functional_pass_rate", _mean(r.functional_pass_rate for r in ok))
            log_metric(f"{self.__name__}/security_pass_rate", _mean(r.security_pass_rate for r in ok))
            log_metric(f"{self.__name__}/infra_errors", float(len(infra)))
        if callable(log_extra):
            log_extra("bax_reason", [r.reason if r.ok else f"infra_error {r.kind}: {r.error}" for r in results])
            log_extra("bax_cwes", [",".join(str(c) for c in r.cwes) for r in results])


def reward_func(url: Optional[str] = None, token: Optional[str] = None, **kw: Any) -> BaxReward:
    """A TRL ``GRPOTrainer`` reward function backed by `bax serve` at ``url``
    (default ``$BAX_URL``, else http://127.0.0.1:8000) with bearer ``token``
    (default ``$BAX_TOKEN``). Keywords: see :class:`BaxReward` (``name``,
    ``task_id_column``, ``spec_type``/``safety_prompt`` defaults when the dataset
    has no such columns, ``concurrency``, ``deadline_s``, ``infra_retries``)."""
    return BaxReward(url, token, **kw)


def rows(
    url: Optional[str] = None,
    token: Optional[str] = None,
    *,
    split_by: str = "scenario",
    split: Optional[str] = "train",
    test_size: float = 0.2,
    split_seed: int = 42,
    languages: Iterable[str] = (),
    frameworks: Iterable[str] = (),
    scenarios: Iterable[str] = (),
    spec_type: str = "openapi",
    safety_prompt: str = "none",
    conversational: bool = True,
    system_prompt: Optional[str] = None,
    client: Optional[BaxClient] = None,
) -> List[Dict[str, Any]]:
    """GRPO rows of one side of bax's split (scorable tasks only), as dicts:
    ``prompt`` (BaxBench's prompt as one user message, after an optional system
    message; a plain string when ``conversational=False``), ``task_id``,
    ``spec_type``, ``safety_prompt``, ``scenario_id``, ``env_id``, ``language``,
    ``framework``, ``split``."""
    tasks = scorable_tasks(
        client or BaxClient(url, token=token),
        split_by=split_by,
        split=split,
        test_size=test_size,
        split_seed=split_seed,
        languages=languages,
        frameworks=frameworks,
        scenarios=scenarios,
        spec_type=spec_type,
        safety_prompt=safety_prompt,
    )
    out = []
    for t in tasks:
        if conversational:
            prompt: Any = chat_messages(t.prompt, system_prompt)
        else:
            prompt = (system_prompt + "\n\n" + t.prompt) if system_prompt else t.prompt
        out.append(
            {
                "prompt": prompt,
                "task_id": t.task_id,
                "spec_type": spec_type,
                "safety_prompt": safety_prompt,
                "scenario_id": t.scenario_id,
                "env_id": t.env_id,
                "language": t.language,
                "framework": t.framework,
                "split": t.split,
            }
        )
    return out


def dataset(url: Optional[str] = None, token: Optional[str] = None, **kw: Any) -> Any:
    """:func:`rows` as a ``datasets.Dataset`` when the ``datasets`` package is
    importable (TRL depends on it), else as the list of dicts."""
    data = rows(url, token, **kw)
    try:
        import datasets  # type: ignore
    except ImportError:
        return data
    return datasets.Dataset.from_list(data)


def completion_text(completion: Any) -> str:
    """The text of one TRL completion: the string itself, or the content of the
    last assistant message of a conversational completion (content given as a
    string or as a list of ``{"type": "text", "text": ...}`` parts)."""
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content(completion.get("content"))
    if isinstance(completion, (list, tuple)):
        msgs = [m for m in completion if isinstance(m, dict)]
        for m in reversed(msgs):
            if m.get("role", "assistant") == "assistant" and _content(m.get("content")):
                return _content(m.get("content"))
        return ""
    return str(completion)


def _content(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, dict) and p.get("type", "text") == "text":
                parts.append(str(p.get("text") or ""))
        return "".join(parts)
    return str(content)


def _column(kwargs: Dict[str, Any], name: str, n: int) -> Optional[Sequence[Any]]:
    v = kwargs.get(name)
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        return [v] * n
    v = list(v)
    if len(v) != n:
        raise ValueError(f"column {name!r} has {len(v)} values for {n} completions")
    return v


def _mean(vals: Iterable[Optional[float]]) -> float:
    xs = [float(v) for v in vals if v is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def score_one(bax: BaxClient, item: Dict[str, Any], deadline_s: Optional[float] = None, retries: int = 0) -> ScoreResult:
    """One rollout; a transient infra error is tried again ``retries`` times, each
    time under a new request id (the same id would be answered from the server's
    idempotency window). A server that stays unreachable, or whose queue stays
    full through every retry, is an infra error too (kinds ``unreachable``,
    ``overloaded``); a 4xx (unknown task, malformed request) raises."""
    attempt = 0
    while True:
        try:
            r = bax.score(
                item["task_id"],
                item.get("completion", ""),
                spec_type=item.get("spec_type") or "openapi",
                safety_prompt=item.get("safety_prompt") or "none",
                request_id=new_request_id(),
                deadline_s=deadline_s,
            )
        except (OSError, Overloaded) as e:  # unreachable (URLError, timeouts), or 429 for every retry
            kind = "overloaded" if isinstance(e, Overloaded) else "unreachable"
            r = ScoreResult.from_json(
                {"status": "infra_error", "kind": kind, "task_id": item["task_id"], "error": f"{type(e).__name__}: {e}"}
            )
        if r.ok or attempt >= retries or r.kind not in TRANSIENT | {"unreachable", "overloaded"}:
            return r
        attempt += 1


def score_rollouts(
    bax: BaxClient,
    items: List[Dict[str, Any]],
    concurrency: int = 64,
    deadline_s: Optional[float] = None,
    retries: int = 0,
) -> List[ScoreResult]:
    """Scores ``items`` (dicts with ``task_id``, ``completion``, ``spec_type``,
    ``safety_prompt``), ``concurrency`` at a time, each as its own request, and
    answers in order; infra errors are returned, not raised. (Shared by the
    verl and OpenRLHF adapters too.)"""
    if not items:
        return []
    if len(items) == 1:
        return [score_one(bax, items[0], deadline_s, retries)]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(lambda it: score_one(bax, it, deadline_s, retries), items))
