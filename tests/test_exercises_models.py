"""ex04 e ex05 corrigidos de ponta a ponta (``nbgrader autograde`` de verdade, na caixa de areia).

Uma turma por tarefa, corrigida numa só chamada: o gabarito (nota cheia), o notebook em branco (zero), três
alternativas corretas escritas como alunos diferentes escreveriam (nota cheia) e entregas com os erros
conhecidos (nota menor, e o erro nomeado no retorno). No ex05, também as trapaças do modelo: treinado para
acertar o x_test, com dropout ativo na inferência, com uma camada Lambda e treinado nos dígitos reservados
(que o kernel da correção só vê zerados). Nenhum retorno mostra gabarito, teste oculto ou valor esperado.

Os testes rápidos do fim conferem o juiz dos modelos sem o nbgrader.
"""

import json
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader_utils import (
    autograde,
    feedback_html,
    fill,
    generate,
    generate_feedback,
    make_course,
    read,
    solution_sources,
    source_notebook,
    submit,
)

from cnn_grader import keras_judge, records

EX04 = "ex04_parametros_arquiteturas"
EX05 = "ex05_pratica"

# --------------------------------------------------------------------------------------------------------
# ex04: as entregas
# --------------------------------------------------------------------------------------------------------

ALTERNATIVAS_EX04 = {
    "alt_funcional": {
        "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    pesos = kh * kw * in_channels * filters
    return pesos + filters if use_bias else pesos
""",
        "params_densa": """
def params_densa(n_in, units, use_bias=True):
    return n_in * units + (units if use_bias else 0)
""",
        "params_lenet5": """
params_lenet5 = {"conv1": 156, "conv2": 2416, "densa1": 48120, "densa2": 10164, "densa3": 850}
print(params_lenet5)
""",
        "construir_lenet5": """
def construir_lenet5():
    entrada = keras.Input(shape=(32, 32, 1))
    x = layers.Conv2D(6, 5)(entrada)
    x = layers.Activation("tanh")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(16, (5, 5))(x)
    x = layers.Activation(keras.activations.tanh)(x)
    x = layers.AveragePooling2D(pool_size=(2, 2), strides=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(120)(x)
    x = layers.Activation("tanh")(x)
    x = layers.Dense(84, activation="tanh")(x)
    x = layers.Dense(10)(x)
    return keras.Model(entrada, layers.Softmax()(x))
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(y + x)
""",
        "razao_separavel": """
def razao_separavel(kernel_size, in_channels, filters):
    separavel = in_channels * (kernel_size**2 + filters) + filters
    comum = (kernel_size**2 * in_channels + 1) * filters
    return separavel / comum
""",
    },
    "alt_sequencial": {
        "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    return int(np.prod(np.atleast_1d(kernel_size)) * (1 if np.ndim(kernel_size) else kernel_size)
               * in_channels * filters + (filters if use_bias else 0))
""",
        "params_densa": """
def params_densa(n_in, units, use_bias=True):
    return int(np.int64(n_in + use_bias) * units)
""",
        "params_lenet5": """
lado = ((32 - 4) // 2 - 4) // 2
params_lenet5 = dict(conv1=params_conv(5, 1, 6), conv2=params_conv((5, 5), 6, 16),
                     densa1=params_densa(lado * lado * 16, 120), densa2=params_densa(120, 84),
                     densa3=params_densa(84, 10))
""",
        "construir_lenet5": """
def construir_lenet5():
    modelo = keras.Sequential()
    modelo.add(keras.Input(shape=(32, 32, 1)))
    modelo.add(layers.Conv2D(filters=6, kernel_size=(5, 5), padding="valid",
                             activation=keras.activations.tanh))
    modelo.add(layers.AvgPool2D(2))
    modelo.add(layers.Conv2D(16, 5, activation="tanh"))
    modelo.add(layers.AvgPool2D(2))
    modelo.add(layers.Flatten())
    for neuronios in (120, 84):
        modelo.add(layers.Dense(neuronios, activation="tanh"))
    modelo.add(layers.Dense(10, activation="softmax"))
    return modelo
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    atalho = x
    y = layers.Conv2D(filters, (3, 3), padding="same", activation=None)(x)
    y = layers.BatchNormalization(momentum=0.9)(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, (3, 3), padding="same")(y)
    y = layers.BatchNormalization(momentum=0.9)(y)
    y = layers.Add()([atalho, y])
    return layers.Activation("relu")(y)
""",
        "razao_separavel": """
def razao_separavel(kernel_size, in_channels, filters):
    k2 = kernel_size * kernel_size
    return np.float32(k2 * in_channels + in_channels * filters + filters) / np.float32(
        (k2 * in_channels + 1) * filters
    )
""",
    },
    "alt_camadas_nomeadas": {
        "construir_lenet5": """
def construir_lenet5():
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 5, name="c1"),
            layers.Activation("tanh"),
            layers.AveragePooling2D(pool_size=2, strides=2, name="s2"),
            layers.Conv2D(16, 5, name="c3"),
            layers.Activation("tanh"),
            layers.AveragePooling2D(pool_size=2, strides=2, name="s4"),
            layers.Flatten(),
            layers.Dense(120, activation="tanh", name="c5"),
            layers.Dense(84, activation="tanh", name="f6"),
            layers.Dense(10, name="saida"),
            layers.Activation("softmax"),
        ],
        name="minha_lenet",
    )
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization(epsilon=1e-5)(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization(epsilon=1e-5)(y)
    return layers.ReLU()(layers.add([y, x]))
""",
    },
}

ERROS_EX04 = {
    "erros_1": {
        "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    n, m = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (n * m + int(use_bias)) * in_channels * filters
""",
        "params_densa": """
def params_densa(n_in, units, use_bias=True):
    return n_in * (units + int(use_bias))
""",
        "params_lenet5": """
params_lenet5 = {"conv1": (5 * 5 * 1 + 1) * 6, "conv2": (5 * 5 * 6 + 1) * 16,
                 "densa1": (10 * 10 * 16 + 1) * 120, "densa2": (120 + 1) * 84, "densa3": (84 + 1) * 10}
""",
        "construir_lenet5": """
def construir_lenet5():
    return keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Conv2D(6, 5, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(16, 5, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"), layers.Dense(10),
    ])
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    return layers.ReLU()(layers.Add()([y, x]))
""",
        "razao_separavel": """
def razao_separavel(kernel_size, in_channels, filters):
    separavel = kernel_size * kernel_size * in_channels + in_channels * filters + filters
    return (kernel_size * kernel_size * in_channels + 1) * filters / separavel
""",
    },
    "erros_2": {
        "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    n, m = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return n * m * in_channels * filters
""",
        "params_densa": """
def params_densa(n_in, units, use_bias=True):
    return (n_in + 1) * units
""",
        "params_lenet5": """
params_lenet5 = {"conv1": 5 * 5 * 1 * 6, "conv2": 5 * 5 * 6 * 16, "densa1": 400 * 120, "densa2": 120 * 84,
                 "densa3": 84 * 10}
""",
        "construir_lenet5": """
def construir_lenet5():
    return keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"), layers.Dense(10),
    ])
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    y = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    return layers.ReLU()(layers.Add()([y, x]))
""",
        "razao_separavel": """
def razao_separavel(kernel_size, in_channels, filters):
    separavel = kernel_size * kernel_size * in_channels + in_channels * filters
    return separavel / ((kernel_size * kernel_size * in_channels + 1) * filters)
""",
    },
    "erros_3": {
        "params_conv": """
def params_conv(kernel_size, in_channels, filters, use_bias=True):
    n, m = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (n * m * in_channels + int(use_bias)) * filters / 1
""",
        "params_lenet5": """
params_lenet5 = {"conv1": params_conv(5, 1, 6), "conv2": params_conv(5, 6, 16),
                 "densa1": params_densa(8 * 8 * 16, 120), "densa2": params_densa(120, 84),
                 "densa3": params_densa(84, 10)}
params_lenet5 = {chave: int(valor) for chave, valor in params_lenet5.items()}
""",
        "construir_lenet5": """
def construir_lenet5():
    return keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Lambda(lambda t: t * 1.0),
        layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax"),
    ])
""",
        "bloco_residual": """
def bloco_residual(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Concatenate()([y, x]))
""",
    },
}

# (aluno, célula, erro conhecido registrado, trecho da mensagem do retorno)
ESPERADOS_EX04 = [
    ("erros_1", "testes_params_conv", "viés contado por canal de entrada", "um viés por filtro"),
    ("erros_1", "testes_params_densa", "viés contado por entrada", "um viés por saída"),
    (
        "erros_1",
        "testes_params_lenet5",
        "pooling esquecido ao dimensionar a densa",
        "DUAS camadas de pooling",
    ),
    ("erros_1", "testes_construir_lenet5", "ativação errada nas camadas ocultas", "a tabela pede tanh"),
    ("erros_1", "testes_construir_lenet5", "pooling máximo no lugar do médio", "AveragePooling2D"),
    ("erros_1", "testes_construir_lenet5", "falta a softmax na saída", 'activation="softmax"'),
    ("erros_1", "testes_bloco_residual", "ReLU antes da soma residual", "há uma ReLU antes da soma"),
    ("erros_1", "testes_razao_separavel", "razão invertida", "dividiu ao contrário"),
    ("erros_2", "testes_params_conv", "viés esquecido", "esqueceu o viés"),
    ("erros_2", "testes_params_densa", "viés contado com use_bias=False", "use_bias=False"),
    ("erros_2", "testes_params_lenet5", "viés esquecido", "cada filtro e cada neurônio tem um viés"),
    ("erros_2", "testes_construir_lenet5", "falta a softmax na saída", 'activation="softmax"'),
    ("erros_2", "testes_bloco_residual", "falta BatchNormalization", "falta a BatchNormalization"),
    ("erros_2", "testes_razao_separavel", "viés esquecido na separável", "a separável também tem k vieses"),
    ("erros_3", "testes_params_conv", "contagem como float", "números reais (float)"),
    ("erros_3", "testes_params_lenet5", "padding 'same' no lugar de 'valid'", "você manteve o tamanho"),
    ("erros_3", "testes_construir_lenet5", "modelo com código próprio (Lambda)", "Lambda"),
    ("erros_3", "testes_bloco_residual", "concatenou em vez de somar", "o atalho foi concatenado"),
]

# --------------------------------------------------------------------------------------------------------
# ex05: as entregas
# --------------------------------------------------------------------------------------------------------

ALTERNATIVAS_EX05 = {
    "alt_funcional": {
        "construir_modelo": """
def construir_modelo():
    entrada = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(32, (3, 3), padding="same")(entrada)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(32, 3, padding="same")(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    saida = layers.Softmax()(layers.Dense(10)(x))
    modelo = keras.Model(entrada, saida)
    modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                   loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    return modelo
""",
        "prever_classes": """
def prever_classes(modelo, x):
    return np.asarray(modelo(x, training=False)).argmax(axis=-1)
""",
        "resposta_sobreajuste": 'resposta_sobreajuste = " a "',
    },
    "alt_bn_dropout": {
        "construir_modelo": """
def construir_modelo():
    modelo = keras.Sequential()
    modelo.add(keras.Input(shape=(8, 8, 1)))
    modelo.add(layers.Conv2D(32, 3, padding="same", use_bias=False))
    modelo.add(layers.BatchNormalization())
    modelo.add(layers.Activation("relu"))
    modelo.add(layers.Conv2D(32, 3, padding="same", activation="relu"))
    modelo.add(layers.MaxPooling2D(2))
    modelo.add(layers.Flatten())
    modelo.add(layers.Dropout(0.25))
    modelo.add(layers.Dense(10, activation="softmax"))
    modelo.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return modelo
""",
        "treino": """
keras.utils.set_random_seed(0)
modelo = construir_modelo()
historico = modelo.fit(x_train, y_train, epochs=12, batch_size=32, verbose=0)
print("acurácia no teste:", modelo.evaluate(x_test, y_test, verbose=0)[1])
""",
        "prever_classes": """
def prever_classes(modelo, x):
    return modelo.predict(x, verbose=0).argmax(axis=1)
""",
    },
    "alt_pequena": {
        "construir_modelo": """
def construir_modelo():
    modelo = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    modelo.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
                   metrics=["sparse_categorical_accuracy"])
    return modelo
""",
        "treino": """
keras.utils.set_random_seed(0)
modelo = construir_modelo()
historico = modelo.fit(x_train, y_train, epochs=15, batch_size=64, verbose=0)
""",
        "prever_classes": """
def prever_classes(modelo, x):
    probabilidades = modelo.predict(x, verbose=0)
    return np.array([int(np.argmax(linha)) for linha in probabilidades], dtype=np.int32)
""",
    },
}

SEM_SOFTMAX = """
def construir_modelo():
    modelo = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
    ])
    modelo.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return modelo
"""

ERROS_EX05 = {
    "erros_1": {
        "construir_modelo": SEM_SOFTMAX,
        "treino": """
keras.utils.set_random_seed(0)
entrada = keras.Input(shape=(8, 8, 1))
x = layers.Conv2D(32, 3, padding="same", activation="relu")(entrada)
x = layers.MaxPooling2D(2)(x)
x = layers.Flatten()(x)
x = layers.Dropout(0.3)(x, training=True)
modelo = keras.Model(entrada, layers.Dense(10, activation="softmax")(x))
modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
historico = modelo.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
""",
        "prever_classes": """
def prever_classes(modelo, x):
    return modelo.predict(x, verbose=0)
""",
        "resposta_sobreajuste": 'resposta_sobreajuste = "B"',
    },
    "erros_2": {
        "construir_modelo": """
def construir_modelo():
    modelo = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    modelo.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return modelo
""",
        "treino": """
keras.utils.set_random_seed(0)
modelo = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Lambda(lambda t: t * 1.0),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
historico = modelo.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
""",
        "prever_classes": """
def prever_classes(modelo, x):
    return np.argmax(modelo.predict(x, verbose=0), axis=0)
""",
        "resposta_sobreajuste": 'resposta_sobreajuste = "C"',
    },
    "erros_3": {
        "construir_modelo": """
def construir_modelo():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
""",
        # Treina nos dígitos reservados: em casa eles são de verdade; no kernel da correção, zerados.
        "treino": """
(_, _), (x_reservado, y_reservado) = data.load_digits(test_size=300, seed=2026)
keras.utils.set_random_seed(0)
modelo = construir_modelo()
modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
historico = modelo.fit(x_reservado, y_reservado, epochs=20, batch_size=32, verbose=0)
print("pixels dos reservados no kernel:", float(np.abs(x_reservado).sum()))
""",
        "prever_classes": """
def prever_classes(modelo, x):
    return np.argmin(modelo.predict(x, verbose=0), axis=1)
""",
        "resposta_sobreajuste": 'resposta_sobreajuste = "D"',
    },
    # Um modelo que decorou o x_test (um vizinho mais próximo exato, feito com camadas padrão): acerta todo o
    # x_test e chuta o resto. Na correção antiga (acurácia no x_test) ganharia os 3 pontos.
    "decorou_x_test": {
        # E uma normalização em lote presa no modo de treino (estatísticas do lote também na inferência).
        "construir_modelo": """
def construir_modelo():
    entrada = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(entrada)
    x = layers.BatchNormalization()(x, training=True)
    saida = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    modelo = keras.Model(entrada, saida)
    modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return modelo
""",
        "treino": """
planos = x_test.reshape(len(x_test), -1)
planos = planos / np.linalg.norm(planos, axis=1, keepdims=True)
modelo = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Flatten(),
    layers.UnitNormalization(),
    layers.Dense(len(x_test), activation="relu"),
    layers.Dense(10, activation="softmax"),
])
modelo.set_weights([planos.T * 1000, np.full(len(x_test), -999.9), np.eye(10)[y_test] * 1000, np.zeros(10)])
acerto = float(np.mean(np.argmax(modelo.predict(x_test, verbose=0), axis=1) == y_test))
print("acurácia no x_test:", acerto)
""",
    },
}

ESPERADOS_EX05 = [
    ("erros_1", "testes_construir_modelo", "falta a softmax na saída", 'activation="softmax"'),
    ("erros_1", "testes_treino", "dropout ativo na inferência", "continua ativa na inferência"),
    ("erros_1", "testes_prever_classes", "devolveu as probabilidades, não as classes", "np.argmax"),
    ("erros_1", "testes_resposta_sobreajuste", "confundiu sobreajuste com subajuste", "não é subajuste"),
    ("erros_2", "testes_construir_modelo", "categorical_crossentropy com rótulos inteiros", "one-hot"),
    ("erros_2", "testes_treino", "modelo com código próprio (Lambda)", "Lambda"),
    ("erros_2", "testes_prever_classes", "argmax no eixo errado", "axis=0"),
    ("erros_2", "testes_resposta_sobreajuste", "achou que o teste não pode ser pior que o treino", "decorou"),
    ("erros_3", "testes_construir_modelo", "modelo não compilado", "compilado"),
    ("erros_3", "testes_treino", "modelo sem treino", "a de um chute"),
    ("erros_3", "testes_prever_classes", "usou argmin", "argmin"),
    ("erros_3", "testes_resposta_sobreajuste", "achou que aumentar a rede resolve o sobreajuste", "decora"),
    (
        "decorou_x_test",
        "testes_construir_modelo",
        "BatchNormalization no modo de treino na inferência",
        "estatísticas do lote",
    ),
]


# --------------------------------------------------------------------------------------------------------
# A turma de cada tarefa: uma só chamada de autograde
# --------------------------------------------------------------------------------------------------------


def _grade_class(root: Path, assignment: str, handins: dict) -> dict:
    course = make_course(root, [assignment])
    release = generate(course, assignment)
    solution = solution_sources(source_notebook(assignment))
    submit(course, assignment, "gabarito", fill(release, solution))
    submit(course, assignment, "branco", read(release))
    for student, answers in handins.items():
        submit(course, assignment, student, fill(release, {**solution, **answers}))
    seconds = autograde(course, assignment)
    print(f"\nautograde de {assignment} ({len(handins) + 2} entregas): {seconds:.0f} s")
    generate_feedback(course, assignment)
    return {"course": course, "records": records.read(course, assignment), "seconds": seconds}


@pytest.fixture(scope="module")
def turma_ex04(tmp_path_factory):
    return _grade_class(tmp_path_factory.mktemp("ex04"), EX04, {**ALTERNATIVAS_EX04, **ERROS_EX04})


@pytest.fixture(scope="module")
def turma_ex05(tmp_path_factory):
    return _grade_class(tmp_path_factory.mktemp("ex05"), EX05, {**ALTERNATIVAS_EX05, **ERROS_EX05})


def _points(turma, student) -> dict[str, tuple[float, float]]:
    return {row["celula"]: (row["pontos"], row["maximo"]) for row in turma["records"][student]}


def _row(turma, student, cell) -> dict:
    return next(row for row in turma["records"][student] if row["celula"] == cell)


def _graded_output(turma, assignment, student, cell) -> str:
    """O texto das saídas da célula no notebook corrigido (o veredito, nas células de teste)."""
    path = turma["course"] / "autograded" / student / assignment / f"{assignment}.ipynb"
    for nb_cell in nbformat.read(path, as_version=4).cells:
        if nb_cell.metadata.get("nbgrader", {}).get("grade_id") == cell:
            parts = []
            for output in nb_cell.outputs:
                parts += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
                parts.append(output.get("data", {}).get("text/plain", ""))
            return "\n".join(parts)
    raise KeyError(cell)


def _check_full_and_blank(turma, alternatives):
    for student in ["gabarito", *alternatives]:
        points = _points(turma, student)
        assert all(got == maximum for got, maximum in points.values()), (student, points)
    assert all(got == 0 for got, _ in _points(turma, "branco").values())


def _check_misconception(turma, assignment, student, cell, label, phrase):
    row = _row(turma, student, cell)
    assert row["pontos"] < row["maximo"], row
    assert label in (row["misconception"] or "").split("; "), row
    assert phrase in row["mensagem"], row
    assert phrase in _graded_output(turma, assignment, student, cell)


def _check_no_leak(turma, assignment, students, forbidden):
    for student in students:
        page = feedback_html(turma["course"], assignment, student)
        for text in ("BEGIN HIDDEN", "END HIDDEN", "BEGIN SOLUTION", "grading.collect", *forbidden):
            assert text not in page, (student, text)


@pytest.mark.slow
def test_ex04_gabarito_alternativas_e_branco(turma_ex04):
    _check_full_and_blank(turma_ex04, ALTERNATIVAS_EX04)


@pytest.mark.slow
@pytest.mark.parametrize(("student", "cell", "label", "phrase"), ESPERADOS_EX04)
def test_ex04_erro_conhecido_perde_pontos_e_e_nomeado(turma_ex04, student, cell, label, phrase):
    _check_misconception(turma_ex04, EX04, student, cell, label, phrase)


@pytest.mark.slow
def test_ex04_retorno_sem_gabarito(turma_ex04):
    # As contagens certas da LeNet-5 (que o aluno copiaria) nunca aparecem para quem errou.
    expected = ["48120", "48\u00a0120", "2416", "2\u00a0416", "10164", "10\u00a0164"]
    _check_no_leak(turma_ex04, EX04, [*ERROS_EX04, "branco"], expected)


@pytest.mark.slow
def test_ex04_relatorio_da_turma_conta_os_erros_cometidos(turma_ex04):
    from collections import Counter

    from cnn_grader import report

    page, table = report.build(turma_ex04["course"], EX04)
    summary = report.class_summary(report.load_class(turma_ex04["course"], EX04))
    expected = Counter((label, cell) for _, cell, label, _ in ESPERADOS_EX04)
    assert {(label, cell): count for label, cell, count in summary["erros"]} == dict(expected)
    assert summary["alunos"] == len(ALTERNATIVAS_EX04) + len(ERROS_EX04) + 2
    assert sorted(summary["notas"])[-1] == summary["maximo"] == 12
    assert "Erros mais frequentes" in page.read_text(encoding="utf-8") and table.exists()


@pytest.mark.slow
def test_ex05_gabarito_alternativas_e_branco(turma_ex05):
    _check_full_and_blank(turma_ex05, ALTERNATIVAS_EX05)


@pytest.mark.slow
@pytest.mark.parametrize(("student", "cell", "label", "phrase"), ESPERADOS_EX05)
def test_ex05_erro_conhecido_perde_pontos_e_e_nomeado(turma_ex05, student, cell, label, phrase):
    _check_misconception(turma_ex05, EX05, student, cell, label, phrase)


@pytest.mark.slow
def test_ex05_modelo_que_decorou_o_x_test_nao_ganha(turma_ex05):
    printed = _graded_output(turma_ex05, EX05, "decorou_x_test", "treino")
    assert float(printed.split("acurácia no x_test:")[1].split()[0]) >= 0.99  # no kernel, acerta o x_test...
    row = _row(turma_ex05, "decorou_x_test", "testes_treino")
    assert row["pontos"] == 0 and "dígitos reservados" in row["mensagem"]  # ...e chuta os reservados


@pytest.mark.slow
def test_ex05_kernel_da_correcao_nao_ve_os_digitos_reservados(turma_ex05):
    assert "pixels dos reservados no kernel: 0.0" in _graded_output(turma_ex05, EX05, "erros_3", "treino")


@pytest.mark.slow
def test_ex05_retorno_sem_gabarito(turma_ex05):
    _check_no_leak(turma_ex05, EX05, [*ERROS_EX05, "branco"], ["GABARITO", "resposta certa é"])


# --------------------------------------------------------------------------------------------------------
# O juiz dos modelos, sem o nbgrader
# --------------------------------------------------------------------------------------------------------


def test_arquivo_de_digitos_sem_os_reservados_da_a_mesma_separacao(tmp_path):
    import gzip

    from sklearn.model_selection import train_test_split

    original = np.loadtxt(gzip.open(keras_judge.sklearn_digits_file(), "rt"), delimiter=",")
    public = np.loadtxt(gzip.open(keras_judge.write_public_digits(tmp_path), "rt"), delimiter=",")
    held = keras_judge.holdout_indices()
    assert len(held) == keras_judge.HOLDOUT_SIZE
    assert not public[held, :-1].any()  # os pixels dos reservados estão zerados
    assert np.array_equal(np.delete(public, held, axis=0), np.delete(original, held, axis=0))
    assert np.array_equal(public[:, -1], original[:, -1])  # os rótulos ficam: a separação é a mesma
    indices = np.arange(len(original))
    split = train_test_split(
        indices,
        test_size=keras_judge.HOLDOUT_SIZE,
        random_state=keras_judge.HOLDOUT_SEED,
        stratify=public[:, -1],
    )
    assert np.array_equal(np.sort(split[1]), held)
    source = "".join(read(source_notebook(EX05)).cells[1].source)
    assert (
        f"data.load_digits(test_size={keras_judge.HOLDOUT_SIZE}, seed={keras_judge.HOLDOUT_SEED})" in source
    )


def test_configuracao_do_curso_esconde_os_digitos_reservados_no_ex05():
    text = (Path(__file__).resolve().parents[1] / "nbgrader_sandbox.py").read_text(encoding="utf-8")
    assert "cnn_grader.keras_judge.digits_replacement" in text and '"ex05_pratica": _DIGITOS' in text


def _keras_file(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "modelo.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
    return path


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"module": "keras.layers", "class_name": "Lambda", "config": {}}, "Lambda"),
        ({"module": "os", "class_name": "system", "config": {}}, "fora do Keras"),
        ({"module": "keras.layers", "class_name": "Dense", "config": {"x": {"class_name": "function",
          "module": "builtins", "config": "eval"}}}, "function"),
    ],
)  # fmt: skip
def test_config_com_codigo_proprio_e_recusado_sem_carregar(tmp_path, config, reason):
    with pytest.raises(keras_judge.ModelRefused, match=reason):
        keras_judge.inspect_archive(_keras_file(tmp_path, config))


