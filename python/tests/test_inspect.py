"""Tests of `bax_client.inspect` (the inspect_ai task `baxbench` and its scorer)
against a real `bax serve` and a real `bax model-server` (both started here),
with real `inspect_ai.eval()` runs and real `inspect eval` CLI runs.

Run: BAX_BIN=target/debug/bax BAX_REQUIRE_PY_LIBS=1 python -m unittest -v python/tests/test_inspect.py
(needs inspect_ai, root and the provisioned runtimes, like the other tests here).
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(__file__))
from _support import ROOT, ModelServer, Server, require  # noqa: E402

from bax_client import BaxClient, BaxError  # noqa: E402

# A handful of quick Python-Flask tasks for the end-to-end runs (none of them
# has a timing-sensitive test).
QUICK = ["Calculator", "ClickCount", "Unsubscribe"]
SCENARIO_TEST_SIDE = {"CreditCardService", "FileSearch", "Forum", "Logger", "Recipes", "SecretStorage"}
SERVICE = "local"  # inspect's `openai-api/<service>/<model>`: LOCAL_BASE_URL, LOCAL_API_KEY


@functools.lru_cache(maxsize=None)
def _provider() -> str:
    """Which inspect provider talks to `bax model-server`: "openai" (inspect's
    `openai-api/<service>/<model>`, OpenAI chat completions at …/v1) unless the
    venv's openai package is too old for it (inspect_ai 0.3.285 needs openai>=3.4
    for its OpenAI providers while verifiers 0.4.0 pins openai<3, so a venv with
    both has the old one), then "anthropic" (the same server's /v1/messages).
    BAX_INSPECT_PROVIDER=openai|anthropic forces one."""
    forced = os.environ.get("BAX_INSPECT_PROVIDER")
    if forced:
        return forced
    try:
        from inspect_ai.model._providers.providers import validate_openai_client

        validate_openai_client("OpenAI Compatible API")
        return "openai"
    except ImportError:
        return "openai"
    except Exception as e:  # inspect's PrerequisiteError: openai too old or missing
        print(f"\n  note: inspect's OpenAI provider is unusable here ({str(e).splitlines()[0]}); "
              "using its Anthropic provider against the model server", file=sys.stderr)
        return "anthropic"


def _model(models: "ModelServer", weakness: Optional[str] = None) -> Dict[str, Any]:
    """eval() arguments for the model server's `reference[:<weakness>]` model."""
    name = "reference" + (f":{weakness}" if weakness else "")
    if _provider() == "openai":
        return {"model": f"openai-api/{SERVICE}/{name}", "model_base_url": models.base_url,
                "model_args": {"api_key": "unused"}}
    # Streamed (the model server speaks Anthropic's event stream too).
    return {"model": f"anthropic/{name}", "model_base_url": models.url,
            "model_args": {"api_key": "unused", "streaming": True}, "max_tokens": 32000}


def _model_cli(models: "ModelServer") -> "tuple[List[str], Dict[str, str]]":
    """`inspect eval` arguments and environment for the model server's `reference`."""
    if _provider() == "openai":
        return (["--model", f"openai-api/{SERVICE}/reference"],
                {f"{SERVICE.upper()}_BASE_URL": models.base_url, f"{SERVICE.upper()}_API_KEY": "unused"})
    # Plain (not streamed) Anthropic messages; the Python evals above stream.
    return (["--model", "anthropic/reference", "--model-base-url", models.url, "-M", "api_key=unused",
             "-M", "streaming=false", "--max-tokens", "16000"], {})


def _inspect_modules():
    require("inspect_ai")
    import inspect_ai

    from bax_client import inspect as bax_inspect

    return inspect_ai, bax_inspect


def _run_eval(task, model: str, log_dir: str, **kw: Any):
    """One `inspect_ai.eval()` of `task`, quiet, logged under `log_dir`; its EvalLog."""
    inspect_ai, _ = _inspect_modules()
    logs = inspect_ai.eval(task, model=model, log_dir=log_dir, display="none", **kw)
    assert len(logs) == 1, logs
    return logs[0]


def _score_of(sample) -> Any:
    scores = sample.scores or {}
    assert list(scores) == ["bax_scorer"], scores
    return scores["bax_scorer"]


def _metric(log, score_name: str, metric: str = "mean") -> float:
    for s in log.results.scores:
        if s.name == score_name:
            return s.metrics[metric].value
    raise AssertionError(f"no score {score_name!r} in {[s.name for s in log.results.scores]}")


class _Servers(unittest.TestCase):
    """A `bax serve --workers 2 --no-cache` and a `bax model-server`, shared by the class."""

    @classmethod
    def setUpClass(cls):
        _inspect_modules()
        # No verdict cache: every eval here builds and tests its apps for real.
        cls.server = Server("--workers", "2", "--no-cache")
        try:
            cls.models = ModelServer()
        except Exception:
            cls.server.stop()
            raise
        cls.bax = BaxClient(cls.server.url)
        cls.tmp = tempfile.mkdtemp(prefix="bax-inspect-")

    @classmethod
    def tearDownClass(cls):
        cls.models.stop()
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def log_dir(self) -> str:
        return tempfile.mkdtemp(dir=self.tmp, prefix=self._testMethodName + "-")

    def reference_model(self, weakness: Optional[str] = None) -> Dict[str, Any]:
        return _model(self.models, weakness)


class Dataset(_Servers):
    """The task's samples are the server's BaxBench tasks, prompts verbatim."""

    def test_samples_are_the_scorable_tasks_with_their_exact_prompts(self):
        _, bi = _inspect_modules()
        t = bi.baxbench(frameworks="Flask", url=self.server.url)
        rows = [r for r in self.bax.tasks(frameworks=["Flask"], spec_type="openapi", safety_prompt="none") if r.scorable]
        self.assertGreater(len(rows), 20)
        samples = list(t.dataset)
        self.assertEqual([s.id for s in samples], [r.task_id for r in rows])
        for s, r in zip(samples, rows):
            self.assertTrue(s.id.endswith("-Python-Flask"), s.id)
            self.assertEqual(s.input, r.prompt)  # the user message, byte for byte
            self.assertEqual(s.metadata["task_id"], r.task_id)
            self.assertEqual(s.metadata["scenario"], r.scenario_id)
            self.assertEqual(s.metadata["env"], "Python-Flask")
            self.assertEqual(s.metadata["spec_type"], "openapi")
            self.assertEqual(s.metadata["safety_prompt"], "none")
        self.assertEqual(t.dataset.name, "baxbench")
        # The scorer is bax's; the solver a plain generate().
        from inspect_ai._util.registry import registry_info, registry_params

        self.assertEqual(registry_info(t.scorer[0]).name.split("/")[-1], "bax_scorer")
        self.assertEqual(registry_params(t.scorer[0])["url"], self.server.url)

    def test_prompt_variant_filters_split_and_limit(self):
        _, bi = _inspect_modules()
        url = self.server.url
        text = bi.baxbench(frameworks="Python-Flask", scenarios="Calculator", spec="text", safety="specific", url=url)
        (s,) = list(text.dataset)
        (row,) = self.bax.tasks(frameworks=["Python-Flask"], scenarios=["Calculator"], spec_type="text", safety_prompt="specific")
        self.assertEqual(s.input, row.prompt)
        self.assertEqual((s.metadata["spec_type"], s.metadata["safety_prompt"]), ("text", "specific"))
        openapi = next(iter(bi.baxbench(frameworks="Flask", scenarios=["Calculator"], url=url).dataset))
        self.assertNotEqual(openapi.input, s.input)

        # Comma-separated filters, as `-T scenarios=A,B` passes them.
        two = bi.baxbench(frameworks="Flask", scenarios="Calculator,Login", url=url)
        self.assertEqual(sorted(x.id for x in two.dataset), ["Calculator-Python-Flask", "Login-Python-Flask"])
        self.assertEqual(len(bi.baxbench(frameworks="Flask", limit_tasks=2, url=url).dataset), 2)

        # The pinned scenario split (docs/serve.md): seed 42, test_size 0.2.
        test_side = bi.baxbench(split_by="scenario", split="test", languages="Python", url=url)
        self.assertEqual({x.metadata["scenario"] for x in test_side.dataset}, SCENARIO_TEST_SIDE)
        self.assertTrue(all(x.metadata["split"] == "test" for x in test_side.dataset))
        train = bi.baxbench(split_by="scenario", split="train", frameworks="Flask", url=url)
        self.assertFalse({x.metadata["scenario"] for x in train.dataset} & SCENARIO_TEST_SIDE)

        # Nothing to evaluate is an error at task creation, not an empty eval.
        with self.assertRaises((ValueError, BaxError)):
            bi.baxbench(frameworks="Flask", scenarios="NoSuchScenario", url=url)


class Evals(_Servers):
    """Real `inspect_ai.eval()` runs: model-server answers, scored by bax serve."""

    def test_reference_answers_score_one(self):
        _, bi = _inspect_modules()
        started = time.time()
        log = _run_eval(
            bi.baxbench(frameworks="Flask", scenarios=QUICK, url=self.server.url),
            log_dir=self.log_dir(),
            **self.reference_model(),
        )
        self.assertEqual(log.status, "success", log.error)
        self.assertEqual(sorted(s.id for s in log.samples), sorted(f"{x}-Python-Flask" for x in QUICK))
        for sample in log.samples:
            self.assertIsNone(sample.error)
            sc = _score_of(sample)
            self.assertEqual(sc.value["sec_pass"], 1.0, (sample.id, sc.explanation))
            self.assertEqual(sc.value["pass"], 1.0)
            self.assertEqual(sc.value["functional_pass_rate"], 1.0)
            self.assertEqual(sc.value["security_pass_rate"], 1.0)
            md = sc.metadata
            self.assertEqual(md["cwes"], [])
            self.assertIsNone(md["parse_error"])
            self.assertTrue(md["built"])
            self.assertTrue(any(t["kind"] == "functional" for t in md["tests"]))
            self.assertTrue(any(t["kind"] == "security" for t in md["tests"]))
            for t in md["tests"]:
                if t["kind"] == "functional":
                    self.assertTrue(t["passed"], t)
                else:  # a security test passes when it completed and found nothing
                    self.assertEqual((t["cwes"], t["exception"]), ([], None), t)
            self.assertGreater(md["timings"]["total_s"], 0)
            self.assertFalse(any((t.get("cost") or {}).get("cached") for t in md["tests"]), md["tests"])
            self.assertTrue(md["request_id"].startswith(f"inspect-{sample.id}-"))
            fun = sum(1 for t in md["tests"] if t["kind"] == "functional")
            sec = len(md["tests"]) - fun
            self.assertEqual(sc.answer, f"sec_pass 1, functional {fun}/{fun}, security {sec}/{sec}, no CWE")
            self.assertTrue(sc.explanation)
            # bax serve logged this very rollout.
            line = self.server.wait_log(f"request={md['request_id']}")
            self.assertIsNotNone(line)
            self.assertRegex(line, rf"\bOK\s+task={sample.id}\b")
        # Metrics per key of the score's dict; sec_pass is the headline.
        for key in ("sec_pass", "pass", "functional_pass_rate", "security_pass_rate"):
            self.assertEqual(_metric(log, key), 1.0, key)
        self.assertEqual(_metric(log, "sec_pass", "stderr"), 0.0)
        if getattr(log.results, "headline", None) is not None:
            self.assertEqual(log.results.headline.score, "sec_pass")
            self.assertEqual(log.results.headline.metric, "mean")
        print(f"\n  reference eval of {len(QUICK)} tasks: {time.time() - started:.1f}s", file=sys.stderr)

    def test_vulnerable_answer_scores_zero_with_its_cwe_and_evidence(self):
        _, bi = _inspect_modules()
        log = _run_eval(
            bi.baxbench(frameworks="Flask", scenarios="Calculator", url=self.server.url),
            log_dir=self.log_dir(),
            **self.reference_model("code_injection"),
        )
        self.assertEqual(log.status, "success", log.error)
        (sample,) = log.samples
        sc = _score_of(sample)
        self.assertEqual(sc.value["sec_pass"], 0.0)
        self.assertEqual(sc.value["pass"], 1.0)  # it works; it is not safe
        self.assertEqual(sc.value["functional_pass_rate"], 1.0)
        self.assertLess(sc.value["security_pass_rate"], 1.0)
        self.assertIn(94, sc.metadata["cwes"])
        self.assertIn("CWE 94", sc.answer)
        self.assertIn("CWE-94", sc.explanation)
        caught = [t for t in sc.metadata["tests"] if 94 in (t.get("cwes") or [])]
        self.assertTrue(caught, sc.metadata["tests"])
        self.assertTrue(all(t["evidence"] for t in caught), caught)
        self.assertEqual(_metric(log, "sec_pass"), 0.0)
        self.assertEqual(_metric(log, "pass"), 1.0)

    def test_mockllm_answer_without_code_scores_zero_with_parse_error(self):
        _, bi = _inspect_modules()
        from inspect_ai.model import ModelOutput, ModelUsage
        from inspect_ai.model._providers.mockllm import MockLLM

        def default_outputs():
            # mockllm's own default answer (no code in it), with its usage given:
            # left out, mockllm counts tokens with tiktoken, which downloads its
            # encoding from the internet.
            while True:
                out = ModelOutput.from_content(model="mockllm", content=MockLLM.default_output)
                out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
                yield out

        log = _run_eval(
            bi.baxbench(frameworks="Flask", scenarios="Calculator", url=self.server.url),
            model="mockllm/model",
            model_args={"custom_outputs": default_outputs()},
            log_dir=self.log_dir(),
        )
        self.assertEqual(log.status, "success", log.error)
        (sample,) = log.samples
        self.assertIsNone(sample.error)
        sc = _score_of(sample)
        self.assertEqual(sc.value["sec_pass"], 0.0)
        self.assertEqual(sc.value["pass"], 0.0)
        self.assertTrue(sc.metadata["parse_error"])
        self.assertFalse(sc.metadata["built"])
        self.assertEqual(sc.metadata["cwes"], [])
        self.assertTrue(sc.answer.startswith("no app: "), sc.answer)
        self.assertEqual(sample.output.completion, "Default output from mockllm/model")
        self.assertEqual(_metric(log, "sec_pass"), 0.0)


class InfraErrors(unittest.TestCase):
    """A harness failure is a sample error (retried, never a 0), not a score."""

    def test_missing_runtime_is_a_sample_error_not_a_zero(self):
        inspect_ai, bi = _inspect_modules()
        home = tempfile.mkdtemp(dir="/var/tmp", prefix="bax-empty-home-")
        os.chmod(home, 0o755)
        tmp = tempfile.mkdtemp(prefix="bax-inspect-infra-")
        server = Server("--workers", "1", env={"BAX_HOME": home})
        models = ModelServer()
        try:
            model = _model(models)
            task = lambda: bi.baxbench(frameworks="Flask", scenarios="Calculator", url=server.url)  # noqa: E731

            # Tolerated errors, one retry: the sample is scored twice by bax,
            # both times runtime_missing, and ends as an error with no score.
            log = _run_eval(task(), log_dir=tmp, fail_on_error=False, retry_on_error=1, **model)
            (sample,) = log.samples
            self.assertIsNotNone(sample.error)
            self.assertIn("runtime_missing", sample.error.message)
            self.assertIn("InfraError", sample.error.traceback or sample.error.message)
            self.assertEqual(len(sample.error_retries or []), 1)
            self.assertFalse(sample.scores)  # no score at all, least of all a 0
            self.assertTrue(all(s.scored_samples == 0 for s in (log.results.scores if log.results else [])))
            metrics = BaxClient(server.url).metrics()
            m = re.search(r'bax_infra_errors_total\{kind="runtime_missing"\} (\d+)', metrics)
            self.assertIsNotNone(m, metrics)
            self.assertEqual(int(m.group(1)), 2)
            self.assertNotRegex(metrics, r'bax_rewards_total\{reward="0(\.0)?"\} [1-9]')

            # inspect's default (fail on the first sample error): the eval fails.
            failed = _run_eval(task(), log_dir=tmp, **model)
            self.assertEqual(failed.status, "error")
        finally:
            models.stop()
            server.stop()
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)


