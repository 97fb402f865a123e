from __future__ import annotations

import pytest

from csto_kg import settings

from .conftest import ROOT


def test_readme_settings_table_matches_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings-table -->\n", 1)[1].split("\n<!-- /settings-table -->", 1)[0]
    assert table == settings.markdown_table()


def test_design_names_are_all_settings():
    for name in ("CSTO_KG_DATA", "CSTO_KG_STORE", "CSTO_KG_HOST", "CSTO_KG_PORT", "CSTO_KG_SPARQL_TIME_LIMIT_MS",
                 "CSTO_KG_SPARQL_MAX_ROWS", "CSTO_KG_SERVICE_ALLOW", "CSTO_KG_WIKIDATA_ENDPOINT"):
        assert name in settings.BY_NAME


def test_environment_overrides_default():
    assert settings.get("CSTO_KG_PORT", {}) == "8000"
    assert settings.get("CSTO_KG_PORT", {"CSTO_KG_PORT": "9001"}) == "9001"
    assert settings.get("CSTO_KG_PORT", {"CSTO_KG_PORT": "  "}) == "8000"
    with pytest.raises(ValueError, match="CSTO_KG_PORT='x' is not a whole number"):
        settings.get_int("CSTO_KG_PORT", {"CSTO_KG_PORT": "x"})
