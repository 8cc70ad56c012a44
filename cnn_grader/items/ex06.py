"""Conferências do ex06 (retropropagação): ``conv_backward``, a conferência numérica e o gradiente do pooling.

As referências saem do ``cnn_lib`` confiável: ``ops.conv2d_backward`` para ``dx`` e ``dkernel``, e os
gradientes analíticos das perdas dos casos de ``gradiente_numerico`` (a de convolução, também por
``ops.conv2d_backward``). Erros conhecidos procurados: kernel não girado no ``dx`` (correlação “cheia” em
vez de convolução), ``dx`` sem o preenchimento “cheio”, ``dkernel`` com a entrada e o gradiente trocados (sai
girado 180°), ``=`` em vez de ``+=`` (só a última parcela fica), ``dx`` e ``dkernel`` trocados na tupla,
diferenças para a frente em vez de centrais, divisão por ``h`` em vez de ``2h``, ``x`` não restaurado e, na
questão, o gradiente do pooling máximo espalhado pela janela.

Examples
--------
>>> ("ex06_retropropagacao", "testes_conv_backward") in REGISTRY
True
"""

import numpy as np

from cnn_grader.checks import (
    Misconception,
    combine,
    compare,
    function_results,
    judge_choice,
    judge_function,
)
from cnn_grader.items import REGISTRY, Verdict, register
from cnn_lib import ops
from cnn_lib.grading import Raised

TASK = "ex06_retropropagacao"
PARTS = ("dx", "dkernel")


# --- conv_backward: a referência e os erros conhecidos, uma parte da tupla de cada vez


def _reference(dout, x, kernel) -> tuple:
    dx, dkernel, _ = ops.conv2d_backward(dout, x, kernel)
    return dx, dkernel


