"""Conferências do ex07 (além do básico): campo receptivo, convolução transposta, preenchimento causal,
normalização em lote na inferência e a convolução 1×1 (parâmetros e custo).

As referências saem do ``cnn_lib`` confiável (``shapes.receptive_field``, ``shapes.transposed_output_size``,
``shapes.output_size`` com ``"causal"``, ``ops.batch_norm`` com ``training=False``, ``shapes.conv_params``);
o custo de uma convolução é o de ``cnn_lib.params`` (multiplicações-somas = posições da saída × filtros ×
:math:`k_h \\cdot k_w \\cdot C_e`). Cada erro conhecido é uma variante da conta certa; quando as respostas
erradas batem com uma variante, a mensagem a nomeia.

Examples
--------
>>> ("ex07_alem_do_basico", "testes_batch_norm_inferencia") in REGISTRY
True
"""

import numpy as np

from cnn_grader.checks import Misconception, judge_function, judge_value
from cnn_grader.items import REGISTRY, register
from cnn_lib import ops, shapes

TASK = "ex07_alem_do_basico"


# --- campo receptivo


def _layers(layers) -> list[tuple[int, int, int]]:
    return [(*layer, 1)[:3] for layer in layers]


def _field(layers, k_ef=lambda k, d: d * (k - 1) + 1, jump_first: bool = False, use_jump: bool = True) -> int:
    field, jump = 1, 1
    for k, s, d in _layers(layers):
        if jump_first:
            jump *= s
        field += (k_ef(k, d) - 1) * (jump if use_jump else 1)
        if not jump_first:
            jump *= s
    return field


FIELD_MISCONCEPTIONS = (
    Misconception(
        "passos ignorados no campo receptivo",
        "seu resultado soma k_ef − 1 de cada camada sem multiplicar pelo salto J (o produto dos passos das "
        "camadas anteriores): depois de um passo 2, cada pixel do mapa vale 2 pixels da imagem",
        wrong=lambda layers: _field(layers, use_jump=False),
    ),
    Misconception(
        "dilatação ignorada no campo receptivo",
        "seu resultado ignora a dilatação: uma camada dilatada cobre k_ef = d·(k − 1) + 1 posições",
        wrong=lambda layers: _field(layers, k_ef=lambda k, d: k),
    ),
    Misconception(
        "kernel dilatado como d·k",
        "seu resultado usa d·k como kernel efetivo; o certo é k_ef = d·(k − 1) + 1",
        wrong=lambda layers: _field(layers, k_ef=lambda k, d: d * k),
    ),
    Misconception(
        "salto da própria camada",
        "seu resultado multiplica o aumento de cada camada pelo salto que inclui o passo dela mesma; o passo "
        "de uma camada só afeta as camadas seguintes (use J das camadas anteriores)",
        wrong=lambda layers: _field(layers, jump_first=True),
    ),
    Misconception(
        "soma dos tamanhos dos kernels",
        "seu resultado soma os tamanhos dos kernels; janelas vizinhas se sobrepõem, e cada camada acrescenta "
        "k_ef − 1 pixels (vezes o salto), a partir de R₀ = 1",
        wrong=lambda layers: sum(d * (k - 1) + 1 for k, s, d in _layers(layers)),
    ),
)


@register(TASK, "testes_campo_receptivo")
def campo_receptivo(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/campo_receptivo"),
        f"{TASK}/campo_receptivo",
        reference=shapes.receptive_field,
        kind="int",
        expected="um int: R = 1 + Σ (k_ef − 1)·J, com J o produto dos passos das camadas anteriores",
        misconceptions=FIELD_MISCONCEPTIONS,
    )


# A pilha do enunciado (uma VGG encurtada): duas conv 3×3, pooling 2×2, duas conv 3×3, pooling 2×2, três
# conv 3×3 com dilatação 1, 2 e 1.
STACK = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1), (3, 1, 2), (3, 1)]


@register(TASK, "testes_campo_pilha")
def campo_pilha(payloads, context):
    return judge_value(
        payloads.get(f"{TASK}/campo_pilha"),
        "campo_pilha",
        reference=shapes.receptive_field(STACK),
        kind="int",
        expected="um int: o campo receptivo, numa dimensão, de um pixel da saída da pilha do enunciado",
        misconceptions=tuple(
            Misconception(m.name, m.explanation, wrong=lambda m=m: m.wrong(STACK))
            for m in FIELD_MISCONCEPTIONS
        ),
    )


# --- convolução transposta


def _transposed_variant(integer=None, valid=None, same=None):
    """Uma conta errada para um tipo de ``padding``; os outros tipos ficam como a referência."""

    def wrong(n, k, s, padding):
        rule = {"valid": valid, "same": same}.get(padding, integer) if isinstance(padding, str) else integer
        if rule is None:
            return shapes.transposed_output_size(n, k, s, padding)
        return rule(n, k, s, 0 if isinstance(padding, str) else padding)

    return wrong


