"""Traduz para o português as frases da interface que os temas do Jupyter Book 1 deixam em inglês.

O pydata-sphinx-theme 0.17 não tem catálogo pt_BR e o catálogo "pt" do sphinx-book-theme está
incompleto. Esta extensão acrescenta, como último recurso (fallback) de cada catálogo, as traduções
abaixo: uma frase que o tema já traduz continua com a tradução dele. Também registra estilos de
citação e de bibliografia com «e» entre autores, em vez de «and».
"""

import dataclasses
import gettext

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.style.formatting.unsrt import Style as EstiloUnsrt
from pybtex.style.template import names, sentence
from sphinx.locale import translators
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

TRADUCOES = {
    "Skip to main content": "Pular para o conteúdo principal",
    "Back to top": "Voltar ao topo",
    "Search": "Buscar",
    "Color mode": "Modo de cor",
    "Light": "Claro",
    "Dark": "Escuro",
    "System Settings": "Configuração do sistema",
    "Version warning": "Aviso de versão",
    "Site navigation": "Navegação do site",
    "Section Navigation": "Navegação da seção",
    "Breadcrumb": "Trilha de navegação",
    "Home": "Início",
    "On this page": "Nesta página",
    "Announcement": "Aviso",
    "previous page": "página anterior",
    "next page": "próxima página",
    "previous": "anterior",
    "next": "próximo",
    "Collapse Sidebar": "Recolher a barra lateral",
    "Expand Sidebar": "Expandir a barra lateral",
    "Show Source": "Mostrar o código-fonte",
    "Show source": "Mostrar o código-fonte",
    "Launch interactive content": "Abrir o conteúdo interativo",
    "Launch on": "Abrir no",
    "Download this page": "Baixar esta página",
    "Download source file": "Baixar o arquivo-fonte",
    "Download notebook file": "Baixar o notebook",
    "Fullscreen mode": "Modo tela cheia",
    "Print to PDF": "Imprimir em PDF",
    "Repository": "Repositório",
    "Source repository": "Repositório-fonte",
    "Source repositories": "Repositórios-fonte",
    "Open an issue": "Abrir uma issue",
    "Open issue": "Abrir issue",
    "Suggest edit": "Sugerir edição",
    "Live Code": "Código ao vivo",
    "Launch Thebe": "Iniciar o Thebe",
}


class _Traducoes(gettext.NullTranslations):
    def gettext(self, message):
        return TRADUCOES.get(message, message)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def _instalar(app):
    if not (app.config.language or "").startswith("pt"):
        return
    for chave in (("general", "sphinx"), ("general", "booktheme")):
        atual = translators.get(chave)
        if atual is None or type(atual) is gettext.NullTranslations:
            translators[chave] = _Traducoes()
        else:
            atual.add_fallback(_Traducoes())


def _pessoas_ptbr():
    return PersonStyle(sep2=" e ", last_sep=" e ")


@dataclasses.dataclass
class CitacaoAutorAno(AuthorYearReferenceStyle):
    """Citações «(LeCun et al., 1998)» com «e» entre dois autores, em vez de «and»."""

    person: PersonStyle = dataclasses.field(default_factory=_pessoas_ptbr)


class BibliografiaPtBr(EstiloUnsrt):
    """O estilo «unsrt» do pybtex com «e» entre os dois últimos autores."""

    def format_names(self, role, as_sentence=True):
        formatted = names(role, sep=", ", sep2=" e ", last_sep=" e ")
        return sentence[formatted] if as_sentence else formatted


def setup(app):
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "autor_ano", CitacaoAutorAno
    )
    pybtex.plugin.register_plugin("pybtex.style.formatting", "ptbr", BibliografiaPtBr)
    app.connect("builder-inited", _instalar)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
