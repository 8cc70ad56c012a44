"""Conjuntos de dados do curso, com um caminho que funciona sem internet.

Os dígitos 8×8 e as imagens de exemplo vêm dentro do scikit-learn: funcionam offline, em qualquer máquina.
O MNIST e o CIFAR-10 vêm de ``keras.datasets``, que os baixa na primeira vez e depois os lê do cache
(``~/.keras/datasets``); sem rede e sem cache, :func:`load_mnist` e :func:`load_cifar10` levantam
:class:`DatasetUnavailableError`, que explica como trocar para :func:`load_digits`, e :func:`load_dataset`
faz essa troca sozinho, com um aviso.

Todas as imagens saem em ``float32`` no intervalo [0, 1], no formato NHWC; os rótulos são inteiros.
Este módulo só importa NumPy e scikit-learn; o Keras é importado dentro das funções que o usam.
"""

import os
import warnings

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

from cnn_lib._validation import check_int, is_int, received

__all__ = [
    "DatasetUnavailableError",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "sample_image",
    "select_classes",
]

# Pesos de luminância (ITU-R BT.601) para converter RGB em tons de cinza.
_LUMINANCE = np.array([0.299, 0.587, 0.114], dtype=np.float32)

_SAMPLE_IMAGES = {"china": "china.jpg", "flower": "flower.jpg"}

# Nome do arquivo que keras.datasets guarda no cache (em <KERAS_HOME>/datasets) para cada conjunto.
_KERAS_CACHE_FILES = {"mnist": "mnist.npz", "cifar10": "cifar-10-batches-py-target_archive"}

_DATASET_NAMES = ("digits", "mnist", "cifar10")
_DISPLAY_NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}


class DatasetUnavailableError(ConnectionError):
    """O MNIST ou o CIFAR-10 não pôde ser obtido: sem rede (ou download proibido) e sem cópia no cache."""


def load_digits(test_size=0.25, seed: int = 0, *, upscale: int = 1):
    """Os 1 797 dígitos manuscritos 8×8 do scikit-learn, separados em treino e teste (funciona offline).

    Os pixels (0 a 16 no original) são divididos por 16. A separação é estratificada (cada dígito aparece na
    mesma proporção no treino e no teste) e reproduzível pela semente.

    Parameters
    ----------
    test_size : float em (0, 1) ou int, padrão 0.25
        Fração (ou número) de imagens do teste.
    seed : int, padrão 0
        Semente do sorteio da separação.
    upscale : int, padrão 1
        Fator inteiro de ampliação: cada pixel vira um bloco ``upscale × upscale`` (8×8 vira 32×32 com 4, a
        entrada da LeNet-5).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Imagens ``float32`` em [0, 1] com forma ``(N, 8·upscale, 8·upscale, 1)`` e rótulos inteiros de 0 a 9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_test.shape, x_train.dtype
    ((1347, 8, 8, 1), (450, 8, 8, 1), dtype('float32'))
    >>> float(x_train.min()), float(x_train.max())
    (0.0, 1.0)
    >>> load_digits(upscale=4)[0][0].shape
    (1347, 32, 32, 1)
    """
    seed = check_int(seed, "seed", minimum=0)
    upscale = check_int(upscale, "upscale")
    digits = datasets.load_digits()
    if is_int(test_size):
        test_size = check_int(test_size, "test_size")
        valid = test_size < len(digits.target)
    else:
        valid = isinstance(test_size, float) and 0 < test_size < 1
    if not valid:
        raise ValueError(
            f"test_size deve ser uma fração em (0, 1) ou um número inteiro de imagens menor que "
            f"{len(digits.target)}; recebido: {received(test_size)}"
        )
    images = (digits.images / 16.0).astype(np.float32)
    images = images.repeat(upscale, axis=1).repeat(upscale, axis=2)[..., np.newaxis]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=test_size, random_state=seed, stratify=digits.target
    )
    return (x_train, y_train), (x_test, y_test)


