"""Co-design tallies: dot-voting and rankings over proposals, and a negotiation's settled account.

- Dots: each participant spreads a budget of dots and may stack several on one proposal. A
  proposal's total is the sum of its dots; the number of distinct people who gave it dots is
  the cell size that small-cell suppression looks at (a total built from two people's dots
  would let each of them work out the other's choice).
- Rankings are combined with Borda points: in a ranking of ``k`` proposals, rank ``r`` earns
  ``k - r + 1`` points, so a first place among many counts more than a first place among few.
- A settled account keeps every value item with its endorsements and every challenge reason,
  so dissent is shown rather than averaged away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .suppression import SMALL_CELL_THRESHOLD, too_few


@dataclass(frozen=True)
class PriorityTally:
    """One proposal's support: dots, people, Borda points and first places."""

    proposal: int
    dots: int
    voters: int
    borda: int
    firsts: int
    rankers: int
    threshold: int

    @property
    def suppressed(self) -> bool:
        """True when fewer than ``threshold`` (but more than zero) people gave it dots."""
        return too_few(self.voters, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        hidden = self.suppressed
        ranks_hidden = too_few(self.rankers, self.threshold)
        return {
            "proposal": self.proposal,
            "dots": None if hidden else self.dots,
            "voters": None if hidden else self.voters,
            "borda": None if ranks_hidden else self.borda,
            "firsts": None if ranks_hidden else self.firsts,
            "suppressed": hidden,
        }


def priority_tallies(
    proposals: Sequence[int],
    votes: Sequence[Mapping[str, Any]],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> list[PriorityTally]:
    """Tally dots and rankings per proposal, most dots first (ties by Borda points, then id).

    ``votes`` are records with ``proposal``, ``participant``, ``dots`` and ``rank`` (None when
    not ranked). Votes on proposals not listed are ignored.
    """
    wanted = set(proposals)
    lengths: dict[Any, int] = {}
    for vote in votes:
        if vote.get("rank") is not None and vote.get("proposal") in wanted:
            lengths[vote["participant"]] = lengths.get(vote["participant"], 0) + 1
    totals = {p: {"dots": 0, "voters": set(), "borda": 0, "firsts": 0, "rankers": set()}
              for p in proposals}
    for vote in votes:
        entry = totals.get(vote.get("proposal"))
        if entry is None:
            continue
        dots = int(vote.get("dots") or 0)
        if dots > 0:
            entry["dots"] += dots
            entry["voters"].add(vote["participant"])
        rank = vote.get("rank")
        if rank is not None:
            length = lengths[vote["participant"]]
            entry["borda"] += max(length - int(rank) + 1, 0)
            entry["firsts"] += int(rank) == 1
            entry["rankers"].add(vote["participant"])
    out = [
        PriorityTally(p, t["dots"], len(t["voters"]), t["borda"], t["firsts"], len(t["rankers"]),
                      threshold)
        for p, t in totals.items()
    ]
    out.sort(key=lambda t: (-t.dots, -t.borda, t.proposal))
    return out


def settled_account(
    items: Sequence[Mapping[str, Any]], reactions: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The participants' verdict on the value items of a negotiation round.

    ``items`` have ``id``, ``box``, ``visibility``, ``note`` and ``merged_into`` (None unless
    merged as a duplicate); ``reactions`` have ``item``, ``stance`` (endorse/challenge) and
    ``reason``. Reactions to a merged duplicate count for the item it was merged into. An item
    is ``endorsed`` when endorsements outnumber challenges, ``contested`` when challenged at
    least as often as endorsed, and ``unreviewed`` when nobody reacted.
    """
    by_id = {item["id"]: item for item in items}

    def root(item_id: Any) -> Any:
        seen = set()
        while by_id.get(item_id, {}).get("merged_into") in by_id and item_id not in seen:
            seen.add(item_id)
            item_id = by_id[item_id]["merged_into"]
        return item_id

    kept = {i["id"]: {"endorsements": 0, "challenges": 0, "dissent": [], "merged": []}
            for i in items if root(i["id"]) == i["id"]}
    for item in items:
        top = root(item["id"])
        if top != item["id"] and top in kept:
            kept[top]["merged"].append(item.get("note", ""))
    for reaction in reactions:
        entry = kept.get(root(reaction.get("item")))
        if entry is None:
            continue
        if reaction.get("stance") == "endorse":
            entry["endorsements"] += 1
        elif reaction.get("stance") == "challenge":
            entry["challenges"] += 1
            if reaction.get("reason"):
                entry["dissent"].append(str(reaction["reason"]))
    out = []
    for item_id, entry in kept.items():
        item = by_id[item_id]
        if entry["endorsements"] == entry["challenges"] == 0:
            verdict = "unreviewed"
        elif entry["endorsements"] > entry["challenges"]:
            verdict = "endorsed"
        else:
            verdict = "contested"
        out.append({"id": item_id, "box": item["box"], "visibility": item["visibility"],
                    "note": item.get("note", ""), "verdict": verdict, **entry})
    order = {"calculate": 0, "calibrate": 1, "capacitate": 2}
    out.sort(key=lambda i: (order.get(i["box"], 3), -i["endorsements"], i["id"]))
    counts = {v: sum(1 for i in out if i["verdict"] == v)
              for v in ("endorsed", "contested", "unreviewed")}
    return {"items": out, "counts": counts, "merged": len(items) - len(out)}
