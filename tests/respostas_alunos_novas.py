"""Respostas de alunos simulados para ex06 e ex07: alternativas certas e erros conhecidos.

``ALTERNATIVES[tarefa]``: alunos diferentes que acertam tudo, cada um do seu jeito (por ``grade_id``).
``MISCONCEPTIONS[tarefa]``: ``(célula de teste, nome do erro conhecido, respostas)`` para cada erro.
"""

# --------------------------------------------------------------------------------------------------------
# ex06: retropropagação
# --------------------------------------------------------------------------------------------------------

_BACKWARD_LOOPS = """
def conv_backward(dout, x, kernel):
    H, W = x.shape
    kh, kw = kernel.shape
    dx = np.zeros((H, W), dtype=np.float32)
    dkernel = np.zeros((kh, kw), dtype=np.float32)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    dx[i + u, j + v] {op} dout[i, j] * kernel[u, v]
                    dkernel[u, v] {op} x[i + u, j + v] * dout[i, j]
    return dx, dkernel
"""

_BACKWARD_FULL = """
def _correlacao(a, k):
    ho, wo = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    saida = np.zeros((ho, wo))
    for i in range(ho):
        for j in range(wo):
            saida[i, j] = np.sum(a[i : i + k.shape[0], j : j + k.shape[1]] * k)
    return saida


def conv_backward(dout, x, kernel):
    kh, kw = kernel.shape
    cheio = np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    dx = _correlacao(cheio, {girado})
    dkernel = {dkernel}
    return dx, dkernel
"""

_NUMERICAL_ONE_HOT = """
def gradiente_numerico(f, x, h=1e-5):
    resultado = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        e = e.reshape(x.shape)
        resultado.append({formula})
    return np.array(resultado).reshape(x.shape)
"""

EX06_ALTERNATIVES = [
    {  # laços explícitos em float32, devolve uma lista
        "conv_backward": _BACKWARD_LOOPS.replace("return dx, dkernel", "return [dx, dkernel]").format(
            op="+="
        ),
        "gradiente_numerico": _NUMERICAL_ONE_HOT.format(formula="(f(x + e) - f(x - e)) / (2 * h)"),
        "resposta_max_pool": 'resposta_max_pool = " c "',
    },
    {  # correlação cheia com o kernel girado e correlação da entrada com o gradiente
        "conv_backward": _BACKWARD_FULL.format(girado="kernel[::-1, ::-1]", dkernel="_correlacao(x, dout)"),
        "gradiente_numerico": """
def gradiente_numerico(f, x, h=1e-5):
    g = np.zeros_like(x, dtype=float)
    plano = x.reshape(-1)
    for k in range(plano.size):
        guardado = plano[k]
        plano[k] = guardado + h
        fmais = f(x)
        plano[k] = guardado - h
        fmenos = f(x)
        plano[k] = guardado
        g.reshape(-1)[k] = (fmais - fmenos) / h / 2
    return g
""",
        "resposta_max_pool": "resposta_max_pool = 'C'",
    },
    {  # im2col: janelas como colunas e duas multiplicações de matrizes
        "conv_backward": """
from numpy.lib.stride_tricks import sliding_window_view


def conv_backward(dout, x, kernel):
    janelas = sliding_window_view(x, kernel.shape)           # (ho, wo, kh, kw)
    dkernel = np.einsum("ijuv,ij->uv", janelas, dout)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, kernel, float))
    ho, wo = dout.shape
    for u, v in np.ndindex(kernel.shape):
        dx[u : u + ho, v : v + wo] = dx[u : u + ho, v : v + wo] + kernel[u, v] * dout
    return (dx, dkernel)
""",
        "gradiente_numerico": """
def gradiente_numerico(f, x, h=1e-5):
    grad = np.empty(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        velho = x[idx]
        x[idx] = velho + h
        a = f(x)
        x[idx] = velho - h
        b = f(x)
        x[idx] = velho
        grad[idx] = (a - b) / (2 * h)
        it.iternext()
    return grad
""",
    },
    {  # diferenças centrais de quarta ordem (mais precisas) e laços com índices da entrada
        "conv_backward": """
def conv_backward(dout, x, kernel):
    kh, kw = kernel.shape
    ho, wo = dout.shape
    dx = np.zeros(x.shape)
    for a in range(x.shape[0]):
        for b in range(x.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    i, j = a - u, b - v
                    if 0 <= i < ho and 0 <= j < wo:
                        dx[a, b] += dout[i, j] * kernel[u, v]
    dkernel = np.array([[np.sum(x[u : u + ho, v : v + wo] * dout) for v in range(kw)] for u in range(kh)])
    return dx, dkernel
""",
        "gradiente_numerico": _NUMERICAL_ONE_HOT.format(
            formula="(-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)"
        ),
    },
]

