"""Run a real `lmb serve`, call every endpoint with curl, write docs/api.md.

Run from the repository root with the project's virtualenv:
``.venv/bin/python docs/capture_api_examples.py`` (needs curl).
"""

# ruff: noqa: S603, S607 - it runs curl and lmb, which is its whole point

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lmb.adapters.simulators import SimulatedVcdb, simulated_code
from lmb.adapters.system import HmacSecrets
from lmb.domain.insz import Insz
from lmb.domain.person import VcdbStatus

TMP = Path(tempfile.mkdtemp(prefix="lmb-capture-"))
WORK = TMP / "run"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
ADMIN = "demo-admin-token-change-me"
LMB = str(Path(sys.executable).parent / "lmb")
OUT = Path(__file__).resolve().parent / "api.md"

sections: list[str] = []


def eligible_insz(year: int, month: int, day: int, start: int = 1) -> str:
    vcdb = SimulatedVcdb()
    for serial in range(start, 998):
        first9 = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
        digits = f"{first9}{97 - int(first9) % 97:02d}"
        if vcdb.answer_for(Insz.parse(digits)).status is VcdbStatus.ELIGIBLE:
            return digits
    raise SystemExit("no eligible INSZ")


def curl(args: list[str], shown: str | None = None, limit: int | None = None) -> tuple[int, str]:
    cmd = ["curl", "-sS", "-o", str(TMP / "body"), "-w", "%{http_code}", *args]
    status = int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    body = Path(str(TMP / "body")).read_text(encoding="utf-8")
    pretty, fence = body, "text"
    with contextlib.suppress(ValueError):
        pretty, fence = json.dumps(json.loads(body), indent=2, ensure_ascii=False), "json"
    if limit is not None and len(pretty) > limit:
        pretty = pretty[:limit].rsplit("\n", 1)[0] + "\n…"
    sections.append(
        "```console\n$ "
        + (shown or " ".join(shlex.quote(a) for a in ["curl", "-s", *args]))
        + "\n```\n"
        + f"`{status}`"
        + (f"\n```{fence}\n{pretty}\n```\n" if pretty.strip() else " (no body)\n")
    )
    return status, body


def heading(text: str, intro: str = "") -> None:
    sections.append(f"\n### {text}\n" + (f"\n{intro}\n" if intro else ""))


