"""The deployment files point at things that exist.

There is no Docker engine where the suite runs, so docker-compose.yml and the Dockerfile are checked
statically: every command a container would run is parsed with the real program's own option parser
(gunicorn, celery, manage.py) and its target is imported; every file they name must be in the repo
and in the image. No database.

The `test_check_rejects_*` tests feed each checker something broken, so that a checker which
stopped looking would be noticed.
"""

import importlib
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import dj_database_url
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig
from gunicorn.util import import_app

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
CI_RUN = REPO / ".ci" / "run"
MAKEFILE = REPO / "Makefile"

APP_SERVICES = ("web", "worker", "beat")
REQUIRED_SERVICES = (*APP_SERVICES, "postgres", "redis")
APP_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DJANGO_ENV",
    "ALLOWED_HOSTS",
    "STATIC_MANIFEST",
    "MEDIA_ROOT",
)


# --- Parsing ------------------------------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _argv(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(part) for part in value]


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _exec_form(arguments: str) -> list[str]:
    if arguments.startswith("["):
        return [str(part) for part in yaml.safe_load(arguments)]
    return ["/bin/sh", "-c", arguments]


def _workdir(text: str) -> str:
    workdirs = [args for keyword, args in _dockerfile_instructions(text) if keyword == "WORKDIR"]
    return workdirs[-1] if workdirs else "/"


def _last(text: str, keyword: str) -> list[str]:
    found = [args for kw, args in _dockerfile_instructions(text) if kw == keyword]
    return _exec_form(found[-1]) if found else []


def _copy_sources(text: str) -> list[str]:
    """Sources of COPY/ADD from the build context (copies from other stages are not files here)."""
    sources = []
    for keyword, arguments in _dockerfile_instructions(text):
        if keyword not in ("COPY", "ADD"):
            continue
        parts = _exec_form(arguments) if arguments.startswith("[") else shlex.split(arguments)
        flags = [part for part in parts if part.startswith("--")]
        if any(flag.startswith("--from=") for flag in flags):
            continue
        paths = [part for part in parts if not part.startswith("--")]
        sources.extend(paths[:-1])
    return sources


def _dockerignore_patterns() -> list[str]:
    if not DOCKERIGNORE.exists():
        return []
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line.lstrip("/") for line in lines if line and not line.startswith(("#", "!"))]


def _ignored(relative: str, patterns: list[str]) -> bool:
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch(prefix, pattern) or fnmatch(prefix, pattern.removeprefix("**/"))
        for prefix in prefixes
        for pattern in patterns
    )


def _copied(relative: str, dockerfile_text: str) -> bool:
    """Whether repo path `relative` ends up in the image (a COPY source is it or a parent)."""
    relative = os.path.normpath(relative)
    for source in _copy_sources(dockerfile_text):
        source = os.path.normpath(source)
        if source == "." or relative == source or relative.startswith(source + os.sep):
            return not _ignored(relative, _dockerignore_patterns())
    return False


def _makefile_targets(text: str) -> set[str]:
    targets = set()
    for line in text.splitlines():
        match = re.match(r"^([^\s#:=][^:=#]*?)\s*::?(?!=)", line)
        if match:
            targets.update(match.group(1).split())
    return targets


SHELL_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", ";;"}
SHELL_PREFIXES = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "exec"}


def _calls_make_test(script: str) -> bool:
    """Whether a line of the shell script runs `make ... test` (not merely mentions it)."""
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:  # quoting that spans lines
            continue
        command: list[str] = []
        for word in [*words, ";"]:
            if word not in SHELL_SEPARATORS:
                if command or (word not in SHELL_PREFIXES and not re.match(r"\w+=", word)):
                    command.append(word)
                continue
            if command and Path(command[0]).name == "make" and "test" in command[1:]:
                return True
            command = []
    return False


def _substitute(value: str) -> str:
    """Compose interpolation with the defaults: ${X:-d} -> d, ${X:?msg} and ${X} -> placeholder."""

    def replace(match: re.Match) -> str:
        operator, argument = match.group(2), match.group(3)
        if operator in (":-", "-"):
            return argument
        return f"set-{match.group(1).lower()}"

    return re.sub(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}", replace, value)


# --- Checking one command -----------------------------------------------------------------------


