"""A serial's travel, replayed from its events: the as-built record's `visits`, `holds` and
`undone` (docs/api.md, Records an auditor can trust: As-built record).

A visit begins with an arrival (creation, an advance, a rework, a release
that moves the part) and ends when the part leaves the step; a hold and its
release stay within the visit; a step jumped over gets a visit of its own
whose `arrived_at` and `left_at` are the move's time. Moves that were undone
are left out of the replay (an undo restores the serial exactly as it was),
so they leave no visit; they are listed in `undone` with their undo.
"""
from dataclasses import dataclass, field

DONE, REWORKED, SCRAPPED = "done", "reworked", "scrapped"
SCRAPPED_DISPOSITION = "scrap"
UNDONE = "serial.undone"


@dataclass
class Travel:
    """The visits and holds so far; `open` is the visit of the step the part is at."""

    step_names: list[str]
    visits: list[dict] = field(default_factory=list)
    holds: list[dict] = field(default_factory=list)
    open: dict | None = None

    def arrive(self, index: int, name: str | None, event: dict) -> None:
        """Open a visit of step `index` (named `name`, else by the path) at `event`'s time."""
        self.open = self._entry(index, name, event)
        self.visits.append(self.open)

    def leave(self, outcome: str, event: dict, results: list | None = None) -> None:
        """End the open visit with `outcome` at `event`'s time, by `event`'s actor."""
        if self.open is not None:
            self.open.update(left_at=event["at"], outcome=outcome, results=results,
                             **_who(event))
            self.open = None

    def bypass(self, steps: list[dict], event: dict) -> None:
        """Add a visit of each step jumped over (`[{stepIndex, step, became}]`)."""
        for step in steps:
            entry = self._entry(step["stepIndex"], step["step"], event)
            entry.update(left_at=event["at"], outcome=step["became"])
            self.visits.append(entry)

    def resolve(self, index: int, outcome: str, event: dict) -> None:
        """A deferred step done later or waived: its last `deferred` visit takes `outcome`."""
        deferred = [v for v in self.visits if v["step_index"] == index
                    and v.get("outcome") == "deferred"]
        if deferred:
            deferred[-1].update(outcome=outcome, results=event["data"].get("results"),
                                **_who(event))

    def _entry(self, index: int, name: str | None, event: dict) -> dict:
        number = 1 + sum(1 for v in self.visits if v["step_index"] == index)
        return {"step_index": index, "step": name or self._name(index), "visit": number,
                "arrived_at": event["at"], **_who(event)}

    def _name(self, index: int) -> str | None:
        return self.step_names[index] if 0 <= index < len(self.step_names) else None


def _who(event: dict) -> dict:
    return {"actor": event["actor"], "operator": event.get("operator")}


def _moved_on(travel: Travel, event: dict, arrival: tuple | None) -> None:
    # An advance or a completion: the step left is done (or bypassed with the
    # others when `bypassCurrent`), the steps between are bypassed.
    data = event["data"]
    bypassed = data.get("bypassed", [])
    current = [b for b in bypassed if b["stepIndex"] == data["fromStepIndex"]]
    travel.leave(current[0]["became"] if current else DONE, event, data.get("results"))
    travel.bypass([b for b in bypassed if b not in current], event)
    if arrival:
        travel.arrive(*arrival, event)


def _end_hold(travel: Travel, event: dict, disposition: str) -> None:
    open_holds = [h for h in travel.holds if h.get("released_at") is None]
    if open_holds:
        open_holds[-1].update(released_at=event["at"], disposition=disposition)


def _released(travel: Travel, event: dict) -> None:
    data = event["data"]
    _end_hold(travel, event, data["disposition"])
    disposition, at = data["disposition"], travel.open
    if disposition == "use_as_is" and at is not None:
        travel.leave(DONE, event)
        if at["step_index"] + 1 < len(travel.step_names):
            travel.arrive(at["step_index"] + 1, None, event)
    elif disposition == "rework":
        travel.leave(REWORKED, event)
        travel.arrive(data["toStepIndex"], None, event)
    elif disposition == "scrap":
        travel.leave(SCRAPPED, event)


def _held(travel: Travel, event: dict) -> None:
    data = event["data"]
    travel.holds.append({"step_index": data["atStepIndex"], "step": data["atStep"],
                         "reason": data["reason"], "note": data.get("note"),
                         "failed_checks": data.get("failedChecks"), "held_at": event["at"]})


def _replay(travel: Travel, event: dict) -> None:
    data, kind = event["data"], event["type"]
    if kind == "serials.created":
        travel.arrive(0, None, event)
    elif kind == "serial.advanced":
        _moved_on(travel, event, (data["toStepIndex"], data["toStep"]))
    elif kind == "serial.completed":
        _moved_on(travel, event, None)
    elif kind == "serial.scrapped":
        # Scrap ends a hold standing on the part as a `scrap` disposition would.
        _end_hold(travel, event, SCRAPPED_DISPOSITION)
        travel.leave(SCRAPPED, event)
    elif kind == "serial.reworked":
        travel.leave(REWORKED, event)
        travel.arrive(data["toStepIndex"], data["toStep"], event)
    elif kind == "serial.held":
        _held(travel, event)
    elif kind == "serial.released":
        _released(travel, event)
    elif kind in ("serial.step_completed", "serial.step_waived"):
        travel.resolve(data["stepIndex"], DONE if kind.endswith("completed") else "waived", event)


def travel_of(events: list[dict], step_names: list[str]) -> tuple[list, list, list]:
    """Return (visits, holds, undone) of a serial from its history, oldest first.

    `events` are store rows (`at` in epoch ms, `data` parsed); `step_names`
    the path's steps in order, naming the arrivals whose event names none.
    An event type without a bearing on the travel (`serial.voided`) changes
    nothing.
    """
    undos = [e for e in events if e["type"] == UNDONE]
    undone_ids = {e["data"]["undoneEventId"] for e in undos}
    travel = Travel(step_names)
    for event in events:
        if event["type"] != UNDONE and event["id"] not in undone_ids:
            _replay(travel, event)
    undone = [{"event_id": e["data"]["undoneEventId"], "type": e["data"]["undoneType"],
               "undone_at": e["at"], "reason": e["data"]["reason"]} for e in undos]
    return travel.visits, travel.holds, undone
