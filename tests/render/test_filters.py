"""Number formatting happens only in these filters: check the words and digits a reader sees."""

from __future__ import annotations

import math

from reportgen.render import filters as f


def test_num_significant_digits():
    assert f.num(0.87312) == "0.873"
    assert f.num(12.4449) == "12.4"
    assert f.num(41000.4) == "41,000"
    assert f.num(0.000123456) == "0.000123"
    assert f.num(-0.5) == "-0.5"
    assert f.num(0) == "0"
    assert f.num(None) == "\u2013" and f.num(math.nan) == "\u2013"


def test_pct_money_integer_signed():
    assert f.pct(0.124) == "12.4%"
    assert f.money(41000.4, "EUR") == "EUR 41,000"
    assert f.money(-2300, "USD") == "-USD 2,300"
    assert f.integer(1234567.2) == "1,234,567"
    assert f.signed(0.012) == "+0.012" and f.signed(-0.08) == "-0.08"


def test_change_word_follows_metric_direction():
    assert f.change_word("roc_auc", 0.95, 0.87) == "worse"
    assert f.change_word("mae", 1.0, 1.3) == "worse"
    assert f.change_word("mae", 1.3, 1.0) == "better"
    assert f.change_word("roc_auc", 0.9, 0.9) == "unchanged"


def test_dates_and_labels():
    assert f.date("2024-03-04T00:00:00") == "2024-03-04"
    assert f.date("2024-03-04T13:05:00") == "2024-03-04 13:05"
    assert f.datetime_utc("2024-06-03T06:00:00+00:00") == "2024-06-03 06:00 UTC"
    assert f.metric_label("roc_auc") == "ROC AUC"
    assert f.method_label("kolmogorov_smirnov") == "Kolmogorov-Smirnov"
    assert f.status_word("alert") == "Alert" and f.status_icon("ok") == "\u2713"


def test_css_safe_cannot_close_style():
    assert "<" not in str(f.css_safe("red;}</style><script>x</script>"))
    assert "</style" not in str(f.css_safe("a {}\n</style><script>"))


def test_infinite_numbers_render_as_infinity_signs():
    """A feature constant in the reference that varies later is infinitely unusual (regression: OverflowError)."""
    assert f.num(float("inf")) == "\u221e" and f.num(float("-inf")) == "\u2212\u221e"
    assert f.integer(float("inf")) == "\u221e"
