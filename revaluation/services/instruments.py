"""Instruments and versions: every definition enters through the survey engine's validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Evaluation, Instrument, InstrumentVersion, StateError, VersionStatus
from revaluation.services import audit
from revaluation.services.uploads import UploadRejected, check_upload
from surveys.formats import DefinitionError, Problem, load_instrument
from surveys.model import Instrument as Definition

__all__ = [
    "DefinitionError",
    "blank_definition",
    "create_from_library",
    "create_instrument",
    "definition_of",
    "deletion_blockers",
    "edit_draft",
    "export_version",
    "import_definition",
    "instrument_in",
    "instrument_summaries",
    "new_draft",
    "publish_version",
    "version_numbered",
]


def definition_of(version: InstrumentVersion) -> Definition:
    """The engine's instrument for a stored version."""
    return Definition.from_dict(version.definition)


def create_instrument(evaluation: Evaluation, definition: Definition) -> InstrumentVersion:
    """Store a validated definition as version 1 (a draft) of a new instrument."""
    existing = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id, key=definition.key)
    ).scalar_one_or_none()
    if existing is not None:
        raise StateError(
            f"This evaluation already has an instrument with the key “{definition.key}”; "
            "import it as a new version of that instrument, or change the key."
        )
    instrument = Instrument(
        evaluation_id=evaluation.id,
        key=definition.key,
        title=definition.title.get(definition.default_language, definition.key),
    )
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, definition=definition.to_dict()
    )
    db.session.add(version)
    db.session.flush()
    audit.record("instrument.create", evaluation_id=evaluation.id, obj=instrument)
    return version


def import_definition(evaluation: Evaluation, source: Any, *, filename: str) -> InstrumentVersion:
    """Load YAML/JSON or an XLSForm and store it as a draft (a new instrument or next version).

    Uploaded bytes pass :func:`~revaluation.services.uploads.check_upload` first, so a
    renamed file, an oversized one or a zip bomb is refused before a parser opens it.
    """
    if isinstance(source, bytes):
        from surveys.formats.xlsform_read import MAX_FILE_BYTES

        try:
            check_upload(source, filename, accept=("text", "xlsx", "xls"),
                         max_bytes=MAX_FILE_BYTES)
        except UploadRejected as exc:
            raise DefinitionError([Problem(str(exc))]) from None
    if filename.lower().endswith((".xlsx", ".xls", ".xlsm")):
        from surveys.formats import import_xlsform

        definition = import_xlsform(source, filename=filename)
    else:
        try:
            definition = load_instrument(source, filename=filename)
        except TypeError:  # the engine's loader trips over inline option lists
            raise DefinitionError([Problem(
                "a question lists its options inline; move them under choice_lists and name "
                "the list in the question's choices")]) from None
    existing = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id, key=definition.key)
    ).scalar_one_or_none()
    if existing is None:
        return create_instrument(evaluation, definition)
    return new_draft(existing, definition)


def new_draft(instrument: Instrument, definition: Definition | None = None) -> InstrumentVersion:
    """The instrument's editable draft: the latest one if it is a draft, else a copy as v+1."""
    latest = instrument.latest
    if latest is not None and latest.status is VersionStatus.DRAFT:
        if definition is not None:
            latest.definition = definition.to_dict()
        return latest
    base = definition.to_dict() if definition is not None else dict(latest.definition)
    version = InstrumentVersion(
        instrument_id=instrument.id, number=(latest.number + 1 if latest else 1), definition=base
    )
    db.session.add(version)
    db.session.flush()
    instrument.versions.append(version)
    audit.record(
        "instrument.draft",
        evaluation_id=instrument.evaluation_id,
        obj=version,
        number=version.number,
    )
    return version


def publish_version(version: InstrumentVersion, user_id: int | None) -> None:
    """Freeze a draft after re-validating it through the engine."""
    definition_of(version)  # raises DefinitionError if the stored draft went bad
    version.publish(user_id)
    db.session.flush()
    audit.record(
        "instrument.publish",
        evaluation_id=version.instrument.evaluation_id,
        obj=version,
        number=version.number,
    )


# -- the designer's operations ------------------------------------------------------------


def instrument_in(evaluation: Evaluation, instrument_id: int) -> Instrument | None:
    """The evaluation's instrument with this id, or None for ids of other evaluations."""
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or instrument.evaluation_id != evaluation.id:
        return None
    return instrument


def version_numbered(instrument: Instrument, number: int) -> InstrumentVersion | None:
    """Version `number` of the instrument, or None."""
    return next((v for v in instrument.versions if v.number == number), None)