def select_classes(x, y, classes, *, per_class: int | None = None, seed: int = 0):
    """Só as imagens de algumas classes, com os rótulos renumerados 0, 1, 2, ... na ordem de ``classes``.

    Serve para montar tarefas novas a partir de um conjunto rotulado, como no aprendizado por transferência:
    pré-treinar nos dígitos 0 a 4 e ajustar nos dígitos 5 a 9 (que viram as classes 0 a 4 da tarefa nova).
    Com ``per_class``, sorteia (sem reposição, pela ``seed``) só esse número de exemplos de cada classe, para
    simular poucos dados. A ordem original das imagens escolhidas é mantida.

    Parameters
    ----------
    x : array (N, ...)
        Imagens (ou quaisquer exemplos), um por linha.
    y : array (N,) de int
        Rótulos.
    classes : sequência de int
        Classes a manter, sem repetição; a classe ``classes[i]`` vira o rótulo ``i``.
    per_class : int, opcional
        Exemplos sorteados de cada classe; ``None`` mantém todos.
    seed : int, padrão 0
        Semente do sorteio (só usada com ``per_class``).

    Returns
    -------
    (x_sel, y_sel)
        As imagens escolhidas e os rótulos novos, inteiros de 0 a ``len(classes) - 1``.

    Examples
    --------
    >>> (x_train, y_train), _ = load_digits()
    >>> x_alvo, y_alvo = select_classes(x_train, y_train, [5, 6, 7, 8, 9], per_class=3)
    >>> x_alvo.shape, y_alvo.tolist()
    ((15, 8, 8, 1), [1, 1, 1, 4, 0, 3, 2, 0, 3, 3, 4, 2, 4, 0, 2])
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"y deve ser um vetor de rótulos inteiros; recebido: {received(y)} (dtype {y.dtype})")
    if x.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"x e y devem ter o mesmo número de exemplos; recebido: {received(x)} e {len(y)} rótulos"
        )
    seed = check_int(seed, "seed", minimum=0)
    if isinstance(classes, str | bytes) or not hasattr(classes, "__len__") or len(classes) == 0:
        raise TypeError(
            f"classes deve ser uma lista não vazia de rótulos inteiros; recebido: {received(classes)}"
        )
    if not all(is_int(c) for c in classes) or len(set(classes)) != len(classes):
        raise ValueError(f"classes deve ter rótulos inteiros sem repetição; recebido: {received(classes)}")
    counts = {int(c): int(np.count_nonzero(y == c)) for c in classes}
    missing = [c for c, count in counts.items() if count == 0]
    if missing:
        raise ValueError(
            f"classes: os rótulos {missing} não aparecem em y; rótulos de y: {np.unique(y).tolist()}"
        )
    if per_class is not None:
        per_class = check_int(per_class, "per_class")
        if per_class > min(counts.values()):
            raise ValueError(
                f"per_class deve ser no máximo {min(counts.values())} (exemplos da classe com menos "
                f"exemplos); recebido: {per_class}"
            )
    rng = np.random.default_rng(seed)
    chosen = []
    for c in classes:
        indices = np.flatnonzero(y == c)
        chosen.append(indices if per_class is None else rng.choice(indices, per_class, replace=False))
    indices = np.sort(np.concatenate(chosen))
    new_label = {int(c): i for i, c in enumerate(classes)}
    return x[indices], np.array([new_label[int(label)] for label in y[indices]], dtype=np.int64)


def _check_size(size, shape: tuple[int, ...]) -> tuple[int, int]:
    """Confere ``size = (H, W)`` com 1 <= H <= altura e 1 <= W <= largura da imagem."""
    if not (isinstance(size, tuple | list) and len(size) == 2 and all(is_int(v) for v in size)):
        raise TypeError(f"size deve ser None ou um par de inteiros (H, W); recebido: {received(size)}")
    height, width = (int(v) for v in size)
    if not (1 <= height <= shape[0] and 1 <= width <= shape[1]):
        raise ValueError(
            f"size deve ficar entre (1, 1) e o tamanho original {shape[:2]} (só reduz a imagem); "
            f"recebido: {tuple(size)}"
        )
    return height, width


def _area_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Reduz ``image`` para ``size`` pela média de cada bloco de pixels (blocos quase iguais)."""
    for axis, new in enumerate(size):
        old = image.shape[axis]
        starts = np.arange(new) * old // new
        counts = np.diff(np.append(starts, old)).reshape((-1,) + (1,) * (image.ndim - axis - 1))
        image = np.add.reduceat(image, starts, axis=axis) / counts
    return image.astype(np.float32)


