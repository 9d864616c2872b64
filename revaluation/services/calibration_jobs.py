"""Calibrating an instrument's item bank from a wave's answers, as a background job.

An evaluator fields the whole bank in one wave (an adaptive page whose bank has no stopping
rule asks every item), then asks for a calibration: a :class:`Job` of kind ``calibration``
whose work (:func:`revaluation.services.calibration_fit.calibrate`) fits the bank on the
wave's complete responses. This module finds the banks and the waves that can be calibrated
on, and starts, lists and retries calibrations. Accepting one into a new version is
:mod:`revaluation.services.calibration_accept`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    Instrument,
    InstrumentVersion,
    Job,
    JobStatus,
    Response,
    ResponseStatus,
    Wave,
    WaveState,
)
from revaluation.services import audit, jobs
from revaluation.services.calibration_fit import MIN_COMPLETE, calibrate
from surveys.model import Instrument as Definition

JOB_KIND = "calibration"
FAILURE_TEXT = (
    "The calibration could not be completed. Try again; if it fails again, tell the "
    "platform's administrators the job number."
)


class CalibrationStartError(ValueError):
    """A calibration cannot be started as asked; the message says what to change."""


@dataclass(frozen=True)
class WaveSource:
    """A wave that fielded a bank, with how many responses it could calibrate on."""

    id: int
    name: str
    state: str
    version_number: int
    complete: int
    #: Complete responses that answered every item of the bank.
    full: int

    @property
    def ready(self) -> bool:
        return self.full >= MIN_COMPLETE


@dataclass(frozen=True)
class BankSource:
    """One item bank of a version and the waves its calibration could use."""

    key: str
    title: str
    n_items: int
    categories: list[str]
    adaptive_page: str | None
    rule: dict[str, Any]
    waves: list[WaveSource]


def _definition(version: InstrumentVersion) -> Definition:
    return Definition.from_dict(version.definition)


def bank_sources(instrument: Instrument, version: InstrumentVersion) -> list[BankSource]:
    """The version's item banks, each with the instrument's opened waves that fielded it."""
    definition = _definition(version)
    language = definition.default_language
    waves = list(
        db.session.execute(
            db.select(Wave)
            .join(InstrumentVersion, Wave.instrument_version_id == InstrumentVersion.id)
            .where(InstrumentVersion.instrument_id == instrument.id, Wave.state != WaveState.DRAFT)
            .order_by(Wave.position, Wave.id)
        ).scalars()
    )
    complete = _complete_counts([w.id for w in waves])
    out = []
    for bank in definition.item_banks:
        keys = [item.key for item in bank.items]
        full = _full_counts([w.id for w in waves], keys)
        fielded = [
            WaveSource(
                w.id, w.name, str(w.state), w.instrument_version.number,
                complete.get(w.id, 0), full.get(w.id, 0),
            )
            for w in waves
            if any(b.key == bank.key for b in _definition(w.instrument_version).item_banks)
        ]
        page = next((s.key for s in definition.sections if s.adaptive == bank.key), None)
        out.append(BankSource(
            key=bank.key,
            title=definition.text(bank.title, language) or bank.key,
            n_items=len(keys),
            categories=[
                definition.text(c.label, language) or c.value
                for c in definition.choice_list(bank.categories).choices
            ],
            adaptive_page=page,
            rule=dict(bank.rule),
            waves=fielded,
        ))
    return out


def _complete_counts(wave_ids: list[int]) -> dict[int, int]:
    if not wave_ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.wave_id, sa.func.count(Response.id))
        .where(Response.wave_id.in_(wave_ids), Response.status == ResponseStatus.COMPLETE)
        .group_by(Response.wave_id)
    ).all()
    return {int(wave_id): int(count) for wave_id, count in rows}


def _full_counts(wave_ids: list[int], keys: list[str]) -> dict[int, int]:
    """Per wave: complete responses with an answer to every one of ``keys``."""
    if not wave_ids or not keys:
        return {}
    per_response = (
        sa.select(Response.wave_id.label("wave_id"), Answer.response_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.wave_id.in_(wave_ids),
            Response.status == ResponseStatus.COMPLETE,
            Answer.question_key.in_(keys),
            Answer.text.is_not(None),
        )
        .group_by(Response.wave_id, Answer.response_id)
        .having(sa.func.count(sa.distinct(Answer.question_key)) == len(keys))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(per_response.c.wave_id, sa.func.count()).group_by(per_response.c.wave_id)
    ).all()
    return {int(wave_id): int(count) for wave_id, count in rows}


def calibration_jobs(instrument: Instrument) -> list[Job]:
    """The instrument's calibration jobs, newest first."""
    rows = db.session.execute(
        db.select(Job)
        .filter_by(evaluation_id=instrument.evaluation_id, kind=JOB_KIND)
        .order_by(Job.created_at.desc(), Job.id.desc())
    ).scalars()
    return [job for job in rows if job.params.get("instrument_id") == instrument.id]


