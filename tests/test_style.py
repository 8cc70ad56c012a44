"""Estilo do livro: notação única, estrutura dos capítulos, termos, aspas e ortografia (hunspell pt_BR)."""

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from book_utils import ROOT
from test_book import split_myst

BOOK = ROOT / "book"
CHAPTERS = sorted(
    path
    for path in BOOK.glob("[01][0-9]*-*.md")
    if re.match(r"(0[1-9]|1[0-3])b?-", path.name)  # os capítulos 01–13 (e 04b)
)
INDEX_PAGES = {"09-visualizacao-interativa.md"}  # o índice das demonstrações não é um capítulo com exercícios
WORDLIST = Path(__file__).with_name("palavras-aceitas.txt")

# --- notação --------------------------------------------------------------------------------------------

MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", re.DOTALL)
# Letras das fontes que o curso não usa (veja o quadro de tradução de book/notacao.md).
FORBIDDEN_LETTERS = {
    "l": "canais de entrada do texto-fonte: use C_e",
    "m": "neurônios ou largura do kernel do texto-fonte: use N_s ou k_w",
    "F": "tamanho do filtro do CS231n: use k",
    "S": "passo do CS231n ou saída do texto-fonte: use s ou Y",
    "I": "imagem do texto-fonte: use X",
    "M": "multiplicador de profundidade: escreva depth_multiplier",
    "C": "canais sem índice: use C_e ou C_s",
    "N": "tamanho do lote: use B (N_e e N_s são da camada densa)",
}
FORBIDDEN_PATTERNS = {
    r"n_\{\\text\{sa": "tamanho da saída: use n_s",
    r"k_\{\\text\{ef": "tamanho efetivo: use k_{ef}",
    r"[Cc]_\{?(in|out|i|o)\b": "canais à moda do d2l: use C_e, C_s",
    r"N_\{?(in|out)\b": "densa: use N_e, N_s",
    r"1\s*-\s*p\b": "dropout: a taxa é r, e a escala é 1/(1 - r)",
    r"n_h|k_h\s*\+|p_h|s_h": "letras do d2l",
}
COMMANDS = re.compile(r"\\(text|operatorname|mathrm|mathbf|mathcal|mathbb|textbf)\{[^{}]*\}|\\[A-Za-z]+")


def chapter_math(text: str) -> list[str]:
    """As fórmulas ($...$ e $$...$$) da prosa de um capítulo, fora do código."""
    prose = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    prose = re.sub(r"`[^`\n]*`", " ", prose)
    return [display or inline for display, inline in MATH.findall(prose)]


def notation_problems(formula: str) -> list[str]:
    """Símbolos proibidos numa fórmula, cada um com o motivo."""
    problems = [
        f"{formula!r}: {why}" for pattern, why in FORBIDDEN_PATTERNS.items() if re.search(pattern, formula)
    ]
    bare = COMMANDS.sub(" ", formula)
    for letter in re.findall(r"(?<![A-Za-z_{\\])([A-Za-z])(?![A-Za-z_])", bare):
        if letter in FORBIDDEN_LETTERS:
            problems.append(f"{formula!r}: {letter} ({FORBIDDEN_LETTERS[letter]})")
    return problems


def test_notation_checker_catches_the_sources_letters():
    assert notation_problems(r"(n \cdot m \cdot l + 1) \cdot k")
    assert notation_problems(r"(W - F + 2P)/S + 1")
    assert notation_problems(r"n_{\text{saída}} = \lfloor (n - k)/s \rfloor + 1")
    assert notation_problems(r"y = \frac{x}{1 - p}")
    assert notation_problems(r"c_i \times c_o")
    assert notation_problems(r"(k_h \cdot k_w \cdot C_e + 1) \cdot C_s") == []
    assert notation_problems(r"n_s = \left\lfloor \frac{n + 2p - k_{ef}}{s} \right\rfloor + 1") == []
    assert notation_problems(r"\hat{\mu}_c \leftarrow \text{momentum}\cdot\hat{\mu}_c") == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_formulas_use_the_course_notation(chapter):
    problems = [
        p for formula in chapter_math(chapter.read_text(encoding="utf-8")) for p in notation_problems(formula)
    ]
    assert problems == [], f"{chapter.name}: notação fora da tabela de book/notacao.md: {problems}"


def test_notation_page_has_the_table_and_the_translation_box():
    page = (BOOK / "notacao.md").read_text(encoding="utf-8")
    for symbol in [
        r"H \times W \times C_e",
        r"H_s \times W_s \times C_s",
        r"k_{ef} = d\,(k-1)+1",
        r"n_s = \lfloor (n + 2p - k_{ef})/s \rfloor + 1",
        r"(k_h \cdot k_w \cdot C_e + 1)\cdot C_s",
        r"(N_e + 1)\cdot N_s",
        r"Y_{i,j,f} = b_f + \sum_{u,v,c} X_{s i+u,\,s j+v,\,c}\,K_{u,v,c,f}",
        r"$R_\ell$, $J_\ell$",
    ]:
        assert symbol in page, symbol
    box = page[page.index("## Quadro de tradução") :]
    for source_formula in [r"(n \cdot m \cdot l + 1) \cdot k", r"(W - F + 2P)/S + 1", r"c_o \cdot c_i"]:
        assert source_formula in box, source_formula


