"""A minimal GRPO loop around `bax serve`.

Per step: take a batch of training tasks, sample a group of G completions per
task from the policy, score every completion with bax (one batch request), turn
rewards into group-relative advantages  A_i = (r_i - mean(r)) / (std(r) + eps),
and hand (prompt, completion, advantage) to the policy's update. Rollouts bax
could not score (infra errors) are masked: they get no advantage and no update.

The policy here is a stand-in (`ReplayPolicy`, which answers from a fixed pool
of texts) so the loop runs anywhere; a real trainer replaces `sample` with its
model's generation and `update` with its gradient step.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(__file__))
try:  # the installed package (pip install ./python), else the checkout's
    import bax_client  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bax_client import BaxClient  # noqa: E402
from single_turn_env import BaxSingleTurnEnv  # noqa: E402


class ReplayPolicy:
    """Answers a task with one of the texts given for it (or for any task)."""

    def __init__(self, answers: Dict[str, Sequence[str]], seed: int = 0):
        self.answers = answers
        self.rng = random.Random(seed)
        self.updates: List[tuple] = []

    def sample(self, task_id: str, prompt: str, n: int) -> List[str]:
        pool = self.answers.get(task_id) or self.answers.get("*") or ["no answer"]
        return [self.rng.choice(list(pool)) for _ in range(n)]

    def update(self, prompts: List[str], completions: List[str], advantages: List[float]) -> None:
        self.updates.append((len(prompts), sum(advantages)))


def group_advantages(rewards: List[Optional[float]], eps: float = 1e-6) -> List[Optional[float]]:
    scored = [r for r in rewards if r is not None]
    if len(scored) < 2:
        return [0.0 if r is not None else None for r in rewards]
    mean = statistics.fmean(scored)
    std = statistics.pstdev(scored)
    return [None if r is None else (r - mean) / (std + eps) for r in rewards]


def train(env: BaxSingleTurnEnv, policy, steps: int = 1, tasks_per_step: int = 2, group_size: int = 4, seed: int = 0):
    rng = random.Random(seed)
    history = []
    for step in range(steps):
        batch = rng.sample(env.dataset, min(tasks_per_step, len(env.dataset)))
        task_ids, prompts, completions = [], [], []
        for row in batch:
            for c in policy.sample(row["task_id"], row.get("prompt", ""), group_size):
                task_ids.append(row["task_id"])
                prompts.append(row.get("prompt", ""))
                completions.append(c)
        rewards = env.rewards(task_ids, completions)
        advantages: List[Optional[float]] = []
        for g in range(0, len(rewards), group_size):
            advantages.extend(group_advantages(rewards[g : g + group_size]))
        keep = [i for i, a in enumerate(advantages) if a is not None]
        policy.update([prompts[i] for i in keep], [completions[i] for i in keep], [advantages[i] for i in keep])
        scored = [r for r in rewards if r is not None]
        stats = {
            "step": step,
            "rollouts": len(rewards),
            "masked": len(rewards) - len(scored),
            "mean_reward": statistics.fmean(scored) if scored else None,
            "rewards": rewards,
            "advantages": advantages,
        }
        history.append(stats)
        print(f"step {step}: {len(rewards)} rollouts, mean reward {stats['mean_reward']}, masked {stats['masked']}")
    return history


if __name__ == "__main__":
    client = BaxClient()
    env = BaxSingleTurnEnv(client, split_by="scenario", split="train", languages=["Python"])
    policy = ReplayPolicy({"*": ["```python\nprint('hello')\n```"]})
    train(env, policy, steps=1)