def _script_problems(
    program: str, workdir: str, dockerfile_text: str, *, executable: bool = True
) -> list[str]:
    if program.startswith("/"):
        if not program.startswith(workdir.rstrip("/") + "/"):
            return [f"{program}: outside the app directory {workdir}, cannot be checked"]
        relative = program[len(workdir.rstrip("/")) + 1 :]
    else:
        relative = os.path.normpath(program)
    path = REPO / relative
    if not path.is_file():
        return [f"{program}: no such file {relative} in the repository"]
    if executable and not os.access(path, os.X_OK):
        return [f"{program}: {relative} is not executable (chmod +x)"]
    if not _copied(relative, dockerfile_text):
        return [f"{program}: {relative} is not copied into the image"]
    return []


def _gunicorn_problems(args: list[str]) -> list[str]:
    parser = GunicornConfig(usage="%(prog)s [OPTIONS] [APP_MODULE]", prog="gunicorn").parser()
    try:
        options = parser.parse_args(args)
    except SystemExit:
        return [f"gunicorn rejects its options: {shlex.join(args)}"]
    if len(options.args) != 1:
        return [f"gunicorn needs exactly one WSGI application, got {options.args}"]
    try:
        # What gunicorn itself does: import the module, fetch the attribute, require a callable.
        import_app(options.args[0])
    except Exception as error:
        return [f"gunicorn cannot load {options.args[0]}: {error}"]
    return []


def _celery_problems(args: list[str]) -> list[str]:
    split = next((i for i, arg in enumerate(args) if arg in celery_cli.commands), None)
    if split is None:
        return [f"celery without a known subcommand ({', '.join(sorted(celery_cli.commands))})"]
    global_args, name, command_args = args[:split], args[split], args[split + 1 :]
    try:
        context = celery_cli.make_context("celery", list(global_args))
    except Exception as error:
        return [f"celery rejects {shlex.join(global_args)}: {error}"]
    app_name = context.params.get("app")
    if not app_name:
        return ["celery without -A/--app"]
    try:
        module = importlib.import_module(app_name.partition(":")[0])
        app = find_app(app_name)
    except Exception as error:
        return [f"celery -A {app_name}: {error}"]
    problems = []
    if not isinstance(getattr(module, "celery_app", None), Celery):
        problems.append(f"module {module.__name__} has no celery_app")
    elif app is not module.celery_app:
        problems.append(f"celery -A {app_name} finds another app than {module.__name__}.celery_app")
    try:
        obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
        celery_cli.commands[name].make_context(name, list(command_args), obj=obj)
    except Exception as error:
        problems.append(f"celery {name} rejects {shlex.join(command_args)}: {error}")
    return problems


def _manage_py_problems(
    args: list[str], workdir: str, dockerfile_text: str, *, executable: bool
) -> list[str]:
    problems = _script_problems(args[0], workdir, dockerfile_text, executable=executable)
    if problems:
        return problems
    if len(args) < 2:
        return ["manage.py without a command"]
    name, options = args[1], args[2:]
    commands = get_commands()
    if name not in commands:
        return [f"manage.py has no command {name!r}"]
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        parser.parse_args(options)
    except (Exception, SystemExit) as error:
        return [f"manage.py {name} rejects {shlex.join(options)}: {error}"]
    return []


def command_problems(
    argv: list[str], workdir: str = "/app", dockerfile_text: str = ""
) -> list[str]:
    """Why `argv`, run in the app image, would not start; [] when everything it names exists."""
    dockerfile_text = dockerfile_text or DOCKERFILE.read_text()
    if not argv:
        return ["empty command"]
    program, args = argv[0], argv[1:]
    name = Path(program).name
    if name in ("sh", "bash") and args[:1] == ["-c"] and len(args) >= 2:
        problems = []
        for part in re.split(r"&&|\|\||;", args[1]):
            words = shlex.split(part)
            if words[:1] == ["exec"]:
                words = words[1:]
            if words:
                problems += command_problems(words, workdir, dockerfile_text)
        return problems
    if name == "gunicorn":
        return _gunicorn_problems(args)
    if name == "celery":
        return _celery_problems(args)
    if name in ("python", "python3") and args and Path(args[0]).name == "manage.py":
        return _manage_py_problems(args, workdir, dockerfile_text, executable=False)
    if name == "manage.py":
        return _manage_py_problems(argv, workdir, dockerfile_text, executable=True)
    if "/" in program:
        return _script_problems(program, workdir, dockerfile_text)
    return [f"{program}: unknown program; teach tests/test_deployment.py how to check it"]