@pytest.mark.parametrize(
    ("chapter", "formula"),
    [
        ("01-introducao.md", r"(k_h \cdot k_w \cdot C_e + 1) \cdot C_s"),
        ("03-camada-convolucional.md", r"(k_h \cdot k_w \cdot C_e + 1) \cdot C_s"),
        ("03-camada-convolucional.md", r"n_s = \left\lfloor \frac{n + 2p - k_{ef}}{s} \right\rfloor + 1"),
        ("07-parametros-e-dimensoes.md", r"= (k_h \cdot k_w \cdot C_e + 1) \cdot C_s"),
        ("07-parametros-e-dimensoes.md", r"P_{\text{densa}} = (N_e + 1) \cdot N_s"),
        ("07-parametros-e-dimensoes.md", r"n_s = \left\lfloor \frac{n + 2p - k_{ef}}{s} \right\rfloor + 1"),
    ],
)
def test_the_key_formulas_are_written_as_in_the_table(chapter, formula):
    assert formula in (BOOK / chapter).read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_links_to_the_notation_page(chapter):
    assert re.search(r"\{doc\}`[^`<]*<notacao>`", chapter.read_text(encoding="utf-8"))


# --- estrutura ------------------------------------------------------------------------------------------


def h2_headings(text: str) -> list[str]:
    prose = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    return re.findall(r"^## (.+)$", prose, flags=re.MULTILINE)


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 4)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c.name not in INDEX_PAGES], ids=lambda p: p.stem)
def test_chapter_structure(chapter):
    """Objetivos, corpo, Resumo, Autoavaliação (respostas em dropdowns fechados) e Exercícios, nessa ordem."""
    text = chapter.read_text(encoding="utf-8")
    assert ":::{admonition} Objetivos\n:class: tip\n\nAo terminar este capítulo, você saberá:\n" in text
    assert h2_headings(text)[-3:] == ["Resumo", "Autoavaliação", "Exercícios"]
    selfcheck = section(text, "Autoavaliação")
    answers = re.findall(r"^\s*:::\{dropdown\} Resposta$", selfcheck, flags=re.MULTILINE)
    questions = re.findall(r"^\d+\. ", selfcheck, flags=re.MULTILINE)
    assert answers and len(answers) == len(questions), "cada pergunta da autoavaliação tem a sua resposta"
    assert ":open:" not in selfcheck, "as respostas começam recolhidas"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_old_headings(chapter):
    text = chapter.read_text(encoding="utf-8")
    for old in ("Verifique seu entendimento", "Objetivos de aprendizagem", "Ao fim deste capítulo"):
        assert old not in text


# --- termos, aspas, afirmações --------------------------------------------------------------------------

# Termos que só aparecem em inglês entre parênteses, como tradução: (*max pooling*), (*bias*).
ENGLISH_ONLY_IN_PARENTHESES = ["max pooling", "average pooling", "global average pooling", "bias", "shape"]
FORBIDDEN_TERMS = {
    "kernel Python": "o kernel do Jupyter (o interpretador)",
    "«": "aspas “ ”",
    "»": "aspas “ ”",
    "mapa de recursos": "mapa de características",
    "mapas de recursos": "mapas de características",
    "Catorze": "Quatorze",
}


def prose_of(path: Path) -> str:
    prose, _ = split_myst(path.read_text(encoding="utf-8"))
    return prose


STYLED_PAGES = [*CHAPTERS, BOOK / "notacao.md", BOOK / "exercicios.md", BOOK / "index.md"]


@pytest.mark.parametrize("page", STYLED_PAGES, ids=lambda p: p.stem)
def test_terms_and_quotes(page):
    prose = prose_of(page)
    problems = [f"{term!r} → {fix}" for term, fix in FORBIDDEN_TERMS.items() if term in prose]
    if page.name != "notacao.md":  # a página de notação lista os termos em inglês na sua tabela
        without_translations = re.sub(r"\(\*[^*]+\*\)", " ", prose)
        problems += [
            f"{term!r} fora de parênteses"
            for term in ENGLISH_ONLY_IN_PARENTHESES
            if re.search(rf"\b{term}\b", without_translations, flags=re.IGNORECASE)
        ]
    straight = re.findall(r'"[^"\n]{1,60}"', re.sub(r"\$[^$]*\$", " ", prose))
    problems += [f"aspas retas em {q} → “ ”" for q in straight]
    assert problems == [], f"{page.name}: {problems}"


