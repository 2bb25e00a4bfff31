"""bax as a verl custom reward function, and verl's RL dataset rows for bax's tasks.

    # the dataset (parquet files verl's RLHFDataset reads)
    from bax_client.verl import make_dataset
    paths = make_dataset("data/bax", split_by="scenario")   # {"train": ..., "test": ...}

    # the reward: a verl config override
    custom_reward_function.path=pkg://bax_client.verl custom_reward_function.name=compute_score
    +custom_reward_function.reward_kwargs.bax_url=http://127.0.0.1:8000

No dependency on verl. The interface followed is verl 0.8.0.dev's, as read in
volcengine/verl at commit b178a3c: ``verl/trainer/ppo/reward.py``
(``get_custom_reward_fn``, ``load_reward_manager``, ``compute_reward``),
``verl/workers/reward_manager/naive.py`` and ``batch.py``,
``verl/experimental/reward_loop/reward_manager/naive.py`` (the default since
``reward_model.use_reward_loop: True``), ``verl/utils/import_utils.py``
(``load_module``), ``verl/utils/dataset/rl_dataset.py`` and
``examples/data_preprocess/gsm8k.py``, ``docs/preparation/reward_function.rst``:

* ``custom_reward_function.path`` is a file path, or (verl >= Dec 2025)
  ``pkg://bax_client.verl``; ``name`` defaults to ``compute_score``.
  ``custom_reward_function.reward_kwargs`` are merged into every call's keywords,
  so ``bax_url``, ``bax_token``, ``infra_retries``, ``deadline_s`` can be given
  there (``+custom_reward_function.reward_kwargs.bax_url=...``); otherwise
  ``$BAX_URL`` / ``$BAX_TOKEN`` of the reward worker's process are used.
* The per-sample managers (``naive``, the reward loop's ``naive``, ``dapo``) call
  ``compute_score(data_source=, solution_str=, ground_truth=, extra_info=)`` with
  the decoded response (plus ``reward_router_address`` /
  ``reward_model_tokenizer`` in the reward loop when a reward model is set up;
  they are ignored here). The ``batch`` manager calls ``compute_score(
  data_sources=, solution_strs=, ground_truths=, extra_infos=, **reward_kwargs)``
  once per batch: use :func:`compute_score_batch` for it
  (``reward_model.reward_manager=batch custom_reward_function.name=compute_score_batch``).
* A result may be a float or a dict with ``"score"``; every other key of the dict
  is collected per sample into ``reward_extra_info`` (then into numpy arrays and
  the validation metrics, where string values are skipped), so every result here
  has the same keys: ``score``, ``functional_pass_rate``, ``security_pass_rate``,
  ``cwe_count``, ``no_code`` (1.0 when the answer held no code), ``reason``.
* The legacy ``naive`` manager scores one sample after another; the reward loop
  runs ``compute_score`` on a thread pool, and ``batch`` hands the batch over at
  once (scored here concurrently). For bax, whose rollouts take seconds, use the
  reward loop (the default) or ``batch``.
* Dataset rows: ``data_source``, ``prompt`` (chat messages), ``ability``,
  ``reward_model: {style: "rule", ground_truth}``, ``extra_info``. The reward
  managers read ``reward_model.ground_truth`` and ``extra_info``; the task id is
  taken from ``extra_info["task_id"]``, else from ``ground_truth`` (which holds
  the task id too). ``.parquet`` and ``.json`` (JSON Lines) files are read.

Infra errors. verl has no per-sample mask: the score goes straight into the
token-level reward tensor. A 0 would train the policy against a failure of the
harness, and a NaN would poison its group's advantage. So a rollout bax could
not score is retried (transient kinds — sandbox failure, harness deadline, host
too busy, server unreachable or overloaded — ``infra_retries`` times, default 2,
each under a new request id), and if it still cannot be scored
:func:`compute_score` raises :class:`bax_client.InfraError`: the training step
fails loudly instead of learning from it. (verl's legacy ``compute_reward``
catches an exception of the reward manager once and runs it again on the whole
batch — the verdicts already made come back from bax's verdict cache — before
letting it through; in the reward loop the exception fails the step.)
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

try:
    import bax_client  # noqa: F401
except ImportError:  # loaded by file path from a checkout (custom_reward_function.path=…/verl.py)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bax_client import BaxClient, InfraError, ScoreResult
from bax_client._client import chat_messages, scorable_tasks
from bax_client.trl import score_one, score_rollouts

__all__ = ["compute_score", "compute_score_batch", "make_dataset", "task_of", "to_parquet_rows"]

DATA_SOURCE = "bax"

_clients: Dict[Tuple[Optional[str], Optional[str]], BaxClient] = {}
_lock = threading.Lock()


def _client(url: Optional[str], token: Optional[str]) -> BaxClient:
    key = (url or os.environ.get("BAX_URL"), token)
    with _lock:
        c = _clients.get(key)
        if c is None:
            c = _clients[key] = BaxClient(key[0], token=token)
        return c


def task_of(ground_truth: Any, extra_info: Any = None) -> Dict[str, str]:
    """``{task_id, spec_type, safety_prompt}`` of a sample: from ``extra_info``,
    else from ``ground_truth`` (a task id, a JSON object, or a dict)."""
    info = dict(extra_info) if isinstance(extra_info, dict) else {}
    gt = ground_truth
    if isinstance(gt, str) and gt.lstrip().startswith("{"):
        try:
            gt = json.loads(gt)
        except ValueError:
            pass
    gt = dict(gt) if isinstance(gt, dict) else {"task_id": gt}
    task_id = info.get("task_id") or gt.get("task_id")
    if not task_id or not isinstance(task_id, str):
        raise ValueError(
            "bax's compute_score needs the task id in extra_info['task_id'] or reward_model.ground_truth "
            f"(got ground_truth={ground_truth!r}); build the dataset with bax_client.verl.make_dataset()"
        )
    return {
        "task_id": task_id,
        "spec_type": str(info.get("spec_type") or gt.get("spec_type") or "openapi"),
        "safety_prompt": str(info.get("safety_prompt") or gt.get("safety_prompt") or "none"),
    }


def _result(r: ScoreResult, return_dict: bool) -> Union[float, Dict[str, Any]]:
    if not r.ok:
        raise InfraError(
            {
                **r.raw,
                "error": f"bax could not score {r.task_id}: {r.error} (verl cannot mask a rollout, "
                "so the step fails instead of training on a made-up reward)",
            }
        )
    score = float(r.reward)
    if not return_dict:
        return score
    return {
        "score": score,
        "functional_pass_rate": float(r.functional_pass_rate or 0.0),
        "security_pass_rate": float(r.security_pass_rate or 0.0),
        "cwe_count": float(len(r.cwes)),
        "no_code": 1.0 if r.parse_error else 0.0,
        "reason": r.reason,
    }


def compute_score(
    data_source: Any = None,
    solution_str: str = "",
    ground_truth: Any = None,
    extra_info: Any = None,
    *,
    bax_url: Optional[str] = None,
    bax_token: Optional[str] = None,
    infra_retries: int = 2,
    deadline_s: Optional[float] = None,
    return_dict: bool = True,
    **kwargs: Any,
) -> Union[float, Dict[str, Any]]:
    """verl's custom reward function: bax's reward for one response (a dict with
    ``score`` and sub-metrics, or the float when ``return_dict=False``). Raises
    :class:`bax_client.InfraError` when bax could not score it after
    ``infra_retries`` retries."""
    t = task_of(ground_truth, extra_info)
    item = {**t, "completion": solution_str or ""}
    r = score_one(_client(bax_url, bax_token), item, deadline_s, int(infra_retries))
    return _result(r, return_dict)


def compute_score_batch(
    data_sources: Any = None,
    solution_strs: Iterable[str] = (),
    ground_truths: Iterable[Any] = (),
    extra_infos: Optional[Iterable[Any]] = None,
    *,
    bax_url: Optional[str] = None,
    bax_token: Optional[str] = None,
    infra_retries: int = 2,
    deadline_s: Optional[float] = None,
    return_dict: bool = True,
    concurrency: int = 64,
    **kwargs: Any,
) -> List[Union[float, Dict[str, Any]]]:
    """The same for verl's ``batch`` reward manager: the whole batch, scored
    concurrently, results in order. Raises if any rollout could not be scored."""
    sols = list(solution_strs)
    gts = list(ground_truths)
    infos = list(extra_infos) if extra_infos is not None else [None] * len(sols)
    items = [{**task_of(g, e), "completion": s or ""} for s, g, e in zip(sols, gts, infos)]
    results = score_rollouts(_client(bax_url, bax_token), items, concurrency, deadline_s, int(infra_retries))
    return [_result(r, return_dict) for r in results]


def to_parquet_rows(
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
    data_source: str = DATA_SOURCE,
    ability: str = "code",
    system_prompt: Optional[str] = None,
    client: Optional[BaxClient] = None,
) -> List[Dict[str, Any]]:
    """verl RL dataset rows for one side of bax's split (scorable tasks only)."""
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
    rows = []
    for t in tasks:
        prompt = chat_messages(t.prompt, system_prompt)
        rows.append(
            {
                "data_source": data_source,
                "prompt": prompt,
                "ability": ability,
                "reward_model": {"style": "rule", "ground_truth": t.task_id},
                "extra_info": {
                    "split": t.split,
                    "index": len(rows),
                    "task_id": t.task_id,
                    "spec_type": spec_type,
                    "safety_prompt": safety_prompt,
                    "scenario_id": t.scenario_id,
                    "env_id": t.env_id,
                },
            }
        )
    return rows


