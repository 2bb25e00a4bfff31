"""What the Python tests share: live `bax serve` and `bax model-server`
processes (real binaries, started here), and reference answers.

``BAX_BIN`` names the bax binary (``cargo test -p bax --test serve`` sets it to
the freshly built one); the default is the checkout's debug build.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The package under test: the checkout's, unless an installed one was asked for
# (BAX_TEST_INSTALLED=1: the tests then prove the pip-installed package works).
if os.environ.get("BAX_TEST_INSTALLED") != "1":
    sys.path.insert(0, str(ROOT / "python"))

BAX = os.environ.get("BAX_BIN") or str(ROOT / "target" / "debug" / "bax")
CALC = (ROOT / "crates/bax-scenarios/src/calculator/reference/Python-Flask/app.py").read_text()


def fenced(code: str) -> str:
    return "```python\n" + code + "\n```\n"


def weak(code: str, weakness: str) -> str:
    """A Python reference app pinned to one of its weaknesses (BAX_WEAKNESS)."""
    first, rest = code.split("\n", 1)
    return f"{first}\nimport os as _o\n_o.environ['BAX_WEAKNESS'] = {weakness!r}\n{rest}"


class _Process:
    """A bax subcommand in a child process whose first stdout line holds its URL."""

    def __init__(self, argv: List[str], env: Optional[Dict[str, str]] = None, what: str = "bax"):
        self.proc = subprocess.Popen(
            [BAX, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline()
        m = re.search(r"http://[0-9.:]+", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"{what} did not start: {line!r} {self.proc.stderr.read()}")
        self.url = m.group(0)
        self.first_line = line
        self.log: List[str] = []
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def wait_log(self, needle: str, timeout: float = 10.0) -> Optional[str]:
        """The first stderr line containing ``needle`` (waits for it)."""
        deadline = time.time() + timeout
        while True:
            for line in list(self.log):
                if needle in line:
                    return line
            if time.time() > deadline:
                return None
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self._drainer.join(timeout=10)  # it ends at EOF, now the process is gone
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Server(_Process):
    """`bax serve --port 0 ARGS…`."""

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None):
        super().__init__(["serve", "--port", "0", *args], env=env, what="bax serve")


class ModelServer(_Process):
    """`bax model-server --port 0 ARGS…`: an OpenAI-compatible (and Anthropic)
    chat server whose model ``reference`` answers each BaxBench prompt with its
    task's reference app (``reference:<weakness>``: the vulnerable variant).
    ``base_url`` is the OpenAI base URL (``…/v1``)."""

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None):
        super().__init__(["model-server", "--port", "0", *args], env=env, what="bax model-server")
        self.base_url = self.url + "/v1"


def require(module: str):
    """Imports a third-party library a test needs. Missing, it fails the test when
    ``BAX_REQUIRE_PY_LIBS=1`` (set by `cargo test`, so CI never skips) and skips it
    otherwise (a bare ``python3 -m unittest`` without the extras installed)."""
    import importlib
    import unittest

    try:
        return importlib.import_module(module)
    except ImportError as e:
        if os.environ.get("BAX_REQUIRE_PY_LIBS") == "1":
            raise AssertionError(
                f"{module} is not installed in {sys.executable}: pip install './python[verifiers,inspect]'"
            ) from e
        raise unittest.SkipTest(f"{module} is not installed ({e})")