def instrument_summaries(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The evaluation's instruments as plain rows for the list page."""
    rows = db.session.execute(
        db.select(Instrument).filter_by(evaluation_id=evaluation.id).order_by(Instrument.title)
    ).scalars()
    out = []
    for instrument in rows:
        latest = instrument.latest
        questions = sum(len(s.get("questions", [])) for s in latest.definition.get("sections", []))
        out.append({
            "id": instrument.id, "key": instrument.key, "title": instrument.title,
            "latest_number": latest.number, "latest_status": str(latest.status),
            "published": instrument.latest_published.number if instrument.latest_published
            else None,
            "pages": len(latest.definition.get("sections", [])), "questions": questions,
        })
    return out


def blank_definition(key: str, title: str, language: str) -> Definition:
    """A new instrument with one empty page, validated like any other."""
    return load_instrument({
        "key": key, "title": {language: title}, "languages": [language],
        "default_language": language,
        "sections": [{"key": "page_1", "title": {language: "Page 1"}, "questions": []}],
    })


def create_from_library(evaluation: Evaluation, library_key: str) -> InstrumentVersion:
    """Copy a library instrument (with its licence and credit) into the evaluation as a draft."""
    from surveys.library import load_library_instrument

    version = create_instrument(evaluation, load_library_instrument(library_key))
    audit.record("instrument.from_library", evaluation_id=evaluation.id, obj=version,
                 library_key=library_key)
    return version


def edit_draft(instrument: Instrument, operation: Callable[[dict], dict], *, action: str,
               **detail: Any) -> InstrumentVersion:
    """Apply an editing operation to the instrument's draft and store the validated result.

    When the latest version is published the edit goes into a new draft (the next number),
    so a published version never changes. The operation raises DefinitionError/EditError
    before anything is stored; the caller rolls back the new draft in that case.
    """
    version = new_draft(instrument)
    definition = operation(version.definition)
    version.definition = definition
    title = Definition.from_dict(definition)
    instrument.title = title.title.get(title.default_language, instrument.key)[:200]
    db.session.flush()
    audit.record(f"instrument.{action}", evaluation_id=instrument.evaluation_id, obj=version,
                 number=version.number, **detail)
    return version


def deletion_blockers(instrument: Instrument, keys: set[str]) -> list[str]:
    """Why the questions `keys` may not be deleted: expressions or scales that use them,
    answers already collected in a wave of this instrument, outcomes whose indicator they are.
    An empty list means deleting is safe."""
    from revaluation.models import Answer, IndicatorKind, Outcome, Response, Wave
    from revaluation.services.instrument_editing import dependents

    reasons = [f"it is used by {d}" for d in dependents(instrument.latest.definition, keys)]
    rows = db.session.execute(
        db.select(Answer.question_key, Wave.name, sa.func.count(Answer.id))
        .join(Response, Answer.response_id == Response.id)
        .join(Wave, Response.wave_id == Wave.id)
        .join(InstrumentVersion, Wave.instrument_version_id == InstrumentVersion.id)
        .where(InstrumentVersion.instrument_id == instrument.id, Answer.question_key.in_(keys))
        .group_by(Answer.question_key, Wave.name)
        .order_by(Wave.name)
    ).all()
    for key, wave, count in rows:
        reasons.append(f"“{key}” has {count} answer{'s' if count != 1 else ''} in the wave "
                       f"“{wave}”; collected data keeps its question")
    outcomes = db.session.execute(
        db.select(Outcome.title, Outcome.indicator_key).where(
            Outcome.evaluation_id == instrument.evaluation_id,
            Outcome.indicator_kind == IndicatorKind.QUESTION,
            Outcome.indicator_key.in_(keys), Outcome.active.is_(True))
    ).all()
    reasons += [f"the outcome “{title}” uses “{key}” as its indicator" for title, key in outcomes]
    return reasons


EXPORTS = {
    "yaml": ("application/x-yaml; charset=utf-8", "yaml"),
    "xlsform": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def export_version(version: InstrumentVersion, fmt: str) -> tuple[bytes, str, str]:
    """A version as a download: (body, content type, file name such as `wellbeing-v2.yaml`)."""
    from surveys.formats import dump_instrument, export_xlsform

    definition = definition_of(version)
    mimetype, extension = EXPORTS[fmt]
    body = (dump_instrument(definition).encode("utf-8") if fmt == "yaml"
            else export_xlsform(definition))
    return body, mimetype, f"{definition.key}-v{version.number}.{extension}"
