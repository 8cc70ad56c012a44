"""cnn_lib.data: dígitos e imagens offline; MNIST/CIFAR-10 pelo cache do Keras, sem nunca tocar a rede."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn import datasets

from cnn_lib import data

OFFLINE_ERROR = (
    "URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz: None -- "
    "[Errno -3] Temporary failure in name resolution"
)


def test_importing_data_does_not_load_keras():
    code = "import sys, cnn_lib.data; assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_load_digits_shapes_range_and_split():
    rng = np.random.default_rng(0)
    total = len(datasets.load_digits().target)
    for _ in range(5):
        seed, test_size = int(rng.integers(0, 1000)), float(rng.uniform(0.1, 0.5))
        (x_train, y_train), (x_test, y_test) = data.load_digits(test_size, seed)
        assert len(x_train) + len(x_test) == total
        assert len(x_test) == int(np.ceil(test_size * total))
        assert x_train.shape[1:] == x_test.shape[1:] == (8, 8, 1)
        assert x_train.dtype == x_test.dtype == np.float32
        assert x_train.min() == 0.0 and x_train.max() == 1.0
        assert len(y_train) == len(x_train) and set(np.unique(y_test)) == set(range(10))
        # estratificado: cada dígito tem no teste a proporção do conjunto inteiro (com folga de um exemplo)
        counts_test, counts_all = np.bincount(y_test), np.bincount(np.concatenate([y_train, y_test]))
        assert np.all(np.abs(counts_test - counts_all * len(y_test) / total) <= 1)


def test_load_digits_is_deterministic_by_seed():
    rng = np.random.default_rng(1)
    for seed in rng.integers(0, 10_000, size=4):
        first, second = data.load_digits(seed=int(seed)), data.load_digits(seed=int(seed))
        np.testing.assert_array_equal(first[0][0], second[0][0])
        np.testing.assert_array_equal(first[1][1], second[1][1])
        other = data.load_digits(seed=int(seed) + 1)
        assert not np.array_equal(first[0][1], other[0][1])


def test_load_digits_integer_test_size_and_upscale():
    rng = np.random.default_rng(2)
    for factor in rng.integers(1, 5, size=3):
        factor = int(factor)
        (x_train, _), (x_test, _) = data.load_digits(test_size=300, upscale=factor)
        small = data.load_digits(test_size=300)[0][0]
        assert x_test.shape == (300, 8 * factor, 8 * factor, 1)
        np.testing.assert_array_equal(x_train, np.kron(small, np.ones((1, factor, factor, 1), np.float32)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"test_size": 0.0}, ValueError, r"test_size deve ser uma fração em \(0, 1\).*recebido: 0.0"),
        ({"test_size": 1.5}, ValueError, "test_size deve ser uma fração"),
        ({"test_size": 5000}, ValueError, "menor que 1797; recebido: 5000"),
        ({"test_size": "0.2"}, ValueError, "test_size deve ser"),
        ({"seed": -1}, ValueError, "seed deve ser um inteiro não negativo; recebido: -1"),
        ({"upscale": 0}, ValueError, "upscale deve ser um inteiro positivo; recebido: 0"),
        ({"upscale": 2.0}, TypeError, "upscale deve ser um inteiro positivo"),
    ],
)
def test_load_digits_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_digits(**kwargs)


@pytest.mark.parametrize("name", ["china", "flower", "flower.jpg"])
def test_sample_image_gray_and_color(name):
    color = data.sample_image(name, gray=False)
    gray = data.sample_image(name)
    assert color.shape == (427, 640, 3) and gray.shape == (427, 640)
    assert color.dtype == gray.dtype == np.float32
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    original = datasets.load_sample_image(name.removesuffix(".jpg") + ".jpg")
    np.testing.assert_allclose(color, original / 255.0, atol=1e-6)
    np.testing.assert_allclose(gray, color @ [0.299, 0.587, 0.114], atol=1e-5)


def test_sample_image_resize_is_a_block_average():
    image = data.sample_image("china")
    rng = np.random.default_rng(3)
    for _ in range(4):  # divisores exatos: cada pixel novo é a média de um bloco
        block_h, block_w = int(rng.choice([1, 7, 61])), int(rng.choice([1, 2, 5, 8, 10]))
        small = data.sample_image("china", size=(427 // block_h, 640 // block_w))
        expected = image.reshape(427 // block_h, block_h, 640 // block_w, block_w).mean(axis=(1, 3))
        np.testing.assert_allclose(small, expected, atol=1e-5)
    for _ in range(4):  # tamanhos quaisquer: a média geral quase não muda
        size = (int(rng.integers(1, 428)), int(rng.integers(1, 641)))
        small = data.sample_image("flower", gray=False, size=size)
        assert small.shape == (*size, 3) and small.dtype == np.float32
        assert abs(small.mean() - data.sample_image("flower", gray=False).mean()) < 0.02


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "lena"}, ValueError, "name deve ser 'china' ou 'flower'; recebido: 'lena'"),
        ({"gray": 1}, TypeError, "gray deve ser True ou False"),
        (
            {"size": (500, 10)},
            ValueError,
            r"size deve ficar entre \(1, 1\) e o tamanho original \(427, 640\)",
        ),
        ({"size": 64}, TypeError, r"size deve ser None ou um par de inteiros \(H, W\); recebido: 64"),
    ],
)
def test_sample_image_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.sample_image(**kwargs)


@pytest.fixture
def keras_datasets(monkeypatch, tmp_path):
    """``keras.datasets`` com um cache vazio em tmp_path e ``load_data`` que falharia como sem rede."""
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline():
        raise Exception(OFFLINE_ERROR)  # o que keras.utils.get_file levanta quando não há rede

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    return keras.datasets


@pytest.mark.parametrize(("loader", "name"), [(data.load_mnist, "MNIST"), (data.load_cifar10, "CIFAR-10")])
def test_offline_download_failure_explains_load_digits(keras_datasets, loader, name):
    with pytest.raises(data.DatasetUnavailableError) as info:
        loader()
    message = str(info.value)
    assert isinstance(info.value, ConnectionError)
    assert f"Não foi possível baixar o {name}" in message
    assert "load_digits()" in message and "offline_fallback=True" in message
    assert "Temporary failure in name resolution" in message


def test_allow_download_false_never_calls_keras(keras_datasets, monkeypatch):
    def forbidden():
        raise AssertionError("não devia chamar keras.datasets sem cache")

    monkeypatch.setattr(keras_datasets.mnist, "load_data", forbidden)
    with pytest.raises(data.DatasetUnavailableError, match="allow_download=False proíbe baixá-lo"):
        data.load_mnist(allow_download=False)


def _fake_split(rng, n, shape, labels_shape):
    return rng.integers(0, 256, size=(n, *shape), dtype=np.uint8), rng.integers(0, 10, size=labels_shape)


def test_cached_mnist_and_cifar_are_normalized(keras_datasets, monkeypatch, tmp_path):
    rng = np.random.default_rng(4)
    mnist = (_fake_split(rng, 6, (28, 28), (6,)), _fake_split(rng, 4, (28, 28), (4,)))
    cifar = (_fake_split(rng, 5, (32, 32, 3), (5, 1)), _fake_split(rng, 3, (32, 32, 3), (3, 1)))
    monkeypatch.setattr(keras_datasets.mnist, "load_data", lambda: mnist)
    monkeypatch.setattr(keras_datasets.cifar10, "load_data", lambda: cifar)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").touch()  # com o arquivo no cache, allow_download=False pode ler
    for result, raw, shape in (
        (data.load_mnist(allow_download=False), mnist, (28, 28, 1)),
        (data.load_cifar10(), cifar, (32, 32, 3)),
    ):
        for (x, y), (raw_x, raw_y) in zip(result, raw, strict=True):
            assert x.shape == (len(raw_x), *shape) and x.dtype == np.float32
            np.testing.assert_allclose(x.reshape(raw_x.shape), raw_x / 255.0, atol=1e-7)
            np.testing.assert_array_equal(y, raw_y.reshape(-1))
            assert y.ndim == 1 and y.dtype == np.int64


@pytest.mark.parametrize(("name", "title"), [("mnist", "MNIST"), ("cifar10", "CIFAR-10")])
def test_load_dataset_falls_back_to_digits_with_a_warning(keras_datasets, name, title):
    with pytest.warns(UserWarning, match=rf"O {title} não está disponível .*usando os dígitos 8×8"):
        (x_train, y_train), (x_test, _) = data.load_dataset(name)
    digits = data.load_digits()
    np.testing.assert_array_equal(x_train, digits[0][0])
    np.testing.assert_array_equal(y_train, digits[0][1])
    np.testing.assert_array_equal(x_test, digits[1][0])
    with pytest.raises(data.DatasetUnavailableError):
        data.load_dataset(name, offline_fallback=False)


def test_load_dataset_without_download_uses_only_the_cache(keras_datasets):
    with pytest.warns(UserWarning, match="sem cache e sem download"):
        (x_train, _), _ = data.load_dataset("mnist", allow_download=False)
    assert x_train.shape[1:] == (8, 8, 1)


def test_load_dataset_digits_and_bad_names():
    (x_train, _), _ = data.load_dataset("digits")
    assert x_train.shape[1:] == (8, 8, 1)
    with pytest.raises(
        ValueError, match="name deve ser 'digits', 'mnist' ou 'cifar10'; recebido: 'imagenet'"
    ):
        data.load_dataset("imagenet")
    with pytest.raises(TypeError, match="offline_fallback deve ser True ou False"):
        data.load_dataset("mnist", offline_fallback="sim")
    with pytest.raises(TypeError, match="allow_download deve ser True ou False"):
        data.load_mnist(allow_download=None)
