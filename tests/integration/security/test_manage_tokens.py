"""Stolen or guessed manage links (N-SEC): guessing is slow, and a guess learns nothing."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from lmb.entrypoints.container import Runtime
from lmb.entrypoints.http import HttpSettings, create_app
from tests.integration.api.support import TODAY, Client, Staff, registration

BUDGET = 4


@pytest.fixture
async def guarded(memory_runtime: Runtime) -> AsyncIterator[Client]:
    """The app with a small manage budget, as an attacker would meet it."""
    app = create_app(memory_runtime, HttpSettings(manage_rate_limit=BUDGET))
    async with AsyncTestClient(app) as client:
        yield client


def a_guess() -> str:
    """A token of the very shape of a real one (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


class TestGuessingIsRateLimited:
    async def test_429_once_the_budget_is_spent_whatever_the_method(self, guarded: Client) -> None:
        """Every manage action draws on one budget per client: switching the method or
        the token does not buy more guesses."""
        calls = [
            ("GET", f"/api/v1/manage/{a_guess()}", None),
            ("POST", f"/api/v1/manage/{a_guess()}/confirm", None),
            (
                "PUT",
                f"/api/v1/manage/{a_guess()}/availability",
                {"availability": [{"date": TODAY.isoformat(), "half_day": "evening"}]},
            ),
            ("DELETE", f"/api/v1/manage/{a_guess()}", None),
            ("GET", f"/api/v1/manage/{a_guess()}", None),
        ]
        statuses = []
        for method, path, body in calls:
            response = await guarded.request(method, path, json=body)
            statuses.append(response.status_code)
        assert statuses[:BUDGET] == [404] * BUDGET
        assert statuses[BUDGET] == 429
        assert int(response.headers["retry-after"]) >= 1

    async def test_a_real_link_is_refused_too_once_the_budget_is_spent(
        self, guarded: Client, memory_runtime: Runtime
    ) -> None:
        """A 429 says nothing about the token: the real one is refused alike."""
        real = memory_runtime.services.ctx.secrets.manage_token("some-registration")
        for _ in range(BUDGET):
            await guarded.get(f"/api/v1/manage/{a_guess()}")
        refused = await guarded.get(f"/api/v1/manage/{real}")
        assert refused.status_code == 429

    async def test_the_limit_counts_in_the_metrics(self, guarded: Client) -> None:
        for _ in range(BUDGET + 2):
            await guarded.get(f"/api/v1/manage/{a_guess()}")
        metrics = (await guarded.get("/metrics")).text
        assert 'lmb_http_rate_limited_total{bucket="manage"} 2.0' in metrics


class TestAGuessLearnsNothing:
    async def test_a_wrong_token_of_any_shape_gets_the_same_404(
        self, memory_client: Client, memory_staff: Staff
    ) -> None:
        """The look-up is by keyed digest: a well-formed guess, a malformed one and the
        link of a registration that never existed all meet the same answer."""
        await memory_staff.register(registration(memory_staff.centre_id))
        never = memory_staff.manage_token("never-registered")
        answers = []
        for token in (a_guess(), never, "x", "not-base64!*~", "A" * 200):
            response = await memory_client.get(f"/api/v1/manage/{token}")
            assert response.status_code == 404, token
            answers.append((response.headers["content-type"], response.content))
        assert len(set(answers)) == 1, answers

    async def test_every_manage_action_answers_a_guess_alike(self, memory_client: Client) -> None:
        bodies = set()
        for token in (a_guess(), "x"):
            for method, suffix, body in (
                ("GET", "", None),
                ("POST", "/confirm", None),
                ("DELETE", "", None),
            ):
                response = await memory_client.request(
                    method, f"/api/v1/manage/{token}{suffix}", json=body
                )
                assert response.status_code == 404
                bodies.add(response.content)
        assert len(bodies) == 1

    async def test_an_overlong_token_is_refused_before_any_look_up(
        self, memory_client: Client
    ) -> None:
        """More than 200 characters is refused by shape (real tokens have 43)."""
        response = await memory_client.get(f"/api/v1/manage/{'A' * 201}")
        assert response.status_code == 422

    async def test_the_token_is_never_stored(
        self, memory_staff: Staff, memory_runtime: Runtime
    ) -> None:
        """Only the digest is kept: a copy of the database holds no working link."""
        receipt = await memory_staff.register(registration(memory_staff.centre_id))
        token = memory_staff.manage_token(receipt["id"])
        async with memory_runtime.services.ctx.uow() as uow:
            by_digest = await uow.registrations.by_manage_digest(
                memory_runtime.services.ctx.secrets.digest(token)
            )
            by_token = await uow.registrations.by_manage_digest(token)
        assert by_digest is not None and by_digest.id == receipt["id"]
        assert by_token is None
