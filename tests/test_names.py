"""Names: a member's display name is their name, else their id; an unknown id stands for itself."""

from __future__ import annotations

from bot.names import Names, display_names


def test_a_name_else_the_id_and_an_unknown_id_is_itself() -> None:
    names = display_names([("c1", "Chen"), ("c2", ""), ("c3", None)])
    assert names == {"c1": "Chen", "c2": "c2", "c3": "c3"}
    assert names["c1"] == "Chen" and names["gone"] == "gone"
    assert "gone" not in names  # looking it up adds nothing
    assert Names()["x"] == "x"
