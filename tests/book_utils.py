"""Utilidades dos testes do livro: construir o HTML uma vez e servi-lo localmente."""

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

# O Chromium do Debian, sem rede de fundo (a máquina não tem internet): o mesmo em todo teste de navegador.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@functools.cache
def build_book() -> subprocess.CompletedProcess:
    """Constrói o livro como `make book` (com -W: avisos são erros), uma vez por sessão de testes.

    Os kernels herdam o ambiente: sem ``MPLBACKEND``, o matplotlib dos capítulos usa o backend inline e as
    figuras aparecem nas saídas (com ``MPLBACKEND=Agg``, ``plt.show()`` não mostraria nada).
    """
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    environment = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    return subprocess.run(
        [str(jupyter_book), "build", ".", "-W", "-n", "--keep-going"],
        cwd=ROOT,
        env=environment,
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


def toc_files() -> list[str]:
    """Os documentos do sumário (_toc.yml), sem extensão, na ordem do livro."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        for chapter in part["chapters"]:
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files
