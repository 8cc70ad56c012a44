"""Conferências do ex05 (treinar uma CNN pequena nos dígitos 8×8).

Os dois modelos (``construir_modelo()`` e o ``modelo`` treinado) chegam como arquivos ``.keras`` e são
julgados por :mod:`cnn_grader.keras_judge` num processo isolado; o treinado é avaliado, com
``training=False``, nos dígitos reservados que o notebook não carrega (e que o kernel da correção não consegue
ler). ``prever_classes`` chega como o resultado do kernel num caso público (um modelo de pesos fixos); a letra
da questão, como valor.
"""

import numpy as np

from cnn_grader.items import Verdict, register
from cnn_grader.items.ex04 import value_of
from cnn_grader.keras_judge import HOLDOUT_SIZE, judged, refused_verdict
from cnn_lib.formatting import format_decimal, format_number

ASSIGNMENT = "ex05_pratica"
MODELOS = {"construir_modelo.keras": "modelo_digitos", "modelo.keras": "modelo_treinado"}
ACURACIA_MINIMA = 0.95
MAX_PARAMETROS = 100_000


def _shape_problem(facts: dict, who: str) -> str | None:
    if facts["entrada"] != [8, 8, 1]:
        return f"{who} deve receber imagens 8×8×1 (keras.Input(shape=(8, 8, 1)))."
    if facts["saida"] != [10]:
        return f"{who} deve devolver 10 valores por imagem (uma probabilidade por dígito)."
    return None


def _inference_problem(facts: dict, who: str) -> Verdict | None:
    """Zero quando o modelo age na inferência como no treino (``training=True`` fixo, ou aleatório)."""
    fixed = facts.get("training_fixo", [])
    if not fixed and facts.get("deterministico", True):
        return None
    classes = {kind for _, kind in fixed}
    if fixed and classes <= {"BatchNormalization"}:
        return Verdict(
            0.0,
            f"{who}: {', '.join(name for name, _ in fixed)} é chamada com training=True e usa, na "
            "inferência, as estatísticas do lote em vez das médias móveis: não passe training=True à camada.",
            "BatchNormalization no modo de treino na inferência",
        )
    names = ", ".join(name for name, _ in fixed) or "alguma camada aleatória"
    return Verdict(
        0.0,
        f"{who}: {names} continua ativa na inferência (duas previsões da mesma imagem podem dar resultados "
        "diferentes). O dropout só deve agir no treino: não chame a camada com training=True.",
        "dropout ativo na inferência",
    )


@register(ASSIGNMENT, "testes_construir_modelo")
def conferir_construir_modelo(payloads, context):
    who = "o modelo de construir_modelo()"
    facts, problem = judged(payloads, context, f"{ASSIGNMENT}/construir_modelo", MODELOS)
    if problem:
        return refused_verdict(problem, who)
    shape = _shape_problem(facts, who)
    if shape:
        return Verdict(0.0, shape)
    if not facts["tem_conv2d"]:
        return Verdict(0.0, f"{who} deve ter pelo menos uma camada Conv2D.", "CNN sem Conv2D")
    if facts["parametros"] > MAX_PARAMETROS:
        return Verdict(
            0.0,
            f"{who} tem {format_number(facts['parametros'])} parâmetros; o máximo é "
            f"{format_number(MAX_PARAMETROS)}. Use menos filtros ou um pooling antes da densa.",
        )
    inference = _inference_problem(facts, who)
    if inference:
        return inference
    compiled = facts["compilado"]
    if compiled is None:
        return Verdict(
            0.0, f"{who} deve ser devolvido já compilado (modelo.compile(...)).", "modelo não compilado"
        )
    if not facts["distribuicao"]:
        return Verdict(
            0.0,
            f'{who}: a saída não é uma distribuição de probabilidades: use Dense(10, activation="softmax").',
            "falta a softmax na saída",
        )
    if compiled["loss"] == "categoricalcrossentropy":
        return Verdict(
            0.0,
            f"{who}: os rótulos são inteiros de 0 a 9, então a perda é sparse_categorical_crossentropy; "
            "categorical_crossentropy espera rótulos one-hot.",
            "categorical_crossentropy com rótulos inteiros",
        )
    if compiled["loss"] != "sparsecategoricalcrossentropy":
        return Verdict(0.0, f'{who}: compile com loss="sparse_categorical_crossentropy".')
    if compiled["from_logits"]:
        return Verdict(
            0.0,
            f"{who}: a saída já passa pela softmax, então a perda não pode ter from_logits=True.",
            "from_logits=True com softmax na saída",
        )
    return Verdict(1.0, f"{who}: formas, Conv2D, tamanho, softmax e compilação conferem.")


