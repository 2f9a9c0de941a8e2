"""``telekit review serve OUT --db review.sqlite [--port 8866]``: the review app in a browser,
without JupyterLab.

Voilà (the Jupyter way to turn a widget notebook into a web app) serves the notebook
``app/review.ipynb`` shipped with telekit on 127.0.0.1 only, with a random token in the URL the
command prints; code cells are hidden and no traceback reaches the browser. Each page load is its
own kernel: the reviewer types a name and Start, and decides under that name on the shared review
file (several reviewers at once are safe: see ``telekit.review._store``). The server runs in the
foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from telekit._core._exceptions import TelekitError
from telekit.review._from_out import ENV_DB, ENV_OUT, check_review_out

#: the notebook Voilà serves (package data)
APP_NOTEBOOK = Path(__file__).resolve().parent / "app" / "review.ipynb"
HOST = "127.0.0.1"
DEFAULT_PORT = 8866

SERVE_EPILOG = """examples:
  telekit review serve out/audit --db review.sqlite
  telekit review serve out/audit --db review.sqlite --port 8900

Serves the review app on this computer only (127.0.0.1): open the printed URL (it carries a
token), enter your name and Start. Each browser tab is its own session under its own name; all
decide on the same review file, created when absent. Ctrl-C stops the server.
"""


def add_serve(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the sub-commands of ``telekit review``."""
    s = actions.add_parser(
        "serve",
        help="serve the review app in a browser (Voilà on 127.0.0.1), no JupyterLab needed",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("out", type=Path, metavar="OUT", help="the --out folder of `telekit audit`")
    s.add_argument(
        "--db", type=Path, required=True, help="the review file (SQLite; created when absent)"
    )
    s.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})"
    )
    s.set_defaults(func=cmd_serve)


def check_db(db: Path) -> Path:
    """The review file, opened once (created with its schema when absent) and closed, so a
    path that cannot be one fails here in one line rather than in the browser."""
    from telekit.review._store import ReviewStore  # noqa: PLC0415 - sqlite only when serving

    if db.is_dir():
        msg = f"--db {db} is a folder; give the review file (e.g. review.sqlite)"
        raise TelekitError(msg)
    try:
        ReviewStore(db).close()
    except OSError as exc:
        msg = f"--db {db}: cannot create or open the review file ({exc.strerror})"
        raise TelekitError(msg) from exc
    return db.resolve()


def check_port(port: int) -> int:
    """``port`` when it is a port telekit can listen on at 127.0.0.1 now."""
    if not 1 <= port <= 65535:
        msg = f"--port {port}: expected a port number from 1 to 65535"
        raise TelekitError(msg)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            why = (
                "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            )
            msg = f"--port {port} {why} on {HOST}; give another with --port"
            raise TelekitError(msg) from exc
    return port


def voila_command(port: int, token: str) -> list[str]:
    """The Voilà command line: the app notebook on 127.0.0.1:``port``, no browser opened, code
    hidden (the default template), no tracebacks to the browser."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(APP_NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        f"--token={token}",
        "--show_tracebacks=False",
        "--Voila.log_level=WARN",
    ]


def serve_environment(out: Path, db: Path) -> dict[str, str]:
    """The environment of the Voilà server and its kernels: OUT and the review file."""
    return {**os.environ, ENV_OUT: str(out), ENV_DB: str(db)}


def cmd_serve(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    check_review_out(out)
    db = check_db(Path(args.db))
    port = check_port(int(args.port))
    token = secrets.token_urlsafe(24)
    print(f"review of {out} on {db}")
    print(f"open http://{HOST}:{port}/?token={token}  (Ctrl-C stops the server)", flush=True)
    proc = subprocess.Popen(voila_command(port, token), env=serve_environment(out, db))
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    if code != 0:
        msg = f"the review server (Voilà) stopped with exit code {code}; see its messages above"
        raise TelekitError(msg)
    return 0
