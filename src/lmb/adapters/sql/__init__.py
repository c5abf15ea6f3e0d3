"""Storage on SQLAlchemy 2 (async Core): SQLite embedded, PostgreSQL in production."""

from lmb.adapters.sql.cipher import AesGcmCipher, FieldCipher, PlainCipher
from lmb.adapters.sql.engine import create_engine
from lmb.adapters.sql.migrate import upgrade, upgrade_engine
from lmb.adapters.sql.tables import metadata
from lmb.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "AesGcmCipher",
    "FieldCipher",
    "PlainCipher",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine",
    "metadata",
    "upgrade",
    "upgrade_engine",
]
