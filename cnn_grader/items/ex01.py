"""Conferências do ex01 (convolução 2-D): a correlação cruzada com laços e vetorizada, o detector de bordas.

Erros conhecidos procurados: o kernel girado 180° (a convolução da matemática), o kernel transposto, os
índices ``i`` e ``j`` trocados, laços que param uma posição antes (última linha ou coluna zerada, ou saída
menor), a saída do tamanho da imagem, a saída com o tipo inteiro da imagem (valores truncados), a média no
lugar da soma; nos casos inválidos, o ``ValueError`` que falta.

Examples
--------
>>> ("ex01_convolucao", "testes_loops_gerais") in REGISTRY
True
"""

import numpy as np

from cnn_grader.checks import Misconception, combine, judge_choice, judge_function, judge_raises, judge_value
from cnn_grader.items import REGISTRY, register
from cnn_lib.ops import conv2d

TASK = "ex01_convolucao"
EXPECTED = (
    "um numpy.ndarray (H − k_h + 1) × (W − k_w + 1) em que cada posição (i, j) é a soma de "
    "imagem[i + m, j + n] · kernel[m, n] (correlação cruzada, sem inverter o kernel)"
)


def _reference(imagem, kernel):
    return conv2d(np.asarray(imagem, dtype=float), np.asarray(kernel, dtype=float))


def _last_zeroed(args, actual, expected) -> bool:
    """A última linha e/ou a última coluna zeradas, o resto certo: o laço parou uma posição antes."""
    if not isinstance(actual, np.ndarray) or actual.shape != expected.shape:
        return False
    for rows, cols in ((True, False), (False, True), (True, True)):
        cut = expected.copy()
        if rows:
            cut[-1, :] = 0
        if cols:
            cut[:, -1] = 0
        if np.allclose(actual, cut, rtol=1e-4, atol=1e-5):
            return True
    return False


def _smaller(args, actual, expected) -> bool:
    """Saída uma posição menor em alguma direção, com os valores certos onde existe."""
    if not isinstance(actual, np.ndarray) or actual.ndim != 2:
        return False
    h, w = actual.shape
    eh, ew = expected.shape
    if (h, w) == (eh, ew) or not (eh - 1 <= h <= eh and ew - 1 <= w <= ew):
        return False
    return bool(np.allclose(actual, expected[:h, :w], rtol=1e-4, atol=1e-5))


def _image_sized(args, actual, expected) -> bool:
    image = args[0]
    return isinstance(actual, np.ndarray) and actual.shape == np.shape(image) != expected.shape


def _truncated(args, actual, expected) -> bool:
    image = np.asarray(args[0])
    if image.dtype.kind not in "iu" or not isinstance(actual, np.ndarray) or actual.shape != expected.shape:
        return False
    return bool(np.allclose(actual, np.trunc(expected)) or np.allclose(actual, np.round(expected)))


def _transposed_indices(imagem, kernel):
    return _reference(np.asarray(imagem).T, np.asarray(kernel).T).T


MISCONCEPTIONS = (
    Misconception(
        "kernel girado 180° (convolução verdadeira)",
        "seu resultado é o da convolução com o kernel girado 180° (a convolução da matemática); a camada "
        "convolucional calcula a correlação cruzada, que usa kernel[m, n] sem inverter",
        wrong=lambda imagem, kernel: _reference(imagem, np.asarray(kernel)[::-1, ::-1]),
    ),
    Misconception(
        "kernel transposto",
        "seu resultado é o da correlação com o kernel transposto: confira a ordem dos índices do kernel "
        "(kernel[m, n], m na altura e n na largura)",
        wrong=lambda imagem, kernel: _reference(imagem, np.asarray(kernel).T),
    ),
    Misconception(
        "índices i e j trocados",
        "seu resultado troca as linhas pelas colunas: a posição (i, j) da saída usa imagem[i + m, j + n]",
        wrong=_transposed_indices,
    ),
    Misconception(
        "laço que para uma posição antes",
        "a última linha ou a última coluna da sua saída ficou zerada: os laços devem ir até H − k_h e "
        "W − k_w, inclusive (range(H − k_h + 1))",
        test=_last_zeroed,
    ),
    Misconception(
        "saída uma posição menor",
        "sua saída tem uma linha ou coluna a menos: são H − k_h + 1 posições na altura e W − k_w + 1 "
        "na largura",
        test=_smaller,
    ),
    Misconception(
        "saída do tamanho da imagem",
        'sua saída tem o tamanho da imagem; sem preenchimento (padding "valid") ela encolhe para '
        "(H − k_h + 1) × (W − k_w + 1)",
        test=_image_sized,
    ),
    Misconception(
        "saída com o tipo inteiro da imagem",
        "com uma imagem de inteiros, sua saída perdeu as casas decimais: crie a saída com dtype float "
        "(np.zeros(..., dtype=float)), e não com o tipo da imagem",
        test=_truncated,
    ),
    Misconception(
        "média no lugar da soma",
        "seu resultado é a média da janela ponderada pelo kernel; a correlação cruzada é a soma dos produtos",
        wrong=lambda imagem, kernel: _reference(imagem, kernel) / np.size(kernel),
    ),
)

