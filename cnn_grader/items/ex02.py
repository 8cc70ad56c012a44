"""Conferências do ex02 (dimensões): a fórmula do tamanho da saída e as questões de preenchimento e passo.

Erros conhecidos procurados: piso e teto trocados, dilatação ignorada ou mal aplicada, preenchimento de um
lado só, o ``+ 1`` esquecido, o passo ignorado, ``"same"`` suposto manter o tamanho com passo 2, o pooling
ignorado ao dimensionar a densa, os canais esquecidos ou trocados.

Examples
--------
>>> ("ex02_dimensoes", "testes_entradas_densa") in REGISTRY
True
"""

import math

from cnn_grader.checks import Misconception, combine, judge_choice, judge_function, judge_raises, judge_value
from cnn_grader.items import REGISTRY, register
from cnn_lib.shapes import output_size

TASK = "ex02_dimensoes"
FORMULA = "⌊(n + 2p − k_ef)/s⌋ + 1, com k_ef = d·(k − 1) + 1 e p = 0 para 'valid'"


def _pad(padding) -> int:
    return 0 if padding == "valid" else padding


def _valid_variant(combine_size):
    """Um erro na fórmula com ``padding`` inteiro ou ``"valid"``; ``"same"`` fica como a referência."""

    def wrong(n, k, s=1, p="valid", d=1):
        if p == "same":
            return math.ceil(n / s)
        return combine_size(n, k, s, _pad(p), d)

    return wrong


def _real_division(n, k, s, p, d, actual) -> bool:
    """O aluno devolveu um float igual à fração (n + 2p − k_ef)/s + 1, sem arredondar."""
    return isinstance(actual, float) and abs(actual - ((n + 2 * _pad(p) - d * (k - 1) - 1) / s + 1)) < 1e-9