def _service_argvs(service: dict, dockerfile_text: str) -> list[list[str]]:
    """What the container runs: its entrypoint (if any) and its command, both as argv lists."""
    builds_here = "build" in service
    entrypoint = _argv(service.get("entrypoint")) or (
        _last(dockerfile_text, "ENTRYPOINT") if builds_here else []
    )
    command = _argv(service.get("command")) or (
        _last(dockerfile_text, "CMD") if builds_here else []
    )
    return [argv for argv in (entrypoint, command) if argv]


# --- docker-compose.yml -------------------------------------------------------------------------


def test_compose_has_the_production_services():
    services = _compose()["services"]
    missing = [name for name in REQUIRED_SERVICES if name not in services]
    assert not missing, f"docker-compose.yml lacks services {missing}"
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_reuse_the_web_definition(name):
    services = _compose()["services"]
    for key in ("build", "image", "environment", "volumes"):
        assert services[name].get(key) == services["web"].get(key), f"{name}.{key} differs from web"


def test_every_app_service_command_points_at_something_that_exists():
    dockerfile_text = DOCKERFILE.read_text()
    workdir = _workdir(dockerfile_text)
    problems = {}
    for name, service in _compose()["services"].items():
        if "build" not in service:
            continue  # postgres, redis: upstream images
        argvs = _service_argvs(service, dockerfile_text)
        found = [p for argv in argvs for p in command_problems(argv, workdir, dockerfile_text)]
        if not argvs:
            found = ["no command and no CMD in the Dockerfile"]
        if found:
            problems[name] = found
    assert not problems


def test_web_serves_the_wsgi_app_on_the_published_port():
    web = _compose()["services"]["web"]
    argv = _service_argvs(web, DOCKERFILE.read_text())[-1]
    assert Path(argv[0]).name == "gunicorn"
    options = GunicornConfig(prog="gunicorn").parser().parse_args(argv[1:])
    module, _, attribute = settings.WSGI_APPLICATION.rpartition(".")
    assert options.args == [f"{module}:{attribute}"], "web serves another app than WSGI_APPLICATION"
    assert options.bind and options.bind[0].startswith("0.0.0.0:"), "bind all interfaces"
    port = options.bind[0].rpartition(":")[2]
    published = [str(mapping).rpartition(":")[2] for mapping in web.get("ports", [])]
    assert port in published, f"gunicorn listens on {port}, compose publishes {published}"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_services_run_their_own_subcommand(name):
    argv = _service_argvs(_compose()["services"][name], DOCKERFILE.read_text())[-1]
    assert Path(argv[0]).name == "celery"
    assert name in argv, f"the {name} service does not run `celery ... {name}`"


def test_migrations_run_before_the_app_starts():
    services = _compose()["services"]
    migrators = [
        name
        for name, service in services.items()
        if any(
            re.search(r"manage\.py\s+migrate\b", " ".join(argv))
            for argv in _service_argvs(service, DOCKERFILE.read_text())
        )
    ]
    assert migrators, "no service runs `manage.py migrate`"
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on") or {}
        waits = [
            m
            for m in migrators
            if isinstance(depends_on, dict)
            and depends_on.get(m, {}).get("condition") == "service_completed_successfully"
        ]
        assert waits or name in migrators, f"{name} may start before migrations ran"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_their_settings_from_the_environment(name):
    services = _compose()["services"]
    environment = services[name].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    missing = [key for key in APP_ENV if key not in environment]
    assert not missing, f"{name} lacks {missing}"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"]), (
        "SECRET_KEY must be required from the environment, never defaulted"
    )
    assert str(environment["STATIC_MANIFEST"]) == "1"
    assert environment["DJANGO_ENV"] == "production"

    database = dj_database_url.parse(_substitute(environment["DATABASE_URL"]))
    postgres_env = {k: _substitute(str(v)) for k, v in services["postgres"]["environment"].items()}
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "postgres"
    assert database["NAME"] == postgres_env.get("POSTGRES_DB", postgres_env["POSTGRES_USER"])
    assert database["USER"] == postgres_env["POSTGRES_USER"]
    assert database["PASSWORD"] == postgres_env["POSTGRES_PASSWORD"]
    assert re.match(r"redis://redis:6379(/\d+)?$", _substitute(environment["REDIS_URL"]))

    media_root = _substitute(environment["MEDIA_ROOT"])
    mounts = [str(volume).split(":")[1] for volume in services[name].get("volumes", [])]
    assert media_root in mounts, f"MEDIA_ROOT {media_root} is not on a volume ({mounts})"


