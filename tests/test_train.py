"""cnn_lib.train: treino reproduzível, mapas de características, filtros, acurácia e matriz de confusão."""

import keras
import numpy as np
import pytest
from keras import layers
from sklearn import metrics

from cnn_lib import data, models, train


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


def _tiny_model(seed: int, input_shape=(8, 8, 1), classes: int = 10) -> keras.Sequential:
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(4, 3, activation="relu", name="conv"),
            layers.Flatten(),
            layers.Dense(classes, activation="softmax", name="out"),
        ]
    )


def test_fit_compiles_with_adam_and_learns(digits):
    (x_train, y_train), (x_test, y_test) = digits
    model = _tiny_model(0)
    history = train.fit(
        model, x_train[:256], y_train[:256], validation_data=(x_test, y_test), epochs=4, learning_rate=3e-3
    )
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(3e-3)
    assert model.loss == "sparse_categorical_crossentropy"
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 4
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_keeps_an_existing_compilation(digits):
    (x_train, y_train), _ = digits
    model = _tiny_model(1)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    history = train.fit(model, x_train[:64], y_train[:64], epochs=1, learning_rate=0.5)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert set(history.history) == {"loss"}


def test_fit_is_reproducible_with_the_same_seed(digits):
    (x_train, y_train), _ = digits
    rng = np.random.default_rng(0)
    for seed in rng.integers(0, 1000, size=2):
        runs = []
        for _ in range(2):
            model = _tiny_model(int(seed))
            history = train.fit(model, x_train[:128], y_train[:128], epochs=2, batch_size=16, seed=int(seed))
            runs.append((history.history["loss"], model.get_layer("out").kernel.numpy()))
        assert runs[0][0] == runs[1][0]
        np.testing.assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs deve ser um inteiro positivo; recebido: 0"),
        ({"batch_size": 2.0}, TypeError, "batch_size deve ser um inteiro positivo"),
        ({"learning_rate": -0.1}, ValueError, r"learning_rate deve ser um número real em \[0.0, 1.0\]"),
        ({"seed": -3}, ValueError, "seed deve ser um inteiro não negativo; recebido: -3"),
        ({"verbose": 3}, ValueError, "verbose deve ser 0, 1 ou 2; recebido: 3"),
        ({"validation_data": np.zeros((2, 8, 8, 1))}, TypeError, r"validation_data deve ser None ou um par"),
    ],
)
def test_fit_rejects_bad_arguments(digits, kwargs, error, match):
    (x_train, y_train), _ = digits
    with pytest.raises(error, match=match):
        train.fit(_tiny_model(0), x_train[:8], y_train[:8], **kwargs)


def test_fit_rejects_bad_data(digits):
    (x_train, y_train), _ = digits
    model = _tiny_model(0)
    with pytest.raises(ValueError, match="x e y devem ter o mesmo número de exemplos; recebido: 8 e 7"):
        train.fit(model, x_train[:8], y_train[:7])
    with pytest.raises(TypeError, match="y deve conter rótulos inteiros"):
        train.fit(model, x_train[:8], y_train[:8].astype(float))
    with pytest.raises(ValueError, match="x deve ter 4 dimensões"):
        train.fit(model, x_train[:8, :, :, 0], y_train[:8])
    with pytest.raises(TypeError, match=r"model deve ser um keras\.Model"):
        train.fit("lenet5", x_train[:8], y_train[:8])


def _reference_conv(x, kernel, bias, activation):
    """Convolução 'valid' por laços em NumPy (correlação cruzada, como o Keras)."""
    kh, kw = kernel.shape[:2]
    height, width = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.empty((x.shape[0], height, width, kernel.shape[-1]), dtype=np.float64)
    for i in range(height):
        for j in range(width):
            out[:, i, j, :] = np.tensordot(x[:, i : i + kh, j : j + kw, :], kernel, axes=3)
    return activation(out + bias)


def test_feature_maps_equal_a_direct_convolution():
    rng = np.random.default_rng(1)
    model = models.lenet5()
    c1 = model.get_layer("c1")
    kernel, bias = (w.numpy() for w in c1.weights)
    for _ in range(3):
        images = rng.random((int(rng.integers(1, 4)), 32, 32, 1), dtype=np.float32)
        expected = _reference_conv(images, kernel, bias, np.tanh)
        np.testing.assert_allclose(train.feature_maps(model, images, "c1"), expected, atol=1e-5)
        np.testing.assert_allclose(train.feature_maps(model, images, 0), expected, atol=1e-5)
        pooled = expected.reshape(len(images), 14, 2, 14, 2, 6).mean(axis=(2, 4))
        np.testing.assert_allclose(train.feature_maps(model, images, "s2"), pooled, atol=1e-5)
    single = rng.random((32, 32, 1), dtype=np.float32)
    assert train.feature_maps(model, single, -1).shape == (1, 10)