def job_in(instrument: Instrument, job_id: int) -> Job | None:
    """The instrument's calibration job with this id, or None (another instrument's, or not a
    calibration)."""
    job = db.session.get(Job, job_id)
    if (
        job is None
        or job.kind != JOB_KIND
        or job.evaluation_id != instrument.evaluation_id
        or job.params.get("instrument_id") != instrument.id
    ):
        return None
    return job


def start_calibration(
    instrument: Instrument,
    version: InstrumentVersion,
    *,
    bank_key: str,
    wave_id: int,
    user_id: int | None,
) -> Job:
    """Ask for a calibration of ``bank_key`` (as defined in ``version``) on one wave's answers.

    Runs inline when there is no job queue; otherwise the caller commits, then calls
    :func:`enqueue`. Raises :class:`CalibrationStartError` when the bank or wave is not one
    this instrument can calibrate on, or the wave has too few respondents.
    """
    sources = {bank.key: bank for bank in bank_sources(instrument, version)}
    bank = sources.get(bank_key)
    if bank is None:
        raise CalibrationStartError(
            f"Version {version.number} has no item bank “{bank_key}”. Choose one of: "
            + (", ".join(sources) or "none (this version has no item bank)")
            + "."
        )
    wave = next((w for w in bank.waves if w.id == wave_id), None)
    if wave is None:
        raise CalibrationStartError(
            f"Choose a wave that fielded the item bank “{bank.title}”: "
            + (", ".join(w.name for w in bank.waves) or "no opened wave has fielded it yet")
            + "."
        )
    if not wave.ready:
        raise CalibrationStartError(
            f"Only {wave.full} complete responses to “{wave.name}” answered all {bank.n_items} "
            f"items of “{bank.title}”; a calibration needs at least {MIN_COMPLETE}. Keep the "
            "wave open longer, or field the whole bank in another wave."
        )
    running = next(
        (
            job for job in calibration_jobs(instrument)
            if job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
            and job.params.get("bank_key") == bank_key
            and job.params.get("wave_id") == wave_id
            and job.params.get("version_id") == version.id
        ),
        None,
    )
    if running is not None:
        return running
    job = jobs.new_job(
        JOB_KIND,
        evaluation_id=instrument.evaluation_id,
        params={
            "instrument_id": instrument.id,
            "version_id": version.id,
            "bank_key": bank_key,
            "wave_id": wave_id,
        },
        user_id=user_id,
    )
    audit.record(
        "calibration.request",
        evaluation_id=instrument.evaluation_id,
        obj=job,
        actor_id=user_id,
        bank=bank_key,
        wave_id=wave_id,
    )
    if not jobs.queue_configured():
        jobs.run(job, commit_progress=False, final_attempt=True)
    return job


def enqueue(job: Job) -> None:
    """Hand a committed, queued calibration to the workers (no-op when it ran inline)."""
    if job.status is JobStatus.QUEUED and jobs.queue_configured():
        jobs.send(job)


def retry(job: Job) -> None:
    """Run a failed calibration again (now, or on a worker)."""
    jobs.reset(job)
    if not jobs.queue_configured():
        jobs.run(job, commit_progress=False, final_attempt=True)


jobs.register(jobs.JobKind(JOB_KIND, calibrate, FAILURE_TEXT))