SIZE_MISCONCEPTIONS = (
    Misconception(
        "teto no lugar do piso",
        "seu resultado arredonda a divisão por s para cima (teto); a fórmula usa o piso ⌊·⌋",
        wrong=_valid_variant(lambda n, k, s, p, d: math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1),
    ),
    Misconception(
        "dilatação ignorada",
        "seu resultado ignora a dilatação: use o kernel efetivo k_ef = d·(k − 1) + 1",
        wrong=_valid_variant(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1),
    ),
    Misconception(
        "kernel dilatado como d·k",
        "seu resultado usa d·k como kernel efetivo; o certo é k_ef = d·(k − 1) + 1",
        wrong=_valid_variant(lambda n, k, s, p, d: (n + 2 * p - d * k) // s + 1),
    ),
    Misconception(
        "preenchimento de um lado só",
        "seu resultado soma o preenchimento p uma vez só; são p zeros de cada lado (n + 2p)",
        wrong=_valid_variant(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1),
    ),
    Misconception(
        "+1 esquecido",
        "seu resultado esquece o + 1 da fórmula (a primeira posição do kernel também conta)",
        wrong=_valid_variant(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s),
    ),
    Misconception(
        "passo ignorado",
        "seu resultado ignora o passo s (divida por s antes de somar 1)",
        wrong=_valid_variant(lambda n, k, s, p, d: n + 2 * p - d * (k - 1)),
    ),
    Misconception(
        "divisão real",
        "seu resultado não arredonda a divisão por s (a saída tem de ser um número inteiro de posições)",
        test=lambda args, actual, expected: _real_division(*args, actual),
    ),
)


@register(TASK, "testes_tamanho_saida")
def tamanho_saida(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/tamanho_saida"),
        f"{TASK}/tamanho_saida",
        reference=output_size,
        kind="int",
        expected=f"um int igual a {FORMULA}",
        misconceptions=SIZE_MISCONCEPTIONS,
    )


SAME_MISCONCEPTIONS = (
    Misconception(
        '"same" mantém o tamanho com passo 2',
        'com padding="same" a saída só mantém o tamanho quando o passo é 1; com passo s ela é ⌈n/s⌉',
        wrong=lambda n, k, s, p, d: n,
    ),
    Misconception(
        "piso no lugar do teto",
        'com padding="same" seu resultado arredonda n/s para baixo; o TensorFlow usa o teto ⌈n/s⌉',
        wrong=lambda n, k, s, p, d: n // s,
    ),
    Misconception(
        '"same" como p = (k − 1)/2',
        'seu resultado trata "same" como p = ⌊(k − 1)/2⌋ na fórmula do "valid"; com dilatação ou passo isso '
        "não dá ⌈n/s⌉",
        wrong=lambda n, k, s, p, d: (n + 2 * ((k - 1) // 2) - d * (k - 1) - 1) // s + 1,
    ),
)


@register(TASK, "testes_tamanho_saida_same")
def tamanho_saida_same(payloads, context):
    values = judge_function(
        payloads.get(f"{TASK}/tamanho_saida_same"),
        f"{TASK}/tamanho_saida_same",
        reference=output_size,
        kind="int",
        expected='com padding="same", ⌈n/s⌉, qualquer que seja o kernel',
        misconceptions=SAME_MISCONCEPTIONS,
        name="tamanho_saida",
    )
    raises = judge_raises(
        payloads.get(f"{TASK}/tamanho_saida_invalidos"),
        f"{TASK}/tamanho_saida_invalidos",
        why='kernel efetivo maior que a entrada preenchida, ou padding diferente de "valid", "same" e de '
        "um inteiro",
    )
    return combine((1, values), (1, raises))


VALID_3X3_MISCONCEPTIONS = (
    Misconception(
        '"valid" mantém o tamanho',
        'com padding="valid" não há preenchimento: o kernel 3×3 não cabe centrado nas bordas e a saída '
        "encolhe",
        wrong=lambda h, w: (h, w),
    ),
    Misconception(
        "+1 esquecido",
        "seu resultado tira 3 de cada lado do tamanho; a fórmula é n − k + 1",
        wrong=lambda h, w: (h - 3, w - 3),
    ),
    Misconception(
        "encolhe só um pixel",
        "seu resultado tira só 1; um kernel 3×3 perde uma posição de cada lado",
        wrong=lambda h, w: (h - 1, w - 1),
    ),
    Misconception(
        "altura e largura trocadas",
        "sua tupla tem a largura antes da altura; devolva (altura, largura)",
        wrong=lambda h, w: (w - 2, h - 2),
    ),
)


@register(TASK, "testes_saida_valid_3x3")
def saida_valid_3x3(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/saida_valid_3x3"),
        f"{TASK}/saida_valid_3x3",
        reference=lambda h, w: (output_size(h, 3), output_size(w, 3)),
        kind="tuple_int",
        expected="a tupla (altura, largura) da saída de um kernel 3×3 sem preenchimento e com passo 1",
        misconceptions=VALID_3X3_MISCONCEPTIONS,
    )


SAME_STRIDE2_MISCONCEPTIONS = (
    Misconception(
        '"same" mantém o tamanho com passo 2',
        'seu resultado supõe que padding="same" mantém o tamanho; com passo 2 a saída cai mais ou menos '
        "à metade",
        wrong=lambda h, w: (h, w),
    ),
    Misconception(
        "piso no lugar do teto",
        'seu resultado arredonda a metade para baixo; com padding="same" o TensorFlow usa o teto ⌈n/2⌉',
        wrong=lambda h, w: (h // 2, w // 2),
    ),
    Misconception(
        '"same" tratado como "valid"',
        'seu resultado é o do padding="valid" (sem preenchimento)',
        wrong=lambda h, w: ((h - 3) // 2 + 1, (w - 3) // 2 + 1),
    ),
)


@register(TASK, "testes_saida_same_stride2")
def saida_same_stride2(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/saida_same_stride2"),
        f"{TASK}/saida_same_stride2",
        reference=lambda h, w: (output_size(h, 3, 2, "same"), output_size(w, 3, 2, "same")),
        kind="tuple_int",
        expected='a tupla (altura, largura) da saída com padding="same" e passo 2, para tamanhos pares e '
        "ímpares",
        misconceptions=SAME_STRIDE2_MISCONCEPTIONS,
    )


PADDING_MISCONCEPTIONS = (
    Misconception(
        "preenchimento total no lugar do por lado",
        "seu resultado é o preenchimento total (k − 1); a função pede os zeros de cada lado",
        wrong=lambda k: k - 1,
    ),
    Misconception(
        "arredondado para cima",
        "seu resultado arredonda k/2 para cima; com kernel ímpar, p = (k − 1)/2",
        wrong=lambda k: (k + 1) // 2,
    ),
    Misconception("o próprio k", "seu resultado é o próprio tamanho do kernel", wrong=lambda k: k),
)


@register(TASK, "testes_padding_para_manter")
def padding_para_manter(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/padding_para_manter"),
        f"{TASK}/padding_para_manter",
        reference=lambda k: (k - 1) // 2,
        kind="int",
        expected="o número inteiro p de zeros de cada lado que faz n + 2p − k + 1 = n",
        misconceptions=PADDING_MISCONCEPTIONS,
    )


@register(TASK, "testes_resposta_stride")
def resposta_stride(payloads, context):
    return judge_choice(
        payloads.get(f"{TASK}/resposta_stride"),
        "resposta_stride",
        correct="D",
        options="ABCD",
        wrong={
            "A": (
                "passo confundido com o número de filtros",
                "o passo não muda o número de filtros nem de pesos",
            ),
            "B": ("passo confundido com dilatação", "espaçar os pesos do kernel é a dilatação, não o passo"),
            "C": ("passo mantém o tamanho", "o passo muda onde o kernel é aplicado, e não quantas vezes"),
        },
    )


def _side(layers) -> int:
    side = 28
    for k, s, p in layers:
        side = output_size(side, k, s, p)
    return side


def _dense_inputs(layers, channels: int = 32) -> int:
    return _side(layers) ** 2 * channels


LAYERS = [(3, 1, "valid"), (2, 2, "valid"), (3, 1, "same"), (2, 2, "valid"), (3, 2, "valid")]


def _ceil_everywhere() -> int:
    side = 28
    for k, s, p in LAYERS:
        side = math.ceil(side / s) if p == "same" else math.ceil((side - k) / s) + 1
    return side * side * 32


DENSE_MISCONCEPTIONS = (
    Misconception(
        "pooling ignorado ao dimensionar a densa",
        "é o valor de quem ignora as camadas de pooling; elas também reduzem a altura e a largura",
        wrong=lambda: _dense_inputs([layer for layer in LAYERS if layer[0] != 2]),
    ),
    Misconception(
        "lado do mapa no lugar do achatado",
        "é o lado do mapa de características; a densa recebe o mapa inteiro achatado: altura × largura "
        "× canais",
        test=lambda args, actual, expected: actual == _side(LAYERS),
    ),
    Misconception(
        "canais esquecidos",
        "é só altura × largura; o Flatten também multiplica pelos canais (os filtros da última convolução)",
        wrong=lambda: _dense_inputs(LAYERS, 1),
    ),
    Misconception(
        "canais da camada errada",
        "usa os canais de outra camada; os canais que o Flatten vê são os filtros da última convolução",
        test=lambda args, actual, expected: actual in {_dense_inputs(LAYERS, c) for c in (1, 8, 16, 10)},
    ),
    Misconception(
        "passo da última convolução ignorado",
        "é o valor de quem ignora o passo 2 da última convolução",
        wrong=lambda: _dense_inputs([*LAYERS[:4], (3, 1, "valid")]),
    ),
    Misconception(
        "teto no lugar do piso",
        "é o valor de quem arredonda para cima as divisões pelo passo",
        wrong=_ceil_everywhere,
    ),
    Misconception(
        "viés contado como entrada",
        "soma 1 pelo viés; o viés é parâmetro da densa, não entrada dela",
        wrong=lambda: _dense_inputs(LAYERS) + 1,
    ),
)


@register(TASK, "testes_entradas_densa")
def entradas_densa(payloads, context):
    return judge_value(
        payloads.get(f"{TASK}/entradas_densa"),
        "entradas_densa",
        reference=_dense_inputs(LAYERS),
        kind="int",
        expected="um int: altura × largura × canais da saída da última convolução, camada a camada",
        misconceptions=DENSE_MISCONCEPTIONS,
    )


__all__ = ["REGISTRY", "TASK"]
