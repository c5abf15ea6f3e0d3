"""R-RANK, R-NOTIFY, R-REG-*: every use-case test, on SQLite and PostgreSQL.

The classes are those of tests/unit/application; collected here, they get this folder's
``lmb`` fixture, backed by the SQL store.
"""

from tests.unit.application.test_registration import (
    TestManageRegistration,
    TestRegisterForList,
    TestRegistrationsArrivingTogether,
)
from tests.unit.application.test_sessions import (
    TestClaimOpenSlot,
    TestInvitationLifecycle,
    TestOpenSession,
    TestOutbox,
)

__all__ = [
    "TestClaimOpenSlot",
    "TestInvitationLifecycle",
    "TestManageRegistration",
    "TestOpenSession",
    "TestOutbox",
    "TestRegisterForList",
    "TestRegistrationsArrivingTogether",
]
