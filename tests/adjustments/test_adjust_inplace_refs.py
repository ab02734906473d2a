"""How references move when a list grows or a totals row moves down (known answers)."""

from __future__ import annotations

import pytest

from connectors.xlsx_inplace.refs import Growth, TotalsMove, move_formula, move_sqref

GROW = Growth("Adjustments", last=6, min_col=1, max_col=9)  # rows up to 6 -> up to 7
TOTALS = TotalsMove("Adjustments", row=7)  # the totals row 7 -> 8


@pytest.mark.parametrize(("text", "grown", "moved"), [
    ("G2:G6", "G2:G7", "G2:G6"),  # a column of data grows; a totals move leaves it
    ("$A$1:$I$6", "$A$1:$I$7", "$A$1:$I$6"),  # $ signs kept
    ("G6", "G6", "G6"),  # a single cell is the cell it names
    ("G7", "G7", "G8"),  # the totals cell follows its row
    ("A2:I7", "A2:I7", "A2:I8"),  # a range ending on the totals row grows to it
    ("K2:K6", "K2:K6", "K2:K6"),  # beside the table: untouched
    ("G9:G12", "G9:G12", "G9:G12"),  # below: nothing below moves
    ("G2:G6 H7", "G2:G7 H7", "G2:G6 H8"),  # a sqref list, part by part
])
def test_sqrefs(text: str, grown: str, moved: str) -> None:
    assert (move_sqref(text, GROW), move_sqref(text, TOTALS)) == (grown, moved)


def test_formulas_move_only_references_to_their_sheet() -> None:
    assert move_formula("SUM(G2:G6)+Ledger!G6", GROW, home="Adjustments") == "SUM(G2:G7)+Ledger!G6"
    assert move_formula("SUM(Adjustments!G2:G6)", GROW, home="Ledger") == "SUM(Adjustments!G2:G7)"
    assert move_formula("'Adjustments'!$G$7*2", TOTALS, home=None) == "'Adjustments'!$G$8*2"
    text = 'SUBTOTAL(109,AdjustmentsTable[Gross])&" EUR"'
    assert move_formula(text, GROW, home="Adjustments") == text  # structured: no address
    quoted = Growth("My sheet's", last=6, min_col=1, max_col=9)
    assert move_formula("SUM('My sheet''s'!A1:A6)", quoted, home=None) == "SUM('My sheet''s'!A1:A7)"
