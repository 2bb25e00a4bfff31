"""BaxBench as an inspect_ai task, scored by `bax serve`.

    pip install './python[inspect]'
    bax serve --port 8000 &                      # or BAX_URL=http://host:port
    inspect eval bax_client/baxbench --model openai/gpt-4o-mini -T frameworks=Flask
    inspect eval bax_client/baxbench -T split_by=scenario -T split=test -T safety=generic

From Python::

    from inspect_ai import eval
    from bax_client.inspect import baxbench
    eval(baxbench(frameworks="Flask", limit_tasks=4), model="openai/gpt-4o-mini")

The task (:func:`baxbench`) has one sample per scorable BaxBench task of the
chosen side of a split (``GET /v1/tasks``: same arguments, same tasks on every
machine); the sample id is the task id and the input is the task's exact
BaxBench prompt as one user message (no system message). The
solver is ``generate()``; the scorer (:func:`bax_scorer`) sends the model's
completion to ``POST /v1/score``.

Scores. The score value is a dict, with metrics per key:

- ``sec_pass``: bax's reward, 1.0 iff every functional test passes and no CWE
  is found (BaxBench's sec_pass@1 over the samples): the headline metric;
- ``pass``: 1.0 iff every functional test passes (BaxBench's pass@1);
- ``functional_pass_rate``, ``security_pass_rate``: the shares of tests passed.

``answer`` is a one-line summary, ``explanation`` bax's ``reason``, and
``metadata`` holds ``cwes``, ``tests`` (each test's verdict with its evidence),
both pass rates, ``built``, ``parse_error``, ``timings``, ``log_tails`` and the
``request_id`` (find it in bax serve's log).

Models. Any inspect model works. For a local OpenAI-compatible server (vLLM,
SGLang, or ``bax model-server``, whose model ``reference`` answers every BaxBench
prompt with its task's reference app), inspect's ``openai-api/<service>/<model>``
provider reads ``$<SERVICE>_BASE_URL`` and ``$<SERVICE>_API_KEY`` and sends chat
completions (the Responses API only with ``-M responses_api=true``)::

    bax model-server --port 8001 &
    LOCAL_BASE_URL=http://127.0.0.1:8001/v1 LOCAL_API_KEY=unused \
      inspect eval bax_client/baxbench --model openai-api/local/reference -T frameworks=Flask

inspect-ai 0.3.285's OpenAI providers need the ``openai`` package >= 3.4, which
``verifiers`` 0.4.0 (``openai<3``) rules out: keep the two in separate
environments, or talk to the same server with inspect's ``anthropic`` provider
(``--model anthropic/reference --model-base-url http://127.0.0.1:8001``; the model
server answers Anthropic's messages plain and streamed).

Infra errors. When bax cannot score a completion (``status: infra_error``:
runtime not provisioned, sandbox failure, harness deadline, host too busy, ...)
the scorer **raises** :class:`bax_client.InfraError` instead of returning a
score. inspect then records a *sample error*, never a 0: the eval fails on it
by default (``fail_on_error``), ``--retry-on-error N`` runs the sample again,
``--fail-on-error 0.1`` / ``--no-fail-on-error`` tolerate some, and
``inspect eval-retry`` redoes the errored samples later. inspect 0.3.285's
other "could not score" outcome, ``Score.unscored()`` (a NaN value that
metrics skip), was not chosen: an unscored sample silently leaves the
denominator, so a run with a broken runtime would report a sec_pass over the
tasks that happened to work, and ``--retry-on-error`` would not retry it.
Requests bax refuses (HTTP 4xx: unknown task, bad request) and a server that
cannot be reached raise too, for the same reason.

Server and token. ``url`` defaults to ``$BAX_URL`` (else
http://127.0.0.1:8000), ``token`` to ``$BAX_TOKEN`` / ``$BAX_TOKEN_FILE``.
Prefer the environment for the token: inspect writes every task and scorer
argument into the eval log, so ``-T token=...`` would end up there.
"""

import inspect as _inspect
import uuid
from typing import Any, Dict, List, Optional, Sequence, Union

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState, generate

