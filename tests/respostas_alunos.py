# ruff: noqa: E501  (código de alunos simulados, em textos)
"""Respostas de alunos simulados para ex01–ex03: soluções certas de estilos diferentes e erros conhecidos.

- ``ALTERNATIVES[tarefa]``: cada elemento é um aluno diferente (``{grade_id da célula de solução: código}``); as
  células que ele não muda ficam com o gabarito. Todos devem ganhar todos os pontos automáticos.
- ``MISCONCEPTIONS[tarefa]``: ``(célula de teste, erro conhecido esperado, {grade_id: código})``: a célula de
  teste deve ganhar menos que o total e o veredito deve nomear o erro (``Verdict.misconception``).

Usadas pelos testes rápidos (``test_grading_items.py``, conferências chamadas no próprio processo) e pelos de
ponta a ponta (``test_exercises.py``, pelo ``nbgrader autograde``).
"""

# --- ex01: correlação cruzada

_LOOPS_BODY = """
def correlacao2d_loops(imagem, kernel):
    imagem = np.asarray(imagem, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    (altura, largura), (kh, kw) = imagem.shape, kernel.shape
    if kh > altura or kw > largura:
        raise ValueError("o kernel não cabe na imagem")
    saida = np.zeros((altura - kh + 1, largura - kw + 1))
    for i in range({rows}):
        for j in range({cols}):
            saida[i, j] = np.sum(imagem[i : i + kh, j : j + kw] * {kernel})
    return saida
"""


def _loops(kernel="kernel", rows="saida.shape[0]", cols="saida.shape[1]") -> str:
    return _LOOPS_BODY.format(kernel=kernel, rows=rows, cols=cols)


EX01_ALTERNATIVES = [
    {  # listas do Python, quatro laços, resultado em float32
        "correlacao2d_loops": """
def correlacao2d_loops(imagem, kernel):
    altura, largura, kh, kw = len(imagem), len(imagem[0]), len(kernel), len(kernel[0])
    if kh > altura or kw > largura:
        raise ValueError("o kernel é maior que a imagem")
    saida = np.empty((altura - kh + 1, largura - kw + 1), dtype=np.float32)
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
    imagem, kernel = np.asarray(imagem, dtype=np.float32), np.asarray(kernel, dtype=np.float32)
    (h, w), (kh, kw) = imagem.shape, kernel.shape
    if kh > h or kw > w:
        raise ValueError("o kernel é maior que a imagem")
    saida = np.zeros((h - kh + 1, w - kw + 1), dtype=np.float32)
    for m in range(kh):  # um laço sobre o kernel; os pixels ficam com o NumPy
        for n in range(kw):
            saida += kernel[m, n] * imagem[m : m + h - kh + 1, n : n + w - kw + 1]
    return saida
""",
        "mapa_borda": "mapa_borda = np.array([[0, 30, 30]] * 3)",
        "resposta_espelhada": 'resposta_espelhada = " b "',
    },
    {  # janelas com as_strided e tensordot, nomes em inglês
        "correlacao2d_loops": """
def correlacao2d_loops(image, k):
    image, k = np.array(image, dtype=np.float64), np.array(k, dtype=np.float64)
    H, W = image.shape
    KH, KW = k.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel {k.shape} maior que a imagem {image.shape}")
    out = []
    for row in range(H - KH + 1):
        out.append([float((image[row : row + KH, col : col + KW] * k).sum()) for col in range(W - KW + 1)])
    return np.array(out)
""",
        "correlacao2d_vetorizada": """
def correlacao2d_vetorizada(image, k):
    image, k = np.ascontiguousarray(image, dtype=float), np.asarray(k, dtype=float)
    H, W = image.shape
    KH, KW = k.shape
    if KH > H or KW > W:
        raise ValueError("kernel maior que a imagem")
    shape = (H - KH + 1, W - KW + 1, KH, KW)
    windows = np.lib.stride_tricks.as_strided(image, shape=shape, strides=image.strides * 2)
    return np.tensordot(windows, k, axes=([2, 3], [0, 1]))
""",
        "mapa_borda": "mapa_borda = correlacao2d_loops(imagem_borda, kernel_vertical).astype(np.float32)",
        "resposta_espelhada": 'resposta_espelhada = "B"',
    },
    {  # sliding_window_view com einsum dentro dos laços, while em vez de for
        "correlacao2d_loops": """
def correlacao2d_loops(imagem, kernel):
    imagem = np.asarray(imagem)
    kernel = np.asarray(kernel)
    if any(k > n for k, n in zip(kernel.shape, imagem.shape)):
        raise ValueError("kernel grande demais para a imagem")
    linhas = imagem.shape[0] - kernel.shape[0] + 1
    colunas = imagem.shape[1] - kernel.shape[1] + 1
    resultado = np.zeros((linhas, colunas), dtype=np.float64)
    i = 0
    while i < linhas:
        j = 0
        while j < colunas:
            janela = imagem[i : i + kernel.shape[0], j : j + kernel.shape[1]]
            resultado[i, j] = np.einsum("ab,ab->", janela, kernel)
            j += 1
        i += 1
    return resultado
""",
        "correlacao2d_vetorizada": """
def correlacao2d_vetorizada(imagem, kernel):
    imagem, kernel = np.asarray(imagem, float), np.asarray(kernel, float)
    if kernel.shape[0] > imagem.shape[0] or kernel.shape[1] > imagem.shape[1]:
        raise ValueError("kernel grande demais")
    janelas = np.lib.stride_tricks.sliding_window_view(imagem, kernel.shape)
    return (janelas * kernel).sum(axis=(-2, -1))
""",
        "mapa_borda": "mapa_borda = np.array([[0.0, 30.0, 30.0], [0.0, 30.0, 30.0], [0.0, 30.0, 30.0]])",
        "resposta_espelhada": "resposta_espelhada = 'b'",
    },
]

