"""Conferências do ex04 (contando parâmetros e montando arquiteturas).

As contas (``params_conv``, ``params_densa``, ``razao_separavel``) chegam como dicionários
``{caso: resultado}`` calculados pelo kernel nos casos públicos de :data:`CASOS`; ``params_lenet5`` chega
como o dicionário do aluno; a LeNet-5 e o bloco residual chegam como modelos ``.keras``, julgados por
:mod:`cnn_grader.keras_judge` num processo isolado. As referências saem de ``cnn_lib.shapes``; cada erro
conhecido é uma variante da conta certa e, quando as respostas erradas batem com uma variante, a mensagem
dá nome ao erro.
"""

from cnn_grader.items import Verdict, register
from cnn_grader.keras_judge import judged, refused_verdict
from cnn_lib import grading, shapes
from cnn_lib.formatting import format_decimal, format_number

ASSIGNMENT = "ex04_parametros_arquiteturas"

# Os casos públicos: os mesmos estão escritos nas células de teste do notebook.
CASOS = {
    "params_conv": [
        (3, 32, 64, True),
        (5, 3, 8, False),
        ((5, 3), 3, 8, True),
        ((1, 7), 16, 4, False),
        (1, 128, 32, True),
        (7, 3, 96, True),
        ((3, 5), 12, 10, True),
        (3, 64, 64, False),
    ],
    "params_densa": [(400, 120, True), (84, 10, True), (64, 10, False), (4096, 1000, True), (3, 7, False)],
    "razao_separavel": [(3, 32, 64), (5, 16, 16), (1, 8, 4), (7, 3, 96), (3, 256, 512)],
}


# --- respostas que são valores: os resultados do kernel nos casos públicos


def value_of(payloads: dict, item: str):
    """O valor registrado para ``item`` (decodificado) e o motivo de não haver um (ou ``None``)."""
    name = item.split("/", 1)[1]
    payload = payloads.get(item)
    if payload is None:
        return None, (
            f"a resposta de {name} não foi registrada: o código desta célula parou antes de registrá-la "
            "(rode a célula no seu notebook para ver o erro)."
        )
    if payload.get("tipo") != "valor":
        return None, f"a resposta registrada para {name} não é um valor."
    return grading.decode(payload["valor"]), None


