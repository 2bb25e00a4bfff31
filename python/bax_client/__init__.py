"""bax-client: score model completions with bax (BaxBench's tests, as a reward).

    from bax_client import BaxClient
    bax = BaxClient("http://127.0.0.1:8000")          # or $BAX_URL; token from $BAX_TOKEN
    r = bax.score("Calculator-Python-Flask", completion_text)
    r.reward                  # 1.0 iff every functional test passes and no CWE is found
    r.functional_pass_rate, r.security_pass_rate, r.cwes, r.tests
    r["reward"]               # the server's JSON, as before

    from bax_client import AsyncBaxClient             # the same API, awaitable (httpx)

An infra error (bax could not score: no runtime, sandbox failure, deadline) is
never a reward: ``score()`` returns it with ``status == "infra_error"`` and
``reward is None``; ``reward()`` raises :class:`InfraError` so a trainer masks
the rollout. Integrations: :mod:`bax_client.verifiers` (a verifiers environment)
and :mod:`bax_client.inspect` (an inspect_ai task); docs/trainers.md covers
prime-rl, verl, OpenRLHF and TRL.
"""

import importlib.util

from ._client import (
    DEFAULT_URL,
    BaxClient,
    BaxError,
    InfraError,
    Overloaded,
    new_request_id,
    reward,
    score,
    token_from_env,
)
from .types import ScoreResult, Task, TestVerdict, Timings

__version__ = "0.1.0"

# verifiers (>= 0.4.0) resolves the environment id `bax-client` by importing this
# package and reading its Taskset / Harness / Env classes off __all__; they live
# in bax_client.verifiers and are imported only when asked for.
_VERIFIERS_PLUGIN = ("BaxEnv", "BaxTaskset", "SingleTurnHarness")


def __getattr__(name: str):
    # The async client needs httpx, the verifiers classes verifiers: import them
    # only when asked for.
    if name == "AsyncBaxClient":
        from ._async import AsyncBaxClient

        return AsyncBaxClient
    if name in _VERIFIERS_PLUGIN:
        from . import verifiers

        return getattr(verifiers, name)
    raise AttributeError(name)


__all__ = [
    "AsyncBaxClient",
    "BaxClient",
    "BaxError",
    "DEFAULT_URL",
    "InfraError",
    "Overloaded",
    "ScoreResult",
    "Task",
    "TestVerdict",
    "Timings",
    "new_request_id",
    "reward",
    "score",
    "token_from_env",
]
if importlib.util.find_spec("verifiers") is not None:
    __all__ += list(_VERIFIERS_PLUGIN)
