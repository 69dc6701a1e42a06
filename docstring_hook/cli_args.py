"""The command line's flags: every documented flag, grouped as `--help` shows them.

Flags left unset are None, so that pyproject.toml's settings stand; `cli`
turns them into `Settings` and decides what to do.
"""

from __future__ import annotations

import argparse

from docstring_hook import __version__

EPILOG = """\
endpoint (environment only):
  AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT, OPENAI_API_VERSION
  or OPENAI_BASE_URL and OPENAI_API_KEY (any OpenAI-compatible server)
  DOCSTRING_HOOK_CACHE_DIR moves the cache

settings: [tool.docstring-hook] in the nearest pyproject.toml; flags override them

exit codes (bits that combine):
  0 nothing to do   1 files rewritten (--check: docstrings missing or files unreadable)
  2 usage, configuration or fatal error   4 targets left undocumented
  130 Ctrl-C (--batch: the job keeps running on the service; the same command resumes it)
"""


def build_parser() -> argparse.ArgumentParser:
    """The documented flags; settings left unset come from pyproject.toml."""
    parser = argparse.ArgumentParser(
        prog="docstring-hook",
        description="Write missing docstrings with a language model, changing nothing else.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (folders honour .gitignore)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    mode = parser.add_argument_group("mode (one at most; the default writes the docstrings)")
    modes = mode.add_mutually_exclusive_group()
    modes.add_argument(
        "--check", action="store_true", default=None, help="list missing docstrings; no network, writes nothing"
    )
    modes.add_argument(
        "--diff", action="store_true", default=None, help="print the changes as a diff instead of writing"
    )
    modes.add_argument(
        "--dry-run", action="store_true", default=None, help="list targets and estimate tokens and cost; no request"
    )
    modes.add_argument(
        "--show-prompt",
        metavar="QUALNAME",
        help="print the messages that would be sent for the targets matching this glob ('*': all); sends nothing",
    )
    mode.add_argument("--report", metavar="FILE", help="write a JSON report")
    mode.add_argument("--report-md", metavar="FILE", help="write a Markdown report for a pull request")
    mode.add_argument("--docs-md", metavar="FILE", help="write a Markdown page of the documented API of the files")
    mode.add_argument("--scope", choices=("auto", "staged", "all"), help="which functions count (default: auto)")
    model = parser.add_argument_group("model")
    model.add_argument("--deployment", help="Azure OpenAI deployment (else $AZURE_OPENAI_DEPLOYMENT)")
    model.add_argument("--model", help="model name: OpenAI-compatible endpoints, and token counting")
    model.add_argument(
        "--style", help="auto (the repository's dominant style; the default), google, numpy, sphinx or pep257"
    )
    model.add_argument("--concurrency", type=int, help="requests in flight at most (default 8)")
    model.add_argument("--rpm", type=int, help="requests per minute at most")
    model.add_argument("--tpm", type=int, help="tokens per minute at most")
    budget = parser.add_argument_group("budget")
    budget.add_argument("--max-functions", type=int, help="document at most N functions this run")
    budget.add_argument("--max-tokens", type=int, help="spend at most N tokens this run")
    budget.add_argument("--max-cost", type=float, help="spend at most this much (needs prices set)")
    batch = parser.add_argument_group("batch (the Batch API: large repositories at about half the price, within 24 h)")
    batch.add_argument(
        "--batch",
        action="store_true",
        default=None,
        help="send the requests as batch jobs and wait for them; run the same command again to resume",
    )
    batch.add_argument(
        "--batch-cancel", action="store_true", default=None, help="cancel this project's batch jobs and forget them"
    )
    batch.add_argument(
        "--batch-waves", type=int, metavar="N", help="callees-first waves, one batch each: 0 = all (default), 1 = one"
    )
    batch.add_argument(
        "--batch-poll-seconds", type=float, metavar="S", help="how often to ask about the jobs (default 30)"
    )
    cache = parser.add_argument_group("cache")
    cache.add_argument("--cache-dir", help="cache folder (else $DOCSTRING_HOOK_CACHE_DIR, else the user cache)")
    cache.add_argument("--no-cache", action="store_true", default=None, help="neither read nor write the cache")
    cache.add_argument(
        "--retry-failed",
        action="store_true",
        default=None,
        help="ask again for targets whose replies were refused on an earlier run (otherwise remembered)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="no summary, warnings or progress; -qq: no per-function lines either",
    )
    output.add_argument(
        "-v", "--verbose", action="count", default=0, help="a line for every function, documented ones too"
    )
    return parser


