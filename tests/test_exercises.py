"""Os exercícios autocorrigidos com o nbgrader 0.9.6 de verdade, de ponta a ponta.

Um curso temporário recebe a configuração e as soluções do repositório; ``generate_assignment`` gera as
versões dos alunos (que devem ser iguais às de ``exercises/``); uma turma simulada entrega cada tarefa, e
``autograde`` e ``generate_feedback`` corrigem todos de uma vez. Os alunos de cada tarefa:

- ``gabarito``: as soluções, como um aluno que acertou tudo as digitaria: nota máxima;
- ``branco``: o notebook recebido, sem mudanças: zero, sem quebrar a correção;
- ``parcial``: parte certa, parte errada ou em branco: a nota exata das células certas;
- ``quiz_errado``: tudo certo menos uma questão: perde só os pontos dela;
- ``alternativo``: soluções certas escritas de outro jeito (laços em vez de NumPy, tipos do NumPy, API
  funcional do Keras...): nota máxima.
"""

import builtins
import html
import importlib
import re
import sys
import time

import numpy as np
import pytest
from nbgrader_utils import (
    ASSIGNMENTS,
    autograde,
    feedback_html,
    fill,
    generate_feedback,
    grade_id,
    make_course,
    read,
    run_nbgrader,
    scores,
    solution_sources,
    source_notebook,
    submit,
    validate,
)
from nbgrader_utils import REPO as ROOT

from cnn_lib import grading
from cnn_lib.grading import answer_digest

STUDENTS = ("gabarito", "branco", "parcial", "quiz_errado", "alternativo")

# --- ex01: correlação cruzada

CONVOLUCAO_INVERTIDA = """
def correlacao2d_loops(imagem, kernel):
    kernel = np.asarray(kernel, dtype=float)[::-1, ::-1]  # a convolução da matemática, não a correlação
    imagem = np.asarray(imagem, dtype=float)
    kh, kw = kernel.shape
    saida = np.zeros((imagem.shape[0] - kh + 1, imagem.shape[1] - kw + 1))
    for i in range(saida.shape[0]):
        for j in range(saida.shape[1]):
            saida[i, j] = np.sum(imagem[i : i + kh, j : j + kw] * kernel)
    return saida
"""

EX01_ALTERNATIVO = {
    "correlacao2d_loops": """
def correlacao2d_loops(imagem, kernel):
    altura, largura, kh, kw = len(imagem), len(imagem[0]), len(kernel), len(kernel[0])
    if kh > altura or kw > largura:
        raise ValueError("o kernel é maior que a imagem")
    saida = np.empty((altura - kh + 1, largura - kw + 1))
    for i in range(altura - kh + 1):
        for j in range(largura - kw + 1):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += imagem[i + m][j + n] * kernel[m][n]
            saida[i][j] = total
    return saida
""",
    "correlacao2d_vetorizada": """
def correlacao2d_vetorizada(imagem, kernel):
    imagem, kernel = np.asarray(imagem, dtype=float), np.asarray(kernel, dtype=float)
    (h, w), (kh, kw) = imagem.shape, kernel.shape
    if kh > h or kw > w:
        raise ValueError("o kernel é maior que a imagem")
    saida = np.zeros((h - kh + 1, w - kw + 1))
    for m in range(kh):  # um laço sobre o kernel; os pixels ficam com o NumPy
        for n in range(kw):
            saida += kernel[m, n] * imagem[m : m + h - kh + 1, n : n + w - kw + 1]
    return saida
""",
    "mapa_borda": "mapa_borda = np.array([[0, 30, 30]] * 3)",
    "resposta_espelhada": 'resposta_espelhada = " b "',
}

# --- ex02: dimensões

TAMANHO_SEM_DILATACAO = """
def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if padding == "same":
        return math.ceil(n / strides)
    p = 0 if padding == "valid" else padding
    if isinstance(p, str) or n + 2 * p < kernel_size:
        raise ValueError("entrada inválida")
    return (n + 2 * p - kernel_size) // strides + 1
"""

