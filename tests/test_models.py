"""Construtores de cnn_lib.models: contagens publicadas, camadas iguais às de keras.applications, blocos."""

import keras
import numpy as np
import pytest
from keras import layers

from cnn_lib import models
from cnn_lib.shapes import batchnorm_params, conv_params, dense_params, output_size


def _trainable(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def _layout(model) -> list[tuple]:
    """(tipo, nome, forma da saída, parâmetros) de cada camada, sem a camada de entrada."""
    return [
        (type(layer).__name__, layer.name, tuple(layer.output.shape), layer.count_params())
        for layer in model.layers
        if not isinstance(layer, layers.InputLayer)
    ]


def test_lenet5_has_the_published_61706_parameters():
    model = models.lenet5()
    by_formula = (
        conv_params(5, 1, 6)
        + conv_params(5, 6, 16)
        + dense_params(400, 120)
        + dense_params(120, 84)
        + dense_params(84, 10)
    )
    assert model.count_params() == by_formula == 61_706
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
    assert shapes[:5] == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,)]
    assert [layer.activation.__name__ for layer in model.layers if hasattr(layer, "activation")] == [
        "tanh",
        "tanh",
        "tanh",
        "tanh",
        "softmax",
    ]


def test_lenet5_arguments_change_the_model():
    model = models.lenet5(input_shape=(28, 28, 3), num_classes=7, activation="relu")
    assert model.output_shape == (None, 7)
    assert model.get_layer("c1").activation.__name__ == "relu"
    assert model.get_layer("c1").kernel.shape == (5, 5, 3, 6)


@pytest.fixture(scope="module")
def alexnet():
    return models.alexnet()


def test_alexnet_single_stream_count_against_the_formulas(alexnet):
    model = alexnet
    flat = output_size(output_size(output_size(output_size(227, 11, 4), 3, 2), 3, 2), 3, 2)
    assert flat == 6
    expected = (
        conv_params(11, 3, 96)
        + conv_params(5, 96, 256)
        + conv_params(3, 256, 384)
        + conv_params(3, 384, 384)
        + conv_params(3, 384, 256)
        + dense_params(flat * flat * 256, 4096)
        + dense_params(4096, 4096)
        + dense_params(4096, 1000)
    )
    # 62 378 344: numa só coluna são cerca de 62,4 milhões (o artigo, com convoluções agrupadas, diz "60").
    assert model.count_params() == expected == 62_378_344
    assert [tuple(model.get_layer(n).output.shape[1:]) for n in ("conv1", "pool1", "pool2", "pool5")] == [
        (55, 55, 96),
        (27, 27, 96),
        (13, 13, 256),
        (6, 6, 256),
    ]
    assert [layer.rate for layer in model.layers if isinstance(layer, layers.Dropout)] == [0.5, 0.5]


