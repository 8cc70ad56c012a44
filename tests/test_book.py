"""O livro: capítulos do sumário construídos, nenhum número digitado à mão, nenhuma solução vazada."""

import html
import json
import re
from pathlib import Path

import pytest
from book_utils import ROOT, toc_files

SOLUTION_BLOCK = re.compile(
    r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END (SOLUTION|HIDDEN TESTS)", re.DOTALL
)
MARKERS = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS)|END (SOLUTION|HIDDEN TESTS)")
YEAR = range(1900, 2031)


def chapter_sources() -> list[Path]:
    return [ROOT / f"{name}.md" for name in toc_files() if (ROOT / f"{name}.md").exists()]


def split_myst(text: str) -> tuple[str, str]:
    """Separa um capítulo MyST em (prosa, código das células executáveis)."""
    code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.DOTALL))
    prose = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)  # células e blocos de código
    prose = re.sub(r"^---\n.*?\n---\n", " ", prose, flags=re.DOTALL)  # front matter
    prose = re.sub(r"\{[a-z:-]+\}`[^`]*`", " ", prose)  # papéis: {glue:text}`x`, {cite}`y`
    prose = re.sub(r"`[^`]*`", " ", prose)  # código em linha
    prose = re.sub(r"\]\([^)]*\)", "]", prose)  # endereços de links
    return prose, code


def prose_numbers(prose: str) -> list[str]:
    """Os números da prosa, juntando separadores de milhar ("61 706", "61.706", "61,706").

    Ângulos (180°) não são resultados e não contam.
    """
    return re.findall(r"(?<![\w.,])\d{1,3}(?:[  .,]\d{3})+(?![\d°])|(?<![\w.,])\d+(?![\w°])", prose)


def as_int(token: str) -> int:
    return int(re.sub(r"[  .,]", "", token))


def test_split_myst_and_prose_numbers():
    text = (
        "---\na: 1\n---\nO total é 61 706 e {glue:text}`total`.\n"
        "```{code-cell} ipython3\nx = 224\n```\nEm 1998, 224 pixels, girados 180°."
    )
    prose, code = split_myst(text)
    assert "x = 224" in code
    assert [as_int(n) for n in prose_numbers(prose)] == [61706, 1998, 224]


@pytest.mark.parametrize("source", chapter_sources(), ids=lambda p: p.stem)
def test_no_hand_typed_results_in_prose(source):
    """Números ≥ 100 na prosa: só anos ou entradas do código do capítulo (ou dos arquivos que ele inclui)."""
    text = source.read_text(encoding="utf-8")
    prose, code = split_myst(text)
    for included in re.findall(r"```\{literalinclude\} (\S+)", text):
        code += (source.parent / included).read_text(encoding="utf-8")
    code_literals = {int(n) for n in re.findall(r"(?<![\w.])\d+(?![\w.])", code.replace("_", ""))}
    typed = [
        token
        for token in prose_numbers(prose)
        if as_int(token) >= 100 and as_int(token) not in YEAR and as_int(token) not in code_literals
    ]
    assert typed == [], (
        f"{source.name}: números digitados à mão na prosa (calcule com cnn_lib e use glue): {typed}"
    )


@pytest.mark.slow
def test_every_toc_page_is_built(built_book):
    missing = [name for name in toc_files() if not (built_book / f"{name}.html").exists()]
    assert missing == []


def secret_passages() -> set[tuple[str, ...]]:
    """Trechos das soluções e dos testes ocultos de solutions/ que nunca podem chegar a alunos ou leitores.

    Um bloco de até três linhas é um trecho inteiro (por exemplo, a resposta de uma questão); de um bloco
    maior, cada janela de três linhas seguidas. Linhas soltas não contam: `layers.Flatten(),` aparece
    legitimamente no livro.
    """
    passages = set()
    for notebook in ROOT.glob("solutions/*/*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for block in SOLUTION_BLOCK.finditer("".join(cell["source"]) + "\n"):
                lines = _code_lines(block.group(2))
                windows = (
                    [tuple(lines)] if len(lines) <= 3 else zip(lines, lines[1:], lines[2:], strict=False)
                )
                passages.update(tuple(window) for window in windows if window)
    return passages


def _code_lines(text: str) -> list[str]:
    """Linhas não vazias, sem espaços nas pontas, sem comentários soltos."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def visible_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        raw = "\n".join("".join(cell.get("source", "")) for cell in json.loads(raw).get("cells", []))
    elif path.suffix in {".html", ".htm"}:
        raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def published_files(base: Path):
    suffixes = {".html", ".ipynb", ".md", ".txt", ".js"}
    return [p for p in base.rglob("*") if p.is_file() and p.suffix in suffixes and "offline" not in p.parts]


def leaks_in(base: Path) -> list[tuple[str, str]]:
    """Trechos secretos e marcadores do nbgrader encontrados nos arquivos publicados sob `base`."""
    passages = secret_passages()
    leaks = []
    for path in published_files(base):
        text = visible_text(path)
        joined = "\n" + "\n".join(_code_lines(text)) + "\n"
        where = str(path.relative_to(base))
        leaks += [(where, "\n".join(p)) for p in passages if "\n" + "\n".join(p) + "\n" in joined]
        if MARKERS.search(text):
            leaks.append((where, "marcador do nbgrader"))
    return leaks


def test_solutions_have_secrets_to_protect():
    assert len(secret_passages()) >= 10


def test_leak_check_finds_a_planted_answer(tmp_path):
    passage = sorted(secret_passages())[0]
    (tmp_path / "vazou.html").write_text(
        "<pre>" + html.escape("\n".join(passage)) + "</pre>", encoding="utf-8"
    )
    assert leaks_in(tmp_path) == [("vazou.html", "\n".join(passage))]


def test_no_solution_in_exercises():
    assert leaks_in(ROOT / "exercises") == []


@pytest.mark.slow
def test_no_solution_in_html(built_book):
    assert leaks_in(built_book) == []
