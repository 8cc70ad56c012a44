"""cnn_lib.params.summary: contagens iguais às do Keras, fórmulas corretas, erros em português."""

import re

import keras
import numpy as np
import pytest
from keras import layers

from cnn_lib import models
from cnn_lib.params import format_number, summary

NBSP = "\u00a0"


def _size(variables) -> int:
    return sum(int(np.prod(v.shape)) for v in variables)


def _check_against_keras(model) -> None:
    result = summary(model)
    assert result.total == model.count_params()
    assert result.trainable == _size(model.trainable_weights)
    assert result.non_trainable == _size(model.non_trainable_weights)
    for row in result.rows:
        assert row.params == row.trainable + row.non_trainable
        if row.params == 0:
            assert row.formula == "0"
            continue
        expression, value = row.formula.rsplit(" = ", 1)
        assert value == format_number(row.params)
        python = expression.replace("·", "*")
        assert re.fullmatch(r"[0-9 +*()]+", python), row.formula
        assert eval(python) == row.params, row.formula  # a conta escrita dá mesmo o número


@pytest.mark.parametrize(
    ("builder", "kwargs"),
    [
        ("lenet5", {}),
        ("alexnet", {"input_shape": (67, 67, 3), "num_classes": 10, "local_response_normalization": True}),
        ("vgg16", {"input_shape": (32, 32, 3), "num_classes": 10}),
        ("vgg19", {"input_shape": (32, 32, 3), "num_classes": 10}),
        ("resnet18", {"input_shape": (32, 32, 3), "num_classes": 10}),
        ("resnet50", {"input_shape": (32, 32, 3), "num_classes": 10}),
        ("small_cnn", {}),
    ],
)
def test_summary_of_every_builder_equals_keras(builder, kwargs):
    model = getattr(models, builder)(**kwargs)
    _check_against_keras(model)
    assert [row.name for row in summary(model).rows if row.type != "InputLayer"] == [
        layer.name for layer in model.layers if not isinstance(layer, layers.InputLayer)
    ]


def test_resnet50_non_trainable_are_the_moving_statistics():
    model = models.resnet50(input_shape=(32, 32, 3), num_classes=10)
    result = summary(model)
    bn_rows = [row for row in result.rows if row.type == "BatchNormalization"]
    assert (
        result.non_trainable
        == sum(row.non_trainable for row in bn_rows)
        == sum(row.params for row in bn_rows) // 2
    )


@pytest.mark.parametrize(
    ("layer", "input_shape", "formula"),
    [
        (layers.Conv2D(64, 3), (8, 8, 32), "(3·3·32 + 1)·64 = 18 496"),
        (layers.Conv2D(64, 3, use_bias=False), (8, 8, 32), "3·3·32·64 = 18 432"),
        (layers.Conv2D(8, (3, 5), groups=2), (8, 8, 4), "(3·5·2 + 1)·8 = 248"),
        (layers.Conv1D(16, 5), (20, 8), "(5·8 + 1)·16 = 656"),
        (layers.Conv2DTranspose(64, 2), (4, 4, 128), "(2·2·128 + 1)·64 = 32 832"),
        (layers.DepthwiseConv2D(3), (8, 8, 32), "(3·3 + 1)·32 = 320"),
        (layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False), (8, 8, 32), "3·3·32·2 = 576"),
        (layers.SeparableConv2D(64, 3), (8, 8, 32), "3·3·32 + (32 + 1)·64 = 2 400"),
        (layers.SeparableConv2D(64, 3, depth_multiplier=2), (8, 8, 32), "3·3·32·2 + (32·2 + 1)·64 = 4 736"),
        (layers.Dense(10), (128,), "(128 + 1)·10 = 1 290"),
        (layers.Dense(10, use_bias=False), (4, 128), "128·10 = 1 280"),
        (layers.BatchNormalization(), (8, 8, 64), "2·64 + 2·64 = 256"),
        (layers.BatchNormalization(center=False), (8, 8, 64), "1·64 + 2·64 = 192"),
        (layers.BatchNormalization(center=False, scale=False), (8, 8, 64), "2·64 = 128"),
        (layers.MaxPooling2D(2), (8, 8, 64), "0"),
    ],
)
def test_formula_text(layer, input_shape, formula):
    model = keras.Sequential([keras.Input(input_shape), layer])
    (row,) = summary(model).rows
    expression, _, value = formula.rpartition(" = ")
    assert row.formula == (f"{expression} = {value.replace(' ', NBSP)}" if expression else formula)
    _check_against_keras(model)


