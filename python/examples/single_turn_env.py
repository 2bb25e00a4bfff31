"""A single-turn RL environment whose reward comes from `bax serve`.

One episode: the policy sees a task's prompt (built by bax, as BaxBench builds
it) and answers once; the reward is bax's: 1.0 iff every functional test passes
and no CWE is found. Rollouts bax could not score (infra errors) are masked, not
scored 0.

`BaxSingleTurnEnv` is a dependency-free environment (dataset + reward) that any
trainer loop can drive (see grpo_loop.py). For the trainer libraries themselves use
the package's integrations: `bax_client.verifiers.load_environment` (verifiers /
prime-rl), `bax_client.trl`, `bax_client.verl`, `bax_client.openrlhf`
(docs/trainers.md).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional

try:  # the installed package (pip install ./python), else the checkout's
    import bax_client  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bax_client import BaxClient  # noqa: E402


class BaxSingleTurnEnv:
    def __init__(
        self,
        client: BaxClient,
        split_by: str = "scenario",
        split: str = "train",
        split_seed: int = 42,
        test_size: float = 0.2,
        languages=(),
        spec_type: str = "openapi",
        safety_prompt: str = "none",
    ):
        self.client = client
        self.spec_type = spec_type
        self.safety_prompt = safety_prompt
        rows = client.tasks(
            split_by=split_by,
            split=split,
            split_seed=split_seed,
            test_size=test_size,
            languages=languages,
            spec_type=spec_type,
            safety_prompt=safety_prompt,
        )
        # Only tasks bax can score.
        self.dataset: List[Dict[str, Any]] = [r for r in rows if r.get("scorable")]

    def rewards(self, task_ids: List[str], completions: List[str]) -> List[Optional[float]]:
        """Scores a group of rollouts in one batch; None marks an infra error."""
        items = [
            {"task_id": t, "completion": c, "spec_type": self.spec_type, "safety_prompt": self.safety_prompt}
            for t, c in zip(task_ids, completions)
        ]
        out = []
        for r in self.client.score_batch(items):
            out.append(float(r["reward"]) if r.get("status") == "ok" else None)
        return out


if __name__ == "__main__":
    env = BaxSingleTurnEnv(BaxClient())
    print(f"{len(env.dataset)} training tasks; first: {env.dataset[0]['task_id'] if env.dataset else '-'}")
