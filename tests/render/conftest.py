"""One synthetic report per session (small), rendered once to HTML and PDF."""

from __future__ import annotations

import pytest

from tests.synthetic_model import EVIL, synthetic_model

EVIL_TITLE = 'Loan <b>model</b> & "friends" <img src=x onerror=alert(2)>'


@pytest.fixture(scope="session")
def model():
    return synthetic_model(n_features=5, n_ref=4, n_ana=6, title=EVIL_TITLE)


@pytest.fixture(scope="session")
def html(model) -> str:
    from reportgen.render.html import render_html

    return render_html(model)


@pytest.fixture(scope="session")
def pdf_bytes(model) -> bytes:
    from reportgen.render.pdf import render_pdf

    return render_pdf(model)


@pytest.fixture(scope="session")
def evil() -> str:
    return EVIL
