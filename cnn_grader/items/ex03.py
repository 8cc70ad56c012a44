"""Conferências do ex03 (pooling, dropout e normalização em lote).

Erros conhecidos procurados: o máximo que começa em 0 (falha com valores negativos), a média no lugar do
máximo (e o contrário), janelas sobrepostas, tamanho ímpar arredondado para cima, o passo ignorado,
``strides=None`` como passo 1, a janela ``(altura, largura)`` trocada, a média também sobre o lote, o máximo
global, o dropout não invertido ou que multiplica por ``1 − rate``, ``rate`` como probabilidade de manter, a
semente ignorada, a entrada alterada, as estatísticas da normalização no eixo errado (só no lote ou nos
canais), a variância com divisor ``n − 1``, o ``ε`` fora da raiz, ``γ`` e ``β`` esquecidos ou trocados.

Examples
--------
>>> ("ex03_pooling_regularizacao", "testes_dropout_invertido") in REGISTRY
True
"""

import math

import numpy as np

from cnn_grader.checks import (
    Misconception,
    close,
    combine,
    describe_args,
    function_results,
    judge_choice,
    judge_function,
    judge_raises,
    show,
)
from cnn_grader.items import REGISTRY, Verdict, register
from cnn_lib.formatting import format_decimal
from cnn_lib.ops import avg_pool2d, batch_norm, global_avg_pool2d, max_pool2d

TASK = "ex03_pooling_regularizacao"


def _floats(x):
    return np.asarray(x, dtype=float)


def _clamped_at_zero(reference):
    return lambda *args: np.maximum(reference(*args), 0.0)


# --- max_pool_2x2


def _max2(x):
    return max_pool2d(_floats(x), 2)


def _ceil_sized(args, actual, expected) -> bool:
    h, w = np.shape(args[0])
    if not isinstance(actual, np.ndarray) or actual.shape != (math.ceil(h / 2), math.ceil(w / 2)):
        return False
    return actual.shape != expected.shape and np.allclose(
        actual[: expected.shape[0], : expected.shape[1]], expected
    )


MAX2_MISCONCEPTIONS = (
    Misconception(
        "max pooling que começa em 0",
        "com valores negativos seu máximo sai 0: o máximo de cada janela começa em 0 (ou usa max(0, ...)); "
        "comece pelo primeiro valor da janela ou use np.max",
        wrong=_clamped_at_zero(_max2),
    ),
    Misconception(
        "média no lugar do máximo",
        "seu resultado é a média de cada bloco (average pooling); o max pooling guarda o maior valor",
        wrong=lambda x: avg_pool2d(_floats(x), 2),
    ),
    Misconception(
        "janelas sobrepostas (passo 1)",
        "sua janela anda de 1 em 1; no max pooling 2×2 os blocos não se sobrepõem (passo 2)",
        wrong=lambda x: max_pool2d(_floats(x), 2, 1),
    ),
    Misconception(
        "tamanho ímpar arredondado para cima",
        "com altura ou largura ímpar, a última linha ou coluna que não completa um bloco é descartada "
        '(padding "valid")',
        test=_ceil_sized,
    ),
    Misconception(
        "mínimo no lugar do máximo",
        "seu resultado é o menor valor de cada bloco",
        wrong=lambda x: -max_pool2d(-_floats(x), 2),
    ),
)


@register(TASK, "testes_max_pool_2x2")
def max_pool_2x2(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/max_pool_2x2"),
        f"{TASK}/max_pool_2x2",
        reference=_max2,
        kind="array",
        expected="um numpy.ndarray ⌊H/2⌋ × ⌊W/2⌋ com o maior valor de cada bloco 2×2 sem sobreposição",
        misconceptions=MAX2_MISCONCEPTIONS,
    )


# --- pool2d


def _pool(x, pool_size=2, strides=None, mode="max"):
    return (max_pool2d if mode == "max" else avg_pool2d)(_floats(x), pool_size, strides)


