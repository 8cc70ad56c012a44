"""Acréscimos dos capítulos 12 e 13: classes, aumento de dados, transferência, Inception e campo receptivo."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from cnn_lib import data, models, shapes, train


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


# --- data.select_classes ------------------------------------------------------------------------------------


def test_select_classes_keeps_only_the_classes_and_renumbers_them(digits):
    (x, y), _ = digits
    rng = np.random.default_rng(0)
    for _ in range(4):
        classes = [int(c) for c in rng.choice(10, size=int(rng.integers(1, 6)), replace=False)]
        x_sel, y_sel = data.select_classes(x, y, classes)
        original = np.isin(y, classes)
        np.testing.assert_array_equal(x_sel, x[original])  # a ordem original é mantida
        np.testing.assert_array_equal(np.asarray(classes)[y_sel], y[original])
        assert y_sel.dtype == np.int64 and set(y_sel) == set(range(len(classes)))


def test_select_classes_per_class_draws_without_replacement_by_seed(digits):
    (x, y), _ = digits
    classes = [7, 2, 9]
    for seed in (0, 1, 2):
        x_sel, y_sel = data.select_classes(x, y, classes, per_class=4, seed=seed)
        assert np.bincount(y_sel).tolist() == [4, 4, 4]
        # cada imagem escolhida é uma imagem distinta da classe certa
        matches = [np.flatnonzero((x == image).all(axis=(1, 2, 3))) for image in x_sel]
        assert all(y[m[0]] == classes[label] for m, label in zip(matches, y_sel, strict=True))
        assert len({int(m[0]) for m in matches}) == len(x_sel)
        again = data.select_classes(x, y, classes, per_class=4, seed=seed)
        np.testing.assert_array_equal(x_sel, again[0])
    assert not np.array_equal(
        data.select_classes(x, y, classes, per_class=4, seed=0)[0],
        data.select_classes(x, y, classes, per_class=4, seed=1)[0],
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"classes": []}, TypeError, "classes deve ser uma lista não vazia"),
        ({"classes": "12"}, TypeError, "classes deve ser uma lista não vazia"),
        ({"classes": [1, 1]}, ValueError, r"sem repetição; recebido: \[1, 1\]"),
        ({"classes": [1.0]}, ValueError, "rótulos inteiros sem repetição"),
        ({"classes": [3, 11]}, ValueError, r"os rótulos \[11\] não aparecem em y"),
        ({"classes": [3], "per_class": 0}, ValueError, "per_class deve ser um inteiro positivo; recebido: 0"),
        ({"classes": [3], "per_class": 10_000}, ValueError, "per_class deve ser no máximo"),
        ({"classes": [3], "seed": -2}, ValueError, "seed deve ser um inteiro não negativo"),
    ],
)
def test_select_classes_rejects_bad_arguments(digits, kwargs, error, match):
    (x, y), _ = digits
    with pytest.raises(error, match=match):
        data.select_classes(x, y, **kwargs)


def test_select_classes_checks_x_and_y(digits):
    (x, y), _ = digits
    with pytest.raises(ValueError, match="x e y devem ter o mesmo número de exemplos"):
        data.select_classes(x[:10], y, [1])
    with pytest.raises(TypeError, match="y deve ser um vetor de rótulos inteiros"):
        data.select_classes(x, y.astype(float), [1])


# --- models.augmentation e small_cnn(augmentation=...) -----------------------------------------------------


def test_augmentation_layers_follow_the_options():
    def kinds(**kwargs):
        return [type(layer).__name__ for layer in models.augmentation(**kwargs).layers]

    assert kinds() == ["RandomRotation", "RandomTranslation", "RandomZoom"]
    assert kinds(flip="horizontal", zoom=0) == ["RandomFlip", "RandomRotation", "RandomTranslation"]
    assert kinds(rotation=0, translation=0) == ["RandomZoom"]
    layer = models.augmentation(rotation=0.1, translation=0.25, fill_mode="nearest").layers[1]
    assert (layer.height_factor, layer.width_factor, layer.fill_mode) == (0.25, 0.25, "nearest")


def test_augmentation_is_identity_at_inference_and_random_in_training():
    rng = np.random.default_rng(0)
    images = rng.random((16, 8, 8, 1)).astype("float32")
    augment = models.augmentation(seed=3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(augment(images, training=False)), images)
    first = keras.ops.convert_to_numpy(augment(images, training=True))
    second = keras.ops.convert_to_numpy(augment(images, training=True))
    assert first.shape == images.shape
    assert not np.allclose(first, images) and not np.allclose(first, second)  # nova transformação a cada lote
    same_seed = keras.ops.convert_to_numpy(models.augmentation(seed=3)(images, training=True))
    np.testing.assert_allclose(same_seed, first)


def test_translation_by_one_pixel_moves_the_digit_and_fills_zeros():
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, 2:6, 3:5, 0] = 1.0
    shifted = keras.ops.convert_to_numpy(
        models.augmentation(rotation=0, zoom=0, translation=0.125, seed=5)(image, training=True)
    )
    # o deslocamento máximo é de um pixel: a massa total se conserva (só entram zeros pela borda)
    assert shifted.sum() == pytest.approx(image.sum(), abs=1e-4)
    assert shifted.min() >= -1e-6


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rotation": -0.1}, ValueError, r"rotation deve ser um número real em \[0.0, 0.5\]; recebido: -0.1"),
        ({"translation": 1.0}, ValueError, r"translation deve ser um número real em \[0.0, 1.0\)"),
        ({"zoom": "0.1"}, TypeError, "zoom deve ser um número real"),
        ({"flip": "diagonal"}, ValueError, "flip deve ser None, 'horizontal'.*recebido: 'diagonal'"),
        ({"fill_mode": "zeros"}, ValueError, "fill_mode deve ser 'constant'.*recebido: 'zeros'"),
        ({"seed": 1.5}, TypeError, "seed deve ser um inteiro não negativo"),
        ({"rotation": 0, "translation": 0, "zoom": 0}, ValueError, "sem nenhuma transformação"),
    ],
)
def test_augmentation_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.augmentation(**kwargs)


def test_small_cnn_with_augmentation_predicts_like_the_plain_model():
    keras.utils.set_random_seed(0)
    plain = models.small_cnn()
    augmented = models.small_cnn(augmentation=models.augmentation())
    assert [layer.name for layer in augmented.layers][:2] == ["augmentation", "conv1"]
    assert augmented.count_params() == plain.count_params()
    augmented.set_weights(plain.get_weights())
    images = np.random.default_rng(1).random((5, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        augmented.predict(images, verbose=0), plain.predict(images, verbose=0), atol=1e-6
    )
    with pytest.raises(TypeError, match="augmentation deve ser None ou uma camada do Keras"):
        models.small_cnn(augmentation=[layers.RandomFlip()])


# --- models.replace_head e train.freeze ---------------------------------------------------------------------


def test_replace_head_copies_the_features_and_adds_a_new_output():
    keras.utils.set_random_seed(0)
    base = models.small_cnn(num_classes=5)
    new = models.replace_head(base, 3)
    assert new.output_shape == (None, 3)
    assert new.layers[-1].name == "predictions" and new.layers[-2].name == "dropout2"
    for name in ("conv1", "bn1", "conv2", "bn2", "conv3", "bn3"):
        copied, original = new.get_layer(name), base.get_layer(name)
        assert copied is not original
        for a, b in zip(copied.get_weights(), original.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    # a cópia é independente: mudar os pesos dela não muda os do original
    kernel = new.get_layer("conv1").kernel
    kernel.assign(kernel + 1.0)
    assert not np.allclose(base.get_layer("conv1").kernel.numpy(), new.get_layer("conv1").kernel.numpy())
    at_pool = models.replace_head(base, 7, feature_layer="avg_pool")
    assert at_pool.layers[-2].name == "avg_pool" and at_pool.output_shape == (None, 7)


def test_replace_head_works_on_functional_models():
    inputs = keras.Input((16, 16, 3))
    x = models.residual_block(inputs, 8, name="b")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    base = keras.Model(inputs, layers.Dense(4, activation="softmax", name="out")(x))
    new = models.replace_head(base, 2)
    assert new.output_shape == (None, 2) and new.layers[-2].name == "gap"
    images = np.random.default_rng(2).random((3, 16, 16, 3)).astype("float32")
    features = keras.Model(base.inputs[0], base.get_layer("gap").output)
    copied = keras.Model(new.inputs[0], new.get_layer("gap").output)
    np.testing.assert_allclose(copied(images), features(images), atol=1e-6)


def test_replace_head_rejects_bad_arguments():
    base = models.small_cnn()
    with pytest.raises(ValueError, match="feature_layer: o modelo não tem camada chamada 'fc9'"):
        models.replace_head(base, 3, feature_layer="fc9")
    with pytest.raises(ValueError, match="num_classes deve ser um inteiro positivo; recebido: 0"):
        models.replace_head(base, 0)
    with pytest.raises(TypeError, match=r"model deve ser um keras\.Model construído"):
        models.replace_head("small_cnn", 3)


def test_freeze_sets_trainable_up_to_the_layer():
    model = models.small_cnn()
    names = [layer.name for layer in model.layers]
    train.freeze(model, "pool")
    cut = names.index("pool")
    assert [layer.trainable for layer in model.layers] == [i > cut for i in range(len(names))]
    train.freeze(model, 2)  # por posição
    assert [layer.trainable for layer in model.layers] == [i > 2 for i in range(len(names))]
    train.freeze(model, -1)  # todas
    assert model.trainable_weights == []
    train.freeze(model, None)
    assert all(layer.trainable for layer in model.layers)
    with pytest.raises(ValueError, match="o modelo não tem camada chamada 'base'"):
        train.freeze(model, "base")
    with pytest.raises(TypeError, match=r"model deve ser um keras\.Model"):
        train.freeze([model], None)


def test_fit_recompile_replaces_the_compilation(digits):
    (x, y), _ = digits
    model = models.small_cnn()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    train.fit(model, x[:32], y[:32], epochs=1, learning_rate=0.02, recompile=True)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.02)
    with pytest.raises(TypeError, match="recompile deve ser True ou False; recebido: 'sim'"):
        train.fit(model, x[:32], y[:32], recompile="sim")


@pytest.mark.slow
def test_frozen_layers_do_not_change_while_the_head_learns(digits):
    (x, y), _ = digits
    x_a, y_a = data.select_classes(x, y, [0, 1, 2])
    keras.utils.set_random_seed(0)
    base = models.small_cnn(num_classes=3)
    train.fit(base, x_a[:128], y_a[:128], epochs=1)
    new = models.replace_head(base, 2)
    train.freeze(new, "avg_pool")
    frozen = {
        name: [w.copy() for w in new.get_layer(name).get_weights()] for name in ("conv1", "bn1", "conv3")
    }
    head = new.get_layer("predictions").kernel.numpy().copy()
    x_b, y_b = data.select_classes(x, y, [5, 6], per_class=10)
    train.fit(new, x_b, y_b, epochs=3, learning_rate=0.01, recompile=True)
    for name, weights in frozen.items():  # também as médias móveis da normalização em lote
        for before, after in zip(weights, new.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(before, after)
    assert not np.allclose(head, new.get_layer("predictions").kernel.numpy())
    # descongelado, o ajuste fino muda também as convoluções
    train.freeze(new, None)
    train.fit(new, x_b, y_b, epochs=1, learning_rate=1e-3, recompile=True)
    assert not np.allclose(frozen["conv1"][0], new.get_layer("conv1").kernel.numpy())


@pytest.mark.slow
def test_training_with_augmentation_sees_transformed_images(digits):
    (x, y), _ = digits

    class Recorder(layers.Layer):
        """Guarda a soma dos pixels do lote que chega depois do aumento de dados."""

        def __init__(self):
            super().__init__()
            self.seen = []

        def call(self, inputs):
            self.seen.append(inputs)
            return inputs

    recorder = Recorder()
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), models.augmentation(seed=1), recorder, layers.Flatten()]
    )
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    recorder.seen.clear()
    model.fit(x[:16], y[:16], batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert not np.allclose(keras.ops.convert_to_numpy(recorder.seen[-1]), x[:16])
    recorder.seen.clear()
    model.predict(x[:16], batch_size=16, verbose=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(recorder.seen[-1]), x[:16])


# --- models.inception_block ---------------------------------------------------------------------------------


def test_inception_block_channels_and_parameters_match_the_formulas():
    inputs = keras.Input((28, 28, 192))
    reduced = keras.Model(
        inputs, models.inception_block(inputs, 64, 128, 32, 32, reduce_3x3=96, reduce_5x5=16)
    )
    naive = keras.Model(inputs, models.inception_block(inputs, 64, 128, 32, name="ing"))
    assert reduced.output_shape == (None, 28, 28, 64 + 128 + 32 + 32)
    assert naive.output_shape == (None, 28, 28, 64 + 128 + 32 + 192)
    expected_reduced = (
        shapes.conv_params(1, 192, 64)
        + shapes.conv_params(1, 192, 96)
        + shapes.conv_params(3, 96, 128)
        + shapes.conv_params(1, 192, 16)
        + shapes.conv_params(5, 16, 32)
        + shapes.conv_params(1, 192, 32)
    )
    expected_naive = (
        shapes.conv_params(1, 192, 64) + shapes.conv_params(3, 192, 128) + shapes.conv_params(5, 192, 32)
    )
    assert reduced.count_params() == expected_reduced
    assert naive.count_params() == expected_naive
    assert {layer.name for layer in naive.layers} >= {
        "ing_1x1",
        "ing_3x3",
        "ing_5x5",
        "ing_pool",
        "ing_concat",
    }


def test_inception_block_branches_are_what_they_say():
    rng = np.random.default_rng(3)
    inputs = keras.Input((6, 6, 4))
    block = keras.Model(inputs, models.inception_block(inputs, 2, 3, 1, name="m"))
    images = rng.random((2, 6, 6, 4)).astype("float32")
    out = keras.ops.convert_to_numpy(block(images))
    pooled = tf.nn.max_pool2d(images, 3, 1, "SAME").numpy()
    np.testing.assert_allclose(out[..., 6:], pooled)  # o ramo do pooling passa os 4 canais, depois dos 2+3+1
    one = block.get_layer("m_1x1")
    w, b = one.get_weights()
    np.testing.assert_allclose(out[..., :2], np.maximum(images @ w[0, 0] + b, 0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="reduce_5x5 deve ser um inteiro positivo; recebido: 0"):
        models.inception_block(inputs, 2, 3, 1, reduce_5x5=0)


# --- models.receptive_field_layers -------------------------------------------------------------------------


def _measured_field(model: keras.Model) -> int:
    """Campo receptivo medido: quantas linhas da entrada mudam o pixel central do último mapa."""
    size = model.input_shape[1]
    images = tf.ones((1, size, size, 1))
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = model(images)
        center = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
    grad = tape.gradient(center, images).numpy()[0, :, :, 0]
    rows = np.flatnonzero(np.abs(grad).sum(axis=1) > 0)
    return int(rows[-1] - rows[0] + 1)


def test_receptive_field_layers_matches_a_measured_gradient():
    # kernels positivos e pooling médio: nenhum caminho se anula, o gradiente é não nulo em todo o campo
    rng = np.random.default_rng(4)
    for _ in range(5):
        stack = []
        for index in range(int(rng.integers(2, 6))):
            if rng.random() < 0.3:
                stack.append(
                    layers.AveragePooling2D(int(rng.integers(2, 4)), strides=int(rng.integers(1, 3)))
                )
            else:
                kernel, strides, dilation = int(rng.integers(1, 6)), int(rng.integers(1, 3)), 1
                if strides == 1 and rng.random() < 0.5:
                    dilation = int(rng.integers(2, 4))
                stack.append(
                    layers.Conv2D(
                        1,
                        kernel,
                        strides=strides,
                        dilation_rate=dilation,
                        padding="same",
                        kernel_initializer="ones",
                        name=f"conv{index}",
                    )
                )
                stack.append(layers.ReLU())
        probe = keras.Sequential([keras.Input((None, None, 1)), *stack])
        windows = list(models.receptive_field_layers(probe).values())
        expected, jump = shapes.receptive_field(windows), int(np.prod([w[1] for w in windows]))
        size = 2 * expected + 4 * jump  # o campo do pixel central cabe inteiro, longe da borda
        model = keras.Sequential([keras.Input((size, size, 1)), *stack])
        assert expected == _measured_field(model), windows


def test_receptive_field_layers_takes_the_larger_branch_at_a_merge():
    inputs = keras.Input((40, 40, 1))
    long = layers.Conv2D(1, 3, padding="same", name="long1")(inputs)
    long = layers.Conv2D(1, 5, padding="same", name="long2")(long)
    short = layers.Conv2D(1, 1, name="short")(inputs)
    merged = layers.Add(name="add")([short, long])
    out = layers.MaxPooling2D(2, name="pool")(merged)
    model = keras.Model(inputs, layers.Flatten()(out))
    assert models.receptive_field_layers(model) == {"long1": (3, 1, 1), "long2": (5, 1, 1), "pool": (2, 2, 1)}


@pytest.mark.parametrize(
    ("builder", "published"),
    [(models.vgg16, 212), (models.resnet50, 483), (models.alexnet, 195), (models.resnet18, 435)],
)
def test_receptive_field_of_the_classic_networks(builder, published):
    # valores conhecidos para o último mapa de características (VGG-16, ResNet-50 e AlexNet estão em Araujo,
    # Norris e Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill, 2019)
    model = builder(input_shape=(96, 96, 3), num_classes=10)
    assert shapes.receptive_field(list(models.receptive_field_layers(model).values())) == published


def test_receptive_field_layers_of_vgg16_lists_its_18_windows():
    windows = models.receptive_field_layers(models.vgg16(input_shape=(32, 32, 3), num_classes=10))
    assert len(windows) == 13 + 5
    assert windows["block1_conv1"] == (3, 1, 1) and windows["block5_pool"] == (2, 2, 1)
    assert list(windows)[-1] == "block5_pool"


def test_receptive_field_layers_rejects_unknown_layers():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Lambda(lambda t: t * 2, name="dobra")])
    with pytest.raises(TypeError, match=r"não sabe o efeito da camada 'dobra' \(tipo Lambda\)"):
        models.receptive_field_layers(model)
    with pytest.raises(TypeError, match=r"model deve ser um keras\.Model construído"):
        models.receptive_field_layers([layers.Conv2D(1, 3)])
