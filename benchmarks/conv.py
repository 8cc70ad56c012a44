"""Tempo de ``cnn_lib.conv2d`` e ``conv2d_naive`` contra ``tf.nn.conv2d`` em camadas de tamanho realista.

Uso: ``.venv/bin/python benchmarks/conv.py``. Imprime a mediana de várias repetições (o aquecimento fica de
fora) e a razão cnn_lib/TensorFlow. As repetições das implementações se alternam, para que a carga de outros
processos na máquina pese igual sobre todas. ``conv2d_naive`` só roda onde leva poucos segundos.
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
import tensorflow as tf

from cnn_lib import conv2d, conv2d_naive

# (lote, altura, largura, canais), (kh, kw, canais, filtros), strides, padding
LAYERS = [
    ((1, 28, 28, 1), (5, 5, 1, 6), 1, "valid"),
    ((8, 32, 32, 16), (3, 3, 16, 16), 1, "same"),
    ((32, 56, 56, 64), (3, 3, 64, 64), 1, "same"),
    ((32, 28, 28, 128), (3, 3, 128, 128), 1, "same"),
    ((32, 224, 224, 3), (7, 7, 3, 64), 2, "same"),
]
REPEATS = 7
NAIVE_REPEATS = 3
NAIVE_MAX_STEPS = 200_000  # passos do laço mais interno (lote·H'·W'·kh·kw): ~1 s por chamada


def naive_steps(x_shape, k_shape, strides) -> int:
    batch, height, width, _ = x_shape
    return batch * -(-height // strides) * -(-width // strides) * k_shape[0] * k_shape[1]


def median_times(functions: dict, repeats: dict) -> dict:
    """Mediana, em segundos, de cada função; uma chamada de aquecimento antes, repetições alternadas."""
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for round_ in range(max(repeats.values())):
        for name, function in functions.items():
            if round_ < repeats[name]:
                start = time.perf_counter()
                function()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def describe(x_shape, k_shape, strides, padding) -> str:
    batch, height, width, channels = x_shape
    kernel = f"{k_shape[0]}×{k_shape[1]}"
    return f"{batch}×{height}×{width}×{channels} → {k_shape[3]}, {kernel}, s={strides}, {padding}"


def milliseconds(seconds) -> str:
    return "—" if seconds is None else f"{1000 * seconds:.1f} ms"


def main() -> None:
    rng = np.random.default_rng(0)
    header = ("camada (lote×H×W×C → filtros, kernel, passo, padding)", "cnn_lib.conv2d", "conv2d_naive")
    header += ("tf.nn.conv2d", "cnn_lib / TF")
    rows = []
    for x_shape, k_shape, strides, padding in LAYERS:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        kernel = rng.standard_normal(k_shape, dtype=np.float32)
        x_tf, kernel_tf = tf.constant(x), tf.constant(kernel)
        functions = {
            "cnn_lib": lambda x=x, k=kernel, s=strides, p=padding: conv2d(x, k, strides=s, padding=p),
            "tf": lambda x=x_tf, k=kernel_tf, s=strides, p=padding: tf.nn.conv2d(x, k, s, p.upper()).numpy(),
        }
        repeats = {"cnn_lib": REPEATS, "tf": REPEATS}
        if naive_steps(x_shape, k_shape, strides) <= NAIVE_MAX_STEPS:
            functions["naive"] = lambda x=x, k=kernel, s=strides, p=padding: conv2d_naive(
                x, k, strides=s, padding=p
            )
            repeats["naive"] = NAIVE_REPEATS
        results = {name: function() for name, function in functions.items()}
        for name, result in results.items():  # as três dão o mesmo resultado
            np.testing.assert_allclose(result, results["tf"], rtol=1e-3, atol=1e-3, err_msg=name)
        times = median_times(functions, repeats)
        rows.append(
            (
                describe(x_shape, k_shape, strides, padding),
                milliseconds(times["cnn_lib"]),
                milliseconds(times.get("naive")),
                milliseconds(times["tf"]),
                f"{times['cnn_lib'] / times['tf']:.2f}×",
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        print("  ".join([row[0].ljust(widths[0]), *cells]))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nmediana de {REPEATS} repetições ({NAIVE_REPEATS} para conv2d_naive), float32, "
        f"{os.cpu_count()} núcleos, carga média da máquina: {load}; "
        f"NumPy {np.__version__}, TensorFlow {tf.__version__}"
    )


if __name__ == "__main__":
    main()