_SAME_SIZED = """
def correlacao2d_loops(imagem, kernel):
    imagem = np.asarray(imagem, dtype=float)
    kh, kw = np.shape(kernel)
    if kh > imagem.shape[0] or kw > imagem.shape[1]:
        raise ValueError("o kernel não cabe")
    saida = np.zeros_like(imagem)  # do tamanho da imagem
    for i in range(imagem.shape[0] - kh + 1):
        for j in range(imagem.shape[1] - kw + 1):
            saida[i, j] = np.sum(imagem[i : i + kh, j : j + kw] * kernel)
    return saida
"""

_TRUNCATED = """
def correlacao2d_loops(imagem, kernel):
    kh, kw = np.shape(kernel)
    if kh > np.shape(imagem)[0] or kw > np.shape(imagem)[1]:
        raise ValueError("o kernel não cabe")
    saida = np.zeros((imagem.shape[0] - kh + 1, imagem.shape[1] - kw + 1), dtype=imagem.dtype)
    for i in range(saida.shape[0]):
        for j in range(saida.shape[1]):
            saida[i, j] = np.sum(imagem[i : i + kh, j : j + kw] * kernel)
    return saida
"""

_NO_CHECK = _loops().replace(
    '    if kh > altura or kw > largura:\n        raise ValueError("o kernel não cabe na imagem")\n', ""
)
_ONLY_HEIGHT = _loops().replace("if kh > altura or kw > largura:", "if kh > altura:")

_VECTOR_FLIPPED = """
def correlacao2d_vetorizada(imagem, kernel):
    imagem, kernel = np.asarray(imagem, float), np.asarray(kernel, float)
    if kernel.shape[0] > imagem.shape[0] or kernel.shape[1] > imagem.shape[1]:
        raise ValueError("kernel grande demais")
    janelas = np.lib.stride_tricks.sliding_window_view(imagem, kernel.shape)
    return np.einsum("ijmn,mn->ij", janelas, np.flip(kernel))
"""

