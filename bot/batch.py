"""What routing reads, read once for a batch of inbound messages and kept true while it routes.

Routing one staff message needs the group's on-duty counsellors, their loads, the members' names
and the person's active conversation. Read per message, that was most of the cost of the inbound
path (about ten statements each). A `Batch` reads them once per group for all the messages of one
transaction and applies each routing decision to its own copy, so the next message in the batch
sees exactly what a fresh read would. Anything else that may change them (a command, a
counsellor's post) first `settle`s the batch: pending writes go out and the copies are dropped, to
be read again when the next staff message needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.names import Names
from bot.routing import CounsellorLoad


@dataclass
class GroupView:
    """One group as routing sees it inside the batch's transaction."""

    loads: dict[str, CounsellorLoad]  # the counsellors on duty, in shift order
    names: Names
    conversations: dict[str, models.Conversation | None]  # staff id -> active conversation

    def on_duty_loads(self) -> list[CounsellorLoad]:
        return list(self.loads.values())  # replacing a value keeps its place

    def moved(
        self, before: tuple[str, str | None], after: tuple[str, str | None], now: datetime
    ) -> None:
        """A conversation went from (status, counsellor) `before` to `after`: count it."""
        if before == after:
            return
        was_status, was_with = before
        status, holder = after
        if was_status == "open" and was_with in self.loads:
            old = self.loads[was_with]
            self.loads[was_with] = replace(old, open_count=old.open_count - 1)
        if status == "open" and holder in self.loads:
            new = self.loads[holder]
            last = now if holder != was_with or was_status != "open" else new.last_assigned_at
            self.loads[holder] = replace(new, open_count=new.open_count + 1, last_assigned_at=last)


@dataclass
class Batch:
    """The routing reads of one transaction of inbound messages, and its deferred writes."""

    s: AsyncSession
    now: datetime
    ahead: timedelta = timedelta(0)  # how far the rota is read for each one's end of duty
    staff_by_group: dict[str, set[str]] = field(default_factory=dict)
    _views: dict[str, GroupView] = field(default_factory=dict)
    # (group, person) first seen in this batch: their first reply may carry the privacy notice.
    new_people: set[tuple[str, str]] = field(default_factory=set)
    _refresh: bool = False
    _message_updates: list[tuple[int, models.Conversation, dict[str, Any]]] = field(
        default_factory=list
    )

    def expect(self, group_id: str, staff_id: str) -> None:
        """`staff_id` will be routed in this batch: read their conversation with the others."""
        self.staff_by_group.setdefault(group_id, set()).add(staff_id)

    async def view(self, group_id: str, staff_id: str) -> GroupView:
        view = self._views.get(group_id)
        if view is None or staff_id not in view.conversations:
            self.expect(group_id, staff_id)
            view = await self._read(group_id)
            self._views[group_id] = view
        return view

    async def _read(self, group_id: str) -> GroupView:
        s, now = self.s, self.now
        loads = {x.member_id: x for x in await store.on_duty_loads(s, group_id, now, self.ahead)}
        names = await store.member_names(s, group_id)
        staff = sorted(self.staff_by_group.get(group_id, ()))
        found = await store.active_conversations(s, group_id, staff, refresh=self._refresh)
        conversations: dict[str, models.Conversation | None] = dict.fromkeys(staff)
        conversations.update(found)
        return GroupView(loads, names, conversations)

    def set_message(self, message_id: int, conv: models.Conversation, **values: Any) -> None:
        """Record what routing learnt of a message; written with the rest of the batch."""
        self._message_updates.append((message_id, conv, values))

    async def write_messages(self) -> None:
        """Write the recorded message updates (conversation ids need the conversations flushed)."""
        if not self._message_updates:
            return
        await self.s.flush()
        rows = [
            {"id": mid, "conversation_id": conv.id, **values}
            for mid, conv, values in self._message_updates
        ]
        self._message_updates = []
        await self.s.execute(update(models.Message), rows)

    async def settle(self) -> None:
        """Before anything but routing touches the database: write, and read afresh after."""
        await self.write_messages()
        await self.s.flush()
        if self._views:
            self._views.clear()
            self._refresh = True  # rows changed under the session's objects: reload them
