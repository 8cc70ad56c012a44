# ruff: noqa: F821
"""Correção em caixa de areia: carregado no fim de ``nbgrader_config.py`` por ``load_subconfig``.

Cada notebook de cada submissão roda num kernel isolado pelo bubblewrap (sem rede, sem ver as soluções, o
gradebook nem as outras submissões), com limites de memória, CPU, processos, arquivos, saída e tempo total; se
o kernel morre, as células que faltavam valem zero e a correção segue. Detalhes em
``cnn_grader/sandbox.py`` e no guia do instrutor. Pré-requisito no Linux: ``apt-get install -y bubblewrap``.
"""

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute

c = get_config()  # o nbgrader injeta get_config ao ler este arquivo

# O Execute do nbgrader fixa kernel_manager_class no construtor, o que anula c.Execute.kernel_manager_class:
# por isso trocamos o próprio pré-processador na lista do autograde, mantendo os demais e a ordem.
c.Autograde.autograde_preprocessors = [
    "cnn_grader.sandbox.SandboxExecute" if preprocessor is Execute else preprocessor
    for preprocessor in Autograde.class_traits()["autograde_preprocessors"].default()
]

# Tempo: c.Execute.timeout (por célula, em nbgrader_config.py) continua valendo; este limita o notebook todo,
# em segundos de relógio.
c.SandboxExecute.notebook_timeout = 900
# Saída somada de todas as células; ao passar, o kernel é encerrado.
c.SandboxExecute.max_output_bytes = 16 * 2**20

# Espaço de endereçamento de cada processo: importar o TensorFlow e treinar a CNN do ex05 pede ~2,4 GiB.
c.SandboxKernelManager.memory_limit = 4 * 2**30
# Segundos de CPU somados em todas as células do notebook.
c.SandboxKernelManager.cpu_time_limit = 600
# Processos e threads do kernel (o TensorFlow usa ~10 numa máquina de 2 núcleos; mais com mais núcleos).
c.SandboxKernelManager.process_limit = 256
# Maior arquivo que o kernel pode escrever, e o tamanho de /tmp e da pasta de trabalho (em memória).
c.SandboxKernelManager.file_size_limit = 256 * 2**20
c.SandboxKernelManager.scratch_size = 256 * 2**20
# Maior mensagem única do kernel (uma imagem tem centenas de KiB); maiores são descartadas.
c.SandboxKernelManager.max_message_size = 32 * 2**20

# A saída guardada no notebook corrigido: o nbgrader corta por linhas, depois da execução.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
