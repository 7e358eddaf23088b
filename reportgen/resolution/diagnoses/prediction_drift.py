"""prediction_drift: The model outputs moved without input drift (model or preprocessing changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.diagnosis import Detail, Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    chunk_range,
    diagnosis,
    lasting,
    money_phrase,
    rank_by_alerts,
    span,
    windowed,
)
from reportgen.resolution.text import (
    join_names,
    unique,
)

CODE = "prediction_drift"
ANCHOR = "univariate-drift"  # the report section that shows the evidence


@dataclass(frozen=True)
class PredictionDrift(Detail):
    """Nothing beyond the core fields: the drifting output columns are the diagnosis' features."""


def find(ctx: Context) -> list[Diagnosis[PredictionDrift]]:
    """The model's outputs move without a matching input drift."""
    ev = ctx.ev
    out = []
    n = len(ev.analysis)
    input_window = windowed(ev.input_drift_pos, n)
    drop = set(ev.est_drop_pos) if ev.est_alerts else set()
    pos = [p for p in ev.out_pos if p not in input_window and p not in set(ev.dq_pos)]
    for run in episodes(pos, bridge(ev)):
        alerts = ev.alerts_in(ev.out_alerts, run)
        cols = rank_by_alerts(ev, alerts, run)
        hurts = bool(set(run) & drop)
        when = span(ev, run)
        summary = (
            f"The model's outputs ({join_names(cols)}) shifted {when} while no input drifted beyond its threshold."
            + (" Estimated performance dropped with them." if hurts else "")
            + " Something between the inputs and the scores changed: the deployed model, its preprocessing or feature encoding."
        )
        actions = [
            "Check the deployed model version and its preprocessing (encoders, scaling, defaults) for changes.",
            "Compare the score distribution with the reference and with the training run.",
        ]
        perf = ev.alerts_in(ev.est_alerts, run)
        out.append(
            diagnosis(
                ctx,
                CODE,
                "alert" if hurts else "warning" if lasting(ev, run) else "info",
                "Model outputs shifted without input drift",
                summary,
                run,
                cols,
                alerts + perf,
                actions,
                0.7 if len(alerts) > 1 else 0.5,
                PredictionDrift(),
                money=hurts,
            )
        )
    return out


def sentence(d: Diagnosis[PredictionDrift], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    when = span(ev, ev.positions(d.chunks))
    return f"The model's outputs shifted {when} with no matching change in its inputs{money_phrase(d, ev)}. Check the deployed model and its preprocessing."


def recommendation(
    group: list[Diagnosis[PredictionDrift]], ev: Evidence, all_d: list[Diagnosis[Any]]
) -> tuple[str, str]:
    """Check the deployment: the scores moved while the inputs did not."""
    cols = unique(f for d in group for f in d.features)
    title = "Check the deployed model and its preprocessing"
    detail = (
        f"The model's outputs ({join_names(cols, 4)}) shifted in chunks {chunk_range(group)} without a matching input drift. "
        "Compare the model version, encoders and default values in production with those of the reference period."
    )
    return title, detail
