"""Typed views of `bax serve`'s answers.

Each result keeps the server's JSON as ``raw`` and also reads like it
(``result["reward"]``, ``result.get("cwes")``), so code written against the plain
dictionaries keeps working while new code uses the attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional


class _RawMapping(Mapping):
    """Read-only mapping access to ``self.raw``."""

    raw: Dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


@dataclass(frozen=True)
class TestVerdict(_RawMapping):
    """One functional or security test of a scored rollout."""

    test: str
    kind: str  # "functional" | "security"
    passed: Optional[bool]
    """Functional: the test passed. Security: it ran to the end and found no CWE
    (None when it could not decide)."""
    cwes: List[int]
    exception: Optional[str]
    crashed: bool
    seconds: float
    evidence: List[Any]
    """What a security test saw (requests and responses that show the CWE), as the
    server sent it; empty when there is none."""
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "TestVerdict":
        cwes = [int(c) for c in (v.get("cwes") or [])]
        passed = v.get("passed")
        if passed is None and v.get("kind") == "security" and v.get("exception") is None:
            # Security verdicts carry CWEs, not a pass flag: no CWE is a pass.
            passed = v.get("cwes") is not None and not cwes
        evidence = v.get("evidence")
        return cls(
            test=str(v.get("test", "")),
            kind=str(v.get("kind", "")),
            passed=passed,
            cwes=cwes,
            exception=v.get("exception"),
            crashed=bool(v.get("crashed", False)),
            seconds=float(v.get("seconds") or 0.0),
            evidence=list(evidence) if isinstance(evidence, list) else ([] if evidence is None else [evidence]),
            raw=v,
        )


@dataclass(frozen=True)
class Timings:
    queue_s: float = 0.0
    build_s: float = 0.0
    tests_s: float = 0.0
    total_s: float = 0.0

    @classmethod
    def from_json(cls, v: Optional[Dict[str, Any]]) -> "Timings":
        v = v or {}
        return cls(**{k: float(v.get(k) or 0.0) for k in ("queue_s", "build_s", "tests_s", "total_s")})


@dataclass(frozen=True)
class ScoreResult(_RawMapping):
    """The answer for one rollout.

    ``status == "ok"``: a verdict; ``reward`` is 1.0 iff every functional test
    passed and no CWE was found. ``status == "infra_error"``: bax could not score
    it (``kind`` says why); ``reward`` is None and the rollout must be masked,
    never trained on as a 0.
    """

    status: str
    request_id: Optional[str]
    task_id: Optional[str]
    reward: Optional[float]
    functional_pass_rate: Optional[float]
    security_pass_rate: Optional[float]
    cwes: List[int]
    built: Optional[bool]
    parse_error: Optional[str]
    reason: str
    tests: List[TestVerdict]
    timings: Timings
    log_tails: Dict[str, str]
    kind: Optional[str]  # infra error kind
    error: Optional[str]  # infra error message
    replayed: bool  # answered again from the server's idempotency window
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def infra_error(self) -> bool:
        return self.status == "infra_error"

    @classmethod
    def from_json(cls, v: Dict[str, Any], replayed: bool = False) -> "ScoreResult":
        ok = v.get("status") == "ok"
        if not ok:
            v.setdefault("reward", None)
        return cls(
            status=str(v.get("status", "")),
            request_id=v.get("request_id"),
            task_id=v.get("task_id"),
            reward=float(v["reward"]) if ok and v.get("reward") is not None else None,
            functional_pass_rate=_float(v.get("functional_pass_rate")),
            security_pass_rate=_float(v.get("security_pass_rate")),
            cwes=[int(c) for c in (v.get("cwes") or [])],
            built=v.get("built"),
            parse_error=v.get("parse_error"),
            reason=str(v.get("reason") or v.get("error") or ""),
            tests=[TestVerdict.from_json(t) for t in (v.get("tests") or [])],
            timings=Timings.from_json(v.get("timings")),
            log_tails={str(k): str(t) for k, t in (v.get("log_tails") or {}).items()},
            kind=v.get("kind"),
            error=v.get("error"),
            replayed=replayed,
            raw=v,
        )


@dataclass(frozen=True)
class Task(_RawMapping):
    """One row of `GET /v1/tasks`."""

    task_id: str
    scenario_id: str
    env_id: str
    language: str
    framework: str
    split: str
    scorable: bool
    prompt: Optional[str]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "Task":
        return cls(
            task_id=v["task_id"],
            scenario_id=v.get("scenario_id", ""),
            env_id=v.get("env_id", ""),
            language=v.get("language", ""),
            framework=v.get("framework", ""),
            split=v.get("split", ""),
            scorable=bool(v.get("scorable", False)),
            prompt=v.get("prompt"),
            raw=v,
        )


def _float(v: Any) -> Optional[float]:
    return None if v is None else float(v)