_VECTOR_NO_CHECK = """
def correlacao2d_vetorizada(imagem, kernel):
    imagem, kernel = np.asarray(imagem, dtype=float), np.asarray(kernel, dtype=float)
    (h, w), (kh, kw) = imagem.shape, kernel.shape
    saida = np.zeros((max(h - kh + 1, 0), max(w - kw + 1, 0)))
    for m in range(kh):
        for n in range(kw):
            saida += kernel[m, n] * imagem[m : m + saida.shape[0], n : n + saida.shape[1]]
    return saida
"""

EX01_MISCONCEPTIONS = [
    (
        "testes_loops_gerais",
        "kernel girado 180° (convolução verdadeira)",
        {"correlacao2d_loops": _loops("kernel[::-1, ::-1]")},
    ),
    ("testes_loops_gerais", "kernel transposto", {"correlacao2d_loops": _loops("kernel.T")}),
    (
        "testes_loops_gerais",
        "laço que para uma posição antes",
        {"correlacao2d_loops": _loops(rows="saida.shape[0] - 1")},
    ),
    (
        "testes_loops_gerais",
        "saída uma posição menor",
        {"correlacao2d_loops": _loops().replace("largura - kw + 1))", "largura - kw))")},
    ),
    ("testes_loops_gerais", "saída do tamanho da imagem", {"correlacao2d_loops": _SAME_SIZED}),
    (
        "testes_loops_gerais",
        "média no lugar da soma",
        {"correlacao2d_loops": _loops().replace("np.sum(", "np.mean(")},
    ),
    ("testes_loops_especiais", "saída com o tipo inteiro da imagem", {"correlacao2d_loops": _TRUNCATED}),
    ("testes_loops_especiais", "não levanta ValueError", {"correlacao2d_loops": _NO_CHECK}),
    ("testes_loops_especiais", "não levanta ValueError", {"correlacao2d_loops": _ONLY_HEIGHT}),
    (
        "testes_vetorizada",
        "kernel girado 180° (convolução verdadeira)",
        {"correlacao2d_vetorizada": _VECTOR_FLIPPED},
    ),
    ("testes_vetorizada", "não levanta ValueError", {"correlacao2d_vetorizada": _VECTOR_NO_CHECK}),
    (
        "testes_mapa_borda",
        "kernel girado 180° (convolução verdadeira)",
        {"mapa_borda": "mapa_borda = np.array([[0, -30, -30]] * 3)"},
    ),
    ("testes_mapa_borda", "saída do tamanho da imagem", {"mapa_borda": "mapa_borda = np.zeros((5, 5))"}),
    (
        "testes_resposta_espelhada",
        "kernel insensível ao sentido da borda",
        {"resposta_espelhada": 'resposta_espelhada = "A"'},
    ),
    (
        "testes_resposta_espelhada",
        "detector que só vê claro→escuro",
        {"resposta_espelhada": 'resposta_espelhada = "C"'},
    ),
]

# --- ex02: dimensões

_SIZE = """
def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if padding == "same":
        return {same}
    if padding == "valid":
        padding = 0
    elif isinstance(padding, str):
        raise ValueError("padding inválido")
    efetivo = dilation_rate * (kernel_size - 1) + 1
    if n + 2 * padding < efetivo:
        raise ValueError("o kernel não cabe")
    return {formula}
"""


def _size(formula="(n + 2 * padding - efetivo) // strides + 1", same="math.ceil(n / strides)") -> str:
    return _SIZE.format(formula=formula, same=same)


