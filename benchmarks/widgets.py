"""Latência das demonstrações interativas: do ajuste de um controle (``.value = ...``) ao PNG redesenhado.

Para cada demonstração de :mod:`cnn_lib.widgets`, faz ~30 mudanças aleatórias (semente fixa) nos controles e
mede o tempo de cada atribuição, que já inclui recalcular o estado, atualizar a figura e gerar o PNG (os
observadores do ipywidgets rodam na própria atribuição). Meta: mediana <= 30 ms.

Mostra o tempo de relógio (o que o estudante espera) e o tempo de CPU do processo: numa máquina
compartilhada e carregada, o relógio sobe com a espera pela CPU, e o tempo de CPU se aproxima do que uma
máquina livre daria.

Uso: ``.venv/bin/python benchmarks/widgets.py [--mudancas 30] [--sem-keras]``
"""

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from cnn_lib import widgets

META_MS = 30.0


def _choices(control) -> list:
    """Os valores que um controle aceita: as opções de um Dropdown ou os inteiros de um IntSlider."""
    if hasattr(control, "options"):
        return [option[1] if isinstance(option, tuple) else option for option in control.options]
    return list(range(control.min, control.max + 1))


def measure(demo, changes: int, seed: int = 0) -> tuple[dict[str, list[tuple[float, float]]], int]:
    """Tempos (relógio, CPU), em ms, de ``changes`` mudanças aleatórias que redesenharam a figura, agrupados
    pelo controle mudado, e quantas mudanças caíram numa combinação inválida (só mostram a mensagem de erro,
    sem redesenho; ficam fora dos tempos)."""
    rng = np.random.default_rng(seed)
    names = list(demo.controls)
    times: dict[str, list[tuple[float, float]]] = {}
    invalid = 0
    while sum(map(len, times.values())) < changes:
        name = names[rng.integers(len(names))]
        control = demo.controls[name]
        options = [value for value in _choices(control) if value != control.value]
        if not options:
            continue
        value = options[rng.integers(len(options))]
        start, start_cpu = time.perf_counter(), time.process_time()
        control.value = value
        elapsed = ((time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000)
        if "error" in demo.state:
            invalid += 1
        else:
            times.setdefault(name, []).append(elapsed)
    return times, invalid


def _tiny_model_demo():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 3, activation="relu", name="conv2"),
        ]
    )
    images = np.random.default_rng(0).random((10, 28, 28, 1)).astype("float32")
    return widgets.feature_map_explorer(model, images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mudancas", type=int, default=30, help="mudanças por demonstração (padrão 30)")
    parser.add_argument(
        "--sem-keras", action="store_true", help="pula feature_map_explorer (importa o TensorFlow)"
    )
    args = parser.parse_args()
    demos = {
        "conv_explorer": widgets.conv_explorer,
        "stride_padding_explorer": widgets.stride_padding_explorer,
        "pooling_explorer": widgets.pooling_explorer,
        "activation_pipeline": widgets.activation_pipeline,
    }
    if not args.sem_keras:
        demos["feature_map_explorer"] = _tiny_model_demo
    header = (
        f"{'demonstração':<25}{'controle':<15}{'mudanças':>9}{'mediana (ms)':>14}{'p90 (ms)':>10}"
        f"{'máx (ms)':>10}{'mediana CPU (ms)':>18}"
    )
    print(f"carga média da máquina (1 min): {os.getloadavg()[0]:.1f} em {os.cpu_count()} núcleos\n")
    print(header)
    print("-" * len(header))
    for name, make in demos.items():
        times, invalid = measure(make(), args.mudancas)
        rows = [*sorted(times.items()), ("(todas)", [t for values in times.values() for t in values])]
        for control, values in rows:
            wall, cpu = np.array(values).T
            print(
                f"{name:<25}{control:<15}{len(wall):>9}{np.median(wall):>14.1f}"
                f"{np.percentile(wall, 90):>10.1f}{wall.max():>10.1f}{np.median(cpu):>18.1f}"
            )
        wall_median = statistics.median(wall)
        verdict = "dentro" if wall_median <= META_MS else "FORA"
        print(f"{'':<25}meta: mediana <= {META_MS:.0f} ms -> {verdict} da meta ({wall_median:.1f} ms)")
        print(f"{'':<25}mudanças para combinações inválidas (sem redesenho, fora dos tempos): {invalid}\n")


if __name__ == "__main__":
    main()
