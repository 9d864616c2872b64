"""`flask users create` and `flask demo`."""

from revaluation.extensions import db
from revaluation.models import Evaluation, Outcome, ReportEdition, Response, User, Wave, WaveState


def test_users_create(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.org",
            "--name",
            "New",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(User).filter_by(email="new@example.org")).scalar_one()


def test_users_create_refuses_short_password_and_duplicates(runner, make_user):
    make_user("taken@example.org")
    short = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    dup = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "taken@example.org",
            "--password",
            "long enough password",
        ]
    )
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_demo_seeds_once(runner):
    first = runner.invoke(args=["demo", "--members", "30", "--staff", "8"])
    assert first.exit_code == 0, first.output
    assert "evaluator@walkandtalk.example" in first.output
    assert "/r/walkmembers" in first.output
    assert "Report edition 1 generated" in first.output  # for the commissioner to download
    [edition] = db.session.execute(db.select(ReportEdition)).scalars().all()
    assert edition.pdf.startswith(b"%PDF") and edition.page_count > 5
    counts = (
        db.session.scalar(db.select(db.func.count(Evaluation.id))),
        db.session.scalar(db.select(db.func.count(Response.id))),
        db.session.scalar(db.select(db.func.count(Outcome.id))),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already exists" in second.output
    assert "Report edition" not in second.output
    assert db.session.scalar(db.select(db.func.count(ReportEdition.id))) == 1
    assert counts == (
        db.session.scalar(db.select(db.func.count(Evaluation.id))),
        db.session.scalar(db.select(db.func.count(Response.id))),
        db.session.scalar(db.select(db.func.count(Outcome.id))),
    )


def test_demo_without_its_report_still_works_and_a_later_run_makes_it(runner, monkeypatch):
    from revaluation.services import report_jobs

    def broken(*_args, **_kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(report_jobs, "create_edition", broken)
    first = runner.invoke(args=["demo", "--members", "30", "--staff", "8"])
    assert first.exit_code == 0, first.output
    assert "could not be generated (OSError: no fonts)" in first.output
    assert "Commissioner: commissioner@walkandtalk.example" in first.output
    assert db.session.scalar(db.select(db.func.count(ReportEdition.id))) == 0
    monkeypatch.undo()
    second = runner.invoke(args=["demo"])
    assert "Demo evaluation already exists." in second.output
    assert "Report edition 1 generated" in second.output


def test_demo_shape(demo):
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    assert len([o for o in evaluation.outcomes if o.origin == "planned"]) >= 4
    assert [w.state for w in evaluation.waves] == [WaveState.CLOSED, WaveState.OPEN]
    groups = set(db.session.scalars(db.select(Response.group)).all())
    assert groups == {"member", "staff"}
    linked = db.session.execute(
        db.select(Response.panel_hash)
        .join(Wave, Wave.id == Response.wave_id)
        .where(Response.panel_hash.is_not(None))
        .group_by(Response.panel_hash)
        .having(db.func.count(db.distinct(Response.wave_id)) == 2)
    ).all()
    assert len(linked) >= 5


def test_demo_evaluator_sees_overview(client, auth, demo):
    auth.login(demo.evaluator_email, demo.password)
    page = client.get("/e/demo/")
    assert page.status_code == 200
    for text in (b"Intended outcomes", b"Six-month follow-up", b"Walk &amp; Talk check-in"):
        assert text in page.data