EX06_MISCONCEPTIONS = [
    (
        "testes_conv_backward",
        "kernel não girado no dx",
        {"conv_backward": _BACKWARD_FULL.format(girado="kernel", dkernel="_correlacao(x, dout)")},
    ),
    (
        "testes_conv_backward",
        "dkernel com entrada e gradiente trocados",
        {
            "conv_backward": _BACKWARD_FULL.format(
                girado="kernel[::-1, ::-1]", dkernel="_correlacao(x, dout)[::-1, ::-1]"
            )
        },
    ),
    (
        "testes_conv_backward",
        "= em vez de += (sem acumular)",
        {"conv_backward": _BACKWARD_LOOPS.format(op="=")},
    ),
    (
        "testes_conv_backward",
        "dx e dkernel trocados na tupla",
        {
            "conv_backward": _BACKWARD_LOOPS.replace("return dx, dkernel", "return dkernel, dx").format(
                op="+="
            )
        },
    ),
    (
        "testes_conv_backward",
        "função emprestada da biblioteca",
        {
            "conv_backward": """
from cnn_lib import ops


def conv_backward(dout, x, kernel):
    dx, dkernel, _ = ops.conv2d_backward(dout, x, kernel)
    return dx, dkernel
"""
        },
    ),
    (
        "testes_gradiente_numerico",
        "diferenças para a frente em vez de centrais",
        {"gradiente_numerico": _NUMERICAL_ONE_HOT.format(formula="(f(x + e) - f(x)) / h")},
    ),
    (
        "testes_conv_backward",
        "dx sem o preenchimento “cheio”",
        {
            "conv_backward": _BACKWARD_FULL.replace("cheio = np.pad", "cheio = dout  # np.pad").format(
                girado="kernel[::-1, ::-1]", dkernel="_correlacao(x, dout)"
            )
        },
    ),
    (
        "testes_gradiente_numerico",
        "x não restaurado",
        {
            "gradiente_numerico": """
def gradiente_numerico(f, x, h=1e-5):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        fa = f(x)
        x[i] -= 2 * h
        fb = f(x)
        g[i] = (fa - fb) / (2 * h)
    return g
"""
        },
    ),
    (
        "testes_gradiente_numerico",
        "divisão por h em vez de 2h",
        {"gradiente_numerico": _NUMERICAL_ONE_HOT.format(formula="(f(x + e) - f(x - e)) / h")},
    ),
    (
        "testes_resposta_max_pool",
        "gradiente do pooling máximo espalhado pela janela inteira",
        {"resposta_max_pool": 'resposta_max_pool = "A"'},
    ),
    (
        "testes_resposta_max_pool",
        "pooling máximo tratado como não derivável",
        {"resposta_max_pool": 'resposta_max_pool = "B"'},
    ),
]


# --------------------------------------------------------------------------------------------------------
# ex07: além do básico
# --------------------------------------------------------------------------------------------------------

_FIELD = """
def campo_receptivo(camadas):
    campo, salto = 1, 1
    for camada in camadas:
        k, s = camada[0], camada[1]
        d = camada[2] if len(camada) == 3 else 1
        {body}
    return campo
"""

_TRANSPOSED = """
def tamanho_transposta(n, kernel_size, strides=1, padding="valid"):
    if padding == "same":
        return {same}
    if padding == "valid":
        return {valid}
    return {integer}
"""

_BATCH_NORM = """
def batch_norm_inferencia(x, gamma, beta, media_movel, variancia_movel, epsilon=1e-3):
    return {formula}
"""

