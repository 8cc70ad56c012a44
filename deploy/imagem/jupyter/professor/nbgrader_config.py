# Professor: o curso (clone do repositório do instrutor) no volume dele, /home/jovyan/curso.
import os
import sys

c = get_config()  # noqa: F821
_curso = os.path.expanduser("~/curso")
c.CourseDirectory.root = _curso
if os.path.isfile(os.path.join(_curso, "nbgrader_config.py")) and os.getcwd() != _curso:
    sys.path.insert(0, _curso)
    load_subconfig(os.path.join(_curso, "nbgrader_config.py"))  # noqa: F821
