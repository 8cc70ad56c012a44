"""Traduz para o português os textos que o aluno vê na extensão do nbgrader 0.9.6 para o JupyterLab.

A extensão escreve os textos direto no JavaScript (não usa o tradutor do JupyterLab, e a configuração
``c.Validator.*`` só muda o ``nbgrader validate`` da linha de comando). Este script troca cada texto no pacote
instalado no ambiente do hub (``make hub`` o roda depois de instalar), só em contextos de texto de interface
(``innerText=``, ``label:``, ``title:``, títulos de painel), e falha se algum texto não for achado: numa
versão nova do nbgrader, confira a lista antes de atualizar o ``==`` em ``requirements.txt``.

Uso: ``python traduzir_nbgrader.py <prefixo do ambiente>``.
"""

import re
import sys
from pathlib import Path

VERSAO = "0.9.6"
TEXTOS = {
    "Validate": "Validar",
    "Validating...": "Validando...",
    "Validation Results": "Resultado da validação",
    "Validation failed": "A validação falhou",
    "Success! Your notebook passes all the tests.": "Sucesso! O seu notebook passa em todos os testes.",
    "The following cell failed:": "Esta célula falhou:",
    "The following cell passed:": "Esta célula passou:",
    "The source of the following cell has changed, but it should not have!": (
        "O código desta célula mudou, e não deveria ter mudado!"
    ),
    "There was an error running the validate command:": "Houve um erro ao rodar a validação:",
    "Error validating assignment.": "Erro ao validar a tarefa.",
    "Assignment List": "Lista de tarefas",
    "Course List": "Lista de cursos",
    "Fetch": "Buscar",
    "Fetching...": "Buscando...",
    "Submit": "Entregar",
    "submitting...": "entregando...",
    "Fetch Feedback": "Buscar retorno",
    "Fetching Feedback...": "Buscando o retorno...",
    " (view feedback)": " (ver o retorno)",
    " (feedback available to fetch)": " (retorno disponível para buscar)",
    "Error fetching assignment.": "Erro ao buscar a tarefa.",
    "Error fetching feedback.": "Erro ao buscar o retorno.",
    "Error submitting assignment.": "Erro ao entregar a tarefa.",
    "Loading, please wait...": "Carregando, aguarde...",
    "No courses found.": "Nenhum curso encontrado.",
    "Error fetching courses!": "Erro ao buscar os cursos!",
}
PAINEIS = {
    "Released assignments": "Tarefas publicadas",
    "Downloaded assignments": "Tarefas baixadas",
    "Submitted assignments": "Tarefas entregues",
}
CONTEXTO = r"(innerText=|innerHTML=|label:|title:|caption:|textContent=)"


def traduzir(js):
    """Devolve o JavaScript traduzido e os textos que não foram achados."""
    faltando = []
    for ingles, portugues in TEXTOS.items():
        padrao = re.compile(CONTEXTO + '"' + re.escape(ingles) + '"')
        js, n = padrao.subn(lambda m, p=portugues: m[1] + '"' + p + '"', js)
        if n == 0:
            faltando.append(ingles)
    for ingles, portugues in PAINEIS.items():
        padrao = re.compile(r'(class="panel-heading">\\n\s*)' + re.escape(ingles))
        js, n = padrao.subn(lambda m, p=portugues: m[1] + p, js)
        if n == 0:
            faltando.append(ingles)
    return js, faltando


def main(prefixo):
    import nbgrader

    if nbgrader.__version__ != VERSAO:
        raise SystemExit(
            f"traduzir_nbgrader: feito para o nbgrader {VERSAO}; instalado: {nbgrader.__version__}."
        )
    estaticos = Path(prefixo) / "share/jupyter/labextensions/@jupyter/nbgrader/static"
    arquivos = sorted(estaticos.glob("*.js"))
    if any(TEXTOS["Validation Results"] in a.read_text(encoding="utf-8") for a in arquivos):
        print(f"Extensão do nbgrader já traduzida em {estaticos}")
        return
    nao_achados = set(TEXTOS) | set(PAINEIS)
    for arquivo in arquivos:
        original = arquivo.read_text(encoding="utf-8")
        traduzido, faltando = traduzir(original)
        nao_achados &= set(faltando)
        if traduzido != original:
            arquivo.write_text(traduzido, encoding="utf-8")
    if nao_achados:
        raise SystemExit(f"traduzir_nbgrader: textos não achados na extensão: {sorted(nao_achados)}")
    print(f"Extensão do nbgrader traduzida em {estaticos}")


if __name__ == "__main__":
    main(sys.argv[1])
