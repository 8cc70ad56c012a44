"""Construtores Keras das arquiteturas clássicas: LeNet-5, AlexNet, VGG, ResNet e uma CNN compacta.

Também estão aqui as peças dos capítulos sobre convoluções 1×1 e sobre aumento de dados e transferência: o
módulo Inception (:func:`inception_block`), as camadas de aumento de dados (:func:`augmentation`), a troca da
camada de saída de um modelo treinado (:func:`replace_head`) e as convoluções e poolings que definem o campo
receptivo de um modelo (:func:`receptive_field_layers`).

Cada construtor devolve um modelo novo, com pesos inicializados ao acaso: nada é baixado da internet. Os nomes
dos argumentos são os do Keras (``input_shape``, ``num_classes``, ``strides``). Este módulo importa o Keras (e
portanto o TensorFlow), por isso ``import cnn_lib`` não o carrega: importe-o explicitamente,
``from cnn_lib import models``.

Para reproduzir os mesmos pesos iniciais, chame ``keras.utils.set_random_seed(semente)`` antes do construtor.
"""

import keras
from keras import layers

from cnn_lib._validation import check_int, check_number, is_int, received
from cnn_lib.shapes import receptive_field

__all__ = [
    "alexnet",
    "augmentation",
    "bottleneck_block",
    "inception_block",
    "lenet5",
    "receptive_field_layers",
    "replace_head",
    "residual_block",
    "resnet18",
    "resnet50",
    "small_cnn",
    "vgg16",
    "vgg19",
    "vgg_block",
]

# Épsilon das normalizações em lote das ResNets, o mesmo de ``keras.applications``.
_BN_EPSILON = 1.001e-5


def _check_input_shape(input_shape, minimum: int) -> tuple[int, int, int]:
    """Confere ``input_shape = (H, W, C)`` com H e W de pelo menos ``minimum`` pixels."""
    if not (
        isinstance(input_shape, tuple | list)
        and len(input_shape) == 3
        and all(is_int(v) for v in input_shape)
    ):
        raise TypeError(
            f"input_shape deve ser uma tupla de 3 inteiros (H, W, C); recebido: {received(input_shape)}"
        )
    height, width, channels = (int(v) for v in input_shape)
    if min(height, width) < minimum or channels < 1:
        raise ValueError(
            f"input_shape deve ter altura e largura >= {minimum} (senão algum mapa de características "
            f"ficaria vazio) e pelo menos 1 canal; recebido: {tuple(input_shape)}"
        )
    return height, width, channels


def _name(prefix: str | None, suffix: str) -> str | None:
    """Nome ``prefixo_sufixo`` de uma camada de bloco, ou ``None`` (nome automático do Keras) sem prefixo."""
    return None if prefix is None else f"{prefix}_{suffix}"


def lenet5(input_shape=(32, 32, 1), num_classes: int = 10, activation: str = "tanh") -> keras.Sequential:
    """LeNet-5 (LeCun et al., 1998) na forma usual em Keras.

    C1: 6 filtros 5×5; S2: pooling médio 2×2; C3: 16 filtros 5×5; S4: pooling médio 2×2; achatamento;
    C5: densa de 120; F6: densa de 84; saída softmax. Com a entrada 32×32×1 e 10 classes são 61 706
    parâmetros. (No artigo, C5 é uma convolução 5×5 sobre um mapa 5×5: tem exatamente os mesmos pesos que a
    densa de 120 sobre os 400 valores achatados.)

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (32, 32, 1)
        Forma da imagem de entrada; H e W >= 16.
    num_classes : int, padrão 10
        Número de classes da camada de saída.
    activation : str, padrão "tanh"
        Ativação das convoluções e das densas ocultas (o artigo usa tangente hiperbólica; ``"relu"`` também
        funciona).

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> lenet5().count_params()
    61706
    >>> lenet5(input_shape=(28, 28, 1)).output_shape
    (None, 10)
    """
    _check_input_shape(input_shape, 16)
    num_classes = check_int(num_classes, "num_classes")
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(6, 5, activation=activation, name="c1"),
            layers.AveragePooling2D(2, name="s2"),
            layers.Conv2D(16, 5, activation=activation, name="c3"),
            layers.AveragePooling2D(2, name="s4"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation=activation, name="c5"),
            layers.Dense(84, activation=activation, name="f6"),
            layers.Dense(num_classes, activation="softmax", name="predictions"),
        ],
        name="lenet5",
    )


