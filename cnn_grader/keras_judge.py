"""Juiz dos modelos Keras das tarefas: o modelo do aluno é julgado fora do kernel dele.

O kernel do aluno só salva o modelo (``respostas/<nome>.keras``, por ``cnn_lib.grading.collect``). Aqui, no
processo do corretor, o arquivo passa por três barreiras antes de qualquer número ser calculado:

1. :func:`inspect_archive` lê o ``config.json`` do arquivo (JSON puro, sem carregar nada) e recusa o que não
   é do próprio Keras: ``Lambda``, camadas que embrulham código (``TFSMLayer``, ``TorchModuleWrapper``...),
   funções e classes de fora dos módulos ``keras.*``.
2. :func:`judge_folder` carrega os modelos num processo novo (``python -m cnn_grader.keras_judge``) dentro do
   bubblewrap (sem rede, sistema de arquivos somente leitura, ``/tmp`` vazio) e com limites de memória e de
   CPU (``prlimit``), com ``keras.models.load_model(..., safe_mode=True, compile=False)``.
3. Esse processo só mede: forma da entrada e da saída, camadas, comportamento comparado com modelos de
   referência construídos aqui (com os mesmos pesos) e a acurácia num conjunto reservado de dígitos, sempre
   com ``training=False``. O resultado é um dicionário de fatos; os vereditos ficam em ``cnn_grader.items``.

O conjunto reservado: :data:`HOLDOUT_SIZE` dígitos do scikit-learn, sorteados (estratificados) pela semente
:data:`HOLDOUT_SEED`. O notebook do ex05 os separa e descarta ao carregar os dados; na correção, o kernel nem
os vê: :func:`digits_replacement` dá ao ``SandboxKernelManager.replace_files`` uma cópia do arquivo de dígitos
do scikit-learn com os pixels dessas imagens zerados (os rótulos ficam, para a separação ser a mesma).
Limite conhecido: os dígitos do scikit-learn são públicos; quem treina em casa com todos eles e cola os pesos
no notebook (por exemplo, em base64) não é descoberto por este juiz.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np

HOLDOUT_SIZE = 300
HOLDOUT_SEED = 2026

# Maior arquivo .keras aceito e maior config.json (os modelos do curso têm algumas centenas de KiB).
MAX_MODEL_BYTES = 64 * 2**20
MAX_CONFIG_BYTES = 2 * 2**20
ARCHIVE_MEMBERS = {"metadata.json", "config.json", "model.weights.h5"}

# Os módulos de onde um objeto do config.json pode vir: camadas, operações, modelos, inicializadores...
ALLOWED_MODULES = (
    "keras",
    "keras.layers",
    "keras.src.layers",
    "keras.models",
    "keras.src.models",
    "keras.ops",
    "keras.src.ops",
    "keras.activations",
    "keras.src.activations",
    "keras.initializers",
    "keras.src.initializers",
    "keras.regularizers",
    "keras.src.regularizers",
    "keras.constraints",
    "keras.src.constraints",
    "keras.optimizers",
    "keras.src.optimizers",
    "keras.losses",
    "keras.src.losses",
    "keras.metrics",
    "keras.src.metrics",
    "keras.src.dtype_policies",
)
# Classes que rodam código arbitrário ou carregam outro modelo de fora.
FORBIDDEN_CLASSES = ("Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "function")

# O processo do juiz: memória (o TensorFlow pede ~2,4 GiB de espaço de endereçamento), CPU e relógio.
JUDGE_MEMORY = 4 * 2**30
JUDGE_CPU_SECONDS = 120
JUDGE_TIMEOUT = 240
_RESULT_MARK = "@@cnn-juiz@@"
_READY_MARK = "@@cnn-juiz-pronto@@"


class ModelRefused(ValueError):
    """O arquivo do modelo não pode ser julgado; a mensagem, em português, diz por quê."""


# --------------------------------------------------------------------------------------------------------
# Dígitos: o conjunto reservado e a cópia sem ele para o kernel
# --------------------------------------------------------------------------------------------------------


def holdout_indices() -> np.ndarray:
    """Índices (no arquivo do scikit-learn) dos dígitos reservados para a correção.

    São os mesmos que ``cnn_lib.data.load_digits(test_size=HOLDOUT_SIZE, seed=HOLDOUT_SEED)`` põe no teste.

    Examples
    --------
    >>> indices = holdout_indices()
    >>> len(indices) == HOLDOUT_SIZE, len(set(indices.tolist())) == HOLDOUT_SIZE
    (True, True)
    """
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    target = datasets.load_digits().target
    _, test = train_test_split(
        np.arange(len(target)), test_size=HOLDOUT_SIZE, random_state=HOLDOUT_SEED, stratify=target
    )
    return np.sort(test)


def holdout_digits():
    """As imagens ``(300, 8, 8, 1)`` em [0, 1] e os rótulos do conjunto reservado (só no processo do juiz)."""
    from cnn_lib import data

    return data.load_digits(test_size=HOLDOUT_SIZE, seed=HOLDOUT_SEED)[1]


def sklearn_digits_file() -> Path:
    """O arquivo ``digits.csv.gz`` instalado com o scikit-learn."""
    from importlib import resources

    return Path(str(resources.files("sklearn.datasets.data") / "digits.csv.gz"))


def write_public_digits(folder) -> Path:
    """Escreve em ``folder/digits.csv.gz`` o arquivo de dígitos com os pixels do conjunto reservado zerados.

    Os rótulos continuam no arquivo: a separação estratificada do notebook dá as mesmas imagens de treino e
    de teste com o arquivo original ou com esta cópia. A escrita é atômica (vários corretores podem
    chamá-la ao mesmo tempo).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(sklearn_digits_file(), "rt", encoding="utf-8") as source:
        rows = np.loadtxt(source, delimiter=",")
    rows[holdout_indices(), :-1] = 0
    text = "\n".join(",".join(str(int(v)) for v in row) for row in rows) + "\n"
    target = folder / "digits.csv.gz"
    descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(descriptor, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


def digits_replacement(folder=None) -> dict[str, str]:
    """O valor de ``c.SandboxKernelManager.replace_files`` para esconder o conjunto reservado do kernel.

    Parameters
    ----------
    folder : caminho, opcional
        Onde escrever a cópia (padrão: ``<tmp>/cnn_grader-<uid>``).

    Returns
    -------
    dict
        ``{arquivo de dígitos do scikit-learn: cópia sem as imagens reservadas}``.
    """
    folder = Path(folder or Path(tempfile.gettempdir()) / f"cnn_grader-{os.getuid()}")
    written = _WRITTEN.get(folder)
    if written is None or not written.exists():  # uma vez por processo do corretor (e pasta)
        written = _WRITTEN[folder] = write_public_digits(folder)
    return {str(sklearn_digits_file()): str(written)}


_WRITTEN: dict[Path, Path] = {}


# --------------------------------------------------------------------------------------------------------
# Barreira 1: o config.json, lido como JSON
# --------------------------------------------------------------------------------------------------------


def _module_allowed(module) -> bool:
    return module is None or any(module == m or module.startswith(m + ".") for m in ALLOWED_MODULES)


def _walk(node, found: list) -> None:
    """Junta os objetos serializados (dicionários com ``class_name``) de um config do Keras."""
    if isinstance(node, dict):
        if "class_name" in node:
            found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def inspect_archive(path) -> dict:
    """Lê o ``config.json`` de um arquivo ``.keras`` e recusa o que não é do próprio Keras.

    Parameters
    ----------
    path : caminho
        O arquivo ``.keras`` salvo pelo kernel do aluno.

    Returns
    -------
    dict
        O config do modelo (como o Keras o salvou).

    Raises
    ------
    ModelRefused
        Arquivo ausente, grande demais, que não é um ``.keras``, ou com camada ou função fora do Keras.
    """
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        raise ModelRefused("o arquivo do modelo não foi encontrado entre as respostas registradas.")
    if path.stat().st_size > MAX_MODEL_BYTES:
        raise ModelRefused(f"o arquivo do modelo tem mais de {MAX_MODEL_BYTES // 2**20} MiB.")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if not names <= ARCHIVE_MEMBERS or "config.json" not in names:
                raise ModelRefused("o arquivo do modelo não tem o formato .keras salvo por modelo.save(...).")
            if sum(info.file_size for info in infos) > 2 * MAX_MODEL_BYTES:
                raise ModelRefused("o arquivo do modelo é grande demais depois de descompactado.")
            info = archive.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise ModelRefused("a descrição (config.json) do modelo é grande demais.")
            config = json.loads(archive.read(info).decode("utf-8"))
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, KeyError) as error:
        raise ModelRefused("o arquivo do modelo não pôde ser lido como um .keras.") from error
    objects: list = []
    _walk(config, objects)
    for obj in objects:
        name = str(obj.get("class_name"))
        if name in FORBIDDEN_CLASSES or "lambda" in name.lower():
            raise ModelRefused(
                f"o modelo usa {name}, que roda código próprio: use só camadas e ativações padrão do Keras "
                "(sem Lambda nem camadas ou funções próprias)."
            )
        if not _module_allowed(obj.get("module")):
            raise ModelRefused(
                f"o modelo usa {name}, de {obj.get('module')!r}, fora do Keras: use só camadas e ativações "
                "padrão do Keras (sem camadas ou funções próprias)."
            )
    return config