EX02_ALTERNATIVES = [
    {  # teto com divisão inteira negativa, validação antes
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
    },
    {  # conta as posições do kernel com um laço; inteiros do NumPy
        "tamanho_saida": """
import numpy as np


def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise ValueError("padding deve ser 'valid', 'same' ou inteiro")
    if padding == "same":
        return int(np.ceil(n / strides))
    total = n + 2 * (0 if padding == "valid" else padding)
    alcance = (kernel_size - 1) * dilation_rate
    posicoes = len(range(0, total - alcance, strides))
    if posicoes == 0:
        raise ValueError("o kernel dilatado não cabe na entrada")
    return np.int64(posicoes)
""",
        "saida_valid_3x3": "def saida_valid_3x3(H, W):\n    return (tamanho_saida(H, 3), tamanho_saida(W, 3))",
        "saida_same_stride2": (
            'def saida_same_stride2(H, W):\n    return tuple(tamanho_saida(x, 3, 2, "same") for x in (H, W))'
        ),
        "padding_para_manter": "def padding_para_manter(kernel_size):\n    return np.int32((kernel_size - 1) / 2)",
        "resposta_stride": "resposta_stride = 'D'",
        "entradas_densa": """
lado = 28
lado = tamanho_saida(lado, 3)
lado = tamanho_saida(lado, 2, 2)
lado = tamanho_saida(lado, 3, padding="same")
lado = tamanho_saida(lado, 2, 2)
lado = tamanho_saida(lado, 3, 2)
entradas_densa = int(lado**2 * 32)
""",
    },
    {  # math.floor e math.ceil, tudo explícito
        "tamanho_saida": """
def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if padding == "same":
        return math.ceil(n / strides)
    if padding == "valid":
        p = 0
    elif type(padding) is int:
        p = padding
    else:
        raise ValueError("padding desconhecido")
    k_ef = dilation_rate * (kernel_size - 1) + 1
    if k_ef > n + 2 * p:
        raise ValueError("kernel efetivo maior que a entrada")
    return math.floor((n + 2 * p - k_ef) / strides) + 1
""",
        "saida_valid_3x3": "def saida_valid_3x3(H, W):\n    altura = H - 3 + 1\n    largura = W - 3 + 1\n    return altura, largura",
        "saida_same_stride2": "def saida_same_stride2(H, W):\n    return math.ceil(H / 2), math.ceil(W / 2)",
        "padding_para_manter": "def padding_para_manter(kernel_size):\n    return int((kernel_size - 1) / 2)",
        "resposta_stride": 'resposta_stride = "D "',
        "entradas_densa": "entradas_densa = 128",
    },
]