def _local_response_normalization(name: str) -> layers.Lambda:
    """Normalização local de resposta da AlexNet (k = 2, n = 5, α = 1e-4, β = 0,75), sem pesos."""
    import tensorflow as tf

    def normalize(x):
        return tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)

    return layers.Lambda(normalize, name=name)


def alexnet(
    input_shape=(227, 227, 3),
    num_classes: int = 1000,
    local_response_normalization: bool = False,
    dropout: float = 0.5,
) -> keras.Sequential:
    """AlexNet (Krizhevsky, Sutskever e Hinton, 2012) numa só coluna (sem a divisão em duas GPUs).

    conv1: 96 filtros 11×11, ``strides=4``; max pooling 3×3, ``strides=2``; conv2: 256 filtros 5×5 ``"same"``;
    pooling; conv3 e conv4: 384 filtros 3×3; conv5: 256 filtros 3×3; pooling; densas de 4096, 4096 e
    ``num_classes`` (softmax), com dropout antes das duas últimas. ReLU em todas as camadas ocultas.

    Com 227×227×3 e 1000 classes são 62 378 344 parâmetros (cerca de 62,4 milhões). O artigo fala em
    "60 milhões" porque, no original, conv2, conv4 e conv5 são convoluções agrupadas: cada metade dos filtros,
    numa GPU, só vê a metade dos canais de entrada que está na mesma GPU, e isso divide por dois os pesos
    dessas camadas (``Conv2D(..., groups=2)`` reproduz essa economia).

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (227, 227, 3)
        Forma da imagem; H e W >= 67. (O artigo diz 224, mas a conta 11×11 com passo 4 só dá 55×55 com 227.)
    num_classes : int, padrão 1000
        Número de classes.
    local_response_normalization : bool, padrão False
        Se verdadeiro, aplica depois de conv1 e conv2 a normalização local de resposta do artigo, com
        ``tf.nn.local_response_normalization`` numa camada ``Lambda`` (não tem pesos). O artigo soma sobre
        :math:`n = 5` mapas vizinhos; o TensorFlow pede o raio, ``depth_radius = (n - 1) / 2 = 2``, e usa
        ``bias`` = k = 2, ``alpha`` = α = 1e-4 (multiplica a soma, sem dividir por n) e ``beta`` = β = 0,75.
        O Keras não tem uma camada própria para isso: ela caiu em desuso depois da normalização em lote.
    dropout : float em [0, 1), padrão 0.5
        Fração desligada pelo dropout das camadas densas.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> alexnet().count_params()
    62378344
    """
    _check_input_shape(input_shape, 67)
    num_classes = check_int(num_classes, "num_classes")
    dropout = check_number(dropout, "dropout", 0.0, 1.0, include_high=False)
    if not isinstance(local_response_normalization, bool):
        raise TypeError(
            "local_response_normalization deve ser True ou False; recebido: "
            f"{received(local_response_normalization)}"
        )

    def lrn(name: str) -> list:
        return [_local_response_normalization(name)] if local_response_normalization else []

    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
            *lrn("lrn1"),
            layers.MaxPooling2D(3, strides=2, name="pool1"),
            layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
            *lrn("lrn2"),
            layers.MaxPooling2D(3, strides=2, name="pool2"),
            layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
            layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
            layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
            layers.MaxPooling2D(3, strides=2, name="pool5"),
            layers.Flatten(name="flatten"),
            layers.Dense(4096, activation="relu", name="fc6"),
            layers.Dropout(dropout, name="dropout6"),
            layers.Dense(4096, activation="relu", name="fc7"),
            layers.Dropout(dropout, name="dropout7"),
            layers.Dense(num_classes, activation="softmax", name="predictions"),
        ],
        name="alexnet",
    )


def vgg_block(filters: int, convs: int, *, name: str | None = None) -> list:
    """Um bloco VGG: ``convs`` convoluções 3×3 ``"same"`` com ReLU e um max pooling 2×2 com ``strides=2``.

    Devolve uma lista de camadas para usar dentro de ``keras.Sequential([...])`` (desempacotada com ``*``).
    Com ``name="block1"`` as camadas se chamam ``block1_conv1``, ``block1_conv2``, ..., ``block1_pool``, como
    em ``keras.applications.VGG16``.

    Parameters
    ----------
    filters : int
        Filtros de cada convolução do bloco.
    convs : int
        Número de convoluções.
    name : str, opcional
        Prefixo dos nomes das camadas.

    Returns
    -------
    list of keras.layers.Layer

    Examples
    --------
    >>> [type(layer).__name__ for layer in vgg_block(64, 2)]
    ['Conv2D', 'Conv2D', 'MaxPooling2D']
    >>> model = keras.Sequential([keras.Input((32, 32, 3)), *vgg_block(64, 2, name="block1")])
    >>> model.output_shape, model.count_params()     # (3·3·3 + 1)·64 + (3·3·64 + 1)·64
    ((None, 16, 16, 64), 38720)
    """
    filters = check_int(filters, "filters")
    convs = check_int(convs, "convs")
    block = [
        layers.Conv2D(filters, 3, padding="same", activation="relu", name=_name(name, f"conv{i}"))
        for i in range(1, convs + 1)
    ]
    return [*block, layers.MaxPooling2D(2, strides=2, name=_name(name, "pool"))]


