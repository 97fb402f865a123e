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


# -- the options and the app config the table generates


def _port_command():
    import click

    @click.command()
    @settings.option("CSTO_KG_PORT", "--port")
    @settings.option("CSTO_KG_STORE", "--store", "store_location")
    def command(port: int, store_location: str) -> None:
        click.echo(f"{port!r} {store_location}")

    return command


@pytest.mark.parametrize("environ, shown", [
    ({}, "8000 .csto-kg/store"),
    ({"CSTO_KG_PORT": "9001", "CSTO_KG_STORE": "http://127.0.0.1:9/ds"}, "9001 http://127.0.0.1:9/ds"),
    ({"CSTO_KG_PORT": "  ", "CSTO_KG_STORE": ""}, "8000 .csto-kg/store"),  # blank counts as unset, as in get()
])
def test_an_option_takes_its_default_from_the_environment_then_the_table(runner, environ, shown):
    result = runner.invoke(_port_command(), [], env={"CSTO_KG_PORT": None, "CSTO_KG_STORE": None, **environ})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == shown


def test_the_command_line_wins_and_whole_numbers_are_checked(runner):
    command = _port_command()
    assert runner.invoke(command, ["--port", "7"], env={"CSTO_KG_PORT": "9001"}).stdout.strip().startswith("7 ")
    for bad in ("x", "-1"):
        result = runner.invoke(command, [], env={"CSTO_KG_PORT": bad})
        assert result.exit_code == 2 and "--port" in result.stderr


def test_an_options_help_is_the_tables_with_the_variable_and_default(runner):
    result = runner.invoke(_port_command(), ["--help"], terminal_width=1000)
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "--port" in line)
    assert settings.BY_NAME["CSTO_KG_PORT"].help in line
    assert "env var: CSTO_KG_PORT" in line and "default: 8000" in line


def test_every_cli_option_of_a_setting_is_made_from_the_table():
    from csto_kg.cli import main

    def commands(group):
        for command in group.commands.values():
            yield command
            if hasattr(command, "commands"):
                yield from commands(command)

    found = set()
    for command in commands(main):
        for param in command.params:
            if param.envvar:
                setting = settings.BY_NAME[param.envvar]
                assert param.help == setting.help and param.show_envvar
                assert str(param.default) == setting.default
                found.add(setting.name)
            else:  # no other option repeats a setting's default by hand
                assert not (isinstance(param.default, str) and param.default
                            in {s.default for s in settings.SETTINGS if len(s.default) > 4}), (command.name, param.name)
    assert found == {"CSTO_KG_DATA", "CSTO_KG_STORE", "CSTO_KG_WIKIDATA_ENDPOINT", "CSTO_KG_WIKIDATA_DIR",
                     "CSTO_KG_WIKIDATA_CONTACT", "CSTO_KG_HOST", "CSTO_KG_PORT", "CSTO_KG_SPARQL_TIME_LIMIT_MS"}


def test_the_app_config_comes_from_the_table_typed():
    config = settings.app_config({"CSTO_KG_SPARQL_MAX_ROWS": "25", "CSTO_KG_STORE": "/srv/store"})
    assert config == {"STORE": "/srv/store", "DATA": "data", "SPARQL_TIME_LIMIT_MS": 10000, "SPARQL_MAX_ROWS": 25,
                      "SPARQL_WORKERS": 0, "SPARQL_CACHE_MB": 64, "SERVICE_ALLOW": settings.WIKIDATA_SPARQL,
                      "BASE_IRI": "https://w3id.org/csto-kg/"}
    with pytest.raises(ValueError, match="CSTO_KG_SPARQL_WORKERS='many' is not a whole number"):
        settings.app_config({"CSTO_KG_SPARQL_WORKERS": "many"})


def test_create_app_reads_the_settings_from_the_environment(monkeypatch, tmp_path):
    from csto_kg.web import create_app

    monkeypatch.setenv("CSTO_KG_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("CSTO_KG_SPARQL_TIME_LIMIT_MS", "1234")
    monkeypatch.setenv("CSTO_KG_BASE_IRI", "https://example.org/kg/")
    app = create_app({"SPARQL_MAX_ROWS": 5})
    assert app.config["STORE"] == str(tmp_path / "store")
    assert app.config["SPARQL_TIME_LIMIT_MS"] == 1234 and app.config["SPARQL_MAX_ROWS"] == 5
    assert app.config["BASE_IRI"] == "https://example.org/kg/"
    for name, value in settings.app_config().items():
        assert isinstance(app.config[name], type(value))