def _installed_entry_point() -> Optional[str]:
    """Where an installed bax-client declaring inspect_ai's entry point lives, as
    the `inspect` child process sees it (this process's sys.path also has the
    checkout, which may hold stale metadata); None when it is not installed."""
    probe = (
        "import importlib.metadata as m\n"
        "try:\n    d = m.distribution('bax-client')\nexcept m.PackageNotFoundError:\n    raise SystemExit(0)\n"
        "if any(e.group == 'inspect_ai' and e.name == 'bax_client' for e in d.entry_points):\n"
        "    print(d.locate_file(''))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, cwd="/")
    return out.stdout.strip() or None


def _wheel_like_install(dest: pathlib.Path) -> pathlib.Path:
    """What `pip install ./python` puts in site-packages, as far as inspect cares:
    the package and a dist-info whose entry_points.txt is pyproject.toml's
    ``[project.entry-points.*]`` tables. (pip itself needs setuptools>=68 and
    wheel, which an offline venv may lack.) Returns the site-packages folder."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = require("tomli")
    project = tomllib.loads((ROOT / "python" / "pyproject.toml").read_text())["project"]
    site = dest / "site-packages"
    shutil.copytree(ROOT / "python" / "bax_client", site / "bax_client", ignore=shutil.ignore_patterns("__pycache__"))
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    groups = project.get("entry-points", {})
    (info / "entry_points.txt").write_text(
        "".join(f"[{g}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n" for g, eps in groups.items())
    )
    (info / "top_level.txt").write_text("bax_client\n")
    return site


class Cli(_Servers):
    """`inspect eval …` in a child process (the venv's `inspect` executable)."""

    def inspect_eval(self, task_spec: str, env: Dict[str, str], *args: str):
        # The venv's console script (what `pip install inspect-ai` puts on PATH),
        # else the same entry point through `python -m inspect_ai`.
        exe = pathlib.Path(sys.executable).with_name("inspect")
        cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "inspect_ai"]
        model_args, model_env = _model_cli(self.models)
        log_dir = self.log_dir()
        argv = [
            *cli, "eval", task_spec, *model_args,
            "-T", "frameworks=Flask", "-T", "scenarios=Calculator",
            "--log-dir", log_dir, "--log-format", "json", "--display", "none",
            *args,
        ]  # fmt: skip
        child_env = {**os.environ, "BAX_URL": self.server.url, **model_env, **env}  # BAX_URL: the task's default
        started = time.time()
        p = subprocess.run(argv, env=child_env, capture_output=True, text=True, timeout=300, cwd=self.tmp)
        seconds = time.time() - started
        logs = sorted(pathlib.Path(log_dir).glob("*.json"))
        log = json.loads(logs[0].read_text()) if len(logs) == 1 else {}
        why = f"{argv}\nstdout: {p.stdout[-3000:]}\nstderr: {p.stderr[-3000:]}\nlog error: {str(log.get('error'))[:3000]}"
        self.assertEqual(p.returncode, 0, why)
        self.assertEqual(len(logs), 1, why)
        self.assertEqual(log["status"], "success", why)
        (sample,) = log["samples"]
        self.assertEqual(sample["id"], "Calculator-Python-Flask")
        sc = sample["scores"]["bax_scorer"]
        self.assertEqual(sc["value"]["sec_pass"], 1.0, sc.get("explanation"))
        self.assertEqual(sc["metadata"]["cwes"], [])
        means = {s["name"]: s["metrics"]["mean"]["value"] for s in log["results"]["scores"]}
        self.assertEqual(means, {"sec_pass": 1.0, "pass": 1.0, "functional_pass_rate": 1.0, "security_pass_rate": 1.0})
        if "headline" in log["results"]:
            self.assertEqual(log["results"]["headline"], {"scorer": "bax_scorer", "score": "sec_pass", "metric": "mean"})
        print(f"\n  {task_spec}: {seconds:.1f}s", file=sys.stderr)
        return log

    def test_cli_registered_task_via_entry_point(self):
        # The installed package when there is one (pip install './python[inspect]'),
        # else this checkout installed the way pip would, into a temp site-packages.
        installed = None if os.environ.get("BAX_TEST_WHEEL_LIKE") == "1" else _installed_entry_point()
        if installed:
            print(f"\n  using the installed bax-client ({installed})", file=sys.stderr)
            env: Dict[str, str] = {}
        else:
            site = _wheel_like_install(pathlib.Path(self.log_dir()))
            env = {"PYTHONPATH": str(site)}
        log = self.inspect_eval("bax_client/baxbench", env)
        self.assertEqual(log["eval"]["task"], "bax_client/baxbench")
        self.assertEqual(log["eval"]["task_args"].get("frameworks"), "Flask")

    def test_cli_task_file(self):
        log = self.inspect_eval(
            str(ROOT / "python" / "bax_client" / "inspect.py") + "@baxbench",
            {"PYTHONPATH": str(ROOT / "python")},
        )
        self.assertEqual(log["eval"]["task"], "baxbench")


if __name__ == "__main__":
    unittest.main()
