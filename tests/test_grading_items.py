"""As conferências de ex01–ex03 (``cnn_grader.items``), chamadas no próprio processo, sem nbgrader.

``simulate`` faz o que a correção faz com um notebook, sem kernel: roda as células do notebook do instrutor
com as respostas de um aluno (``respostas_alunos.py``), registra o que as células de teste coletariam (o mesmo
``answer_payload`` do ``collect``, ida e volta por JSON) e chama a conferência registrada de cada célula de
nota. Os testes de ponta a ponta (``test_exercises.py``) conferem que o ``nbgrader autograde`` dá o mesmo.
"""

import contextlib
import io
import json
import re

import numpy as np
import pytest
from nbgrader_utils import grade_id, is_test_cell, read, solution_sources, source_notebook
from respostas_alunos import ALTERNATIVES, MISCONCEPTIONS

from cnn_grader import checks
from cnn_grader.items import BLOCKED, REGISTRY, Context, Verdict, load
from cnn_grader.verdict import Verdicts
from cnn_lib import grading

ASSIGNMENTS = ("ex01_convolucao", "ex02_dimensoes", "ex03_pooling_regularizacao")
COLLECT = re.compile(r'^grading\.collect\("([^"]+)", (\w+)\)$')


def hidden_collects(cell) -> list[tuple[str, str]]:
    """As chamadas ``grading.collect("<item>", <nome>)`` da região oculta de uma célula de teste."""
    lines = (
        cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].strip().split("\n")
    )
    return [COLLECT.match(line).groups() for line in lines]


def payload(item: str, answer) -> dict:
    data, _ = grading.answer_payload(item, answer)
    return json.loads(json.dumps(data))


def simulate(assignment: str, answers: dict) -> dict[str, Verdict]:
    """O veredito de cada célula de nota de um aluno cujas células de solução são ``answers`` (por grade_id).

    Células de solução fora de ``answers`` ficam com o gabarito; ``answers[gid] = None`` deixa a célula como o
    aluno a recebe (só o stub, que levanta ``NotImplementedError``).
    """
    load()
    solution, namespace, verdicts = solution_sources(source_notebook(assignment)), {}, {}
    stub = 'raise NotImplementedError("apague esta linha e escreva sua resposta")'
    for cell in read(source_notebook(assignment)).cells:
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        if is_test_cell(cell):
            with np.errstate(all="ignore"):  # as contas erradas dos alunos simulados dividem por zero
                payloads = {
                    item: payload(item, namespace[name])
                    for item, name in hidden_collects(cell)
                    if name in namespace
                }
            verdicts[gid] = REGISTRY[(assignment, gid)](payloads, Context(assignment, "aluno", None, gid))
            continue
        source = cell.source
        if cell.metadata.get("nbgrader", {}).get("solution"):
            source = answers.get(gid, solution[gid])
            if source is None:
                source = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", stub, cell.source, flags=re.S)
        with (
            contextlib.suppress(Exception),
            contextlib.redirect_stdout(io.StringIO()),
            np.errstate(all="ignore"),
        ):
            exec(compile(source, gid or "celula", "exec"), namespace)
    return verdicts


def points(assignment: str) -> dict[str, float]:
    return {
        grade_id(cell): float(cell.metadata.nbgrader["points"])
        for cell in read(source_notebook(assignment)).cells
        if is_test_cell(cell)
    }


# --- o registro cobre o notebook, e os testes ocultos só coletam


@pytest.mark.parametrize(
    "assignment",
    [*ASSIGNMENTS, "ex04_parametros_arquiteturas", "ex05_pratica"],
)
def test_every_autograded_cell_has_a_check(assignment):
    load()
    cells = [grade_id(cell) for cell in read(source_notebook(assignment)).cells if is_test_cell(cell)]
    assert cells and [gid for gid in cells if (assignment, gid) not in REGISTRY] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_only_collect_public_items(assignment):
    for cell in read(source_notebook(assignment)).cells:
        if is_test_cell(cell):
            for item, _ in hidden_collects(cell):
                assert item.startswith(f"{assignment}/")
                if item in grading.function_items():
                    assert grading.cases(item), item