def make_dataset(
    out_dir: str,
    url: Optional[str] = None,
    token: Optional[str] = None,
    *,
    sides: Iterable[str] = ("train", "test"),
    format: str = "auto",
    **kw: Any,
) -> Dict[str, str]:
    """Writes ``<out_dir>/<side>.parquet`` for each side of the split (``format``
    ``parquet``, or ``auto`` when pyarrow is importable) or ``<side>.json`` (JSON
    Lines, which verl reads too: ``format="json"``, or ``auto`` without
    pyarrow). Keywords: those of :func:`to_parquet_rows`. Returns ``{side: path}``,
    the paths for ``data.train_files`` / ``data.val_files``."""
    if format not in ("auto", "parquet", "json"):
        raise ValueError("format must be auto, parquet or json")
    pq = None
    if format in ("auto", "parquet"):
        try:
            import pyarrow as pa  # type: ignore
            import pyarrow.parquet as pq  # type: ignore
        except ImportError:
            if format == "parquet":
                raise
    os.makedirs(out_dir, exist_ok=True)
    bax = kw.pop("client", None) or BaxClient(url, token=token)
    out: Dict[str, str] = {}
    for side in sides:
        rows = to_parquet_rows(split=side, client=bax, **kw)
        if pq is not None:
            path = os.path.join(out_dir, f"{side}.parquet")
            pq.write_table(pa.Table.from_pylist(rows), path + ".tmp")
        else:
            path = os.path.join(out_dir, f"{side}.json")
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(path + ".tmp", path)
        out[side] = path
    return out
