"""Treinar e inspecionar uma CNN em Keras: treino reproduzível, mapas de características, filtros e métricas.

Este módulo importa o Keras (e o TensorFlow); ``import cnn_lib`` não o carrega.
"""

import keras
import numpy as np
from sklearn import metrics

from cnn_lib._validation import as_array, check_int, check_number, is_int, received

__all__ = ["confusion_matrix", "evaluate_accuracy", "feature_maps", "first_layer_filters", "fit", "freeze"]


def _check_model(model) -> keras.Model:
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model deve ser um keras.Model (Sequential ou funcional); recebido: {received(model)}"
        )
    return model


def _check_data(model: keras.Model, x, y, name_x: str = "x", name_y: str = "y"):
    """Confere imagens NHWC (ou o formato da entrada do modelo) e rótulos inteiros, um por imagem."""
    x = as_array(x, name_x, (len(model.input_shape),) if model.built else (2, 3, 4, 5))
    y = as_array(y, name_y, (1,))
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name_y} deve conter rótulos inteiros (0, 1, 2, ...); recebido: dtype {y.dtype}")
    if len(x) != len(y):
        raise ValueError(
            f"{name_x} e {name_y} devem ter o mesmo número de exemplos; recebido: {len(x)} e {len(y)}"
        )
    return x.astype(np.float32), y


def fit(
    model,
    x,
    y,
    *,
    validation_data=None,
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose: int = 0,
    callbacks=None,
    recompile: bool = False,
) -> keras.callbacks.History:
    """Treina ``model`` com ``model.fit``, compilando-o antes se ainda não estiver compilado.

    Se o modelo não foi compilado (ou se ``recompile=True``), compila com Adam e ``learning_rate``, entropia
    cruzada categórica esparsa (rótulos inteiros) e a métrica ``"accuracy"``; se já foi, usa o que foi
    compilado (e ignora ``learning_rate``). Antes de treinar, ``keras.utils.set_random_seed(seed)`` fixa as
    sementes do Python, do NumPy e do TensorFlow (embaralhamento, dropout). Os pesos iniciais foram sorteados
    na construção do modelo: para reproduzi-los também, chame ``keras.utils.set_random_seed`` antes de
    construí-lo.

    Parameters
    ----------
    model : keras.Model
        O modelo (por exemplo, de :mod:`cnn_lib.models`).
    x : array (N, H, W, C)
        Imagens de treino.
    y : array (N,) de int
        Rótulos de treino.
    validation_data : tupla (x_val, y_val), opcional
        Avaliados ao fim de cada época (``val_loss``, ``val_accuracy`` no histórico).
    epochs : int, padrão 10
        Passadas pelos dados de treino.
    batch_size : int, padrão 32
        Exemplos por atualização dos pesos.
    learning_rate : float, padrão 1e-3
        Taxa de aprendizado do Adam (só se o modelo não estiver compilado).
    seed : int, padrão 0
        Semente.
    verbose : {0, 1, 2}, padrão 0
        Como no Keras; num livro ou notebook convertido em HTML use 0 ou 2 (1 escreve barras de progresso).
    callbacks : lista de keras.callbacks.Callback, opcional
        Repassada a ``model.fit`` (por exemplo ``keras.callbacks.EarlyStopping``).
    recompile : bool, padrão False
        Compila de novo (otimizador novo, com ``learning_rate``) mesmo que o modelo já esteja compilado. É
        necessário depois de congelar ou descongelar camadas (:func:`freeze`): o Keras só percebe a mudança em
        ``trainable`` ao compilar.

    Returns
    -------
    keras.callbacks.History
        ``history.history["accuracy"]`` etc., um valor por época.

    Examples
    --------
    >>> from cnn_lib import data, models
    >>> (x_train, y_train), _ = data.load_digits()
    >>> history = fit(models.small_cnn(), x_train[:64], y_train[:64], epochs=2)
    >>> sorted(history.history), len(history.history["loss"])
    (['accuracy', 'loss'], 2)
    """
    model = _check_model(model)
    x, y = _check_data(model, x, y)
    if validation_data is not None:
        if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
            raise TypeError(
                "validation_data deve ser None ou um par (x_val, y_val); recebido: "
                f"{received(validation_data)}"
            )
        validation_data = _check_data(model, *validation_data, "x_val", "y_val")
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    learning_rate = check_number(learning_rate, "learning_rate", 0.0, 1.0)
    seed = check_int(seed, "seed", minimum=0)
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose deve ser 0, 1 ou 2; recebido: {received(verbose)}")
    if not isinstance(recompile, bool):
        raise TypeError(f"recompile deve ser True ou False; recebido: {received(recompile)}")
    keras.utils.set_random_seed(seed)
    if recompile or not model.compiled:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    return model.fit(
        x,
        y,
        validation_data=validation_data,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        callbacks=callbacks,
    )


