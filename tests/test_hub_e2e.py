"""O curso como é usado: um JupyterHub de verdade (``hub/``), dois alunos e o professor no Chromium.

Sobe o hub de ``make hub`` em 127.0.0.1 com usuários de teste próprios (o ambiente em ``/srv/cnn-hub/env``
é o mesmo do ``make hub``: a primeira vez o instala, alguns minutos), percorre o caminho do guia do instrutor
só com os comandos públicos (nbgitpuller, Validar, lista de tarefas, ``nbgrader collect``, ``autograde``,
``generate_feedback``, ``release_feedback``, o formgrader) e no fim remove os usuários e o estado. Precisa
de root e do Chromium.
"""

import csv
import json
import os
import pwd
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))

import cnn_hub  # noqa: E402
import student_release  # noqa: E402
from exercicios import nbgitpuller_link  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TAREFA = "ex01_convolucao"
PROFESSOR, ALUNA, ALUNO = "teste-prof", "teste-aluna", "teste-aluno"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="o hub cria usuários do sistema: precisa de root"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="precisa do Chromium do Debian (make system)"),
]


def _solucoes():
    """O código das soluções do ex01, por grade_id (o que a aluna "digita")."""
    notebook = json.loads((ROOT / "solutions" / TAREFA / f"{TAREFA}.ipynb").read_text(encoding="utf-8"))
    codigo = {}
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            fonte = "".join(cell["source"])
            marcador = r"^\s*### (BEGIN|END) SOLUTION\n"
            codigo[meta["grade_id"]] = re.sub(marcador, "", fonte, flags=re.MULTILINE)
    return codigo