def sample_image(name: str = "china", *, gray: bool = True, size=None) -> np.ndarray:
    """Uma das fotos de exemplo do scikit-learn (427×640), em ``float32`` no intervalo [0, 1].

    Parameters
    ----------
    name : {"china", "flower"}, padrão "china"
        ``"china"``: um templo chinês; ``"flower"``: uma flor. Aceita também ``"china.jpg"``/``"flower.jpg"``.
    gray : bool, padrão True
        Se verdadeiro, converte para tons de cinza pela luminância
        :math:`0{,}299\\,R + 0{,}587\\,G + 0{,}114\\,B` e devolve uma matriz (H, W); senão, (H, W, 3).
    size : par (H, W) de int, opcional
        Reduz a imagem para esse tamanho, pela média de blocos de pixels (só reduz).

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` em tons de cinza ou ``(H, W, 3)`` colorida.

    Examples
    --------
    >>> image = sample_image()
    >>> image.shape, image.dtype
    ((427, 640), dtype('float32'))
    >>> sample_image("flower", gray=False, size=(64, 96)).shape
    (64, 96, 3)
    """
    key = name.removesuffix(".jpg") if isinstance(name, str) else name
    if key not in _SAMPLE_IMAGES:
        raise ValueError(f"name deve ser 'china' ou 'flower'; recebido: {received(name)}")
    if not isinstance(gray, bool):
        raise TypeError(f"gray deve ser True ou False; recebido: {received(gray)}")
    image = datasets.load_sample_image(_SAMPLE_IMAGES[key]).astype(np.float32) / 255.0
    if gray:
        image = image @ _LUMINANCE
    if size is not None:
        image = _area_resize(image, _check_size(size, image.shape))
    return image


def _keras_cache_file(name: str) -> str:
    """Caminho em que ``keras.datasets`` guarda (ou guardaria) o arquivo baixado do conjunto ``name``.

    Mesma regra de ``keras.utils.get_file``: ``$KERAS_HOME`` ou ``~/.keras`` e, se não puder escrever ali,
    ``/tmp/.keras``.
    """
    user = os.path.expanduser("~")
    home = os.environ.get("KERAS_HOME") or os.path.join(
        user if os.access(user, os.W_OK) else "/tmp", ".keras"
    )
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return os.path.join(home, "datasets", _KERAS_CACHE_FILES[name])


def _offline_hint(name: str) -> str:
    return (
        f"Para trabalhar sem internet, use os dígitos 8×8 que vêm com o scikit-learn: "
        f"`from cnn_lib.data import load_digits; (x_train, y_train), (x_test, y_test) = load_digits()`, "
        f"ou `load_dataset({name!r}, offline_fallback=True)`, que troca sozinho. Para usar o "
        f"{_DISPLAY_NAMES[name]} sem internet, baixe-o numa máquina conectada e copie o arquivo para "
        f"{_keras_cache_file(name)}."
    )


def _load_keras(name: str, allow_download: bool):
    """Chama ``keras.datasets.<name>.load_data()``, traduzindo a falta de rede/cache numa mensagem clara."""
    if not isinstance(allow_download, bool):
        raise TypeError(f"allow_download deve ser True ou False; recebido: {received(allow_download)}")
    if not allow_download and not os.path.exists(_keras_cache_file(name)):
        raise DatasetUnavailableError(
            f"O {_DISPLAY_NAMES[name]} não está no cache do Keras e allow_download=False proíbe baixá-lo. "
            + _offline_hint(name)
        )
    from keras import datasets as keras_datasets

    try:
        return getattr(keras_datasets, name).load_data()
    except Exception as error:  # sem rede, keras.utils.get_file levanta Exception("URL fetch failure ...")
        raise DatasetUnavailableError(
            f"Não foi possível baixar o {_DISPLAY_NAMES[name]} (sem acesso à internet?): {error}. "
            + _offline_hint(name)
        ) from error


