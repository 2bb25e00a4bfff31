"""Tests of the Python client against a real `bax serve` (started here).

Run: BAX_BIN=target/debug/bax python3 -m unittest discover -s python/tests -v
(`cargo test -p bax --test serve` runs them with the freshly built binary.)
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from _support import CALC, ROOT, Server, fenced, weak  # noqa: E402

sys.path.insert(0, str(ROOT / "python" / "examples"))
from bax_client import BaxClient, BaxError, InfraError, Overloaded  # noqa: E402


class ClientAgainstLiveServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "2")
        cls.bax = BaxClient(cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_health(self):
        h = self.bax.health()
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["workers"], 2)

    def test_reference_answer_earns_reward_one(self):
        r = self.bax.score("Calculator-Python-Flask", fenced(CALC), request_id="ref-1")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["reward"], 1.0, r.get("reason"))
        self.assertEqual(r["functional_pass_rate"], 1.0)
        self.assertEqual(r["security_pass_rate"], 1.0)
        self.assertEqual(r["cwes"], [])
        self.assertEqual(r["request_id"], "ref-1")
        self.assertTrue(any(t["kind"] == "security" for t in r["tests"]))
        self.assertGreater(r["timings"]["total_s"], 0)
        self.assertEqual(self.bax.reward("Calculator-Python-Flask", fenced(CALC)), 1.0)
        # The rollout line is logged.
        deadline = time.time() + 5
        while time.time() < deadline and not any("request=ref-1" in l for l in self.server.log):
            time.sleep(0.1)
        line = next(l for l in self.server.log if "request=ref-1" in l)
        self.assertIn("OK task=Calculator-Python-Flask", line)

    def test_vulnerable_answer_earns_zero_with_its_cwe(self):
        r = self.bax.score("Calculator-Python-Flask", fenced(weak(CALC, "code_injection")), request_id="weak-1")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["reward"], 0.0)
        self.assertIn(94, r["cwes"])
        self.assertEqual(r["functional_pass_rate"], 1.0)
        self.assertLess(r["security_pass_rate"], 1.0)
        self.assertIn("CWE-94", r["reason"])
        # BAD line with the reason.
        deadline = time.time() + 5
        while time.time() < deadline and not any("request=weak-1" in l for l in self.server.log):
            time.sleep(0.1)
        self.assertTrue(any("BAD task=Calculator-Python-Flask request=weak-1" in l for l in self.server.log))

    def test_garbage_is_the_models_failure_not_an_error(self):
        r = self.bax.score("Calculator-Python-Flask", "I'd rather not write code today.")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["reward"], 0.0)
        self.assertTrue(r["parse_error"])

    def test_files_instead_of_completion(self):
        r = self.bax.score("Calculator-Python-Flask", files={"app.py": CALC})
        self.assertEqual(r["reward"], 1.0, r.get("reason"))

    def test_bad_requests_raise(self):
        with self.assertRaises(BaxError) as e:
            self.bax.score("NoSuchScenario-Python-Flask", "x")
        self.assertEqual(e.exception.status, 404)
        with self.assertRaises(BaxError) as e:
            self.bax._call("POST", "/v1/score", {"task_id": "Calculator-Python-Flask"})
        self.assertEqual(e.exception.status, 400)

    def test_batch_keeps_order(self):
        rs = self.bax.score_batch(
            [
                {"task_id": "Calculator-Python-Flask", "completion": "nothing", "request_id": "b0"},
                {"task_id": "Calculator-Python-Flask", "completion": fenced(CALC), "request_id": "b1"},
            ]
        )
        self.assertEqual([r["request_id"] for r in rs], ["b0", "b1"])
        self.assertEqual([r["reward"] for r in rs], [0.0, 1.0])

    def test_tasks_split_is_the_pinned_one(self):
        test = self.bax.tasks(split_by="scenario", split="test")
        self.assertEqual(
            sorted({t["scenario_id"] for t in test}),
            ["CreditCardService", "FileSearch", "Forum", "Logger", "Recipes", "SecretStorage"],
        )
        train = self.bax.tasks(split_by="scenario", split="train", languages=["Python"], spec_type="openapi")
        self.assertTrue(all(t["language"] == "Python" and t["split"] == "train" for t in train))
        self.assertTrue(all("Generate" in t["prompt"] for t in train))

    def test_grpo_example_runs_a_step(self):
        from grpo_loop import ReplayPolicy, train
        from single_turn_env import BaxSingleTurnEnv

        env = BaxSingleTurnEnv(self.bax, split_by="none", split=None, languages=["Python"])
        env.dataset = [r for r in env.dataset if r["task_id"] == "Calculator-Python-Flask"]
        self.assertEqual(len(env.dataset), 1)
        policy = ReplayPolicy({"*": [fenced(CALC), "no code"]}, seed=3)
        hist = train(env, policy, steps=1, tasks_per_step=1, group_size=4, seed=1)
        h = hist[0]
        self.assertEqual(h["rollouts"], 4)
        self.assertEqual(h["masked"], 0)
        self.assertTrue(all(r in (0.0, 1.0) for r in h["rewards"]))
        # Advantages are group-normalized: they sum to ~0.
        self.assertAlmostEqual(sum(h["advantages"]), 0.0, places=5)
        self.assertEqual(len(policy.updates), 1)


class InfraErrorsAreNotRewards(unittest.TestCase):
    def test_missing_runtime_is_an_infra_error(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as home:
            os.chmod(home, 0o755)
            server = Server("--workers", "1", env={"BAX_HOME": home})
            try:
                bax = BaxClient(server.url)
                r = bax.score("Calculator-Python-Flask", fenced(CALC))
                self.assertEqual(r["status"], "infra_error")
                self.assertEqual(r["kind"], "runtime_missing")
                self.assertIsNone(r["reward"])
                with self.assertRaises(InfraError) as e:
                    bax.reward("Calculator-Python-Flask", fenced(CALC))
                self.assertEqual(e.exception.kind, "runtime_missing")
            finally:
                server.stop()


class QueueFull(unittest.TestCase):
    def test_429_with_retry_after_then_retried(self):
        # Uncached, so the first rollout really holds the one worker.
        server = Server("--workers", "1", "--queue", "0", "--no-cache")
        try:
            slow = BaxClient(server.url)
            done = {}
            t = threading.Thread(
                target=lambda: done.update(r=slow.score("Calculator-Python-Flask", fenced(CALC)))
            )
            t.start()
            deadline = time.time() + 10
            while time.time() < deadline and slow.health()["running"] == 0:
                time.sleep(0.05)
            impatient = BaxClient(server.url, max_retries=0)
            with self.assertRaises(Overloaded) as e:
                impatient.score("Calculator-Python-Flask", "x")
            self.assertGreaterEqual(e.exception.retry_after, 1)
            patient = BaxClient(server.url, max_retries=100, max_wait=1)
            r = patient.score("Calculator-Python-Flask", "no code")
            self.assertEqual(r["reward"], 0.0)
            t.join()
            self.assertEqual(done["r"]["reward"], 1.0)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
