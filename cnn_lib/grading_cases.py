"""Os casos públicos dos exercícios 6 (retropropagação) e 7 (além do básico), para ``cnn_lib.grading``.

Como os casos de ``cnn_lib.grading``, são entradas fixas (sementes fixas), nada secreto: o kernel do aluno
avalia nelas as funções que ele escreveu, e a correção (``cnn_grader.items.ex06`` e ``ex07``) recalcula as
respostas certas com o ``cnn_lib`` confiável. Este módulo só usa NumPy: ele roda no kernel do aluno mesmo
quando a correção esconde as operações do ``cnn_lib``.

Examples
--------
>>> len(CASES["ex06_retropropagacao/conv_backward"]())
8
>>> perda, x, h = CASES["ex06_retropropagacao/gradiente_numerico"]()[0]
>>> perda
L(x) = Σ A·sen(x) + ½·Σ x²
>>> round(perda(np.zeros(3)), 6)
0.0
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["CASES", "FORBIDDEN_MODULES", "Loss"]

# Módulos que fazem o que a tarefa pede para implementar (veja cnn_lib.grading.FORBIDDEN_MODULES).
FORBIDDEN_MODULES = {
    "ex06_retropropagacao": ("cnn_lib", "tensorflow", "keras", "scipy", "torch", "jax"),
    "ex07_alem_do_basico": ("cnn_lib", "tensorflow", "keras", "torch"),
}


# --- ex06: retropropagação


def _conv_backward_cases() -> list:
    rng = np.random.default_rng(606)
    result = []
    for kh, kw in [(3, 3), (2, 3), (3, 1), (4, 2), (2, 2), (3, 4), (1, 3), (5, 3)]:
        h, w = int(rng.integers(kh, 10)), int(rng.integers(kw, 10))
        x, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
        result.append((rng.normal(size=(h - kh + 1, w - kw + 1)), x, kernel))
    return result


def _conv_backward_special() -> list:
    rng = np.random.default_rng(607)
    return [
        (rng.normal(size=(5, 6)), rng.normal(size=(5, 6)), rng.normal(size=(1, 1))),  # kernel 1×1
        (rng.normal(size=(1, 1)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),  # kernel do tamanho de x
        (rng.normal(size=(1, 5)), rng.normal(size=(3, 7)), rng.normal(size=(3, 3))),  # uma linha de saída
        (  # só inteiros
            rng.integers(-3, 4, size=(4, 5)),
            rng.integers(-5, 6, size=(6, 6)),
            rng.integers(-2, 3, size=(3, 2)),
        ),
    ]


class Loss:
    """Uma perda escalar L(x) de um array, para a conferência numérica; ``repr`` mostra a fórmula.

    Parameters
    ----------
    formula : str
        A fórmula, em português (o que a mensagem da correção mostra).
    kind : str
        ``"seno"``, ``"conv"``, ``"tanh"`` ou ``"logsomaexp"``.
    data : tuple de numpy.ndarray
        As constantes da fórmula.
    """

    def __init__(self, formula: str, kind: str, data: tuple):
        self.formula, self.kind, self.data = formula, kind, data

    def __repr__(self):
        return self.formula

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=float)
        if self.kind == "seno":
            (a,) = self.data
            return float(np.sum(a * np.sin(x)) + 0.5 * np.sum(x**2))
        if self.kind == "conv":
            (kernel,) = self.data
            y = np.einsum("ijuv,uv->ij", sliding_window_view(x, kernel.shape), kernel)
            return float(0.5 * np.sum(y**2))
        if self.kind == "tanh":
            (b,) = self.data
            return float(np.sum(b * np.tanh(x)))
        (w,) = self.data
        z = x * w
        return float(np.log(np.sum(np.exp(z - z.max()))) + z.max())


def _numerical_cases() -> list:
    rng = np.random.default_rng(608)
    seno = Loss("L(x) = Σ A·sen(x) + ½·Σ x²", "seno", (rng.normal(size=(3,)),))
    conv = Loss("L(x) = ½·Σ conv2d(x, K)²", "conv", (rng.normal(size=(3, 3)),))
    tanh = Loss("L(x) = Σ B·tanh(x)", "tanh", (rng.normal(size=(2, 4)),))
    logsomaexp = Loss("L(x) = log Σ exp(w·x)", "logsomaexp", (rng.uniform(1.0, 3.0, size=(4, 4)),))
    return [
        (seno, rng.normal(size=(3,)), 1e-5),
        (conv, rng.normal(size=(5, 5)), 1e-3),
        (tanh, rng.normal(size=(2, 4)), 1e-3),
        (logsomaexp, rng.normal(size=(4, 4)), 1e-4),
        (seno, rng.normal(size=(3,)), 1e-3),
        (conv, rng.normal(size=(5, 5)), 1e-5),
    ]


# --- ex07: além do básico


def _receptive_cases() -> list:
    rng = np.random.default_rng(701)
    result = [
        ([(3, 1), (3, 1)],),
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)],),
        ([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)],),
        ([(7, 2), (3, 2), (3, 1), (3, 1)],),
        ([(5, 1, 2)],),
        ([(1, 1), (3, 2, 1), (1, 1)],),
    ]
    for _ in range(8):
        depth = int(rng.integers(1, 6))
        layers = [
            (int(rng.choice([1, 2, 3, 5, 7])), int(rng.choice([1, 1, 2, 3])), int(rng.choice([1, 1, 2, 3])))
            for _ in range(depth)
        ]
        result.append(([layer if layer[2] > 1 else layer[:2] for layer in layers],))
    return result


def _transposed_cases() -> list:
    rng = np.random.default_rng(702)
    result = [(7, 3, 2, "same"), (7, 3, 2, "valid"), (7, 3, 2, 1), (4, 1, 3, "valid"), (5, 2, 4, "valid")]
    for _ in range(15):
        k, s = int(rng.choice([1, 2, 3, 4, 5])), int(rng.integers(1, 5))
        padding = (
            str(rng.choice(["valid", "same"])) if rng.random() < 0.7 else int(rng.integers(0, (k + 1) // 2))
        )
        result.append((int(rng.integers(1, 33)), k, s, padding))
    return result


def _causal_cases() -> list:
    rng = np.random.default_rng(703)
    result = [(10, 3, 1), (10, 3, 2), (16, 2, 4), (5, 1, 1)]
    for _ in range(10):
        result.append(
            (int(rng.integers(1, 65)), int(rng.choice([2, 3, 4, 5, 7])), int(rng.choice([1, 2, 4, 8])))
        )
    return result


def _batch_norm_inference_cases() -> list:
    rng = np.random.default_rng(704)
    result = []
    for shape, eps in [((6, 3), 1e-3), ((4, 5, 5, 2), 1e-3), ((2, 3, 4, 5), 0.1), ((8, 1), 1e-5)]:
        channels = shape[-1]
        x = rng.normal(1.5, 2.0, size=shape)
        gamma, beta = rng.uniform(0.5, 2.0, size=channels), rng.normal(size=channels)
        # médias móveis longe das estatísticas deste lote, como depois de um treino com outros dados
        moving_mean = rng.normal(0.0, 1.0, size=channels)
        moving_variance = rng.uniform(0.05, 3.0, size=channels)
        result.append((x, gamma, beta, moving_mean, moving_variance, eps))
    return result


def _conv1x1_cases() -> list:
    rng = np.random.default_rng(705)
    result = [(28, 28, 256, 64), (7, 7, 64, 256), (1, 1, 3, 8), (14, 10, 480, 16)]
    for _ in range(6):
        result.append(tuple(int(v) for v in rng.integers(1, 65, size=4)))
    return result


CASES = {
    "ex06_retropropagacao/conv_backward": _conv_backward_cases,
    "ex06_retropropagacao/conv_backward_especiais": _conv_backward_special,
    "ex06_retropropagacao/gradiente_numerico": _numerical_cases,
    "ex07_alem_do_basico/campo_receptivo": _receptive_cases,
    "ex07_alem_do_basico/tamanho_transposta": _transposed_cases,
    "ex07_alem_do_basico/preenchimento_causal": _causal_cases,
    "ex07_alem_do_basico/batch_norm_inferencia": _batch_norm_inference_cases,
    "ex07_alem_do_basico/conv1x1": _conv1x1_cases,
}
