"""ex06 (retropropagação) e ex07 (além do básico): conferências no processo e ``nbgrader autograde`` real.

Rápidos: as conferências de ``cnn_grader.items.ex06``/``ex07`` chamadas no próprio processo (``simulate``, de
``test_grading_items``) com o gabarito, o notebook em branco, as alternativas certas e os erros conhecidos de
``respostas_alunos_novas``; e a versão do aluno em ``exercises/`` sem solução nem teste oculto.

Lentos (``slow``): por tarefa, um curso temporário com a configuração do repositório;
``generate_assignment`` (a versão do aluno tem de ser igual à de ``exercises/``); uma turma simulada entregue
e corrigida numa só chamada de ``autograde`` (o tempo é impresso); ``generate_feedback``. O gabarito e as
alternativas ganham todos os pontos automáticos, o branco zero, cada erro conhecido perde pontos e é nomeado
no retorno, que não mostra solução, teste oculto nem o valor esperado de uma resposta escalar.
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
from respostas_alunos_novas import ALTERNATIVES, MISCONCEPTIONS
from test_grading_items import hidden_collects, points, simulate

from cnn_grader.items import REGISTRY, load
from cnn_lib import grading

ASSIGNMENTS = ("ex06_retropropagacao", "ex07_alem_do_basico")
AUTOMATIC = {"ex06_retropropagacao": 7, "ex07_alem_do_basico": 10}
MANUAL = {"ex06_retropropagacao": 2, "ex07_alem_do_basico": 0}
STUB = '# SEU CÓDIGO AQUI\nraise NotImplementedError("apague esta linha e escreva sua resposta")'
# Respostas que o retorno de uma entrega errada nunca mostra: a letra certa e o valor escalar esperado.
SECRETS = {"ex06_retropropagacao": {"testes_resposta_max_pool": r"\bC\b"}, "ex07_alem_do_basico": {}}


def _scalar_secrets() -> dict:
    from cnn_grader.items.ex07 import STACK
    from cnn_lib.shapes import receptive_field

    return {"ex07_alem_do_basico": {"testes_campo_pilha": rf"\b{receptive_field(STACK)}\b"}}


def _secrets(assignment: str) -> dict:
    return {**SECRETS[assignment], **_scalar_secrets().get(assignment, {})}


def _blank(assignment: str) -> dict:
    return dict.fromkeys(solution_sources(source_notebook(assignment)))


def _secret_solution_lines(assignment: str) -> list[str]:
    """As linhas (12 caracteres ou mais) das regiões de solução que não aparecem no texto público."""
    secret, public = set(), []
    for cell in read(source_notebook(assignment)).cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            secret |= {line.strip() for line in cell.source.split("\n") if "SOLUTION" not in line}
            continue
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN SOLUTION" in line or "END SOLUTION" in line or "HIDDEN TESTS" in line:
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


def _misconception_students(assignment: str) -> list[dict]:
    return misconception_students(MISCONCEPTIONS[assignment])


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
def test_grade_ids_are_unique_points_add_up_and_every_cell_has_a_check(assignment):
    load()
    cells = read(source_notebook(assignment)).cells
    ids = [grade_id(cell) for cell in cells if grade_id(cell)]
    assert len(ids) == len(set(ids))
    assert sum(points(assignment).values()) == AUTOMATIC[assignment]
    manual = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade") and not is_test_cell(c)]
    assert sum(c.metadata.nbgrader["points"] for c in manual) == MANUAL[assignment]
    assert [gid for gid in points(assignment) if (assignment, gid) not in REGISTRY] == []
    for cell in cells:
        if is_test_cell(cell):
            for item, _ in hidden_collects(cell):
                assert item.startswith(f"{assignment}/")
                if item in grading.function_items():
                    assert len(grading.cases(item)) >= 4, item


# --- as conferências no processo (rápido)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_every_point_and_blank_none(assignment):
    solution = simulate(assignment, {})
    assert {gid: v.score for gid, v in solution.items()} == dict.fromkeys(points(assignment), 1.0)
    blank = simulate(assignment, _blank(assignment))
    assert {gid: v.score for gid, v in blank.items()} == dict.fromkeys(points(assignment), 0.0)
    for verdict in blank.values():
        assert "apague a linha" in verdict.message or "não recebeu a resposta" in verdict.message


@pytest.mark.parametrize(
    ("assignment", "index"),
    [(assignment, index) for assignment in ASSIGNMENTS for index in range(len(ALTERNATIVES[assignment]))],
)
def test_alternative_correct_answers_earn_every_point(assignment, index):
    assert len(ALTERNATIVES[assignment]) >= 3
    verdicts = simulate(assignment, ALTERNATIVES[assignment][index])
    assert {gid: (v.score, v.message) for gid, v in verdicts.items() if v.score < 1.0} == {}


@pytest.mark.parametrize(
    ("assignment", "cell", "name", "answers"),
    [(assignment, *case) for assignment in ASSIGNMENTS for case in MISCONCEPTIONS[assignment]],
    ids=[f"{assignment}-{case[1]}" for assignment in ASSIGNMENTS for case in MISCONCEPTIONS[assignment]],
)
def test_each_misconception_loses_points_and_is_named(assignment, cell, name, answers):
    verdict = simulate(assignment, answers)[cell]
    assert verdict.score < 1.0
    assert verdict.misconception == name, verdict.message
    secret = _secrets(assignment).get(cell)
    assert secret is None or not re.search(secret, verdict.message), verdict.message


def test_ex06_misconceptions_cover_the_named_errors():
    """Os erros conhecidos pedidos para o ex06 estão todos entre os simulados (e, logo, nomeados)."""
    named = {name for _, name, _ in MISCONCEPTIONS["ex06_retropropagacao"]}
    assert {
        "kernel não girado no dx",
        "dkernel com entrada e gradiente trocados",
        "= em vez de += (sem acumular)",
        "diferenças para a frente em vez de centrais",
        "gradiente do pooling máximo espalhado pela janela inteira",
    } <= named


def test_conv_backward_reference_equals_numerical_gradients():
    """A referência do ex06 (``ops.conv2d_backward``) confere com diferenças centrais nos casos públicos."""
    import numpy as np

    from cnn_grader.items.ex06 import _reference

    for dout, x, kernel in grading.cases("ex06_retropropagacao/conv_backward")[:3]:
        x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
        dx, dkernel = _reference(dout, x, kernel)
        for array, gradient in ((x, dx), (kernel, dkernel)):
            numeric = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                keep = array[index]
                values = []
                for step in (1e-6, -1e-6):
                    array[index] = keep + step
                    windows = np.lib.stride_tricks.sliding_window_view(x, kernel.shape)
                    values.append(np.sum(np.einsum("ijuv,uv->ij", windows, kernel) * dout))
                array[index] = keep
                numeric[index] = (values[0] - values[1]) / 2e-6
            assert np.allclose(gradient, numeric, atol=1e-6)


# --- de ponta a ponta, com o nbgrader


def _class(assignment: str) -> dict[str, dict | None]:
    solution = solution_sources(source_notebook(assignment))
    students = {"gabarito": solution, "branco": None}
    for index, answers in enumerate(ALTERNATIVES[assignment], 1):
        students[f"alternativa_{index}"] = {**solution, **answers}
    for index, student in enumerate(_misconception_students(assignment), 1):
        students[f"erros_{index}"] = {**solution, **student["answers"]}
    return students


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    assignment = request.param
    return grade_class(tmp_path_factory.mktemp("nbgrader"), assignment, _class(assignment))


@pytest.mark.slow
def test_exercises_match_generate_assignment(graded):
    assert_release_matches_committed(graded.course, graded.assignment)


@pytest.mark.slow
def test_honest_students_get_every_automatic_point_and_blank_none(graded):
    result = scores(graded.course, graded.assignment)
    total = AUTOMATIC[graded.assignment]
    honest = ["gabarito"] + [name for name in graded.students if name.startswith("alternativa_")]
    assert len(honest) >= 4
    assert {name: result[name].total for name in honest} == dict.fromkeys(honest, total)
    assert result["branco"].total == 0


@pytest.mark.slow
def test_misconceptions_lose_points_and_feedback_names_them(graded):
    result = scores(graded.course, graded.assignment)
    cell_points = points(graded.assignment)
    for index, student in enumerate(_misconception_students(graded.assignment), 1):
        name = f"erros_{index}"
        predicted = simulate(graded.assignment, graded.students[name])
        earned = {cell: round(verdict.score * cell_points[cell], 4) for cell, verdict in predicted.items()}
        assert result[name].cells == pytest.approx(earned), name
        texts = graded.verdict_texts(name)
        page = _visible_text(feedback_html(graded.course, graded.assignment, name))
        for cell, misconception in student["cells"].items():
            assert result[name].cells[cell] < cell_points[cell], (name, cell)
            assert predicted[cell].misconception == misconception
            explanation = predicted[cell].message.split(". ")[0][1:]  # o veredito põe a 1ª letra em maiúscula
            assert explanation in texts[cell] and explanation in page, (name, cell)


@pytest.mark.slow
def test_feedback_leaks_no_solution_and_no_expected_scalar(graded):
    assignment = graded.assignment
    secret_lines = _secret_solution_lines(assignment)
    blank = _visible_text(feedback_html(graded.course, assignment, "branco"))
    assert [line for line in secret_lines if line in blank] == []
    for name in graded.students:
        if name.startswith("alternativa_") or name == "gabarito":
            continue
        for text in graded.verdict_texts(name).values():
            assert [line for line in secret_lines if line in text] == [], name
        for cell in graded.notebook(name).cells:
            if is_test_cell(cell):
                assert "Traceback" not in str(cell.outputs) and "AssertionError" not in str(cell.outputs), (
                    name
                )
        for cell, text in graded.verdict_texts(name).items():
            if cell in _secrets(assignment) and not text.startswith("✔"):
                assert not re.search(_secrets(assignment)[cell], text), (name, text)


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
        assert "Success! Your notebook passes all the tests." in reports[notebook.resolve()], notebook.name
    for notebook in releases:
        report = reports[notebook.resolve()]
        assert "A VALIDAÇÃO FALHOU EM" in report and "apague esta linha e escreva sua resposta" in report
