"""The real pipeline into every format: byte-identical outputs for one SOURCE_DATE_EPOCH, escaped names everywhere."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from reportgen import Monitor
from tests.synthetic_model import EVIL

TITLE = "Loans <i>v2</i> & co"


def _frame(n: int, start: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=shift, size=n)
    p = 1.0 / (1.0 + np.exp(-2.0 * x))
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n), unit="h"),
            EVIL: x + rng.normal(scale=0.1, size=n),
            "cat": rng.choice(["a", "b", "c"], n),
            "y_pred_proba": p,
            "y_pred": (p > 0.5).astype(int),
            "y": (rng.random(n) < p).astype(int),
        }
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("SOURCE_DATE_EPOCH", "1717394400")
    config = {
        "title": TITLE,
        "problem_type": "binary_classification",
        "columns": {
            "id": "id",
            "timestamp": "timestamp",
            "prediction": "y_pred",
            "predicted_probability": "y_pred_proba",
            "target": "y",
        },
        "chunking": {"size": 500},
        "performance": {"metrics": ["roc_auc", "f1"]},
        "drift": {
            "univariate": ["jensen_shannon", "kolmogorov_smirnov", "chi2"],
            "multivariate": ["pca_reconstruction"],
        },
        "business_value": {
            "matrix": {"true_positive": 10, "false_positive": -5, "false_negative": -20, "true_negative": 0}
        },
    }
    reference = _frame(2000, 0, 1)
    analysis = pd.concat([_frame(1000, 2000, 2), _frame(1000, 3000, 3, shift=0.8)], ignore_index=True)
    runs = []
    for i in range(2):
        report = Monitor(config).run(reference, analysis)
        out = tmp_path_factory.mktemp(f"run{i}")
        files = report.save(out, ["html", "pdf", "json"])
        runs.append({fmt: path.read_bytes() for fmt, path in files.items()})
    runs[0]["report"] = report
    return runs


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_byte_identical_outputs(outputs):
    first, second = outputs
    for fmt in ("html", "pdf", "json"):
        assert first[fmt] == second[fmt], fmt


def test_results_json_from_model(outputs):
    payload = json.loads(outputs[0]["json"])
    assert payload["generated_at"] == "2024-06-03T06:00:00+00:00"
    assert payload["title"] == TITLE
    assert any(r["column"] == EVIL for r in payload["results"])


def test_escaped_in_html_and_pdf(outputs):
    import io

    from pypdf import PdfReader

    html = outputs[0]["html"].decode()
    assert EVIL not in html and "<i>v2</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(outputs[0]["pdf"])).pages).split())
    assert TITLE in text and EVIL in text


def test_escaped_in_email_body(outputs):
    from reportgen.render.email import render_email

    msg = render_email(outputs[0]["report"].model, outputs[0]["report"].config, attach_pdf=False)
    html_part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    body = html_part.get_content()
    assert "<i>v2</i>" not in body and EVIL not in body
    assert "Loans &lt;i&gt;v2&lt;/i&gt;" in body


def test_model_has_appendix_data(outputs):
    model = outputs[0]["report"].model
    assert model.metadata["reference"]["rows"] == 2000 and model.metadata["analysis"]["rows"] == 2000
    assert model.metadata["chunking"] == "chunks of 500 rows"
    assert model.versions["reportgen"] and model.versions["numpy"]
    assert model.method_notes
    assert model.data_summary


def test_notebook_repr(outputs):
    out = outputs[0]["report"]._repr_html_()
    assert "<script" not in out and EVIL not in out
    assert "Loans &lt;i&gt;v2&lt;/i&gt;" in out
    assert 'class="reportgen-notebook"' in out