def test_feature_maps_on_functional_and_deferred_sequential_models():
    rng = np.random.default_rng(2)
    images = rng.random((2, 32, 32, 3), dtype=np.float32)
    resnet = models.resnet18(input_shape=(32, 32, 3), num_classes=10)
    assert train.feature_maps(resnet, images, "conv2_block1_out").shape == (2, 8, 8, 64)
    assert train.feature_maps(resnet, images, 0).shape == (2, 32, 32, 3)  # a camada de entrada
    built = keras.Sequential([layers.Conv2D(3, 3, name="conv"), layers.GlobalAveragePooling2D()])
    built.build((None, 32, 32, 3))
    assert train.feature_maps(built, images, "conv").shape == (2, 30, 30, 3)
    called = keras.Sequential([layers.Conv2D(5, 3, name="conv"), layers.Flatten()])
    called(images)
    assert train.feature_maps(called, images, "conv").shape == (2, 30, 30, 5)
    inputs = keras.Input((None, None, 3))  # qualquer altura e largura
    any_size = keras.Model(inputs, layers.Conv2D(2, 3, padding="same", name="conv")(inputs))
    assert train.feature_maps(any_size, images[:, :20, :11], "conv").shape == (2, 20, 11, 2)


def test_feature_maps_errors():
    model = models.lenet5()
    images = np.zeros((1, 32, 32, 1))
    with pytest.raises(ValueError, match="o modelo não tem camada chamada 'c9'; camadas: c1, s2"):
        train.feature_maps(model, images, "c9")
    with pytest.raises(ValueError, match="layer deve ser uma posição entre -8 e 7; recebido: 8"):
        train.feature_maps(model, images, 8)
    with pytest.raises(TypeError, match="layer deve ser o nome"):
        train.feature_maps(model, images, 1.5)
    with pytest.raises(ValueError, match=r"images deve ter a forma de entrada do modelo, \(32, 32, 1\)"):
        train.feature_maps(model, np.zeros((1, 28, 28, 1)), "c1")
    with pytest.raises(ValueError, match="ainda não foi construído"):
        train.feature_maps(keras.Sequential([layers.Conv2D(2, 3)]), images, 0)
    a, b = keras.Input((3,)), keras.Input((3,))
    two_inputs = keras.Model([a, b], layers.Add()([a, b]), name="pair")
    with pytest.raises(ValueError, match="o modelo 'pair' tem 2 entradas; aceito só modelos de uma"):
        train.feature_maps(two_inputs, np.zeros((1, 3)), -1)


def test_first_layer_filters():
    model = models.lenet5(input_shape=(32, 32, 3))
    filters = train.first_layer_filters(model)
    assert filters.shape == (5, 5, 3, 6)
    np.testing.assert_array_equal(filters, model.get_layer("c1").kernel.numpy())
    resnet = models.resnet18(input_shape=(32, 32, 3), num_classes=2)
    assert train.first_layer_filters(resnet).shape == (7, 7, 3, 64)
    dense_only = keras.Sequential([keras.Input((4,)), layers.Dense(2)], name="mlp")
    with pytest.raises(ValueError, match="o modelo 'mlp' não tem nenhuma camada Conv2D"):
        train.first_layer_filters(dense_only)


def test_accuracy_and_confusion_matrix_agree_with_predictions():
    rng = np.random.default_rng(3)
    for classes in (3, 7):
        model = _tiny_model(int(rng.integers(100)), input_shape=(6, 6, 2), classes=classes)
        x = rng.random((40, 6, 6, 2), dtype=np.float32)
        y = rng.integers(0, classes, size=40)
        predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
        assert train.evaluate_accuracy(model, x, y) == pytest.approx(metrics.accuracy_score(y, predicted))
        matrix = train.confusion_matrix(model, x, y)
        assert matrix.shape == (classes, classes) and matrix.sum() == 40
        assert np.trace(matrix) / 40 == pytest.approx(train.evaluate_accuracy(model, x, y))
        np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y, minlength=classes))
        np.testing.assert_array_equal(matrix.sum(axis=0), np.bincount(predicted, minlength=classes))


def test_confusion_matrix_keeps_classes_without_examples():
    model = _tiny_model(0)
    x = np.zeros((5, 8, 8, 1), dtype=np.float32)
    matrix = train.confusion_matrix(model, x, np.zeros(5, dtype=int))
    assert matrix.shape == (10, 10) and matrix[0].sum() == 5 and matrix[1:].sum() == 0


@pytest.mark.slow
def test_small_cnn_reaches_98_percent_on_offline_digits(digits):
    (x_train, y_train), (x_test, y_test) = digits
    keras.utils.set_random_seed(0)
    model = models.small_cnn()
    train.fit(model, x_train, y_train, epochs=6, seed=0)
    assert train.evaluate_accuracy(model, x_test, y_test) >= 0.98