EX02_MISCONCEPTIONS = [
    (
        "testes_tamanho_saida",
        "teto no lugar do piso",
        {"tamanho_saida": _size("math.ceil((n + 2 * padding - efetivo) / strides) + 1")},
    ),
    (
        "testes_tamanho_saida",
        "dilatação ignorada",
        {"tamanho_saida": _size("(n + 2 * padding - kernel_size) // strides + 1")},
    ),
    (
        "testes_tamanho_saida",
        "kernel dilatado como d·k",
        {"tamanho_saida": _size("(n + 2 * padding - dilation_rate * kernel_size) // strides + 1")},
    ),
    (
        "testes_tamanho_saida",
        "preenchimento de um lado só",
        {"tamanho_saida": _size("(n + padding - efetivo) // strides + 1")},
    ),
    (
        "testes_tamanho_saida",
        "+1 esquecido",
        {"tamanho_saida": _size("(n + 2 * padding - efetivo) // strides")},
    ),
    ("testes_tamanho_saida", "passo ignorado", {"tamanho_saida": _size("n + 2 * padding - efetivo + 1")}),
    (
        "testes_tamanho_saida",
        "divisão real",
        {"tamanho_saida": _size("(n + 2 * padding - efetivo) / strides + 1")},
    ),
    ("testes_tamanho_saida_same", '"same" mantém o tamanho com passo 2', {"tamanho_saida": _size(same="n")}),
    ("testes_tamanho_saida_same", "piso no lugar do teto", {"tamanho_saida": _size(same="n // strides")}),
    (
        "testes_tamanho_saida_same",
        '"same" como p = (k − 1)/2',
        {
            "tamanho_saida": _size(
                same="(n + 2 * ((kernel_size - 1) // 2) - dilation_rate * (kernel_size - 1) - 1) // strides + 1"
            )
        },
    ),
    (
        "testes_tamanho_saida_same",
        "não levanta ValueError",
        {
            "tamanho_saida": _size().replace(
                '        raise ValueError("padding inválido")\n', "        padding = 0\n"
            )
        },
    ),
    (
        "testes_saida_valid_3x3",
        '"valid" mantém o tamanho',
        {"saida_valid_3x3": "def saida_valid_3x3(H, W):\n    return (H, W)"},
    ),
    (
        "testes_saida_valid_3x3",
        "+1 esquecido",
        {"saida_valid_3x3": "def saida_valid_3x3(H, W):\n    return (H - 3, W - 3)"},
    ),
    (
        "testes_saida_valid_3x3",
        "encolhe só um pixel",
        {"saida_valid_3x3": "def saida_valid_3x3(H, W):\n    return (H - 1, W - 1)"},
    ),
    (
        "testes_saida_valid_3x3",
        "altura e largura trocadas",
        {"saida_valid_3x3": "def saida_valid_3x3(H, W):\n    return (W - 2, H - 2)"},
    ),
    (
        "testes_saida_same_stride2",
        '"same" mantém o tamanho com passo 2',
        {"saida_same_stride2": "def saida_same_stride2(H, W):\n    return (H, W)"},
    ),
    (
        "testes_saida_same_stride2",
        "piso no lugar do teto",
        {"saida_same_stride2": "def saida_same_stride2(H, W):\n    return (H // 2, W // 2)"},
    ),
    (
        "testes_saida_same_stride2",
        '"same" tratado como "valid"',
        {
            "saida_same_stride2": "def saida_same_stride2(H, W):\n    return ((H - 3) // 2 + 1, (W - 3) // 2 + 1)"
        },
    ),
    (
        "testes_padding_para_manter",
        "preenchimento total no lugar do por lado",
        {"padding_para_manter": "def padding_para_manter(kernel_size):\n    return kernel_size - 1"},
    ),
    (
        "testes_padding_para_manter",
        "arredondado para cima",
        {"padding_para_manter": "def padding_para_manter(kernel_size):\n    return (kernel_size + 1) // 2"},
    ),
    (
        "testes_entradas_densa",
        "pooling ignorado ao dimensionar a densa",
        {"entradas_densa": "entradas_densa = 12 * 12 * 32"},
    ),
    ("testes_entradas_densa", "canais esquecidos", {"entradas_densa": "entradas_densa = 2 * 2"}),
    ("testes_entradas_densa", "lado do mapa no lugar do achatado", {"entradas_densa": "entradas_densa = 2"}),
    ("testes_entradas_densa", "canais da camada errada", {"entradas_densa": "entradas_densa = 2 * 2 * 16"}),
    (
        "testes_entradas_densa",
        "passo da última convolução ignorado",
        {"entradas_densa": "entradas_densa = 4 * 4 * 32"},
    ),
    ("testes_entradas_densa", "teto no lugar do piso", {"entradas_densa": "entradas_densa = 3 * 3 * 32"}),
    (
        "testes_entradas_densa",
        "viés contado como entrada",
        {"entradas_densa": "entradas_densa = 2 * 2 * 32 + 1"},
    ),
    (
        "testes_resposta_stride",
        "passo confundido com dilatação",
        {"resposta_stride": 'resposta_stride = "B"'},
    ),
    (
        "testes_resposta_stride",
        "passo confundido com o número de filtros",
        {"resposta_stride": 'resposta_stride = "A"'},
    ),
]

# --- ex03: pooling e regularização

