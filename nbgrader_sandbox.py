# ruff: noqa: F821
"""Limites da correção em caixa de areia: carregado por ``load_subconfig`` no ``nbgrader_config.py``.

Cada notebook de cada entrega roda num kernel isolado pelo bubblewrap (sem rede, sem ver as soluções, o
gradebook, o ``cnn_grader`` nem as outras entregas), com limites de memória, CPU, processos, disco, saída e
tempo total; se o kernel morre, as células que faltavam valem zero e a correção segue. Sem este arquivo, ou
sem o bubblewrap (``apt-get install -y bubblewrap``), ``nbgrader autograde`` para e diz o que falta.
Detalhes em ``cnn_grader/sandbox.py`` e em ``book/seguranca-da-correcao.md``.
"""

c = get_config()  # o nbgrader injeta get_config ao ler este arquivo

# A prova de que este arquivo foi carregado (a caixa de areia se recusa a rodar sem ela).
c.SandboxExecute.config_file = "nbgrader_sandbox.py"

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
# Maior arquivo que o kernel pode escrever; tamanho e número de arquivos do tmpfs (em memória) que reúne o
# /tmp, a pasta de trabalho e a pasta de conexão do kernel.
c.SandboxKernelManager.file_size_limit = 256 * 2**20
c.SandboxKernelManager.scratch_size = 256 * 2**20
c.SandboxKernelManager.scratch_files = 4096
# Maior mensagem única do kernel (uma imagem tem centenas de KiB); maiores são descartadas.
c.SandboxKernelManager.max_message_size = 32 * 2**20

# A entrada das entregas: maior notebook, maior arquivo de dados, número de arquivos (cnn_grader/intake.py).
c.Intake.max_notebook_size = 32 * 2**20
c.Intake.max_file_size = 16 * 2**20
c.Intake.max_files = 64

# A saída guardada no notebook corrigido: o nbgrader corta por linhas, depois da execução.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# O kernel das tarefas com modelos lê os dígitos do scikit-learn sem as imagens reservadas: o conjunto de
# teste do corretor nunca chega ao notebook (cnn_grader/keras_judge.py). Chamado só ao corrigir essas tarefas.
_DIGITOS = ["cnn_grader.keras_judge.digits_replacement"]
c.SandboxExecute.replacement_factories = {"ex04_parametros_arquiteturas": _DIGITOS, "ex05_pratica": _DIGITOS}
