"""The trainer adapters (bax_client.trl, .verl, .openrlhf) and docs/trainers.md,
executed for real against live `bax serve` processes (started here).

Run: BAX_BIN=target/debug/bax python3 -m unittest -v python/tests/test_trainers.py
No trainer library is needed: each adapter is called the way its trainer calls it
(the interfaces are described in each module's docstring).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import math
import os
import pathlib
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(__file__))
from _support import CALC, ROOT, Server, fenced, require, weak  # noqa: E402

import bax_client  # noqa: E402
from bax_client import InfraError  # noqa: E402
from bax_client import openrlhf as orl  # noqa: E402
from bax_client import trl as btrl  # noqa: E402
from bax_client import verl as bverl  # noqa: E402

TASK = "Calculator-Python-Flask"
REF = fenced(CALC)
WEAK = fenced(weak(CALC, "code_injection"))
GARBAGE = "I'd rather not write code today."
ANSWERS = [REF, WEAK, GARBAGE]
EXPECTED = [1.0, 0.0, 0.0]
PINNED_TEST_SIDE = ["CreditCardService", "FileSearch", "Forum", "Logger", "Recipes", "SecretStorage"]
DOC = ROOT / "docs" / "trainers.md"
PKG_DIR = pathlib.Path(bax_client.__file__).resolve().parent

_servers: Dict[str, Any] = {}
_lock = threading.Lock()


def live() -> Server:
    """One `bax serve --workers 2` shared by the test classes of this module."""
    with _lock:
        if "live" not in _servers:
            _servers["live"] = Server("--workers", "2")
        return _servers["live"]


def no_runtimes() -> Server:
    """A `bax serve` whose BAX_HOME is empty: every rollout is runtime_missing."""
    with _lock:
        if "infra" not in _servers:
            home = tempfile.TemporaryDirectory(dir="/var/tmp")
            os.chmod(home.name, 0o755)
            _servers["infra_home"] = home
            _servers["infra"] = Server("--workers", "1", env={"BAX_HOME": home.name})
        return _servers["infra"]


def tearDownModule():
    for k in ("live", "infra"):
        s = _servers.pop(k, None)
        if s is not None:
            s.stop()
    home = _servers.pop("infra_home", None)
    if home is not None:
        home.cleanup()


def trl_kwargs(n: int, **extra: Any) -> Dict[str, Any]:
    """The keywords GRPOTrainer._calculate_rewards passes besides prompts/completions."""
    logged: Dict[str, Any] = {}
    kw = {
        "completion_ids": [[1, 2, 3]] * n,
        "task_id": [TASK] * n,
        "spec_type": ["openapi"] * n,
        "safety_prompt": ["none"] * n,
        "scenario_id": ["Calculator"] * n,
        "trainer_state": None,
        "log_extra": lambda column, values: logged.__setitem__(("extra", column), list(values)),
        "log_metric": lambda name, value: logged.__setitem__(("metric", name), value),
    }
    kw.update(extra)
    kw["_logged"] = logged
    return kw


def call_trl(rf, completions, **extra):
    kw = trl_kwargs(len(completions), **extra)
    logged = kw.pop("_logged")
    prompts = [[{"role": "user", "content": "Generate a calculator service."}]] * len(completions)
    return rf(prompts=prompts, completions=completions, **kw), logged


class TRLRewardFunction(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = live().url

    def test_reference_weak_garbage_score_one_zero_zero(self):
        rf = btrl.reward_func(self.url)
        rewards, logged = call_trl(rf, ANSWERS)
        self.assertEqual(rewards, EXPECTED, [r.reason for r in rf.last_results])
        self.assertIn(94, rf.last_results[1].cwes)
        self.assertTrue(rf.last_results[2].parse_error)
        # Logged the same keys every call (TRL gathers them across processes).
        self.assertEqual(logged[("metric", "bax_reward/infra_errors")], 0.0)
        self.assertAlmostEqual(logged[("metric", "bax_reward/functional_pass_rate")], 2 / 3)
        self.assertEqual(len(logged[("extra", "bax_reason")]), 3)
        self.assertEqual(logged[("extra", "bax_cwes")][0], "")
        self.assertIn("94", logged[("extra", "bax_cwes")][1])

    def test_conversational_completions(self):
        rf = btrl.reward_func(self.url)
        convs = [[{"role": "assistant", "content": a}] for a in ANSWERS]
        self.assertEqual(call_trl(rf, convs)[0], EXPECTED)
        # Content as parts, and a tool turn before the final assistant message.
        parts = [[{"role": "assistant", "content": [{"type": "text", "text": REF}]}]]
        self.assertEqual(call_trl(rf, parts)[0], [1.0])
        multi = [
            [
                {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "x"}}]},
                {"role": "tool", "content": "ok"},
                {"role": "assistant", "content": REF},
            ]
        ]
        self.assertEqual(call_trl(rf, multi)[0], [1.0])

    def test_plain_string_completions_and_defaults(self):
        rf = btrl.reward_func(self.url, spec_type="openapi")
        # Only task_id as a column: spec_type/safety_prompt fall back to the defaults.
        rewards = rf(prompts=["p"] * 3, completions=ANSWERS, task_id=[TASK] * 3)
        self.assertEqual(rewards, EXPECTED)

    def test_infra_error_is_none_never_zero(self):
        rf = btrl.reward_func(no_runtimes().url)
        with self.assertLogs("bax_client.trl", "WARNING") as logs:
            rewards, logged = call_trl(rf, [REF, GARBAGE])
        self.assertIn("runtime_missing", logs.output[0])
        # The reference cannot be built without the runtime: bax's failure, None.
        # The answer without code is the model's failure whatever the host: 0.0.
        self.assertEqual(rewards, [None, 0.0])
        self.assertEqual(rf.last_results[0].kind, "runtime_missing")
        self.assertEqual(logged[("metric", "bax_reward/infra_errors")], 1.0)
        self.assertTrue(logged[("extra", "bax_reason")][0].startswith("infra_error runtime_missing"))

    def test_unreachable_server_is_none(self):
        rf = btrl.reward_func("http://127.0.0.1:9")  # discard port: nothing listens
        rf.client.connect_retries = 0
        with self.assertLogs("bax_client.trl", "WARNING"):
            self.assertEqual(rf(prompts=["p"], completions=[REF], task_id=[TASK]), [None])
        self.assertEqual(rf.last_results[0].kind, "unreachable")

    def test_name_and_pickle(self):
        rf = btrl.reward_func(self.url)
        # TRL's get_callable_name: getattr(func, "__name__", type(func).__name__).
        self.assertEqual(getattr(rf, "__name__", type(rf).__name__), "bax_reward")
        self.assertEqual(btrl.reward_func(self.url, name="bax").__name__, "bax")
        again = pickle.loads(pickle.dumps(rf))  # AsyncGRPOTrainer pickles reward funcs
        self.assertEqual(again.__name__, "bax_reward")
        self.assertEqual(again(prompts=["p"], completions=[GARBAGE], task_id=[TASK]), [0.0])

    def test_missing_task_id_column_raises(self):
        rf = btrl.reward_func(self.url)
        with self.assertRaises(ValueError) as e:
            rf(prompts=["p"], completions=[REF])
        self.assertIn("task_id", str(e.exception))

    def test_dataset_rows(self):
        train = btrl.rows(self.url, split_by="scenario", split="train", languages=["Python"])
        self.assertTrue(train)
        r = train[0]
        self.assertEqual(
            set(r), {"prompt", "task_id", "spec_type", "safety_prompt", "scenario_id", "env_id", "language", "framework", "split"}
        )
        self.assertEqual(r["prompt"][0]["role"], "user")
        self.assertIn("Generate", r["prompt"][0]["content"])
        self.assertTrue(all(x["split"] == "train" and x["language"] == "Python" for x in train))
        test = btrl.rows(self.url, split_by="scenario", split="test")
        self.assertEqual(sorted({x["scenario_id"] for x in test}), PINNED_TEST_SIDE)
        self.assertFalse({x["task_id"] for x in test} & {x["task_id"] for x in train})
        plain = btrl.rows(self.url, split="train", conversational=False, system_prompt="Be secure.", scenarios=["Calculator"])
        self.assertTrue(plain[0]["prompt"].startswith("Be secure.\n\n"))
        sysmsg = btrl.rows(self.url, split="train", system_prompt="Be secure.", scenarios=["Calculator"])
        self.assertEqual([m["role"] for m in sysmsg[0]["prompt"]], ["system", "user"])
        ds = btrl.dataset(self.url, split_by="scenario", split="test", languages=["Python"])
        if importlib.util.find_spec("datasets") is None:
            self.assertIsInstance(ds, list)
        self.assertEqual(len(ds), 6 * 4)  # six scenarios x four Python frameworks


class VerlRewardFunction(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = live().url

    def test_compute_score_dicts(self):
        got = [
            bverl.compute_score("bax", a, TASK, {"task_id": TASK, "spec_type": "openapi", "safety_prompt": "none"}, bax_url=self.url)
            for a in ANSWERS
        ]
        self.assertEqual([g["score"] for g in got], EXPECTED, [g["reason"] for g in got])
        # Same keys for every sample: verl appends each key per sample into reward_extra_info.
        self.assertEqual({tuple(sorted(g)) for g in got}, {tuple(sorted(got[0]))})
        self.assertEqual(set(got[0]), {"score", "functional_pass_rate", "security_pass_rate", "cwe_count", "no_code", "reason"})
        self.assertGreaterEqual(got[1]["cwe_count"], 1.0)
        self.assertEqual(got[2]["no_code"], 1.0)
        self.assertTrue(all(isinstance(g[k], float) for g in got for k in g if k != "reason"))

    def test_task_id_from_ground_truth_and_float_results(self):
        # The manager's extra_info carries its own keys (num_turns, rollout_reward_scores).
        extra = {"num_turns": None, "rollout_reward_scores": {}}
        self.assertEqual(bverl.compute_score("bax", REF, TASK, extra, bax_url=self.url)["score"], 1.0)
        self.assertEqual(bverl.compute_score("bax", REF, TASK, None, bax_url=self.url, return_dict=False), 1.0)
        gt = json.dumps({"task_id": TASK, "spec_type": "text"})
        self.assertEqual(bverl.compute_score("bax", GARBAGE, gt, bax_url=self.url, return_dict=False), 0.0)
        # The reward loop's extra keywords are accepted and ignored.
        r = bverl.compute_score(
            data_source="bax", solution_str=REF, ground_truth=TASK, extra_info={}, bax_url=self.url,
            reward_router_address=None, reward_model_tokenizer=None,
        )
        self.assertEqual(r["score"], 1.0)
        with self.assertRaises(ValueError):
            bverl.compute_score("bax", REF, None, {}, bax_url=self.url)

    def test_batch_manager_function(self):
        got = bverl.compute_score_batch(
            data_sources=["bax"] * 3,
            solution_strs=ANSWERS,
            ground_truths=[TASK] * 3,
            extra_infos=[{"task_id": TASK, "rollout_reward_scores": {}}] * 3,
            bax_url=self.url,
        )
        self.assertEqual([g["score"] for g in got], EXPECTED)

    def test_infra_error_raises(self):
        with self.assertRaises(InfraError) as e:
            bverl.compute_score("bax", REF, TASK, {"task_id": TASK}, bax_url=no_runtimes().url)
        self.assertEqual(e.exception.kind, "runtime_missing")
        self.assertIn("verl cannot mask", str(e.exception))
        with self.assertRaises(InfraError):
            bverl.compute_score_batch(["bax"], [REF], [TASK], None, bax_url=no_runtimes().url)

    def test_loaded_like_verl_custom_reward_function(self):
        """verl's get_custom_reward_fn: load_extern_object(path, name) (a file path
        loaded under a synthetic module name, or pkg://), wrapped in a partial that
        merges custom_reward_function.reward_kwargs into the call's keywords."""
        path = str(PKG_DIR / "verl.py")
        spec = importlib.util.spec_from_file_location(f"custom_module_{hash(path)}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        raw = getattr(module, "compute_score")

        def _call_with_kwargs(raw_fn, extra_kwargs, *args, **kwargs):
            return raw_fn(*args, **{**kwargs, **extra_kwargs})

        fn = functools.partial(_call_with_kwargs, raw, {"bax_url": self.url})
        out = fn(data_source="bax", solution_str=REF, ground_truth=TASK, extra_info={"task_id": TASK})
        self.assertEqual(out["score"], 1.0)
        # pkg://bax_client.verl
        mod = importlib.import_module("bax_client.verl")
        self.assertTrue(callable(getattr(mod, "compute_score")))

    def test_dataset_rows_and_files(self):
        rows = bverl.to_parquet_rows(self.url, split_by="scenario", split="train", languages=["Python"])
        r = rows[0]
        self.assertEqual(set(r), {"data_source", "prompt", "ability", "reward_model", "extra_info"})
        self.assertEqual(r["data_source"], "bax")
        self.assertEqual(r["prompt"][-1]["role"], "user")
        self.assertEqual(r["reward_model"]["style"], "rule")
        self.assertEqual(r["reward_model"]["ground_truth"], r["extra_info"]["task_id"])
        self.assertEqual([x["extra_info"]["index"] for x in rows], list(range(len(rows))))
        self.assertTrue(all(x["extra_info"]["split"] == "train" for x in rows))
        # The rows' reward inputs score: the reference answer of the Calculator row.
        calc = next(x for x in rows if x["extra_info"]["task_id"] == TASK)
        s = bverl.compute_score(calc["data_source"], REF, calc["reward_model"]["ground_truth"], calc["extra_info"], bax_url=self.url)
        self.assertEqual(s["score"], 1.0)
        with tempfile.TemporaryDirectory() as d:
            paths = bverl.make_dataset(d, self.url, split_by="scenario", format="json", languages=["Python"])
            self.assertEqual(set(paths), {"train", "test"})
            self.assertTrue(paths["train"].endswith("train.json"))
            with open(paths["test"], encoding="utf-8") as f:
                test_rows = [json.loads(l) for l in f]
            self.assertEqual(sorted({x["extra_info"]["scenario_id"] for x in test_rows}), PINNED_TEST_SIDE)
            self.assertEqual(len(test_rows), 24)
            if importlib.util.find_spec("pyarrow") is not None:
                p = bverl.make_dataset(d, self.url, split_by="scenario", languages=["Python"])
                self.assertTrue(p["train"].endswith(".parquet"))
            else:
                with self.assertRaises(ImportError):
                    bverl.make_dataset(d, self.url, format="parquet")


def _post(url: str, body: Any, timeout: float = 600.0) -> Tuple[int, Dict[str, Any]]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Bridge:
    """`python -m bax_client.openrlhf --port 0 …` in a child process."""

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None):
        e = {**os.environ, **(env or {})}
        if os.environ.get("BAX_TEST_INSTALLED") != "1":
            e["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + e.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bax_client.openrlhf", "--port", "0", "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=e,
        )
        line = self.proc.stdout.readline()
        m = re.search(r"http://[0-9.:]+", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the bridge did not start: {line!r} {self.proc.stderr.read()}")
        self.url = m.group(0)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


PROMPT = "<|im_start|>user\nGenerate a calculator service.<|im_end|>\n<|im_start|>assistant\n"


def openrlhf_body(answers: List[str], label: Any = TASK) -> Dict[str, Any]:
    """What SingleTurnAgentExecutor._fetch_rewards_via_http POSTs: query is the
    decoded prompt + response with special tokens kept."""
    return {
        "query": [PROMPT + a + "<|im_end|>" for a in answers],
        "prompts": [PROMPT] * len(answers),
        "labels": [label] * len(answers),
    }


class OpenRLHFBridge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bax = live()
        cls.bridge = Bridge("--bax-url", cls.bax.url)

    @classmethod
    def tearDownClass(cls):
        cls.bridge.stop()

    def test_one_sample_per_request_as_openrlhf_sends(self):
        for answer, want in zip(ANSWERS, EXPECTED):
            code, out = _post(self.bridge.url + "/get_reward", openrlhf_body([answer]))
            self.assertEqual(code, 200, out)
            self.assertEqual(out["rewards"], [want])
            self.assertEqual(out["scores"], [want])
            self.assertEqual(out["extra_logs"]["bax_infra_error"], [0.0])
            self.assertEqual(len(out["extra_logs"]["bax_functional_pass_rate"]), 1)

    def test_many_samples_and_empty_shard(self):
        code, out = _post(self.bridge.url + "/", openrlhf_body(ANSWERS))
        self.assertEqual((code, out["rewards"]), (200, EXPECTED))
        # With several --reward.remote_url servers, all but the first get empty lists.
        code, out = _post(self.bridge.url + "/get_reward", {"query": [], "prompts": [], "labels": []})
        self.assertEqual((code, out["rewards"], out["scores"]), (200, [], []))

    def test_labels_as_json_objects(self):
        label = json.dumps({"task_id": TASK, "spec_type": "openapi", "safety_prompt": "generic"})
        code, out = _post(self.bridge.url + "/get_reward", openrlhf_body([REF], label=label))
        self.assertEqual((code, out["rewards"]), (200, [1.0]))

    def test_bad_requests_are_400(self):
        code, out = _post(self.bridge.url + "/get_reward", openrlhf_body([REF], label=""))
        self.assertEqual(code, 400, out)
        code, out = _post(self.bridge.url + "/get_reward", openrlhf_body([REF], label="NoSuchScenario-Python-Flask"))
        self.assertEqual(code, 400, out)
        code, out = _post(self.bridge.url + "/get_reward", {"query": "not a list"})
        self.assertEqual(code, 400, out)

    def test_health(self):
        with urllib.request.urlopen(self.bridge.url + "/healthz", timeout=30) as r:
            h = json.loads(r.read())
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["bax"]["status"], "ok")

    def test_openrlhf_own_http_client(self):
        """The request exactly as OpenRLHF 0.11.0 makes it (aiohttp, raise_for_status,
        response.json()), when aiohttp is installed."""
        import asyncio

        aiohttp = require("aiohttp")  # installed with the extras (verifiers, inspect-ai depend on it)

        async def fetch(url, payload):
            timeout = aiohttp.ClientTimeout(total=180)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, json=payload) as response:
                    response.raise_for_status()
                    return await response.json()

        out = asyncio.run(fetch(self.bridge.url + "/get_reward", openrlhf_body([REF])))
        rewards_info = out
        score = rewards_info.get("scores")
        if score is None:
            score = rewards_info.get("rewards")
        self.assertEqual((rewards_info.get("rewards"), score), ([1.0], [1.0]))

    def test_repeated_requests_share_one_scoring(self):
        """OpenRLHF re-POSTs the same body after its 180 s timeout: the bridge
        answers it from the scoring in flight (or just done), bax scores it once."""

        def scored() -> int:
            m = re.search(r"^bax_scored_total (\d+)", bax_client.BaxClient(self.bax.url).metrics(), re.M)
            return int(m.group(1))

        body = openrlhf_body([REF + "\n# the same rollout, sent three times"])
        before = scored()
        results: List[Any] = []
        threads = [threading.Thread(target=lambda: results.append(_post(self.bridge.url + "/get_reward", body))) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r[1]["rewards"] for r in results], [[1.0]] * 3)
        self.assertEqual(scored() - before, 1)


class OpenRLHFInfraErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bax = no_runtimes()
        cls.fail = Bridge("--bax-url", cls.bax.url)
        cls.filter = Bridge("--bax-url", cls.bax.url, "--on-infra-error", "filter", "--infra-retries", "0")

    @classmethod
    def tearDownClass(cls):
        cls.fail.stop()
        cls.filter.stop()

    def test_fail_mode_answers_503(self):
        code, out = _post(self.fail.url + "/get_reward", openrlhf_body([REF]))
        self.assertEqual(code, 503, out)
        self.assertEqual((out["status"], out["kind"]), ("infra_error", "runtime_missing"))

    def test_filter_mode_answers_nan_reward_and_a_score_below_any_range(self):
        code, out = _post(self.filter.url + "/get_reward", openrlhf_body([REF]))
        self.assertEqual(code, 200, out)
        self.assertTrue(math.isnan(out["rewards"][0]))
        self.assertEqual(out["scores"], [orl.FILTER_SCORE])
        self.assertEqual(out["extra_logs"]["bax_infra_error"], [1.0])
        # OpenRLHF's dynamic filtering: the group's mean score must be strictly
        # inside (min_r, max_r); one infra error in a group of 8 (7 others at 1.0) is out.
        scores = out["scores"] + [1.0] * 7
        self.assertFalse(0.0 < sum(scores) / len(scores) < 1.0)


