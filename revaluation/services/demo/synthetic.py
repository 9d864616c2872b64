"""Plausible synthetic answers for the demo: a latent wellbeing trait per person drives
every answer, members improve more than staff between waves, and some answers are missing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

STORIES = [
    "Before the walks I hardly left the house. Now I go out twice a week and know people.",
    "I learned to ask my GP the questions I actually have. My peer supporter helped me.",
    "The café gave me somewhere to go on Tuesdays. My sleep is better since I started.",
    "I trained as a peer supporter and now I run a walk myself. It has given me purpose.",
    "We wrote to the council together about the closed path by the canal and it was reopened.",
    "I was nervous about groups, but the online group let me join at my own pace.",
    "My mood is up and down, but I have people to text now when it is bad.",
    "As a staff member I now refer people to the walks and they come back more settled.",
    "My daughter says I laugh more. I did not notice until she said it.",
    "I stopped going to A&E when I panicked because I have a plan and a buddy to call.",
    "The group helped me find a benefits adviser. Less money worry means I can think.",
    "I speak up at the patient group now. A year ago I would not have dared.",
]


@dataclass
class Person:
    """One synthetic respondent: a trait, a group and a panel code shared across waves."""

    trait: float
    group: str
    panel_code: str | None


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _likert(rng: random.Random, centre: float, *, reverse: bool = False) -> str:
    value = round(_clip(rng.gauss(centre, 0.9), 1, 5))
    return str(6 - value if reverse else value)


def answers_for(person: Person, wave_index: int, rng: random.Random) -> dict[str, Any]:
    """Raw answers (as a respondent would give them) for one person in one wave."""
    lift = 0.0
    if wave_index > 0:
        lift = 0.55 if person.group == "member" else 0.2
    t = person.trait + lift + rng.gauss(0, 0.35)
    answers: dict[str, Any] = {}
    answers["involvement"] = rng.choices(
        ["weekly", "monthly", "rarely", "prefer_not_to_say"], [5, 3, 2, 0.3]
    )[0]
    if answers["involvement"] != "rarely":
        picks = [
            a for a in ("walks", "cafe", "online", "training", "campaign") if rng.random() < 0.35
        ]
        answers["activities"] = picks or ["walks"]
    answers["life_satisfaction"] = round(_clip(6.2 + 1.6 * t + rng.gauss(0, 1), 0, 10))
    if rng.random() > 0.04:
        answers["worthwhile"] = round(_clip(6.8 + 1.4 * t + rng.gauss(0, 1), 0, 10))
    answers["lonely"] = "prefer_not_to_say" if rng.random() < 0.03 else _likert(rng, 2.9 - 0.8 * t)
    answers["conn_talk"] = _likert(rng, 3.4 + 0.7 * t)
    answers["conn_belong"] = _likert(rng, 3.2 + 0.75 * t)
    if rng.random() > 0.06:
        answers["conn_left_out"] = _likert(rng, 3.0 + 0.7 * t, reverse=True)
    answers["voice_heard"] = _likert(rng, 3.3 + 0.6 * t + (0.2 if person.group == "staff" else 0))
    answers["confidence"] = round(_clip(5.5 + 1.7 * t + rng.gauss(0, 1.2), 0, 10))
    answers["gp_visits"] = (
        "dont_know" if rng.random() < 0.05 else max(0, round(rng.gauss(2.2 - 0.5 * t, 1.4)))
    )
    answers["ae_visit"] = "yes" if rng.random() < _clip(0.22 - 0.08 * t, 0.02, 0.6) else "no"
    if rng.random() < 0.3:
        answers["change_story"] = {"text": rng.choice(STORIES)}
        answers["story_who"] = round(_clip(rng.gauss(0.45, 0.22), 0, 1), 2)
        shares = [rng.random() + 0.05 for _ in range(3)]
        total = sum(shares)
        a, b = round(shares[0] / total, 3), round(shares[1] / total, 3)
        answers["story_kind"] = [a, b, round(1 - a - b, 3)]
    return answers


def people(rng: random.Random, *, members: int, staff: int) -> list[Person]:
    """The demo population; roughly two in three agree to a panel code."""
    population = [Person(rng.gauss(0, 1), "member", None) for _ in range(members)]
    population += [Person(rng.gauss(0.2, 0.8), "staff", None) for _ in range(staff)]
    for index, person in enumerate(population):
        if rng.random() < 0.65:
            person.panel_code = f"demo-panel-{index:04d}"
    return population
