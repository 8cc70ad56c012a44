"""Configuração comum dos testes e doctests: silencia o TensorFlow antes de qualquer import."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).parent / "tests"))

import pytest


@pytest.fixture(scope="session")
def built_book():
    """O livro construído uma vez por sessão de testes, com -W, sem erro de execução."""
    from book_utils import HTML, build_book

    result = build_book()
    log = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, f"jupyter-book build falhou:\n{log}"
    assert (HTML / "index.html").exists()
    return HTML