EX02_ALTERNATIVO = {
    "tamanho_saida": """
def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if padding not in ("valid", "same") and not isinstance(padding, int):
        raise ValueError(f"padding inválido: {padding!r}")
    if padding == "same":
        return -(-n // strides)
    p = 0 if padding == "valid" else padding
    saida = (n + 2 * p - dilation_rate * (kernel_size - 1) - 1) // strides + 1
    if saida < 1:
        raise ValueError("o kernel não cabe na entrada")
    return saida
""",
    "saida_valid_3x3": """
import numpy as np


def saida_valid_3x3(H, W):
    return tuple(np.array([H, W]) - 2)  # uma tupla de inteiros do NumPy
""",
    "saida_same_stride2": "def saida_same_stride2(H, W):\n    return ((H + 1) // 2, (W + 1) // 2)",
    "padding_para_manter": "def padding_para_manter(kernel_size):\n    return kernel_size // 2",
    "resposta_stride": 'resposta_stride = "d"',
    "entradas_densa": "entradas_densa = 2 * 2 * 32",
}

# --- ex03: pooling e regularização

EX03_PARCIAL = {
    "pool2d": """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    p = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)  # ignora strides
    janelas = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), p)[:: p[0], :: p[1]]
    return janelas.max(axis=(2, 3)) if mode == "max" else janelas.mean(axis=(2, 3))
""",
    "dropout_invertido": """
def dropout_invertido(x, rate, seed):
    mantidos = np.random.default_rng(seed).random(np.shape(x)) >= rate
    return np.where(mantidos, x, 0.0)  # esqueceu a divisão por (1 - rate)
""",
    "batch_norm_treino": """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    eixos = tuple(range(x.ndim - 1))
    return gamma * (x - x.mean(axis=eixos)) / np.sqrt(x.var(axis=eixos, ddof=1) + epsilon) + beta
""",
}

EX03_ALTERNATIVO = {
    "max_pool_2x2": """
def max_pool_2x2(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    saida = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            saida[i, j] = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max()
    return saida
""",
    "pool2d": """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    reduz = {"max": np.max, "avg": np.mean}.get(mode)
    if reduz is None:
        raise ValueError(f"mode inválido: {mode!r}")
    ph, pw = np.broadcast_to(pool_size, 2)
    sh, sw = np.broadcast_to(pool_size if strides is None else strides, 2)
    linhas, colunas = range(0, x.shape[0] - ph + 1, sh), range(0, x.shape[1] - pw + 1, sw)
    return np.array([[reduz(x[i : i + ph, j : j + pw]) for j in colunas] for i in linhas])
""",
    "global_avg_pool": "def global_avg_pool(x):\n    return x.sum(axis=(1, 2)) / (x.shape[1] * x.shape[2])",
    "dropout_invertido": """
def dropout_invertido(x, rate, seed):
    if rate < 0 or rate >= 1:
        raise ValueError("rate deve estar em [0, 1)")
    mascara = np.random.default_rng(seed).binomial(1, 1 - rate, size=np.shape(x))
    return mascara * np.asarray(x) / (1 - rate)
""",
    "batch_norm_treino": """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    planos = x.reshape(-1, x.shape[-1])
    media = planos.mean(axis=0)
    desvio = np.sqrt(((planos - media) ** 2).mean(axis=0) + epsilon)
    return ((planos - media) / desvio * gamma + beta).reshape(x.shape)
""",
    "resposta_dropout": 'resposta_dropout = "c"',
}

# --- ex04: parâmetros e arquiteturas

EX04_PARCIAL = {
    "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    n, m = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (n * m + int(use_bias)) * filters  # esqueceu os canais de entrada
""",
    "bloco_residual": """
def bloco_residual(x, filters):  # sem o atalho
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
    return layers.ReLU()(y)
""",
}

EX04_ALTERNATIVO = {
    "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    pesos = np.prod(np.broadcast_to(kernel_size, 2)) * in_channels * filters
    return pesos + (filters if use_bias else 0)
""",
    "params_densa": """
def params_densa(n_in, units, use_bias=True):
    return n_in * units + use_bias * units
""",
    "params_lenet5": (
        'params_lenet5 = {"conv1": 156, "conv2": 2416, "densa1": 48120, "densa2": 10164, "densa3": 850}'
    ),
    "construir_lenet5": """
def construir_lenet5():
    modelo = keras.Sequential(name="lenet5")
    modelo.add(keras.Input(shape=(32, 32, 1)))
    for filtros in (6, 16):
        modelo.add(layers.Conv2D(filtros, (5, 5), activation="tanh"))
        modelo.add(layers.AveragePooling2D(pool_size=(2, 2)))
    modelo.add(layers.Flatten())
    for unidades in (120, 84):
        modelo.add(layers.Dense(unidades, activation="tanh"))
    modelo.add(layers.Dense(10, activation="softmax"))
    return modelo
""",
    "bloco_residual": """
def bloco_residual(x, filters):
    atalho = x
    for i in range(2):
        x = layers.BatchNormalization()(layers.Conv2D(filters, (3, 3), padding="same")(x))
        if i == 0:
            x = layers.Activation("relu")(x)
    return layers.Activation("relu")(layers.add([atalho, x]))
""",
    "razao_separavel": """
def razao_separavel(kernel_size, in_channels, filters):
    k2 = kernel_size**2
    separavel, padrao = k2 * in_channels + in_channels * filters + filters, (k2 * in_channels + 1) * filters
    return np.float64(separavel / padrao)
""",
}

