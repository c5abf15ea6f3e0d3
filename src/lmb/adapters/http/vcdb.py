"""The vaccination code database over HTTP (contract section 3; R-ELIG, R-ASYNC, R-INVA-3)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from lmb.adapters.http._json import iso_datetime, json_object
from lmb.adapters.http.client import HttpAdapter
from lmb.application.ports import EligibilityAnswer, EligibilityService, ServiceRejected
from lmb.domain.errors import DomainError
from lmb.domain.insz import Insz
from lmb.domain.person import VaccinationCode, VcdbStatus

_CHECK_LOG_PATH = "/v1/persons/***/vaccination-code"
_MARK_LOG_PATH = "/v1/vaccination-codes/***/invitations"
#: Statuses under which a person holds a vaccination code that lmb may send out.
_NEEDS_CODE = frozenset({VcdbStatus.ELIGIBLE})


class HttpVcdb(HttpAdapter, EligibilityService):
    """Speaks the VCDB contract with a bearer token, retries and a circuit breaker.

    - ``GET /v1/persons/{insz}/vaccination-code``: 200 with ``insz``,
      ``vaccination_code``, ``status`` and optionally ``replaced_by`` (C-REGISTRY);
      404 means an unknown person, so ``not_eligible`` without a code.
    - ``POST /v1/vaccination-codes/{code}/invitations``: 204.
    - Answers that do not fit the contract raise ServiceRejected, never crash.

    Args:
        base_url: ``LMB_VCDB_URL``.
        token: ``LMB_VCDB_TOKEN``.
        settings: timeouts, retries and breaker thresholds.
        clock: monotonic seconds for the breaker (tests).
        sleep: waiting between retries (tests).
    """

    service = "VCDB"

    async def check(self, insz: Insz) -> EligibilityAnswer:
        """What the VCDB says of ``insz``; an unknown person is ``not_eligible``.

        Raises:
            ServiceUnavailable: the VCDB cannot answer now.
            ServiceRejected: it refused the request or answered outside the contract.
        """
        what = f"GET {_CHECK_LOG_PATH}"
        response = await self._http.request(
            "GET",
            f"/v1/persons/{quote(insz.digits, safe='')}/vaccination-code",
            log_path=_CHECK_LOG_PATH,
            also_ok=(404,),
        )
        if response.status_code == 404:
            return EligibilityAnswer(VcdbStatus.NOT_ELIGIBLE, None)
        body = json_object(response, service=self.service, what=what)
        return _answer(body, asked=insz, what=what)

    async def mark_invited(
        self, code: VaccinationCode, *, invited_at: dt.datetime, centre_id: str, date: dt.date
    ) -> None:
        """Tell the VCDB the code was invited (R-INVA-3); idempotent on its side.

        Raises:
            ServiceUnavailable: the VCDB cannot take it now.
            ServiceRejected: it refused (e.g. an unknown code).
        """
        await self._http.request(
            "POST",
            f"/v1/vaccination-codes/{quote(code.value, safe='')}/invitations",
            log_path=_MARK_LOG_PATH,
            json={
                "invited_at": iso_datetime(invited_at),
                "centre_id": centre_id,
                "date": date.isoformat(),
            },
        )


def _answer(body: dict[str, object], *, asked: Insz, what: str) -> EligibilityAnswer:
    def garbage(detail: str) -> ServiceRejected:
        return ServiceRejected(f"VCDB: {what} answered outside the contract ({detail})")

    raw_status = body.get("status")
    try:
        status = VcdbStatus(str(raw_status))
    except ValueError:
        raise garbage("unknown status") from None

    replaced_by: Insz | None = None
    if body.get("replaced_by") is not None:
        replaced_by = _insz(body["replaced_by"])
        if replaced_by is None:
            raise garbage("replaced_by is not an INSZ")

    if body.get("insz") is not None:
        answered = _insz(body["insz"])
        if answered is None:
            raise garbage("insz is not an INSZ")
        # Never store another person's code: the answer must be about the one asked,
        # or about the INSZ that replaced it.
        if answered not in (asked, replaced_by):
            raise garbage("the answer is about another person")

    if "vaccination_code" not in body:
        raise garbage("vaccination_code missing")
    raw_code = body["vaccination_code"]
    code: VaccinationCode | None = None
    if raw_code is not None:
        try:
            code = VaccinationCode.parse(raw_code)
        except DomainError:
            raise garbage("vaccination_code is not a code") from None
    if code is None and status in _NEEDS_CODE:
        raise garbage(f"no vaccination code for status {status.value}")
    return EligibilityAnswer(status, code, replaced_by)


def _insz(value: object) -> Insz | None:
    if not isinstance(value, str):
        return None
    try:
        return Insz.parse(value)
    except DomainError:
        return None
