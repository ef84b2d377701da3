"""The reserved list in the decisions' own form, and its mapping to the platform's job titles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from manpower.law import codes
from manpower.law.occupations import reserved_items, reserved_on, unmapped_items

DOCS = Path(__file__).parents[2] / "docs" / "law"


def test_md_501_2024_items_211_to_249_are_all_there_with_their_dates() -> None:
    items = {i.item: i for i in reserved_items() if i.decision == "md_501_2024" and i.item is not None}
    assert sorted(items) == list(range(211, 250))
    assert items[211].since == dt.date(2024, 9, 2) and items[240].since == dt.date(2025, 1, 1)
    assert items[245].since == dt.date(2026, 1, 1) and items[249].since == dt.date(2027, 1, 1)


def test_every_item_has_titles_in_both_languages_and_valid_job_titles() -> None:
    esco = codes.esco_titles()
    for item in reserved_items():
        assert item.title_en and item.title_ar
        assert all(uri in esco for uri in item.esco_uris)
        assert (item.mapping == "none") == (not item.esco_uris)


def test_the_list_grows_on_each_phase_date() -> None:
    sizes = [len(reserved_on(day).by_uri) for day in (dt.date(2022, 7, 17), dt.date(2022, 7, 18),
                                                      dt.date(2024, 9, 2), dt.date(2025, 1, 1),
                                                      dt.date(2026, 1, 1), dt.date(2027, 1, 1))]
    assert sizes[0] == 0 and sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_items_without_a_job_title_are_flagged_in_the_documentation() -> None:
    text = (DOCS / "occupations.md").read_text(encoding="utf-8")
    for item in unmapped_items():
        assert item.title_en in text, item.title_en
