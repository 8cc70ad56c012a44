"""ex01–ex03 corrigidos pelo ``nbgrader autograde`` de verdade, com o veredito fora do kernel do aluno.

Para cada tarefa, um curso temporário recebe a configuração do repositório (``nbgrader_config.py`` e a caixa
de areia) e a tarefa; ``generate_assignment`` gera a versão do aluno (igual à de ``exercises/``); uma turma
simulada entrega, e UMA chamada de ``autograde`` corrige todos (o tempo é medido e impresso):

- ``gabarito``: as soluções: nota máxima;
- ``branco``: o notebook recebido, sem mudanças: zero;
- ``alternativa_N``: soluções certas de alunos diferentes (``respostas_alunos.ALTERNATIVES``): nota máxima;
- ``erros_N``: erros conhecidos (``respostas_alunos.MISCONCEPTIONS``), vários por aluno em células diferentes:
  a nota e a mensagem de cada célula são as que as conferências dão no próprio processo (``simulate``), e o
  feedback nomeia cada erro;
- ``forja_*``: o notebook em branco com um truque para forjar o veredito (o MIME do curso com dados falsos,
  ``collect`` trocado, duas respostas, resposta malformada ou gigante, saídas de acerto falsas): zero, como
  sem o truque.

As conferências de ex04–ex05 têm os seus testes em ``test_exercises_models.py``.
"""

import html
import re

import pytest
from nbgrader_utils import REPO as ROOT
from nbgrader_utils import (
    assert_release_matches_committed,
    feedback_html,
    generate,
    grade_class,
    grade_id,
    is_test_cell,
    make_course,
    misconception_students,
    read,
    scores,
    solution_sources,
    source_notebook,
    validate,
)
from respostas_alunos import ALTERNATIVES, MISCONCEPTIONS
from test_grading_items import points, simulate

from cnn_grader import records

ASSIGNMENTS = ("ex01_convolucao", "ex02_dimensoes", "ex03_pooling_regularizacao")
TOTALS = {"ex01_convolucao": 7, "ex02_dimensoes": 9, "ex03_pooling_regularizacao": 11}
STUB = '# SEU CÓDIGO AQUI\nraise NotImplementedError("apague esta linha e escreva sua resposta")'

# Quem usa a biblioteca no lugar de implementar: (célula de solução, código, células de teste que zeram).
BORROWERS = {
    "ex01_convolucao": {
        "emprestada_cnn_lib": (
            "correlacao2d_loops",
            "import cnn_lib\n\n\ndef correlacao2d_loops(imagem, kernel):\n"
            "    return cnn_lib.conv2d(imagem, kernel)",
            {"testes_loops_gerais", "testes_loops_especiais"},
        ),
    },
    "ex02_dimensoes": {
        "emprestada_shapes": (
            "tamanho_saida",
            "from cnn_lib.shapes import output_size as tamanho_saida",
            {"testes_tamanho_saida", "testes_tamanho_saida_same", "testes_entradas_densa"},
        ),
    },
    "ex03_pooling_regularizacao": {
        "emprestada_ops": (
            "max_pool_2x2",
            "from cnn_lib import ops\n\n\ndef max_pool_2x2(x):\n    return ops.max_pool2d(x, 2)",
            {"testes_max_pool_2x2"},
        ),
        "emprestada_keras": (
            "pool2d",
            """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode inválido")
    import keras

    camada = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    saida = camada(pool_size, strides, padding="valid")(np.asarray(x, "float32")[None, :, :, None])
    return np.asarray(saida)[0, :, :, 0]
""",
            {"testes_pool2d"},
        ),
    },
}

# O primeiro item de função e a primeira célula de solução de cada tarefa (onde os truques entram).
FIRST = {
    "ex01_convolucao": ("correlacao2d_loops", "ex01_convolucao/correlacao2d_loops"),
    "ex02_dimensoes": ("tamanho_saida", "ex02_dimensoes/tamanho_saida"),
    "ex03_pooling_regularizacao": ("max_pool_2x2", "ex03_pooling_regularizacao/max_pool_2x2"),
}