# --- ex05: prática

EX05_ALTERNATIVO = {
    "construir_modelo": """
def construir_modelo():
    entrada = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(entrada)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.Flatten()(layers.MaxPooling2D(2)(x))
    modelo = keras.Model(entrada, layers.Dense(10, activation="softmax")(x))
    otimizador = keras.optimizers.Adam(learning_rate=0.003)
    modelo.compile(optimizer=otimizador, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return modelo
""",
    "treino": """
keras.utils.set_random_seed(1)
modelo = construir_modelo()
historico = modelo.fit(x_train, y_train, epochs=10, batch_size=64, verbose=2)
""",
    "prever_classes": (
        "def prever_classes(modelo, x):\n    return np.asarray(modelo(x, training=False)).argmax(axis=-1)"
    ),
    "resposta_sobreajuste": 'resposta_sobreajuste = "a"',
}

# Por tarefa: a nota máxima automática; a entrega parcial (o que muda no gabarito, quais células de teste
# zeram e a nota exata); a questão errada (o que muda, a célula e os pontos que ela perde, e o texto da
# resposta certa, que não pode aparecer no feedback); a entrega alternativa.
CASES = {
    "ex01_convolucao": {
        "total": 7,
        "parcial": ({"correlacao2d_loops": CONVOLUCAO_INVERTIDA, "resposta_espelhada": None}, 3),
        "parcial_zeros": {"testes_loops_gerais", "testes_loops_especiais", "testes_resposta_espelhada"},
        "quiz": ({"resposta_espelhada": 'resposta_espelhada = "A"'}, "testes_resposta_espelhada", 1),
        "answer": 'resposta_espelhada = "B"',
        "alternativo": EX01_ALTERNATIVO,
    },
    "ex02_dimensoes": {
        "total": 9,
        "parcial": (
            {
                "tamanho_saida": TAMANHO_SEM_DILATACAO,
                "saida_same_stride2": "def saida_same_stride2(H, W):\n    return (H // 2, W // 2)",
            },
            5,
        ),
        "parcial_zeros": {"testes_tamanho_saida", "testes_tamanho_saida_same", "testes_saida_same_stride2"},
        "quiz": ({"resposta_stride": 'resposta_stride = "B"'}, "testes_resposta_stride", 1),
        "answer": 'resposta_stride = "D"',
        "alternativo": EX02_ALTERNATIVO,
    },
    "ex03_pooling_regularizacao": {
        "total": 11,
        "parcial": (EX03_PARCIAL, 4),
        "parcial_zeros": {"testes_pool2d", "testes_dropout_invertido", "testes_batch_norm_treino"},
        "quiz": ({"resposta_dropout": 'resposta_dropout = "B"'}, "testes_resposta_dropout", 1),
        "answer": 'resposta_dropout = "C"',
        "alternativo": EX03_ALTERNATIVO,
    },
    "ex04_parametros_arquiteturas": {
        "total": 12,
        "parcial": (EX04_PARCIAL, 4),
        "parcial_zeros": {
            "testes_params_conv",
            "testes_params_lenet5",
            "testes_bloco_residual",
            "testes_razao_separavel",
        },
        "quiz": (
            {"params_lenet5": EX04_ALTERNATIVO["params_lenet5"].replace("48120", "(4 * 4 * 16 + 1) * 120")},
            "testes_params_lenet5",
            2,
        ),
        "answer": "48120",
        "alternativo": EX04_ALTERNATIVO,
    },
    "ex05_pratica": {
        "total": 6,
        "parcial": ({"treino": None, "resposta_sobreajuste": None}, 2),
        "parcial_zeros": {"testes_treino", "testes_resposta_sobreajuste"},
        "quiz": ({"resposta_sobreajuste": 'resposta_sobreajuste = "C"'}, "testes_resposta_sobreajuste", 1),
        "answer": 'resposta_sobreajuste = "A"',
        "alternativo": EX05_ALTERNATIVO,
    },
}

