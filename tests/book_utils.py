"""Utilidades dos testes do livro: construir o HTML uma vez e servi-lo localmente."""

import contextlib
import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def build_book() -> subprocess.CompletedProcess:
    """Constrói o livro como `make book` (com -W: avisos são erros), reaproveitando o cache de execução."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run(
        [str(jupyter_book), "build", ".", "-W", "-n", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` em 127.0.0.1 numa porta livre; devolve a URL base."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def chapter_pages() -> list[Path]:
    """As páginas HTML dos capítulos listados no sumário."""
    return sorted((HTML / "book").rglob("*.html"))
