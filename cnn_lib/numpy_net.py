"""Uma CNN treinada do zero só com NumPy: camadas com ida e volta, perda, otimizadores e o laço de treino.

Cada camada guarda, na ida (``forward``), o que a volta (``backward``) vai precisar, e a volta recebe
:math:`\\partial L/\\partial Y` e devolve :math:`\\partial L/\\partial X`, deixando os gradientes dos seus
pesos em ``grads``. As contas da convolução e do pooling são as de :mod:`cnn_lib.ops`
(:func:`~cnn_lib.ops.conv2d_backward`, :func:`~cnn_lib.ops.max_pool2d_backward`); nada aqui usa TensorFlow.
Os nomes imitam o Keras: ``Conv2D(filters, kernel_size, strides=..., padding=...)``, ``Dense(units)``,
``MaxPooling2D(pool_size)``, ``SGD(learning_rate, momentum)``,
``Adam(learning_rate, beta_1, beta_2, epsilon)``.

Exemplo rápido: ``rede = small_cnn(); historico = rede.fit(x, y, epochs=10)``.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from cnn_lib import ops
from cnn_lib._validation import as_array, as_pair, check_int, check_number, float_dtype, received

__all__ = [
    "SGD",
    "Adam",
    "Conv2D",
    "Dense",
    "Flatten",
    "MaxPooling2D",
    "ReLU",
    "Sequential",
    "small_cnn",
    "softmax_cross_entropy",
]


# --- camadas


class Layer:
    """Base das camadas: sem pesos, ``forward`` e ``backward`` a definir nas subclasses."""

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        """Cria os pesos para entradas ``(N, *input_shape)`` e devolve a forma da saída (sem o lote)."""
        return tuple(self.forward(np.zeros((1, *input_shape), dtype=np.float32)).shape[1:])

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Conv2D(Layer):
    """Convolução 2-D com viés; ida: :func:`~cnn_lib.ops.conv2d`; volta: :func:`~cnn_lib.ops.conv2d_backward`.

    Pesos iniciais de He (normal com desvio :math:`\\sqrt{2 / (k_h k_w C_e)}`), bons para a ReLU; viés zero.

    Parameters
    ----------
    filters : int
        :math:`C_s`, o número de filtros.
    kernel_size : int ou par de int
    strides : int ou par de int, padrão 1
    padding : padrão "valid"
        Como em :func:`cnn_lib.ops.conv2d`.
    name : str, opcional

    Examples
    --------
    >>> import numpy as np
    >>> camada = Conv2D(8, 3, padding="same")
    >>> camada.build((5, 5, 2), np.random.default_rng(0))   # devolve a forma da saída de uma imagem
    (5, 5, 8)
    >>> y = camada.forward(np.ones((4, 5, 5, 2), "f"))
    >>> dx = camada.backward(np.ones_like(y))
    >>> dx.shape, camada.grads["kernel"].shape, camada.grads["bias"].shape
    ((4, 5, 5, 2), (3, 3, 2, 8), (8,))
    """

    def __init__(self, filters, kernel_size, *, strides=1, padding="valid", name=None):
        super().__init__(name)
        self.filters = check_int(filters, "filters")
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.strides, self.padding = strides, padding

    def build(self, input_shape, rng):
        fan_in = self.kernel_size[0] * self.kernel_size[1] * input_shape[-1]
        shape = (*self.kernel_size, input_shape[-1], self.filters)
        self.params = {
            "kernel": (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32),
            "bias": np.zeros(self.filters, dtype=np.float32),
        }
        return super().build(input_shape, rng)

    def forward(self, x, training=False):
        self.x = x
        return ops.conv2d(
            x, self.params["kernel"], self.params["bias"], strides=self.strides, padding=self.padding
        )

    def backward(self, dout):
        dx, self.grads["kernel"], self.grads["bias"] = ops.conv2d_backward(
            dout, self.x, self.params["kernel"], strides=self.strides, padding=self.padding
        )
        return dx


class Dense(Layer):
    """Camada densa :math:`Y = X W + b`, com :math:`N_e` entradas e ``units`` (:math:`N_s`) saídas.

    Parameters
    ----------
    units : int
    name : str, opcional

    Examples
    --------
    >>> import numpy as np
    >>> camada = Dense(3)
    >>> camada.build((4,), np.random.default_rng(0))
    (3,)
    >>> x = np.ones((2, 4), "f")
    >>> camada.forward(x).shape, camada.backward(np.ones((2, 3), "f")).shape, camada.grads["kernel"].shape
    ((2, 3), (2, 4), (4, 3))
    """

    def __init__(self, units, *, name=None):
        super().__init__(name)
        self.units = check_int(units, "units")

    def build(self, input_shape, rng):
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense espera entradas achatadas (N, N_e); recebido: forma {input_shape} sem o lote. "
                "Ponha uma camada Flatten antes."
            )
        fan_in = input_shape[0]
        self.params = {
            "kernel": (rng.standard_normal((fan_in, self.units)) * np.sqrt(2 / fan_in)).astype(np.float32),
            "bias": np.zeros(self.units, dtype=np.float32),
        }
        return (self.units,)

    def forward(self, x, training=False):
        self.x = x
        return x @ self.params["kernel"] + self.params["bias"]

    def backward(self, dout):
        self.grads["kernel"] = self.x.T @ dout  # soma sobre o lote de x_n^T · dout_n
        self.grads["bias"] = dout.sum(axis=0)
        return dout @ self.params["kernel"].T


class ReLU(Layer):
    """:math:`\\max(x, 0)`; na volta, o gradiente passa só onde a entrada era positiva."""

    def forward(self, x, training=False):
        self.positive = x > 0
        return np.where(self.positive, x, 0).astype(x.dtype)

    def backward(self, dout):
        return np.where(self.positive, dout, 0).astype(dout.dtype)


class MaxPooling2D(Layer):
    """Pooling máximo: :func:`cnn_lib.ops.max_pool2d` e :func:`cnn_lib.ops.max_pool2d_backward`.

    Parameters
    ----------
    pool_size : int ou par de int, padrão 2
    strides : padrão None (igual a ``pool_size``)
    padding : {"valid", "same"}, padrão "valid"
    name : str, opcional
    """

    def __init__(self, pool_size=2, *, strides=None, padding="valid", name=None):
        super().__init__(name)
        self.kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}

    def forward(self, x, training=False):
        self.x = x
        return ops.max_pool2d(x, **self.kwargs)

    def backward(self, dout):
        return ops.max_pool2d_backward(dout, self.x, **self.kwargs)


class Flatten(Layer):
    """Achata ``(N, H, W, C)`` em ``(N, H·W·C)`` na ordem do Keras; a volta só desfaz a forma."""

    def forward(self, x, training=False):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self.shape)


# --- perda


def softmax_cross_entropy(logits, labels) -> tuple[float, np.ndarray]:
    """Softmax seguida da entropia cruzada, média no lote, e o seu gradiente em relação aos logits.

    :math:`L = -\\frac{1}{B} \\sum_n \\log p_{n, y_n}` com :math:`p = \\mathrm{softmax}(z)`; o gradiente tem a
    forma simples :math:`\\partial L / \\partial z = (p - \\text{one-hot}(y)) / B`.

    Parameters
    ----------
    logits : array_like
        ``(B, classes)``: as saídas da última camada, antes da softmax.
    labels : array_like
        ``(B,)``: as classes certas, inteiros de 0 a ``classes − 1``.

    Returns
    -------
    loss : float
    dlogits : numpy.ndarray
        ``(B, classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> loss, dz = softmax_cross_entropy(np.zeros((1, 4)), [2])   # 4 classes igualmente prováveis
    >>> round(loss, 4)                                            # ln 4
    1.3863
    >>> dz
    array([[ 0.25,  0.25, -0.75,  0.25]])
    """
    logits = as_array(logits, "logits", (2,))
    labels = _check_labels(labels, len(logits), logits.shape[1])
    probabilities = ops.softmax(logits)
    batch = np.arange(len(labels))
    loss = float(-np.mean(np.log(np.maximum(probabilities[batch, labels], 1e-30))))
    dlogits = probabilities.copy()
    dlogits[batch, labels] -= 1
    return loss, dlogits / len(labels)


def _check_labels(labels, count: int, classes: int) -> np.ndarray:
    labels = as_array(labels, "y", (1,))
    if len(labels) != count:
        raise ValueError(f"y deve ter um rótulo por imagem ({count}); recebido: {len(labels)} rótulos")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"y deve conter inteiros de 0 a {classes - 1}; recebido: {received(labels)}")
    return labels.astype(np.int64)


# --- otimizadores


class SGD:
    """Descida do gradiente estocástica com momento, como a ``SGD`` do Keras.

    :math:`v \\leftarrow \\mu v - \\eta\\, g`, :math:`w \\leftarrow w + v` (:math:`\\mu` = ``momentum``).

    Parameters
    ----------
    learning_rate : float, padrão 0.01
        :math:`\\eta`.
    momentum : float, padrão 0.9
        Em [0, 1); 0 é a descida do gradiente simples.

    Examples
    --------
    >>> import numpy as np
    >>> pesos = {"w": np.array([1.0, 2.0])}
    >>> otimizador = SGD(learning_rate=0.1, momentum=0.5)
    >>> otimizador.update(pesos, {"w": np.array([1.0, 1.0])})
    >>> otimizador.update(pesos, {"w": np.array([1.0, 1.0])})   # v = 0,5·(−0,1) − 0,1 = −0,15
    >>> pesos["w"]
    array([0.75, 1.75])
    """

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate = check_number(learning_rate, "learning_rate", 0, np.inf)
        self.momentum = check_number(momentum, "momentum", 0, 1, include_high=False)
        self.velocity: dict[str, np.ndarray] = {}

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Atualiza ``params`` no lugar com os ``grads`` de mesmo nome."""
        for key, grad in grads.items():
            velocity = self.velocity.setdefault(key, np.zeros_like(grad))
            velocity *= self.momentum
            velocity -= self.learning_rate * grad
            params[key] += velocity


class Adam:
    """Adam escrito por extenso, com as fórmulas e os valores padrão do ``Adam`` do Keras.

    A cada passo :math:`t`: :math:`m \\leftarrow \\beta_1 m + (1 - \\beta_1) g`,
    :math:`v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2` e
    :math:`w \\leftarrow w - \\eta \\frac{\\sqrt{1 - \\beta_2^t}}{1 - \\beta_1^t}
    \\frac{m}{\\sqrt{v} + \\epsilon}`
    (as frações corrigem o viés de :math:`m` e :math:`v`, que começam em zero).

    Parameters
    ----------
    learning_rate : float, padrão 0.001
    beta_1 : float, padrão 0.9
    beta_2 : float, padrão 0.999
    epsilon : float, padrão 1e-7

    Examples
    --------
    >>> import numpy as np
    >>> pesos = {"w": np.array([1.0, -1.0])}
    >>> Adam(learning_rate=0.1).update(pesos, {"w": np.array([0.5, -3.0])})
    >>> pesos["w"]                  # o primeiro passo tem tamanho ~η para todo peso, qualquer que seja g
    array([ 0.9, -0.9])
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate = check_number(learning_rate, "learning_rate", 0, np.inf)
        self.beta_1 = check_number(beta_1, "beta_1", 0, 1, include_high=False)
        self.beta_2 = check_number(beta_2, "beta_2", 0, 1, include_high=False)
        self.epsilon = check_number(epsilon, "epsilon", 0, np.inf)
        self.moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.steps = 0

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Um passo do Adam em todos os ``params``, no lugar."""
        self.steps += 1
        t = self.steps
        step = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        for key, grad in grads.items():
            m, v = self.moments.setdefault(key, (np.zeros_like(grad), np.zeros_like(grad)))
            m += (1 - self.beta_1) * (grad - m)  # = β1·m + (1 − β1)·g
            v += (1 - self.beta_2) * (grad * grad - v)
            params[key] -= (step * m / (np.sqrt(v) + self.epsilon)).astype(params[key].dtype)


# --- a rede


class Sequential:
    """Uma pilha de camadas, treinada com retropropagação escrita em NumPy.

    Parameters
    ----------
    layers : list of Layer
        Na ordem da ida; a última dá os logits (sem softmax: ela está na perda).
    input_shape : tuple of int
        Forma de uma imagem, ``(H, W, C)``.
    seed : int, padrão 0
        Semente dos pesos iniciais e da ordem dos lotes.

    Attributes
    ----------
    output_shape : tuple of int
        Forma da saída de uma imagem.

    Examples
    --------
    >>> import numpy as np
    >>> rede = Sequential([Conv2D(4, 3), ReLU(), Flatten(), Dense(3)], input_shape=(5, 5, 1))
    >>> [camada.name for camada in rede.layers]
    ['conv2d', 're_lu', 'flatten', 'dense']
    >>> rede.output_shape, rede.count_params()
    ((3,), 151)
    >>> loss, grads = rede.loss_and_gradients(np.ones((2, 5, 5, 1), "f"), [0, 2])
    >>> sorted(grads)[:2], grads["conv2d/kernel"].shape
    (['conv2d/bias', 'conv2d/kernel'], (3, 3, 1, 4))
    """

    def __init__(self, layers, input_shape, seed: int = 0):
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError(
                f"layers deve ser uma lista não vazia de camadas de numpy_net; recebido: {layers!r}"
            )
        self.layers = list(layers)
        self.input_shape = tuple(check_int(n, "input_shape") for n in input_shape)
        self.rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
        shape, used = self.input_shape, {}
        for layer in self.layers:
            kind = _snake_case(type(layer).__name__)
            if layer.name is None:
                layer.name = kind if kind not in used else f"{kind}_{used[kind]}"
            used[kind] = used.get(kind, 0) + 1
            shape = layer.build(shape, self.rng)
        self.output_shape = shape

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Todos os pesos, com nomes ``"camada/peso"`` (vistas: mudá-los muda a rede)."""
        return {f"{layer.name}/{key}": value for layer in self.layers for key, value in layer.params.items()}

    def count_params(self) -> int:
        """Número de pesos, como ``model.count_params()`` do Keras."""
        return sum(value.size for value in self.params.values())

    def forward(self, x, training: bool = False) -> np.ndarray:
        """Os logits ``(N, classes)`` de um lote ``(N, H, W, C)``."""
        x = as_array(x, "x", (4,))
        x = x.astype(float_dtype(x), copy=False)
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"x deve ter forma (N, {', '.join(map(str, self.input_shape))}); recebido: {x.shape}"
            )
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, dlogits: np.ndarray) -> None:
        """Retropropaga ∂L/∂logits de trás para a frente; os gradientes ficam em ``grads`` de cada camada."""
        for layer in reversed(self.layers):
            dlogits = layer.backward(dlogits)

    def loss_and_gradients(self, x, y) -> tuple[float, dict[str, np.ndarray]]:
        """A perda média de um lote e o gradiente dela em relação a cada peso (nomes como em ``params``)."""
        loss, grads, _ = self._step(x, y)
        return loss, grads

    def _step(self, x, y):
        """Ida, perda e volta num lote: ``(perda, gradientes, logits)``."""
        logits = self.forward(x, training=True)
        loss, dlogits = softmax_cross_entropy(logits, y)
        self.backward(dlogits)
        grads = {f"{layer.name}/{key}": value for layer in self.layers for key, value in layer.grads.items()}
        return loss, grads, logits

    def predict(self, x, batch_size: int = 256) -> np.ndarray:
        """Probabilidades de cada classe, ``(N, classes)``."""
        x = as_array(x, "x", (4,))
        return np.concatenate(
            [ops.softmax(self.forward(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        )

    def evaluate(self, x, y) -> tuple[float, float]:
        """``(perda, acurácia)`` num conjunto inteiro."""
        probabilities = self.predict(x)
        labels = _check_labels(y, len(probabilities), probabilities.shape[1])
        loss = float(-np.mean(np.log(np.maximum(probabilities[np.arange(len(labels)), labels], 1e-30))))
        return loss, float(np.mean(probabilities.argmax(axis=1) == labels))

    def fit(self, x, y, *, epochs=10, batch_size=32, optimizer=None, validation_data=None) -> dict:
        """Treina com lotes embaralhados a cada época; devolve o histórico, como o ``History`` do Keras.

        Parameters
        ----------
        x, y : array_like
            Imagens ``(N, H, W, C)`` e rótulos inteiros ``(N,)``.
        epochs : int, padrão 10
        batch_size : int, padrão 32
        optimizer : SGD ou Adam, opcional
            Padrão ``Adam()``.
        validation_data : tuple, opcional
            ``(x_val, y_val)``, avaliado ao fim de cada época.

        Returns
        -------
        dict
            Listas por época em ``"loss"`` e ``"accuracy"`` (médias durante a época) e, com validação,
            ``"val_loss"`` e ``"val_accuracy"``; ``"batch_loss"`` tem a perda de cada lote.
        """
        x = as_array(x, "x", (4,)).astype(np.float32, copy=False)
        y = _check_labels(y, len(x), self.output_shape[-1])
        epochs, batch_size = check_int(epochs, "epochs"), check_int(batch_size, "batch_size")
        optimizer = Adam() if optimizer is None else optimizer
        if not callable(getattr(optimizer, "update", None)):
            raise TypeError(
                f"optimizer deve ser numpy_net.SGD ou numpy_net.Adam; recebido: {received(optimizer)}"
            )
        history: dict[str, list[float]] = {"loss": [], "accuracy": [], "batch_loss": []}
        # Matrizes pequenas: uma thread do BLAS é mais rápida que várias (numa máquina ocupada, muito mais).
        with threadpool_limits(limits=1, user_api="blas"):
            for _ in range(epochs):
                self._epoch(x, y, batch_size, optimizer, history)
                if validation_data is not None:
                    val_loss, val_accuracy = self.evaluate(*validation_data)
                    history.setdefault("val_loss", []).append(val_loss)
                    history.setdefault("val_accuracy", []).append(val_accuracy)
        return history

    def _epoch(self, x, y, batch_size, optimizer, history) -> None:
        """Uma época: todos os lotes, em ordem sorteada, cada um com ida, volta e um passo do otimizador."""
        params = self.params
        order = self.rng.permutation(len(x))
        losses, hits = [], 0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss, grads, logits = self._step(x[batch], y[batch])
            optimizer.update(params, grads)
            hits += int(np.sum(logits.argmax(axis=1) == y[batch]))
            losses.append(loss)
        history["batch_loss"].extend(losses)
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(hits / len(x))


def _snake_case(name: str) -> str:
    """``"MaxPooling2D"`` vira ``"max_pooling2d"``, como os nomes automáticos do Keras."""
    out = ""
    for i, char in enumerate(name):
        if char.isupper() and i and name[i - 1].islower():
            out += "_"
        out += char.lower()
    return out


def small_cnn(input_shape=(8, 8, 1), num_classes: int = 10, seed: int = 0) -> Sequential:
    """A CNN pequena do capítulo de retropropagação, para os dígitos 8×8.

    ``Conv2D(16, 3, "same")`` → ReLU → ``MaxPooling2D(2)`` → ``Conv2D(32, 3, "same")`` → ReLU →
    ``MaxPooling2D(2)`` → ``Flatten`` → ``Dense(num_classes)``.

    Parameters
    ----------
    input_shape : tuple of int, padrão (8, 8, 1)
    num_classes : int, padrão 10
    seed : int, padrão 0

    Returns
    -------
    Sequential

    Examples
    --------
    >>> rede = small_cnn()
    >>> rede.output_shape, rede.count_params()
    ((10,), 6090)
    """
    return Sequential(
        [
            Conv2D(16, 3, padding="same"),
            ReLU(),
            MaxPooling2D(2),
            Conv2D(32, 3, padding="same"),
            ReLU(),
            MaxPooling2D(2),
            Flatten(),
            Dense(check_int(num_classes, "num_classes", minimum=2)),
        ],
        input_shape=input_shape,
        seed=seed,
    )