def como(hub, usuario, comando, timeout=600):
    """Roda ``comando`` como ``usuario``, com o ambiente que o hub dá ao servidor dele (o do terminal)."""
    ambiente = cnn_hub.ambiente_do_usuario(hub, usuario)
    variaveis = [f"{k}={v}" for k, v in ambiente.items()]
    return subprocess.run(
        ["runuser", "-u", usuario, "--", "env", "-i", *variaveis, "bash", "-c", comando],
        cwd=ambiente["HOME"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _esperar_hub(url, processo, limite=60):
    fim = time.time() + limite
    while time.time() < fim:
        assert processo.poll() is None, "o JupyterHub parou ao subir (veja o log)"
        try:
            with urllib.request.urlopen(f"{url}/hub/login", timeout=5) as resposta:
                if resposta.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError("o JupyterHub não respondeu em 60 s")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = cnn_hub.Hub(
        dir=Path(os.environ.get("HUB_E2E_DIR", "/srv/cnn-hub-teste")),
        port=8100,
        usuarios=(PROFESSOR, ALUNA, ALUNO),
        env_dir=Path(os.environ.get("HUB_ENV_DIR", "/srv/cnn-hub/env")),
    )
    for usuario in hub.usuarios:  # restos de uma execução interrompida
        if subprocess.run(["id", usuario], capture_output=True).returncode == 0:
            cnn_hub.limpar(hub)
            break
    inicio = time.time()
    senha = secrets.token_urlsafe(12)
    cnn_hub.preparar(hub, senha)
    preparo = time.time() - inicio
    log = (tmp_path_factory.mktemp("hub") / "jupyterhub.log").open("w")
    processo = subprocess.Popen(
        cnn_hub.comando_do_hub(hub),
        env=cnn_hub.ambiente_do_hub(hub),
        cwd=hub.estado,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _esperar_hub(hub.url, processo)
        yield {"hub": hub, "senha": senha, "preparo": preparo, "log": Path(log.name)}
    finally:
        processo.terminate()
        try:
            processo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            processo.kill()
        log.close()
        cnn_hub.limpar(hub)


@pytest.fixture(scope="module")
def navegador():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def entrar(navegador, contexto_hub, usuario, url):
    """Abre ``url`` deslogado: o hub pede login, sobe o servidor e segue para ``url``."""
    pagina = navegador.new_context(viewport={"width": 1400, "height": 1000}, locale="pt-BR").new_page()
    pagina.set_default_timeout(120_000)
    pagina.goto(url)
    pagina.fill("#username_input", usuario)
    pagina.fill("#password_input", contexto_hub["senha"])
    pagina.click("#login_submit")
    return pagina


def celula(pagina, indice):
    return pagina.locator(".jp-Notebook .jp-Cell").nth(indice)


def escrever(pagina, indice, texto):
    """Troca o conteúdo da célula ``indice`` por ``texto``, pelo editor do JupyterLab."""
    alvo = celula(pagina, indice)
    alvo.scroll_into_view_if_needed()
    markdown = "jp-MarkdownCell" in (alvo.get_attribute("class") or "")
    if markdown:
        alvo.dblclick()
    alvo.locator(".cm-content").click()
    pagina.keyboard.press("Control+a")
    pagina.keyboard.insert_text(texto)
    pagina.keyboard.press("Shift+Enter" if markdown else "Escape")


def rodar(pagina, indices):
    """Roda as células ``indices``, uma de cada vez (Shift+Enter), esperando cada uma terminar, e salva.

    Uma de cada vez porque o JupyterLab descarta o resto da fila quando uma célula dá erro."""
    for indice in indices:
        alvo = celula(pagina, indice)
        alvo.scroll_into_view_if_needed()
        alvo.locator(".jp-InputArea-editor").click()
        pagina.keyboard.press("Shift+Enter")
        prompt = alvo.locator(".jp-InputArea-prompt")
        pagina.wait_for_function(
            "p => /\\[\\d+\\]/.test(p.textContent)", arg=prompt.element_handle(), timeout=120_000
        )
    pagina.keyboard.press("Control+s")
    pagina.wait_for_timeout(1500)


def validar(pagina):
    pagina.get_by_role("button", name="Validar").click()
    dialogo = pagina.locator(".jp-Dialog")
    dialogo.get_by_text("Resultado da validação").wait_for(timeout=120_000)
    texto = dialogo.inner_text()
    dialogo.get_by_role("button").last.click()
    return texto


def abrir_lista_de_tarefas(pagina):
    pagina.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = pagina.locator(".lm-Menu-content")
    menu.get_by_text("Lista de tarefas").wait_for()
    # O aluno não vê as ferramentas do professor.
    assert not re.search(r"Formgrader|Create assignment|Lista de cursos", menu.inner_text())
    menu.get_by_text("Lista de tarefas").click()
    painel = pagina.locator("#nbgrader-assignment-list")
    painel.get_by_text("Tarefas baixadas").wait_for()
    return painel


def entregar(pagina):
    painel = abrir_lista_de_tarefas(pagina)
    baixadas = painel.locator("#fetched_assignments_list")
    baixadas.get_by_text(TAREFA).first.wait_for()
    baixadas.get_by_role("button", name="Entregar").click()
    painel.locator("#submitted_assignments_list").get_by_text(TAREFA).first.wait_for(timeout=60_000)


def abrir_exercicio(navegador, contexto_hub, usuario):
    hub = contexto_hub["hub"]
    link = nbgitpuller_link(hub.url, f"file://{hub.repo_aluno}", "main", f"exercises/{TAREFA}/{TAREFA}.ipynb")
    pagina = entrar(navegador, contexto_hub, usuario, link)
    pagina.wait_for_url(re.compile(rf"/user/{usuario}/lab/tree/{cnn_hub.REPO_ALUNO}/exercises/{TAREFA}/"))
    pagina.locator(".jp-Notebook .jp-Cell").first.wait_for()
    pagina.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)
    return pagina


def celulas_de_codigo():
    notebook = json.loads((ROOT / "exercises" / TAREFA / f"{TAREFA}.ipynb").read_text(encoding="utf-8"))
    return [i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"]


def indices(grade_ids):
    notebook = json.loads((ROOT / "exercises" / TAREFA / f"{TAREFA}.ipynb").read_text(encoding="utf-8"))
    posicoes = {c["metadata"].get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(notebook["cells"])}
    return [posicoes[g] for g in grade_ids], len(notebook["cells"])


def sem_solucoes(pasta):
    """Nada das soluções na pasta: nem pastas do instrutor, nem linhas de solução ou de teste oculto."""
    assert not [
        p for p in pasta.rglob("*") if p.name in {"solutions", "cnn_grader", "instrutor", "gradebook.db"}
    ]
    problemas = [
        (caminho, motivo)
        for caminho, motivo in student_release.leaks(pasta, student_release.secrets())
        if not str(caminho).startswith(".")
    ]
    assert not problemas


def test_turma_completa_no_hub(hub, navegador):
    inicio = time.time()
    h = hub["hub"]

    # Professor (terminal): gera a tarefa com o gradebook e a publica no exchange.
    r = como(
        h,
        PROFESSOR,
        f"cd ~/curso && nbgrader generate_assignment {TAREFA} --force && "
        f"nbgrader release_assignment {TAREFA} --force",
    )
    assert r.returncode == 0, r.stdout + r.stderr

    # Aluna: abre o exercício pelo link do livro, resolve, valida e entrega.
    codigo = _solucoes()
    aluna = abrir_exercicio(navegador, hub, ALUNA)
    home_aluna = Path(pwd.getpwnam(ALUNA).pw_dir)
    assert (home_aluna / cnn_hub.REPO_ALUNO / "exercises" / TAREFA / f"{TAREFA}.ipynb").exists()
    sem_solucoes(home_aluna)
    (i_loops, i_vet, i_mapa, i_resp, i_escrita), _ = indices(
        [
            "correlacao2d_loops",
            "correlacao2d_vetorizada",
            "mapa_borda",
            "resposta_espelhada",
            "resposta_convolucao",
        ]
    )
    for indice, grade_id in [
        (i_loops, "correlacao2d_loops"),
        (i_vet, "correlacao2d_vetorizada"),
        (i_mapa, "mapa_borda"),
        (i_resp, "resposta_espelhada"),
    ]:
        escrever(aluna, indice, codigo[grade_id])
    escrever(
        aluna,
        i_escrita,
        "Na convolução o kernel é invertido; na correlação cruzada, não. Como a rede "
        "aprende o kernel, ela aprende o kernel invertido e representa o mesmo.",
    )
    rodar(aluna, celulas_de_codigo())
    assert not aluna.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    resultado = validar(aluna)
    assert "Sucesso" in resultado, resultado
    entregar(aluna)

    # Aluna: um capítulo do clone abre como notebook, com as caixas desenhadas; salvar não deixa mudança local
    # (o próximo link do nbgitpuller atualiza sem conflito).
    aluna.goto(f"{h.url}/user/{ALUNA}/lab/tree/{cnn_hub.REPO_ALUNO}/book/05-pooling.md")
    capitulo = aluna.locator(".jp-NotebookPanel", has=aluna.locator("blockquote"))
    capitulo.locator("details").first.wait_for(state="attached")
    assert ":::{" not in capitulo.inner_text()
    capitulo.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    aluna.keyboard.press("Control+s")
    aluna.wait_for_timeout(1500)
    clone = home_aluna / cnn_hub.REPO_ALUNO
    assert como(h, ALUNA, f"git -C {clone} status --porcelain -- book").stdout == ""

    # Aluno: uma resposta errada; vê as mensagens em português, a validação falha, entrega assim mesmo.
    aluno = abrir_exercicio(navegador, hub, ALUNO)
    escrever(aluno, i_mapa, "mapa_borda = np.zeros((2, 2))")
    escrever(aluno, i_resp, 'resposta_espelhada = "A"')
    escrever(aluno, i_escrita, "Não sei.")
    i_preparo, i_dados = indices(["preparacao", "dados_borda"])[0]
    rodar(aluno, [i_preparo, i_dados, i_mapa, i_mapa + 1, i_resp, i_resp + 1])
    erro_mapa = celula(aluno, i_mapa + 1).locator(".jp-OutputArea").inner_text()
    assert "mapa_borda" in erro_mapa and re.search(r"deve|recebid|esperad", erro_mapa), erro_mapa
    resultado = validar(aluno)
    assert "Esta célula falhou" in resultado and "The following" not in resultado, resultado
    entregar(aluno)

    # Um aluno não lê a pasta do outro nem chega à entrega dele: o inbound do exchange não se lista, e o nome
    # de cada entrega tem uma parte aleatória (o nbgrader grava os arquivos com leitura para todos).
    assert como(h, ALUNO, f"ls {home_aluna}").returncode != 0
    inbound = h.exchange / cnn_hub.CURSO / "inbound"
    assert [p for p in inbound.iterdir() if p.name.startswith(f"{ALUNA}+{TAREFA}+")]
    assert como(h, ALUNO, f"ls {inbound}").returncode != 0
    assert ALUNA not in como(h, ALUNO, f"find {h.exchange} 2>/dev/null").stdout

    # Professor (terminal): coleta e corrige (na caixa de areia).
    r = como(h, PROFESSOR, f"cd ~/curso && nbgrader collect {TAREFA} && nbgrader autograde {TAREFA} --force")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "INATIVA" not in r.stdout + r.stderr

    # Professor (navegador): o formgrader numa aba própria; as duas entregas; nota à resposta escrita.
    professor = entrar(navegador, hub, PROFESSOR, f"{h.url}/hub/login")
    professor.wait_for_url(re.compile(rf"/user/{PROFESSOR}/lab"))
    gradebook = f"{h.url}/user/{PROFESSOR}/formgrader/gradebook/{TAREFA}/{TAREFA}"
    professor.goto(gradebook)
    nomes = {u: professor.locator("a.name-shown", has_text=u) for u in (ALUNA, ALUNO)}
    for nome in nomes.values():
        nome.wait_for(state="attached")
    professor.goto(h.url + nomes[ALUNA].get_attribute("href"))
    professor.wait_for_load_state("networkidle")  # antes disso, o formgrader reescreve os campos
    nota = professor.locator("input.score#resposta_convolucao")
    nota.fill("2")
    nota.press("Tab")
    professor.locator("textarea.comment").last.fill("Boa explicação.")
    professor.keyboard.press("Tab")
    professor.wait_for_timeout(2000)
    professor.goto(gradebook)
    linha = professor.locator("tr", has=professor.locator("a.name-shown", has_text=ALUNA))
    linha.get_by_text("2 / 2").wait_for()  # a nota escrita gravada no gradebook

    # Professor (terminal): retorno gerado e publicado; notas.
    r = como(h, PROFESSOR, f"cd ~/curso && nbgrader generate_feedback {TAREFA} --force")
    assert r.returncode == 0, r.stdout + r.stderr
    # O release_feedback acha a entrega pelo submission_secret.txt que o collect guarda e a correção mantém.
    assert len(list((h.curso_professor() / "autograded").glob(f"*/{TAREFA}/submission_secret.txt"))) == 2
    publicar = f"cd ~/curso && nbgrader release_feedback {TAREFA} && nbgrader export --to=notas.csv"
    r = como(h, PROFESSOR, publicar)
    assert r.returncode == 0, r.stdout + r.stderr
    with (h.curso_professor() / "notas.csv").open(encoding="utf-8") as arquivo:
        notas = {linha["student_id"]: linha for linha in csv.DictReader(arquivo)}
    assert float(notas[ALUNA]["score"]) == float(notas[ALUNA]["max_score"]) > 0  # 7 automáticos + 2 à mão
    assert float(notas[ALUNO]["score"]) < float(notas[ALUNA]["score"])

    # Os alunos buscam o retorno e o leem em português.
    for pagina, usuario in ((aluna, ALUNA), (aluno, ALUNO)):
        painel = abrir_lista_de_tarefas(pagina)
        painel.get_by_role("button", name="Buscar retorno").first.click()
        painel.get_by_text("ver o retorno").first.wait_for(timeout=60_000)
        retornos = list(Path(pwd.getpwnam(usuario).pw_dir).rglob(f"feedback/*/{TAREFA}.html"))
        assert retornos, usuario
        html = retornos[0].read_text(encoding="utf-8")
        assert "Nota" in html  # a página do retorno em português
        assert "BEGIN HIDDEN" not in html and "grading.collect(" not in html  # sem os testes ocultos

    duracao = time.time() - inicio
    print(f"\nhub preparado em {hub['preparo']:.0f} s; turma completa em {duracao:.0f} s")