# --- gabarito, branco e alternativas


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_every_point_and_blank_none(assignment):
    solution = simulate(assignment, {})
    assert {gid: v.score for gid, v in solution.items()} == dict.fromkeys(points(assignment), 1.0)
    blank = simulate(assignment, dict.fromkeys(solution_sources(source_notebook(assignment))))
    assert {gid: v.score for gid, v in blank.items()} == dict.fromkeys(points(assignment), 0.0)
    assert all("apague a linha" in v.message or "não recebeu" in v.message for v in blank.values())


@pytest.mark.parametrize(
    ("assignment", "student"),
    [(assignment, index) for assignment in ASSIGNMENTS for index in range(len(ALTERNATIVES[assignment]))],
)
def test_alternative_correct_answers_earn_every_point(assignment, student):
    verdicts = simulate(assignment, ALTERNATIVES[assignment][student])
    assert {gid: (v.score, v.message) for gid, v in verdicts.items() if v.score < 1} == {}


# --- erros conhecidos: menos que o total e nomeados


@pytest.mark.parametrize(
    ("assignment", "cell", "expected", "answers"),
    [(assignment, *case) for assignment in ASSIGNMENTS for case in MISCONCEPTIONS[assignment]],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_misconception_loses_points_and_is_named(assignment, cell, expected, answers):
    verdict = simulate(assignment, answers)[cell]
    assert verdict.score < 1
    assert verdict.misconception == expected, verdict.message
    assert verdict.message and verdict.message[0] != "✔"


def test_every_listed_misconception_is_exercised():
    """Cada erro conhecido de ex01–ex03 que as conferências procuram tem um aluno simulado que o comete."""
    from cnn_grader.items import ex01, ex02, ex03

    named = {
        m.name
        for module in (ex01, ex02, ex03)
        for value in vars(module).values()
        if isinstance(value, tuple)
        for m in value
        if isinstance(m, checks.Misconception)
    }
    simulated = {name for cases in MISCONCEPTIONS.values() for _, name, _ in cases}
    untested = (
        named
        - simulated
        - {"kernel girado 180° (convolução verdadeira)"}
        - {
            "índices i e j trocados",
            "mínimo no lugar do máximo",
            "estatísticas de todo o tensor",
            "γ e β trocados",
            "média sobre os canais",
            '"same" mantém o tamanho com passo 2',
            "o próprio k",
            "max pooling que começa em 0",
        }
    )
    assert untested == set()


def test_scalar_answers_never_show_the_expected_value():
    verdicts = simulate("ex02_dimensoes", {"entradas_densa": "entradas_densa = 12 * 12 * 32"})
    assert "128" not in verdicts["testes_entradas_densa"].message
    for letter in "ABC":
        message = simulate("ex02_dimensoes", {"resposta_stride": f'resposta_stride = "{letter}"'})[
            "testes_resposta_stride"
        ].message
        assert not re.search(r"\bD\b", message), message
    unknown = simulate("ex02_dimensoes", {"entradas_densa": "entradas_densa = 1000"})["testes_entradas_densa"]
    assert "128" not in unknown.message and "1\xa0000" in unknown.message


def test_failure_without_known_misconception_shows_the_first_differing_case():
    answers = {"padding_para_manter": "def padding_para_manter(kernel_size):\n    return 3"}
    verdict = simulate("ex02_dimensoes", answers)["testes_padding_para_manter"]
    assert verdict.misconception is None
    assert "padding_para_manter(1)" in verdict.message and "você devolveu 3" in verdict.message
    assert 'grading.cases("ex02_dimensoes/padding_para_manter")' in verdict.message


def test_missing_value_error_is_reported_clearly():
    from respostas_alunos import EX01_MISCONCEPTIONS

    answers = next(case[2] for case in EX01_MISCONCEPTIONS if case[1] == "não levanta ValueError")
    verdict = simulate("ex01_convolucao", answers)["testes_loops_especiais"]
    assert verdict.score == 0.5
    assert "deveria levantar ValueError em correlacao2d_loops(array 3 × 5, array 4 × 2)" in verdict.message


# --- tolerâncias e formatos


def test_float32_and_integer_dtypes_are_accepted_and_real_errors_are_not():
    expected = np.random.default_rng(0).normal(size=(20, 20)) * 50
    assert checks.compare(expected.astype(np.float32), expected, "array") is None
    assert checks.compare(np.round(expected).astype(np.int64), np.round(expected), "array") is None
    assert checks.compare(expected * 1.01, expected, "array") is not None
    assert checks.compare(grading.decode(grading.encode(np.float32(0.1))), 0.1, "float") is None
    assert checks.compare(expected.astype(bool), expected, "array") is not None


@pytest.mark.parametrize(
    "value",
    [
        3,
        np.int8(-3),
        2.5,
        np.float32(2.5),
        "x",
        None,
        (1, 2),
        [1.5, (2, "a")],
        {"a": 1, (1, 2): [3]},
        np.arange(6).reshape(2, 3),
        np.ones((2, 2), dtype=np.float32),
        np.array([True, False]),
    ],
)
def test_encode_decode_round_trip(value):
    decoded = grading.decode(json.loads(json.dumps(grading.encode(value))))
    if isinstance(value, np.ndarray):
        assert decoded.dtype == value.dtype and np.array_equal(decoded, value)
    else:
        expected = value.item() if isinstance(value, np.generic) else value
        assert decoded == expected and type(decoded) is type(expected)


@pytest.mark.parametrize(
    "data",
    [
        {"t": "ndarray", "dtype": "<f8", "shape": [3], "b64": "AAAA"},
        {"t": "ndarray", "dtype": "|O", "shape": [1], "b64": ""},
        {"t": "ndarray", "dtype": "<f8", "shape": [10**9, 10**9], "b64": ""},
        {"t": "int", "v": "3"},
        {"t": "tuple", "v": "abc"},
        {"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "int", "v": 1}]]},
        ["t", "int"],
    ],
)
def test_decode_refuses_malformed_data(data):
    with pytest.raises(ValueError):
        grading.decode(data)


# --- o coletor e o veredito


def test_collector_records_borrowed_library_calls_and_mutated_inputs():
    import cnn_lib

    data = payload(
        "ex01_convolucao/correlacao2d_loops", lambda imagem, kernel: cnn_lib.conv2d(imagem, kernel)
    )
    assert data["emprestadas"] and data["emprestadas"][0].startswith("cnn_lib.ops.")
    verdict = REGISTRY[("ex01_convolucao", "testes_loops_gerais")](
        {"ex01_convolucao/correlacao2d_loops": data}, Context("ex01_convolucao", "aluno")
    )
    assert verdict.score == 0 and verdict.misconception == "função emprestada da biblioteca"

    def zera(x, rate, seed):
        x[:] = 0
        return x

    assert all(payload("ex03_pooling_regularizacao/dropout_invertido", zera)["alterou_entrada"])


def test_blocked_module_error_costs_the_item():
    from cnn_grader.items import stub_source

    namespace = {}
    exec(stub_source("cnn_lib.ops"), namespace)
    data = payload("ex01_convolucao/correlacao2d_loops", namespace["conv2d"])
    verdict = load()[("ex01_convolucao", "testes_loops_gerais")](
        {"ex01_convolucao/correlacao2d_loops": data}, Context("ex01_convolucao", "aluno")
    )
    assert verdict.misconception == "função emprestada da biblioteca"
    assert set(ASSIGNMENTS) <= set(BLOCKED)


def test_collector_refuses_huge_answers():
    with pytest.raises(ValueError, match="grande demais"):
        grading.collect("ex01_convolucao/mapa_borda", np.zeros((2000, 2000)))


def _cell(outputs, gid="testes_padding_para_manter", points=1):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("grading.collect(...)", outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": gid, "points": points}
    return cell


def _display(data):
    from nbformat.v4 import new_output

    return new_output("display_data", data={grading.MIME: data, "text/plain": "Resposta registrada"})


def _grade(cells, assignment="ex02_dimensoes"):
    from nbformat.v4 import new_notebook

    nb, _ = Verdicts(write_records=False).preprocess(
        new_notebook(cells=cells), {"nbgrader": {"assignment": assignment, "student": "aluno"}}
    )
    return nb.cells


def _nested(depth: int) -> dict:
    value = {"t": "int", "v": 1}
    for _ in range(depth):
        value = {"t": "list", "v": [value]}
    return value


GOOD = payload("ex02_dimensoes/padding_para_manter", lambda k: (k - 1) // 2)


@pytest.mark.parametrize(
    ("outputs", "reason"),
    [
        ([_display(GOOD), _display(GOOD)], "mais de uma resposta"),
        ([_display({"item": "ex02_dimensoes/padding_para_manter", "tipo": "funcao"})], "malformada"),
        ([_display({**GOOD, "item": "ex01_convolucao/padding_para_manter"})], "malformada"),
        ([_display({**GOOD, "tipo": "valor", "valor": {"t": "str", "v": "x" * 5_000_000}})], "grande demais"),
        ([_display({**GOOD, "valor": [{"t": "int", "v": 1}] * 3})], "malformada"),
        ([_display(json.dumps(GOOD)[:-5])], "malformada"),
        ([_display({**GOOD, "valor": [_nested(200)] * 11})], "malformada"),
        ([_display({**GOOD, "alterou_entrada": 7, "valor": [{"t": "int", "v": 1}] * 11})], "não confere"),
    ],
)
def test_forged_or_malformed_answers_score_zero(outputs, reason):
    (cell,) = _grade([_cell(outputs)])
    assert [o.output_type for o in cell.outputs] == ["error"]
    assert reason in cell.outputs[0].evalue.lower()


def test_verdict_replaces_every_output_and_gives_partial_credit():
    from nbformat.v4 import new_output

    fake = [
        new_output("stream", name="stdout", text="✔ tudo certo"),
        new_output("execute_result", data={"text/plain": "1.0"}, execution_count=1),
    ]
    (cell,) = _grade([_cell(fake)])
    assert cell.outputs[0].output_type == "error" and "não recebeu" in cell.outputs[0].evalue
    (cell,) = _grade([_cell([*fake, _display(GOOD)])])
    assert [o.output_type for o in cell.outputs] == ["stream"] and cell.outputs[0].text.startswith("✔")
    same = payload("ex02_dimensoes/tamanho_saida_same", lambda n, k, s, p, d: -(-n // s))
    wrong = payload("ex02_dimensoes/tamanho_saida_invalidos", lambda *args: 1)
    (cell,) = _grade([_cell([_display(same), _display(wrong)], "testes_tamanho_saida_same", 1)])
    assert cell.outputs[-1].output_type == "execute_result" and cell.outputs[-1].data["text/plain"] == "0.5"


def test_cell_without_registered_check_is_an_instructor_error():
    from cnn_grader.verdict import InstructorError

    with pytest.raises(InstructorError, match="erro do instrutor"):
        _grade([_cell([], "testes_que_ninguem_registrou")])


def test_records_are_written_per_student(tmp_path):
    from nbformat.v4 import new_notebook

    from cnn_grader import records

    preprocessor = Verdicts()
    preprocessor.config.CourseDirectory.root = str(tmp_path)
    nb = new_notebook(
        cells=[_cell([_display(payload("ex02_dimensoes/padding_para_manter", lambda k: k - 1))])]
    )
    preprocessor.preprocess(nb, {"nbgrader": {"assignment": "ex02_dimensoes", "student": "bia"}})
    (row,) = records.read(tmp_path, "ex02_dimensoes")["bia"]
    assert row["pontos"] == 0 and row["misconception"] == "preenchimento total no lugar do por lado"