def _spatial_layer(rng, channels: int):
    """Uma camada 2-D ao acaso que preserva altura e largura (ou as altera de forma segura)."""
    filters = int(rng.integers(1, 9))
    kernel = int(rng.integers(1, 4))
    bias = bool(rng.integers(2))
    choices = [
        lambda: layers.Conv2D(filters, kernel, padding="same", use_bias=bias),
        lambda: (
            layers.Conv2D(2 * filters, kernel, padding="same", groups=2)
            if channels % 2 == 0
            else layers.ReLU()
        ),
        lambda: layers.DepthwiseConv2D(
            kernel, depth_multiplier=int(rng.integers(1, 3)), padding="same", use_bias=bias
        ),
        lambda: layers.SeparableConv2D(
            filters, kernel, depth_multiplier=int(rng.integers(1, 3)), padding="same"
        ),
        lambda: layers.Conv2DTranspose(filters, kernel, padding="same", use_bias=bias),
        lambda: layers.BatchNormalization(center=bool(rng.integers(2)), scale=bool(rng.integers(2))),
        lambda: layers.MaxPooling2D(2, padding="same"),
        lambda: layers.AveragePooling2D(2, padding="same"),
        lambda: layers.Dropout(0.3),
        lambda: layers.SpatialDropout2D(0.2),
        lambda: layers.Activation("tanh"),
        lambda: layers.ReLU(),
        lambda: layers.LeakyReLU(),
        lambda: layers.ZeroPadding2D(1),
        lambda: layers.Rescaling(1 / 255),
        lambda: layers.Lambda(lambda t: 2.0 * t),
    ]
    return choices[int(rng.integers(len(choices)))]()


def _head(rng, x):
    choice = int(rng.integers(4))
    if choice == 0:
        x = layers.Flatten()(x)
    elif choice == 1:
        x = layers.GlobalAveragePooling2D()(x)
    elif choice == 2:
        x = layers.GlobalMaxPooling2D()(x)
    else:  # 1-D: cada linha da imagem vira um passo de uma sequência
        x = layers.Reshape((x.shape[1], x.shape[2] * x.shape[3]))(x)
        x = layers.Conv1D(int(rng.integers(1, 6)), int(rng.integers(1, 3)), padding="same")(x)
        x = [layers.MaxPooling1D(1), layers.AveragePooling1D(1), layers.GlobalAveragePooling1D()][
            int(rng.integers(3))
        ](x)
        x = layers.GlobalMaxPooling1D()(x) if len(x.shape) == 3 else x
    return layers.Dense(int(rng.integers(2, 6)), use_bias=bool(rng.integers(2)), activation="softmax")(x)


def _random_functional(rng) -> keras.Model:
    size = int(rng.integers(4, 10))
    inputs = keras.Input((size, size, int(rng.integers(1, 4))))
    x = inputs
    for _ in range(int(rng.integers(2, 7))):
        kind = int(rng.integers(5))
        if kind == 0:  # conexão residual
            x = layers.Add()([x, layers.Conv2D(x.shape[-1], 3, padding="same")(x)])
        elif kind == 1:
            x = layers.Concatenate()([x, layers.Conv2D(int(rng.integers(1, 5)), 1)(x)])
        elif kind == 2:  # modelo Sequential aninhado
            nested = keras.Sequential(
                [layers.Conv2D(int(rng.integers(1, 5)), 3, padding="same"), layers.BatchNormalization()]
            )
            x = nested(x)
        else:
            x = _spatial_layer(rng, x.shape[-1])(x)
    return keras.Model(inputs, _head(rng, x))


