"""bax_client.ray: one `bax serve` per node of a Ray cluster (three nodes of a
`ray.cluster_utils.Cluster` on this machine), a few hundred rollouts through one
pool, and a node killed mid-run: every rollout answered exactly once (its
reward, or a typed infra error), the dead node's work moved to the others, and
the dead node dropped from the pool.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import unittest
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from _support import BAX, CALC, ROOT, fenced, require  # noqa: E402

N = 200  # rollouts
CONCURRENCY = 8
KILL_AFTER = N // 3  # answers before a node is killed
VARIANTS = range(56, 72)  # never-scored Calculator variants: slow work in flight at the kill


def _references():
    """The 28 Python-Flask reference apps, by scenario folder."""
    out = {}
    for app in sorted((ROOT / "crates/bax-scenarios/src").glob("*/reference/Python-Flask/app.py")):
        out[app.parents[2].name] = app.read_text()
    return out


def _variant(nonce: str, i: int) -> str:
    first, rest = CALC.split("\n", 1)
    return fenced(f"{first}\n# ray variant {nonce} {i}\n{rest}")


class RayPool(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ray = ray = require("ray")
        from ray.cluster_utils import Cluster

        if os.environ.get("BAX_TEST_INSTALLED") != "1":
            # Ray's workers import the actor's module: the checkout's package.
            path = os.environ.get("PYTHONPATH")
            os.environ["PYTHONPATH"] = str(ROOT / "python") + (os.pathsep + path if path else "")
        node_args = {"num_cpus": 1, "object_store_memory": 100 * 1024**2}
        t0 = time.time()
        cls.cluster = Cluster(
            initialize_head=True,
            head_node_args={
                **node_args,
                "include_dashboard": False,
                # A killed node is seen dead within ~1.5 s, not the default ~15 s.
                "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 3},
            },
        )
        cls.workers = [cls.cluster.add_node(**node_args) for _ in range(2)]
        cls.cluster.wait_for_nodes()
        ray.init(address=cls.cluster.address)
        print(f"\nray {ray.__version__}: a 3-node cluster in {time.time() - t0:.1f} s", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.ray.shutdown()
        cls.cluster.shutdown()

    def test_pool_over_nodes_survives_a_dead_node(self):
        from bax_client.ray import BaxPool, alive_nodes

        t0 = time.time()
        pool = BaxPool.start(serve_args=("--workers", "2"), bax_bin=BAX)
        try:
            started = time.time() - t0
            self._run(pool, alive_nodes(), started)
        finally:
            t = time.time()
            pool.shutdown()
            print(f"pool.shutdown (SIGTERM, drain): {time.time() - t:.1f} s", file=sys.stderr)

    def _run(self, pool, nodes, started):
        ray = self.ray
        victim = self.workers[0]
        victim_id = getattr(victim, "node_id", None) or victim._node_id
        members = {m["node_id"]: m for m in pool.members()}
        # One server per alive node, each on its own port.
        self.assertEqual(sorted(members), sorted(nodes))
        self.assertEqual(len({m["url"] for m in members.values()}), 3)
        self.assertIn(victim_id, members)
        self.assertNotEqual(victim_id, ray.get_runtime_context().get_node_id())  # not the driver's node
        victim_url = members[victim_id]["url"]
        self.assertEqual(sorted(pool.urls), sorted(m["url"] for m in members.values()))

        # The rollouts: the 28 reference apps first (distinct), then repeats (the
        # verdict cache answers them), with never-scored variants around the kill.
        tasks = {t.task_id for t in pool.client.tasks() if t.task_id.endswith("-Python-Flask")}
        by_folder = {t.replace("-Python-Flask", "").lower(): t for t in tasks}
        refs = [(by_folder[f.replace("_", "").lower()], code) for f, code in _references().items()]
        self.assertEqual(len(refs), 28)
        nonce = uuid.uuid4().hex[:12]
        items = []
        for i in range(N):
            if i in VARIANTS:
                task, code = "Calculator-Python-Flask", _variant(nonce, i)
            else:
                task, code = refs[i % len(refs)][0], fenced(refs[i % len(refs)][1])
            items.append({"task_id": task, "completion": code, "request_id": f"ray-{nonce}-{i}"})

        answered = {}  # index -> (time, result)
        calls = [0] * N
        lock = threading.Lock()
        some_answered = threading.Event()

        def on_result(i, r):
            with lock:
                calls[i] += 1
                answered[i] = (time.time(), r)
                if len(answered) >= KILL_AFTER:
                    some_answered.set()

        out = {}
        t0 = time.time()
        runner = threading.Thread(
            target=lambda: out.setdefault("results", pool.score_many(items, concurrency=CONCURRENCY, on_result=on_result))
        )
        runner.start()
        self.assertTrue(some_answered.wait(240), f"only {len(answered)} answers in 240 s")
        # Kill the node while its server has work in flight.
        deadline = time.time() + 60
        while time.time() < deadline and next(m for m in pool.members() if m["node_id"] == victim_id)["outstanding"] == 0:
            time.sleep(0.02)
        in_flight_at_kill = next(m for m in pool.members() if m["node_id"] == victim_id)["outstanding"]
        answered_at_kill = len(answered)
        t_kill = time.time()
        self.cluster.remove_node(victim, allow_graceful=False)
        killed_in = time.time() - t_kill
        runner.join(300)
        self.assertFalse(runner.is_alive(), "score_many did not return")
        wall = time.time() - t0
        results = out["results"]

        # The dead node is dropped from the pool (Ray's liveness, or its actor's death).
        deadline = time.time() + 60
        while time.time() < deadline and victim_url in pool.urls:
            time.sleep(0.1)
        dead = next(m for m in pool.members() if m["node_id"] == victim_id)
        self.assertFalse(dead["in_pool"], dead)
        self.assertNotIn(victim_url, pool.urls)
        self.assertNotIn(victim_url, [s["url"] for s in pool.client.servers()])
        self.assertNotIn(victim_id, [n["NodeID"] for n in ray.nodes() if n["Alive"]])
        # Its server died with its node: nothing answers there any more.
        with self.assertRaises(OSError):
            urllib.request.urlopen(victim_url + "/healthz", timeout=5)

        # Every rollout answered exactly once, with its own request_id: a reward
        # of 1.0 (reference apps) or a typed infra error; none lost, none raised.
        self.assertEqual(len(results), N)
        self.assertEqual(calls, [1] * N)
        self.assertEqual(len({r.request_id for r in results}), N)
        infra = []
        for item, r in zip(items, results):
            self.assertEqual(r.request_id, item["request_id"])
            if r.ok:
                self.assertEqual(r.reward, 1.0, f"{item['task_id']}: {r.reason}")
            else:
                self.assertEqual(r.status, "infra_error", r.raw)
                self.assertIsNone(r.reward)
                self.assertTrue(r.kind, r.raw)
                infra.append(f"{item['task_id']}: {r.kind}")

        # Where each went: nothing was sent to the dead server once it was dropped;
        # what it held (or was sent to it until then) was answered by another.
        routes = {item["request_id"]: pool.routes(item["request_id"]) for item in items}
        for rid, route in routes.items():
            self.assertTrue(route, rid)
            for t, url in route:
                self.assertFalse(url == victim_url and t > dead["dropped_at"], (rid, route))
        moved = [
            i
            for i, item in enumerate(items)
            if any(u == victim_url for _, u in routes[item["request_id"]])
            and routes[item["request_id"]][-1][1] != victim_url
        ]
        self.assertGreater(in_flight_at_kill, 0)
        self.assertTrue(moved, "no request was moved off the dead node")
        for i in moved:
            self.assertTrue(results[i].ok or results[i].infra_error)
        recovery = min(answered[i][0] for i in moved) - t_kill

        # pool.reward: a float for a verdict (an infra error would raise InfraError).
        self.assertEqual(pool.reward("Calculator-Python-Flask", fenced(CALC)), 1.0)

        per_node = {}
        for item, r in zip(items, results):
            url = routes[item["request_id"]][-1][1]
            per_node[url] = per_node.get(url, 0) + 1
        print(
            f"pool of 3 started in {started:.1f} s; {N} rollouts, concurrency {CONCURRENCY}: wall {wall:.1f} s, "
            f"{N / wall:.2f} rollouts/s; {len(infra)} infra errors {infra}",
            file=sys.stderr,
        )
        for m in pool.members():
            n = per_node.get(m["url"], 0)
            tag = " (killed)" if m["node_id"] == victim_id else ""
            print(
                f"  node {m['node_id'][:8]}{tag} {m['url']}: {n} answers, {n / wall:.2f}/s, sent {m['sent']}",
                file=sys.stderr,
            )
        print(
            f"kill after {answered_at_kill} answers with {in_flight_at_kill} in flight on the node "
            f"(remove_node took {killed_in:.1f} s); dropped from the pool {dead['dropped_at'] - t_kill:.1f} s "
            f"after the kill ({dead['why']}); {len(moved)} requests moved, the first answered "
            f"{recovery:.1f} s after the kill",
            file=sys.stderr,
        )


if __name__ == "__main__":
    unittest.main()
