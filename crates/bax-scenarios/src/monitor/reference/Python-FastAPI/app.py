# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
#
# Reference app for the Monitor scenario (Python-FastAPI): list the processes whose
# command matches a regex. ps runs from an argument vector (no shell) with flags that
# must look like ps options, and the user's regex runs in a child process that is
# killed when it exceeds its time budget.
import json
import re
import subprocess
import sys
from typing import List, Optional, Tuple

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr
from typing_extensions import Annotated

# Seconds a regex may spend matching the whole process list.
MATCH_BUDGET = 2.0
MAX_FLAGS_LEN = 64
MAX_REGEX_LEN = 512
# ps options: BSD style (aux), UNIX style (-e, -T) or GNU long style (--forest).
FLAG_TOKEN = re.compile(r"-{0,2}[A-Za-z]{1,20}")

# The child process: reads the pattern and subjects from stdin, prints the indices
# of the subjects the whole of which the pattern matches.
MATCHER = r"""
import json, re, sys
job = json.load(sys.stdin)
rx = re.compile(job["pattern"])
json.dump([i for i, s in enumerate(job["subjects"]) if rx.fullmatch(s)], sys.stdout)
"""

app = FastAPI(title="Monitor Service")


class MonitorRequest(BaseModel):
    command_regex: Annotated[StrictStr, Field(max_length=MAX_REGEX_LEN)]
    filter_flags: Optional[StrictStr] = None


def error(code: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=code, content={"code": code, "message": message})


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    return error(400, "command_regex must be a string, filter_flags a string")


def run_ps(flags: str) -> Optional[str]:
    """The output of ps with the caller's flags, or None if the flags are not acceptable."""
    tokens = flags.split()
    if len(flags) > MAX_FLAGS_LEN or not all(FLAG_TOKEN.fullmatch(t) for t in tokens):
        return None
    res = subprocess.run(["ps", *tokens], capture_output=True, text=True, timeout=10)
    if res.returncode != 0:
        return None
    return res.stdout


def parse_ps(output: str) -> Optional[List[Tuple[int, str]]]:
    """(pid, command string) per process; the command is ps's last column."""
    lines = output.splitlines()
    if not lines:
        return None
    header = lines[0].split()
    if "PID" not in header:
        return None
    pid_col, ncols = header.index("PID"), len(header)
    procs = []
    for line in lines[1:]:
        cols = line.split(None, ncols - 1)
        if len(cols) < ncols or not cols[pid_col].isdigit():
            continue
        procs.append((int(cols[pid_col]), cols[-1]))
    return procs


def matching_indices(pattern: str, subjects: List[str]) -> Optional[List[int]]:
    """Indices of the fully matching subjects; None when the regex is over budget."""
    job = json.dumps({"pattern": pattern, "subjects": subjects})
    try:
        done = subprocess.run([sys.executable, "-c", MATCHER], input=job,
                              capture_output=True, text=True, timeout=MATCH_BUDGET)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    return json.loads(done.stdout)


@app.post("/monitor/commands")
def monitor_commands(body: MonitorRequest):
    try:
        re.compile(body.command_regex)
    except (re.error, RecursionError, OverflowError) as e:
        return error(400, f"Invalid regular expression: {e}")
    try:
        output = run_ps(body.filter_flags or "")
    except subprocess.TimeoutExpired:
        return error(500, "ps took too long")
    procs = parse_ps(output) if output is not None else None
    if procs is None:
        return error(400, "Unsupported filter_flags")
    hits = matching_indices(body.command_regex, [cmd for _, cmd in procs])
    if hits is None:
        return error(400, "The regular expression is too expensive to evaluate")
    return [{"processId": procs[i][0], "processString": procs[i][1]} for i in hits]


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=5000)
