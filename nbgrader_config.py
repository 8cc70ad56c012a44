# ruff: noqa: E402, F821
"""Configuração do nbgrader 0.9 para os exercícios do curso de Redes Neurais Convolucionais.

As versões do instrutor (soluções e testes ocultos) ficam em ``solutions/<tarefa>/``; a versão do aluno,
gerada por ``nbgrader generate_assignment <tarefa>``, vai para ``exercises/<tarefa>/``. O gradebook é o padrão
(``gradebook.db`` na raiz do curso).
"""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from cnn_lib.grading import sanitize_feedback

c = get_config()  # o nbgrader injeta get_config e load_subconfig ao ler este arquivo

c.CourseDirectory.course_id = "cnn-curso-aberto"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# O que o aluno vê no lugar das soluções.
c.ClearSolutions.code_stub = {"python": "# SEU CÓDIGO AQUI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "SUA RESPOSTA AQUI"

# Tempo máximo de cada célula na correção. As células mais longas, medidas numa máquina de 2 núcleos ocupada:
# importar o TensorFlow (~9 s) e o treino do ex05 (~6 s). Um laço infinito é interrompido e a correção segue.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Mensagens do ``nbgrader validate`` (e do botão Validate) em português.
c.Validator.failed_warning = (
    "A VALIDAÇÃO FALHOU EM {num_failed} CÉLULA(S)! Se você entregar a tarefa assim, "
    "NÃO receberá a nota máxima.\n"
)
c.Validator.changed_warning = (
    "O CONTEÚDO DE {num_changed} CÉLULA(S) DE TESTE MUDOU! Mesmo que os testes passem agora, "
    "eles podem falhar na correção: use as células de teste originais.\n"
)
c.Validator.type_changed_warning = (
    "O TIPO DE {num_changed} CÉLULA(S) MUDOU! Mesmo que os testes passem agora, "
    "eles podem falhar na correção.\n"
)

# Feedback sem os testes ocultos: sanitize_feedback tira dos tracebacks e das saídas as linhas dos testes
# ocultos; ClearHiddenTests tira as regiões ocultas do código das células.
c.GenerateFeedback.preprocessors = [GetGrades, sanitize_feedback, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
# A página de retorno com as frases do nbgrader («Score», «Test cell»...) em português.
c.GenerateFeedback.exporter_class = "cnn_grader.feedback.FeedbackExporter"

# Limites de recursos para cada submissão (tempo, memória, processos, rede): ver o guia do instrutor.
import os as _os

if _os.path.exists(_os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "nbgrader_sandbox.py")):
    load_subconfig("nbgrader_sandbox.py")
