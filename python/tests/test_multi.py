"""The client over several `bax serve` processes (a fleet without a load balancer):
least-outstanding balancing, failover when one is killed with SIGKILL mid-run,
draining replicas avoided, and nothing lost or scored twice.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from _support import CALC, Server, fenced  # noqa: E402

from bax_client import BaxClient  # noqa: E402


def _variant(i: int) -> str:
    """Distinct code per request (so no two share a build or a cached verdict):
    the Calculator reference with a comment line after the canary."""
    first, rest = CALC.split("\n", 1)
    return fenced(f"{first}\n# variant {i}\n{rest}")


class Fleet(unittest.TestCase):
    def test_balancing_and_failover_lose_nothing(self):
        servers = [Server("--workers", "2", "--no-cache") for _ in range(3)]
        try:
            client = BaxClient([s.url for s in servers], connect_retries=3)
            n = 24
            killed = servers[1]
            answers = {}
            done = threading.Semaphore(0)

            def one(i: int):
                r = client.score("Calculator-Python-Flask", _variant(i), request_id=f"multi-{i}")
                answers[i] = r
                done.release()
                return r

            t0 = time.time()
            with ThreadPoolExecutor(max_workers=8) as pool:
                futures = [pool.submit(one, i) for i in range(n)]
                # Kill one server once a few answers are in and it has work in flight.
                for _ in range(4):
                    done.acquire()
                deadline = time.time() + 30
                while time.time() < deadline and client.servers()[1]["outstanding"] == 0:
                    time.sleep(0.05)
                in_flight_at_kill = client.servers()[1]["outstanding"]
                killed.proc.send_signal(signal.SIGKILL)
                killed.proc.wait()
                t_kill = time.time()
                for f in futures:
                    f.result(timeout=600)
            wall = time.time() - t0

            # Every request answered exactly once, with its own id, and every
            # reference earned 1.0: the killed server's work was scored elsewhere.
            self.assertEqual(sorted(answers), list(range(n)))
            for i, r in answers.items():
                self.assertEqual(r.status, "ok", r.raw)
                self.assertEqual(r.request_id, f"multi-{i}")
                self.assertEqual(r.reward, 1.0, r.reason)
            self.assertGreater(in_flight_at_kill, 0)
            # Balanced before the kill: every server got requests.
            sent = [s["sent"] for s in client.servers()]
            self.assertTrue(all(x > 0 for x in sent), sent)
            # Never scored twice on the live servers: each id has at most one
            # OK line across them, and together they scored what the killed one
            # did not answer.
            live = [servers[0], servers[2]]
            time.sleep(0.5)
            ok_lines = [l for s in live for l in s.log if l.startswith("OK ") or " OK task=" in l]
            for i in range(n):
                hits = [l for l in ok_lines if f"request=multi-{i} " in l]
                self.assertLessEqual(len(hits), 1, hits)
            scored_live = sum(
                float(next(l.split()[1] for l in BaxClient(s.url).metrics().splitlines() if l.startswith("bax_scored_total ")))
                for s in live
            )
            answered_by_killed = n - scored_live
            self.assertGreaterEqual(answered_by_killed, 0)
            self.assertEqual(scored_live, len({i for i in range(n) if any(f"request=multi-{i} " in l for l in ok_lines)}))
            print(
                f"\n  fleet: {n} rollouts over 3 servers in {wall:.1f} s; sent per server {sent}; "
                f"killed one with {in_flight_at_kill} in flight at {t_kill - t0:.1f} s; "
                f"the live servers scored {scored_live:.0f}, the killed one answered {answered_by_killed:.0f} before dying",
                file=sys.stderr,
            )
        finally:
            for s in servers:
                if s.proc.poll() is None:
                    s.stop()
                else:
                    s.proc.stdout.close()
                    s.proc.stderr.close()

    def test_a_draining_server_is_avoided(self):
        a = Server("--workers", "1", "--no-cache", "--drain-timeout", "5")
        b = Server("--workers", "1")
        try:
            # Hold a's only worker with a rollout whose app never answers, then
            # drain a: it refuses new work (503 draining), which goes to b.
            hold = threading.Thread(
                target=lambda: BaxClient(a.url, connect_retries=0).score(
                    "Calculator-Python-Flask", "```python\nimport time\ntime.sleep(600)\n```", deadline_s=60
                )
            )
            hold.start()
            deadline = time.time() + 20
            while time.time() < deadline and BaxClient(a.url).health()["running"] == 0:
                time.sleep(0.05)
            a.proc.send_signal(signal.SIGTERM)
            deadline = time.time() + 10
            while time.time() < deadline and not BaxClient(a.url).health().get("draining"):
                time.sleep(0.05)
            client = BaxClient([a.url, b.url])
            rs = [client.score("Calculator-Python-Flask", _variant(100 + i)) for i in range(3)]
            self.assertTrue(all(r.reward == 1.0 for r in rs), [r.raw for r in rs])
            info = client.servers()
            # a was tried once, answered 503 draining and is cooling down; b scored all.
            self.assertEqual(info[0]["sent"], 1, info)
            self.assertTrue(info[0]["cooling_down"], info)
            self.assertEqual(info[1]["sent"], 3, info)
            self.assertTrue(a.wait_log("draining"), a.log)
            hold.join(timeout=120)
        finally:
            for s in (a, b):
                if s.proc.poll() is None:
                    s.stop()
                else:
                    s.proc.stdout.close()
                    s.proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
