"""Stories in the space: self-signification, value items, withdrawal everywhere, and IDOR."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    MscRound,
    NegotiationRound,
    Response,
    ResponseStatus,
    Story,
    StoryStatus,
    ValueItem,
)
from revaluation.models.base import utcnow
from revaluation.services import fieldwork, participation_coding, participation_rounds
from tests.web.participate_fixtures import (  # noqa: F401
    STORY,
    XSS,
    participation_setup,
    resume_code,
    tell,
)


def _story() -> Story:
    return db.session.execute(db.select(Story).order_by(Story.id.desc())).scalars().first()


def test_a_story_keeps_its_signifiers_value_and_harvest(client, ps):
    page = tell(client, ps)
    assert "Thank you for your story" in page.get_data(as_text=True)
    story = _story()
    assert story.intended == "no" and story.harvest == {"what_changed": "I sing again"}
    assert story.signifiers["who"] == 0.7
    assert [round(x, 3) for x in story.signifiers["kind"]] == [0.5, 0.3, 0.2]
    boxes = sorted((str(v.box), str(v.visibility), v.note) for v in story.value_items)
    assert boxes == [("calculate", "visible", "Two GP visits fewer"),
                     ("capacitate", "invisible", "Confidence to take part")]


def test_story_problems_are_all_listed_and_the_text_is_kept(client, ps):
    page = client.post(f"{ps.url}/story", data={
        **STORY, "text": "My words stay", "kind__1": "50", "kind__2": "10", "kind__3": "10",
        "v1_box": "", "v1_visibility": "visible", "intended": "maybe"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Share 100% between the three: they add up to 70%" in html
    assert "Choose calculate, calibrate or capacitate for value 1" in html
    assert "Choose yes, partly or no" in html
    assert "My words stay" in html
    assert db.session.execute(db.select(Story)).first() is None


def test_an_empty_story_is_refused(client, ps):
    page = client.post(f"{ps.url}/story", data={"text": ""})
    assert page.status_code == 400
    assert "Tell your story" in page.get_data(as_text=True)


def test_another_participant_cannot_see_or_withdraw_my_story(app, ps):
    mine = app.test_client()
    tell(mine, ps)
    story = _story()
    other = app.test_client()
    tell(other, ps, text="Someone else's story")
    assert other.get(f"{ps.url}/stories/{story.id}/withdraw").status_code == 404
    assert other.post(f"{ps.url}/stories/{story.id}/withdraw").status_code == 404
    assert "After the walks" not in other.get(f"{ps.url}/stories").get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.post(f"{ps.url}/stories/{story.id}/withdraw").status_code == 404
    db.session.refresh(story)
    assert story.status is StoryStatus.ACTIVE


def test_withdrawing_from_another_device_removes_the_story_from_every_output(app, ps, auth):
    phone = app.test_client()
    code = resume_code(tell(phone, ps, text=f"Secret words {XSS}").get_data(as_text=True))
    story = _story()
    tell(app.test_client(), ps, text="Another story stays")
    msc = participation_rounds.create_msc_round(ps.evaluation, domain="Confidence")
    msc.open()
    participation_rounds.cast_msc_votes(msc, "panellist", {story.id: (1, "Moving")})
    negotiation = participation_rounds.create_negotiation(ps.evaluation, "Worth")
    negotiation.open()
    tag = participation_coding.create_tag(ps.evaluation, "Singing")
    participation_coding.set_tags(ps.evaluation, story, [tag.id])
    db.session.commit()

    laptop = app.test_client()
    laptop.post(f"{ps.url}/resume", data={"resume_code": code})
    done = laptop.post(f"{ps.url}/stories/{story.id}/withdraw", follow_redirects=True)
    assert "Your story has been withdrawn" in done.get_data(as_text=True)

    db.session.expire_all()
    assert db.session.get(Story, story.id).text == ""
    assert db.session.execute(db.select(ValueItem).filter_by(story_id=story.id)).first() is None
    assert story.id not in db.session.get(MscRound, msc.id).story_ids
    pages = [f"{ps.url}/stories", f"{ps.url}/results", f"/msc/{msc.code}",
             f"{ps.url}/negotiate/{db.session.get(NegotiationRound, negotiation.id).id}"]
    for url in pages:
        assert "Secret words" not in laptop.get(url).get_data(as_text=True), url
    auth.login(ps.owner.email)
    for url in (f"{ps.manage}/stories", f"{ps.manage}/rounds/msc/{msc.id}",
                f"{ps.manage}/stories?tag={tag.id}"):
        html = app.test_client().get(url).get_data(as_text=True)
        assert "Secret words" not in html
    from revaluation.reports.participation_data import load

    report = load(ps.evaluation, [], [])
    assert report["stories"] == 1
    assert report["themes"]["rows"] == []


def test_survey_stories_join_the_pool_once(ps):
    from revaluation.models import Anonymity

    wave = fieldwork.create_wave(ps.evaluation, ps.instrument.latest, name="Spring",
                                 groups=["member"], anonymity=Anonymity.ANONYMOUS)
    fieldwork.open_wave(wave)
    response = Response(wave_id=wave.id, group="member", consent_given=True,
                        status=ResponseStatus.COMPLETE, completed_at=utcnow())
    db.session.add(response)
    db.session.flush()
    db.session.add_all([
        Answer(response_id=response.id, question_key="change_story",
               text="I made a friend", data=None),
        Answer(response_id=response.id, question_key="who", number=0.25),
        Answer(response_id=response.id, question_key="kind", data=[0.2, 0.3, 0.5]),
    ])
    db.session.flush()
    made = participation_coding.stories_from_response(response)
    assert [s.text for s in made] == ["I made a friend"]
    assert made[0].signifiers == {"who": 0.25, "kind": [0.2, 0.3, 0.5]}
    assert made[0].wave_id == wave.id and made[0].group == "member"
    assert participation_coding.stories_from_response(response) == []