def _forgeries(assignment: str) -> dict[str, dict]:
    """Entregas em branco com um truque cada, na primeira célula de solução."""
    cell, item = FIRST[assignment]
    items = [
        f"{assignment}/{name}"
        for name in ("correlacao2d_loops", "tamanho_saida", "max_pool_2x2", "mapa_borda", "entradas_densa")
    ]
    fake_payload = f"""
from IPython.display import display
from cnn_lib import grading as _g
_falso = {{"item": "{item}", "tipo": "funcao", "valor": [{{"t": "int", "v": 1}}] * len(_g.cases("{item}")),
          "alterou_entrada": [], "emprestadas": []}}
"""
    return {
        # dados "certos" calculados com a biblioteca, emitidos numa célula que não é de teste
        "forja_mime": {
            cell: f"""
from IPython.display import display
from cnn_lib import grading as _g
import cnn_lib
for _item in {items!r}:
    display({{_g.MIME: {{"item": _item, "tipo": "valor", "valor": _g.encode(128)}}}}, raw=True)
{_stub_function(cell)}
"""
        },
        # collect trocado: emite respostas inventadas sem chamar nada
        "forja_collect": {
            cell: fake_payload
            + """
def _collect_falso(item, answer):
    for letra in "ABCD":
        display({_g.MIME: {"item": item, "tipo": "valor", "valor": _g.encode(letra)}}, raw=True)
    display({_g.MIME: dict(_falso, item=item)}, raw=True)


_g.collect = _collect_falso
"""
            + _stub_function(cell)
        },
        # a função do aluno emite a sua própria resposta "certa" (duas respostas para o item)
        "forja_duplo": {
            cell: fake_payload
            + f"""
def {cell}(*args, **kwargs):
    display({{_g.MIME: _falso}}, raw=True)
    return 1
"""
        },
        # resposta malformada e gigante, emitidas durante a coleta
        "forja_malformado": {
            cell: f"""
from IPython.display import display
from cnn_lib import grading as _g


def {cell}(*args, **kwargs):
    display({{_g.MIME: {{"item": "{item}", "tipo": "funcao", "valor": "tudo certo"}}}}, raw=True)
    display({{_g.MIME: {{"item": "{item}", "tipo": "valor", "valor": "x" * 6_000_000}}}}, raw=True)
    return 1
"""
        },
        # collect trocado por um que calcula as respostas certas com a própria biblioteca (bloqueada)
        "forja_biblioteca": {
            cell: f"""
from IPython.display import display
from cnn_lib import grading as _g
import cnn_lib


def _collect_falso(item, answer):
    referencias = {{"correlacao2d_loops": cnn_lib.conv2d, "tamanho_saida": cnn_lib.output_size,
                    "max_pool_2x2": lambda x: cnn_lib.max_pool2d(x, 2)}}
    funcao = referencias.get(item.split("/")[1])
    if funcao is None:
        return
    valores = [_g.encode(funcao(*caso)) for caso in _g.cases(item)]
    display({{_g.MIME: {{"item": item, "tipo": "funcao", "valor": valores, "emprestadas": []}}}}, raw=True)


_g.collect = _collect_falso
{_stub_function(cell)}
"""
        },
        # saídas que imitam um acerto (o veredito substitui todas as saídas da célula)
        "forja_saida": {
            cell: f"""
from IPython.display import display


def {cell}(*args, **kwargs):
    print("✔ confere com a referência")
    display({{"text/plain": "2.0"}}, raw=True)
    raise SystemExit
"""
        },
    }


def _stub_function(cell: str) -> str:
    message = "apague esta linha e escreva sua resposta"
    return f"\n\ndef {cell}(*args, **kwargs):\n    raise NotImplementedError({message!r})\n"


def _misconception_students(assignment: str) -> list[dict]:
    return misconception_students(MISCONCEPTIONS[assignment])


def _class(assignment: str) -> dict[str, dict | None]:
    """As respostas de cada aluno simulado, por grade_id (``None``: o notebook recebido, sem mudanças)."""
    solution = solution_sources(source_notebook(assignment))
    students = {"gabarito": solution, "branco": None}
    for index, answers in enumerate(ALTERNATIVES[assignment], 1):
        students[f"alternativa_{index}"] = {**solution, **answers}
    for index, student in enumerate(_misconception_students(assignment), 1):
        students[f"erros_{index}"] = {**solution, **student["answers"]}
    for name, answers in _forgeries(assignment).items():
        students[name] = answers
    for name, (cell, code, _) in BORROWERS[assignment].items():
        students[name] = {**solution, cell: code}
    return students


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    assignment = request.param
    return grade_class(tmp_path_factory.mktemp("nbgrader"), assignment, _class(assignment))


def _secret_solution_lines(assignment: str) -> list[str]:
    """As linhas (12 caracteres ou mais) das regiões de solução que não aparecem no texto público."""
    secret, public = set(), []
    for cell in read(source_notebook(assignment)).cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            secret |= {line.strip() for line in cell.source.split("\n")}
            continue
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                inside = "BEGIN" in line
            elif inside:
                secret.add(line.strip())
            else:
                public.append(line)
    public_text = "\n".join(public)
    return sorted(line for line in secret if len(line) >= 12 and line not in public_text)


def _visible_text(page: str) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# --- o que está no repositório


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_has_no_solution_and_the_portuguese_stub(assignment):
    released = read(ROOT / "exercises" / assignment / f"{assignment}.ipynb")
    text = "\n".join(cell.source for cell in released.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "grading.collect"):
        assert marker not in text
    assert [line for line in _secret_solution_lines(assignment) if line in text] == []
    assert STUB in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grade_ids_are_unique_and_points_add_up(assignment):
    ids = [grade_id(cell) for cell in read(source_notebook(assignment)).cells if grade_id(cell)]
    assert len(ids) == len(set(ids))
    assert sum(points(assignment).values()) == TOTALS[assignment]