def _random_sequential(rng) -> keras.Sequential:
    size, channels = int(rng.integers(4, 10)), int(rng.integers(1, 4))
    model = keras.Sequential([keras.Input((size, size, channels))])
    for _ in range(int(rng.integers(1, 6))):
        model.add(_spatial_layer(rng, model.output_shape[-1] if model.layers else channels))
    model.add(layers.Flatten())
    model.add(layers.Dense(int(rng.integers(2, 6))))
    return model


def _freeze_some(rng, model) -> None:
    for layer in model.layers:
        if layer.weights and rng.random() < 0.25:
            layer.trainable = False


def test_random_models_match_keras_counts():
    rng = np.random.default_rng(2024)
    for trial in range(30):
        model = _random_functional(rng) if trial % 3 else _random_sequential(rng)
        _freeze_some(rng, model)
        _check_against_keras(model)


def test_nested_models_are_expanded_with_prefixed_names():
    inner = keras.Sequential(
        [layers.Conv2D(4, 3, name="conv"), layers.BatchNormalization(name="bn")], name="inner"
    )
    inputs = keras.Input((8, 8, 2))
    model = keras.Model(inputs, layers.Dense(3)(layers.Flatten()(inner(inputs))))
    names = [row.name for row in summary(model).rows]
    assert "inner/conv" in names and "inner/bn" in names
    inner.trainable = False
    result = summary(model)
    assert result.non_trainable == _size(inner.weights)
    _check_against_keras(model)


def test_functional_model_inside_functional_model():
    inputs = keras.Input((6, 6, 3))
    block = keras.Model(inputs, layers.Conv2D(5, 3)(inputs), name="block")
    outer_inputs = keras.Input((6, 6, 3))
    outer = keras.Model(outer_inputs, layers.GlobalAveragePooling2D()(block(outer_inputs)))
    names = [row.name for row in summary(outer).rows]
    assert names[1:3] == [
        f"block/{layer.name}" for layer in block.layers
    ]  # a entrada e a convolução do bloco
    _check_against_keras(outer)


def test_shared_layer_is_counted_once():
    dense = layers.Dense(4)
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], layers.Add()([dense(a), dense(b)]))
    _check_against_keras(model)


def test_sequential_built_without_input_layer():
    model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    model.build((None, 8, 8, 1))
    result = summary(model)
    assert result.rows[0].output_shape == (None, 6, 6, 4)
    _check_against_keras(model)


class _Scale(layers.Layer):
    def build(self, input_shape):
        self.factor = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.factor


class _Identity(layers.Layer):
    def call(self, x):
        return x


class _MyConv(layers.Conv2D):
    pass


class _ConvWithExtra(layers.Conv2D):
    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(3,), initializer="zeros")


@pytest.mark.parametrize(
    ("layer", "input_shape", "type_name"),
    [
        (layers.LSTM(4), (5, 3), "LSTM"),
        (_Scale(), (4,), "_Scale"),
        (_Identity(), (4,), "_Identity"),
        (layers.PReLU(), (4,), "PReLU"),
        (layers.Conv3D(2, 2), (4, 4, 4, 1), "Conv3D"),
    ],
)
def test_unknown_layer_types_raise_in_portuguese(layer, input_shape, type_name):
    model = keras.Sequential([keras.Input(input_shape), layer])
    with pytest.raises(
        TypeError, match=rf"summary não sabe contar os parâmetros da camada .* do tipo {type_name};"
    ):
        summary(model)


def test_subclass_of_known_layer_uses_its_formula_and_is_checked():
    ok = keras.Sequential([keras.Input((6, 6, 2)), _MyConv(3, 3)])
    assert summary(ok).rows[0].formula == "(3·3·2 + 1)·3 = 57"
    bad = keras.Sequential([keras.Input((6, 6, 2)), _ConvWithExtra(3, 3)])
    with pytest.raises(ValueError, match=r"tem 60 pesos, mas a fórmula dá 57"):
        summary(bad)


