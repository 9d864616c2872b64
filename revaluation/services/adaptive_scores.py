"""T-scores of adaptive blocks, for analysis: an outcome can target a bank's T-score.

A bank's T-score (50 + 10 θ) is analysed like a scale score, under the bank's key. It is
recomputed here from the item answers rather than read from the stored ``<bank>__t``, so that
every wave is on one scale: the items are scored with the parameters of the latest
*published* version of the wave's instrument that has the bank (the newest calibration), by
EAP with an N(0, 1) prior (:func:`surveys.adaptive.eap_scores`). A calibration wave fielded
with rough starting parameters is thereby rescored with the parameters fitted on it, and a
later adaptive wave, which asked fewer items, sits on the same metric; its respondents'
scores equal the stored ones when the wave used those same parameters.

A respondent has a T-score when they answered at least one item of the bank; partial
responses count, as for every other indicator. Items the scoring bank no longer has are
ignored.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Answer, InstrumentVersion, Response, VersionStatus, Wave
from revaluation.services.analysis_data import WaveData
from surveys.adaptive import GradedItem, ItemBank, eap_scores
from surveys.grm import t_score
from surveys.model import Instrument as Definition
from surveys.model import ItemBank as BankSpec


def adaptive_banks(definition: Definition) -> list[BankSpec]:
    """The item banks a page of ``definition`` asks adaptively (they have T-scores)."""
    used = {section.adaptive for section in definition.sections if section.adaptive}
    return [bank for bank in definition.item_banks if bank.key in used]


def scoring_definition(wave: Wave, bank_key: str) -> tuple[Definition, int]:
    """The definition (and its version number) whose parameters score ``bank_key`` for
    ``wave``: the instrument's latest published version with that bank, else the wave's own."""
    versions = db.session.execute(
        db.select(InstrumentVersion)
        .filter_by(instrument_id=wave.instrument_version.instrument_id,
                   status=VersionStatus.PUBLISHED)
        .order_by(InstrumentVersion.number.desc())
    ).scalars()
    for version in versions:
        definition = Definition.from_dict(version.definition)
        if any(bank.key == bank_key for bank in definition.item_banks):
            return definition, version.number
    version = wave.instrument_version
    return Definition.from_dict(version.definition), version.number


def t_scores(data: WaveData, bank_key: str) -> np.ndarray | None:
    """Each respondent's T-score on ``bank_key`` (NaN: no item answered), aligned with
    ``data.response_ids``; None when the wave's instrument has no such adaptive bank."""
    cache_key = f"bank:{bank_key}"
    if cache_key in data.scores:
        return data.scores[cache_key]
    if all(bank.key != bank_key for bank in adaptive_banks(data.instrument)):
        return None
    wave = db.session.get(Wave, data.wave_id)
    definition, _number = scoring_definition(wave, bank_key)
    spec = definition.item_bank(bank_key)
    bank = ItemBank(GradedItem(item.key, item.slope, item.thresholds) for item in spec.items)
    code_of = {
        choice.value: position
        for position, choice in enumerate(definition.choice_list(spec.categories).choices)
    }
    matrix = np.full((data.size, len(bank)), -1.0)
    if data.size:
        rows = db.session.execute(
            sa.select(Answer.response_id, Answer.question_key, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.wave_id == wave.id, Answer.question_key.in_(bank.keys))
        ).all()
        ids = data.response_ids
        for response_id, key, text in rows:
            row = int(np.searchsorted(ids, response_id))
            code = code_of.get(text)
            found = row < len(ids) and ids[row] == response_id
            if found and code is not None and code < bank[key].n_categories:
                matrix[row, bank.position(key)] = code
    theta, _se = eap_scores(bank, matrix)
    answered = np.any(matrix >= 0, axis=1)
    out = np.where(answered, t_score(theta), np.nan)
    data.scores[cache_key] = out
    return out