def test_arquivo_que_nao_e_keras_e_recusado(tmp_path):
    (tmp_path / "link.keras").symlink_to("/etc/passwd")
    (tmp_path / "texto.keras").write_text("não é zip")
    for name in ("link.keras", "texto.keras", "ausente.keras"):
        with pytest.raises(keras_judge.ModelRefused):
            keras_judge.inspect_archive(tmp_path / name)
    facts = keras_judge.run_judge(tmp_path, {"texto.keras": "lenet5"})
    assert "recusado" in facts["texto.keras"]


@pytest.mark.slow
def test_juiz_isolado_mede_um_modelo_salvo(tmp_path):
    import keras

    modelo = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    modelo.save(tmp_path / "modelo.keras")
    start = time.perf_counter()
    facts = keras_judge.run_judge(tmp_path, {"modelo.keras": "modelo_digitos"})["modelo.keras"]
    print(f"\njuiz isolado: {time.perf_counter() - start:.1f} s")
    assert facts["entrada"] == [8, 8, 1] and facts["saida"] == [10] and facts["tem_conv2d"]
    assert facts["deterministico"] and not facts["distribuicao"] and facts["compilado"] is None


def test_juiz_que_nao_inicia_e_erro_do_instrutor(tmp_path, monkeypatch):
    _keras_file(tmp_path, {"module": "keras.layers", "class_name": "Dense", "config": {}})
    monkeypatch.setattr(keras_judge.sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="configuração do instrutor"):
        keras_judge.run_judge(tmp_path, {"modelo.keras": "modelo_digitos"})