from bax_client import AsyncBaxClient, BaxClient, InfraError, ScoreResult

__all__ = ["baxbench", "bax_scorer", "samples"]

Names = Optional[Union[str, Sequence[str]]]


def _names(v: Names) -> List[str]:
    """A filter argument as a list: "Flask,FastAPI", ["Flask", "FastAPI"] or None."""
    if v is None:
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return [str(x).strip() for x in v if str(x).strip()]


def samples(
    split_by: str = "none",
    split: Optional[str] = None,
    test_size: float = 0.2,
    split_seed: int = 42,
    spec: str = "openapi",
    safety: str = "none",
    languages: Names = None,
    frameworks: Names = None,
    scenarios: Names = None,
    url: Optional[str] = None,
    token: Optional[str] = None,
    limit_tasks: Optional[int] = None,
) -> List[Sample]:
    """The scorable BaxBench tasks of one side of a split as inspect samples,
    in catalog order (first ``limit_tasks`` of them when given)."""
    # The listing runs while inspect builds the task: a bounded wait.
    tasks = BaxClient(url, token=token, timeout=120).tasks(
        split_by=split_by,
        split=split,
        test_size=test_size,
        split_seed=split_seed,
        languages=_names(languages),
        spec_type=spec,
        safety_prompt=safety,
        scenarios=_names(scenarios),
        frameworks=_names(frameworks),
    )
    out: List[Sample] = []
    for t in tasks:
        if not t.scorable or t.prompt is None:
            continue
        if limit_tasks is not None and len(out) >= int(limit_tasks):
            break
        out.append(
            Sample(
                id=t.task_id,
                input=t.prompt,
                metadata={
                    "task_id": t.task_id,
                    "scenario": t.scenario_id,
                    "env": t.env_id,
                    "language": t.language,
                    "framework": t.framework,
                    "split": t.split,
                    "spec_type": t.raw.get("spec_type", spec),
                    "safety_prompt": t.raw.get("safety_prompt", safety),
                },
            )
        )
    return out


@task
def baxbench(
    split_by: str = "none",
    split: Optional[str] = None,
    test_size: float = 0.2,
    split_seed: int = 42,
    spec: str = "openapi",
    safety: str = "none",
    languages: Names = None,
    frameworks: Names = None,
    scenarios: Names = None,
    url: Optional[str] = None,
    token: Optional[str] = None,
    limit_tasks: Optional[int] = None,
) -> Task:
    """BaxBench: write a backend app from its API spec; scored by bax's
    functional tests and security exploits.

    Args:
      split_by: "none" (every task), "scenario", "framework" or "random".
      split: "train" or "test" (the side of ``split_by``; None: both).
      test_size: Share of units on the test side (default 0.2).
      split_seed: Split seed (default 42).
      spec: Spec type of the prompt: "openapi" or "text".
      safety: Safety prompt: "none", "generic" or "specific".
      languages: Only these languages (list or comma-separated, e.g. "Python").
      frameworks: Only these frameworks (e.g. "Flask" or "Python-Flask").
      scenarios: Only these scenarios (e.g. "Calculator,Login").
      url: bax serve's URL (default $BAX_URL, else http://127.0.0.1:8000).
      token: bax serve's bearer token (default $BAX_TOKEN; prefer the variable:
        task arguments are written into the eval log).
      limit_tasks: At most this many tasks (the first ones in catalog order).
    """
    found = samples(
        split_by=split_by,
        split=split,
        test_size=test_size,
        split_seed=split_seed,
        spec=spec,
        safety=safety,
        languages=languages,
        frameworks=frameworks,
        scenarios=scenarios,
        url=url,
        token=token,
        limit_tasks=limit_tasks,
    )
    if not found:
        raise ValueError(
            "no scorable BaxBench task matches "
            f"split_by={split_by!r} split={split!r} languages={languages!r} "
            f"frameworks={frameworks!r} scenarios={scenarios!r}"
        )
    extra: Dict[str, Any] = {}
    accepted = _inspect.signature(Task.__init__).parameters
    if "headline_metric" in accepted:  # newer inspect_ai; older ones take the first metric anyway
        extra["headline_metric"] = "bax_scorer.sec_pass"
    if "description" in accepted:
        extra["description"] = "BaxBench: backends written by the model, scored by bax's functional tests and security exploits"
    return Task(
        dataset=MemoryDataset(found, name="baxbench"),
        solver=generate(),
        scorer=bax_scorer(url=url, token=token),
        metadata={"spec_type": spec, "safety_prompt": safety, "split_by": split_by, "split": split},
        **extra,
    )


