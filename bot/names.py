"""How a member is called: one rule for every text and page that names someone."""

from __future__ import annotations

from collections.abc import Iterable


class Names(dict[str, str]):
    """Display names by member id: a member's name, else their id; an id nobody knows (a member
    since removed, a typo in a command) stands for itself. `names[member_id]` never fails."""

    def __missing__(self, member_id: str) -> str:
        return member_id


def display_names(rows: Iterable[tuple[str, str | None]]) -> Names:
    """Names from (id, name) rows, an empty name falling back to the id."""
    return Names({member_id: name or member_id for member_id, name in rows})
