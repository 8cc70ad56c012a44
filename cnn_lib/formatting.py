"""Números escritos como se escreve em português: espaço entre os milhares e vírgula decimal.

Usado pela contagem de parâmetros (``params``), pelas figuras (``plots``) e pelos capítulos do livro, que
escrevem na prosa os números calculados. Não importa nada além da biblioteca padrão.
"""

NBSP = "\u00a0"


def format_number(value: int) -> str:
    """Inteiro com espaço inseparável (U+00A0) entre os milhares: ``18496`` vira ``18 496``.

    Parameters
    ----------
    value : int
        O número inteiro.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(138357544)
    '138\\xa0357\\xa0544'
    >>> format_number(64)
    '64'
    """
    return f"{int(value):,}".replace(",", NBSP)


def format_decimal(value: float, digits: int = 2) -> str:
    """Número real com ``digits`` casas, vírgula decimal e espaço inseparável entre os milhares.

    Parameters
    ----------
    value : float
        O número.
    digits : int, padrão 2
        Casas decimais.

    Returns
    -------
    str

    Examples
    --------
    >>> format_decimal(7.8947)
    '7,89'
    >>> format_decimal(1234.5, 1)
    '1\\xa0234,5'
    """
    return f"{float(value):,.{digits}f}".replace(",", NBSP).replace(".", ",")


def format_percent(fraction: float, digits: int = 1) -> str:
    """Fração como porcentagem, com vírgula decimal e espaço antes de “%”: ``0.958`` vira ``95,8 %``.

    Parameters
    ----------
    fraction : float
        A fração (1 é 100 %).
    digits : int, padrão 1
        Casas decimais.

    Returns
    -------
    str

    Examples
    --------
    >>> format_percent(0.9583)
    '95,8\\xa0%'
    >>> format_percent(0.5, 0)
    '50\\xa0%'
    """
    return f"{format_decimal(100 * float(fraction), digits)}{NBSP}%"
