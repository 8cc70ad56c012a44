"""cnn_lib: a teoria das Redes Neurais Convolucionais em NumPy, para o curso aberto em português.

Os módulos que dependem do TensorFlow (``models``, ``params``, ``train`` e a parte Keras de ``data``) não são
importados aqui: ``import cnn_lib`` carrega só NumPy e é rápido.
"""

from cnn_lib.formatting import format_decimal, format_number
from cnn_lib.ops import (
    BatchNormOutput,
    avg_pool2d,
    batch_norm,
    conv1d,
    conv2d,
    conv2d_naive,
    conv2d_transpose,
    convolve2d,
    depthwise_conv2d,
    dropout,
    global_avg_pool2d,
    global_max_pool2d,
    max_pool2d,
    relu,
    separable_conv2d,
    sigmoid,
    softmax,
    tanh,
)
from cnn_lib.shapes import (
    DenseSizing,
    batchnorm_params,
    conv_params,
    conv_transpose_params,
    dense_input_size,
    dense_params,
    depthwise_params,
    effective_kernel_size,
    output_size,
    padding_amounts,
    receptive_field,
    same_padding,
    separable_params,
    transposed_output_size,
)

__version__ = "0.1.0"

__all__ = [
    "BatchNormOutput",
    "DenseSizing",
    "avg_pool2d",
    "batch_norm",
    "batchnorm_params",
    "conv1d",
    "conv2d",
    "conv2d_naive",
    "conv2d_transpose",
    "conv_params",
    "conv_transpose_params",
    "convolve2d",
    "dense_input_size",
    "dense_params",
    "depthwise_conv2d",
    "depthwise_params",
    "dropout",
    "effective_kernel_size",
    "format_decimal",
    "format_number",
    "global_avg_pool2d",
    "global_max_pool2d",
    "max_pool2d",
    "output_size",
    "padding_amounts",
    "receptive_field",
    "relu",
    "same_padding",
    "separable_conv2d",
    "separable_params",
    "sigmoid",
    "softmax",
    "tanh",
    "transposed_output_size",
]