def freeze(model, until) -> None:
    """Congela as camadas de ``model`` até ``until`` (inclusive) e deixa treináveis as que vêm depois.

    Uma camada congelada (``trainable=False``) não tem os pesos mudados pelo treino; uma normalização em lote
    congelada também passa a usar as médias e variâncias móveis, como na inferência (regra do Keras 3). É o
    segundo passo do aprendizado por transferência: congelar o extrator de características copiado por
    :func:`cnn_lib.models.replace_head` e treinar só a saída nova. ``until=None`` descongela tudo, para o
    ajuste fino (fine-tuning). Depois de congelar ou descongelar, treine com ``fit(..., recompile=True)``.

    Parameters
    ----------
    model : keras.Model
        O modelo; as camadas são as de ``model.layers``, na ordem.
    until : str, int ou None
        Nome ou posição (em ``model.layers``) da última camada congelada; ``None`` deixa todas treináveis.

    Returns
    -------
    None
        Muda ``model`` no lugar.

    Examples
    --------
    >>> from cnn_lib import models
    >>> model = models.small_cnn()
    >>> freeze(model, "avg_pool")
    >>> [layer.name for layer in model.layers if layer.trainable]
    ['dropout2', 'predictions']
    >>> freeze(model, None)
    >>> all(layer.trainable for layer in model.layers)
    True
    """
    model = _check_model(model)
    last = -1 if until is None else model.layers.index(_get_layer(model, until))
    for index, layer in enumerate(model.layers):
        layer.trainable = index > last


def _single_input(model: keras.Model):
    if not model.built or model.inputs is None:
        raise ValueError(
            f"o modelo {model.name!r} ainda não foi construído: crie-o com keras.Input(shape=...) como "
            "primeira camada ou chame model.build((None, H, W, C)) antes"
        )
    if len(model.inputs) != 1:
        raise ValueError(
            f"o modelo {model.name!r} tem {len(model.inputs)} entradas; aceito só modelos de uma"
        )
    return model.inputs[0]


def _get_layer(model: keras.Model, layer) -> keras.layers.Layer:
    """A camada de ``model`` pelo nome (str) ou pela posição em ``model.layers`` (int, aceita negativos)."""
    if isinstance(layer, str):
        names = [item.name for item in model.layers]
        if layer not in names:
            raise ValueError(f"layer: o modelo não tem camada chamada {layer!r}; camadas: {', '.join(names)}")
        return model.get_layer(layer)
    if is_int(layer):
        if not -len(model.layers) <= layer < len(model.layers):
            raise ValueError(
                f"layer deve ser uma posição entre {-len(model.layers)} e {len(model.layers) - 1}; "
                f"recebido: {layer}"
            )
        return model.layers[layer]
    raise TypeError(
        f"layer deve ser o nome (str) ou a posição (int) de uma camada; recebido: {received(layer)}"
    )


