# ruff: noqa: E402, F821
"""Configuração do nbgrader 0.9 para os exercícios do curso de Redes Neurais Convolucionais.

As versões do instrutor (soluções e testes ocultos) ficam em ``solutions/<tarefa>/``; a versão do aluno,
gerada por ``nbgrader generate_assignment <tarefa>``, vai para ``exercises/<tarefa>/``. O gradebook é o padrão
(``gradebook.db`` na raiz do curso).
"""

c = get_config()  # o nbgrader injeta get_config e load_subconfig ao ler este arquivo

# A correção vem PRIMEIRO e só com nomes (sem importar nada aqui): um erro num arquivo de configuração faz o
# nbgrader registrar o erro e seguir com o que já foi lido. Ordem: o notebook roda na caixa de areia; o
# veredito é calculado fora do kernel; o HTML do aluno fica inerte (o formgrader mostra autograded/); a pasta
# temporária das respostas é apagada; depois, os passos do próprio nbgrader.
c.Autograde.autograde_preprocessors = [
    "cnn_grader.sandbox.SandboxExecute",
    "cnn_grader.verdict.Verdicts",
    "cnn_grader.html.InertHTML",
    "cnn_grader.sandbox.DiscardAnswers",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# O retorno: sem os testes ocultos, com o HTML do aluno inerte, com as frases do nbgrader em português.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "cnn_grader.html.InertHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.exporter_class = "cnn_grader.feedback.FeedbackExporter"

c.CourseDirectory.course_id = "cnn-curso-aberto"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# O que o aluno vê no lugar das soluções.
c.ClearSolutions.code_stub = {
    "python": '# SEU CÓDIGO AQUI\nraise NotImplementedError("apague esta linha e escreva sua resposta")'
}
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

# Limites de recursos de cada entrega (tempo, memória, processos, disco, rede) e a caixa de areia: sem
# nbgrader_sandbox.py, ou sem bubblewrap, a correção para e diz o que falta (book/seguranca-da-correcao.md).
load_subconfig("nbgrader_sandbox.py")

# A entrada das entregas (links, arquivos especiais, arquivos não pedidos) antes de o nbgrader copiar qualquer
# coisa de submitted/: o nbgrader não tem opção para trocar o Autograde, então o trocamos aqui.
import cnn_grader.intake

cnn_grader.intake.install()