EX07_ALTERNATIVES = [
    {  # campo pelo caminho inverso (de trás para a frente), transposta com max, NumPy em float32
        "campo_receptivo": """
def campo_receptivo(camadas):
    r = 1
    for camada in reversed(camadas):
        k, s, *resto = camada
        d = resto[0] if resto else 1
        r = (r - 1) * s + d * (k - 1) + 1
    return r
""",
        "campo_pilha": (
            "bloco = [(3, 1), (3, 1), (2, 2)]\n"
            "campo_pilha = campo_receptivo(bloco * 2 + [(3, 1), (3, 1, 2), (3, 1)])"
        ),
        "tamanho_transposta": _TRANSPOSED.format(
            same="n * strides",
            valid="n * strides + max(kernel_size - strides, 0)",
            integer="(n - 1) * strides + kernel_size - 2 * padding",
        ),
        "preenchimento_causal": """
def preenchimento_causal(n, kernel_size, dilation_rate=1):
    return (kernel_size - 1) * dilation_rate, n
""",
        "batch_norm_inferencia": """
def batch_norm_inferencia(x, gamma, beta, media_movel, variancia_movel, epsilon=1e-3):
    x = np.asarray(x, dtype=np.float32)
    escala = (gamma / np.sqrt(variancia_movel + epsilon)).astype(np.float32)
    return (x * escala + (beta - media_movel * escala)).astype(np.float32)
""",
        "conv1x1": """
def conv1x1(H, W, C_e, C_s):
    pesos = C_e * C_s
    return pesos + C_s, pesos * H * W
""",
    },
    {  # contas com math e NumPy, inteiros do NumPy, resposta escrita à mão
        "campo_receptivo": _FIELD.format(
            body="campo = campo + (d * (k - 1) + 1 - 1) * salto\n        salto = salto * s"
        ),
        "campo_pilha": "campo_pilha = 48",
        "tamanho_transposta": _TRANSPOSED.format(
            same="strides * n",
            valid="(n - 1) * strides + kernel_size if kernel_size >= strides else n * strides",
            integer="strides * (n - 1) + kernel_size - padding - padding",
        ),
        "preenchimento_causal": """
def preenchimento_causal(n, kernel_size, dilation_rate=1):
    k_ef = dilation_rate * (kernel_size - 1) + 1
    esquerda = k_ef - 1
    return (int(esquerda), int(math.floor((n + esquerda - k_ef) / 1) + 1))
""",
        "batch_norm_inferencia": _BATCH_NORM.format(
            formula="(x - media_movel) / (variancia_movel + epsilon) ** 0.5 * gamma + beta"
        ),
        "conv1x1": """
def conv1x1(H, W, C_e, C_s):
    return (np.int64(C_e + 1) * C_s, np.int64(H) * W * C_e * C_s)
""",
    },
    {  # campo com o salto em lista, transposta pela fórmula geral, batch norm com reshape explícito
        "campo_receptivo": """
def campo_receptivo(camadas):
    saltos = [1]
    for camada in camadas:
        saltos.append(saltos[-1] * camada[1])
    total = 1
    for indice, camada in enumerate(camadas):
        dilatacao = 1 if len(camada) < 3 else camada[2]
        total += (dilatacao * (camada[0] - 1)) * saltos[indice]
    return total
""",
        "tamanho_transposta": """
def tamanho_transposta(n, kernel_size, strides=1, padding="valid"):
    if isinstance(padding, str):
        if padding == "same":
            return n * strides
        p = 0
        return max((n - 1) * strides + kernel_size - 2 * p, n * strides)
    return (n - 1) * strides + kernel_size - 2 * padding
""",
        "preenchimento_causal": """
def preenchimento_causal(n, kernel_size, dilation_rate=1):
    zeros = 0
    for _ in range(kernel_size - 1):
        zeros += dilation_rate
    return zeros, n
""",
        "batch_norm_inferencia": """
def batch_norm_inferencia(x, gamma, beta, media_movel, variancia_movel, epsilon=1e-3):
    forma = (1,) * (x.ndim - 1) + (-1,)
    desvio = np.sqrt(np.reshape(variancia_movel, forma) + epsilon)
    normalizado = (x - np.reshape(media_movel, forma)) / desvio
    return np.reshape(gamma, forma) * normalizado + np.reshape(beta, forma)
""",
        "conv1x1": """
def conv1x1(H, W, C_e, C_s):
    kh = kw = 1
    parametros = (kh * kw * C_e + 1) * C_s
    posicoes = H * W
    return parametros, posicoes * C_s * kh * kw * C_e
""",
    },
]