def test_run_dependent_claims_are_glued():
    """Comparações que dependem de uma execução (treino, experimento de robustez) são escolhidas por código a
    partir dos números e coladas com glue; nenhuma frase fixa diz que o dropout ajudou."""
    chapter6 = (BOOK / "06-batchnorm-dropout.md").read_text(encoding="utf-8")
    reading = section(chapter6, "Experimento: o efeito no treino")
    for key in ("frase_base", "frase_bn", "frase_drop"):
        assert f"{{glue:text}}`{key}`" in reading
    prose_reading = re.sub(r"```.*?```", " ", reading, flags=re.DOTALL)
    assert not re.search(r"lacuna\s+diminui|dropout ajud|mais rápido", prose_reading)
    chapter5 = (BOOK / "05-pooling.md").read_text(encoding="utf-8")
    assert "{glue:text}`comparacao_poolings`" in chapter5
    chapter10 = (BOOK / "10-pratica.md").read_text(encoding="utf-8")
    assert "{glue:text}`frase_curvas`" in chapter10


def _page_text(html_text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", html_text)))


def experiment_table(html_text: str) -> dict[str, list[float]]:
    """Tabela do experimento do capítulo 6: versão -> [treino, validação, lacuna, validação em 2 épocas]."""
    table = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html_text, flags=re.DOTALL):
        cells = [
            _page_text(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.DOTALL)
        ]
        if len(cells) == 5 and cells[1].endswith("%"):
            table[cells[0]] = [
                float(c.replace("%", "").replace(",", ".").replace("\u00a0", "")) for c in cells[1:]
            ]
    return table


def claim_problems(html_text: str) -> list[str]:
    """As frases do capítulo 6 que contradizem a tabela de resultados da mesma página."""
    table, text = experiment_table(html_text), _page_text(html_text)
    base, bn, drop = table["sem regularização"], table["normalização em lote"], table["dropout 0,5"]
    claims = {
        "a acurácia de validação caiu": drop[1] < base[1],
        "a acurácia de validação subiu ou se manteve": drop[1] >= base[1],
        "a lacuna diminuiu": drop[2] < base[2],
        "a lacuna não diminuiu": drop[2] >= base[2],
        "o começo do treino foi mais rápido": bn[3] > base[3],
        "o começo do treino não foi mais rápido": bn[3] <= base[3],
    }
    present = [claim for claim in claims if claim in text]
    return [
        f"a página diz “{claim}”, mas a tabela mostra o contrário" for claim in present if not claims[claim]
    ] + (
        ["nenhuma frase sobre a validação com dropout"]
        if not any("acurácia de validação" in c for c in present)
        else []
    )


def test_claim_checker_catches_a_contradiction():
    row = "<tr><td>{}</td><td>100,0 %</td><td>{} %</td><td>{} %</td><td>{} %</td></tr>"
    table = "".join(
        row.format(*values)
        for values in (
            ("sem regularização", 95, 5, 74),
            ("normalização em lote", 96, 4, 90),
            ("dropout 0,5", 93, 2, 79),
        )
    )
    honest = (
        table
        + "<p>a lacuna diminuiu (…), mas a acurácia de validação caiu. o começo do treino foi mais rápido</p>"
    )
    assert claim_problems(honest) == []
    lying = table + "<p>a lacuna diminuiu e a acurácia de validação subiu ou se manteve</p>"
    assert claim_problems(lying) == [
        "a página diz “a acurácia de validação subiu ou se manteve”, mas a tabela mostra o contrário"
    ]


@pytest.mark.slow
def test_built_chapter_6_claims_agree_with_its_numbers(built_book):
    """No livro construído, as frases do experimento do capítulo 6 concordam com a tabela da execução."""
    page = (built_book / "book" / "06-batchnorm-dropout.html").read_text(encoding="utf-8")
    assert claim_problems(page) == []


# --- ortografia -----------------------------------------------------------------------------------------


def spelling_text(path: Path) -> str:
    """A prosa, sem fórmulas, rótulos, diretivas, opções de diretivas e termos estrangeiros (em itálico)."""
    prose = prose_of(path)
    prose = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", prose, flags=re.DOTALL)
    prose = re.sub(r"^\([^)\s]+\)=$", " ", prose, flags=re.MULTILINE)  # rótulos (nome)=
    prose = re.sub(r"^\s*:::\{[^}]+\}", " ", prose, flags=re.MULTILINE)  # :::{dropdown}
    prose = re.sub(r"^\s*:[a-z-]+:.*$", " ", prose, flags=re.MULTILINE)  # :class: tip
    prose = re.sub(r"(?<!\*)\*(?!\*)[^*\n]+(?<!\*)\*(?!\*)", " ", prose)  # termos estrangeiros, em itálico
    return re.sub(r"https?://\S+", " ", prose)


@pytest.mark.skipif(shutil.which("hunspell") is None, reason="hunspell não instalado (make system o instala)")
@pytest.mark.parametrize("page", STYLED_PAGES, ids=lambda p: p.stem)
def test_hunspell_pt_br_knows_every_word(page):
    result = subprocess.run(
        ["hunspell", "-d", "pt_BR", "-p", str(WORDLIST), "-l"],
        input=spelling_text(page),
        capture_output=True,
        text=True,
        check=True,
    )
    unknown = sorted(set(result.stdout.split()))
    assert unknown == [], (
        f"{page.name}: palavras desconhecidas (corrija ou, se for termo técnico, acrescente a "
        f"{WORDLIST.name}): {unknown}"
    )