def compile_summary(config: dict) -> dict | None:
    """A perda do modelo compilado, lida do config (None se ele não foi compilado)."""
    compiled = config.get("compile_config")
    if not isinstance(compiled, dict) or "loss" not in compiled:
        return None
    loss = compiled.get("loss")
    from_logits = False
    if isinstance(loss, dict):
        from_logits = bool((loss.get("config") or {}).get("from_logits", False))
        loss = loss.get("class_name")
    if isinstance(loss, str):
        loss = "".join(ch for ch in loss.lower() if ch.isalpha())
    return {"loss": loss, "from_logits": from_logits}


def training_flags(config: dict) -> list[list[str]]:
    """``[nome, classe]`` das camadas com ``training=True`` fixo no grafo salvo (ativas na inferência)."""
    active = []
    for layer in (config.get("config") or {}).get("layers") or []:
        for node in layer.get("inbound_nodes") or []:
            if isinstance(node, dict) and (node.get("kwargs") or {}).get("training") is True:
                active.append([str(layer.get("name")), str(layer.get("class_name"))])
    return active


# --------------------------------------------------------------------------------------------------------
# Barreira 2: o processo do juiz (caixa de areia)
# --------------------------------------------------------------------------------------------------------


def _hidden_roots() -> list[str]:
    """O ambiente Python e os pacotes do curso que os tmpfs de ``/tmp`` e ``/dev/shm`` esconderiam.

    Um clone do curso ou um ambiente dentro de ``/tmp`` (comum num CI) precisa continuar visível ao juiz; só
    as pastas dos pacotes entram, não o clone inteiro (soluções e gradebook continuam fora).
    """
    import cnn_lib

    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parent, Path(cnn_lib.__file__).parent}
    resolved = sorted({root.resolve() for root in roots})
    return [str(root) for root in resolved if root.is_relative_to("/tmp") or root.is_relative_to("/dev/shm")]


