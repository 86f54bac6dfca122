"""The annual report and project forms in the generated editor: they show, save, and a second
report of one enterprise for one year is refused with the reason in Chinese."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from tests.gui.conftest import GOOD_CODE
from tests.gui.helpers import child, click, in_office, seed
from tests.gui.test_editor import editor_for, session  # noqa: F401  (the fixture)

FIRM = "安徽年报科技有限公司"


def fill(editor, firm_id: str, year: int, future: int) -> None:
    view = editor.view
    view.row_for("enterprise").widget.set_value(firm_id)
    for path, value in (("enterprise_name", FIRM), ("credit_code", GOOD_CODE), ("year", year),
                        ("sector", "quantum"), ("direction", "quantum_computing"),
                        ("revenue", future * 2), ("future_revenue", future), ("output_value", future * 3),
                        ("employees", 120), ("rd_staff", 40)):
        view.row_for(path).widget.set_value(value)
        editor._changed()


def save_final(qtbot, editor) -> None:
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, child(editor, QPushButton, "saveFinal"))


def test_annual_reports_save_and_a_second_report_of_a_year_is_refused(qtbot, session):  # noqa: F811
    (firm,) = seed(qtbot, session, "enterprise", [{"name": FIRM, "credit_code": GOOD_CODE}])
    first = editor_for(qtbot, session, "annual_report")
    fill(first, firm, 2025, 12000)
    assert first.view.row_for("enterprise").widget.shown.text() == FIRM
    save_final(qtbot, first)
    assert first.record["status"] == "final" and first.record["title"] == f"{FIRM}（2025年度）"

    last_year = editor_for(qtbot, session, "annual_report")
    fill(last_year, firm, 2024, 8000)
    save_final(qtbot, last_year)

    again = editor_for(qtbot, session, "annual_report")
    fill(again, firm, 2025, 13000)
    click(qtbot, child(again, QPushButton, "saveFinal"))
    assert again.record_id is None and again.summary.isVisible()
    shown = [again.summary_list.item(i).text() for i in range(again.summary_list.count())]
    assert any("报告年度：该企业这一年度的数据已经填报过" in text and "（2025年度）" in text for text in shown), shown
    assert in_office(qtbot, session, lambda records: records.count()) == 3  # the enterprise and its two reports


def test_a_project_with_its_funding_and_investment_lines_saves_from_the_editor(qtbot, session):  # noqa: F811
    from tests.office.test_projects import PROJECT

    (saved,) = seed(qtbot, session, "project", [PROJECT], final=True)
    editor = editor_for(qtbot, session, "project", saved)
    assert len(editor.view.row_for("funding").widget.items) == 3
    editor.view.row_for("total_investment").widget.set_value(260000)
    editor._changed()
    with qtbot.waitSignal(editor.saved, timeout=10000):
        editor.save(final=True)
    record = in_office(qtbot, session, lambda records: records.show(saved))
    assert record["version_count"] == 2 and record["data"]["total_investment"] == 260000
    assert record["data"]["funding"] == PROJECT["funding"] and record["data"]["investment"] == PROJECT["investment"]


def test_choosing_the_enterprise_fills_its_name_code_and_sector_but_keeps_what_was_typed(qtbot, session, monkeypatch):  # noqa: F811
    from PySide6.QtWidgets import QComboBox, QLineEdit

    (firm,) = seed(qtbot, session, "enterprise", [{"name": FIRM, "credit_code": GOOD_CODE, "sector": "quantum",
                                                    "direction": "quantum_computing"}])
    editor = editor_for(qtbot, session, "annual_report")
    editor.view.row_for("enterprise_name").widget.set_value("已填写的名称")
    row = editor.view.row_for("enterprise")
    monkeypatch.setattr(row.widget, "choose", lambda form_id: (firm, FIRM))
    click(qtbot, child(editor, QPushButton, "choose_enterprise"))
    data = editor.data()
    assert (data["enterprise"], data["credit_code"], data["sector"], data["direction"]) == (
        firm, GOOD_CODE, "quantum", "quantum_computing")
    assert data["enterprise_name"] == "已填写的名称"  # typed before: kept
    assert child(editor, QLineEdit, "input_credit_code").text() == GOOD_CODE
    assert child(editor, QComboBox, "input_direction").currentData() == "quantum_computing"


def test_copy_last_years_figures_fills_a_new_report_which_the_clerk_then_edits(qtbot, session):  # noqa: F811
    from PySide6.QtWidgets import QLabel, QLineEdit

    (firm,) = seed(qtbot, session, "enterprise", [{"name": FIRM, "credit_code": GOOD_CODE, "sector": "quantum",
                                                    "direction": "quantum_computing"}])
    first = editor_for(qtbot, session, "annual_report")
    fill(first, firm, 2024, 8000)
    first.view.row_for("tax").widget.set_value(410)
    save_final(qtbot, first)

    editor = editor_for(qtbot, session, "annual_report")
    button, note = child(editor, QPushButton, "copyLastYear"), child(editor, QLabel, "carryOverLabel")
    assert button.isVisible()
    click(qtbot, button)
    assert note.text() == "请先选择企业。"  # nothing typed yet: nothing to go by
    editor.view.row_for("enterprise").widget.set_value(firm)
    editor.view.row_for("year").widget.set_value(2025)
    click(qtbot, button)
    assert note.text() == "已填入2024年度的数据，请逐项核对。"
    data = editor.data()
    assert (data["year"], data["future_revenue"], data["revenue"], data["tax"], data["employees"]) == (
        "2025", "8000", "16000", "410", "120")
    child(editor, QLineEdit, "input_future_revenue").setText("9500")
    save_final(qtbot, editor)
    saved = in_office(qtbot, session, lambda records: records.show(editor.record_id))["data"]
    assert (saved["year"], saved["future_revenue"], saved["tax"]) == (2025, 9500, 410)
    # Forms without a year in their key have no such button.
    assert not child(editor_for(qtbot, session, "enterprise"), QPushButton, "copyLastYear").isVisible()