def _vgg(convs_per_block: tuple[int, ...], input_shape, num_classes: int, name: str) -> keras.Sequential:
    _check_input_shape(input_shape, 32)
    num_classes = check_int(num_classes, "num_classes")
    blocks = [
        layer
        for index, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block, strict=True))
        for layer in vgg_block(filters, convs, name=f"block{index + 1}")
    ]
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            *blocks,
            layers.Flatten(name="flatten"),
            layers.Dense(4096, activation="relu", name="fc1"),
            layers.Dense(4096, activation="relu", name="fc2"),
            layers.Dense(num_classes, activation="softmax", name="predictions"),
        ],
        name=name,
    )


def vgg16(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Sequential:
    """VGG-16 (Simonyan e Zisserman, 2014): 13 convoluções 3×3 em 5 blocos e 3 camadas densas.

    Mesma sequência de camadas, nomes e contagem (138 357 544 parâmetros com 224×224×3 e 1000 classes) de
    ``keras.applications.VGG16(weights=None)``; como lá, as densas não têm dropout (o artigo usa 0,5).

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (224, 224, 3)
        Forma da imagem; H e W >= 32 (cinco poolings dividem por 32).
    num_classes : int, padrão 1000
        Número de classes.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> vgg16(input_shape=(32, 32, 3), num_classes=10).count_params()
    33638218
    """
    return _vgg((2, 2, 3, 3, 3), input_shape, num_classes, "vgg16")


def vgg19(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Sequential:
    """VGG-19: como :func:`vgg16`, com 4 convoluções (em vez de 3) nos blocos 3, 4 e 5.

    Igual a ``keras.applications.VGG19(weights=None)``: 143 667 240 parâmetros com 224×224×3 e 1000 classes.

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (224, 224, 3)
        Forma da imagem; H e W >= 32.
    num_classes : int, padrão 1000
        Número de classes.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> vgg19(input_shape=(32, 32, 3), num_classes=10).count_params()
    38947914
    """
    return _vgg((2, 2, 4, 4, 4), input_shape, num_classes, "vgg19")


def _projection(x, channels: int, strides: int, use_bias: bool, name: str | None):
    """Atalho com projeção: convolução 1×1 (com ``strides``) seguida de normalização em lote."""
    shortcut = layers.Conv2D(channels, 1, strides=strides, use_bias=use_bias, name=_name(name, "0_conv"))(x)
    return layers.BatchNormalization(epsilon=_BN_EPSILON, name=_name(name, "0_bn"))(shortcut)


def _conv_bn(x, filters: int, kernel_size: int, strides: int, use_bias: bool, name: str | None, index: int):
    """Convolução ``"same"`` seguida de normalização em lote (camadas ``{name}_{index}_conv`` e ``_bn``)."""
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=use_bias,
        name=_name(name, f"{index}_conv"),
    )(x)
    return layers.BatchNormalization(epsilon=_BN_EPSILON, name=_name(name, f"{index}_bn"))(x)


def _merge(shortcut, x, name: str | None):
    """Soma elemento a elemento do atalho com o ramo principal, depois ReLU."""
    x = layers.Add(name=_name(name, "add"))([shortcut, x])
    return layers.Activation("relu", name=_name(name, "out"))(x)


def residual_block(x, filters: int, strides: int = 1, *, name: str | None = None):
    """Bloco residual básico da ResNet-18/34 (API funcional do Keras).

    Ramo principal: conv 3×3 (com ``strides``) → normalização em lote → ReLU → conv 3×3 → normalização em
    lote. Atalho (conexão residual): a própria entrada ou, quando ``strides != 1`` ou o número de canais muda,
    uma projeção conv 1×1 + normalização em lote. Os dois são **somados** (``layers.Add``, não concatenados)
    e passam por uma ReLU. As convoluções não têm bias: o :math:`\\beta` da normalização em lote logo depois
    já faz esse papel (como no artigo e na ``torchvision``).

    Parameters
    ----------
    x : KerasTensor
        Entrada NHWC.
    filters : int
        Canais de saída do bloco.
    strides : int, padrão 1
        Passo da primeira convolução (2 reduz a altura e a largura pela metade).
    name : str, opcional
        Prefixo dos nomes: ``{name}_1_conv``, ``{name}_1_bn``, ..., ``{name}_add``, ``{name}_out``.

    Returns
    -------
    KerasTensor

    Examples
    --------
    >>> inputs = keras.Input((8, 8, 16))
    >>> residual_block(inputs, 32, strides=2).shape
    (None, 4, 4, 32)
    """
    filters = check_int(filters, "filters")
    strides = check_int(strides, "strides")
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = _projection(x, filters, strides, False, name)
    y = _conv_bn(x, filters, 3, strides, False, name, 1)
    y = layers.Activation("relu", name=_name(name, "1_relu"))(y)
    y = _conv_bn(y, filters, 3, 1, False, name, 2)
    return _merge(shortcut, y, name)


def bottleneck_block(x, filters: int, strides: int = 1, *, name: str | None = None):
    """Bloco residual "gargalo" da ResNet-50/101/152, como em ``keras.applications.ResNet50``.

    Ramo principal: conv 1×1 com ``filters`` canais (e ``strides``) → conv 3×3 → conv 1×1 com ``4·filters``
    canais, cada uma seguida de normalização em lote (e ReLU, menos a última). Atalho: a entrada, ou uma
    projeção conv 1×1 + normalização em lote quando ``strides != 1`` ou a entrada não tem ``4·filters``
    canais. Soma (``layers.Add``) e ReLU. As convoluções têm bias, como no Keras, para que a contagem de
    parâmetros seja a mesma de ``keras.applications``.

    Parameters
    ----------
    x : KerasTensor
        Entrada NHWC.
    filters : int
        Canais do gargalo; a saída tem ``4·filters`` canais.
    strides : int, padrão 1
        Passo da primeira convolução 1×1 e da projeção.
    name : str, opcional
        Prefixo dos nomes (``conv2_block1`` dá ``conv2_block1_0_conv``, ... como no Keras).

    Returns
    -------
    KerasTensor

    Examples
    --------
    >>> inputs = keras.Input((8, 8, 64))
    >>> bottleneck_block(inputs, 64).shape
    (None, 8, 8, 256)
    """
    filters = check_int(filters, "filters")
    strides = check_int(strides, "strides")
    shortcut = x
    if strides != 1 or x.shape[-1] != 4 * filters:
        shortcut = _projection(x, 4 * filters, strides, True, name)
    y = _conv_bn(x, filters, 1, strides, True, name, 1)
    y = layers.Activation("relu", name=_name(name, "1_relu"))(y)
    y = _conv_bn(y, filters, 3, 1, True, name, 2)
    y = layers.Activation("relu", name=_name(name, "2_relu"))(y)
    y = _conv_bn(y, 4 * filters, 1, 1, True, name, 3)
    return _merge(shortcut, y, name)


def _resnet(input_shape, num_classes: int, block, stages, stem_bias: bool, name: str) -> keras.Model:
    """Tronco 7×7/2 + max pooling 3×3/2, os estágios de blocos, pooling médio global e a densa softmax."""
    _check_input_shape(input_shape, 32)
    num_classes = check_int(num_classes, "num_classes")
    inputs = keras.Input(shape=tuple(input_shape))
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=stem_bias, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(stages, start=2):
        for index in range(1, blocks + 1):
            strides = 2 if index == 1 and stage > 2 else 1
            x = block(x, filters, strides, name=f"conv{stage}_block{index}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def resnet18(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """ResNet-18 (He et al., 2015): tronco, 4 estágios de 2 blocos básicos (64, 128, 256, 512 filtros).

    Construída como a ``torchvision.models.resnet18``: convoluções sem bias, passo 2 no primeiro bloco dos
    estágios 3 a 5. Com 224×224×3 e 1000 classes o Keras conta 11 699 112 parâmetros, e a torchvision
    11 689 512. A diferença, 9 600, é a média e a variância móveis das 4 800 saídas de normalização em lote:
    o Keras as conta como parâmetros não treináveis, o PyTorch as guarda como *buffers*, fora da contagem. Os
    parâmetros treináveis são os mesmos 11 689 512.

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (224, 224, 3)
        Forma da imagem; H e W >= 32.
    num_classes : int, padrão 1000
        Número de classes.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> resnet18(input_shape=(32, 32, 3), num_classes=10).count_params()
    11191242
    """
    stages = ((64, 2), (128, 2), (256, 2), (512, 2))
    return _resnet(input_shape, num_classes, residual_block, stages, False, "resnet18")


def resnet50(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """ResNet-50 com blocos gargalo (3, 4, 6 e 3), igual a ``keras.applications.ResNet50(weights=None)``.

    Mesmas camadas, na mesma ordem e com os mesmos nomes; 25 636 712 parâmetros com 224×224×3 e 1000 classes
    (dos quais 53 120 são médias e variâncias móveis, não treináveis).

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (224, 224, 3)
        Forma da imagem; H e W >= 32.
    num_classes : int, padrão 1000
        Número de classes.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> resnet50(input_shape=(32, 32, 3), num_classes=10).count_params()
    23608202
    """
    stages = ((64, 3), (128, 4), (256, 6), (512, 3))
    return _resnet(input_shape, num_classes, bottleneck_block, stages, True, "resnet50")


def small_cnn(input_shape=(8, 8, 1), num_classes: int = 10, *, augmentation=None) -> keras.Sequential:
    """CNN compacta para o capítulo prático: os dígitos 8×8 do scikit-learn (``cnn_lib.data.load_digits``).

    Duas convoluções 3×3 ``"same"`` (``conv1`` e ``conv2``, 32 e 64 filtros, sem bias) com normalização em
    lote e ReLU, max pooling 2×2, dropout, ``conv3`` com 128 filtros, pooling médio global, dropout e a densa
    softmax. As normalizações usam ``momentum=0.9`` (o padrão do Keras, 0,99, deixa as médias móveis
    atrasadas nas poucas atualizações de um conjunto pequeno). Treinada com :func:`cnn_lib.train.fit` por 6
    épocas (Adam, lotes de 32), passa de 98 % de acurácia no teste dos dígitos (um teste lento confere;
    ``benchmarks/train.py`` mede o tempo).

    Parameters
    ----------
    input_shape : tupla (H, W, C), padrão (8, 8, 1)
        Forma da imagem; H e W >= 2.
    num_classes : int, padrão 10
        Número de classes.
    augmentation : keras.layers.Layer, opcional
        Camada (ou ``keras.Sequential``) de aumento de dados posta logo depois da entrada, por exemplo
        :func:`augmentation`. As camadas aleatórias do Keras só transformam as imagens no treino; na predição
        e na avaliação deixam as imagens como estão.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> model = small_cnn()
    >>> model.output_shape, model.get_layer("conv2").output.shape
    ((None, 10), (None, 8, 8, 64))
    >>> [layer.name for layer in small_cnn(augmentation=augmentation()).layers[:2]]
    ['augmentation', 'conv1']
    """
    _check_input_shape(input_shape, 2)
    num_classes = check_int(num_classes, "num_classes")
    if augmentation is not None and not isinstance(augmentation, layers.Layer):
        raise TypeError(
            "augmentation deve ser None ou uma camada do Keras (por exemplo models.augmentation()); "
            f"recebido: {received(augmentation)}"
        )

    def conv_bn_relu(filters: int, index: int) -> list:
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}"),
            layers.BatchNormalization(momentum=0.9, name=f"bn{index}"),
            layers.ReLU(name=f"relu{index}"),
        ]

    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            *([] if augmentation is None else [augmentation]),
            *conv_bn_relu(32, 1),
            *conv_bn_relu(64, 2),
            layers.MaxPooling2D(2, name="pool"),
            layers.Dropout(0.25, name="dropout1"),
            *conv_bn_relu(128, 3),
            layers.GlobalAveragePooling2D(name="avg_pool"),
            layers.Dropout(0.25, name="dropout2"),
            layers.Dense(num_classes, activation="softmax", name="predictions"),
        ],
        name="small_cnn",
    )


_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
_FILL_MODES = ("constant", "reflect", "wrap", "nearest")


def augmentation(
    *,
    rotation: float = 0.04,
    translation: float = 0.125,
    zoom: float = 0.1,
    flip: str | None = None,
    fill_mode: str = "constant",
    seed: int = 0,
) -> keras.Sequential:
    """Camadas de aumento de dados (data augmentation) do Keras, numa ``keras.Sequential`` "augmentation".

    Na ordem: ``RandomFlip`` (se ``flip``), ``RandomRotation``, ``RandomTranslation`` e ``RandomZoom`` (cada
    uma só se o seu fator for maior que zero). A cada lote de treino, cada imagem recebe uma transformação
    sorteada; fora do treino (``training=False``, o padrão de ``predict`` e ``evaluate``) as camadas devolvem
    as imagens sem mudança. Os padrões servem para os dígitos 8×8: giros de até
    :math:`0{,}04 \\cdot 360° \\approx 14°`, deslocamentos de até um pixel (:math:`0{,}125 \\cdot 8`) e
    ampliações/reduções de até 10 %, sem espelhamento (um 2 espelhado não é um 2) e com o fundo preenchido de
    zeros (o fundo dos dígitos).

    Parameters
    ----------
    rotation : float em [0, 0,5], padrão 0.04
        Giro máximo, em frações de volta completa (o ``factor`` de ``RandomRotation``).
    translation : float em [0, 1), padrão 0.125
        Deslocamento máximo, em fração da altura e da largura.
    zoom : float em [0, 1), padrão 0.1
        Ampliação/redução máxima, em fração do tamanho.
    flip : {None, "horizontal", "vertical", "horizontal_and_vertical"}, padrão None
        Espelhamento aleatório (o ``mode`` de ``RandomFlip``); ``None`` não espelha.
    fill_mode : {"constant", "reflect", "wrap", "nearest"}, padrão "constant"
        Como preencher os pixels que entram pela borda; ``"constant"`` põe zeros.
    seed : int, padrão 0
        Semente das camadas (cada uma recebe ``seed``, ``seed + 1``, ...): a mesma semente dá a mesma
        sequência de transformações.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> aumento = augmentation(seed=0)
    >>> [type(layer).__name__ for layer in aumento.layers]
    ['RandomRotation', 'RandomTranslation', 'RandomZoom']
    >>> imagens = keras.ops.ones((2, 8, 8, 1))
    >>> bool(keras.ops.all(aumento(imagens, training=False) == imagens))   # fora do treino: identidade
    True
    >>> tuple(aumento(imagens, training=True).shape)                        # no treino: a mesma forma
    (2, 8, 8, 1)
    """
    rotation = check_number(rotation, "rotation", 0.0, 0.5)
    translation = check_number(translation, "translation", 0.0, 1.0, include_high=False)
    zoom = check_number(zoom, "zoom", 0.0, 1.0, include_high=False)
    if flip is not None and flip not in _FLIP_MODES:
        raise ValueError(
            "flip deve ser None, 'horizontal', 'vertical' ou 'horizontal_and_vertical'; "
            f"recebido: {received(flip)}"
        )
    if fill_mode not in _FILL_MODES:
        raise ValueError(
            f"fill_mode deve ser 'constant', 'reflect', 'wrap' ou 'nearest'; recebido: {received(fill_mode)}"
        )
    seed = check_int(seed, "seed", minimum=0)
    steps = []
    if flip is not None:
        steps.append(layers.RandomFlip(flip, seed=seed + len(steps), name="random_flip"))
    if rotation > 0:
        steps.append(
            layers.RandomRotation(
                rotation, fill_mode=fill_mode, seed=seed + len(steps), name="random_rotation"
            )
        )
    if translation > 0:
        steps.append(
            layers.RandomTranslation(
                translation,
                translation,
                fill_mode=fill_mode,
                seed=seed + len(steps),
                name="random_translation",
            )
        )
    if zoom > 0:
        steps.append(layers.RandomZoom(zoom, fill_mode=fill_mode, seed=seed + len(steps), name="random_zoom"))
    if not steps:
        raise ValueError(
            "augmentation sem nenhuma transformação: dê rotation, translation ou zoom maior que 0, ou um flip"
        )
    return keras.Sequential(steps, name="augmentation")


def replace_head(model, num_classes: int, *, feature_layer: str | None = None) -> keras.Model:
    """Cópia de ``model`` até ``feature_layer``, com os pesos aprendidos, e uma camada de saída nova.

    É o primeiro passo do aprendizado por transferência (transfer learning): as camadas de um modelo treinado
    numa tarefa viram o extrator de características de outra, e só a saída, uma densa softmax nova chamada
    ``predictions`` com pesos sorteados, é feita para a tarefa nova. As camadas são copiadas
    (``keras.models.clone_model`` e os pesos de ``model``): treinar ou congelar o modelo novo não muda o
    original. Para congelar as camadas copiadas, use :func:`cnn_lib.train.freeze`.

    Parameters
    ----------
    model : keras.Model
        Modelo treinado, Sequential ou funcional, com uma entrada (construído com ``keras.Input``).
    num_classes : int
        Classes da tarefa nova.
    feature_layer : str, opcional
        Nome da camada cuja saída alimenta a nova densa; o padrão é a penúltima camada de ``model.layers``
        (a que vem antes da saída antiga).

    Returns
    -------
    keras.Model
        Modelo funcional com a mesma entrada e ``num_classes`` saídas.

    Examples
    --------
    >>> base = small_cnn(num_classes=5)
    >>> nova = replace_head(base, 3)
    >>> nova.output_shape, nova.layers[-2].name
    ((None, 3), 'dropout2')
    >>> nova.get_layer("conv1") is base.get_layer("conv1")     # cópia, não a mesma camada
    False
    """
    if not isinstance(model, keras.Model) or not model.built or not model.inputs or len(model.inputs) != 1:
        raise TypeError(
            "model deve ser um keras.Model construído com uma entrada (keras.Input); "
            f"recebido: {received(model)}"
        )
    num_classes = check_int(num_classes, "num_classes")
    names = [layer.name for layer in model.layers]
    if feature_layer is None:
        if len(names) < 2:
            raise ValueError(f"model deve ter pelo menos duas camadas; recebido: {len(names)}")
        feature_layer = names[-2]
    elif feature_layer not in names:
        raise ValueError(
            f"feature_layer: o modelo não tem camada chamada {feature_layer!r}; camadas: {', '.join(names)}"
        )
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    features = copy.get_layer(feature_layer).output
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(features)
    return keras.Model(copy.inputs, outputs, name=f"{model.name}_transferido")


def inception_block(
    x,
    filters_1x1: int,
    filters_3x3: int,
    filters_5x5: int,
    pool_projection: int | None = None,
    *,
    reduce_3x3: int | None = None,
    reduce_5x5: int | None = None,
    name: str | None = None,
):
    """Módulo Inception (GoogLeNet, Szegedy et al., 2015): quatro ramos em paralelo, concatenados nos canais.

    Ramos: conv 1×1; conv 3×3; conv 5×5; max pooling 3×3 com passo 1. Todos com ``padding="same"`` e ReLU,
    para que as saídas tenham a mesma altura e largura e possam ser concatenadas (``layers.Concatenate``, que
    empilha os canais). Com ``reduce_3x3``/``reduce_5x5``, uma conv 1×1 reduz os canais antes da 3×3/5×5; com
    ``pool_projection``, uma conv 1×1 reduz os canais depois do pooling. Sem esses três, é a versão "ingênua"
    do artigo, muito mais cara.

    Parameters
    ----------
    x : KerasTensor
        Entrada NHWC.
    filters_1x1, filters_3x3, filters_5x5 : int
        Filtros da conv 1×1, da 3×3 e da 5×5.
    pool_projection : int, opcional
        Filtros da conv 1×1 depois do pooling; ``None`` deixa passar os canais do pooling como estão.
    reduce_3x3, reduce_5x5 : int, opcional
        Filtros das convs 1×1 de redução antes da 3×3 e da 5×5; ``None`` não reduz.
    name : str, opcional
        Prefixo dos nomes: ``{name}_1x1``, ``{name}_3x3_reduce``, ``{name}_3x3``, ..., ``{name}_concat``.

    Returns
    -------
    KerasTensor
        Saída com ``filters_1x1 + filters_3x3 + filters_5x5`` canais, mais ``pool_projection`` (ou os canais
        da entrada, sem projeção).

    Examples
    --------
    >>> entrada = keras.Input((28, 28, 192))        # o módulo 3a da GoogLeNet
    >>> saida = inception_block(entrada, 64, 128, 32, 32, reduce_3x3=96, reduce_5x5=16)
    >>> saida.shape
    (None, 28, 28, 256)
    >>> inception_block(entrada, 64, 128, 32).shape   # versão ingênua: os 192 canais do pooling passam
    (None, 28, 28, 416)
    """
    filters = {"filters_1x1": filters_1x1, "filters_3x3": filters_3x3, "filters_5x5": filters_5x5}
    filters = {key: check_int(value, key) for key, value in filters.items()}
    optional = {"pool_projection": pool_projection, "reduce_3x3": reduce_3x3, "reduce_5x5": reduce_5x5}
    optional = {key: None if value is None else check_int(value, key) for key, value in optional.items()}

    def conv(tensor, count: int, size: int, suffix: str):
        return layers.Conv2D(count, size, padding="same", activation="relu", name=_name(name, suffix))(tensor)

    def reduced(count: int | None, suffix: str):
        return x if count is None else conv(x, count, 1, f"{suffix}_reduce")

    branch_1 = conv(x, filters["filters_1x1"], 1, "1x1")
    branch_3 = conv(reduced(optional["reduce_3x3"], "3x3"), filters["filters_3x3"], 3, "3x3")
    branch_5 = conv(reduced(optional["reduce_5x5"], "5x5"), filters["filters_5x5"], 5, "5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=_name(name, "pool"))(x)
    if optional["pool_projection"] is not None:
        branch_pool = conv(branch_pool, optional["pool_projection"], 1, "pool_proj")
    return layers.Concatenate(name=_name(name, "concat"))([branch_1, branch_3, branch_5, branch_pool])


# Camadas que não mudam o campo receptivo: agem pixel a pixel, juntam ramos ou só preenchem a borda (o
# preenchimento muda onde o campo fica, não o seu tamanho). As camadas aleatórias de aumento de dados são a
# identidade fora do treino.
_POINTWISE = (
    layers.InputLayer,
    layers.BatchNormalization,
    layers.LayerNormalization,
    layers.Activation,
    layers.ReLU,
    layers.Dropout,
    layers.SpatialDropout2D,
    layers.ZeroPadding2D,
    layers.Rescaling,
    layers.Add,
    layers.Subtract,
    layers.Multiply,
    layers.Average,
    layers.Maximum,
    layers.Concatenate,
    layers.RandomFlip,
    layers.RandomRotation,
    layers.RandomTranslation,
    layers.RandomZoom,
)
_WINDOWED = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
_POOLING = (layers.MaxPooling2D, layers.AveragePooling2D)


def _window(layer) -> tuple[int, int, int] | None:
    """``(kernel_size, strides, dilation_rate)`` (na altura) de uma convolução ou pooling; senão ``None``."""
    if isinstance(layer, _WINDOWED):
        return layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0]
    if isinstance(layer, _POOLING):
        return layer.pool_size[0], layer.strides[0], 1
    return None


def _parents(layer) -> list[str]:
    if len(layer._inbound_nodes) != 1:
        raise ValueError(
            f"a camada {layer.name!r} é usada {len(layer._inbound_nodes)} vezes; "
            "receptive_field_layers aceita só camadas usadas uma vez"
        )
    return [parent.operation.name for parent in layer._inbound_nodes[0].parent_nodes]


def receptive_field_layers(model) -> dict[str, tuple[int, int, int]]:
    """As convoluções e poolings de ``model`` no caminho de maior campo receptivo, até o último mapa espacial.

    Devolve, na ordem da rede, ``{nome: (kernel_size, strides, dilation_rate)}`` (na altura) das camadas que
    mudam o campo receptivo, no formato que :func:`cnn_lib.shapes.receptive_field` recebe:
    ``shapes.receptive_field(list(camadas.values()))`` é o campo receptivo de um pixel do último mapa de
    características (o que chega ao achatamento, ao pooling global ou à primeira densa). Camadas pixel a pixel
    (normalização em lote, ativações, dropout), preenchimentos e somas não mudam o tamanho do campo e ficam de
    fora. Num modelo com ramos (ResNet, Inception), onde dois ramos se juntam vale o de maior campo receptivo.

    Parameters
    ----------
    model : keras.Model
        Modelo Sequential ou funcional, construído com ``keras.Input``, sem modelos aninhados.

    Returns
    -------
    dict
        ``{nome da camada: (kernel_size, strides, dilation_rate)}``.

    Raises
    ------
    TypeError
        Se o modelo tiver uma camada de tipo desconhecido (por exemplo ``Lambda`` ou um modelo aninhado)
        antes do fim da parte espacial.

    Examples
    --------
    >>> camadas = receptive_field_layers(lenet5())
    >>> camadas
    {'c1': (5, 1, 1), 's2': (2, 2, 1), 'c3': (5, 1, 1), 's4': (2, 2, 1)}
    >>> receptive_field(list(camadas.values()))
    16
    """
    if not isinstance(model, keras.Model) or not model.built or not model.inputs:
        raise TypeError(
            f"model deve ser um keras.Model construído com keras.Input; recebido: {received(model)}"
        )
    paths: dict[str, dict[str, tuple[int, int, int]]] = {}
    last: dict[str, tuple[int, int, int]] = {}
    for layer in model.layers:
        candidates = [paths.get(parent, {}) for parent in _parents(layer)] or [{}]
        path = max(candidates, key=lambda candidate: receptive_field(list(candidate.values())))
        if len(layer.output.shape) != 4:
            return path
        window = _window(layer)
        if window is not None:
            path = {**path, layer.name: window}
        elif not isinstance(layer, _POINTWISE):
            raise TypeError(
                f"receptive_field_layers não sabe o efeito da camada {layer.name!r} (tipo "
                f"{type(layer).__name__}) sobre o campo receptivo; aceito convoluções, poolings e camadas "
                "pixel a pixel"
            )
        paths[layer.name] = last = path
    return last