@register(ASSIGNMENT, "testes_treino")
def conferir_treino(payloads, context):
    who = "modelo"
    facts, problem = judged(payloads, context, f"{ASSIGNMENT}/modelo", MODELOS)
    if problem:
        return refused_verdict(problem, who)
    shape = _shape_problem(facts, who)
    if shape:
        return Verdict(0.0, shape)
    inference = _inference_problem(facts, who)
    if inference:
        return inference
    accuracy = facts["acuracia_reservado"]
    where = f"nos {format_number(HOLDOUT_SIZE)} dígitos reservados da correção (que o notebook não carrega)"
    if accuracy >= ACURACIA_MINIMA:
        return Verdict(1.0, f"a acurácia do modelo {where} foi {format_decimal(accuracy, 3)}.")
    if accuracy < 0.2:
        return Verdict(
            0.0,
            f"a acurácia do modelo {where} foi {format_decimal(accuracy, 3)}, a de um chute: o modelo parece "
            "não ter sido treinado (chame modelo.fit com x_train e y_train).",
            "modelo sem treino",
        )
    return Verdict(
        0.0,
        f"a acurácia do modelo {where} foi {format_decimal(accuracy, 3)}; o mínimo é "
        f"{format_decimal(ACURACIA_MINIMA, 2)}. Treine por mais épocas, ajuste a taxa de aprendizado ou use "
        "mais filtros (e só com x_train e y_train).",
    )


def prever_caso():
    """O caso público de ``prever_classes``: os pesos (64×10 e 10) do modelo de teste e as 40 imagens.

    As mesmas contas estão na célula de teste do notebook, que monta o modelo
    ``Flatten → Dense(10, softmax)`` com estes pesos.
    """
    rng = np.random.default_rng(55)
    kernel, bias = rng.normal(size=(64, 10)), rng.normal(size=10)
    images = rng.uniform(size=(40, 8, 8, 1)).astype("float32")
    return kernel, bias, images


@register(ASSIGNMENT, "testes_prever_classes")
def conferir_prever_classes(payloads, context):
    answer, problem = value_of(payloads, f"{ASSIGNMENT}/prever_classes")
    if problem:
        return Verdict(0.0, problem)
    kernel, bias, images = prever_caso()
    logits = images.reshape(len(images), -1).astype("float64") @ kernel + bias
    expected = np.argmax(logits, axis=1)
    if not isinstance(answer, np.ndarray) or answer.dtype.kind not in "iuf":
        return Verdict(
            0.0, "prever_classes deve devolver um numpy.ndarray de inteiros (os dígitos previstos)."
        )
    if answer.shape == (len(images), 10):
        return Verdict(
            0.0,
            "prever_classes devolveu uma linha de 10 valores por imagem (as probabilidades ou um one-hot): "
            "use np.argmax(..., axis=1) para ficar com o dígito mais provável.",
            "devolveu as probabilidades, não as classes",
        )
    if answer.shape == (10,):
        return Verdict(
            0.0,
            "prever_classes devolveu 10 valores: o argmax foi tomado no eixo das imagens (axis=0); o dígito "
            "de cada imagem é o argmax de cada linha (axis=1).",
            "argmax no eixo errado",
        )
    if answer.shape != expected.shape:
        return Verdict(0.0, f"prever_classes deve devolver um array de shape (N,); recebido: {answer.shape}.")
    if np.array_equal(answer, expected):
        return Verdict(1.0, "prever_classes: as 40 previsões do caso de teste conferem.")
    if np.array_equal(answer, np.argmin(logits, axis=1)):
        return Verdict(
            0.0,
            "prever_classes pegou a MENOR probabilidade (argmin); o dígito previsto é o argmax.",
            "usou argmin",
        )
    wrong = int(np.sum(answer != expected))
    return Verdict(
        0.0,
        f"prever_classes errou {wrong} das 40 previsões do caso de teste: para cada imagem, devolva o índice "
        "(0 a 9) da maior probabilidade que o modelo dá.",
    )


# O gabarito da questão e o erro conhecido por trás de cada alternativa errada.
GABARITO_SOBREAJUSTE = "A"
ERROS_SOBREAJUSTE = {
    "B": (
        "confundiu sobreajuste com subajuste",
        "acurácia 1,00 no treino não é subajuste: a rede aprendeu o treino até demais.",
    ),
    "C": (
        "achou que o teste não pode ser pior que o treino",
        "o teste costuma ser pior que o treino; uma diferença grande indica que a rede decorou o treino.",
    ),
    "D": (
        "achou que aumentar a rede resolve o sobreajuste",
        "uma rede maior decora ainda mais: o problema é generalizar, não a capacidade.",
    ),
}


@register(ASSIGNMENT, "testes_resposta_sobreajuste")
def conferir_sobreajuste(payloads, context):
    answer, problem = value_of(payloads, f"{ASSIGNMENT}/resposta_sobreajuste")
    if problem:
        return Verdict(0.0, problem)
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter == GABARITO_SOBREAJUSTE:
        return Verdict(1.0, "resposta_sobreajuste: certa.")
    if letter in ERROS_SOBREAJUSTE:
        name, explanation = ERROS_SOBREAJUSTE[letter]
        return Verdict(0.0, f"resposta_sobreajuste: {explanation}", name)
    return Verdict(0.0, 'resposta_sobreajuste deve ser uma das letras "A", "B", "C" ou "D".')
