# Aluno: a lista de tarefas usa a pasta que o nbgitpuller clona.
import os

c = get_config()  # noqa: F821
_tarefas = os.path.expanduser("~/curso-cnn-aluno/exercises")
c.Exchange.assignment_dir = _tarefas if os.path.isdir(_tarefas) else os.path.expanduser("~")