def test_lora_weights_are_not_counted_silently():
    dense = layers.Dense(4)
    model = keras.Sequential([keras.Input((8,)), dense])
    dense.enable_lora(2)
    with pytest.raises(ValueError, match="não é suportada por summary"):
        summary(model)


def test_rejects_unbuilt_and_subclassed_models_and_other_objects():
    with pytest.raises(ValueError, match="ainda não foi construído"):
        summary(keras.Sequential([layers.Dense(3)]))

    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    tiny = Tiny()
    tiny(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="modelo definido por subclasse do tipo Tiny"):
        summary(tiny)
    with pytest.raises(TypeError, match="model deve ser um modelo Keras Sequential ou funcional"):
        summary("lenet5")


def test_text_and_html_tables():
    model = models.lenet5()
    result = summary(model)
    text = str(result)
    first, *_, last = text.splitlines()
    assert first.split() == [
        "Camada",
        "Tipo",
        "Forma",
        "da",
        "saída",
        "Parâmetros",
        "MACs",
        "Memória",
        "Fórmula",
    ]
    assert (
        text.splitlines()[-2]
        == f"Total de parâmetros: 61{NBSP}706 (treináveis: 61{NBSP}706; não treináveis: 0)"
    )
    assert last == f"Por imagem: 416{NBSP}520 MACs e 34,0{NBSP}kB de ativações"
    assert f"(400 + 1)·120 = 48{NBSP}120" in text
    assert f"48{NBSP}000    480{NBSP}B" in text  # c5: 400·120 MACs, 120 valores float32
    page = result._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    for header in ("Camada", "Tipo", "Forma da saída", "Fórmula"):
        assert f"<th>{header}</th>" in page
    for header in ("Parâmetros", "MACs", "Memória"):
        assert f'<th style="text-align: right">{header}</th>' in page
    assert page.count("<tr>") == len(result.rows) + 3
    weird = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="a<b")])
    assert "a&lt;b" in summary(weird)._repr_html_()


def test_format_number():
    rng = np.random.default_rng(5)
    for value in rng.integers(0, 10**10, size=20):
        text = format_number(int(value))
        assert int(text.replace(NBSP, "")) == value
        assert all(len(group) == 3 for group in text.split(NBSP)[1:])


# --- custo por camada: multiplicações-somas (MACs) e memória das ativações


@pytest.mark.parametrize(
    ("layer", "input_shape", "macs", "activations"),
    [
        # Conv2D: H_s·W_s·C_s·k_h·k_w·C_e (o viés não multiplica nada)
        (layers.Conv2D(64, 3), (8, 8, 32), 6 * 6 * 64 * 3 * 3 * 32, 6 * 6 * 64),
        (layers.Conv2D(64, 3, strides=2, padding="same"), (8, 8, 32), 4 * 4 * 64 * 3 * 3 * 32, 4 * 4 * 64),
        (layers.Conv2D(4, 3, dilation_rate=2), (9, 9, 2), 5 * 5 * 4 * 3 * 3 * 2, 5 * 5 * 4),
        (layers.Conv2D(8, (3, 5), groups=2), (8, 8, 4), 6 * 4 * 8 * 3 * 5 * 2, 6 * 4 * 8),
        (layers.Conv2D(16, 1), (7, 7, 64), 7 * 7 * 16 * 64, 7 * 7 * 16),
        (layers.Conv1D(16, 5), (20, 8), 16 * 16 * 5 * 8, 16 * 16),
        # transposta: cada valor da entrada espalha k_h·k_w·C_s produtos
        (layers.Conv2DTranspose(64, 2, strides=2), (4, 4, 128), 4 * 4 * 128 * 2 * 2 * 64, 8 * 8 * 64),
        (layers.DepthwiseConv2D(3), (8, 8, 32), 6 * 6 * 32 * 3 * 3, 6 * 6 * 32),
        (layers.DepthwiseConv2D(3, depth_multiplier=2), (8, 8, 32), 6 * 6 * 64 * 3 * 3, 6 * 6 * 64),
        (layers.SeparableConv2D(64, 3), (8, 8, 32), 6 * 6 * 32 * 3 * 3 + 6 * 6 * 32 * 64, 6 * 6 * 64),
        (layers.Dense(10), (128,), 128 * 10, 10),
        (layers.Dense(10), (4, 128), 4 * 128 * 10, 4 * 10),
        (layers.MaxPooling2D(2), (8, 8, 64), 0, 4 * 4 * 64),
        (layers.BatchNormalization(), (8, 8, 64), 0, 8 * 8 * 64),
        (layers.ReLU(), (8, 8, 64), 0, 8 * 8 * 64),
    ],
)
def test_macs_and_activations_equal_hand_counts(layer, input_shape, macs, activations):
    (row,) = summary(keras.Sequential([keras.Input(input_shape), layer])).rows
    assert (row.macs, row.activations, row.activation_bytes) == (macs, activations, 4 * activations)