EX03_ALTERNATIVES = [
    {  # laços explícitos, float32
        "max_pool_2x2": """
def max_pool_2x2(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    saida = np.empty((h, w), dtype=np.float32)
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
    return np.array([[reduz(x[i : i + ph, j : j + pw]) for j in colunas] for i in linhas], dtype=np.float32)
""",
        "global_avg_pool": "def global_avg_pool(x):\n    return (x.sum(axis=(1, 2)) / (x.shape[1] * x.shape[2])).astype(np.float32)",
        "dropout_invertido": """
def dropout_invertido(x, rate, seed):
    if rate < 0 or rate >= 1:
        raise ValueError("rate deve estar em [0, 1)")
    mascara = np.random.default_rng(seed).binomial(1, 1 - rate, size=np.shape(x))
    return (mascara * np.asarray(x) / (1 - rate)).astype(np.float32)
""",
        "batch_norm_treino": """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    x = x.astype(np.float32)
    planos = x.reshape(-1, x.shape[-1])
    media = planos.mean(axis=0)
    desvio = np.sqrt(((planos - media) ** 2).mean(axis=0) + epsilon)
    return ((planos - media) / desvio * gamma + beta).reshape(x.shape).astype(np.float32)
""",
        "resposta_dropout": 'resposta_dropout = "c"',
    },
    {  # reshape e np.where, nomes diferentes
        "max_pool_2x2": """
def max_pool_2x2(mapa):
    H, W = mapa.shape
    recorte = mapa[: H - H % 2, : W - W % 2]
    return recorte.reshape(H // 2, 2, W // 2, 2).max(axis=3).max(axis=1)
""",
        "pool2d": """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    if mode != "max" and mode != "avg":
        raise ValueError("mode deve ser 'max' ou 'avg'")
    janela = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    passo = janela if strides is None else ((strides, strides) if isinstance(strides, int) else tuple(strides))
    saida_h = (x.shape[0] - janela[0]) // passo[0] + 1
    saida_w = (x.shape[1] - janela[1]) // passo[1] + 1
    saida = np.zeros((saida_h, saida_w))
    for i in range(saida_h):
        for j in range(saida_w):
            bloco = x[i * passo[0] : i * passo[0] + janela[0], j * passo[1] : j * passo[1] + janela[1]]
            saida[i, j] = bloco.max() if mode == "max" else bloco.mean()
    return saida
""",
        "global_avg_pool": "def global_avg_pool(x):\n    return np.mean(x, axis=(1, 2))",
        "dropout_invertido": """
def dropout_invertido(x, rate, seed):
    if not (0 <= rate < 1):
        raise ValueError(f"rate inválido: {rate}")
    gerador = np.random.default_rng(seed)
    manter = gerador.random(size=x.shape) < 1 - rate
    return np.where(manter, x / (1 - rate), 0)
""",
        "batch_norm_treino": """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    eixos = tuple(range(x.ndim - 1))
    mu = np.mean(x, axis=eixos, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=eixos, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + epsilon) + beta
""",
        "resposta_dropout": "resposta_dropout = 'C'",
    },
    {  # sliding_window_view com passos, uniform para a máscara
        "max_pool_2x2": """
def max_pool_2x2(x):
    janelas = np.lib.stride_tricks.sliding_window_view(x, (2, 2))[::2, ::2]
    return janelas.max(axis=(-2, -1))
""",
        "pool2d": """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    if mode not in {"max", "avg"}:
        raise ValueError("modo desconhecido")
    ph, pw = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    if strides is None:
        strides = (ph, pw)
    sh, sw = strides if isinstance(strides, tuple) else (strides, strides)
    janelas = np.lib.stride_tricks.sliding_window_view(x, (ph, pw))[::sh, ::sw]
    return np.max(janelas, axis=(2, 3)) if mode == "max" else np.mean(janelas, axis=(2, 3))
""",
        "global_avg_pool": "def global_avg_pool(x):\n    return np.einsum('nhwc->nc', x) / (x.shape[1] * x.shape[2])",
        "dropout_invertido": """
def dropout_invertido(x, rate, seed):
    if rate < 0 or rate >= 1:
        raise ValueError("rate fora de [0, 1)")
    sorteio = np.random.default_rng(seed).uniform(0, 1, np.shape(x))
    saida = np.zeros_like(x, dtype=float)
    mantidos = sorteio >= rate
    saida[mantidos] = x[mantidos] * (1 / (1 - rate))
    return saida
""",
        "batch_norm_treino": """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    eixos = tuple(range(len(x.shape) - 1))
    x_chapeu = (x - x.mean(axis=eixos)) / (x.var(axis=eixos) + epsilon) ** 0.5
    return x_chapeu * gamma + beta
""",
        "resposta_dropout": 'resposta_dropout = "C"',
    },
]