TRANSPOSED_MISCONCEPTIONS = (
    Misconception(
        "fórmula da convolução direta na transposta",
        "seu resultado usa a fórmula da convolução comum, que encolhe; a transposta faz o caminho de volta e "
        "aumenta: (n − 1)·s + k − 2p",
        wrong=lambda n, k, s, padding: (
            -(-n // s) if padding == "same" else (n + 2 * (0 if padding == "valid" else padding) - k) // s + 1
        ),
    ),
    Misconception(
        '"same" mantém o tamanho na transposta',
        'com padding="same", a transposta multiplica o tamanho pelo passo (n·s); ela só o mantém com passo 1',
        wrong=_transposed_variant(same=lambda n, k, s, p: n),
    ),
    Misconception(
        '"valid" sem o máximo do Keras',
        'com padding="valid" e um kernel menor que o passo, o Keras dá n·s + max(k − s, 0) = n·s, e não '
        "(n − 1)·s + k: as posições entre as cópias do kernel também existem na saída",
        wrong=_transposed_variant(valid=lambda n, k, s, p: (n - 1) * s + k),
    ),
    Misconception(
        "preenchimento de um lado só na transposta",
        "seu resultado tira o preenchimento p uma vez só; ele sai dos dois lados: (n − 1)·s + k − 2p",
        wrong=_transposed_variant(integer=lambda n, k, s, p: (n - 1) * s + k - p),
    ),
    Misconception(
        "n·s no lugar de (n − 1)·s",
        "seu resultado multiplica n pelo passo; entre a primeira e a última cópia do kernel há n − 1 passos: "
        "(n − 1)·s + k − 2p",
        wrong=_transposed_variant(integer=lambda n, k, s, p: n * s + k - 2 * p),
    ),
)


@register(TASK, "testes_tamanho_transposta")
def tamanho_transposta(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/tamanho_transposta"),
        f"{TASK}/tamanho_transposta",
        reference=shapes.transposed_output_size,
        kind="int",
        expected='um int: (n − 1)·s + k − 2p com p inteiro; n·s + max(k − s, 0) com "valid"; n·s com "same"',
        misconceptions=TRANSPOSED_MISCONCEPTIONS,
    )


# --- preenchimento causal


def _causal(n, k, d):
    return (d * (k - 1), shapes.output_size(n, k, 1, "causal", d))


CAUSAL_MISCONCEPTIONS = (
    Misconception(
        "dilatação ignorada no preenchimento causal",
        "seus zeros à esquerda ignoram a dilatação: o kernel dilatado alcança d·(k − 1) posições para trás",
        wrong=lambda n, k, d: (k - 1, n),
    ),
    Misconception(
        "preenchimento causal dividido entre os lados",
        'seu resultado põe à esquerda só metade dos zeros, como o padding="same"; o causal põe todos os '
        "d·(k − 1) zeros à esquerda, para que a saída no instante t só veja o passado",
        wrong=lambda n, k, d: (d * (k - 1) // 2, n),
    ),
    Misconception(
        "um zero a mais no preenchimento causal",
        "seu resultado põe k_ef zeros à esquerda; bastam k_ef − 1 = d·(k − 1) para que a primeira saída veja "
        "só a primeira entrada",
        wrong=lambda n, k, d: (d * (k - 1) + 1, n),
    ),
    Misconception(
        "kernel dilatado como d·k",
        "seu resultado usa d·k como kernel efetivo; o certo é k_ef = d·(k − 1) + 1, e os zeros são k_ef − 1",
        wrong=lambda n, k, d: (d * k, n),
    ),
    Misconception(
        "saída causal encolhida",
        "com o preenchimento causal (e passo 1), a saída tem o mesmo tamanho da entrada: os zeros à esquerda "
        "compensam exatamente o que a janela perderia",
        test=lambda args, actual, expected: (
            isinstance(actual, tuple)
            and len(actual) == 2
            and actual[0] == expected[0]
            and actual[1] != expected[1]
        ),
    ),
)


@register(TASK, "testes_preenchimento_causal")
def preenchimento_causal(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/preenchimento_causal"),
        f"{TASK}/preenchimento_causal",
        reference=_causal,
        kind="tuple_int",
        expected="a tupla (zeros à esquerda, tamanho da saída), com d·(k − 1) zeros só à esquerda e passo 1",
        misconceptions=CAUSAL_MISCONCEPTIONS,
    )


# --- normalização em lote na inferência


def _bn_reference(x, gamma, beta, mean, var, eps):
    return ops.batch_norm(x, gamma, beta, mean, var, training=False, epsilon=eps).output


def _bn(x, gamma, beta, mean, var, denominator):
    return gamma * (np.asarray(x, dtype=float) - mean) / denominator(var) + beta


BATCH_NORM_MISCONCEPTIONS = (
    Misconception(
        "estatísticas do lote na inferência",
        "seu resultado usa a média e a variância do próprio lote; na inferência, a normalização em lote usa "
        "as médias móveis guardadas no treino (media_movel e variancia_movel), e a saída de um exemplo não "
        "depende dos outros",
        wrong=lambda x, g, b, m, v, eps: ops.batch_norm(x, g, b, m, v, training=True, epsilon=eps).output,
    ),
    Misconception(
        "epsilon esquecido",
        "seu resultado divide por √σ², sem o ε; o denominador é √(σ² + ε)",
        wrong=lambda x, g, b, m, v, eps: _bn(x, g, b, m, v, np.sqrt),
    ),
    Misconception(
        "variância no lugar do desvio padrão",
        "seu resultado divide pela variância (σ² + ε), sem a raiz; o denominador é √(σ² + ε)",
        wrong=lambda x, g, b, m, v, eps: _bn(x, g, b, m, v, lambda var: var + eps),
    ),
    Misconception(
        "epsilon fora da raiz",
        "seu resultado divide por √σ² + ε; o ε fica dentro da raiz: √(σ² + ε)",
        wrong=lambda x, g, b, m, v, eps: _bn(x, g, b, m, v, lambda var: np.sqrt(var) + eps),
    ),
    Misconception(
        "gamma e beta trocados",
        "seu resultado troca γ e β: γ multiplica o valor normalizado e β é somado",
        wrong=lambda x, g, b, m, v, eps: _bn(x, b, g, m, v, lambda var: np.sqrt(var + eps)),
    ),
)


@register(TASK, "testes_batch_norm_inferencia")
def batch_norm_inferencia(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/batch_norm_inferencia"),
        f"{TASK}/batch_norm_inferencia",
        reference=_bn_reference,
        kind="array",
        expected="um array com a forma de x: γ·(x − média móvel)/√(variância móvel + ε) + β, por canal",
        misconceptions=BATCH_NORM_MISCONCEPTIONS,
    )


# --- convolução 1×1: parâmetros e custo


def _conv1x1(h, w, c_in, c_out):
    macs = h * w * c_out * 1 * 1 * c_in  # posições da saída × filtros × k_h·k_w·C_e (cnn_lib.params)
    return (shapes.conv_params(1, c_in, c_out), macs)


def _params_variant(params):
    return lambda h, w, c_in, c_out: (params(c_in, c_out), _conv1x1(h, w, c_in, c_out)[1])


def _macs_variant(macs):
    return lambda h, w, c_in, c_out: (_conv1x1(h, w, c_in, c_out)[0], macs(h, w, c_in, c_out))


CONV1X1_MISCONCEPTIONS = (
    Misconception(
        "viés esquecido",
        "sua contagem de parâmetros esquece o viés: um por filtro, (1·1·C_e + 1)·C_s",
        wrong=_params_variant(lambda c_in, c_out: c_in * c_out),
    ),
    Misconception(
        "viés por canal de entrada",
        "sua contagem põe um viés por canal de entrada; o viés é um por filtro (C_s), (1·1·C_e + 1)·C_s",
        wrong=_params_variant(lambda c_in, c_out: c_in * c_out + c_in),
    ),
    Misconception(
        "kernel 3×3 suposto na convolução 1×1",
        "sua conta usa um kernel 3×3; numa convolução 1×1 cada filtro tem só 1·1·C_e pesos",
        wrong=lambda h, w, c_in, c_out: ((9 * c_in + 1) * c_out, 9 * h * w * c_in * c_out),
    ),
    Misconception(
        "custo sem as posições da saída",
        "seu custo conta as multiplicações de uma posição só; o kernel é aplicado em cada uma das H·W "
        "posições da saída",
        wrong=_macs_variant(lambda h, w, c_in, c_out: c_in * c_out),
    ),
    Misconception(
        "viés contado no custo",
        "seu custo conta o viés como multiplicação; as multiplicações-somas são H·W·C_e·C_s (o viés é só "
        "uma soma por valor da saída)",
        wrong=_macs_variant(lambda h, w, c_in, c_out: h * w * (c_in + 1) * c_out),
    ),
)


@register(TASK, "testes_conv1x1")
def conv1x1(payloads, context):
    return judge_function(
        payloads.get(f"{TASK}/conv1x1"),
        f"{TASK}/conv1x1",
        reference=_conv1x1,
        kind="tuple_int",
        expected="a tupla (parâmetros, multiplicações-somas) de uma Conv2D 1×1 com viés, passo 1 e "
        'padding="same"',
        misconceptions=CONV1X1_MISCONCEPTIONS,
    )


__all__ = ["REGISTRY", "STACK", "TASK"]
