"""O lado do professor na correção dos exercícios: código confiável que nunca roda ao lado do aluno.

O ``cnn_lib`` é a biblioteca que todo aluno importa; este pacote é o que só quem corrige usa e que o kernel do
aluno não consegue importar nem ler (a caixa de areia não o monta):

- :mod:`cnn_grader.intake`: a entrada da entrega, que recusa o que não dá para confiar antes de o nbgrader
  copiar qualquer coisa;
- :mod:`cnn_grader.sandbox`: o kernel de cada notebook isolado pelo bubblewrap, com limites;
- :mod:`cnn_grader.html`: o HTML dos alunos tornado inerte no notebook corrigido e no retorno;
- :mod:`cnn_grader.feedback`: a página de retorno em português;
- :mod:`cnn_grader.parallel` (``python -m cnn_grader autograde``): a turma corrigida em paralelo.

O modelo de ameaças está em ``book/seguranca-da-correcao.md``.
"""
