"""A CNN escrita só em NumPy (``cnn_lib.numpy_net``) treinada do zero nos dígitos offline do scikit-learn.

Cada execução constrói ``numpy_net.small_cnn(seed=semente)`` e treina com o Adam escrito em NumPy (lotes
de 32), avaliando o conjunto de teste ao fim de cada época. Mostra, por semente, a época em que a acurácia de
teste chegou a 95 %, o tempo de relógio e de CPU do treino inteiro e a acurácia final; depois, as medianas e a
curva da perda (média por época) da semente mediana. Meta do curso: >= 95 % de acurácia de teste em <= 60 s
de relógio nesta máquina de 2 núcleos. Nada aqui usa TensorFlow.

Uso: ``.venv/bin/python benchmarks/numpy_cnn.py [--execucoes 5] [--epocas 20] [--figura perda.png]``
"""

import argparse
import os
import statistics
import time

from cnn_lib import data, numpy_net

TARGET = 0.95
BUDGET_S = 60.0
LEARNING_RATE = 0.003


def _run(seed: int, epochs: int, digits) -> dict:
    (x_train, y_train), (x_test, y_test) = digits
    net = numpy_net.small_cnn(seed=seed)
    start = time.perf_counter(), time.process_time()
    history = net.fit(
        x_train,
        y_train,
        epochs=epochs,
        optimizer=numpy_net.Adam(LEARNING_RATE),
        validation_data=(x_test, y_test),
    )
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    reached = next((i + 1 for i, acc in enumerate(history["val_accuracy"]) if acc >= TARGET), None)
    return {"seed": seed, "epoch": reached, "wall": wall, "cpu": cpu, "history": history}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execucoes", type=int, default=5, help="execuções (sementes 0, 1, ...)")
    parser.add_argument("--epocas", type=int, default=20, help="épocas de cada treino")
    parser.add_argument("--figura", help="salva a curva da perda da semente mediana neste arquivo PNG")
    args = parser.parse_args()

    digits = data.load_digits()
    print(
        f"numpy_net.small_cnn nos dígitos 8×8 ({len(digits[0][0])} de treino, {len(digits[1][0])} de teste), "
        f"Adam({LEARNING_RATE}), {args.epocas} épocas, {os.cpu_count()} núcleos, "
        f"carga média {os.getloadavg()[0]:.1f}"
    )
    header = ("semente", "época ≥ 95 %", "relógio (s)", "CPU (s)", "acurácia de teste")
    print(" | ".join(header))
    runs = []
    for seed in range(args.execucoes):
        run = _run(seed, args.epocas, digits)
        runs.append(run)
        cells = (
            str(seed),
            str(run["epoch"] or "—"),
            f"{run['wall']:.1f}",
            f"{run['cpu']:.1f}",
            f"{100 * run['history']['val_accuracy'][-1]:.1f} %",
        )
        print(" | ".join(cell.rjust(len(title)) for cell, title in zip(cells, header, strict=True)))

    accuracies = [run["history"]["val_accuracy"][-1] for run in runs]
    wall = statistics.median(run["wall"] for run in runs)
    cpu = statistics.median(run["cpu"] for run in runs)
    print(
        f"mediana: acurácia {100 * statistics.median(accuracies):.1f} % "
        f"(mínima {100 * min(accuracies):.1f} %); treino {wall:.1f} s de relógio, {cpu:.1f} s de CPU"
    )
    median_run = sorted(runs, key=lambda run: run["history"]["val_accuracy"][-1])[len(runs) // 2]
    losses = " ".join(f"{loss:.3f}" for loss in median_run["history"]["loss"])
    print(f"perda por época (semente {median_run['seed']}): {losses}")
    ok = wall <= BUDGET_S and statistics.median(accuracies) >= TARGET
    print(f"meta (>= 95 % em <= {BUDGET_S:.0f} s, medianas): {'cumprida' if ok else 'NÃO cumprida'}")
    if args.figura:
        from cnn_lib import plots

        plots.plot_history(median_run["history"]).savefig(args.figura, dpi=100)
        print(f"curva salva em {args.figura}")


if __name__ == "__main__":
    main()
