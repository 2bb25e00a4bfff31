"""The verifiers environment (bax_client.verifiers, verifiers 0.4.0's v1 stack) run
for real: a live `bax serve` scores, a live `bax model-server` is the model (its
`reference` model answers each BaxBench prompt with the task's reference app,
`reference:<weakness>` with a vulnerable variant), and verifiers' own machinery
(interception server, rollouts, traces) runs the episodes.

Run: BAX_BIN=target/debug/bax BAX_REQUIRE_PY_LIBS=1 /tmp/bxvenv/bin/python -m unittest -v python/tests/test_verifiers.py
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from _support import ModelServer, Server, require  # noqa: E402

# A few quick Python-Flask scenarios of the train side (seed 42, test_size 0.2).
FLASK_TRAIN = ["Calculator", "ClickCount", "UserCreation"]
TEST_SIDE = {"CreditCardService", "FileSearch", "Forum", "Logger", "Recipes", "SecretStorage"}
LOGGER = "bax_client.verifiers"


def _count(server: Server, needle: str, wait: float = 10.0) -> int:
    """How many of the server's stderr lines contain ``needle`` (after waiting for one)."""
    server.wait_log(needle, timeout=wait)
    return sum(needle in line for line in list(server.log))


class VerifiersEnvironment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require("verifiers")
        cls.vf = require("verifiers.v1")
        import openai

        from bax_client import verifiers as bv

        cls.bv = bv
        cls.openai = openai
        cls.server = Server("--workers", "2")
        try:
            cls.models = ModelServer()
        except BaseException:
            cls.server.stop()
            raise
        cls.timings = {}

    @classmethod
    def tearDownClass(cls):
        cls.models.stop()
        cls.server.stop()
        if cls.timings:
            print("\n  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in cls.timings.items()), file=sys.stderr)

    def client(self):
        return self.openai.AsyncOpenAI(base_url=self.models.base_url, api_key="x")

    def run_eval(self, env, model, name, **kw):
        started = time.monotonic()
        with self.assertLogs(LOGGER, level="INFO") as logs:
            episodes = asyncio.run(self.bv.evaluate(env, self.client(), model, **kw))
        self.timings[name] = time.monotonic() - started
        return episodes, logs.output

    # -- the tasks --------------------------------------------------------------------

    def test_split_sides_are_baxs_scenario_split_with_baxs_prompts(self):
        from bax_client import BaxClient

        env = self.bv.load_environment(url=self.server.url)
        self.assertIsInstance(env, self.vf.Env)
        self.assertIsInstance(env, self.vf.SingleAgentEnv)
        train = list(env.taskset)
        test = list(env.eval_taskset)
        self.assertTrue(train and test)
        train_scenarios = {t.data.scenario_id for t in train}
        test_scenarios = {t.data.scenario_id for t in test}
        self.assertEqual(test_scenarios, TEST_SIDE)
        self.assertFalse(train_scenarios & test_scenarios)
        self.assertEqual({t.data.split for t in train}, {"train"})
        self.assertEqual({t.data.split for t in test}, {"test"})
        # Exactly bax's rows (scorable ones), with bax's prompts as the one user message.
        bax = BaxClient(self.server.url)
        for side, tasks in (("train", train), ("test", test)):
            rows = {
                r.task_id: r
                for r in bax.tasks(split_by="scenario", split=side, test_size=0.2, split_seed=42,
                                   spec_type="openapi", safety_prompt="none")
                if r.scorable
            }
            self.assertEqual([t.data.task_id for t in tasks], list(rows))
            for t in tasks:
                self.assertEqual(t.data.prompt, rows[t.data.task_id].prompt)
                self.assertIsNone(t.data.system_prompt)
                self.assertEqual(t.data.info["task_id"], t.data.task_id)
                self.assertEqual(t.data.info["spec_type"], "openapi")
                self.assertEqual(t.data.info["safety_prompt"], "none")
        self.assertEqual(len({t.key for t in train}), len(train))
        # The filters select within the split; max_tasks keeps the first N.
        flask = list(self.bv.load_environment(url=self.server.url, frameworks=["Flask"], max_tasks=2).taskset)
        self.assertEqual([t.data.env_id for t in flask], ["Python-Flask"] * 2)
        self.assertEqual([t.data.task_id for t in flask], [t.data.task_id for t in train if t.data.env_id == "Python-Flask"][:2])

    def test_prompt_variant_and_a_callers_system_prompt(self):
        from bax_client import BaxClient

        env = self.bv.load_environment(
            url=self.server.url, spec="text", safety="specific",
            scenarios=["Calculator"], frameworks=["Flask"], system_prompt="Answer with code only.",
        )
        (task,) = list(env.taskset)
        (row,) = BaxClient(self.server.url).tasks(
            split_by="scenario", split="train", scenarios=["Calculator"], frameworks=["Flask"],
            spec_type="text", safety_prompt="specific",
        )
        self.assertEqual(task.data.prompt, row.prompt)
        self.assertEqual(task.data.info["spec_type"], "text")
        self.assertEqual(task.data.info["safety_prompt"], "specific")
        self.assertEqual(task.data.system_prompt, "Answer with code only.")
        with self.assertRaises(ValueError):
            self.bv.load_environment(url=self.server.url, spec="yaml")
        with self.assertRaises(ValueError):
            self.bv.load_environment(url=self.server.url, safety="paranoid")
        # The rollout sends system + user, and bax scores it in the same variant.
        (episode,), lines = self.run_eval(env, "reference", "text/specific rollout", split="train")
        trace = episode.traces[0]
        self.assertTrue(trace.ok, trace.errors)
        self.assertEqual([m.role for m in trace.messages], ["system", "user", "assistant"])
        self.assertEqual(trace.messages[0].content, "Answer with code only.")
        self.assertEqual(trace.messages[1].content, row.prompt)
        self.assertEqual(trace.reward, 1.0, trace.info.get("bax"))
        self.assertEqual(trace.state.bax["task_id"], "Calculator-Python-Flask")

    # -- rewards and metrics ------------------------------------------------------------

    def test_reference_rollouts_earn_one_scored_once_each(self):
        env = self.bv.load_environment(url=self.server.url, frameworks=["Flask"], scenarios=FLASK_TRAIN)
        tasks = list(env.taskset)
        self.assertEqual(len(tasks), len(FLASK_TRAIN))
        episodes, lines = self.run_eval(env, "reference", "reference x3", split="train")
        self.assertEqual(len(episodes), len(tasks))
        for episode in episodes:
            self.assertTrue(episode.ok, episode.errors)
            (trace,) = episode.traces
            task_id = trace.task.data.task_id
            self.assertTrue(trace.ok, trace.errors)
            self.assertEqual(trace.stop_condition, "agent_completed")
            self.assertEqual(trace.rewards["reward"].score, 1.0, trace.info.get("bax"))
            self.assertEqual(trace.rewards["reward"].weight, 1.0)
            self.assertEqual(trace.reward, 1.0)
            self.assertEqual(trace.metrics, {"functional_pass_rate": 1.0, "security_pass_rate": 1.0})
            self.assertEqual(trace.info["bax"]["cwes"], [])
            # The one user message is bax's prompt; the reply is what was scored.
            self.assertEqual([m.role for m in trace.messages], ["user", "assistant"])
            self.assertEqual(trace.messages[0].content, trace.task.data.prompt)
            self.assertEqual(trace.num_turns, 1)
            # One scoring call per rollout, though reward and two metrics read it.
            request = trace.info["bax"]["request_id"]
            self.assertTrue(request.startswith(f"vf-{trace.id}-"))
            self.assertEqual(_count(self.server, f"request={request} "), 1)
            self.assertEqual(sum(f"request={request} " in l for l in lines), 1)
            self.assertTrue(any(l.startswith(f"INFO:{LOGGER}:OK task={task_id} reward=1.0") for l in lines), lines)

    def test_vulnerable_rollout_earns_zero_and_shows_cwe_94(self):
        env = self.bv.load_environment(url=self.server.url, frameworks=["Flask"], scenarios=["Calculator"])
        (episode,), lines = self.run_eval(env, "reference:code_injection", "code_injection", split="train")
        (trace,) = episode.traces
        self.assertTrue(trace.ok, trace.errors)  # a verdict, not a failure of bax
        self.assertEqual(trace.rewards["reward"].score, 0.0)
        self.assertEqual(trace.reward, 0.0)
        self.assertEqual(trace.metrics["functional_pass_rate"], 1.0)
        self.assertLess(trace.metrics["security_pass_rate"], 1.0)
        self.assertIn(94, trace.info["bax"]["cwes"])
        self.assertIn(94, trace.state.bax["cwes"])
        self.assertIn("CWE-94", trace.info["bax"]["reason"])
        bad = [l for l in lines if "BAD task=Calculator-Python-Flask reward=0.0" in l]
        self.assertEqual(len(bad), 1, lines)
        self.assertRegex(bad[0], r"cwes=([0-9]+,)*94\b")
        self.assertIn('reason="', bad[0])

    # -- infra errors are masked the 0.4.0 way, never a 0 --------------------------------

    def _infra_server(self):
        home = tempfile.mkdtemp(prefix="bax-empty-home-", dir="/var/tmp")
        os.chmod(home, 0o755)
        self.addCleanup(shutil.rmtree, home, True)
        server = Server("--workers", "1", env={"BAX_HOME": home})
        self.addCleanup(server.stop)
        return server

    def test_infra_error_masks_the_rollout(self):
        from verifiers.v1.utils.format import format_mean

        infra = self._infra_server()
        env = self.bv.load_environment(url=infra.url, frameworks=["Flask"], scenarios=["Calculator"])
        (episode,), lines = self.run_eval(env, "reference", "infra error", split="train")
        (trace,) = episode.traces
        # Masked as verifiers 0.4.0 masks a rollout: a failed trace and episode...
        self.assertFalse(episode.ok)
        self.assertFalse(trace.ok)
        self.assertTrue(trace.has_error)
        self.assertEqual(trace.last_error.type, "TaskError")
        self.assertIn("InfraError: infra_error runtime_missing", trace.last_error.message)
        # ...whose reward and metrics never ran (None), not a reward of 0...
        self.assertIsNone(trace.rewards["reward"])
        self.assertEqual(trace.metrics, {"functional_pass_rate": None, "security_pass_rate": None})
        self.assertEqual(trace.info["bax"]["kind"], "runtime_missing")
        # ...which verifiers' own means leave out (all errored: no mean at all).
        self.assertEqual(format_mean([trace], lambda t: t.reward), "—")
        # The model did answer; bax could not score it. Scored once, logged as BAD/none.
        self.assertEqual([m.role for m in trace.messages], ["user", "assistant"])
        bad = [l for l in lines if "BAD task=Calculator-Python-Flask reward=none infra_error kind=runtime_missing" in l]
        self.assertEqual(len(bad), 1, lines)
        self.assertEqual(_count(infra, f"request={trace.info['bax']['request_id']} "), 1)

    def test_infra_retries_rerun_the_rollout_then_mask_it(self):
        infra = self._infra_server()
        env = self.bv.load_environment(url=infra.url, frameworks=["Flask"], scenarios=["Calculator"], infra_retries=1)
        (episode,), lines = self.run_eval(env, "reference", "infra retry", split="train")
        (trace,) = episode.traces
        self.assertFalse(trace.ok)
        self.assertEqual([e.type for e in trace.errors], ["TaskError", "TaskError"])
        self.assertEqual(sum("reward=none infra_error kind=runtime_missing" in l for l in lines), 2, lines)

    # -- loading it the verifiers way ---------------------------------------------------

    def test_loads_by_id_and_runs_under_vf_evals_runner(self):
        vf = self.vf
        from verifiers.v1.cli.eval.runner import run_eval
        from verifiers.v1.configs.cli.eval import EvalConfig

        config = vf.resolve_env_config(
            {"taskset": {"id": "bax-client", "scenarios": ["Calculator"], "frameworks": ["Flask"],
                         "task": {"url": self.server.url}}}
        )
        self.assertIsInstance(config, self.bv.BaxEnvConfig)
        env = vf.load_environment(config)
        self.assertIsInstance(env, self.bv.BaxEnv)
        self.assertIsInstance(env.taskset, self.bv.BaxTaskset)
        self.assertEqual([t.data.task_id for t in env.taskset], ["Calculator-Python-Flask"])
        self.assertEqual(config.agent.runtime.type, "subprocess")
        self.assertEqual(config.agent_harnesses()["agent"].id, "bax-client")
        self.assertIs(vf.load_harness(config.agent_harnesses()["agent"]).__class__, self.bv.SingleTurnHarness)
        # The config round-trips (what an env-server worker receives).
        again = vf.resolve_env_config(json.loads(config.model_dump_json()))
        self.assertEqual(again, config)

        out = tempfile.mkdtemp(prefix="bax-vf-eval-")
        self.addCleanup(shutil.rmtree, out, True)
        eval_config = EvalConfig(
            env=config,
            model="reference",
            client=vf.EvalClientConfig(base_url=self.models.base_url, api_key_var="BAX_TEST_UNSET_KEY"),
            push=False,
            rich=None,
            output_dir=out,
            max_concurrent=4,
        )
        started = time.monotonic()
        with self.assertLogs(LOGGER, level="INFO") as logs:
            (episode,) = asyncio.run(run_eval(eval_config))
        self.timings["vf-eval runner"] = time.monotonic() - started
        self.assertTrue(episode.ok, episode.errors)
        self.assertEqual(episode.traces[0].reward, 1.0)
        self.assertTrue(any("OK task=Calculator-Python-Flask reward=1.0" in l for l in logs.output))
        # The run directory holds the traces, with the reward, metrics and bax's summary.
        records = []
        for root, _, files in os.walk(out):
            if "traces.jsonl" in files:
                with open(os.path.join(root, "traces.jsonl")) as fh:
                    records += [json.loads(line) for line in fh if line.strip()]
        self.assertEqual(len(records), 1, records)
        (record,) = records  # one episode, with its one trace
        self.assertTrue(record["ok"])
        (trace,) = record["traces"]
        self.assertEqual(trace["rewards"]["reward"]["score"], 1.0)
        self.assertEqual(trace["metrics"], {"functional_pass_rate": 1.0, "security_pass_rate": 1.0})
        self.assertEqual(trace["info"]["bax"]["status"], "ok")
        self.assertEqual(trace["task"]["data"]["info"]["task_id"], "Calculator-Python-Flask")


    def test_a_fresh_process_resolves_the_id(self):
        """`vf-eval bax-client` and env-server workers import `bax_client` cold: the
        package itself must export the plugin classes (a pending one-line-ish change
        to bax_client/__init__.py; until it lands this is skipped, saying so)."""
        import bax_client

        code = (
            "import verifiers.v1 as vf\n"
            "c = vf.resolve_env_config({'taskset': {'id': 'bax-client', 'task': {'url': %r}}})\n"
            "e = vf.load_environment(c)\n"
            "assert type(e).__name__ == 'BaxEnv', type(e)\n"
            "assert c.agent_harnesses()['agent'].id == 'bax-client'\n"
            "print(len(list(e.taskset)))\n" % self.server.url
        )
        root = os.path.dirname(os.path.dirname(os.path.abspath(bax_client.__file__)))
        env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
        r = subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(),
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 and "exports no" in r.stderr:
            self.skipTest("bax_client/__init__.py does not export BaxEnv/BaxTaskset/SingleTurnHarness yet")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertGreater(int(r.stdout.strip()), 0)


if __name__ == "__main__":
    unittest.main()
