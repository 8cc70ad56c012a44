"""As extensões Sphinx do livro: páginas de exercícios (nbgitpuller) e traduções da interface."""

import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import exercicios  # noqa: E402
import traducao_ptbr  # noqa: E402

ASSIGNMENTS = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())


def test_nbgitpuller_link_opens_the_notebook_in_jupyterlab():
    link = exercicios.nbgitpuller_link(
        "https://hub.exemplo.edu/", "https://github.com/turma/curso-cnn", "main", "exercises/ex01/ex01.ipynb"
    )
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "hub.exemplo.edu",
        "/hub/user-redirect/git-pull",
    )
    assert parse_qs(parts.query) == {
        "repo": ["https://github.com/turma/curso-cnn"],
        "branch": ["main"],
        "urlpath": ["lab/tree/curso-cnn/exercises/ex01/ex01.ipynb"],
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercise_page_statement_and_points(assignment):
    cells = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())["cells"]
    statement = "\n".join(exercicios._statement(cells))
    assert statement.strip() and not statement.lstrip().startswith("# ")
    points = [
        c["metadata"]["nbgrader"]["points"] for c in cells if c["metadata"].get("nbgrader", {}).get("points")
    ]
    assert exercicios._total_points(cells) == sum(points) > 0


def test_every_assignment_has_a_book_page():
    pages = {p.stem for p in (ROOT / "book" / "exercicios").glob("*.md")}
    assert pages == set(ASSIGNMENTS)


def test_translations_fall_back_for_untranslated_theme_strings():
    translations = traducao_ptbr._Traducoes()
    assert translations.gettext("Skip to main content") == "Pular para o conteúdo principal"
    assert translations.gettext("frase desconhecida") == "frase desconhecida"