def _equal(value, expected, kind: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if kind == "int":
        return isinstance(value, int) and value == expected
    return abs(value - expected) <= 1e-5 * abs(expected) + 1e-9


def _is_real(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "um valor que não é número"
    return format_number(value) if isinstance(value, int) else format_decimal(value, 4)


def compare_cases(payloads, item, cases, reference, errors, *, call: str, kind: str) -> Verdict:
    """Compara ``{caso: resultado}`` do aluno com a referência e nomeia o erro conhecido.

    ``errors`` é uma lista de ``(nome, explicação, variante)``: a variante é a conta errada; ela explica a
    resposta quando dá o mesmo que o aluno em todos os casos em que ele errou. A nota é a fração de casos
    certos (um erro conhecido nunca ganha a nota cheia).
    """
    name = item.split("/", 1)[1]
    answer, problem = value_of(payloads, item)
    if problem:
        return Verdict(0.0, problem)
    if not isinstance(answer, dict) or set(answer) != set(cases):
        return Verdict(0.0, f"{name}: a resposta registrada não traz os resultados dos casos de teste.")
    wrong = [case for case in cases if not _equal(answer[case], reference(*case), kind)]
    if not wrong:
        return Verdict(1.0, f"{name}: os {len(cases)} casos de teste conferem.")
    score = (len(cases) - len(wrong)) / len(cases)
    if kind == "int" and all(
        _is_real(answer[case]) and _equal(float(answer[case]), reference(*case), "float") for case in wrong
    ):
        return Verdict(
            score,
            f"{name}: as contagens estão certas, mas são números reais (float); o número de parâmetros é "
            "um int: use // em vez de / ou int(...).",
            "contagem como float",
        )
    example = f"{call.format(*wrong[0])} devolveu {_number(answer[wrong[0]])}"
    for label, explanation, variant in errors:
        if all(_equal(answer[case], variant(*case), kind) for case in wrong):
            return Verdict(score, f"{name}: {explanation} Por exemplo, {example}.", label)
    return Verdict(
        score,
        f"{name}: {len(wrong)} de {len(cases)} casos não conferem; o primeiro: {example}, e o esperado é "
        f"{_number(reference(*wrong[0]))}.",
    )


def _sides(kernel_size) -> tuple[int, int]:
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def _conv_variant(formula):
    def variant(kernel_size, in_channels, filters, use_bias):
        n, m = _sides(kernel_size)
        return formula(n, m, in_channels, filters, use_bias)

    return variant


ERROS_CONV = [
    (
        "viés contado por canal de entrada",
        "você contou um viés por canal de entrada; a Conv2D tem um viés por filtro: (n·m·l + 1)·k.",
        _conv_variant(lambda n, m, ce, k, b: (n * m + int(b)) * ce * k),
    ),
    (
        "viés esquecido",
        "você esqueceu o viés: com use_bias=True, cada filtro tem mais um parâmetro.",
        _conv_variant(lambda n, m, ce, k, b: n * m * ce * k),
    ),
    (
        "viés contado com use_bias=False",
        "com use_bias=False a camada não tem viés: o “+ 1” some da fórmula.",
        _conv_variant(lambda n, m, ce, k, b: (n * m * ce + 1) * k),
    ),
    (
        "kernel sem a profundidade da entrada",
        "cada filtro tem n·m·l pesos: a profundidade do kernel é o número de canais da entrada.",
        _conv_variant(lambda n, m, ce, k, b: (n * m + int(b)) * k),
    ),
    (
        "kernel retangular tratado como quadrado",
        "com kernel_size=(n, m), o kernel tem n·m posições, não n·n.",
        _conv_variant(lambda n, m, ce, k, b: (n * n * ce + int(b)) * k),
    ),
]

ERROS_DENSA = [
    (
        "viés contado por entrada",
        "você contou um viés por entrada; a camada densa tem um viés por saída: (N_e + 1)·N_s.",
        lambda n, m, b: n * (m + int(b)),
    ),
    (
        "viés esquecido",
        "você esqueceu o viés: com use_bias=True, cada saída tem mais um parâmetro.",
        lambda n, m, b: n * m,
    ),
    (
        "viés contado com use_bias=False",
        "com use_bias=False a camada não tem viés: o “+ 1” some da fórmula.",
        lambda n, m, b: (n + 1) * m,
    ),
    (
        "um só viés para a camada",
        "cada saída (neurônio) tem o seu viés: são N_s vieses, não um.",
        lambda n, m, b: n * m + int(b),
    ),
]


def _separable(k, ce, f):
    return shapes.separable_params(k, ce, f) / shapes.conv_params(k, ce, f)


ERROS_SEPARAVEL = [
    (
        "razão invertida",
        "a razão pedida é separável ÷ comum (menor que 1 indica economia); você dividiu ao contrário.",
        lambda k, ce, f: shapes.conv_params(k, ce, f) / shapes.separable_params(k, ce, f),
    ),
    (
        "viés esquecido",
        "as duas camadas têm viés (k na separável e k na comum): inclua-os nas duas contas.",
        lambda k, ce, f: (k * k * ce + ce * f) / (k * k * ce * f),
    ),
    (
        "viés esquecido na separável",
        "a separável também tem k vieses (na etapa pointwise).",
        lambda k, ce, f: (k * k * ce + ce * f) / shapes.conv_params(k, ce, f),
    ),
    (
        "viés contado também na etapa depthwise",
        "a SeparableConv2D do Keras tem só os k vieses da etapa pointwise, não vieses na depthwise.",
        lambda k, ce, f: (k * k * ce + ce + ce * f + f) / shapes.conv_params(k, ce, f),
    ),
    (
        "pointwise sem os canais de entrada",
        "a etapa pointwise 1×1 combina os l canais em k filtros: são l·k pesos.",
        lambda k, ce, f: (k * k * ce + f + f) / shapes.conv_params(k, ce, f),
    ),
]


@register(ASSIGNMENT, "testes_params_conv")
def conferir_params_conv(payloads, context):
    return compare_cases(
        payloads,
        f"{ASSIGNMENT}/params_conv",
        CASOS["params_conv"],
        lambda k, ce, f, b: shapes.conv_params(k, ce, f, use_bias=b),
        ERROS_CONV,
        call="params_conv({}, {}, {}, use_bias={})",
        kind="int",
    )


@register(ASSIGNMENT, "testes_params_densa")
def conferir_params_densa(payloads, context):
    return compare_cases(
        payloads,
        f"{ASSIGNMENT}/params_densa",
        CASOS["params_densa"],
        lambda n, m, b: shapes.dense_params(n, m, use_bias=b),
        ERROS_DENSA,
        call="params_densa({}, {}, use_bias={})",
        kind="int",
    )


@register(ASSIGNMENT, "testes_razao_separavel")
def conferir_razao_separavel(payloads, context):
    return compare_cases(
        payloads,
        f"{ASSIGNMENT}/razao_separavel",
        CASOS["razao_separavel"],
        _separable,
        ERROS_SEPARAVEL,
        call="razao_separavel({}, {}, {})",
        kind="float",
    )


# --- params_lenet5: um dicionário de cinco contagens


def _lenet_counts(flat: int, conv=shapes.conv_params, dense=shapes.dense_params) -> dict:
    return {
        "conv1": conv(5, 1, 6),
        "conv2": conv(5, 6, 16),
        "densa1": dense(flat, 120),
        "densa2": dense(120, 84),
        "densa3": dense(84, 10),
    }


def _flat_size(pools: int, padding: str = "valid") -> int:
    """Entradas da densa1: 32 → conv 5×5 → pooling 2×2 → conv 5×5 → pooling 2×2 → achatado (16 canais)."""
    side = 32
    for step in ("conv", "pool", "conv", "pool"):
        if step == "conv":
            side = shapes.output_size(side, 5, 1, padding)
        elif pools > 0:
            side, pools = shapes.output_size(side, 2, 2), pools - 1
    return side * side * 16


def _no_bias_conv(k, ce, f):
    return shapes.conv_params(k, ce, f, use_bias=False)


def _no_bias_dense(n, m):
    return shapes.dense_params(n, m, use_bias=False)


ERROS_LENET = [
    (
        "pooling esquecido ao dimensionar a densa",
        "a densa1 recebe o mapa achatado depois das DUAS camadas de pooling 2×2: cada uma divide a altura "
        "e a largura por 2.",
        lambda key: _lenet_counts(_flat_size(0))[key] if key == "densa1" else None,
    ),
    (
        "pooling esquecido ao dimensionar a densa",
        "a densa1 recebe o mapa achatado depois das DUAS camadas de pooling 2×2; você contou só uma.",
        lambda key: _lenet_counts(_flat_size(1))[key] if key == "densa1" else None,
    ),
    (
        "padding 'same' no lugar de 'valid'",
        "com padding 'valid', cada convolução 5×5 tira 4 da altura e da largura; você manteve o tamanho.",
        lambda key: _lenet_counts(_flat_size(2, "same"))[key] if key == "densa1" else None,
    ),
    (
        "viés esquecido",
        "cada filtro e cada neurônio tem um viés: use (n·m·l + 1)·k e (N_e + 1)·N_s.",
        lambda key: _lenet_counts(_flat_size(2), _no_bias_conv, _no_bias_dense)[key],
    ),
    (
        "viés contado por canal de entrada",
        "a Conv2D tem um viés por filtro, não por canal de entrada.",
        lambda key: (
            {"conv1": (5 * 5 + 1) * 1 * 6, "conv2": (5 * 5 + 1) * 6 * 16}.get(key)
            if key.startswith("conv")
            else None
        ),
    ),
]


@register(ASSIGNMENT, "testes_params_lenet5")
def conferir_params_lenet5(payloads, context):
    answer, problem = value_of(payloads, f"{ASSIGNMENT}/params_lenet5")
    if problem:
        return Verdict(0.0, problem)
    expected = _lenet_counts(_flat_size(2))
    if not isinstance(answer, dict) or sorted(map(str, answer)) != sorted(expected):
        return Verdict(
            0.0, "params_lenet5 deve ser um dicionário com as chaves conv1, conv2, densa1, densa2 e densa3."
        )
    wrong = [key for key in expected if not _same_int(answer[key], expected[key])]
    if not wrong:
        return Verdict(1.0, "params_lenet5: as cinco contagens conferem (total 61 706).")
    score = (len(expected) - len(wrong)) / len(expected)
    for name, explanation, variant in ERROS_LENET:
        if all(variant(key) is not None and _same_int(answer[key], variant(key)) for key in wrong):
            keys = ", ".join(wrong)
            return Verdict(score, f"params_lenet5 ({keys}): {explanation}", name)
    keys = ", ".join(wrong)
    return Verdict(
        score,
        f"params_lenet5: {keys} não confere(m). Use (k_h·k_w·C_e + 1)·C_s nas convoluções e (N_e + 1)·N_s "
        "nas densas; a densa1 recebe o mapa achatado depois da segunda camada de pooling.",
    )


def _same_int(value, expected: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == expected


# --- os modelos: LeNet-5 e bloco residual

MODELOS = {"lenet5.keras": "lenet5", "bloco_residual.keras": "bloco_residual"}

# As formas dos pesos (núcleo e viés) das camadas da LeNet-5 da tabela, na ordem.
LENET_SHAPES = [
    [[5, 5, 1, 6], [6]],
    [[5, 5, 6, 16], [16]],
    [[_flat_size(2), 120], [120]],
    [[120, 84], [84]],
    [[84, 10], [10]],
]

_ATIVACOES = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoide", "linear": "nenhuma (linear)"}


def _lenet_mistakes(variant: str) -> list[tuple[str, str]]:
    hidden, pooling, output = variant.split("/")
    found = []
    if hidden != "tanh":
        found.append(
            (
                "ativação errada nas camadas ocultas",
                f"as convoluções e as densas ocultas usam {_ATIVACOES[hidden]}; a tabela pede tanh.",
            )
        )
    if pooling != "media":
        found.append(("pooling máximo no lugar do médio", "a LeNet-5 usa AveragePooling2D (pooling médio)."))
    if output != "softmax":
        found.append(
            (
                "falta a softmax na saída",
                'a última densa deve dar probabilidades: Dense(10, activation="softmax").',
            )
        )
    return found


def _lenet_structure_message(facts: dict) -> tuple[str, str | None]:
    kinds = [entry["tipo"] for entry in facts.get("camadas", []) if entry["tipo"] in ("Conv2D", "Dense")]
    if kinds != ["Conv2D", "Conv2D", "Dense", "Dense", "Dense"]:
        return (
            "a LeNet-5 tem duas Conv2D e três Dense, nesta ordem; o seu modelo tem outras camadas com pesos.",
            None,
        )
    dense_inputs = facts["formas_pesos"][2][0][0]
    if dense_inputs in (_flat_size(0), _flat_size(1)):
        return (
            f"falta camada de pooling: a primeira densa recebe {format_number(dense_inputs)} entradas; "
            "a LeNet-5 tem um pooling 2×2 depois de cada convolução.",
            "pooling esquecido",
        )
    if dense_inputs == _flat_size(2, "same"):
        return (
            "as convoluções da LeNet-5 usam padding 'valid' (o padrão), não 'same'.",
            "padding 'same' no lugar de 'valid'",
        )
    return (
        f"o número de filtros ou de neurônios de alguma camada não é o da tabela (o modelo tem "
        f"{format_number(facts['parametros'])} parâmetros; a LeNet-5 tem 61 706).",
        None,
    )


@register(ASSIGNMENT, "testes_construir_lenet5")
def conferir_lenet5(payloads, context):
    facts, problem = judged(payloads, context, f"{ASSIGNMENT}/lenet5", MODELOS)
    if problem:
        return refused_verdict(problem, "construir_lenet5()")
    if facts["entrada"] != [32, 32, 1] or facts["saida"] != [10]:
        return Verdict(0.0, "construir_lenet5() deve receber imagens 32×32×1 e devolver 10 probabilidades.")
    if facts["formas_pesos"] != LENET_SHAPES:
        message, name = _lenet_structure_message(facts)
        return Verdict(0.0, f"construir_lenet5(): {message}", name)
    if not facts["variantes"]:
        return Verdict(
            1 / 3,
            "construir_lenet5(): as camadas têm as formas certas, mas o modelo não calcula a LeNet-5 da "
            "tabela: confira a ativação de cada camada (tanh nas ocultas, softmax na saída) e o tipo de "
            "pooling (médio).",
        )
    mistakes = _lenet_mistakes(facts["variantes"][0])
    if not mistakes:
        return Verdict(1.0, "construir_lenet5(): a arquitetura e o cálculo conferem com a LeNet-5 da tabela.")
    score = max(0.0, 1 - len(mistakes) / 3)
    text = " ".join(explanation for _, explanation in mistakes)
    return Verdict(score, f"construir_lenet5(): {text}", "; ".join(name for name, _ in mistakes))


def _block_mistakes(facts: dict) -> list[tuple[str, str]]:
    found = []
    for position, present in zip(("primeira", "segunda"), facts["batchnorm"], strict=True):
        if not present:
            found.append(
                (
                    "falta BatchNormalization",
                    f"falta a BatchNormalization depois da {position} convolução.",
                )
            )
    flags = dict(part.split("=") for part in facts["variantes"][0].split("/"))
    if flags["meio"] == "0":
        found.append(
            ("falta a ReLU entre as convoluções", "falta a ReLU entre as duas convoluções (depois da 1ª BN).")
        )
    if flags["antes"] == "1":
        found.append(
            (
                "ReLU antes da soma residual",
                "há uma ReLU antes da soma: o bloco soma F(x) + x e só DEPOIS aplica a ReLU.",
            )
        )
    if flags["atalho"] == "0":
        found.append(("falta o atalho", "falta o atalho: some a entrada x à saída da segunda BN com Add()."))
    if flags["depois"] == "0":
        found.append(("falta a ReLU depois da soma", "falta a ReLU depois da soma: y = ReLU(F(x) + x)."))
    return found


@register(ASSIGNMENT, "testes_bloco_residual")
def conferir_bloco_residual(payloads, context):
    facts, problem = judged(payloads, context, f"{ASSIGNMENT}/bloco_residual", MODELOS)
    if problem:
        return refused_verdict(problem, "bloco_residual")
    entrada, saida = facts["entrada"], facts["saida"]
    if saida != entrada:
        if entrada and saida and saida[:-1] == entrada[:-1] and saida[-1] == 2 * entrada[-1]:
            return Verdict(
                0.0,
                "bloco_residual: a saída tem o dobro de canais: o atalho foi concatenado. A conexão residual "
                "SOMA a entrada à saída (layers.Add() ou +), sem mudar a forma.",
                "concatenou em vez de somar",
            )
        return Verdict(0.0, "bloco_residual: a saída do bloco deve ter a mesma forma da entrada x.")
    kinds = facts.get("tipos_com_pesos", [])
    if kinds.count("Conv2D") != 2:
        return Verdict(0.0, "bloco_residual: o bloco deve ter exatamente duas Conv2D 3×3 com padding 'same'.")
    if "variantes" not in facts:
        return Verdict(
            0.0,
            "bloco_residual: a ordem das camadas não é a pedida (Conv2D, BatchNormalization, ReLU, Conv2D, "
            "BatchNormalization, soma com x, ReLU).",
        )
    if not facts["variantes"]:
        return Verdict(
            0.0,
            "bloco_residual: com os mesmos pesos, o bloco não calcula ReLU(F(x) + x) com "
            "F = conv-BN-ReLU-conv-BN; confira a ordem das camadas e onde estão as ReLU.",
        )
    mistakes = _block_mistakes(facts)
    if not mistakes:
        return Verdict(1.0, "bloco_residual: o bloco calcula ReLU(F(x) + x), com F = conv-BN-ReLU-conv-BN.")
    text = " ".join(explanation for _, explanation in mistakes)
    names = "; ".join(dict.fromkeys(name for name, _ in mistakes))
    return Verdict(max(0.0, 1 - 0.5 * len(mistakes)), f"bloco_residual: {text}", names)
