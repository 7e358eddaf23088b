"""prediction_drift: The model outputs moved without input drift (model or preprocessing changed).

Predictions are a function of the inputs: while the inputs hold, their distribution can only move
when that function changed (a swapped model, a changed encoder). A realized or estimated performance
change in those chunks is then the outputs' doing, not concept drift, as long as the target's own
distribution held too (a moved target points at the world, not at the model).
"""

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


def output_shift_pos(ev: Evidence) -> list[int]:
    """Chunks whose outputs drifted with the inputs steady (no input drift within one chunk) and no data-quality fault."""
    input_window = windowed(ev.input_drift_pos, len(ev.analysis))
    return [p for p in ev.out_pos if p not in input_window and p not in set(ev.dq_pos)]


def explained_by_outputs(ev: Evidence) -> set[int]:
    """Chunks where a performance change is the outputs' doing: they moved while inputs and target held."""
    return set(output_shift_pos(ev)) - set(ev.target_pos)


def find(ctx: Context) -> list[Diagnosis[PredictionDrift]]:
    """The model's outputs move without a matching input drift."""
    ev = ctx.ev
    out = []
    drop = set(ev.est_drop_pos) if ev.est_alerts else set()
    explained = explained_by_outputs(ev)
    for run in episodes(output_shift_pos(ev), bridge(ev)):
        alerts = ev.alerts_in(ev.out_alerts, run)
        cols = rank_by_alerts(ev, alerts, run)
        realized = ev.alerts_in(ev.real_alerts + ev.diverge_alerts, [p for p in run if p in explained])
        hurts = bool(set(run) & drop) or bool(realized)
        when = span(ev, run)
        summary = (
            f"The model's outputs ({join_names(cols)}) shifted {when} while no input drifted beyond its threshold."
            + (" Estimated performance dropped with them." if set(run) & drop else "")
            + (
                " Realized performance dropped with them while the target's distribution held: the change of the"
                " outputs explains it, not a change in how the target depends on the inputs."
                if realized
                else ""
            )
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
                list({(a.step, a.method, a.metric, a.column, a.pos): a for a in alerts + perf + realized}.values()),
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