RAISES_WHY = "o kernel é mais alto ou mais largo que a imagem e não cabe nela"


def _correlation(payloads, item, name):
    return judge_function(
        payloads.get(f"{TASK}/{item}"),
        f"{TASK}/{item}",
        reference=_reference,
        kind="array",
        expected=EXPECTED,
        misconceptions=MISCONCEPTIONS,
        name=name,
    )


@register(TASK, "testes_loops_gerais")
def loops_gerais(payloads, context):
    return _correlation(payloads, "correlacao2d_loops", "correlacao2d_loops")


@register(TASK, "testes_loops_especiais")
def loops_especiais(payloads, context):
    raises = judge_raises(
        payloads.get(f"{TASK}/correlacao2d_loops_invalidos"),
        f"{TASK}/correlacao2d_loops_invalidos",
        why=RAISES_WHY,
    )
    return combine(
        (1, _correlation(payloads, "correlacao2d_loops_especiais", "correlacao2d_loops")), (1, raises)
    )


@register(TASK, "testes_vetorizada")
def vetorizada(payloads, context):
    raises = judge_raises(
        payloads.get(f"{TASK}/correlacao2d_vetorizada_invalidos"),
        f"{TASK}/correlacao2d_vetorizada_invalidos",
        why=RAISES_WHY,
    )
    return combine(
        (3, _correlation(payloads, "correlacao2d_vetorizada", "correlacao2d_vetorizada")), (1, raises)
    )


IMAGE = np.array([[10, 10, 10, 0, 0]] * 5)
KERNEL = np.array([[1, 0, -1]] * 3)

MAP_MISCONCEPTIONS = (
    Misconception(
        "kernel girado 180° (convolução verdadeira)",
        "é o mapa da convolução com o kernel girado 180°: na correlação cruzada o kernel não é invertido, e "
        "por isso o sinal da borda sai trocado",
        wrong=lambda: _reference(IMAGE, KERNEL[::-1, ::-1]),
    ),
    Misconception(
        "saída do tamanho da imagem",
        'sem preenchimento (padding "valid"), o mapa de uma imagem 5 × 5 com kernel 3 × 3 tem 3 × 3 posições',
        test=lambda args, actual, expected: isinstance(actual, np.ndarray) and actual.shape == IMAGE.shape,
    ),
)


@register(TASK, "testes_mapa_borda")
def mapa_borda(payloads, context):
    return judge_value(
        payloads.get(f"{TASK}/mapa_borda"),
        "mapa_borda",
        reference=_reference(IMAGE, KERNEL),
        kind="array",
        expected="o mapa 3 × 3 da correlação cruzada de kernel_vertical sobre imagem_borda",
        misconceptions=MAP_MISCONCEPTIONS,
    )


@register(TASK, "testes_resposta_espelhada")
def resposta_espelhada(payloads, context):
    return judge_choice(
        payloads.get(f"{TASK}/resposta_espelhada"),
        "resposta_espelhada",
        correct="B",
        options="ABCD",
        wrong={
            "A": (
                "kernel insensível ao sentido da borda",
                "calcule o mapa da imagem espelhada com a sua função e compare os sinais com os de "
                "mapa_borda",
            ),
            "C": (
                "detector que só vê claro→escuro",
                "o kernel responde às duas transições; calcule o mapa da imagem espelhada e veja os valores",
            ),
            "D": (
                "espelhar muda a intensidade",
                "espelhar a imagem não muda os valores dos pixels, só a posição deles",
            ),
        },
    )


__all__ = ["REGISTRY", "TASK"]