def test_postgres_keeps_its_data_and_reports_health():
    postgres = _compose()["services"]["postgres"]
    mounts = [str(volume).split(":")[1] for volume in postgres.get("volumes", [])]
    assert "/var/lib/postgresql/data" in mounts
    assert "pg_isready" in " ".join(_argv(postgres["healthcheck"]["test"]))


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_copy_sources_exist_and_are_not_dockerignored():
    patterns = _dockerignore_patterns()
    problems = []
    for source in _copy_sources(DOCKERFILE.read_text()):
        if not list(REPO.glob(source)) and not (REPO / source).exists():
            problems.append(f"{source}: does not exist")
        elif source != "." and _ignored(os.path.normpath(source), patterns):
            problems.append(f"{source}: excluded by .dockerignore")
    assert not problems


def test_dockerfile_copies_every_part_of_the_project():
    dockerfile_text = DOCKERFILE.read_text()
    needed = ["manage.py", *_layers()]  # every package of the portal, apps or not
    for app in settings.INSTALLED_APPS:
        top = app.split(".")[0]
        if (REPO / top).is_dir():
            needed.append(top)
    for directory in [
        *settings.TEMPLATES[0]["DIRS"],
        *settings.STATICFILES_DIRS,
        *settings.LOCALE_PATHS,
    ]:
        needed.append(str(Path(directory).relative_to(REPO)))
    missing = [path for path in dict.fromkeys(needed) if not _copied(path, dockerfile_text)]
    assert not missing, f"the image would lack {missing}"


def test_dockerfile_installs_hashed_runtime_requirements_and_drops_root():
    instructions = _dockerfile_instructions(DOCKERFILE.read_text())
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    # The pinned pip first, then the requirements with it.
    assert re.search(
        r"pip install\b[^&]*--require-hashes[^&]*-r requirements-pip\.txt.*"
        r"pip install\b[^&]*--require-hashes[^&]*-r requirements\.txt",
        runs,
    )
    envs = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert re.search(r"\bDJANGO_ENV=production\b", envs)
    assert "collectstatic" in runs
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the app must not run as root"


def test_dockerfile_default_command_starts():
    dockerfile_text = DOCKERFILE.read_text()
    argv = _last(dockerfile_text, "CMD")
    assert argv, "no CMD"
    assert command_problems(argv, _workdir(dockerfile_text), dockerfile_text) == []


# --- .ci/run and Makefile -----------------------------------------------------------------------


def test_ci_script_is_strict_and_runs_make_test():
    script = CI_RUN.read_text()
    assert os.access(CI_RUN, os.X_OK), ".ci/run is not executable"
    assert "set -euo pipefail" in script
    assert _calls_make_test(script), ".ci/run does not call `make test`"
    if shutil.which("bash"):
        result = subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_makefile_has_the_documented_targets():
    targets = _makefile_targets(MAKEFILE.read_text())
    missing = {"install", "install-dev", "run", "test", "lint", "messages", "clean"} - targets
    assert not missing, f"Makefile lacks targets {sorted(missing)}"


def _make_dry_run(target: str, *flags: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", *flags, target],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _layers() -> list[str]:
    """The layered contract of import-linter (pyproject.toml), top first."""
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in contracts["contracts"] if c["type"] == "layers"]
    return layers


def test_make_lint_checks_the_layers_and_ci_runs_it():
    assert re.search(r"\S*lint-imports\b", _make_dry_run("lint"))
    assert re.search(r"^\s*make lint\b", CI_RUN.read_text(), re.M)


def test_the_layer_contract_covers_every_package_of_the_portal():
    """A new app left out of the contract could import anything; the layers name them all, in the
    order INSTALLED_APPS lists them (bottom first), with core below and config on top."""
    layers = _layers()
    apps = [app for app in settings.INSTALLED_APPS if (REPO / app.split(".")[0]).is_dir()]
    project = settings.ROOT_URLCONF.split(".")[0]
    assert layers == [project, *reversed(apps), "core"]
    root_packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert sorted(root_packages["root_packages"]) == sorted(layers)


