"""One way to enqueue: every service sends its task with `delay_on_commit`, so a transaction that
rolls back sends nothing, and a committed one sends its task once."""

import ast
import uuid
from pathlib import Path

import pytest
from django.db import transaction

from challenges.services.exclusions import exclusion_create
from config.celery import Task
from credits.billing_import.upload import billing_import_create
from credits.models import CreditNote
from credits.notes.issuing import credit_notes_issue
from credits.services import service_group_set
from partners.models import CustomerExclusion, OutboxEmail
from partners.notifications import email_send
from tests.factories import CreditLineFactory, EndCustomerFactory, PartnerFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "core", "seasons", "partners", "challenges", "credits", "league")
# The one way itself (config/celery.py's Task.delay_on_commit) is not scanned.
MECHANISM = "config/celery.py"
# Not tasks: the league table's cache versions are bumped after commit.
ON_COMMIT_ALLOWED = {"league/leaderboard.py", "league/services.py"}


class Rollback(Exception):
    pass


@pytest.fixture
def sent(monkeypatch):
    """The tasks handed to the broker, as (name, kwargs)."""
    calls = []
    monkeypatch.setattr(
        Task, "delay", lambda self, *args, **kwargs: calls.append((self.name, kwargs))
    )
    return calls


def upload(season, tmp_path):
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text("x")
    billing_import_create(season=season, path=path)


def map_category(season, tmp_path):
    service_group_set(meter_category="Key Vault", service_group="security")


def exclude(season, tmp_path):
    exclusion_create(
        season=season,
        kind=CustomerExclusion.Kind.TENANT,
        value=str(uuid.uuid4()),
        reason="Konzern",
        actor=None,
    )


def issue(season, tmp_path):
    CreditLineFactory(customer=EndCustomerFactory(partner=PartnerFactory(season=season)))
    credit_notes_issue(season=season, issued_by=None)


def mail(season, tmp_path):
    partner = PartnerFactory(season=season, decision_reason="Unvollständig")
    email_send(
        to="x@example.com",
        template="partners/email/registration_rejected",
        context={"partner": partner, "url": ""},
    )


CASES = {
    "e-mail": (mail, ["partners.tasks.email_deliver_task"]),
    "billing upload": (upload, ["credits.tasks.billing_import_run_task"]),
    "service-group mapping": (map_category, ["credits.tasks.credits_compute_task"]),
    "exclusion": (exclude, ["credits.tasks.credits_compute_task"]),
    "credit notes": (issue, ["credits.tasks.credit_note_render_task"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rolled_back_transaction_sends_nothing_a_committed_one_sends_once(
    case, season, tmp_path, sent, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    action, expected = CASES[case]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Rollback), transaction.atomic():
            action(season, tmp_path)
            raise Rollback
    assert sent == []
    assert not CreditNote.objects.exists()  # the rolled-back note took no number either
    assert not OutboxEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        action(season, tmp_path)
    assert [name for name, _kwargs in sent] == expected


@pytest.mark.django_db
def test_an_enqueue_that_fails_after_the_commit_is_logged_not_raised(
    season, tmp_path, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(self, *args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(Task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        exclude(season, tmp_path)
    # The exclusion stands, and the caller (a staff page) does not fail for it.
    assert CustomerExclusion.objects.filter(season=season).count() == 1
    assert "credits.tasks.credits_compute_task.delay" in caplog.text
    assert "Connection refused" in caplog.text


def calls_in(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr, node.lineno


def test_services_enqueue_only_with_delay_on_commit():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative == MECHANISM:
                continue
            for name, lineno in calls_in(path):
                if name in ("delay", "apply_async", "apply_async_on_commit", "send_task"):
                    found.append(f"{relative}:{lineno} .{name}()")
                if name == "on_commit" and relative not in ON_COMMIT_ALLOWED:
                    found.append(f"{relative}:{lineno} transaction.on_commit()")
    assert found == []
