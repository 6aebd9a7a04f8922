"""The commands the README shows run as written after `make install`, with no environment variable
set (SPEC 7 and 8): the local settings come from the `.env` that `make install` writes. Production
refuses to start without SECRET_KEY, and its settings pass `check --deploy`.

Each command runs in a subprocess with an emptied environment. Only SQLITE_PATH and MEDIA_ROOT are
set, so that the run writes into a temporary folder instead of the checkout.
"""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

REPO = Path(__file__).resolve().parent.parent
# What an operator must not see on a command's output: Celery's and kombu's log lines.
CELERY_NOISE = re.compile(r"celery|kombu|Task \S+\[|succeeded in|No hostname was supplied", re.I)


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    noise = [line for line in output.splitlines() if CELERY_NOISE.search(line)]
    assert not noise, f"{result.args[2]} printed log lines: {noise}"
    return output


def test_make_install_wrote_the_local_settings():
    dotenv = (REPO / ".env").read_text()
    assert re.search(r"^DJANGO_ENV=local$", dotenv, re.M)
    secret = re.search(r"^SECRET_KEY=(\S+)$", dotenv, re.M)
    assert secret and len(secret.group(1)) >= 50
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0, ".env must never be committed"


def test_operator_commands_run_with_no_environment(tmp_path):
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media")}
    ok(manage("migrate", "--noinput", env=env))
    seeded = ok(manage("seed_demo", env=env))
    assert re.search(r"\d+ end customers, \d+ claims", seeded)
    assert re.search(
        r"staff@demo\.example: \d{6} \(valid for \d+ s\)", ok(manage("demo_totp", env=env))
    )

    partners = tmp_path / "partners.csv"
    partners.write_text(
        "partner_id,name,customer_number,league,contact_email\n"
        "9990001,Fresh Machine GmbH,DE99001,Einsteiger-Liga,ops@fresh.example\n"
    )
    assert "created: 1" in ok(manage("import_partners", str(partners), env=env))

    tenant = "77777777-7777-4777-8777-777777777777"
    month = timezone.localdate().replace(day=1)
    last_month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,status\n"
        f"9990001,sql_lead,{tenant},Bäckerei Frisch,,{last_month.isoformat()},approved\n"
    )
    assert "imported: 1" in ok(manage("import_claims", str(claims), env=env))

    billing = tmp_path / "billing.csv"
    billing.write_text(
        "Tier2MpnId,CustomerId,CustomerName,EntitlementId,MeterCategory,UsageDate,"
        "BillingPreTaxTotal,BillingCurrency\n"
        f"9990001,{tenant},Bäckerei Frisch,{tenant},Virtual Machines,"
        f"{last_month.isoformat()},12.5,EUR\n"
    )
    assert re.search(r"rows stored: 1\b", ok(manage("import_billing", str(billing), env=env)))
    ok(manage("compute_credits", env=env))
    exported = tmp_path / "credits.csv"
    ok(manage("export_credits", "--output", str(exported), env=env))
    assert exported.read_text().startswith(
        "partner_id,customer_tenant_id,kind,service_group,booking_month,credit_eur,status"
    )

    # The demo's settled credits, issued as staff would: each note an e-invoice that validates.
    issued = manage("issue_credit_notes", env=env)
    ok(issued)
    notes = issued.stdout.splitlines()
    assert notes, issued.stderr
    assert all(re.fullmatch(r"GS-\d{4}-\d{5} \d+ -?\d+\.\d{2}", line) for line in notes), notes
    again = manage("issue_credit_notes", env=env)
    ok(again)
    assert again.stdout == "" and "nothing to issue" in again.stderr
    csv_file, pdfs = tmp_path / "gutschriften.csv", tmp_path / "gutschriften"
    ok(manage("export_credit_notes", "--output", str(csv_file), "--pdf-dir", str(pdfs), env=env))
    assert (
        csv_file.read_text(encoding="utf-8-sig")
        .splitlines()[0]
        .endswith(";net_eur;vat_eur;gross_eur")
    )
    files = sorted(pdfs.iterdir())
    assert [path.stem for path in files] == sorted(line.split()[0] for line in notes)
    checked = ok(manage("check_einvoice", *map(str, files), env=env))
    assert checked.count(" 0 fatal, ") == len(notes), checked


def test_production_refuses_to_start_without_a_secret_key():
    # An empty variable overrides the checkout's .env, as the image (which has no .env) would be.
    result = manage("check", env={"DJANGO_ENV": "production", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_an_unknown_environment_is_refused_by_name():
    result = manage("check", env={"DJANGO_ENV": "staging"})
    assert result.returncode != 0
    assert "DJANGO_ENV must be local, production or test, not 'staging'" in result.stderr


@pytest.mark.parametrize("hosts", ["league.example.com", "localhost,127.0.0.1"])
def test_production_settings_pass_the_deployment_checklist(hosts):
    # HSTS, the HTTPS redirect and secure cookies whatever ALLOWED_HOSTS says.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_ENV": "production",
            "SECRET_KEY": "p" + "roduction-secret-" * 4 + "0123456789",
            "ALLOWED_HOSTS": hosts,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_limits_how_long_a_task_may_run():
    code = (
        "from django.conf import settings; "
        "print(settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": "x" * 50,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    soft, hard = map(int, result.stdout.split())
    assert 0 < soft < hard