def test_make_test_runs_pytest_without_rate_limits():
    commands = _make_dry_run("test")
    assert re.search(r"DISABLE_RATE_LIMITS=1 \S*pytest", commands)


def test_make_run_migrates_seeds_and_serves_without_touching_the_environment():
    commands = _make_dry_run("run").splitlines()
    manage = [line for line in commands if "manage.py" in line]
    assert [line.split("manage.py")[1].split()[0] for line in manage] == [
        "migrate",
        "seed_demo",
        "runserver",
    ]
    # The local settings come from .env (DJANGO_ENV=local); nothing is set on the command line,
    # so the commands the README shows behave exactly as `make run` does.
    assert all(line.lstrip().startswith(".venv/bin/python manage.py") for line in manage)
    assert not any("DATABASE_URL" in line or "REDIS_URL" in line for line in commands)


def test_make_install_bootstraps_a_pinned_pip_before_the_hashed_requirements():
    # --always-make: as on a fresh clone, every file target out of date.
    commands = _make_dry_run("install", "--always-make").splitlines()
    pip_line = next(i for i, line in enumerate(commands) if "requirements-pip.txt" in line)
    runtime_line = next(i for i, line in enumerate(commands) if "-r requirements.txt" in line)
    assert pip_line < runtime_line
    assert "--require-hashes" in commands[pip_line]
    pinned = [
        line
        for line in (REPO / "requirements-pip.txt").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert [line.split("==")[0] for line in pinned] == ["pip"]
    assert all("==" in line for line in pinned)


# --- The checkers themselves can fail -----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["gunicorn", "config.wsgi:nonexistent", "--bind", "0.0.0.0:8000"],
        ["gunicorn", "config.wsgy:application"],
        ["gunicorn", "config.settings:DEBUG"],
        ["gunicorn", "config.wsgi:application", "--bnid", "0.0.0.0:8000"],
        ["celery", "-A", "config", "wroker", "-l", "info"],
        ["celery", "-A", "cnofig", "worker"],
        ["celery", "-A", "config", "beat", "--scheduel", "/tmp/x"],
        ["celery", "worker"],
        ["python", "manage.py", "migrat"],
        ["python", "manage.py", "migrate", "--no-such-option"],
        ["/app/bin/does-not-exist"],
        ["./pyproject.toml"],
        ["sh", "-c", "python manage.py migrate && exec gunicorn config.wsgi:nope"],
        ["uwsgi", "--http", ":8000"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_check_rejects_commands_that_would_not_start(argv):
    assert command_problems(argv, "/app") != []


@pytest.mark.parametrize(
    "argv",
    [
        ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"],
        ["celery", "-A", "config", "worker", "-l", "info"],
        ["sh", "-c", "python manage.py migrate --noinput && exec celery -A config beat"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_check_accepts_commands_that_start(argv):
    assert command_problems(argv, "/app") == []


def test_check_rejects_a_copy_of_something_missing_or_an_app_left_out():
    dockerfile = "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY config partners ./\n"
    assert _copy_sources(dockerfile + "COPY no-such-dir ./x\n")[-1] == "no-such-dir"
    assert not (REPO / "no-such-dir").exists()
    assert _copied("config/wsgi.py", dockerfile)
    assert not _copied("credits", dockerfile)
    assert _copy_sources("COPY --from=build /wheels /wheels\n") == []


def test_check_sees_make_test_only_where_it_runs():
    assert _calls_make_test("set -e\nmake test\n")
    assert _calls_make_test('make -C "$root" test || rc=$?\n')
    assert not _calls_make_test("set -e\n# make test\nmake lint\n")
    assert not _calls_make_test("make testing\n")
    assert not _calls_make_test("printf 'make test failed'\nrun_step \"make test\" tests\n")
    assert _calls_make_test("if make test; then echo ok; fi\n")


def test_check_rejects_a_makefile_without_a_test_target():
    assert "test" not in _makefile_targets("install:\n\tpip install\nDEV := test:1\n")
    assert {"install", "test"} <= _makefile_targets("install test: x\n")