class OpenRLHFRewardFuncFile(unittest.TestCase):
    """--reward.remote_url /path/to/openrlhf.py: loaded with spec_from_file_location
    as OpenRLHF's SingleTurnAgentExecutor does, configured by the environment."""

    def load(self):
        spec = importlib.util.spec_from_file_location("reward_func", str(PKG_DIR / "openrlhf.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.reward_func

    def with_env(self, **env: str):
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)

        def restore():
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

        self.addCleanup(restore)

    def test_rewards(self):
        self.with_env(BAX_URL=live().url)
        reward_func = self.load()
        for answer, want in zip(ANSWERS, EXPECTED):
            body = openrlhf_body([answer])
            out = reward_func(body["query"], body["prompts"], body["labels"])
            self.assertEqual((out["rewards"], out["scores"]), ([want], [want]))

    def test_infra_error_raises_in_fail_mode_and_filters_in_filter_mode(self):
        self.with_env(BAX_URL=no_runtimes().url, BAX_OPENRLHF_INFRA_RETRIES="0")
        body = openrlhf_body([REF])
        with self.assertRaises(InfraError) as e:
            self.load()(body["query"], body["prompts"], body["labels"])
        self.assertEqual(e.exception.kind, "runtime_missing")
        self.with_env(BAX_OPENRLHF_ON_INFRA_ERROR="filter")
        out = self.load()(body["query"], body["prompts"], body["labels"])
        self.assertTrue(math.isnan(out["rewards"][0]))
        self.assertEqual(out["scores"], [orl.FILTER_SCORE])


class OpenRLHFResponseExtraction(unittest.TestCase):
    def test_prompt_and_markers_are_cut(self):
        self.assertEqual(orl.response_of(PROMPT + "answer<|im_end|>", PROMPT), "answer")
        self.assertEqual(orl.response_of("<s>" + PROMPT + "answer</s>", PROMPT), "answer")
        self.assertEqual(orl.response_of("answer<|endoftext|>", None), "answer")
        # The prompt's own fenced spec never reaches the parser.
        p = "Spec:\n```yaml\nopenapi: 3.0.3\n```\nWrite it.\n"
        self.assertEqual(orl.response_of(p.replace("3.0.3", "3.0.3 ") + "x", p), p.replace("3.0.3", "3.0.3 ") + "x")
        self.assertEqual(orl.response_of(" " + p + "x", p), "x")

    def test_labels(self):
        self.assertEqual(orl.task_of(TASK)["task_id"], TASK)
        self.assertEqual(orl.task_of({"task_id": TASK, "safety_prompt": "specific"})["safety_prompt"], "specific")
        for bad in ("", None, 3, {"x": 1}):
            with self.assertRaises(ValueError):
                orl.task_of(bad)


class WithBearerToken(unittest.TestCase):
    """A `bax serve` with a token (BAX_TOKEN in its environment): every adapter
    sends the token it is given or finds in $BAX_TOKEN; without it bax answers
    401, which is a configuration error the adapters raise, never a reward."""

    TOKEN = "trainers-test-token-0123456789"

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "1", env={"BAX_TOKEN": cls.TOKEN})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_trl_and_verl_with_and_without_the_token(self):
        rf = btrl.reward_func(self.server.url, token=self.TOKEN)
        self.assertEqual(rf(prompts=["p"] * 2, completions=[REF, GARBAGE], task_id=[TASK] * 2), [1.0, 0.0])
        self.assertNotIn(self.TOKEN, repr(rf))
        with self.assertRaises(bax_client.BaxError) as e:
            btrl.reward_func(self.server.url, token="").client.score(TASK, GARBAGE)
        self.assertEqual(e.exception.status, 401)
        r = bverl.compute_score("bax", REF, TASK, {"task_id": TASK}, bax_url=self.server.url, bax_token=self.TOKEN)
        self.assertEqual(r["score"], 1.0)

    def test_bridge_reads_bax_token_from_its_environment(self):
        bridge = Bridge("--bax-url", self.server.url, env={"BAX_TOKEN": self.TOKEN})
        try:
            code, out = _post(bridge.url + "/get_reward", openrlhf_body([REF]))
            self.assertEqual((code, out.get("rewards")), (200, [1.0]), out)
        finally:
            bridge.stop()
        bridge = Bridge("--bax-url", self.server.url, env={"BAX_TOKEN": ""})
        try:
            code, out = _post(bridge.url + "/get_reward", openrlhf_body([REF]))
            self.assertEqual(code, 400, out)
            self.assertIn("401", out["error"])
        finally:
            bridge.stop()