def test_cost_of_vgg16_equals_the_known_counts():
    """A VGG16 em 224×224×3, contada à mão bloco a bloco: ~15,5 bilhões de MACs e ~15,1 milhões de valores."""
    result = summary(models.vgg16())
    blocks = [(224, 64, 2), (112, 128, 2), (56, 256, 3), (28, 512, 3), (14, 512, 3)]  # (n, filtros, convs)
    macs, values, channels = 0, 0, 3
    for n, filters, convs in blocks:
        for _ in range(convs):
            macs += n * n * filters * 3 * 3 * channels
            values += n * n * filters
            channels = filters
        values += (n // 2) * (n // 2) * filters  # o pooling máximo 2×2 do fim do bloco
    macs += 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000
    values += 7 * 7 * 512 + 4096 + 4096 + 1000  # achatamento e as três densas
    assert result.macs == macs == 15_470_264_320
    assert sum(row.activations for row in result.rows) == values == 15_112_168
    assert result.activation_bytes == 4 * values


def _tf_conv_flops(model) -> int:
    """Operações de ponto flutuante das Conv2D/MatMul do grafo do TensorFlow, segundo o seu perfilador."""
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    spec = tf.TensorSpec((1, *model.input_shape[1:]), tf.float32)
    graph = convert_variables_to_constants_v2(tf.function(model).get_concrete_function(spec)).graph
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    profile = tf.compat.v1.profiler.profile(graph=graph, options=options, cmd="op")
    return sum(node.total_float_ops for node in profile.children if node.name in ("Conv2D", "MatMul"))


def test_macs_equal_the_tensorflow_profiler():
    """O perfilador conta 2 operações (multiplicação e soma) por MAC nas Conv2D e nas Dense.

    Sem grupos nem dilatação: o TensorFlow faz a convolução dilatada com ``SpaceToBatchND``, que calcula
    posições a mais no preenchimento, e o perfilador conta a convolução agrupada como se não tivesse grupos.
    """
    model = keras.Sequential(
        [
            keras.Input((15, 13, 3)),
            layers.Conv2D(8, 3, use_bias=False),
            layers.Conv2D(6, (3, 2), strides=2, padding="same", use_bias=False),
            layers.Conv2D(5, 3, padding="same", use_bias=False),
            layers.Conv2D(7, 1, use_bias=False),
            layers.Flatten(),
            layers.Dense(4, use_bias=False),
        ]
    )
    flops = _tf_conv_flops(model)
    assert flops > 0
    assert flops == 2 * summary(model).macs


def test_augmentation_layers_count_no_parameters():
    """As camadas de aumento de dados não têm pesos: o resumo conta o mesmo que o Keras."""
    model = models.small_cnn(augmentation=models.augmentation())
    result = summary(model)
    assert result.total == model.count_params()
    augmentation_rows = [row for row in result.rows if row.type.startswith("Random")]
    assert augmentation_rows and all(row.params == 0 for row in augmentation_rows)