def main() -> None:
    if WORK.exists():
        subprocess.run(["rm", "-rf", str(WORK)], check=True)
    WORK.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMB_")}
    env["LMB_ADMIN_TOKEN"] = ADMIN
    # Works around Config.from_env handing attrs descriptors as defaults for these two.
    env["LMB_BOOKING_PUBLIC_URL"] = "https://booking.example.invalid/"
    env["LMB_MAIL_FROM"] = "lmb@localhost"
    server = subprocess.Popen(
        [LMB, "serve", "--port", str(PORT)],
        cwd=WORK,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(TMP / "server.log").open("w"),
        text=True,
    )
    try:
        for _ in range(100):
            try:
                subprocess.run(
                    ["curl", "-sf", f"{BASE}/health/ready"], check=True, capture_output=True
                )
                break
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        assert server.stdout is not None
        banner = server.stdout.readline().strip()
        run(banner)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def run(banner: str) -> None:
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    auth = ["-H", f"Authorization: Bearer {ADMIN}"]
    jh = ["-H", "Content-Type: application/json"]
    secret = (WORK / "lmb.secret").read_text().strip()
    secrets = HmacSecrets(secret.encode())

    heading("Operations", "Health, readiness, metrics and the OpenAPI document need no token.")
    curl([f"{BASE}/health/live"])
    curl([f"{BASE}/health/ready"])
    curl([f"{BASE}/metrics"], limit=900)
    curl([f"{BASE}/schema/openapi.json"], limit=400)

    heading("Centres (admin)", "`POST /api/v1/centres` creates one centre.")
    gent = {
        "name": "Vaccinatiecentrum Gent Expo",
        "short_code": "GENT",
        "region": "VLG",
        "address": "Maaltekouter 1, 9051 Gent",
        "postcodes": ["9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051"],
        "phone": "+3292100000",
    }
    _, body = curl([*auth, *jh, "-d", j(gent), f"{BASE}/api/v1/centres"])
    centre_id = json.loads(body)["id"]
    csv = (
        "name,short_code,region,address,postcodes,phone\n"
        'Centre de vaccination Namur,NAMU,WAL,"Place d\'Armes 1, 5000 Namur",5000;5001;5002;5003,'
        "+3281000000\n"
        "Impfzentrum Eupen,EUPE,OOS,Rathausplatz 1 4700 Eupen,4700;4701;4710;4711,\n"
        "Vaccinatiecentrum Brussel,BXL,BRU,Heizel 1 1020 Brussel,1000;1020;1030,\n"
    )
    (TMP / "centres.csv").write_text(csv, encoding="utf-8")
    sections.append("\n`centres.csv`:\n```csv\n" + csv + "```\n")
    curl(
        [*auth, "-H", "Content-Type: text/csv", "--data-binary", f"@{TMP / 'centres.csv'}",
         f"{BASE}/api/v1/centres/import"],
        shown=f"curl -s -H 'Authorization: Bearer {ADMIN}' -H 'Content-Type: text/csv' "
        f"--data-binary @centres.csv {BASE}/api/v1/centres/import",
    )  # fmt: skip

    heading("Public: centres for a postcode")
    curl([f"{BASE}/api/v1/centres?postcode=9000"])

    heading("Staff tokens (admin)", "The token is shown once; only its keyed digest is stored.")
    tokens = {}
    for role, extra in (
        ("centre", {"centre_ids": [centre_id]}),
        ("doctor", {"nihdi_number": "1-23456-78-901"}),
        ("booking_system", {}),
        ("reporting", {}),
    ):
        _, body = curl(
            [*auth, *jh, "-d", j({"role": role, "name": f"{role} demo", **extra}),
             f"{BASE}/api/v1/tokens"]
        )  # fmt: skip
        tokens[role] = json.loads(body)["token"]
    centre = ["-H", f"Authorization: Bearer {tokens['centre']}"]

    heading("Open slots (R-REG-A)", "A centre announces free slots; a citizen claims one.")
    slot = {"date": tomorrow.isoformat(), "start": "15:00", "end": "17:00", "slots": 1}
    _, body = curl([*centre, *jh, "-d", j(slot), f"{BASE}/api/v1/centres/{centre_id}/open-slots"])
    slot_id = json.loads(body)["id"]
    curl([f"{BASE}/api/v1/open-slots?postcode=9000"])
    claimant = {
        "insz": eligible_insz(1946, 3, 14),
        "last_name": "Claes",
        "first_name": "Maria",
        "postcode": "9000",
        "email": "maria.claes@example.org",
        "mobile": "+32470111222",
    }
    claim = {"person": claimant, "language": "nl"}
    curl([*jh, "-d", j(claim), f"{BASE}/api/v1/open-slots/{slot_id}/claims"])
    second = dict(claimant, insz=eligible_insz(1947, 4, 15), first_name="Luc")
    curl(
        [*jh, "-H", "Accept-Language: nl", "-d", j({"person": second, "language": "nl"}),
         f"{BASE}/api/v1/open-slots/{slot_id}/claims"]
    )  # fmt: skip

    heading(
        "Registering (R-REG-B..F)",
        "The answer is `202` with the same shape whether or not the person was already listed.",
    )
    jan = {
        "insz": eligible_insz(1950, 5, 17),
        "last_name": "Peeters",
        "first_name": "Jan",
        "postcode": "9000",
        "email": "jan.peeters@example.org",
        "mobile": "+32470123456",
    }
    reg = {
        "kind": "self",
        "language": "nl",
        "persons": [jan],
        "centre_ids": [centre_id],
        "availability": [
            {"date": tomorrow.isoformat(), "half_day": "morning"},
            {"date": tomorrow.isoformat(), "half_day": "afternoon"},
        ],
    }
    _, body = curl([*jh, "-d", j(reg), f"{BASE}/api/v1/registrations"])
    reg_id = json.loads(body)["id"]
    patient = {
        "kind": "patient",
        "language": "fr",
        "invite": "doctor",
        "persons": [
            {"insz": eligible_insz(1938, 11, 2), "last_name": "Lambert", "first_name": "Jeanne",
             "postcode": "9000"}
        ],
        "contact": {"last_name": "Dupont", "first_name": "Docteur", "email": "dr@example.org"},
        "centre_ids": [centre_id],
        "availability": [{"date": tomorrow.isoformat(), "half_day": "afternoon"}],
    }  # fmt: skip
    curl(
        ["-H", f"Authorization: Bearer {tokens['doctor']}", *jh, "-d", j(patient),
         f"{BASE}/api/v1/registrations"]
    )  # fmt: skip

    heading(
        "The manage link",
        "Every message to the citizen carries `{LMB_PUBLIC_URL}/r/{manage_token}`; the API "
        "takes the same token. (Here it is derived from `lmb.secret`, as the mail would.)",
    )
    token = secrets.manage_token(reg_id)
    shown_token = "$TOKEN"  # noqa: S105 - a placeholder shown in the docs
    curl([f"{BASE}/api/v1/manage/{token}"], shown=f"curl -s {BASE}/api/v1/manage/{shown_token}")
    curl(
        ["-X", "POST", f"{BASE}/api/v1/manage/{token}/confirm"],
        shown=f"curl -s -X POST {BASE}/api/v1/manage/{shown_token}/confirm",
    )
    new_availability = {
        "availability": [
            {"date": tomorrow.isoformat(), "half_day": "morning"},
            {"date": (today + dt.timedelta(days=3)).isoformat(), "half_day": "evening"},
        ]
    }
    curl(
        ["-X", "PUT", *jh, "-d", j(new_availability), f"{BASE}/api/v1/manage/{token}/availability"],
        shown=f"curl -s -X PUT -H 'Content-Type: application/json' -d '{j(new_availability)}' "
        f"{BASE}/api/v1/manage/{shown_token}/availability",
    )
    time.sleep(5)  # the in-process worker asks the (simulated) VCDB
    sections.append(
        "\nA few seconds later the worker has had the VCDB's answer: the registration is"
        " `active` (on the list).\n"
    )
    curl([f"{BASE}/api/v1/manage/{token}"], shown=f"curl -s {BASE}/api/v1/manage/{shown_token}")

    heading("Sessions (R-SESSION, centre)", "The ranked invitations go out at once.")
    session = {"date": tomorrow.isoformat(), "start": "09:00", "end": "12:00", "slots": 1}
    _, body = curl([*centre, *jh, "-d", j(session), f"{BASE}/api/v1/centres/{centre_id}/sessions"])
    session_id = json.loads(body)["id"]
    time.sleep(3)  # the worker hands the invitation to the mail server: the deadline starts
    curl([*centre, f"{BASE}/api/v1/sessions/{session_id}"])
    curl([*centre, f"{BASE}/api/v1/sessions/{session_id}/invitations"])
    curl([*centre, *jh, "-d", j({"count": 2}), f"{BASE}/api/v1/sessions/{session_id}/invite-more"])

    heading("Booking events (booking_system)", "Idempotent; `204` also for an unknown code.")
    code = simulated_code(Insz.parse(jan["insz"])).value
    event = {
        "vaccination_code": code,
        "status": "booked",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    curl(
        ["-H", f"Authorization: Bearer {tokens['booking_system']}", *jh, "-d", j(event),
         f"{BASE}/api/v1/booking-events"]
    )  # fmt: skip
    curl([*centre, f"{BASE}/api/v1/sessions/{session_id}"])

    heading(
        "Reports (admin, reporting)",
        "N-REPORT: the contract's counts, then the breakdown: doctor registrations, bookings"
        " and expiries, invitations by status (`late`: booked after expiry), registrations"
        " by kind, persons by province (ISO 3166-2:BE from the postcode, `BRU` for"
        " Brussels), invitations per centre, and registrations and invitations per"
        " Brussels day. Counts only, never a person.",
    )
    curl(["-H", f"Authorization: Bearer {tokens['reporting']}", f"{BASE}/api/v1/reports/summary"])
    sections.append(
        "\nThe same numbers as CSV, one per row (`section,key,value`), for a spreadsheet:\n"
    )
    curl(
        ["-H", f"Authorization: Bearer {tokens['reporting']}",
         f"{BASE}/api/v1/reports/summary.csv"],
        limit=400,
    )  # fmt: skip

    heading(
        "Audit log (admin)",
        "Every staff action, newest first (`limit`, 1–1000, default 100): who (token id),"
        " what, when; never a citizen's personal data. Reading it is audited too.",
    )
    curl(["-H", f"Authorization: Bearer {ADMIN}", f"{BASE}/api/v1/audit?limit=3"])

    heading(
        "Revoking a staff token (admin)",
        "Refused at once on every instance; revoking twice is harmless (`204`).",
    )
    spare = subprocess.run(
        ["curl", "-s", "-H", f"Authorization: Bearer {ADMIN}", *jh,
         "-d", j({"role": "reporting", "name": "old laptop"}), f"{BASE}/api/v1/tokens"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    spare_id = json.loads(spare.stdout)["id"]
    curl(
        ["-X", "DELETE", "-H", f"Authorization: Bearer {ADMIN}",
         f"{BASE}/api/v1/tokens/{spare_id}"]
    )  # fmt: skip

    heading("Withdrawing (N-GDPR)", "Personal data are erased; the answer is `204`.")
    other = dict(reg, persons=[dict(jan, insz=eligible_insz(1961, 6, 6), first_name="Els")])
    listed = subprocess.run(
        ["curl", "-s", *jh, "-d", j(other), f"{BASE}/api/v1/registrations"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    other_token = secrets.manage_token(json.loads(listed.stdout)["id"])
    curl(
        ["-X", "DELETE", f"{BASE}/api/v1/manage/{other_token}"],
        shown=f"curl -s -X DELETE {BASE}/api/v1/manage/$OTHER_TOKEN",
    )
    curl(
        [f"{BASE}/api/v1/manage/{other_token}"],
        shown=f"curl -s {BASE}/api/v1/manage/$OTHER_TOKEN",
    )

    heading("Errors", "RFC 9457 problem documents, in the request's language.")
    bad = {
        "kind": "group",
        "language": "nl",
        "persons": [
            dict(jan, insz="12345678901"),
            dict(jan, insz=eligible_insz(1955, 1, 1), postcode="0000"),
        ],
        "centre_ids": [centre_id],
        "availability": [
            {"date": (today - dt.timedelta(days=1)).isoformat(), "half_day": "evening"}
        ],
    }  # fmt: skip
    for language in ("nl", "fr", "de"):
        curl(
            [
                *jh,
                "-H",
                f"Accept-Language: {language}",
                "-d",
                j(bad),
                f"{BASE}/api/v1/registrations",
            ]
        )
    curl([*jh, "-d", '{"kind": ', f"{BASE}/api/v1/registrations"])
    curl([f"{BASE}/api/v1/reports/summary"])
    curl([*centre, f"{BASE}/api/v1/reports/summary"])

    write(banner)


def write(banner: str) -> None:
    header = f"""# lmb HTTP API by example

Every example below was run with `curl` against a real `lmb serve` (embedded SQLite,
simulated VCDB and booking system, in-process worker), and shows the answer it gave.
The full contract is `/schema/openapi.json`; this page is generated by running the
server, so ids, tokens and dates differ from run to run.

```console
$ export LMB_ADMIN_TOKEN={ADMIN}
$ export LMB_BOOKING_PUBLIC_URL=https://booking.example.invalid/ LMB_MAIL_FROM=lmb@localhost
$ lmb serve --port {PORT}
{banner}
```

Conventions:

- Bodies are JSON; dates `YYYY-MM-DD`, hours `HH:MM`, half-days `morning`, `afternoon`,
  `evening`; moments ISO 8601 with their offset.
- Staff send `Authorization: Bearer <token>`; citizens need no account and act through
  their manage token.
- Errors are `application/problem+json` (RFC 9457) with `type`, `title`, `status`,
  `detail`, a stable `code` and, for invalid input, `errors: [{{field, code, message}}]`;
  messages follow `Accept-Language` (nl, fr, de; English otherwise).
- An INSZ is never returned in full: `50.05.17-***.**`.
- Public endpoints are rate limited per client address (`LMB_RATE_LIMIT_PUBLIC`,
  default 120 a minute; manage links `LMB_RATE_LIMIT_MANAGE`, default 30): past the
  budget the answer is `429` with `Retry-After`. JSON bodies are limited to 64 KiB,
  CSV imports to 1 MiB (`413`).
- Every answer carries `X-Request-ID` (yours if you sent a sane one) and security
  headers (`X-Content-Type-Options`, `X-Frame-Options: DENY`, `Referrer-Policy`,
  `Content-Security-Policy`, and `Strict-Transport-Security` when `LMB_PUBLIC_URL` is
  https). CORS is off unless `LMB_CORS_ORIGINS` lists origins.
"""
    OUT.write_text(header + "".join(sections), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())