DIGEST = re.compile(r'"([0-9a-f]{16})"')


def _class_answers(assignment: str) -> dict[str, dict]:
    """As respostas de cada aluno simulado, por ``grade_id`` (``None``: a célula fica como foi recebida)."""
    case, solution = CASES[assignment], solution_sources(source_notebook(assignment))
    partial, _ = case["parcial"]
    quiz, _, _ = case["quiz"]
    return {
        "gabarito": solution,
        "branco": {},
        "parcial": {key: value for key, value in {**solution, **partial}.items() if value is not None},
        "quiz_errado": {**solution, **quiz},
        "alternativo": {**solution, **case["alternativo"]},
    }


@pytest.fixture(scope="module")
def turma(tmp_path_factory):
    """Um curso com as cinco tarefas geradas, a turma simulada entregue, corrigida e com feedback."""
    course = make_course(tmp_path_factory.mktemp("nbgrader"))
    durations = {}
    start = time.perf_counter()
    run_nbgrader(course, "generate_assignment", "*", "--force")
    durations["generate_assignment"] = time.perf_counter() - start
    for assignment in ASSIGNMENTS:
        release = course / "exercises" / assignment / f"{assignment}.ipynb"
        for student, answers in _class_answers(assignment).items():
            submit(course, assignment, student, fill(release, answers))
    durations["autograde"] = autograde(course, "*")
    start = time.perf_counter()
    generate_feedback(course, "*")
    durations["generate_feedback"] = time.perf_counter() - start
    print(f"\ntempos do nbgrader (s), 5 tarefas × {len(STUDENTS)} alunos: {durations}")
    return course