def _swap(value):
    return value[::-1] if isinstance(value, tuple) else value


def _max_only(function):
    return lambda x, p, s, mode: function(x, p, s, mode) if mode == "max" else _pool(x, p, s, mode)


POOL_MISCONCEPTIONS = (
    Misconception(
        "passo ignorado",
        "sua janela anda sempre o próprio tamanho: o argumento strides, quando dado, é o passo",
        wrong=lambda x, p, s, mode: _pool(x, p, None, mode),
    ),
    Misconception(
        "strides=None como passo 1",
        "com strides=None o passo deve ser o próprio pool_size (como no Keras), e não 1",
        wrong=lambda x, p, s, mode: _pool(x, p, 1 if s is None else s, mode),
    ),
    Misconception(
        "janela (altura, largura) trocada",
        "sua janela usa (largura, altura): pool_size e strides dados como par são (altura, largura)",
        wrong=lambda x, p, s, mode: _pool(x, _swap(p), _swap(s), mode),
    ),
    Misconception(
        "max pooling que começa em 0",
        'com valores negativos seu "max" sai 0: o máximo de cada janela começa em 0 (ou usa max(0, ...))',
        wrong=_max_only(lambda x, p, s, mode: np.maximum(_pool(x, p, s, mode), 0.0)),
    ),
    Misconception(
        '"max" e "avg" trocados',
        'seus modos estão trocados: "max" guarda o máximo e "avg" a média de cada janela',
        wrong=lambda x, p, s, mode: _pool(x, p, s, "avg" if mode == "max" else "max"),
    ),
)


@register(TASK, "testes_pool2d")
def pool2d(payloads, context):
    values = judge_function(
        payloads.get(f"{TASK}/pool2d"),
        f"{TASK}/pool2d",
        reference=_pool,
        kind="array",
        expected='janelas que começam em 0, s, 2s, ... enquanto couberem inteiras, com o máximo ("max") ou a '
        'média ("avg") de cada uma; strides=None usa o próprio pool_size',
        misconceptions=POOL_MISCONCEPTIONS,
    )
    raises = judge_raises(
        payloads.get(f"{TASK}/pool2d_invalidos"),
        f"{TASK}/pool2d_invalidos",
        why='só "max" e "avg" são modos válidos',
    )
    return combine((2, values), (1, raises))


# --- global_avg_pool


def _keepdims(args, actual, expected) -> bool:
    x = np.asarray(args[0])
    shape = (x.shape[0], 1, 1, x.shape[3])
    return (
        isinstance(actual, np.ndarray)
        and actual.shape == shape
        and np.allclose(actual.reshape(expected.shape), expected)
    )


GAP_MISCONCEPTIONS = (
    Misconception(
        "média também sobre o lote",
        "sua média mistura as imagens do lote: ela é tirada só sobre a altura e a largura (eixos 1 e 2), "
        "separadamente para cada imagem",
        wrong=lambda x: _floats(x).mean(axis=(0, 1, 2)),
    ),
    Misconception(
        "média sobre os canais",
        "sua média mistura os canais: cada canal tem a sua média (saída N × C)",
        wrong=lambda x: _floats(x).mean(axis=(1, 2, 3)),
    ),
    Misconception(
        "pooling máximo global",
        "seu resultado é o máximo de cada mapa (global max pooling); o pooling médio global guarda a média",
        wrong=lambda x: _floats(x).max(axis=(1, 2)),
    ),
    Misconception(
        "soma no lugar da média",
        "seu resultado é a soma de cada mapa; falta dividir por H · W",
        wrong=lambda x: _floats(x).sum(axis=(1, 2)),
    ),
    Misconception(
        "shape com eixos de tamanho 1",
        "os valores estão certos, mas o shape é (N, 1, 1, C); a saída pedida é (N, C)",
        test=_keepdims,
    ),
)


