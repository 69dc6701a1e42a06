"""Re-run the tool on chosen targets of a quality run, and log every reply the model gave.

    python bench/quality_retest.py PROJECT QUALNAME[,QUALNAME...] LABEL FILE[,FILE...] [--work-dir DIR]

PROJECT is a project folder of an earlier `bench/quality.py` run (its git
repository's HEAD is the stripped commit, with the configuration's
`[tool.docstring-hook]` table). It is cloned afresh into
`<work>/runs/LABEL`, the table's `include-regex` narrowed to the given
qualified names, and the real CLI (the code BENCH_SOURCE names) documents
them against a new model server, through a logging proxy on 127.0.0.1 that
writes each chat request's last message and the reply to `replies.jsonl`:
what the model actually answered, which the tool's report does not keep for
a refused draft. For looking at failures, not for the benchmark's table.
"""

from __future__ import annotations

import argparse
import http.server
import json
import re
import shutil
import socketserver
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import quality_model
from _common import BENCH, SOURCE_REVISION, bench_env, tool


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("qualnames")
    parser.add_argument("label")
    parser.add_argument("files")
    parser.add_argument("--work-dir", type=Path, default=BENCH / ".quality")
    args = parser.parse_args()
    work: Path = args.work_dir.resolve()
    out = work / "runs" / args.label
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    project = out / args.project.name
    subprocess.run(["git", "clone", "-q", str(args.project), str(project)], check=True, timeout=300)
    _narrow(project / "pyproject.toml", args.qualnames.split(","))
    model, python = quality_model.assemble(work), quality_model.server_python(work)
    print(f"code {SOURCE_REVISION}", flush=True)
    with quality_model.serving(python, model, out / "server.log") as upstream:
        base, server = _logging_proxy(upstream, out / "replies.jsonl")
        env = bench_env({"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "local-no-key"}, drop=("AZURE_OPENAI_", "OPENAI_API_VERSION"))
        command = [
            tool("docstring-hook"), "--model", quality_model.SERVED_NAME, "--concurrency", "1",
            "--cache-dir", str(out / "cache"), "--report", str(out / "report.json"), "-v", *args.files.split(","),
        ]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=4 * 3600, check=False)
        server.shutdown()
    print(done.returncode, done.stdout, done.stderr, sep="\n")
    replies = out / "replies.jsonl"
    for line in replies.read_text().splitlines() if replies.exists() else []:
        entry = json.loads(line)
        print(entry["status"], (entry.get("reply") or "")[:300].replace("\n", " "))
    return 0


def _narrow(pyproject: Path, qualnames: list[str]) -> None:
    pattern = json.dumps([f"^{re.escape(name)}$" for name in qualnames])
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(re.sub(r"include-regex = \[.*\]", lambda _: f"include-regex = {pattern}", text), encoding="utf-8")


def _logging_proxy(upstream: str, log: Path) -> tuple[str, socketserver.TCPServer]:
    """A proxy on 127.0.0.1 in front of `upstream` (…/v1) that logs each chat reply; its base URL and server."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._forward(None)

        def do_POST(self) -> None:
            self._forward(self.rfile.read(int(self.headers.get("content-length") or 0)))

        def _forward(self, body: bytes | None) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            request = urllib.request.Request(upstream + self.path.removeprefix("/v1"), data=body, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=3600) as answer:
                    status, reply_headers, data = answer.status, answer.headers, answer.read()
            except urllib.error.HTTPError as error:
                status, reply_headers, data = error.code, error.headers, error.read()
            if body:
                _note(log, status, body, data)
            self.send_response(status)
            for name, value in reply_headers.items():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1", server


def _note(log: Path, status: int, body: bytes, data: bytes) -> None:
    try:
        sent, got = json.loads(body), json.loads(data)
        reply = (got.get("choices") or [{}])[0].get("message", {}).get("content")
        entry = {"status": status, "asked": sent["messages"][-1]["content"][-1500:], "reply": reply}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        entry = {"status": status, "error": str(error)}
    with log.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    sys.exit(main())