def _visible_text(html_page: str) -> str:
    """O texto de uma página de feedback, sem marcação (o código vem quebrado em <span>s pelo Pygments)."""
    text = re.sub(r"<(style|script)\b.*?</\1>", "", html_page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _split_source(assignment: str) -> tuple[str, list[str], list[str]]:
    """O notebook do instrutor em três partes: o texto público, as linhas ocultas e as linhas de solução."""
    public, hidden, solution = [], [], []
    for cell in read(source_notebook(assignment)).cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            solution += cell.source.split("\n")
            continue
        region = public
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line or "BEGIN SOLUTION" in line:
                region = hidden if "HIDDEN" in line else solution
            elif "END HIDDEN TESTS" in line or "END SOLUTION" in line:
                region = public
            else:
                region.append(line)
    return "\n".join(public), hidden, solution


def _secrets(assignment: str) -> dict[str, list[str]]:
    """O que o aluno não pode ver: linhas só dos testes ocultos ou das soluções e os resumos das respostas."""
    public, hidden, solution = _split_source(assignment)

    def exclusive(lines, minimum):
        return sorted({line.strip() for line in lines if len(line.strip()) >= minimum} - {""})

    public = public.replace("`", "")  # o feedback mostra o Markdown já formatado, sem as crases
    return {
        "hidden": [line for line in exclusive(hidden, 6) if line not in public],
        "solution": [line for line in exclusive(solution, 12) if line not in public],
        "digests": DIGEST.findall(source_notebook(assignment).read_text(encoding="utf-8")),
    }


# --- testes rápidos: o que está no repositório


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_hides_solutions_and_hidden_tests(assignment):
    released = ROOT / "exercises" / assignment / f"{assignment}.ipynb"
    text = "\n".join(cell.source for cell in read(released).cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "importlib.reload"):
        assert marker not in text
    secrets = _secrets(assignment)
    assert secrets["hidden"] and secrets["solution"]
    leaked = [item for kind in secrets.values() for item in kind if item in text]
    assert leaked == []
    assert "# SEU CÓDIGO AQUI\nraise NotImplementedError()" in text


def test_quiz_digests_match_the_solution():
    """O resumo nos testes ocultos é o da letra da solução, e não o de outra letra."""
    checked = 0
    for assignment in ASSIGNMENTS:
        source_text = source_notebook(assignment).read_text(encoding="utf-8")
        for answer in solution_sources(source_notebook(assignment)).values():
            if match := re.fullmatch(r'(\w+) = "([A-D])"', answer.strip()):
                question, letter = match.groups()
                assert answer_digest(question, letter) in source_text
                assert not any(
                    answer_digest(question, other) in source_text for other in "ABCD" if other != letter
                )
                checked += 1
    assert checked == 4


# --- de ponta a ponta, com o nbgrader


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_match_generate_assignment(turma, assignment):
    generated = read(turma / "exercises" / assignment / f"{assignment}.ipynb")
    committed = read(ROOT / "exercises" / assignment / f"{assignment}.ipynb")
    assert generated.metadata == committed.metadata
    assert len(generated.cells) == len(committed.cells)
    for new, old in zip(generated.cells, committed.cells, strict=True):
        assert (new.cell_type, new.get("id"), new.source) == (old.cell_type, old.get("id"), old.source)
        assert new.metadata == old.metadata


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_class_scores(turma, assignment):
    case = CASES[assignment]
    result = scores(turma, assignment)
    assert set(result) == set(STUDENTS)
    full = result["gabarito"]
    assert full.total == case["total"]
    assert all(points > 0 for points in full.cells.values())
    assert result["alternativo"].cells == full.cells
    assert result["branco"].total == 0
    _, partial_total = case["parcial"]
    assert result["parcial"].total == partial_total
    assert {cell for cell, points in result["parcial"].cells.items() if points == 0} == case["parcial_zeros"]
    _, quiz_cell, quiz_points = case["quiz"]
    assert result["quiz_errado"].total == case["total"] - quiz_points
    assert result["quiz_errado"].cells == {**full.cells, quiz_cell: 0}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_hides_hidden_tests_solutions_and_answers(turma, assignment):
    secrets = _secrets(assignment)
    for student in STUDENTS:
        text = _visible_text(feedback_html(turma, assignment, student))
        assert [line for line in secrets["hidden"] + secrets["digests"] if line in text] == [], student
        assert "AssertionError" not in text, student
    blank = _visible_text(feedback_html(turma, assignment, "branco"))
    assert [line for line in secrets["solution"] if line in blank] == []
    for student in ("branco", "quiz_errado"):
        assert CASES[assignment]["answer"] not in _visible_text(feedback_html(turma, assignment, student))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_explains_failures_in_portuguese(turma, assignment):
    failures = [
        message
        for student in ("parcial", "quiz_errado")
        for message in re.findall(
            r"Falha no teste: (.+)", _visible_text(feedback_html(turma, assignment, student))
        )
    ]
    assert failures, "o feedback deve explicar as falhas"
    portuguese = re.compile(
        r"\b(não|deve|deveria|confere|esperad[oa]|confira|levant|alternativa)\b", re.IGNORECASE
    )
    assert [message for message in failures if not portuguese.search(message)] == []
    page = feedback_html(turma, assignment, "parcial")
    assert '<html lang="pt-BR">' in page and "Nota: " in page
    english = ["Score:", "Test cell", "Student's answer", "Comments:", "(Top)"]
    assert [phrase for phrase in english if phrase in _visible_text(page)] == []


@pytest.mark.slow
def test_validate_passes_on_solutions_and_fails_on_stubs(turma):
    solutions = [turma / "solutions" / name / f"{name}.ipynb" for name in ASSIGNMENTS]
    releases = [turma / "exercises" / name / f"{name}.ipynb" for name in ASSIGNMENTS]
    reports = validate(turma, solutions + releases)
    for notebook in solutions:
        assert "Success! Your notebook passes all the tests." in reports[notebook.resolve()], notebook.name
    for notebook in releases:
        report = reports[notebook.resolve()]
        assert "A VALIDAÇÃO FALHOU EM" in report and "NotImplementedError" in report, notebook.name


def test_grade_ids_are_unique_and_points_add_up():
    for assignment in ASSIGNMENTS:
        cells = read(source_notebook(assignment)).cells
        ids = [grade_id(cell) for cell in cells if grade_id(cell)]
        assert len(ids) == len(set(ids))
        autograded = [
            cell.metadata.nbgrader["points"]
            for cell in cells
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
        ]
        assert sum(autograded) == CASES[assignment]["total"]


# --- as comparações de cnn_lib.grading não confiam na resposta


class _SempreIgual:
    """Um objeto que diz ser igual a qualquer coisa."""

    __hash__ = None

    def __eq__(self, other):
        return True


class _Inteiro(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class _Array(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def tolist(self):
        return [1.0] * self.size


@pytest.mark.parametrize("answer", [_SempreIgual(), _Inteiro(4), True, 4.0, "4", [4], np.float64(4.0)])
def test_check_int_refuses_foreign_answers(answer):
    with pytest.raises(AssertionError):
        grading.check_int(answer, 4, name="n")


def test_check_array_refuses_subclasses_lists_and_ignores_patched_numpy(monkeypatch):
    expected = np.ones(3)
    with pytest.raises(AssertionError, match="não é aceito"):
        grading.check_array(np.zeros(3).view(_Array), expected, name="x")
    with pytest.raises(AssertionError, match="deve ser um array NumPy"):
        grading.check_array([1.0, 1.0, 1.0], expected, name="x")
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    monkeypatch.setattr(np, "array_equal", lambda *args, **kwargs: True)
    with pytest.raises(AssertionError, match="1 de 3 valores"):
        grading.check_array(np.array([1.0, 1.0, 1.5]), expected, name="x")


def test_check_function_gives_the_student_copies():
    """Uma função que zera a entrada não consegue zerar também a referência."""
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(4, 4)),) for _ in range(3)]

    def student(x):
        x[:] = 0
        return x

    with pytest.raises(AssertionError, match="valores diferentes"):
        grading.check_function(student, lambda x: x * 2, cases, name="dobro")
    assert all(np.abs(x).sum() > 0 for (x,) in cases)