_BN = """
def batch_norm_treino(x, gamma, beta, epsilon=1e-3):
    eixos = {axes}
    media, variancia = x.mean(axis=eixos, keepdims=True), x.var(axis=eixos, keepdims=True{ddof})
    return {expr}
"""


def _bn(
    axes="tuple(range(x.ndim - 1))", ddof="", expr="gamma * (x - media) / np.sqrt(variancia + epsilon) + beta"
):
    return _BN.format(axes=axes, ddof=ddof, expr=expr)


_DROPOUT = """
def dropout_invertido(x, rate, seed):
    if not 0 <= rate < 1:
        raise ValueError("rate fora de [0, 1)")
    mantidos = {mask}
    return np.where(mantidos, {kept}, 0.0)
"""


def _dropout(mask="np.random.default_rng(seed).random(np.shape(x)) >= rate", kept="x / (1 - rate)") -> str:
    return _DROPOUT.format(mask=mask, kept=kept)


_MAX_FROM_ZERO = """
def max_pool_2x2(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    saida = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            maior = 0
            for valor in x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel():
                if valor > maior:
                    maior = valor
            saida[i, j] = maior
    return saida
"""

_POOL = """
def pool2d(x, pool_size=2, strides=None, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode inválido")
    ph, pw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    strides = {strides}
    sh, sw = (strides, strides) if np.isscalar(strides) else strides
    janelas = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), ({window}))[::sh, ::sw]
    return janelas.max(axis=(2, 3)) if mode == {max_name} else janelas.mean(axis=(2, 3))
"""


def _pool(strides="(ph, pw) if strides is None else strides", window="ph, pw", max_name='"max"') -> str:
    return _POOL.format(strides=strides, window=window, max_name=max_name)