@register(TASK, "testes_global_avg_pool")
def global_avg_pool(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/global_avg_pool"),
        f"{TASK}/global_avg_pool",
        reference=lambda x: global_avg_pool2d(_floats(x)),
        kind="array",
        expected="um numpy.ndarray N × C com a média de cada canal de cada imagem",
        misconceptions=GAP_MISCONCEPTIONS,
    )


# --- dropout_invertido: propriedades, não valores (cada aluno sorteia a máscara do seu jeito)

DROPOUT_HINT = (
    "zere cada posição com probabilidade rate, divida as mantidas por (1 − rate) e use a semente dada"
)


def _dropout_problem(arguments, results, changed):
    """O primeiro problema do dropout do aluno: ``(mensagem, erro conhecido ou None)``, ou ``None``."""
    for args, result in zip(arguments, results, strict=True):
        x = args[0]
        if not isinstance(result, np.ndarray) or result.shape != x.shape or result.dtype.kind not in "iuf":
            return (
                f"em {describe_args('dropout_invertido', args)} você devolveu {show(result)}; esperava-se um "
                "array do shape de x",
                None,
            )
    if any(changed):
        return "dropout_invertido altera a entrada x; devolva um array novo", "altera a entrada"
    for args, result in zip(arguments[:3], results[:3], strict=True):
        x, rate = args[0], args[1]
        kept = result != 0
        fraction = 1.0 - float(kept.mean())
        call = describe_args("dropout_invertido", args)
        if close(result[kept], x[kept]) and rate > 0:
            return (
                f"em {call}, os valores mantidos são iguais a x: é o dropout não invertido; no dropout "
                "invertido "
                "eles são divididos por (1 − rate), e assim a inferência não precisa mudar nada",
                "dropout não invertido",
            )
        if close(result[kept], x[kept] * (1 - rate)) and rate > 0:
            return (
                f"em {call}, os valores mantidos foram multiplicados por (1 − rate); no dropout invertido "
                "eles "
                "são divididos por (1 − rate)",
                "multiplica por (1 − rate)",
            )
        if not close(result[kept], x[kept] / (1 - rate)):
            return f"em {call}, algum valor mantido não é x / (1 − rate); {DROPOUT_HINT}", None
        if abs(fraction - (1 - rate)) <= 0.03 and abs(rate - 0.5) > 0.1:
            return (
                f"em {call}, a fração de zeros foi {format_decimal(fraction, 3)}: você usou rate como a "
                "probabilidade de MANTER; rate é a probabilidade de zerar",
                "rate como probabilidade de manter",
            )
        if abs(fraction - rate) > 0.03:
            return (
                f"em {call}, a fração de zeros foi {format_decimal(fraction, 3)}, longe de rate; "
                f"{DROPOUT_HINT}",
                None,
            )
    same, other, zero = results[3], results[5], results[6]
    if not np.array_equal(results[3], results[4]):
        return (
            "a mesma semente deu resultados diferentes: sorteie com np.random.default_rng(seed)",
            "semente ignorada",
        )
    if np.array_equal(same, other):
        return (
            "sementes diferentes deram a mesma máscara: sorteie com np.random.default_rng(seed)",
            "semente ignorada",
        )
    if not close(zero, arguments[6][0]):
        return "com rate = 0 nada deve ser zerado nem mudado: devolva uma cópia de x", None
    return None


@register(TASK, "testes_dropout_invertido")
def dropout_invertido(payloads, context):
    item = f"{TASK}/dropout_invertido"
    payload = payloads.get(item)
    decoded, values = function_results(payload, item, "dropout_invertido")
    if values is None:
        arguments, results = decoded
        problem = _dropout_problem(arguments, results, payload.get("alterou_entrada") or [])
        if problem is None:
            values = Verdict(
                1.0, f"dropout_invertido tem as propriedades pedidas nos {len(arguments)} casos da correção."
            )
        else:
            values = Verdict(0.0, problem[0] + ".", problem[1])
    raises = judge_raises(
        payloads.get(f"{TASK}/dropout_invertido_invalidos"),
        f"{TASK}/dropout_invertido_invalidos",
        why="rate fora de [0, 1)",
    )
    return combine((3, values), (1, raises))


