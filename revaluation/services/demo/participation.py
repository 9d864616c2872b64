"""The demo's participation space: proposals and votes, stories with value, and every round.

Everything goes through the same services the pages use. Running it twice changes nothing:
it only fills a space that does not exist yet.
"""

from __future__ import annotations

import random
from datetime import timedelta

from revaluation.extensions import db
from revaluation.models import Evaluation, ParticipationSpace, Stance, User
from revaluation.models.base import utcnow
from revaluation.services import (
    participation,
    participation_coding,
    participation_moderation,
    participation_rounds,
    participation_stories,
    participation_votes,
)

SPACE_CODE = "walktalk"
MSC_CODE = "walkpanel"

PROPOSALS = [
    ("outcome", "People feel confident to speak up at their GP surgery", "accept"),
    ("outcome", "Members start new groups in their own neighbourhoods", None),
    ("outcome", "Fewer people spend Sunday alone", None),
    ("question", "Have you helped someone else join a walk or a café?", "accept"),
    ("outcome", "The network gets more funding", "decline"),
    ("outcome", "Members feel confident talking to doctors", "merge"),
    ("question", "How far do you travel to get to a group?", None),
    ("outcome", "<b>Bold</b> claims & \"quotes\" are shown as typed", None),
]
#: The Welsh wording of the accepted question (the demo instrument is in English and Welsh).
WELSH_QUESTIONS = {
    "Have you helped someone else join a walk or a café?":
        "Ydych chi wedi helpu rhywun arall i ymuno â thaith gerdded neu gaffi?",
}
DECLINE_REASON = ("Funding is not something members' lives show directly; we will report it in "
                  "the context section instead.")
MERGE_REASON = "This says the same as proposal 1, so their dots now count together."

#: How the space's storytellers shared each story between the triad's three corners (percent).
KINDS = [("40", "40", "20"), ("60", "20", "20"), ("20", "60", "20"), ("30", "30", "40"),
         ("10", "70", "20"), ("50", "10", "40")]

SPACE_STORIES = [
    ("Back in the choir", "After the walks I felt strong enough to go back to my choir. I had "
     "stopped going when my breathing got bad.", "no",
     [("capacitate", "invisible", "Confidence to take part again"),
      ("calibrate", "visible", "Singing again matters to me")]),
    ("A buddy instead of A&E", "When I panicked I rang my walking buddy instead of going to A&E. "
     "We made a plan together.", "no",
     [("calculate", "visible", "One A&E visit avoided"),
      ("capacitate", "invisible", "Peer support plan")]),
    ("Running the café", "I now run the Tuesday talk café. Six people come every week.", "partly",
     [("capacitate", "visible", "A new volunteer organiser"),
      ("calculate", "visible", "Six people a week")]),
    ("My GP listened", "I took my symptom diary to the GP, like we practised, and for the first "
     "time I felt listened to.", "yes",
     [("calibrate", "invisible", "Being taken seriously"),
      ("calibrate", "invisible", "Feeling listened to by the GP")]),
    ("Sleeping through", "Walking most mornings, I sleep through the night for the first time in "
     "years.", "partly",
     [("calculate", "visible", "Fewer sleeping tablets"),
      ("calibrate", "invisible", "Feeling rested")]),
    ("A friend on the ward", "When my neighbour went into hospital, three of us from the group "
     "visited her every week.", "no",
     [("capacitate", "invisible", "People looking out for each other"),
      ("calibrate", "invisible", "Nobody left alone on the ward")]),
    ("Back to work part-time", "The confidence I got from leading the Thursday walk helped me go "
     "back to work two days a week.", "no",
     [("calculate", "visible", "Two working days a week"),
      ("capacitate", "visible", "Walk leader training"),
      ("calibrate", "invisible", "Feeling useful again")]),
    ("Talking about my mood", "I can say I am having a bad week now, and someone rings me.",
     "yes",
     [("capacitate", "invisible", "A phone tree for bad weeks"),
      ("calibrate", "invisible", "Not hiding how I feel")]),
    ("Off the waiting list", "The practice nurse now sends people to our walks while they wait "
     "for physio.", "no",
     [("capacitate", "visible", "Referrals from the practice nurse"),
      ("calculate", "visible", "Eight referrals this spring")]),
    ("Lost weight, kept it off", "I have lost a stone since spring and my blood pressure is down.",
     "yes",
     [("calculate", "visible", "A stone lost"),
      ("calculate", "visible", "Lower blood pressure readings")]),
    ("Out of the house", "Before the group I only left the house for shopping. Now I am out "
     "four days a week.", "yes",
     [("calculate", "invisible", "Four days a week out of the house"),
      ("calibrate", "invisible", "Feeling part of the town again")]),
    ("Staff walking too", "On my ward, staff now take a twenty-minute walk at lunch. Sickness "
     "absence is down.", "partly",
     [("calculate", "visible", "Less sickness absence on the ward"),
      ("capacitate", "visible", "A lunchtime walking rota")]),
    ("Speaking at the board", "I told our story to the hospital board. They asked us back.",
     "no",
     [("capacitate", "visible", "A voice at the hospital board"),
      ("calibrate", "visible", "Being believed by people in charge")]),
    ("Learning the routes", "I was scared of getting lost. Now I have learned three routes and "
     "lead newcomers.", "partly",
     [("capacitate", "invisible", "Route knowledge passed on"),
      ("calculate", "invisible", "Three routes learned")]),
    ("The café as a lifeline", "After my wife died the café was the only place I talked to "
     "anyone all week.", "no",
     [("calibrate", "invisible", "Company in grief"),
      ("capacitate", "invisible", "A place to go every week")]),
    ("Fewer falls", "My balance is better and I have not fallen since Easter.", "yes",
     [("calculate", "visible", "No falls since Easter"),
      ("calibrate", "invisible", "Trusting my legs again")]),
]


