"""N-REPORT over HTTP: the summary of the contract, its breakdown, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

from tests.integration.api.support import (
    Client,
    Staff,
    code_for,
    person,
    registration,
)

CONTRACT_FIELDS = {
    "registered",
    "invited",
    "groups",
    "third_party_invitations",
    "by_region",
    "by_centre",
}


async def _some_activity(staff: Staff) -> None:
    """A citizen from Eupen and a group from Brussels, both invited; the citizen books."""
    eupen = person(postcode="4700", born=dt.date(1940, 3, 3))
    receipt = await staff.register(registration(staff.centre_id, persons=[eupen]))
    group = await staff.register(
        registration(
            staff.centre_id,
            kind="group",
            persons=[person(postcode="1000", first_name="Mia"), person(postcode="1050")],
        )
    )
    for rid in (receipt["id"], group["id"]):
        await staff.confirm(rid)
    await staff.work()
    await staff.open_session(slots=3)
    await staff.work()
    await staff.book(code_for(eupen["insz"]))


class TestSummary:
    async def test_the_contract_fields_and_the_breakdown(
        self, client: Client, staff: Staff
    ) -> None:
        await _some_activity(staff)
        summary = await staff.summary()
        assert set(summary) >= CONTRACT_FIELDS
        assert summary["registered"] == 3
        assert summary["invited"] == 3
        assert summary["groups"] == 1
        assert summary["by_region"] == {"VLG": 0, "BRU": 2, "WAL": 0, "OOS": 1}
        assert summary["by_province"] == {"BRU": 2, "WLG": 1}
        assert summary["by_kind"]["group"] == summary["by_kind"]["self"] == 1
        assert summary["doctor_registrations"] == 0
        assert summary["bookings"] == 1
        assert summary["expiries"] == 0
        assert summary["invitations"]["booked"] == 1
        assert summary["invitations_by_centre"] == {
            staff.centre_id: {"sent": 1, "booked": 1, "expired": 0, "cancelled": 0}
        }
        assert summary["registrations_per_day"] == {"2026-11-23": 2}
        assert summary["invitations_per_day"] == {"2026-11-23": 2}


class TestCsvExport:
    async def test_the_csv_holds_the_same_numbers(self, client: Client, staff: Staff) -> None:
        await _some_activity(staff)
        summary = await staff.summary()
        response = await client.get(
            "/api/v1/reports/summary.csv", headers=staff.tokens["reporting"]
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows[0].keys() == {"section", "key", "value"}
        flat = {(r["section"], r["key"]): int(r["value"]) for r in rows}
        assert flat[("total", "registered")] == summary["registered"]
        assert flat[("total", "bookings")] == 1
        assert flat[("by_region", "OOS")] == 1
        assert flat[("by_province", "WLG")] == 1
        assert flat[("invitations_by_centre", f"{staff.centre_id}/booked")] == 1
        assert flat[("registrations_per_day", "2026-11-23")] == 2
        totals = {k for s, k in flat if s == "total"}
        assert totals == {k for k, v in summary.items() if isinstance(v, int)}

    async def test_an_empty_system_exports_zeros(self, client: Client, staff: Staff) -> None:
        response = await client.get("/api/v1/reports/summary.csv", headers=staff.tokens["admin"])
        rows = list(csv.reader(io.StringIO(response.text)))
        assert ["total", "registered", "0"] in rows