# --- de ponta a ponta, com o nbgrader


@pytest.mark.slow
def test_exercises_match_generate_assignment(graded):
    assert_release_matches_committed(graded.course, graded.assignment)


@pytest.mark.slow
def test_honest_students_get_every_point_and_blank_none(graded):
    result = scores(graded.course, graded.assignment)
    total = TOTALS[graded.assignment]
    honest = ["gabarito"] + [name for name in graded.students if name.startswith("alternativa_")]
    assert len(honest) >= 4
    assert {name: result[name].total for name in honest} == dict.fromkeys(honest, total)
    assert result["branco"].total == 0
    rows = records.read(graded.course, graded.assignment)  # os registros da turma para o relatório
    assert set(rows) == set(graded.students)
    assert sum(row["pontos"] for row in rows["gabarito"]) == total
    assert {row["misconception"] for row in rows["branco"]} <= {"resposta em branco", "resposta ausente"}


@pytest.mark.slow
def test_misconceptions_lose_points_and_feedback_names_them(graded):
    result = scores(graded.course, graded.assignment)
    cell_points = points(graded.assignment)
    students = _misconception_students(graded.assignment)
    for index, student in enumerate(students, 1):
        name = f"erros_{index}"
        predicted = simulate(graded.assignment, graded.students[name])
        earned = {cell: round(verdict.score * cell_points[cell], 4) for cell, verdict in predicted.items()}
        assert result[name].cells == pytest.approx(earned), name
        texts = graded.verdict_texts(name)
        page = _visible_text(feedback_html(graded.course, graded.assignment, name))
        for cell, misconception in student["cells"].items():
            assert result[name].cells[cell] < cell_points[cell], (name, cell)
            assert predicted[cell].misconception == misconception
            explanation = predicted[cell].message.split(". ")[0][1:]  # a primeira letra vira maiúscula
            assert explanation in texts[cell] and explanation in page, (name, cell)


@pytest.mark.slow
def test_forged_verdicts_earn_nothing(graded):
    result = scores(graded.course, graded.assignment)
    forgers = [name for name in graded.students if name.startswith("forja_")]
    assert len(forgers) == 6
    assert {name: result[name].total for name in forgers} == dict.fromkeys(forgers, 0)
    for name in forgers:
        for text in graded.verdict_texts(name).values():
            assert not text.startswith("✔"), name


@pytest.mark.slow
def test_borrowed_functions_lose_the_item(graded):
    result = scores(graded.course, graded.assignment)
    full = result["gabarito"].cells
    for name, (_, _, cells) in BORROWERS[graded.assignment].items():
        assert result[name].cells == {**full, **dict.fromkeys(cells, 0)}, name
        for cell in cells:
            text = graded.verdict_texts(name)[cell]
            assert "implemente a operação" in text or "pede para não usar" in text, text


@pytest.mark.slow
def test_feedback_leaks_no_solution_and_no_expected_scalar(graded):
    assignment = graded.assignment
    blank = _visible_text(feedback_html(graded.course, assignment, "branco"))
    assert [line for line in _secret_solution_lines(assignment) if line in blank] == []
    wrong = [
        name for name in graded.students if name.startswith(("erros_", "branco", "forja_", "emprestada"))
    ]
    for name in wrong:
        for cell in graded.notebook(name).cells:
            if is_test_cell(cell):
                assert "Traceback" not in str(cell.outputs) and "AssertionError" not in str(cell.outputs), (
                    name
                )
        for cell, text in graded.verdict_texts(name).items():
            if (
                assignment == "ex02_dimensoes"
                and cell == "testes_entradas_densa"
                and not text.startswith("✔")
            ):
                assert "128" not in text, name
            if cell.startswith("testes_resposta") and not text.startswith("✔"):
                correct = {"ex01_convolucao": "B", "ex02_dimensoes": "D", "ex03_pooling_regularizacao": "C"}
                assert not re.search(rf"\b{correct[assignment]}\b", text), (name, text)


@pytest.mark.slow
def test_grading_time_is_reported(graded):
    """Uma turma simulada numa só chamada; o limite é folgado (a máquina do CI tem 2 núcleos ocupados)."""
    assert graded.seconds < 30 * len(graded.students)


@pytest.mark.slow
def test_validate_passes_on_solutions_and_fails_on_stubs(tmp_path):
    course = make_course(tmp_path, ASSIGNMENTS)
    releases = [generate(course, name) for name in ASSIGNMENTS]
    solutions = [course / "solutions" / name / f"{name}.ipynb" for name in ASSIGNMENTS]
    reports = validate(course, solutions + releases)
    for notebook in solutions:
        report = reports[notebook.resolve()]
        assert "Success! Your notebook passes all the tests." in report, notebook.name
    for notebook in releases:
        report = reports[notebook.resolve()]
        assert "A VALIDAÇÃO FALHOU EM" in report and "apague esta linha e escreva sua resposta" in report