def _as_images(x: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) ou (N, H, W, C) para float32 NHWC em [0, 1]."""
    x = x.astype(np.float32) / 255.0
    return x[..., np.newaxis] if x.ndim == 3 else x


def _prepare(split) -> tuple[np.ndarray, np.ndarray]:
    x, y = split
    return _as_images(x), np.asarray(y).reshape(-1).astype(np.int64)


def load_mnist(*, allow_download: bool = True):
    """MNIST (70 000 dígitos 28×28) por ``keras.datasets.mnist``, do cache do Keras ou da internet.

    Parameters
    ----------
    allow_download : bool, padrão True
        Se falso, só lê o cache (``~/.keras/datasets/mnist.npz``, ou ``$KERAS_HOME/datasets``) e nunca usa a
        rede.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Imagens ``float32`` em [0, 1] com forma ``(N, 28, 28, 1)`` (60 000 de treino, 10 000 de teste) e
        rótulos inteiros de 0 a 9.

    Raises
    ------
    DatasetUnavailableError
        Sem rede (ou com ``allow_download=False``) e sem cópia no cache; a mensagem explica como usar
        :func:`load_digits`.

    Examples
    --------
    >>> try:
    ...     (x_train, y_train), (x_test, y_test) = load_mnist(allow_download=False)
    ... except DatasetUnavailableError:
    ...     (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.ndim
    4
    """
    train, test = _load_keras("mnist", allow_download)
    return _prepare(train), _prepare(test)


def load_cifar10(*, allow_download: bool = True):
    """CIFAR-10 (60 000 fotos coloridas 32×32, 10 classes) por ``keras.datasets.cifar10``.

    Parameters
    ----------
    allow_download : bool, padrão True
        Se falso, só lê o cache do Keras e nunca usa a rede.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Imagens ``float32`` em [0, 1] com forma ``(N, 32, 32, 3)`` (50 000 de treino, 10 000 de teste) e
        rótulos inteiros de 0 a 9 num vetor (o Keras os dá como coluna ``(N, 1)``).

    Raises
    ------
    DatasetUnavailableError
        Sem rede (ou com ``allow_download=False``) e sem cópia no cache.

    Examples
    --------
    >>> try:
    ...     data = load_cifar10(allow_download=False)
    ... except DatasetUnavailableError as error:
    ...     print("load_digits" in str(error))
    ... else:
    ...     print(data[0][0].shape[1:] == (32, 32, 3))
    True
    """
    train, test = _load_keras("cifar10", allow_download)
    return _prepare(train), _prepare(test)


def load_dataset(name: str, *, offline_fallback: bool = True, allow_download: bool = True):
    """Carrega ``"digits"``, ``"mnist"`` ou ``"cifar10"``; sem rede, cai para os dígitos offline.

    Parameters
    ----------
    name : {"digits", "mnist", "cifar10"}
        Conjunto de dados.
    offline_fallback : bool, padrão True
        Se o MNIST/CIFAR-10 não puder ser obtido, devolve :func:`load_digits` (8×8×1, 10 classes) e emite um
        aviso (``UserWarning``) em português. Se falso, deixa passar :class:`DatasetUnavailableError`.
    allow_download : bool, padrão True
        Se falso, só usa o cache do Keras (nunca a rede).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Como em :func:`load_digits`, :func:`load_mnist` ou :func:`load_cifar10`. Depois de uma troca, as
        imagens são 8×8×1: construa o modelo a partir de ``x_train.shape[1:]``.

    Examples
    --------
    >>> (x_train, y_train), _ = load_dataset("digits")
    >>> x_train.shape[1:]
    (8, 8, 1)
    """
    if name not in _DATASET_NAMES:
        raise ValueError(f"name deve ser 'digits', 'mnist' ou 'cifar10'; recebido: {received(name)}")
    if not isinstance(offline_fallback, bool):
        raise TypeError(f"offline_fallback deve ser True ou False; recebido: {received(offline_fallback)}")
    if name == "digits":
        return load_digits()
    loader = load_mnist if name == "mnist" else load_cifar10
    try:
        return loader(allow_download=allow_download)
    except DatasetUnavailableError as error:
        if not offline_fallback:
            raise
        reason = error.__cause__ or "sem cache e sem download"
        warnings.warn(
            f"O {_DISPLAY_NAMES[name]} não está disponível ({reason}); usando os "
            f"dígitos 8×8 do scikit-learn (load_digits), que funcionam offline. As imagens agora são 8×8×1.",
            UserWarning,
            stacklevel=2,
        )
        return load_digits()