def _sandbox_prefix(folder: Path) -> list[str]:
    """bubblewrap (sem rede, / somente leitura, /tmp vazio, as respostas em /tmp/respostas) e prlimit."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise RuntimeError(
            "O juiz dos modelos precisa do bubblewrap para carregar os modelos dos alunos isolados: "
            "instale-o com `apt-get install -y bubblewrap` (configuração do instrutor, não erro do aluno)."
        )
    return [
        bwrap,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
        "--tmpfs", "/dev/shm",
        *(argument for root in _hidden_roots() for argument in ("--ro-bind", root, root)),
        "--ro-bind", str(folder), "/tmp/respostas",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--chdir", "/tmp",
        "prlimit", f"--as={JUDGE_MEMORY}", f"--cpu={JUDGE_CPU_SECONDS}", "--nproc=512", "--",
    ]  # fmt: skip


def run_judge(folder, requests: dict[str, str]) -> dict:
    """Julga ``{nome do arquivo em folder: análise}`` num só processo isolado; devolve os fatos por arquivo.

    Os arquivos são conferidos por :func:`inspect_archive` antes; um recusado vira ``{"recusado": motivo}``.
    """
    folder = Path(folder).resolve()
    facts: dict = {}
    accepted = {}
    for name, analysis in requests.items():
        try:
            config = inspect_archive(folder / name)
        except ModelRefused as error:
            facts[name] = {"recusado": str(error)}
            continue
        accepted[name] = analysis
        facts[name] = {"compilado": compile_summary(config), "training_fixo": training_flags(config)}
    if not accepted:
        return facts
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "KERAS_BACKEND": "tensorflow",
        "HOME": "/tmp",
        "MPLBACKEND": "Agg",
        "CUDA_VISIBLE_DEVICES": "",
    }
    command = [*_sandbox_prefix(folder), sys.executable, "-m", "cnn_grader.keras_judge"]
    request = json.dumps({name: [f"/tmp/respostas/{name}", analysis] for name, analysis in accepted.items()})
    try:
        result = subprocess.run(
            command,
            input=request,
            capture_output=True,
            text=True,
            env=environment,
            timeout=JUDGE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        result = None
    output = "" if result is None else result.stdout
    if result is not None and _READY_MARK not in output:
        # O juiz nem chegou a abrir os modelos: é a instalação de quem corrige, não a entrega.
        raise RuntimeError(
            "O juiz dos modelos não iniciou (configuração do instrutor, não erro do aluno): "
            + (result.stderr.strip()[-1500:] or f"código de saída {result.returncode}")
        )
    lines = [line for line in output.splitlines() if line.startswith(_RESULT_MARK)]
    if not lines:
        detail = "tempo esgotado" if result is None else "o processo do juiz terminou ao carregá-los"
        for name in accepted:
            facts[name] = {"recusado": f"o modelo não pôde ser julgado ({detail}: memória ou tempo demais?)."}
        return facts
    for name, found in json.loads(lines[-1][len(_RESULT_MARK) :]).items():
        facts[name] = {**facts[name], **found}
    return facts


_CACHE: dict = {}


def judge_folder(folder, requests: dict[str, str]) -> dict:
    """Como :func:`run_judge`, com cache: as células de uma mesma entrega compartilham um só processo.

    ``requests`` lista todos os modelos da tarefa (por nome de arquivo); os ausentes ficam de fora.
    """
    folder = Path(folder)
    present = {name: analysis for name, analysis in requests.items() if (folder / name).exists()}
    stamp = tuple(
        sorted((name, (folder / name).stat().st_size, (folder / name).stat().st_mtime_ns) for name in present)
    )
    key = (str(folder.resolve()), stamp, tuple(sorted(present.items())))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = run_judge(folder, present)
    return _CACHE[key]


def judged(payloads: dict, context, item: str, requests: dict[str, str]) -> tuple[dict | None, str | None]:
    """Os fatos do modelo registrado para ``item`` (julgado com os demais da tarefa) ou o motivo de não haver.

    Parameters
    ----------
    payloads : dict
        As respostas registradas na célula (``{item: payload}``).
    context : cnn_grader.items.Context
        Traz ``respostas_dir``, a cópia da pasta ``respostas/`` da entrega.
    item : str
        ``"<tarefa>/<nome>"``; o modelo é ``<nome>.keras``.
    requests : dict
        Todos os modelos da tarefa, ``{arquivo: análise}`` (um só processo julga todos).

    Returns
    -------
    (dict ou None, str ou None)
    """
    name = item.split("/", 1)[1]
    payload = payloads.get(item)
    if payload is None:
        return None, (
            f"o modelo ({name}) não foi registrado: o código desta célula parou antes de registrá-lo "
            "(rode a célula no seu notebook para ver o erro)."
        )
    if payload.get("tipo") != "modelo" or not isinstance(payload.get("valor"), str):
        return None, f"a resposta registrada para {name} não é um modelo Keras."
    filename = f"{name}.keras"
    if PurePosixPath(payload["valor"]).name != filename or context.respostas_dir is None:
        return None, f"o arquivo do modelo ({filename}) não chegou à correção."
    facts = judge_folder(context.respostas_dir, requests).get(filename)
    if facts is None:
        return None, f"o arquivo do modelo ({filename}) não chegou à correção."
    if "recusado" in facts:
        return None, facts["recusado"]
    return facts, None


def refused_verdict(problem: str, who: str):
    """O veredito (zero) de um modelo que não pôde ser julgado; nomeia o erro quando é código próprio."""
    from cnn_grader.items import Verdict

    own_code = "código próprio" in problem or "fora do Keras" in problem
    return Verdict(0.0, f"{who}: {problem}", "modelo com código próprio (Lambda)" if own_code else None)


# --------------------------------------------------------------------------------------------------------
# Barreira 3: dentro do processo do juiz (só código do instrutor; o modelo é só dados)
# --------------------------------------------------------------------------------------------------------


def _weighted(model) -> list:
    """As camadas com pesos, na ordem do grafo (a das chamadas)."""
    import keras

    return [
        layer
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if layer.weights and not isinstance(layer, keras.Model)
    ]


def _shapes(layers) -> list:
    return [[list(w.shape) for w in layer.get_weights()] for layer in layers]


def _predict(model, x) -> np.ndarray:
    return np.asarray(model(x, training=False), dtype=np.float64)


def _randomize(layers, rng) -> list:
    """Pesos aleatórios (com a forma dos de ``layers``): núcleos e vieses não nulos, BN não trivial."""
    weights = []
    for layer in layers:
        kind = type(layer).__name__
        values = []
        for variable in layer.weights:
            shape = tuple(variable.shape)
            if kind == "BatchNormalization" and "variance" in variable.path:
                values.append(rng.uniform(0.5, 2.0, shape))
            elif kind == "BatchNormalization" and "gamma" in variable.path:
                values.append(rng.uniform(0.5, 1.5, shape))
            else:
                values.append(rng.normal(0.0, 0.4, shape))
        weights.append(values)
    return weights


def _transfer(model, layers_weights) -> None:
    for layer, values in zip(_weighted(model), layers_weights, strict=True):
        layer.set_weights([v.astype("float32") for v in values])


def _matches(student, candidates: dict, x) -> list[str]:
    """Nomes dos candidatos (modelos de referência) que calculam o mesmo que o aluno com os mesmos pesos.

    Os pesos do aluno são trocados por pesos aleatórios com as mesmas formas e copiados, camada a camada, em
    cada candidato de mesmas formas.
    """
    rng = np.random.default_rng(7)
    weights = _randomize(_weighted(student), rng)
    _transfer(student, weights)
    expected = _predict(student, x)
    found = []
    for name, candidate in candidates.items():
        if _shapes(_weighted(candidate)) != _shapes(_weighted(student)):
            continue
        _transfer(candidate, weights)
        output = _predict(candidate, x)
        if output.shape == expected.shape and np.allclose(output, expected, rtol=1e-4, atol=1e-5):
            found.append(name)
    return found


def _layer_words(model) -> list[dict]:
    """Um resumo legível das camadas: tipo, nome e, se houver, ativação, filtros, unidades e padding."""
    summary = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        entry = {"tipo": type(layer).__name__, "nome": layer.name}
        activation = getattr(layer, "activation", None)
        if activation is not None:
            entry["ativacao"] = getattr(activation, "__name__", str(activation))
        for attribute in ("filters", "units", "padding", "rate", "pool_size", "strides"):
            value = getattr(layer, attribute, None)
            if value is not None:
                entry[attribute] = list(value) if isinstance(value, tuple) else value
        summary.append(entry)
    return summary


def _common(model) -> dict:
    return {
        "entrada": list(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None,
        "saida": list(model.output_shape[1:]) if not isinstance(model.output_shape, list) else None,
        "parametros": int(model.count_params()),
        "camadas": _layer_words(model),
        "formas_pesos": _shapes(_weighted(model)),
    }


LENET_POOLING = ("media", "maximo")


def _lenet_variant(hidden: str, pooling: str, output: str):
    import keras
    from keras import layers

    pool = layers.AveragePooling2D if pooling == "media" else layers.MaxPooling2D
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 5, activation=hidden),
            pool(2),
            layers.Conv2D(16, 5, activation=hidden),
            pool(2),
            layers.Flatten(),
            layers.Dense(120, activation=hidden),
            layers.Dense(84, activation=hidden),
            layers.Dense(10, activation=output),
        ]
    )


def analyze_lenet5(model) -> dict:
    """Fatos da LeNet-5 do aluno: formas, camadas e qual variante (certa ou errada) ela calcula."""
    facts = _common(model)
    if facts["entrada"] != [32, 32, 1] or facts["saida"] != [10]:
        return facts
    variants = [
        (h, p, o)
        for h in ("tanh", "relu", "sigmoid", "linear")
        for p in LENET_POOLING
        for o in ("softmax", "linear")
    ]
    variants += [("tanh", "media", "sigmoid"), ("tanh", "media", "tanh")]
    candidates = {"/".join(variant): _lenet_variant(*variant) for variant in variants}
    x = np.random.default_rng(11).uniform(size=(6, 32, 32, 1)).astype("float32")
    facts["variantes"] = _matches(model, candidates, x)
    return facts


def _block_variant(shape, bias, bn, mid_relu, relu_before_sum, shortcut, relu_after_sum, epsilons):
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(shape))
    y = inputs
    for index in (0, 1):
        y = layers.Conv2D(shape[-1], 3, padding="same", use_bias=bias[index])(y)
        if bn[index]:
            y = layers.BatchNormalization(epsilon=epsilons[index])(y)
        if index == 0 and mid_relu:
            y = layers.ReLU()(y)
    if relu_before_sum:
        y = layers.ReLU()(y)
    if shortcut:
        y = layers.Add()([y, inputs])
    if relu_after_sum:
        y = layers.ReLU()(y)
    return keras.Model(inputs, y)


def analyze_residual_block(model) -> dict:
    """Fatos do bloco residual: camadas e qual variante (certa ou errada) ele calcula com pesos aleatórios."""
    facts = _common(model)
    layers = _weighted(model)
    kinds = [type(layer).__name__ for layer in layers]
    facts["tipos_com_pesos"] = kinds
    if facts["entrada"] is None or facts["saida"] != facts["entrada"] or kinds.count("Conv2D") != 2:
        return facts
    if set(kinds) - {"Conv2D", "BatchNormalization"}:
        return facts
    convs = [i for i, kind in enumerate(kinds) if kind == "Conv2D"]
    bias = tuple(len(layers[i].weights) == 2 for i in convs)
    bn = (
        kinds[convs[0] + 1 : convs[1]].count("BatchNormalization") == 1,
        kinds[convs[1] + 1 :] == ["BatchNormalization"],
    )
    if kinds[: convs[0]] or sum(bn) != kinds.count("BatchNormalization"):
        return facts
    norms = iter(layer.epsilon for layer in layers if kinds[layers.index(layer)] == "BatchNormalization")
    epsilons = tuple(next(norms) if present else 1e-3 for present in bn)
    candidates = {}
    for mid in (True, False):
        for before in (False, True):
            for shortcut in (True, False):
                for after in (True, False):
                    name = f"meio={int(mid)}/antes={int(before)}/atalho={int(shortcut)}/depois={int(after)}"
                    candidates[name] = _block_variant(
                        facts["entrada"], bias, bn, mid, before, shortcut, after, epsilons
                    )
    x = np.random.default_rng(13).normal(size=(3, *facts["entrada"])).astype("float32")
    facts["batchnorm"] = list(bn)
    facts["variantes"] = _matches(model, candidates, x)
    return facts


def _is_distribution(output: np.ndarray) -> bool:
    return bool(np.all(output >= -1e-6) and np.allclose(output.sum(axis=1), 1.0, atol=1e-4))


def analyze_digits_model(model, evaluate: bool = False) -> dict:
    """Fatos de um modelo para os dígitos 8×8: formas, Conv2D, parâmetros, softmax, determinismo, acurácia.

    Com ``evaluate``, mede a acurácia no conjunto reservado (``training=False``) duas vezes: se as duas
    previsões diferem, alguma camada aleatória (dropout) continua ativa na inferência.
    """
    facts = _common(model)
    facts["tem_conv2d"] = any(entry["tipo"] == "Conv2D" for entry in facts["camadas"])
    if facts["entrada"] != [8, 8, 1] or facts["saida"] != [10]:
        return facts
    x, y = holdout_digits() if evaluate else (np.random.default_rng(17).uniform(size=(64, 8, 8, 1)), None)
    x = np.asarray(x, dtype="float32")
    first, second = _predict(model, x), _predict(model, x)
    facts["deterministico"] = bool(np.array_equal(first, second))
    facts["distribuicao"] = _is_distribution(first)
    if evaluate:
        facts["acuracia_reservado"] = float(np.mean(np.argmax(first, axis=1) == y))
        facts["n_reservado"] = len(y)
    return facts


ANALYSES = {
    "lenet5": analyze_lenet5,
    "bloco_residual": analyze_residual_block,
    "modelo_digitos": analyze_digits_model,
    "modelo_treinado": lambda model: analyze_digits_model(model, evaluate=True),
}


def _judge_one(path: str, analysis: str) -> dict:
    import keras

    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # o arquivo é do aluno: qualquer falha de carga é um motivo de recusa
        return {"recusado": f"o Keras não conseguiu carregar o modelo salvo ({type(error).__name__})."}
    try:
        return ANALYSES[analysis](model)
    except Exception as error:
        return {"recusado": f"o modelo não pôde ser avaliado ({type(error).__name__}: {str(error)[:200]})."}


def main() -> None:
    """Ponto de entrada do processo do juiz: lê ``{nome: [caminho, análise]}`` da entrada padrão."""
    import warnings

    warnings.simplefilter("ignore")
    import keras  # noqa: F401  (importado antes de qualquer arquivo do aluno: falhar aqui é da instalação)

    print(_READY_MARK, flush=True)
    request = json.loads(sys.stdin.read())
    results = {name: _judge_one(path, analysis) for name, (path, analysis) in request.items()}
    print(_RESULT_MARK + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