EX07_MISCONCEPTIONS = [
    (
        "testes_campo_receptivo",
        "passos ignorados no campo receptivo",
        {"campo_receptivo": _FIELD.format(body="campo += d * (k - 1)")},
    ),
    (
        "testes_campo_receptivo",
        "dilatação ignorada no campo receptivo",
        {"campo_receptivo": _FIELD.format(body="campo += (k - 1) * salto\n        salto *= s")},
    ),
    (
        "testes_campo_receptivo",
        "salto da própria camada",
        {"campo_receptivo": _FIELD.format(body="salto *= s\n        campo += d * (k - 1) * salto")},
    ),
    (
        "testes_campo_receptivo",
        "função emprestada da biblioteca",
        {
            "campo_receptivo": """
from cnn_lib import shapes


def campo_receptivo(camadas):
    return shapes.receptive_field(camadas)
""",
            "campo_pilha": "campo_pilha = 48",  # escrita à mão: não depende da função emprestada
        },
    ),
    (
        "testes_campo_pilha",
        "passos ignorados no campo receptivo",
        {"campo_pilha": "campo_pilha = 1 + 2 + 2 + 1 + 2 + 2 + 1 + 2 + 4 + 2"},
    ),
    (
        "testes_tamanho_transposta",
        "fórmula da convolução direta na transposta",
        {
            "tamanho_transposta": _TRANSPOSED.format(
                same="math.ceil(n / strides)",
                valid="(n - kernel_size) // strides + 1",
                integer="(n + 2 * padding - kernel_size) // strides + 1",
            )
        },
    ),
    (
        "testes_tamanho_transposta",
        '"same" mantém o tamanho na transposta',
        {
            "tamanho_transposta": _TRANSPOSED.format(
                same="n",
                valid="n * strides + max(kernel_size - strides, 0)",
                integer="(n - 1) * strides + kernel_size - 2 * padding",
            )
        },
    ),
    (
        "testes_tamanho_transposta",
        "preenchimento de um lado só na transposta",
        {
            "tamanho_transposta": _TRANSPOSED.format(
                same="n * strides",
                valid="n * strides + max(kernel_size - strides, 0)",
                integer="(n - 1) * strides + kernel_size - padding",
            )
        },
    ),
    (
        "testes_preenchimento_causal",
        "dilatação ignorada no preenchimento causal",
        {
            "preenchimento_causal": "def preenchimento_causal(n, kernel_size, dilation_rate=1):\n"
            "    return kernel_size - 1, n"
        },
    ),
    (
        "testes_preenchimento_causal",
        "preenchimento causal dividido entre os lados",
        {
            "preenchimento_causal": "def preenchimento_causal(n, kernel_size, dilation_rate=1):\n"
            "    return dilation_rate * (kernel_size - 1) // 2, n"
        },
    ),
    (
        "testes_preenchimento_causal",
        "saída causal encolhida",
        {
            "preenchimento_causal": "def preenchimento_causal(n, kernel_size, dilation_rate=1):\n"
            "    z = dilation_rate * (kernel_size - 1)\n    return z, n - z"
        },
    ),
    (
        "testes_batch_norm_inferencia",
        "estatísticas do lote na inferência",
        {
            "batch_norm_inferencia": """
def batch_norm_inferencia(x, gamma, beta, media_movel, variancia_movel, epsilon=1e-3):
    eixos = tuple(range(x.ndim - 1))
    return gamma * (x - x.mean(axis=eixos)) / np.sqrt(x.var(axis=eixos) + epsilon) + beta
"""
        },
    ),
    (
        "testes_batch_norm_inferencia",
        "variância no lugar do desvio padrão",
        {
            "batch_norm_inferencia": _BATCH_NORM.format(
                formula="gamma * (x - media_movel) / (variancia_movel + epsilon) + beta"
            )
        },
    ),
    (
        "testes_batch_norm_inferencia",
        "epsilon esquecido",
        {
            "batch_norm_inferencia": _BATCH_NORM.format(
                formula="gamma * (x - media_movel) / np.sqrt(variancia_movel) + beta"
            )
        },
    ),
    (
        "testes_batch_norm_inferencia",
        "gamma e beta trocados",
        {
            "batch_norm_inferencia": _BATCH_NORM.format(
                formula="beta * (x - media_movel) / np.sqrt(variancia_movel + epsilon) + gamma"
            )
        },
    ),
    (
        "testes_conv1x1",
        "viés esquecido",
        {"conv1x1": "def conv1x1(H, W, C_e, C_s):\n    return C_e * C_s, H * W * C_e * C_s"},
    ),
    (
        "testes_conv1x1",
        "viés por canal de entrada",
        {"conv1x1": "def conv1x1(H, W, C_e, C_s):\n    return C_e * C_s + C_e, H * W * C_e * C_s"},
    ),
    (
        "testes_conv1x1",
        "custo sem as posições da saída",
        {"conv1x1": "def conv1x1(H, W, C_e, C_s):\n    return (C_e + 1) * C_s, C_e * C_s"},
    ),
    (
        "testes_conv1x1",
        "kernel 3×3 suposto na convolução 1×1",
        {"conv1x1": "def conv1x1(H, W, C_e, C_s):\n    return (9 * C_e + 1) * C_s, 9 * H * W * C_e * C_s"},
    ),
]

ALTERNATIVES = {"ex06_retropropagacao": EX06_ALTERNATIVES, "ex07_alem_do_basico": EX07_ALTERNATIVES}
MISCONCEPTIONS = {"ex06_retropropagacao": EX06_MISCONCEPTIONS, "ex07_alem_do_basico": EX07_MISCONCEPTIONS}
