"""Adding an output channel is its own module plus one registration line in reportgen.channels:
config validation, --format and save pick it up; the e-mail reuses the PDF of the same save."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.channels import CHANNELS, Channel, register
from reportgen.commands import parse_formats
from reportgen.config import validate_config
from reportgen.errors import ConfigError
from reportgen.render.save import Rendering, save_report, write_order
from tests.synthetic_model import synthetic_model


def render_sentence(rendering: Rendering) -> bytes:
    """A throwaway channel: the status and the section findings of the shared view, one per line."""
    view = rendering.view
    lines = [f"{view.meta.title}: {view.summary.status}"] + [f"{s.title}: {s.finding}" for s in view.sections]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture()
def sentence_channel():
    register(Channel("sentence", "sentence.txt", f"{__name__}:render_sentence"))  # the one registration line
    yield
    CHANNELS.pop("sentence")


def test_a_throwaway_channel_is_one_module_plus_one_line(sentence_channel, tmp_path: Path):
    cfg = validate_config(
        {"problem_type": "regression", "columns": {"prediction": "p"}, "output": {"formats": ["sentence", "json"]}}
    )
    assert cfg.output.formats[0] == "sentence" and parse_formats("sentence,html") == ("sentence", "html")
    model = synthetic_model(n_features=2, n_ref=2, n_ana=3)
    written = save_report(model, None, tmp_path, ("json", "sentence"))
    assert list(written) == ["sentence", "json"]  # results.json last: it marks completion
    text = written["sentence"].read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(model.summary["status"]) and "Univariate drift: " in text


def test_unknown_channels_are_refused_everywhere():
    with pytest.raises(ConfigError, match="unknown format 'sentence'"):
        validate_config(
            {"problem_type": "regression", "columns": {"prediction": "p"}, "output": {"formats": ["sentence"]}}
        )
    with pytest.raises(ConfigError, match="did you mean"):
        parse_formats("htm")


def test_email_follows_the_pdf_it_attaches_and_json_comes_last():
    order = write_order(("json", "email", "html", "pdf"))
    assert order.index("pdf") < order.index("email") and order[-1] == "json"
    assert write_order(("email",)) == ["email"]
