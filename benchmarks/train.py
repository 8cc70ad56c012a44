"""Quanto tempo leva treinar ``small_cnn`` até 98 % de acurácia nos dígitos offline do scikit-learn.

Cada execução constrói ``cnn_lib.models.small_cnn()`` com uma semente e treina com ``cnn_lib.train.fit``
(Adam, lotes de 32) pelo número de épocas do teste lento, avaliando o conjunto de teste ao fim de cada época.
Mostra o tempo até a primeira época com acurácia de teste >= 98 %, o tempo do treino inteiro e a
acurácia final, em tempo de relógio e em tempo de CPU do processo: numa máquina compartilhada e carregada, o
relógio sobe com a espera pela CPU. Meta: treino inteiro em <= 30 s de relógio em 2 núcleos.

Uso: ``.venv/bin/python benchmarks/train.py [--execucoes 3] [--epocas 6]``
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras

from cnn_lib import data, models, train

TARGET = 0.98
BUDGET_S = 30.0


class _Clock(keras.callbacks.Callback):
    """Anota o tempo de relógio e de CPU desde o início do treino ao fim de cada época."""

    def on_train_begin(self, logs=None):
        self.start = (time.perf_counter(), time.process_time())
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        wall, cpu = time.perf_counter() - self.start[0], time.process_time() - self.start[1]
        self.epochs.append((wall, cpu, logs["val_accuracy"]))


def _run(seed: int, epochs: int, digits) -> dict:
    (x_train, y_train), (x_test, y_test) = digits
    keras.utils.set_random_seed(seed)
    model = models.small_cnn()
    clock = _Clock()
    train.fit(
        model, x_train, y_train, validation_data=(x_test, y_test), epochs=epochs, seed=seed, callbacks=[clock]
    )
    reached = next((i for i, (_, _, accuracy) in enumerate(clock.epochs) if accuracy >= TARGET), None)
    return {
        "seed": seed,
        "epoch": None if reached is None else reached + 1,
        "wall_target": None if reached is None else clock.epochs[reached][0],
        "wall": clock.epochs[-1][0],
        "cpu": clock.epochs[-1][1],
        "accuracy": train.evaluate_accuracy(model, x_test, y_test),
    }


def _seconds(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execucoes", type=int, default=3, help="execuções (sementes 0, 1, ...)")
    parser.add_argument("--epocas", type=int, default=6, help="épocas de cada treino")
    args = parser.parse_args()

    digits = data.load_digits()
    print(
        f"small_cnn nos dígitos 8×8 ({len(digits[0][0])} de treino, {len(digits[1][0])} de teste), "
        f"{args.epocas} épocas, {os.cpu_count()} núcleos, carga média {os.getloadavg()[0]:.1f}"
    )
    header = (
        "semente",
        "época ≥ 98 %",
        "relógio até 98 % (s)",
        "relógio total (s)",
        "CPU total (s)",
        "acurácia",
    )
    print(" | ".join(header))
    runs = []
    for seed in range(args.execucoes):
        run = _run(seed, args.epocas, digits)
        runs.append(run)
        cells = (
            str(seed),
            str(run["epoch"] or "—"),
            _seconds(run["wall_target"]),
            _seconds(run["wall"]),
            _seconds(run["cpu"]),
            f"{100 * run['accuracy']:.1f} %",
        )
        print(" | ".join(cell.rjust(len(title)) for cell, title in zip(cells, header, strict=True)))

    reached = [run["wall_target"] for run in runs if run["wall_target"] is not None]
    wall = statistics.median(run["wall"] for run in runs)
    cpu = statistics.median(run["cpu"] for run in runs)
    print(
        f"mediana: até 98 % {_seconds(statistics.median(reached)) if reached else '—'} s; "
        f"treino inteiro {wall:.1f} s de relógio, {cpu:.1f} s de CPU; "
        f"acurácia mínima {100 * min(run['accuracy'] for run in runs):.1f} %"
    )
    ok = wall <= BUDGET_S and min(run["accuracy"] for run in runs) >= TARGET
    print(f"meta (>= 98 % em <= {BUDGET_S:.0f} s): {'cumprida' if ok else 'NÃO cumprida'}")


if __name__ == "__main__":
    main()
