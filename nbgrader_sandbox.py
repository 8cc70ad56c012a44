# ruff: noqa: F821
"""Correção em caixa de areia: carregado no fim de ``nbgrader_config.py`` por ``load_subconfig``.

Cada notebook de cada submissão roda num kernel isolado pelo bubblewrap (sem rede, sem ver as soluções, o
gradebook nem as outras submissões), com limites de memória, CPU, processos, arquivos, saída e tempo total; se o
kernel morre, as células que faltavam valem zero e a correção segue. Detalhes em ``cnn_lib/sandbox.py`` e no guia
do instrutor. Pré-requisito no Linux: ``apt-get install -y bubblewrap`` (sem ele, só os limites valem, com aviso).
"""

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute

c = get_config()  # o nbgrader injeta get_config ao ler este arquivo

# O Execute do nbgrader fixa kernel_manager_class no construtor, o que anula c.Execute.kernel_manager_class:
# por isso trocamos o próprio pré-processador na lista do autograde, mantendo os demais e a ordem.
c.Autograde.autograde_preprocessors = [
    "cnn_lib.sandbox.SandboxExecute" if preprocessor is Execute else preprocessor
    for preprocessor in Autograde.class_traits()["autograde_preprocessors"].default()
]

# Tempo: c.Execute.timeout (por célula, em nbgrader_config.py) vale também aqui; estes limitam o notebook todo.
c.SandboxExecute.notebook_timeout = 900  # segundos de relógio para o notebook inteiro
c.SandboxExecute.max_output_bytes = 16 * 2**20  # saída somada de todas as células

# Limites do kernel (por processo, exceto processos e CPU, que contam o kernel inteiro).
c.SandboxKernelManager.memory_limit = (
    4 * 2**30
)  # importar o TensorFlow e treinar uma CNN pequena pede ~2,4 GiB
c.SandboxKernelManager.cpu_time_limit = 600  # segundos de CPU somados no notebook
c.SandboxKernelManager.process_limit = (
    256  # processos e threads (o TensorFlow usa ~10 numa máquina de 2 núcleos)
)
c.SandboxKernelManager.file_size_limit = 256 * 2**20  # maior arquivo que o kernel pode escrever
c.SandboxKernelManager.scratch_size = 256 * 2**20  # tamanho de /tmp e da pasta de trabalho (em memória)
c.SandboxKernelManager.max_message_size = 32 * 2**20  # maior mensagem única (por exemplo, uma imagem)

# A saída guardada no notebook corrigido: o nbgrader corta por linhas; isto vale depois da execução.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
