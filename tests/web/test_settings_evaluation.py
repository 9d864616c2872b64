"""Creating an evaluation and editing its settings, including the brand colour's contrast."""

from __future__ import annotations

import html

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Evaluation, Membership, Role
from revaluation.services.evaluations import contrast_with_white, darker_shade
from tests.web.framework_fixtures import PASSWORD
from tests.web.framework_fixtures import framework_setup as framework_setup

GOOD = {
    "title": "Walk and Talk",
    "movement": "Walkers United",
    "description": "Year one.",
    "brand_colour": "#1D5C63",
    "default_language": "en",
    "small_cell_threshold": "5",
    "retention_days": "",
    "slug": "",
}


def test_any_signed_in_user_creates_an_evaluation_and_owns_it(client, auth, make_user):
    user = make_user("new@example.org")
    auth.login("new@example.org", PASSWORD)
    assert "Create an evaluation" in client.get("/").get_data(as_text=True)
    response = client.post("/evaluations/new", data=GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/e/walk-and-talk/"
    evaluation = db.session.scalars(db.select(Evaluation)).one()
    assert (evaluation.brand_colour, evaluation.retention_days) == ("#1d5c63", None)
    membership = db.session.scalars(db.select(Membership)).one()
    assert (membership.user_id, membership.role) == (user.id, Role.OWNER)
    # the same title again gets a free short name
    client.post("/evaluations/new", data=GOOD)
    assert db.session.scalars(db.select(Evaluation.slug).order_by(Evaluation.id)).all() == [
        "walk-and-talk",
        "walk-and-talk-2",
    ]


def test_a_taken_short_name_is_refused_and_the_input_kept(client, auth, make_user, make_evaluation):
    make_evaluation(slug="taken")
    make_user("new@example.org")
    auth.login("new@example.org", PASSWORD)
    response = client.post("/evaluations/new", data={**GOOD, "slug": "taken"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Short name: “taken” is already taken; choose another." in page
    assert 'value="Walkers United"' in page


BAD_SETTINGS = [
    ({"title": ""}, "Title: enter the evaluation's title."),
    ({"title": "t" * 201}, "Title: use at most 200 characters."),
    ({"movement": "  "}, "Movement: enter the name of the movement being evaluated."),
    (
        {"brand_colour": "teal"},
        "Brand colour: enter a hex colour of 6 digits after #, like #1d5c63.",
    ),
    (
        {"brand_colour": "#12345"},
        "Brand colour: enter a hex colour of 6 digits after #, like #1d5c63.",
    ),
    (
        {"brand_colour": "#ffdd00"},
        "Brand colour: white text on #ffdd00 has a contrast of only 1.3:1 and needs at least 4.5:1 "
        "to be readable. Try a darker shade such as #877500.",
    ),
    (
        {"brand_colour": "#777777"},
        "Brand colour: white text on #777777 has a contrast of only 4.5:1 and needs at least 4.5:1 "
        "to be readable. Try a darker shade such as #767676.",
    ),
    (
        {"default_language": "English"},
        "Default language: use a language code like en, cy or pt-BR.",
    ),
    ({"small_cell_threshold": "1"}, "Small-cell threshold: enter a number from 2 to 1,000."),
    ({"small_cell_threshold": "five"}, "Small-cell threshold: enter a whole number, like 5."),
    ({"small_cell_threshold": "2.5"}, "Small-cell threshold: enter a whole number, like 5."),
    (
        {"small_cell_threshold": ""},
        "Small-cell threshold: enter a whole number of 2 or more, like 5.",
    ),
    ({"retention_days": "0"}, "Retention period: enter a number from 1 to 36,500."),
    ({"retention_days": "-3"}, "Retention period: enter a whole number, like 5."),
    ({"retention_days": "99999999999"}, "Retention period: enter a whole number, like 5."),
]


@pytest.mark.parametrize(("change", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused_with_the_reason(fw, client, auth, change, message):
    auth.login("dee@example.org", PASSWORD)
    data = {**GOOD, **change}
    data.pop("slug")
    response = client.post(f"/e/{fw.slug}/settings", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    kept = "Walk and Talk" if "movement" in change else "Walkers United"
    assert f'value="{kept}"' in page  # what was typed is kept
    db.session.expire_all()
    assert fw.evaluation.title == "Walk together"


def test_saving_settings_changes_them_and_audits_the_fields(fw, client, auth):
    auth.login("dee@example.org", PASSWORD)
    page = client.get(f"/e/{fw.slug}/settings").get_data(as_text=True)
    assert 'value="Walk together"' in page and 'value="5"' in page
    data = {**GOOD, "retention_days": "365", "small_cell_threshold": "10"}
    response = client.post(f"/e/{fw.slug}/settings", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    e = fw.evaluation
    assert (e.title, e.retention_days, e.small_cell_threshold) == ("Walk and Talk", 365, 10)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="evaluation.settings")).one()
    assert set(event.detail["fields"]) == {
        "title",
        "movement",
        "description",
        "small_cell_threshold",
        "retention_days",
    }


def test_the_suggested_darker_shade_passes_aa_and_stays_close():
    for colour in ("#ffdd00", "#ff8800", "#66ccff", "#777777"):
        shade = darker_shade(colour)
        assert contrast_with_white(shade) >= 4.5
        lighter = "#" + "".join(f"{min(255, int(shade[i : i + 2], 16) + 3):02x}" for i in (1, 3, 5))
        assert contrast_with_white(lighter) < 4.5 + 0.3
    assert round(contrast_with_white("#000000"), 2) == 21.0
    assert round(contrast_with_white("#767676"), 2) == 4.54
