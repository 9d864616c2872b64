"""Participatory rounds: MSC panels, negotiating a settled account, sense-making."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import MscRound, NegotiationRound, Story, ValueItem
from revaluation.models.participation import SenseMakingRound
from tests.web.participate_fixtures import XSS, participation_setup, tell  # noqa: F401


def _stories(app, ps, n: int):
    tellers = []
    for i in range(n):
        teller = app.test_client()
        tell(teller, ps, title=f"Story {i}", text=f"Change number {i}")
        tellers.append(teller)
    return tellers, list(db.session.execute(db.select(Story).order_by(Story.id)).scalars())


def test_an_msc_panel_needs_reasons_and_feeds_the_selection_back(app, client, auth, ps):
    tellers, stories = _stories(app, ps, 3)
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/rounds/msc", data={"domain": "Confidence"})
    msc = db.session.execute(db.select(MscRound)).scalar_one()
    assert sorted(msc.story_ids) == [s.id for s in stories]
    assert app.test_client().get(f"/msc/{msc.code}").status_code == 404  # still a draft
    client.post(f"{ps.manage}/rounds/msc/{msc.id}/open")

    panellist = app.test_client()
    page = panellist.get(f"/msc/{msc.code}").get_data(as_text=True)
    assert "Change number 1" in page and "member" not in page
    first = stories[1].id
    missing = panellist.post(f"/msc/{msc.code}", data={f"rank-{first}": "1"})
    assert missing.status_code == 400
    assert "Enter why you chose this story" in missing.get_data(as_text=True)
    panellist.post(f"/msc/{msc.code}", data={f"rank-{first}": "1",
                                             f"reason-{first}": f"Brave {XSS}"})
    summary = client.get(f"{ps.manage}/rounds/msc/{msc.id}").get_data(as_text=True)
    assert "1 first choice" in summary and "Brave &lt;script&gt;" in summary

    client.post(f"{ps.manage}/rounds/msc/{msc.id}/close",
                data={"story": first, "reason": "It shows courage nobody planned for"})
    own = tellers[1].get(f"{ps.url}/stories").get_data(as_text=True)
    assert "The panel chose <strong>your story</strong>" in own
    assert "It shows courage nobody planned for" in own
    other = tellers[0].get(f"{ps.url}/stories").get_data(as_text=True)
    assert "The panel read your story and chose another" in other
    public = app.test_client().get(f"{ps.url}/results").get_data(as_text=True)
    assert "Why the panel chose it" in public and "Change number 1" in public


def test_negotiation_settles_an_account_with_dissent(app, client, auth, ps):
    tellers, _ = _stories(app, ps, 2)
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/rounds/negotiation", data={"title": "What is it worth?"})
    negotiation = db.session.execute(db.select(NegotiationRound)).scalar_one()
    client.post(f"{ps.manage}/rounds/negotiation/{negotiation.id}/open")
    items = list(db.session.execute(db.select(ValueItem).order_by(ValueItem.id)).scalars())
    calculate = [i for i in items if str(i.box) == "calculate"]
    base = f"{ps.url}/negotiate/{negotiation.id}"
    page = tellers[0].get(base).get_data(as_text=True)
    assert "Two GP visits fewer" in page and "Confidence to take part" in page

    silent = tellers[0].post(f"{base}/react/{calculate[0].id}", data={"stance": "challenge"})
    assert silent.status_code == 400 and "Enter why you challenge it" in silent.get_data(
        as_text=True)
    tellers[0].post(f"{base}/react/{calculate[0].id}",
                    data={"stance": "challenge", "reason": f"Visits miss the point {XSS}"})
    tellers[1].post(f"{base}/merge/{calculate[1].id}", data={"into": calculate[0].id})
    tellers[1].post(f"{base}/react/{calculate[1].id}", data={"stance": "endorse"})
    assert "no longer in this round" in tellers[1].post(
        f"{base}/react/{calculate[1].id}", data={"stance": "endorse"}).get_data(as_text=True)
    client.post(f"{ps.manage}/rounds/negotiation/{negotiation.id}/close")

    db.session.expire_all()
    account = db.session.get(NegotiationRound, negotiation.id).settled_account
    merged = next(i for i in account["items"] if i["id"] == calculate[0].id)
    assert merged["challenges"] == 1 and merged["verdict"] == "contested"
    assert merged["dissent"] == [f"Visits miss the point {XSS}"]
    assert account["merged"] == 1
    closed = tellers[0].get(base).get_data(as_text=True)
    assert "settled account" in closed and "Visits miss the point &lt;script&gt;" in closed
    assert "<script>alert" not in closed


def test_sense_making_collects_responses_per_finding(app, client, auth, ps):
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/rounds/sense", data={"title": "Early findings"})
    sense = db.session.execute(db.select(SenseMakingRound)).scalar_one()
    refused = client.post(f"{ps.manage}/rounds/sense/{sense.id}/open", follow_redirects=True)
    assert "Add at least one finding" in refused.get_data(as_text=True)
    client.post(f"{ps.manage}/rounds/sense/{sense.id}/findings",
                data={"title": "People feel connected", "summary": "Connection went up."})
    client.post(f"{ps.manage}/rounds/sense/{sense.id}/open")
    finding = db.session.get(SenseMakingRound, sense.id).findings[0]

    member = app.test_client()
    url = f"{ps.url}/sense/{sense.id}"
    assert "People feel connected" in member.get(url).get_data(as_text=True)
    none = member.post(f"{url}/{finding.id}", data={"comment": "kept words"})
    assert none.status_code == 400
    html = none.get_data(as_text=True)
    assert "Choose agree, disagree or it" in html and "kept words" in html
    member.post(f"{url}/{finding.id}", data={"stance": "complicated", "comment": XSS})
    view = client.get(f"{ps.manage}/rounds/sense/{sense.id}").get_data(as_text=True)
    assert "1 it&#39;s more complicated" in view and "&lt;script&gt;" in view
    assert "<script>alert" not in view
    public = member.get(f"{ps.url}/results").get_data(as_text=True)
    assert "Fewer than 5 people have responded" in public


def test_findings_can_be_written_from_the_outcome_table(client, auth, ps):
    from revaluation.services import framework

    framework.add_outcome(ps.evaluation, title="Feeling well", indicator_kind="question",
                          indicator_key="wellbeing", statistic="mean", target=7,
                          direction="increase")
    db.session.commit()
    auth.login(ps.owner.email)
    client.post(f"{ps.manage}/rounds/sense", data={"title": "From results"})
    sense = db.session.execute(db.select(SenseMakingRound)).scalar_one()
    page = client.post(f"{ps.manage}/rounds/sense/{sense.id}/findings",
                       data={"source": "results"}, follow_redirects=True)
    assert "1 finding added from the outcome table" in page.get_data(as_text=True)
    finding = db.session.get(SenseMakingRound, sense.id).findings[0]
    assert finding.title == "Feeling well"
    assert "The hope was that" in finding.summary and "go up to 7" in finding.summary
