"""Django's PostgreSQL backend with the owner's credentials while `as_owner()` is active
(see partnership/db_roles.py). Without an owner role it is Django's backend unchanged."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, creation

from partnership import db_roles


class DatabaseCreation(creation.DatabaseCreation):
    """The test database is created, migrated and dropped by the owner role; the tests
    then run as the application role."""

    def create_test_db(self, *args: Any, **kwargs: Any) -> str:
        with db_roles.as_owner(self.connection.alias):
            return super().create_test_db(*args, **kwargs)

    def destroy_test_db(self, *args: Any, **kwargs: Any) -> None:
        with db_roles.as_owner(self.connection.alias):
            super().destroy_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        owner = self.settings_dict.get("OWNER")
        if owner and db_roles.connects_as_owner(self.alias):
            params["user"] = owner["USER"]
            params.pop("password", None)
            for key in ("PASSWORD", "HOST", "PORT"):
                if owner.get(key):
                    params[key.lower()] = owner[key]
        return params