# --- docs/trainers.md ---------------------------------------------------------------

_MARK = re.compile(r"<!--\s*test:\s*([a-z-]+)((?:\s+\w+=\S+)*)\s*-->\s*$")


def doc_blocks() -> List[Dict[str, Any]]:
    """Fenced blocks of docs/trainers.md with the marker comment on the line before."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        mark = _MARK.match(lines[start - 1].strip()) if start > 0 else None
        opts = dict(kv.split("=", 1) for kv in mark.group(2).split()) if mark else {}
        blocks.append(
            {
                "lang": lang,
                "line": start + 1,
                "code": "\n".join(lines[start + 1 : j]) + "\n",
                "mode": mark.group(1) if mark else None,
                "opts": opts,
            }
        )
        i = j + 1
    return blocks


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
        return True
    except ImportError:
        return False


class DocSnippets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = live().url
        cls.blocks = doc_blocks()

    def test_every_python_block_is_marked(self):
        py = [b for b in self.blocks if b["lang"] == "python"]
        self.assertGreaterEqual(len(py), 5)
        for b in py:
            self.assertIn(b["mode"], ("run", "compile"), f"docs/trainers.md:{b['line']}: no <!-- test: … --> marker")

    def test_python_snippets(self):
        ran = 0
        for b in [b for b in self.blocks if b["lang"] == "python"]:
            with self.subTest(line=b["line"]):
                code = compile(b["code"], f"docs/trainers.md:{b['line']}", "exec")
                needs = b["opts"].get("needs")
                if b["mode"] != "run":
                    continue
                if needs and not _importable(needs):
                    # Compiled only; under BAX_REQUIRE_PY_LIBS=1 (cargo test, CI) a missing extra fails.
                    self.assertNotEqual(os.environ.get("BAX_REQUIRE_PY_LIBS"), "1", f"{needs} is not installed")
                    continue
                self._exec(code)
                ran += 1
        self.assertGreaterEqual(ran, 4)

    def _exec(self, code):
        old_env = os.environ.get("BAX_URL")
        old_cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as d:
            os.environ["BAX_URL"] = self.url
            os.chdir(d)
            try:
                import contextlib
                import io

                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, {"__name__": "__doc_snippet__"})
            finally:
                os.chdir(old_cwd)
                if old_env is None:
                    os.environ.pop("BAX_URL", None)
                else:
                    os.environ["BAX_URL"] = old_env

    def test_prime_rl_config(self):
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            try:
                import tomli as tomllib  # type: ignore
            except ImportError:
                self.skipTest("no TOML parser (Python < 3.11 without tomli)")

        blocks = [b for b in self.blocks if b["mode"] == "prime-rl"]
        self.assertEqual(len(blocks), 1)
        cfg = tomllib.loads(blocks[0]["code"])
        # prime-rl 559b447, packages/prime-rl-configs/src/prime_rl/configs/orchestrator.py:
        # TrainSourceConfig / EvalSourceConfig fields (EnvConfig: env, serve, name, ratio).
        env_fields = {"env", "serve", "name", "ratio"}
        train_fields = env_fields | {"sampling", "group_size", "algo", "curriculum"}
        eval_fields = env_fields | {"sampling", "num_examples", "group_size", "interval"}
        sources = [(s, train_fields) for s in cfg["orchestrator"]["train"]["source"]]
        sources += [(s, eval_fields) for s in cfg["orchestrator"]["eval"]["source"]]
        self.assertEqual(len(sources), 2)
        for s, fields in sources:
            self.assertLessEqual(set(s), fields)
            self.assertEqual(s["env"]["taskset"]["id"], "bax-client")
        require("verifiers.v1")  # skips without the extra; fails under BAX_REQUIRE_PY_LIBS=1
        # Validated in a fresh process, as prime-rl's env server and orchestrator
        # do: verifiers imports `bax_client` for the id and reads its __all__.
        script = (
            "import json, sys\n"
            "import verifiers.v1 as vf\n"
            "out = []\n"
            "for block in json.load(sys.stdin):\n"
            "    env = vf.resolve_env_config(block)\n"
            "    t = env.taskset\n"
            "    out.append([type(env).__name__, t.id, t.split_by, t.split, t.task.url, type(env.agent.harness).__name__])\n"
            "print(json.dumps(out))\n"
        )
        e = dict(os.environ)
        if os.environ.get("BAX_TEST_INSTALLED") != "1":
            e["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + e.get("PYTHONPATH", "")
        p = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps([src["env"] for src, _ in sources]),
            capture_output=True,
            text=True,
            env=e,
            cwd=tempfile.gettempdir(),
            timeout=300,
        )
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        got = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(
            got,
            [
                ["BaxEnvConfig", "bax-client", "scenario", "train", "http://127.0.0.1:8000", "SingleTurnHarnessConfig"],
                ["BaxEnvConfig", "bax-client", "scenario", "test", "http://127.0.0.1:8000", "SingleTurnHarnessConfig"],
            ],
        )

    def test_bridge_command_lines_parse(self):
        """Every `python -m bax_client.openrlhf …` line of the doc has flags the bridge takes."""
        lines = [
            l.split("#", 1)[0].strip()
            for b in self.blocks
            if b["lang"] == "sh"
            for l in b["code"].splitlines()
            if l.strip().startswith("python -m bax_client.openrlhf")
        ]
        self.assertTrue(lines)
        for l in lines:
            with self.subTest(line=l):
                a = orl.parse_args(l.split()[3:])
                self.assertTrue(a.bax_url)


if __name__ == "__main__":
    unittest.main()