def seed_participation(evaluation: Evaluation, evaluator: User, *, seed: int = 7
                       ) -> ParticipationSpace:
    """Fill the demo evaluation's participation space (once)."""
    existing = participation.space_of(evaluation)
    if existing is not None:
        return existing
    rng = random.Random(seed)
    space = participation.create_space(evaluation, code=SPACE_CODE)
    space.welcome = ("Welcome to Walk & Talk's evaluation space. You are a co-researcher: "
                     "tell us what success looks like, share what changed, and help us make "
                     "sense of it.")
    space.dot_budget = 5
    people = [participation.new_participant(space, group=rng.choice(["member", "member", "staff"]))
              .participant for _ in range(14)]
    participation_coding.sync_stories(evaluation)
    _proposals(space, evaluation, evaluator, people, rng)
    stories = _stories(space, evaluation, people)
    _code(evaluation, rng)
    _msc(evaluation, stories, rng)
    _negotiate(evaluation, people, rng)
    _sense(evaluation, people, rng)
    db.session.flush()
    return space


def _proposals(space, evaluation, evaluator, people, rng):
    made = [participation.propose(space, people[i % len(people)], kind=kind, text=text,
                                  detail="Raised at the spring steering group." if i < 2 else "")
            for i, (kind, text, _) in enumerate(PROPOSALS)]
    for person in people:
        for _ in range(rng.randint(3, 5)):
            target = rng.choice([*made[:4], made[0], made[2]])
            try:
                participation_votes.change_dots(space, person, target, 1)
            except participation.ParticipationError:
                break
        ranked = rng.sample(made[:4], 3)
        participation_votes.set_ranking(space, person, {p.id: n for n, p in enumerate(ranked, 1)})
    for proposal, (_, _, action) in zip(made, PROPOSALS, strict=True):
        if action == "decline":
            participation_moderation.decline(proposal, evaluator, DECLINE_REASON)
        elif action == "merge":
            participation_moderation.merge(proposal, made[0], evaluator, MERGE_REASON)
        elif action == "accept" and proposal.kind.value == "outcome":
            participation_moderation.accept_outcome(
                proposal, evaluator, evaluation, title=proposal.text,
                indicator="question:confidence",
                statistic="proportion", threshold=8, target=0.5, direction="increase",
                reason="A clear, measurable hope: the confidence question already asks it.")
        elif action == "accept":
            instrument = sorted(evaluation.instruments, key=lambda i: i.id)[0]
            participation_moderation.accept_question(
                proposal, evaluator, instrument, label=proposal.text, qtype="text",
                section="story", reason="We will ask it from the next wave.",
                translations={"cy": WELSH_QUESTIONS[proposal.text]})
    return made