def feature_maps(model, images, layer) -> np.ndarray:
    """Saída (mapas de características) de uma camada do modelo para as imagens dadas.

    Constrói um submodelo ``keras.Model(model.inputs, camada.output)`` e o aplica em modo de inferência
    (dropout desligado, normalização em lote com as médias móveis).

    Parameters
    ----------
    model : keras.Model
        Modelo construído (com ``keras.Input`` ou depois de ``build``/``fit``).
    images : array (N, H, W, C) ou (H, W, C)
        Imagens; uma imagem sozinha vira um lote de uma.
    layer : str ou int
        Nome da camada ou posição em ``model.layers`` (num ``Sequential`` a entrada não conta; num modelo
        funcional ``model.layers[0]`` é a entrada).

    Returns
    -------
    numpy.ndarray
        ``(N, H', W', canais)`` para uma camada convolucional (um mapa por filtro), ou a forma de saída da
        camada.

    Examples
    --------
    >>> from cnn_lib import models
    >>> model = models.lenet5()
    >>> feature_maps(model, np.zeros((2, 32, 32, 1)), "c1").shape
    (2, 28, 28, 6)
    >>> feature_maps(model, np.zeros((32, 32, 1)), 1).shape     # model.layers[1] é o pooling S2
    (1, 14, 14, 6)
    """
    model = _check_model(model)
    inputs = _single_input(model)
    expected = tuple(inputs.shape[1:])  # None aceita qualquer tamanho
    images = as_array(images, "images", (len(expected), len(expected) + 1)).astype(np.float32)
    if images.ndim == len(expected):
        images = images[np.newaxis]
    if any(size not in (None, got) for size, got in zip(expected, images.shape[1:], strict=True)):
        raise ValueError(
            f"images deve ter a forma de entrada do modelo, {expected} por imagem; recebido: {images.shape}"
        )
    submodel = keras.Model(inputs, _get_layer(model, layer).output)
    return keras.ops.convert_to_numpy(submodel(images, training=False))


def first_layer_filters(model) -> np.ndarray:
    """Os pesos (kernels) da primeira ``Conv2D`` do modelo, forma ``(kh, kw, canais, filtros)``.

    Parameters
    ----------
    model : keras.Model
        Modelo com pelo menos uma ``Conv2D`` em ``model.layers``.

    Returns
    -------
    numpy.ndarray
        ``kernel[:, :, c, f]`` é o filtro ``f`` aplicado ao canal de entrada ``c``.

    Examples
    --------
    >>> from cnn_lib import models
    >>> first_layer_filters(models.lenet5()).shape
    (5, 5, 1, 6)
    """
    model = _check_model(model)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return layer.kernel.numpy()
    raise ValueError(f"o modelo {model.name!r} não tem nenhuma camada Conv2D em model.layers")


def _predicted_labels(model: keras.Model, x, y) -> tuple[np.ndarray, np.ndarray]:
    model = _check_model(model)
    x, y = _check_data(model, x, y)
    probabilities = model.predict(x, batch_size=256, verbose=0)
    return y, np.argmax(probabilities, axis=-1)


def evaluate_accuracy(model, x, y) -> float:
    """Fração das imagens cuja classe mais provável segundo o modelo é o rótulo verdadeiro.

    Parameters
    ----------
    model : keras.Model
        Classificador com saída ``(N, classes)``.
    x : array (N, H, W, C)
        Imagens.
    y : array (N,) de int
        Rótulos verdadeiros.

    Returns
    -------
    float
        Acurácia em [0, 1].

    Examples
    --------
    >>> from cnn_lib import data, models
    >>> (x_train, y_train), _ = data.load_digits()
    >>> 0.0 <= evaluate_accuracy(models.small_cnn(), x_train[:50], y_train[:50]) <= 1.0
    True
    """
    y, predicted = _predicted_labels(model, x, y)
    return float(np.mean(predicted == y))


def confusion_matrix(model, x, y) -> np.ndarray:
    """Matriz de confusão: ``matriz[i, j]`` conta as imagens da classe ``i`` classificadas como ``j``.

    Tem uma linha e uma coluna por saída do modelo (classes sem exemplos ficam com zeros); a diagonal são os
    acertos.

    Parameters
    ----------
    model : keras.Model
        Classificador com saída ``(N, classes)``.
    x : array (N, H, W, C)
        Imagens.
    y : array (N,) de int
        Rótulos verdadeiros.

    Returns
    -------
    numpy.ndarray de int, forma (classes, classes)

    Examples
    --------
    >>> from cnn_lib import data, models
    >>> (x_train, y_train), _ = data.load_digits()
    >>> matrix = confusion_matrix(models.small_cnn(), x_train[:50], y_train[:50])
    >>> matrix.shape, int(matrix.sum())
    ((10, 10), 50)
    """
    y, predicted = _predicted_labels(model, x, y)
    return metrics.confusion_matrix(y, predicted, labels=np.arange(model.output_shape[-1]))
