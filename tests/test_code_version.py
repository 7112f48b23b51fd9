"""The cache's key prefix is the version of the code (config/version.py): a changed template
or module gives another, so a deploy never serves what the code before it cached."""

from pathlib import Path

from django.conf import settings

from config.version import code_version


def _tree(base: Path) -> None:
    (base / "templates" / "offers").mkdir(parents=True)
    (base / "templates" / "offers" / "card.html").write_text("<p>{{ offer }}</p>")
    (base / "offers" / "migrations").mkdir(parents=True)
    (base / "offers" / "views.py").write_text("X = 1\n")
    (base / "offers" / "migrations" / "0001_initial.py").write_text("Y = 1\n")


def test_a_changed_template_or_module_changes_the_version_and_a_migration_does_not(tmp_path):
    _tree(tmp_path)
    first = code_version(tmp_path)
    assert code_version(tmp_path) == first
    (tmp_path / "offers" / "migrations" / "0001_initial.py").write_text("Y = 2\n")
    assert code_version(tmp_path) == first
    (tmp_path / "templates" / "offers" / "card.html").write_text("<p>{{ offer.name }}</p>")
    second = code_version(tmp_path)
    assert second != first
    (tmp_path / "offers" / "views.py").write_text("X = 2\n")
    assert code_version(tmp_path) not in (first, second)


def test_the_cache_is_keyed_by_the_running_code():
    assert settings.CACHES["default"]["KEY_PREFIX"] == code_version(settings.BASE_DIR)