def _dx_not_rotated(dout, x, kernel):
    """A correlação “cheia” de ∂L/∂Y com o kernel como está (sem girar)."""
    kh, kw = np.shape(kernel)
    padded = np.pad(np.asarray(dout, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return ops.conv2d(padded, np.asarray(kernel, dtype=float))


def _dx_overwritten(dout, x, kernel, positions_outside: bool):
    """``dx[i + u, j + v] = ...`` sem somar: fica a última parcela escrita (depende da ordem dos laços)."""
    dout, kernel = np.asarray(dout, dtype=float), np.asarray(kernel, dtype=float)
    dx = np.zeros(np.shape(x))
    ho, wo = dout.shape
    kh, kw = kernel.shape
    outer = [(i, j, u, v) for i in range(ho) for j in range(wo) for u in range(kh) for v in range(kw)]
    if not positions_outside:
        outer = [(i, j, u, v) for u in range(kh) for v in range(kw) for i in range(ho) for j in range(wo)]
    for i, j, u, v in outer:
        dx[i + u, j + v] = dout[i, j] * kernel[u, v]
    return dx


def _dk_overwritten(dout, x, kernel):
    """``dkernel[u, v] = ...`` sem somar: só a última posição da saída conta."""
    dout, x = np.asarray(dout, dtype=float), np.asarray(x, dtype=float)
    ho, wo = dout.shape
    kh, kw = np.shape(kernel)
    return x[ho - 1 : ho - 1 + kh, wo - 1 : wo - 1 + kw] * dout[ho - 1, wo - 1]


def _matches(actual, wrong) -> bool:
    return compare(actual, wrong, "array") is None


def _overwrite_test(part: int):
    def test(args, actual, expected) -> bool:
        if part == 1:
            return _matches(actual, _dk_overwritten(*args))
        return any(_matches(actual, _dx_overwritten(*args, outside)) for outside in (True, False))

    return test


def _other_part(part: int):
    return lambda args, actual, expected: _matches(actual, _reference(*args)[1 - part])


def _valid_only(args, actual, expected) -> bool:
    """O dx tem a forma da correlação “valid” de ∂L/∂Y com o kernel (faltou cercar ∂L/∂Y de zeros)."""
    dout, _, kernel = args
    shape = tuple(int(n) for n in np.subtract(np.shape(dout), np.shape(kernel)) + 1)
    if min(shape) <= 0:  # ∂L/∂Y menor que o kernel: a correlação “valid” nem existe, e a conta falha
        return isinstance(actual, Raised) or (isinstance(actual, np.ndarray) and actual.size == 0)
    return isinstance(actual, np.ndarray) and actual.shape == shape


SWAPPED_TUPLE = (
    "dx e dkernel trocados na tupla",
    "sua tupla parece estar na ordem (dkernel, dx); a função deve devolver (dx, dkernel)",
)
OVERWRITE = (
    "= em vez de += (sem acumular)",
    "seu resultado guarda só a última parcela de cada soma: um pixel da entrada (e um peso do kernel) "
    "participa de várias posições da saída, e as contribuições têm de ser somadas com += (não substituídas "
    "com =)",
)

MISCONCEPTIONS = {
    0: (
        Misconception(
            "kernel não girado no dx",
            "seu dx é a correlação “cheia” de ∂L/∂Y com o kernel como está; ∂L/∂X é a convolução cheia, isto "
            "é, a correlação com o kernel girado 180° (o índice i − u anda para trás)",
            wrong=_dx_not_rotated,
        ),
        Misconception(*OVERWRITE, test=_overwrite_test(0)),
        Misconception(*SWAPPED_TUPLE, test=_other_part(0)),
        Misconception(
            "dx sem o preenchimento “cheio”",
            "seu dx tem a forma da correlação “valid” de ∂L/∂Y com o kernel, menor que x: para que todo "
            "pixel receba a sua soma, cerque ∂L/∂Y com k − 1 zeros de cada lado (a convolução cheia); dx tem "
            "a forma de x",
            test=_valid_only,
        ),
    ),
    1: (
        Misconception(
            "dkernel com entrada e gradiente trocados",
            "seu dkernel é o certo girado 180°: é o que sai da correlação de ∂L/∂Y com a entrada (papéis "
            "trocados); o gradiente do kernel é a correlação da entrada X com ∂L/∂Y, "
            "dK[u, v] = Σ X[i + u, j + v]·∂L/∂Y[i, j]",
            wrong=lambda dout, x, kernel: _reference(dout, x, kernel)[1][::-1, ::-1],
        ),
        Misconception(*OVERWRITE, test=_overwrite_test(1)),
        Misconception(*SWAPPED_TUPLE, test=_other_part(1)),
    ),
}

EXPECTED = {
    0: "dx com a forma de x: ∂L/∂X[a, b] = Σ ∂L/∂Y[i, j]·K[a − i, b − j] (a convolução cheia de ∂L/∂Y com K)",
    1: "dkernel com a forma do kernel: ∂L/∂K[u, v] = Σ X[i + u, j + v]·∂L/∂Y[i, j]",
}


def _part_payload(payload: dict | None, part: int) -> dict | None:
    """O mesmo registro, com cada resultado ``(dx, dkernel)`` trocado pela parte ``part``."""
    if payload is None or not isinstance(payload.get("valor"), list):
        return payload
    values = []
    for value in payload["valor"]:
        pair = (
            isinstance(value, dict)
            and value.get("t") in ("tuple", "list")
            and isinstance(value.get("v"), list)
        )
        if pair and len(value["v"]) == 2:
            value = value["v"][part]
        elif pair:
            value = {
                "t": "str",
                "v": f"uma {'tupla' if value['t'] == 'tuple' else 'lista'} de {len(value['v'])}",
            }
        values.append(value)
    return {**payload, "valor": values}


def judge_conv_backward(payloads: dict, item: str) -> Verdict:
    """``dx`` e ``dkernel`` conferidos em separado (metade dos pontos cada), cada um com os seus erros."""
    _, verdict = function_results(payloads.get(item), item, "conv_backward")
    if verdict is not None:
        return verdict
    parts = []
    for part in (0, 1):
        verdict = judge_function(
            _part_payload(payloads.get(item), part),
            item,
            reference=lambda dout, x, kernel, part=part: _reference(dout, x, kernel)[part],
            kind="array",
            expected=f"uma tupla (dx, dkernel), com {EXPECTED[part]}",
            misconceptions=MISCONCEPTIONS[part],
            name="conv_backward",
        )
        parts.append(verdict)
    if parts[0].misconception and parts[0].misconception == parts[1].misconception:  # o mesmo erro nas duas
        return Verdict(0.0, f"dx e dkernel: {parts[0].message}", parts[0].misconception)
    labeled = [
        (1, v if v.score >= 1.0 else Verdict(v.score, f"{PARTS[i]}: {v.message}", v.misconception))
        for i, v in enumerate(parts)
    ]
    return combine(*labeled)


@register(TASK, "testes_conv_backward")
def conv_backward(payloads, context):
    return judge_conv_backward(payloads, f"{TASK}/conv_backward")


@register(TASK, "testes_conv_backward_especiais")
def conv_backward_especiais(payloads, context):
    return judge_conv_backward(payloads, f"{TASK}/conv_backward_especiais")


# --- a conferência numérica


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _analytic_gradient(loss, x, h):
    """O gradiente exato de cada perda dos casos públicos (``cnn_lib.grading_cases.Loss``)."""
    x = np.asarray(x, dtype=float)
    (data,) = loss.data
    if loss.kind == "seno":
        return data * np.cos(x) + x
    if loss.kind == "conv":
        y = ops.conv2d(x, data)
        return ops.conv2d_backward(y, x, data)[0]
    if loss.kind == "tanh":
        return data * (1 - np.tanh(x) ** 2)
    return data * _softmax(x * data)


def _forward_differences(loss, x, h):
    x = np.array(x, dtype=float)
    base, gradient = loss(x), np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        gradient[index] = (loss(x) - base) / h
        x[index] = original
    return gradient


def _not_restored(loss, x, h):
    """Diferenças centrais que não devolvem cada elemento ao valor original (ele fica em x − h)."""
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += h
        plus = loss(x)
        x[index] -= 2 * h
        gradient[index] = (plus - loss(x)) / (2 * h)
    return gradient


NUMERICAL_MISCONCEPTIONS = (
    Misconception(
        "diferenças para a frente em vez de centrais",
        "seu resultado é o das diferenças para a frente, (L(x + h) − L(x))/h, cujo erro cresce com h; a "
        "conferência pede diferenças centrais, (L(x + h) − L(x − h))/(2h), com erro proporcional a h²",
        wrong=_forward_differences,
    ),
    Misconception(
        "divisão por h em vez de 2h",
        "seu resultado é o dobro do gradiente: nas diferenças centrais, x + h e x − h estão a 2h de "
        "distância, e a diferença se divide por 2h",
        wrong=lambda loss, x, h: 2 * _analytic_gradient(loss, x, h),
    ),
    Misconception(
        "x não restaurado",
        "seu resultado deixa cada elemento já conferido em x − h: as derivadas seguintes são calculadas num "
        "ponto deslocado; depois de avaliar f(x + h) e f(x − h), devolva o elemento ao valor original",
        wrong=_not_restored,
    ),
)


@register(TASK, "testes_gradiente_numerico")
def gradiente_numerico(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/gradiente_numerico"),
        f"{TASK}/gradiente_numerico",
        reference=_analytic_gradient,
        kind="array",
        expected="um array com a forma de x: em cada elemento, (f(x + h) − f(x − h))/(2h), mudando um "
        "elemento de cada vez e restaurando-o",
        misconceptions=NUMERICAL_MISCONCEPTIONS,
    )


@register(TASK, "testes_resposta_max_pool")
def resposta_max_pool(payloads, context):
    return judge_choice(
        payloads.get(f"{TASK}/resposta_max_pool"),
        "resposta_max_pool",
        correct="C",
        options="ABCD",
        wrong={
            "A": (
                "gradiente do pooling máximo espalhado pela janela inteira",
                "dividir o gradiente igualmente pela janela é o que faz o pooling médio; no máximo, só o "
                "valor escolhido na ida influenciou a saída",
            ),
            "B": (
                "pooling máximo tratado como não derivável",
                "o máximo é derivável quase sempre: em relação ao valor escolhido, a derivada é 1",
            ),
            "D": (
                "gradiente do pooling máximo espalhado pela janela inteira",
                "copiar o gradiente para toda a janela faria valores que não influenciaram a saída receberem "
                "gradiente",
            ),
        },
    )


__all__ = ["REGISTRY", "TASK", "judge_conv_backward"]
