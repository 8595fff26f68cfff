"""Adding and removing rows of a table field (the CT01 household members) as typed ``table.N.column`` values."""

from __future__ import annotations

from kiosk.workflows.registry import default_registry
from kiosk.workflows.table_rows import typed_rows, without_row


def test_removing_a_row_moves_the_following_ones_up() -> None:
    typed = {"request": "Tách hộ", "members.1.full_name": "A", "members.2.full_name": "B",
             "members.2.relation": "con", "members.3.full_name": "C"}
    assert typed_rows(typed, "members") == 3
    assert without_row(typed, "members", 2) == {"request": "Tách hộ", "members.1.full_name": "A",
                                                  "members.2.full_name": "C"}
    assert without_row(typed, "members", 1)["members.1.relation"] == "con"
    assert typed_rows(without_row(typed, "members", 3), "members") == 2
    assert typed_rows({"request": "x", "membersx.1.a": "y"}, "members") == 0


def test_the_ct01_members_table_has_a_row_limit() -> None:
    spec = default_registry().procedure("ct01").field("members")
    assert spec is not None and spec.type == "table" and spec.max_rows == 20
    assert [c.name for c in spec.columns] == ["full_name", "date_of_birth", "sex", "id_number", "relation"]