@pytest.mark.parametrize("seed", range(3))
def test_check_function_computes_the_reference_before_the_student_runs(seed, monkeypatch):
    """Uma função que troca a referência durante a chamada e devolve o valor trocado é reprovada."""
    shapes = importlib.import_module("cnn_lib.shapes")
    monkeypatch.setattr(shapes, "output_size", shapes.output_size)  # a troca do aluno se desfaz no fim
    rng = np.random.default_rng(seed)
    cases = [(int(rng.integers(5, 40)), int(rng.integers(1, 4)) * 2 + 1) for _ in range(4)]

    def student(n, kernel_size):
        sys.modules["cnn_lib.shapes"].output_size = lambda *args, **kwargs: 0
        return 0

    with pytest.raises(
        AssertionError, match=r"^tamanho_saida\(\d+, \d+\) não confere com o valor esperado\.$"
    ):
        grading.check_function(student, lambda n, k: shapes.output_size(n, k), cases, name="tamanho_saida")


def test_check_function_gives_the_reference_copies():
    """Uma referência que altera a entrada não muda o que o aluno recebe."""
    rng = np.random.default_rng(1)
    cases = [(rng.normal(size=(3, 5)),) for _ in range(3)]

    def reference(x):
        total = x.sum()
        x[:] = 0
        return total

    grading.check_function(lambda x: x.sum(), reference, cases, name="soma")
    assert all(np.abs(x).sum() > 0 for (x,) in cases)


def test_replaced_builtins_fail_the_checks():
    original, message = builtins.len, ""
    builtins.len = lambda value: 0
    try:
        grading.check_int(3, 3, name="n")
    except AssertionError as error:
        message = error.args[0]
    finally:
        builtins.len = original
    assert "ambiente do Python foi alterado" in message
    grading.check_int(3, 3, name="n")


def test_reloading_restores_replaced_helpers():
    """O que os testes ocultos fazem: recarregar o módulo desfaz a troca de uma função pelo aluno."""
    grading.check_int = lambda *args, **kwargs: None
    importlib.reload(grading)
    with pytest.raises(AssertionError):
        grading.check_int(5, 4, name="n")


@pytest.mark.parametrize("seed", range(5))
def test_check_function_accepts_equivalent_answers(seed):
    """Tipos do NumPy e do Python, e arrays inteiros contra referências reais, são respostas válidas."""
    rng = np.random.default_rng(seed)
    cases = [(int(rng.integers(3, 50)), int(rng.integers(3, 50))) for _ in range(10)]
    grading.check_function(
        lambda h, w: tuple(np.array([h, w]) - 2), lambda h, w: (h - 2, w - 2), cases, name="f"
    )
    images = [(rng.integers(0, 9, size=(5, 6)),) for _ in range(3)]
    grading.check_function(lambda x: x * 2, lambda x: x.astype(float) * 2, images, name="dobro")