def test_alexnet_two_gpu_grouped_convolutions_explain_the_60_million(alexnet):
    """Com conv2, conv4 e conv5 em dois grupos (as duas GPUs do artigo), a conta cai para perto de 60 M."""
    saved = 0
    for name in ("conv2", "conv4", "conv5"):
        layer = alexnet.get_layer(name)
        grouped = layers.Conv2D(layer.filters, layer.kernel_size, padding="same", groups=2)
        grouped.build(layer.input.shape)
        in_channels = layer.input.shape[-1]
        assert grouped.count_params() == conv_params(layer.kernel_size, in_channels // 2, layer.filters)
        saved += layer.count_params() - grouped.count_params()
    assert 60_000_000 < alexnet.count_params() - saved < 61_000_000


def test_alexnet_local_response_normalization_follows_the_paper():
    model = models.alexnet(input_shape=(67, 67, 3), num_classes=10, local_response_normalization=True)
    names = [layer.name for layer in model.layers]
    assert names[:6] == ["conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2"]
    assert model.count_params() == models.alexnet(input_shape=(67, 67, 3), num_classes=10).count_params()
    rng = np.random.default_rng(0)
    images = rng.random((2, 67, 67, 3), dtype=np.float32)
    both = keras.Model(model.inputs[0], [model.get_layer("conv1").output, model.get_layer("lrn1").output])
    a, b = (keras.ops.convert_to_numpy(t) for t in both(images))
    squares = np.pad(a**2, ((0, 0), (0, 0), (0, 0), (2, 2)))
    window = sum(squares[..., i : i + a.shape[-1]] for i in range(5))  # n = 5 mapas vizinhos
    np.testing.assert_allclose(b, a / (2.0 + 1e-4 * window) ** 0.75, rtol=1e-5, atol=1e-6)


def test_vgg_block_layers_names_and_count():
    rng = np.random.default_rng(1)
    for _ in range(5):
        filters, convs, channels = int(rng.integers(1, 9)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        block = models.vgg_block(filters, convs, name="b")
        assert [layer.name for layer in block] == [f"b_conv{i}" for i in range(1, convs + 1)] + ["b_pool"]
        model = keras.Sequential([keras.Input((10, 10, channels)), *block])
        assert model.output_shape == (None, 5, 5, filters)
        expected = conv_params(3, channels, filters) + (convs - 1) * conv_params(3, filters, filters)
        assert model.count_params() == expected
        assert all(layer.padding == "same" for layer in block[:-1])
        assert block[-1].strides == (2, 2)


@pytest.mark.parametrize(("builder", "application"), [("vgg16", "VGG16"), ("vgg19", "VGG19")])
def test_vgg_matches_keras_applications_layer_by_layer(builder, application):
    """Em 32×32 com 10 classes (rápido); a contagem em 224×224 está no teste lento abaixo."""
    ours = getattr(models, builder)(input_shape=(32, 32, 3), num_classes=10)
    theirs = getattr(keras.applications, application)(weights=None, input_shape=(32, 32, 3), classes=10)
    assert _layout(ours) == _layout(theirs)
    assert ours.count_params() == theirs.count_params()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("builder", "application", "published"),
    [("vgg16", "VGG16", 138_357_544), ("vgg19", "VGG19", 143_667_240)],
)
def test_vgg_published_counts_at_224(builder, application, published):
    ours = getattr(models, builder)()
    assert ours.count_params() == published
    ours_layout = _layout(ours)
    del ours
    theirs = getattr(keras.applications, application)(weights=None)
    assert _layout(theirs) == ours_layout


def test_resnet50_matches_keras_applications():
    ours = models.resnet50()
    theirs = keras.applications.ResNet50(weights=None)
    assert ours.count_params() == theirs.count_params() == 25_636_712
    assert _trainable(ours) == _trainable(theirs)
    assert _layout(ours) == _layout(theirs)


def test_resnet18_count_and_the_torchvision_difference():
    model = models.resnet18()
    assert model.count_params() == 11_699_112
    bn_channels = sum(
        layer.gamma.shape[0] for layer in model.layers if isinstance(layer, layers.BatchNormalization)
    )
    assert bn_channels == 4_800
    # torchvision conta 11 689 512: sem as médias e variâncias móveis (buffers no PyTorch).
    assert _trainable(model) == 11_689_512 == model.count_params() - 2 * bn_channels
    assert sum(isinstance(layer, layers.Add) for layer in model.layers) == 8
    assert sum(isinstance(layer, layers.Conv2D) for layer in model.layers) == 20  # 17 + 3 projeções
    assert not any(layer.use_bias for layer in model.layers if isinstance(layer, layers.Conv2D))
    assert model.get_layer("avg_pool").input.shape[1:] == (7, 7, 512)


def _block_model(block, shape, filters, strides):
    inputs = keras.Input(shape)
    return keras.Model(inputs, block(inputs, filters, strides, name="b"))


def test_residual_block_sums_branch_and_shortcut():
    rng = np.random.default_rng(2)
    for _ in range(6):
        size, channels = int(rng.integers(3, 9)), int(rng.integers(1, 5))
        filters, strides = int(rng.choice([channels, channels + 2])), int(rng.integers(1, 3))
        model = _block_model(models.residual_block, (size, size, channels), filters, strides)
        names = {layer.name for layer in model.layers}
        projected = strides != 1 or filters != channels
        assert ("b_0_conv" in names) == projected
        assert model.output_shape == (None, -(-size // strides), -(-size // strides), filters)
        expected = conv_params(3, channels, filters, False) + conv_params(3, filters, filters, False)
        expected += 2 * batchnorm_params(filters)
        if projected:
            expected += conv_params(1, channels, filters, False) + batchnorm_params(filters)
        assert model.count_params() == expected
        shortcut = model.get_layer("b_0_bn").output if projected else model.inputs[0]
        probe = keras.Model(model.inputs[0], [shortcut, model.get_layer("b_2_bn").output, model.output])
        x = rng.standard_normal((2, size, size, channels)).astype(np.float32)
        short, branch, out = (keras.ops.convert_to_numpy(t) for t in probe(x))
        np.testing.assert_allclose(out, np.maximum(short + branch, 0), rtol=1e-5, atol=1e-5)


def test_bottleneck_block_shapes_and_projection_rule():
    rng = np.random.default_rng(3)
    for _ in range(6):
        size, filters, strides = int(rng.integers(3, 9)), int(rng.integers(1, 5)), int(rng.integers(1, 3))
        channels = int(rng.choice([4 * filters, filters]))
        model = _block_model(models.bottleneck_block, (size, size, channels), filters, strides)
        projected = strides != 1 or channels != 4 * filters
        assert ("b_0_conv" in {layer.name for layer in model.layers}) == projected
        assert model.output_shape == (None, -(-size // strides), -(-size // strides), 4 * filters)
        assert model.get_layer("b_add").__class__ is layers.Add


def test_unnamed_blocks_use_keras_default_names():
    inputs = keras.Input((4, 4, 2))
    outputs = models.residual_block(models.residual_block(inputs, 2), 2)
    names = [layer.name for layer in keras.Model(inputs, outputs).layers]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("builder", "minimum"),
    [
        ("lenet5", 16),
        ("alexnet", 67),
        ("vgg16", 32),
        ("vgg19", 32),
        ("resnet18", 32),
        ("resnet50", 32),
        ("small_cnn", 2),
    ],
)
def test_minimum_input_size(builder, minimum):
    build = getattr(models, builder)
    model = build(input_shape=(minimum, minimum, 1), num_classes=3)
    assert model.output_shape == (None, 3)
    assert all(dim is None or dim > 0 for layer in model.layers for dim in layer.output.shape)
    with pytest.raises(ValueError, match=rf"input_shape deve ter altura e largura >= {minimum}.*recebido"):
        build(input_shape=(minimum - 1, minimum, 1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_shape": (32, 32)}, TypeError, "input_shape deve ser uma tupla de 3 inteiros"),
        ({"input_shape": (32.0, 32, 1)}, TypeError, "input_shape deve ser uma tupla de 3 inteiros"),
        ({"input_shape": (32, 32, 0)}, ValueError, "pelo menos 1 canal"),
        ({"num_classes": 0}, ValueError, "num_classes deve ser um inteiro positivo; recebido: 0"),
        ({"num_classes": 2.5}, TypeError, "num_classes deve ser um inteiro positivo"),
    ],
)
def test_builders_reject_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.lenet5(**kwargs)


def test_alexnet_rejects_bad_options():
    with pytest.raises(ValueError, match=r"dropout deve ser um número real em \[0.0, 1.0\); recebido: 1.0"):
        models.alexnet(dropout=1.0)
    with pytest.raises(TypeError, match="local_response_normalization deve ser True ou False"):
        models.alexnet(local_response_normalization="sim")


def test_blocks_reject_bad_arguments():
    inputs = keras.Input((8, 8, 4))
    with pytest.raises(ValueError, match="strides deve ser um inteiro positivo; recebido: 0"):
        models.residual_block(inputs, 4, strides=0)
    with pytest.raises(ValueError, match="filters deve ser um inteiro positivo; recebido: -1"):
        models.bottleneck_block(inputs, -1)
    with pytest.raises(ValueError, match="convs deve ser um inteiro positivo; recebido: 0"):
        models.vgg_block(64, 0)


def test_builders_return_fresh_models():
    keras.utils.set_random_seed(0)
    first = models.small_cnn()
    second = models.small_cnn()
    assert first is not second
    assert not np.array_equal(first.layers[0].kernel.numpy(), second.layers[0].kernel.numpy())
    assert first.output_shape == (None, 10)