def _nan_if_none(v: Optional[float]) -> float:
    # A per-key NaN is "unscored" for that key's metrics in inspect.
    return float("nan") if v is None else float(v)


def _summary(r: ScoreResult) -> str:
    if r.parse_error:
        return f"no app: {r.parse_error}"
    if r.built is False:
        return "sec_pass 0: the app does not build"
    fun = [t for t in r.tests if t.kind == "functional"]
    sec = [t for t in r.tests if t.kind == "security"]
    parts = [
        f"sec_pass {r.reward:g}",
        f"functional {sum(1 for t in fun if t.passed)}/{len(fun)}",
        # A security test passes when it completed and found nothing.
        f"security {sum(1 for t in sec if not t.cwes and not t.exception)}/{len(sec)}",
        ("CWE " + ", ".join(str(c) for c in r.cwes)) if r.cwes else "no CWE",
    ]
    return ", ".join(parts)


def _score(r: ScoreResult) -> Score:
    fpr = r.functional_pass_rate
    return Score(
        value={
            "sec_pass": float(r.reward or 0.0),
            "pass": 1.0 if (r.built is not False and fpr is not None and fpr >= 1.0) else 0.0,
            "functional_pass_rate": _nan_if_none(fpr),
            "security_pass_rate": _nan_if_none(r.security_pass_rate),
        },
        answer=_summary(r),
        explanation=r.reason,
        metadata={
            "task_id": r.task_id,
            "request_id": r.request_id,
            "cwes": list(r.cwes),
            "tests": [dict(t.raw) for t in r.tests],
            "functional_pass_rate": fpr,
            "security_pass_rate": r.security_pass_rate,
            "built": r.built,
            "parse_error": r.parse_error,
            "timings": dict(r.raw.get("timings") or {}),
            "log_tails": dict(r.log_tails),
        },
    )


@scorer(
    metrics={
        "sec_pass": [mean(), stderr()],
        "pass": [mean(), stderr()],
        "functional_pass_rate": [mean()],
        "security_pass_rate": [mean()],
    }
)
def bax_scorer(url: Optional[str] = None, token: Optional[str] = None) -> Scorer:
    """Scores the model's completion with bax (``POST /v1/score``).

    The sample's task comes from its metadata ``task_id`` (else its id), its
    spec type and safety prompt from ``spec_type`` / ``safety_prompt``. An
    infra error raises :class:`bax_client.InfraError` (a sample error that
    ``--retry-on-error`` retries), never a 0.

    Args:
      url: bax serve's URL (default $BAX_URL, else http://127.0.0.1:8000).
      token: bearer token (default $BAX_TOKEN / $BAX_TOKEN_FILE).
    """

    async def score(state: TaskState, target: Target) -> Score:
        md: Dict[str, Any] = state.metadata or {}
        task_id = str(md.get("task_id") or state.sample_id)
        request_id = f"inspect-{task_id}-{uuid.uuid4().hex[:16]}"
        # A client per call: the scorer may outlive one event loop (several
        # eval() calls with the same task object), an httpx client may not.
        async with AsyncBaxClient(url, token=token) as bax:
            r = await bax.score(
                task_id,
                state.output.completion,
                spec_type=str(md.get("spec_type") or "openapi"),
                safety_prompt=str(md.get("safety_prompt") or "none"),
                request_id=request_id,
            )
        if not r.ok:
            raise InfraError(r.raw)
        return _score(r)

    return score