def _stories(space, evaluation, people):
    stories = []
    for n, (title, text, intended, values) in enumerate(SPACE_STORIES):
        form = {"title": title, "text": text, "intended": intended,
                "what_changed": text.split(".")[0], "for_whom": "Me and my family",
                "why_it_matters": "It changed how I see myself.",
                "contribution": "The group gave me the push and the practice.",
                "substantiation": "My walking buddy" if n % 2 else "",
                "story_who": str(2 + (3 * n) % 8),
                **dict(zip(("story_kind__1", "story_kind__2", "story_kind__3"),
                           KINDS[n % len(KINDS)], strict=True))}
        for i, (box, visibility, note) in enumerate(values, 1):
            form.update({f"v{i}_box": box, f"v{i}_visibility": visibility, f"v{i}_note": note})
        marks = participation_stories.signifiers(evaluation)
        story = participation_stories.read_story(form, marks, harvest=True,
                                                 groups=["member", "staff"])
        stories.append(participation_stories.tell_story(space, people[n % len(people)], story))
    return stories


def _code(evaluation, rng):
    tags = [participation_coding.create_tag(evaluation, name) for name in
            ("Confidence", "Connection", "Health services", "Leadership")]
    pool = participation_coding.filtered_stories(evaluation, participation_coding.StoryFilter(),
                                                 limit=1000)
    for row in pool:
        story = participation_coding.story_in(evaluation, row["id"])
        chosen = [t.id for t in tags if rng.random() < 0.35]
        if chosen:
            participation_coding.set_tags(evaluation, story, chosen)


def _msc(evaluation, stories, rng):
    msc = participation_rounds.create_msc_round(evaluation, domain="Changes in confidence",
                                                size=6)
    msc.code = MSC_CODE
    msc.story_ids = sorted({*msc.story_ids[:4], *(s.id for s in stories[:2])})
    msc.open()
    reasons = ["It shows a change nobody planned for.", "It is about someone taking charge.",
               "It shows the group passing on what it learned."]
    for panellist in range(6):
        order = rng.sample(msc.story_ids, 2)
        if panellist < 4:
            order = [stories[1].id, *[i for i in order if i != stories[1].id]][:2]
        choices = {sid: (rank, rng.choice(reasons)) for rank, sid in enumerate(order, 1)}
        participation_rounds.cast_msc_votes(msc, participation_rounds.panellist_hash(
            f"demo-panellist-{panellist}"), choices)
    participation_rounds.close_msc(
        msc, story_id=stories[1].id,
        reason="The panel chose this story because it shows peer support replacing crisis "
        "care: a change the network never planned for, and one that saves the NHS money.")
    msc.closed_at = utcnow() - timedelta(days=3)


def _negotiate(evaluation, people, rng):
    negotiation = participation_rounds.create_negotiation(evaluation,
                                                          "What is Walk & Talk worth?")
    negotiation.open()
    account = participation_rounds.negotiation_account(negotiation)
    items = account["items"]
    dupes = [i for i in items if i["box"] == "calibrate"]
    if len(dupes) >= 2:
        participation_rounds.merge_items(negotiation, dupes[-1]["id"], dupes[-2]["id"])
    live = list(participation_rounds.negotiation_account(negotiation)["items"])
    for person in people[:8]:
        for item in rng.sample(live, min(4, len(live))):
            challenge = item["box"] == "calculate" and rng.random() < 0.4
            participation_rounds.react(
                negotiation, person, item["id"],
                stance=Stance.CHALLENGE.value if challenge else Stance.ENDORSE.value,
                reason="Counting visits misses why people stopped needing them." if challenge
                else "")
    participation_rounds.close_negotiation(negotiation)


def _sense(evaluation, people, rng):
    sense = participation_rounds.create_sense_making(evaluation, "Early findings: spring")
    participation_rounds.add_finding(
        sense, title="Most members feel more connected",
        summary="Members' sense of connection rose between the baseline and the follow-up.")
    participation_rounds.add_finding(
        sense, title="Fewer visits to A&E",
        summary="Fewer people said they had been to A&E in the last three months.")
    sense.open()
    stances = ["agree", "agree", "complicated", "disagree"]
    comments = ["Yes, the café is the best part of my week.", "",
                "It depends which group you go to.", "Not for people who cannot walk far."]
    for person in people[:9]:
        for finding in sense.findings:
            pick = rng.randrange(len(stances))
            participation_rounds.respond_to_finding(sense, person, finding.id,
                                                    stance=stances[pick], comment=comments[pick])