@register(TASK, "testes_resposta_dropout")
def resposta_dropout(payloads, context):
    return judge_choice(
        payloads.get(f"{TASK}/resposta_dropout"),
        "resposta_dropout",
        correct="C",
        options="ABCD",
        wrong={
            "A": ("dropout ativo na inferência", "na inferência (training=False) o dropout não zera nada"),
            "B": (
                "dropout não invertido na inferência",
                "multiplicar por (1 − rate) na inferência é o dropout NÃO invertido; no invertido, a escala "
                "já "
                "foi feita no treino",
            ),
            "D": (
                "escala por rate",
                "rate é a probabilidade de zerar; a escala do dropout invertido é 1/(1 − rate)",
            ),
        },
    )


# --- batch_norm_treino


def _bn(x, gamma, beta, epsilon=1e-3, axes=None, ddof=0, eps_inside=True, scale_shift=True, std=True):
    x = _floats(x)
    axes = tuple(range(x.ndim - 1)) if axes is None else axes
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=ddof)
    if not std:
        denominator = var + epsilon
    else:
        denominator = np.sqrt(var + epsilon) if eps_inside else np.sqrt(var) + epsilon
    y = (x - mean) / denominator
    return gamma * y + beta if scale_shift else y


BN_MISCONCEPTIONS = (
    Misconception(
        "estatísticas só no eixo do lote",
        "suas média e variância são tiradas só sobre o eixo do lote (axis=0); em entradas N × H × W × C elas "
        "são tiradas sobre todos os eixos menos o dos canais (N, H e W)",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, axes=(0,)),
    ),
    Misconception(
        "estatísticas no eixo dos canais",
        "suas média e variância são tiradas sobre os canais (o último eixo); cada canal tem as suas, tiradas "
        "sobre os outros eixos",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, axes=(-1,)),
    ),
    Misconception(
        "estatísticas de todo o tensor",
        "suas média e variância são de todo o tensor; cada canal tem as suas",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, axes=tuple(range(np.ndim(x)))),
    ),
    Misconception(
        "variância com divisor n − 1",
        "sua variância usa o divisor n − 1 (ddof=1); a normalização em lote usa o divisor n (o padrão "
        "do np.var)",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, ddof=1),
    ),
    Misconception(
        "ε fora da raiz",
        "seu ε está fora da raiz; o certo é √(σ² + ε)",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, eps_inside=False),
    ),
    Misconception(
        "divide pela variância",
        "você dividiu por σ² + ε; o certo é dividir pelo desvio padrão √(σ² + ε)",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, std=False),
    ),
    Misconception(
        "γ e β esquecidos",
        "sua saída só normaliza; falta a escala γ e o deslocamento β (y = γ·x̂ + β)",
        wrong=lambda x, g, b, e: _bn(x, g, b, e, scale_shift=False),
    ),
    Misconception(
        "γ e β trocados",
        "seu γ e seu β estão trocados: y = γ·x̂ + β",
        wrong=lambda x, g, b, e: _bn(x, b, g, e),
    ),
)


@register(TASK, "testes_batch_norm_treino")
def batch_norm_treino(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/batch_norm_treino"),
        f"{TASK}/batch_norm_treino",
        reference=lambda x, g, b, e: batch_norm(_floats(x), g, b, training=True, epsilon=e).output,
        kind="array",
        expected="y = γ·(x − μ)/√(σ² + ε) + β, com μ e σ² (divisor n) de cada canal tiradas sobre todos os "
        "eixos menos o último",
        misconceptions=BN_MISCONCEPTIONS,
    )


__all__ = ["REGISTRY", "TASK"]