EX03_MISCONCEPTIONS = [
    ("testes_max_pool_2x2", "max pooling que começa em 0", {"max_pool_2x2": _MAX_FROM_ZERO}),
    (
        "testes_max_pool_2x2",
        "média no lugar do máximo",
        {
            "max_pool_2x2": "def max_pool_2x2(x):\n    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2\n"
            "    return x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))"
        },
    ),
    (
        "testes_max_pool_2x2",
        "janelas sobrepostas (passo 1)",
        {
            "max_pool_2x2": "def max_pool_2x2(x):\n    return np.lib.stride_tricks.sliding_window_view(x, (2, 2)).max(axis=(2, 3))"
        },
    ),
    (
        "testes_max_pool_2x2",
        "tamanho ímpar arredondado para cima",
        {
            "max_pool_2x2": "def max_pool_2x2(x):\n    h, w = -(-x.shape[0] // 2), -(-x.shape[1] // 2)\n"
            "    return np.array([[x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max() for j in range(w)] for i in range(h)])"
        },
    ),
    ("testes_pool2d", "passo ignorado", {"pool2d": _pool(strides="(ph, pw)")}),
    (
        "testes_pool2d",
        "strides=None como passo 1",
        {"pool2d": _pool(strides="1 if strides is None else strides")},
    ),
    (
        "testes_pool2d",
        "janela (altura, largura) trocada",
        {
            "pool2d": _pool(window="pw, ph").replace(
                "if np.isscalar(strides) else strides", "if np.isscalar(strides) else strides[::-1]"
            )
        },
    ),
    ("testes_pool2d", '"max" e "avg" trocados', {"pool2d": _pool(max_name='"avg"')}),
    (
        "testes_pool2d",
        "não levanta ValueError",
        {
            "pool2d": _pool().replace(
                '    if mode not in ("max", "avg"):\n        raise ValueError("mode inválido")\n', ""
            )
        },
    ),
    (
        "testes_global_avg_pool",
        "média também sobre o lote",
        {"global_avg_pool": "def global_avg_pool(x):\n    return x.mean(axis=(0, 1, 2))"},
    ),
    (
        "testes_global_avg_pool",
        "pooling máximo global",
        {"global_avg_pool": "def global_avg_pool(x):\n    return x.max(axis=(1, 2))"},
    ),
    (
        "testes_global_avg_pool",
        "soma no lugar da média",
        {"global_avg_pool": "def global_avg_pool(x):\n    return x.sum(axis=(1, 2))"},
    ),
    (
        "testes_global_avg_pool",
        "shape com eixos de tamanho 1",
        {"global_avg_pool": "def global_avg_pool(x):\n    return x.mean(axis=(1, 2), keepdims=True)"},
    ),
    ("testes_dropout_invertido", "dropout não invertido", {"dropout_invertido": _dropout(kept="x")}),
    (
        "testes_dropout_invertido",
        "multiplica por (1 − rate)",
        {"dropout_invertido": _dropout(kept="x * (1 - rate)")},
    ),
    (
        "testes_dropout_invertido",
        "rate como probabilidade de manter",
        {"dropout_invertido": _dropout(mask="np.random.default_rng(seed).random(np.shape(x)) < rate")},
    ),
    (
        "testes_dropout_invertido",
        "semente ignorada",
        {"dropout_invertido": _dropout(mask="np.random.default_rng().random(np.shape(x)) >= rate")},
    ),
    (
        "testes_dropout_invertido",
        "altera a entrada",
        {
            "dropout_invertido": _dropout().replace(
                "    return np.where(mantidos, x / (1 - rate), 0.0)",
                "    x[~mantidos] = 0\n    x /= 1 - rate\n    return x",
            )
        },
    ),
    (
        "testes_dropout_invertido",
        "não levanta ValueError",
        {
            "dropout_invertido": _dropout().replace(
                '    if not 0 <= rate < 1:\n        raise ValueError("rate fora de [0, 1)")\n', ""
            )
        },
    ),
    (
        "testes_resposta_dropout",
        "dropout ativo na inferência",
        {"resposta_dropout": 'resposta_dropout = "A"'},
    ),
    (
        "testes_resposta_dropout",
        "dropout não invertido na inferência",
        {"resposta_dropout": 'resposta_dropout = "B"'},
    ),
    ("testes_batch_norm_treino", "estatísticas só no eixo do lote", {"batch_norm_treino": _bn(axes="0")}),
    ("testes_batch_norm_treino", "estatísticas no eixo dos canais", {"batch_norm_treino": _bn(axes="-1")}),
    ("testes_batch_norm_treino", "variância com divisor n − 1", {"batch_norm_treino": _bn(ddof=", ddof=1")}),
    (
        "testes_batch_norm_treino",
        "ε fora da raiz",
        {"batch_norm_treino": _bn(expr="gamma * (x - media) / (np.sqrt(variancia) + epsilon) + beta")},
    ),
    (
        "testes_batch_norm_treino",
        "γ e β esquecidos",
        {"batch_norm_treino": _bn(expr="(x - media) / np.sqrt(variancia + epsilon)")},
    ),
    (
        "testes_batch_norm_treino",
        "divide pela variância",
        {"batch_norm_treino": _bn(expr="gamma * (x - media) / (variancia + epsilon) + beta")},
    ),
]

ALTERNATIVES = {
    "ex01_convolucao": EX01_ALTERNATIVES,
    "ex02_dimensoes": EX02_ALTERNATIVES,
    "ex03_pooling_regularizacao": EX03_ALTERNATIVES,
}
MISCONCEPTIONS = {
    "ex01_convolucao": EX01_MISCONCEPTIONS,
    "ex02_dimensoes": EX02_MISCONCEPTIONS,
    "ex03_pooling_regularizacao": EX03_MISCONCEPTIONS,
}
